/* Read-only views: a proxy table whose metatable reads from the table behind it
 * ("backing") and refuses writes, with # and pairs over the backing; and JSON <-> Lua
 * (requests and sessions reach the rules as read-only views, DSL tables reach the
 * catalogue as JSON). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rules/host_private.h"

/* ---- read-only proxies ---- */

static int ro_newindex_data(lua_State *L) {
  return luaL_error(L, "this table is read-only: rules cannot change the catalogue or "
                       "rule-file data (copy what you need into a local table)");
}
static int ro_newindex_r(lua_State *L) { return luaL_error(L, "r is read-only"); }

/* r.channels[k] for an id that is not in the catalogue: a typo must not read as nil. */
int ww__view_unknown_channel(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING)
    return luaL_error(L, "unknown channel \"%s\" (r.channels)", lua_tostring(L, 2));
  lua_pushnil(L);
  return 1;
}

void ww__view_push_backing(lua_State *L, int idx) {
  if (!lua_getmetatable(L, idx)) {
    lua_pushnil(L);
    return;
  }
  if (lua_getfield(L, -1, "__data") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_getfield(L, -1, "__index");
  }
  lua_remove(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE && lua_getmetatable(L, -1)) {   /* lazy fields */
    if (lua_getfield(L, -1, "__fill") == LUA_TFUNCTION) {
      lua_pushvalue(L, -3);
      lua_call(L, 1, 0);
    } else {
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
}

/* #view: the raw length of the table behind (a __len of its own is on the view). */
static int ro_len(lua_State *L) {
  ww__view_push_backing(L, 1);
  if (!lua_istable(L, -1)) return luaL_error(L, "bad read-only table");
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
  return 1;
}

/* next() over the backing table held as upvalue 1; the loop's state argument (the proxy)
 * is ignored. The backing itself never reaches the rule: handing it out as the state, as
 * plain next() would need, would give the rule a writable table behind a read-only one. */
static int backing_next(lua_State *L) {
  lua_settop(L, 2);
  if (lua_next(L, lua_upvalueindex(1))) return 2;
  lua_pushnil(L);
  return 1;
}

void ww__view_push_pairs(lua_State *L, int backing, int proxy) {
  backing = lua_absindex(L, backing);
  proxy = lua_absindex(L, proxy);
  lua_pushvalue(L, backing);
  lua_pushcclosure(L, backing_next, 1);
  lua_pushvalue(L, proxy);
  lua_pushnil(L);
}

static int ro_pairs(lua_State *L) {
  ww__view_push_backing(L, 1);
  if (!lua_istable(L, -1)) return luaL_error(L, "bad read-only table");
  ww__view_push_pairs(L, -1, 1);
  return 3;
}

int ww__view_is(lua_State *L, int idx) {
  if (!lua_getmetatable(L, idx)) return 0;
  lua_getfield(L, -1, "__newindex");
  lua_CFunction f = lua_tocfunction(L, -1);
  lua_pop(L, 2);
  return f == ro_newindex_data || f == ro_newindex_r;
}

void ww__view_wrap(lua_State *L, int idx, int rmsg) {
  idx = lua_absindex(L, idx);
  lua_createtable(L, 0, 0);
  lua_createtable(L, 0, 5);
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, rmsg ? ro_newindex_r : ro_newindex_data);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, ro_len);
  lua_setfield(L, -2, "__len");
  lua_pushcfunction(L, ro_pairs);
  lua_setfield(L, -2, "__pairs");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
}

/* ---- JSON <-> Lua ---- */

/* One empty read-only table per message kind, shared: an empty {} or [] in a request or
 * session (data = {}, needs = []) costs a registry read instead of three new tables. */
static void push_empty_ro(lua_State *L, int ro) {
  const char *key = ro == 2 ? "ww.empty_r" : "ww.empty_data";
  if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_newtable(L);
  ww__view_wrap(L, -1, ro == 2);
  lua_remove(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
}

void ww__view_push_empty(lua_State *L) { push_empty_ro(L, 2); }

static void push_json_(lua_State *L, const json_t *j, int ro, int wrap_top) {
  if (ro && wrap_top &&
      ((json_is_object(j) && json_object_size(j) == 0) ||
       (json_is_array(j) && json_array_size(j) == 0))) {
    push_empty_ro(L, ro);
    return;
  }
  switch (json_typeof(j)) {
    case JSON_OBJECT: {
      luaL_checkstack(L, 6, "data nested too deeply");
      lua_createtable(L, 0, (int)json_object_size(j));
      const char *k;
      json_t *v;
      json_object_foreach((json_t *)j, k, v) {
        if (json_is_null(v)) continue;
        push_json_(L, v, ro, 1);
        lua_setfield(L, -2, k);
      }
      break;
    }
    case JSON_ARRAY: {
      luaL_checkstack(L, 6, "data nested too deeply");
      size_t n = json_array_size(j);
      lua_createtable(L, (int)n, 0);
      for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(j, i);
        if (json_is_null(v)) continue;
        push_json_(L, v, ro, 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      break;
    }
    case JSON_STRING:
      lua_pushlstring(L, json_string_value(j), json_string_length(j));
      return;
    case JSON_INTEGER:
      lua_pushinteger(L, (lua_Integer)json_integer_value(j));
      return;
    case JSON_REAL:
      lua_pushnumber(L, json_real_value(j));
      return;
    case JSON_TRUE:
      lua_pushboolean(L, 1);
      return;
    case JSON_FALSE:
      lua_pushboolean(L, 0);
      return;
    default:
      lua_pushnil(L);
      return;
  }
  if (ro && wrap_top) {
    ww__view_wrap(L, -1, ro == 2);
    lua_remove(L, -2);
  }
}

void ww__view_push_json(lua_State *L, const json_t *j, int ro) {
  if (ro >= 3) push_json_(L, j, ro - 2, 0);
  else push_json_(L, j, ro, 1);
}

/* Bytes the JSON of the value at 'idx' takes (JSON_VALUE_BYTES a value, plus its texts),
 * taken from '*left'; stops early once '*left' is below 0. A table held twice is counted
 * twice, as the JSON holds it twice. Adds the values to '*values'. */
#define JSON_VALUE_BYTES 64
static void json_size(lua_State *L, int idx, int depth, double *left, double *values) {
  *values += 1;
  *left -= JSON_VALUE_BYTES;
  int t = lua_type(L, idx);
  if (t == LUA_TSTRING) *left -= (double)lua_rawlen(L, idx);
  if (t != LUA_TTABLE || depth > 32 || !lua_checkstack(L, 3)) return;   /* (to_json says why) */
  idx = lua_absindex(L, idx);
  int top = lua_gettop(L);
  lua_pushnil(L);
  while (*left >= 0 && lua_next(L, idx)) {
    if (lua_type(L, -2) == LUA_TSTRING) *left -= (double)lua_rawlen(L, -2);
    json_size(L, -1, depth + 1, left, values);
    lua_pop(L, 1);
  }
  lua_settop(L, top);   /* (the walk's key, when it stopped early) */
}

static json_t *to_json(lua_State *L, int idx, char *msg, size_t msgsz, int depth);

/* The JSON is kept outside the Lua state (a channel's entry, a case): it counts against
 * the rule set's memory limit, and making it against the instruction budget. Both are
 * known before anything is made, so a raise leaks nothing. */
json_t *ww__view_to_json(lua_State *L, int idx, char *msg, size_t msgsz, int depth) {
  ww_host *H = ww__host_of(L);
  double room = (double)(H->lim.mem_cap - H->lim.mem_used), left = room, values = 0;
  json_size(L, idx, depth, &left, &values);
  if (left < 0) {
    snprintf(msg, msgsz, "%s (as data this table needs more than the %.0f KiB left; a "
             "table used more than once counts each time)", WW__MEMORY_LIMIT, room / 1024);
    return NULL;
  }
  ww__charge(L, values * WW__VALUE_STEPS, "a table as data");
  H->lim.mem_used += (size_t)(room - left);
  return to_json(L, idx, msg, msgsz, depth);
}

static json_t *to_json(lua_State *L, int idx, char *msg, size_t msgsz, int depth) {
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      json_t *j = json_stringn(s, len);
      if (j == NULL) snprintf(msg, msgsz, "text is not valid UTF-8");
      return j;
    }
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) return json_integer((json_int_t)lua_tointeger(L, idx));
      if (!isfinite(lua_tonumber(L, idx))) {
        snprintf(msg, msgsz, "numbers must be finite");
        return NULL;
      }
      return json_real(lua_tonumber(L, idx));
    case LUA_TBOOLEAN:
      return json_boolean(lua_toboolean(L, idx));
    case LUA_TTABLE:
      break;
    default:
      snprintf(msg, msgsz, "must be plain data (text, numbers, true/false, tables), not a %s",
               luaL_typename(L, idx));
      return NULL;
  }
  if (depth > 32) {
    snprintf(msg, msgsz, "tables nested too deeply");
    return NULL;
  }
  if (!lua_checkstack(L, 4)) {
    snprintf(msg, msgsz, "tables nested too deeply");
    return NULL;
  }
  lua_Integer len = (lua_Integer)lua_rawlen(L, idx);
  lua_Integer count = 0;
  int all_int = 1;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    count++;
    if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 || lua_tointeger(L, -2) > len)
      all_int = 0;
    lua_pop(L, 1);
  }
  if (count > 0 && all_int && count == len) {
    json_t *a = json_array();
    for (lua_Integer i = 1; i <= len; i++) {
      lua_rawgeti(L, idx, i);
      json_t *v = to_json(L, -1, msg, msgsz, depth + 1);
      lua_pop(L, 1);
      if (v == NULL) {
        json_decref(a);
        return NULL;
      }
      json_array_append_new(a, v);
    }
    return a;
  }
  json_t *o = json_object();
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      json_decref(o);
      snprintf(msg, msgsz, "a table mixes a list and named fields (or has non-text keys)");
      return NULL;
    }
    json_t *v = to_json(L, -1, msg, msgsz, depth + 1);
    if (v == NULL) {
      char inner[256];
      snprintf(inner, sizeof inner, "%s", msg);
      snprintf(msg, msgsz, "field '%s': %s", lua_tostring(L, -2), inner);
      lua_pop(L, 2);
      json_decref(o);
      return NULL;
    }
    json_object_set_new(o, lua_tostring(L, -2), v);
    lua_pop(L, 1);
  }
  return o;
}
