/* The Lua sandbox: a capped allocator, an instruction budget, an allow-list environment
 * with read-only library copies, bounded string functions, read-only proxies, and the
 * freeze that makes a loaded rule set immutable (globals, upvalues, data tables). */
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "rules/rules_private.h"

#define HOOK_EVERY 1000
#define CLOCK_EVERY 4096        /* charged steps between two looks at the clock */
#define CALL_MAX 1e6            /* steps one C call may do (2-5 ms): after its limit a
                                   decision ends at most one such call late */
#define BIG_BLOCK (16u << 10)   /* allocations from here on charge the budget */

ww_rules *ww__rules_of(lua_State *L) { return *(ww_rules **)lua_getextraspace(L); }

/* ---- allocator with a byte cap (osize is a type tag when ptr == NULL) ---- */

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  ww_rules *R = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    R->mem_used -= old;
    return NULL;
  }
  if (nsize > old) {
    if (R->mem_used - old + nsize > R->mem_cap) return NULL;
    /* big blocks cost more than their copying (page faults, collection): charged here,
     * and a spent budget stops the rule at its next instruction, not 1000 later */
    if (nsize >= BIG_BLOCK && R->budget_on) {
      R->budget_left -= (long)((nsize - old) >> 1);
      if (R->budget_left <= 0) ww__budget_force(R);
    }
  }
  void *p = realloc(ptr, nsize);
  if (p == NULL) return NULL;
  R->mem_used = R->mem_used - old + nsize;
  return p;
}

int ww__mem_take(ww_rules *R, size_t n) {
  if (n > R->mem_cap - R->mem_used) return -1;
  R->mem_used += n;
  return 0;
}

void ww__mem_charge(lua_State *L, size_t n) {
  if (ww__mem_take(ww__rules_of(L), n) != 0) luaL_error(L, "%s", WW__MEMORY_LIMIT);
}

static int on_panic(lua_State *L) {
  const char *m = lua_tostring(L, -1);
  ww_logf(WW_LOG_ERROR, "Lua panic (unprotected error): %s", m ? m : "?");
  abort();
}

/* ---- instruction budget and time limit: sticky once spent, so a rule's pcall cannot
 * swallow them ---- */

static void budget_hook(lua_State *L, lua_Debug *ar);

/* Raises "FILE:LINE: <fn: >what" at the running Lua line and keeps the hook firing at every
 * instruction, so each later instruction raises again. */
static int limit_error(lua_State *L, const char *fn, const char *what) {
  ww__rules_of(L)->limit_hit = 1;
  lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
  const char *sep = fn ? ": " : "";
  if (fn == NULL) fn = "";
  lua_Debug ar;   /* level 0: the running function; a C function has no line, its caller has */
  for (int level = 0; level < 2; level++)
    if (lua_getstack(L, level, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d: %s%s%s", ar.short_src, ar.currentline, fn, sep, what);
      return lua_error(L);
    }
  lua_pushfstring(L, "%s%s%s", fn, sep, what);
  return lua_error(L);
}

static int time_error(lua_State *L, ww_rules *R, const char *fn) {
  char what[200];
  if (R->run_load)
    snprintf(what, sizeof what, "loading took longer than %u ms (the time limit for loading a "
             "rule set; look for a loop that does not stop)", R->load_timeout_ms);
  else if (R->tests_deadline)
    snprintf(what, sizeof what, "the rule tests took longer than %u ms together (the time "
             "limit for loading; look for a loop that does not stop)", R->load_timeout_ms);
  else
    snprintf(what, sizeof what, "the rules ran longer than %u ms (the time limit of one "
             "decision; look for a loop over long texts or big tables)", R->timeout_ms);
  return limit_error(L, fn, what);
}

static void budget_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  ww_rules *R = ww__rules_of(L);
  if (R->deadline && (R->expired || ww__now_ms() >= R->deadline)) time_error(L, R, NULL);
  R->budget_left -= HOOK_EVERY;
  if (R->budget_left > 0) return;
  limit_error(L, NULL, "instruction budget exceeded (the rules ran too long; look for an "
                       "endless loop, or for work on very long texts or big tables)");
}

void ww__budget_start(ww_rules *R, unsigned long budget, int load) {
  R->budget_left = (long)budget;
  R->run_load = load;
  R->expired = 0;
  R->limit_hit = 0;
  R->charged = 0;
  R->budget_on = 1;
  int64_t now = ww__clock_ms();
  int64_t deadline = load              ? R->load_deadline
                     : R->tests_deadline ? R->tests_deadline
                                         : now + (int64_t)R->timeout_ms;
  unsigned limit = load || R->tests_deadline ? 0 : R->timeout_ms;   /* 0: wall-clock */
  lua_sethook(R->L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
  int watched = ww__watchdog_arm(R, now, deadline, limit);
  /* the hook's own look at the clock: for a watched decision only the hard limit (the
   * watchdog judges its running time), else the deadline itself */
  R->deadline = watched && limit ? now + ww__hard_limit(limit) : deadline;
}

void ww__budget_stop(ww_rules *R) {
  ww__watchdog_disarm();   /* before the hook goes: a late signal then finds nothing */
  R->budget_on = 0;
  R->deadline = 0;
  lua_sethook(R->L, NULL, 0, 0);
}

void ww__budget_force(ww_rules *R) { lua_sethook(R->L, budget_hook, LUA_MASKCOUNT, 1); }

void ww__charge(lua_State *L, double units, const char *fn) {
  ww_rules *R = ww__rules_of(L);
  if (!R->budget_on) return;
  if (units > CALL_MAX) {   /* one call runs to its end: the time limit waits for it */
    R->budget_left = 0;
    limit_error(L, fn, "instruction budget exceeded (this call alone is more work than one "
                       "call may do; use shorter texts or smaller tables)");
  }
  if (units < (double)R->budget_left) {
    R->budget_left -= (long)units;
    /* C work is not seen by the hook: the watchdog's flag at every charge, the clock
     * every CLOCK_EVERY charged steps (a C loop may charge one step at a time) */
    R->charged += (long)units;
    if (R->expired || (R->charged >= CLOCK_EVERY && R->deadline &&
                       (R->charged = 0, ww__now_ms() >= R->deadline)))
      time_error(L, R, fn);
    return;
  }
  R->budget_left = 0;
  limit_error(L, fn, "instruction budget exceeded (this call is more work than the rules "
                     "may still do in this decision; use shorter texts or smaller tables)");
}

/* ---- read-only proxies ---- */

static int ro_newindex_data(lua_State *L) {
  return luaL_error(L, "this table is read-only: rules cannot change the catalogue or "
                       "rule-file data (copy what you need into a local table)");
}
static int ro_newindex_r(lua_State *L) { return luaL_error(L, "r is read-only"); }
static int ro_newindex_global(lua_State *L) {
  const char *k = lua_tostring(L, 2);
  return luaL_error(L, "globals are read-only after loading (cannot set '%s'; use a local "
                       "variable inside the rule)", k ? k : "?");
}

/* r.channels[k] for an id that is not in the catalogue: a typo must not read as nil. */
int ww__unknown_channel(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING)
    return luaL_error(L, "unknown channel \"%s\" (r.channels)", lua_tostring(L, 2));
  lua_pushnil(L);
  return 1;
}

/* The backing table of proxy 'idx', pushed. */
static void push_backing(lua_State *L, int idx) {
  if (!lua_getmetatable(L, idx)) {
    lua_pushnil(L);
    return;
  }
  if (lua_getfield(L, -1, "__data") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_getfield(L, -1, "__index");
  }
  lua_remove(L, -2);
}

/* #view: the raw length of the table behind (a __len of its own is on the view). */
static int ro_len(lua_State *L) {
  push_backing(L, 1);
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

void ww__push_pairs(lua_State *L, int backing, int proxy) {
  backing = lua_absindex(L, backing);
  proxy = lua_absindex(L, proxy);
  lua_pushvalue(L, backing);
  lua_pushcclosure(L, backing_next, 1);
  lua_pushvalue(L, proxy);
  lua_pushnil(L);
}

static int ro_pairs(lua_State *L) {
  push_backing(L, 1);
  if (!lua_istable(L, -1)) return luaL_error(L, "bad read-only table");
  ww__push_pairs(L, -1, 1);
  return 3;
}

static int is_proxy(lua_State *L, int idx) {
  if (!lua_getmetatable(L, idx)) return 0;
  lua_getfield(L, -1, "__newindex");
  lua_CFunction f = lua_tocfunction(L, -1);
  lua_pop(L, 2);
  return f == ro_newindex_data || f == ro_newindex_r;
}

void ww__ro_wrap(lua_State *L, int idx, int rmsg) {
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

/* ---- safe base functions ---- */

static int safe_print(lua_State *L) { (void)L; return 0; }

static uint64_t fnv64(const char *s, uint64_t h) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* math.random: seeded at its first use in a decision from the decision's adviceId, so each
 * decision has numbers of its own and the same request with the same adviceId gets the
 * same numbers again (a trace can be reproduced). While loading: seeded once, fixed. */
static int safe_random(lua_State *L) {
  ww_rules *R = ww__rules_of(L);
  int n = lua_gettop(L);
  if (R->d.active && R->d.rand_gen != R->d.gen + 1) {
    const char *id = ww__advice_id(R);
    lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_randomseed);
    lua_pushinteger(L, (lua_Integer)fnv64(id, 14695981039346656037ull));
    lua_pushinteger(L, (lua_Integer)fnv64(id, 1469598103934665603ull));
    lua_call(L, 2, 0);
    R->d.rand_gen = R->d.gen + 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));   /* the original keeps its state in its upvalue */
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

/* xpcall's message handler runs where the error is raised. A limit error is raised from
 * the count hook, where Lua runs no hooks: a rule's handler would run there with neither
 * budget nor time limit (a handler that loops hung the worker for good). So the rule's
 * handler, upvalue 1, runs only for other errors; a limit error is passed on as it is. */
static int guarded_handler(lua_State *L) {
  if (ww__rules_of(L)->limit_hit) return 1;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

static int safe_xpcall(lua_State *L) {
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, guarded_handler, 1);
  lua_replace(L, 2);
  return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

static size_t copy_table(lua_State *L, int src, const char *skip1, const char *skip2);

/* setmetatable: no __gc (a finalizer would run outside any budget). A read-only view (a
 * table made while loading) has no metamethods of its own: it is replaced by a copy of the
 * table behind it, so a class made while loading still makes objects in a rule. The copy
 * belongs to this decision; the view stays as it was. */
static int safe_setmetatable(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (lua_type(L, 2) == LUA_TTABLE && is_proxy(L, 2)) {
    push_backing(L, 2);
    size_t n = copy_table(L, -1, NULL, NULL);
    ww__charge(L, 1 + (double)n * WW__VALUE_STEPS, "setmetatable");
    lua_replace(L, 2);
    lua_settop(L, 2);
  }
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    int has_gc = lua_rawget(L, 2) != LUA_TNIL;
    lua_pop(L, 1);
    if (has_gc) return luaL_error(L, "setmetatable: __gc is not allowed in rules");
  }
  lua_CFunction orig = lua_tocfunction(L, lua_upvalueindex(1));
  return orig(L);
}

/* Copies every field of the table at 'src' into a new table (pushed), except 'skip';
 * returns how many it copied. */
static size_t copy_table(lua_State *L, int src, const char *skip1, const char *skip2) {
  src = lua_absindex(L, src);
  size_t n = 0;
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, src)) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    if (k && ((skip1 && strcmp(k, skip1) == 0) || (skip2 && strcmp(k, skip2) == 0))) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
    n++;
  }
  return n;
}

static void wrap_orig(lua_State *L, int tbl, const char *name, lua_CFunction f) {
  lua_getfield(L, tbl, name);
  lua_pushcclosure(L, f, 1);
  lua_setfield(L, tbl, name);
}

static const char *const safe_base[] = {
    "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber",
    "tostring", "type", "rawequal", "rawget", "rawlen", "getmetatable", "_VERSION", NULL};

/* Pushes a copy of library 'name' (opened by 'open') without 'skip'. */
static void lib_copy(lua_State *L, const char *name, lua_CFunction open, const char *skip) {
  luaL_requiref(L, name, open, 0);
  copy_table(L, -1, skip, NULL);
  lua_remove(L, -2);
}

static int setup_env(lua_State *L) {
  ww_rules *R = ww__rules_of(L);
  luaL_requiref(L, "_G", luaopen_base, 0);             /* 1: real globals, never exposed */
  lua_newtable(L);                                     /* 2: B0, the allow-list */
  for (int i = 0; safe_base[i]; i++) {
    lua_getfield(L, 1, safe_base[i]);
    lua_setfield(L, 2, safe_base[i]);
  }
  lua_getfield(L, 1, "setmetatable");
  lua_pushcclosure(L, safe_setmetatable, 1);
  lua_setfield(L, 2, "setmetatable");
  lua_getfield(L, 1, "xpcall");
  lua_pushcclosure(L, safe_xpcall, 1);
  lua_setfield(L, 2, "xpcall");
  lua_pushcfunction(L, safe_print);
  lua_setfield(L, 2, "print");

  lib_copy(L, LUA_STRLIBNAME, luaopen_string, "dump");   /* 3 */
  lib_copy(L, LUA_TABLIBNAME, luaopen_table, NULL);      /* 4 */
  lib_copy(L, LUA_UTF8LIBNAME, luaopen_utf8, NULL);      /* 5 */
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
  lua_getfield(L, -1, "randomseed");
  lua_pushvalue(L, -1);
  R->ref_randomseed = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushinteger(L, 20260101);   /* loading is the same each time (Lua seeds by the clock) */
  lua_call(L, 1, 0);
  lua_pop(L, 1);
  lib_copy(L, LUA_MATHLIBNAME, luaopen_math, "randomseed");   /* 6 */
  wrap_orig(L, 6, "random", safe_random);
  ww__costed_open(L, 2, 3, 4, 5, 6);
  /* the shared string metatable points at the string copy and is locked */
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushvalue(L, 3);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);
  static const char *const libs[] = {"string", "table", "utf8", "math"};
  for (int i = 0; i < 4; i++) {
    ww__ro_wrap(L, 3 + i, 0);
    lua_setfield(L, 2, libs[i]);
  }
  lua_settop(L, 2);

  ww__dsl_open(L, 2);
  ww__api_open(L, R);
  lua_pushcfunction(L, ww__count_events);
  lua_setfield(L, 2, "count_events");

  /* E: the rule set's _ENV. Its metatable is locked from the start: what is behind it
   * (the allow-list) is shared by every decision and must stay out of reach. */
  lua_newtable(L);
  lua_createtable(L, 0, 2);
  lua_pushvalue(L, 2);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, 2, "_G");
  R->ref_env = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, 2);
  lua_setfield(L, LUA_REGISTRYINDEX, "ww.base");
  return 0;
}

lua_State *ww__sandbox_new(ww_rules *R) {
  lua_State *L = lua_newstate(capped_alloc, R);
  if (L == NULL) return NULL;
  *(ww_rules **)lua_getextraspace(L) = R;
  lua_atpanic(L, on_panic);
  R->L = L;
  lua_pushcfunction(L, setup_env);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    ww_logf(WW_LOG_ERROR, "rule sandbox setup failed: %s", lua_tostring(L, -1));
    lua_close(L);
    R->L = NULL;
    return NULL;
  }
  return L;
}

/* ---- JSON <-> Lua ---- */

/* One empty read-only table per message kind, shared: an empty {} or [] in a request or
 * session (data = {}, needs = []) costs a registry read instead of three new tables. */
static void push_empty_ro(lua_State *L, int ro) {
  const char *key = ro == 2 ? "ww.empty_r" : "ww.empty_data";
  if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_newtable(L);
  ww__ro_wrap(L, -1, ro == 2);
  lua_remove(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
}

void ww__push_empty_view(lua_State *L) { push_empty_ro(L, 2); }

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
    ww__ro_wrap(L, -1, ro == 2);
    lua_remove(L, -2);
  }
}

/* ro: 0 plain tables, 1 read-only (data), 2 read-only ("r is read-only"); 3/4: as 1/2
 * but the top-level table itself is left raw (a backing table). */
void ww__push_json(lua_State *L, const json_t *j, int ro) {
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
json_t *ww__to_json(lua_State *L, int idx, char *msg, size_t msgsz, int depth) {
  ww_rules *R = ww__rules_of(L);
  double room = (double)(R->mem_cap - R->mem_used), left = room, values = 0;
  json_size(L, idx, depth, &left, &values);
  if (left < 0) {
    snprintf(msg, msgsz, "%s (as data this table needs more than the %.0f KiB left; a "
             "table used more than once counts each time)", WW__MEMORY_LIMIT, room / 1024);
    return NULL;
  }
  ww__charge(L, values * WW__VALUE_STEPS, "a table as data");
  R->mem_used += (size_t)(room - left);
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

/* ---- freeze: after loading, everything a rule can reach becomes read-only ---- */

typedef struct frz {
  int memo, env, upv, upvids;
  int nupv;
  ww_rules *R;                /* R->upv_n: each recorded upvalue's index in its function */
} frz;

static void protect_top(lua_State *L, frz *F, int depth);

static void protect_fn(lua_State *L, frz *F, int f, int depth) {
  if (lua_iscfunction(L, f)) return;
  /* the walk recurses through upvalues: a chain of 200,000 functions, each holding the
   * next, overflowed the C stack */
  if (depth > 100) luaL_error(L, "rule data nested too deeply (functions that hold "
                                 "functions that hold ..., more than 100 deep)");
  lua_pushvalue(L, f);
  if (lua_rawget(L, F->memo) != LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_pushvalue(L, f);
  lua_pushboolean(L, 1);
  lua_rawset(L, F->memo);
  for (int i = 1;; i++) {
    luaL_checkstack(L, 8, "rule data nested too deeply");
    if (lua_getupvalue(L, f, i) == NULL) break;
    protect_top(L, F, depth + 1);       /* tables -> proxies, functions walked */
    lua_pushvalue(L, -1);
    lua_setupvalue(L, f, i);
    void *id = lua_upvalueid(L, f, i);
    lua_pushlightuserdata(L, id);
    if (lua_rawget(L, F->upvids) == LUA_TNIL) {
      lua_pop(L, 1);
      lua_pushlightuserdata(L, id);
      lua_pushboolean(L, 1);
      lua_rawset(L, F->upvids);
      ww_rules *R = F->R;
      if (F->nupv == R->cupv) {
        int nc = R->cupv ? 2 * R->cupv : 64;
        int *q = realloc(R->upv_n, (size_t)nc * sizeof *q);
        if (q == NULL) luaL_error(L, "not enough memory");
        R->upv_n = q;
        R->cupv = nc;
      }
      lua_pushvalue(L, f);
      lua_rawseti(L, F->upv, 2 * F->nupv + 1);
      lua_pushvalue(L, -1);
      lua_rawseti(L, F->upv, 2 * F->nupv + 2);
      R->upv_n[F->nupv++] = i;
    } else {
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
}

/* __index of a frozen table whose own metatable had an __index function: the table's own
 * fields, else the function, given the read-only view (P, as Lua gives the table indexed)
 * and never the table behind it. Upvalues: the table, the function. */
static int frozen_index(lua_State *L) {
  lua_settop(L, 2);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_call(L, 2, 1);
  return 1;
}

static int is_metamethod_to_move(const char *k) {   /* (__data: the views' own field) */
  return strncmp(k, "__", 2) == 0 && strcmp(k, "__index") && strcmp(k, "__newindex") &&
         strcmp(k, "__metatable") && strcmp(k, "__gc") && strcmp(k, "__mode") &&
         strcmp(k, "__data");
}

/* Table T (view P) has a metatable of its own, M, on top of the stack (its contents frozen
 * already). Metamethods get their first operand from Lua: on T they would get the writable
 * table. So they move to P's metatable, where Lua gives them P; T keeps at most an __index
 * that is not a function (a table is read by Lua itself, T never handed out); __newindex
 * (P refuses writes), __gc and __mode (T is strong now) go. Pops M. */
static void freeze_metatable(lua_State *L, int T, int P) {
  int M = lua_gettop(L);
  lua_getmetatable(L, P);
  int PM = M + 1;
  lua_pushnil(L);
  while (lua_next(L, M)) {
    if (lua_type(L, -2) == LUA_TSTRING && is_metamethod_to_move(lua_tostring(L, -2))) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, PM);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pushliteral(L, "__index");
  int it = lua_rawget(L, M);
  if (it == LUA_TFUNCTION) {
    lua_pushvalue(L, T);
    lua_setfield(L, PM, "__data");   /* push_backing: the view's table */
    lua_pushvalue(L, T);
    lua_insert(L, -2);
    lua_pushcclosure(L, frozen_index, 2);
    lua_setfield(L, PM, "__index");
    lua_pushnil(L);
  } else if (it != LUA_TNIL) {
    lua_createtable(L, 0, 2);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, T);   /* (nil: none) */
  lua_settop(L, M - 1);
}

static void protect_table(lua_State *L, frz *F, int T, int P, int depth) {
  if (depth > 100) luaL_error(L, "rule data nested too deeply");
  luaL_checkstack(L, 10, "rule data nested too deeply");
  lua_newtable(L);                     /* keys that are tables, replaced after the walk */
  int keys = lua_gettop(L), nkeys = 0;
  size_t nentries = 0;
  lua_pushnil(L);
  while (lua_next(L, T)) {
    nentries++;
    int vt = lua_type(L, -1);
    if (vt == LUA_TTABLE) {
      protect_top(L, F, depth + 1);
      lua_pushvalue(L, -2);
      lua_pushvalue(L, -2);
      lua_rawset(L, T);
    } else if (vt == LUA_TFUNCTION) {
      protect_top(L, F, depth + 1);
    }
    if (lua_type(L, -2) == LUA_TTABLE || lua_type(L, -2) == LUA_TFUNCTION) {
      lua_pushvalue(L, -2);
      lua_rawseti(L, keys, ++nkeys);
    }
    lua_pop(L, 1);
  }
  /* all such keys out first, then their views in: one key out and its view in, in turn,
   * made a full table rehash at every key (2^15 keys took 39 s) */
  for (int i = 1; i <= nkeys; i++) {
    lua_rawgeti(L, keys, i);           /* k */
    lua_pushvalue(L, -1);
    lua_rawget(L, T);                  /* k v */
    lua_rawseti(L, keys, nkeys + i);
    lua_pushnil(L);
    lua_rawset(L, T);
  }
  for (int i = 1; i <= nkeys; i++) {
    lua_rawgeti(L, keys, i);
    protect_top(L, F, depth + 1);      /* pk */
    lua_rawgeti(L, keys, nkeys + i);   /* pk v */
    lua_rawset(L, T);
  }
  lua_pop(L, 1);
  ww__charge(L, (double)nentries, "freezing the rule set's tables");
  if (lua_getmetatable(L, T)) {        /* a metatable of its own: its contents, then it */
    protect_top(L, F, depth + 1);
    lua_pop(L, 1);
    lua_getmetatable(L, T);
    freeze_metatable(L, T, P);
  }
}

/* Value on top: tables are replaced by their read-only proxy; functions get their
 * upvalues protected and recorded for restoring. */
static void protect_top(lua_State *L, frz *F, int depth) {
  int t = lua_type(L, -1);
  if (t == LUA_TFUNCTION) {
    protect_fn(L, F, lua_absindex(L, -1), depth);
    return;
  }
  if (t != LUA_TTABLE || lua_rawequal(L, -1, F->env) || is_proxy(L, -1)) return;
  lua_pushvalue(L, -1);
  if (lua_rawget(L, F->memo) != LUA_TNIL) {
    lua_replace(L, -2);
    return;
  }
  lua_pop(L, 1);
  int T = lua_absindex(L, -1);
  ww__ro_wrap(L, T, 0);
  lua_pushvalue(L, T);
  lua_pushvalue(L, -2);
  lua_rawset(L, F->memo);
  protect_table(L, F, T, T + 1, depth);
  lua_replace(L, T);
}

/* lua_CFunction, no arguments. Protects the globals and rule functions, then turns the
 * environment into a read-only view: contents behind __index, __newindex raises. */
int ww__freeze(lua_State *L) {
  ww_rules *R = ww__rules_of(L);
  frz F;
  lua_newtable(L);
  F.memo = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_env);
  F.env = lua_gettop(L);
  lua_newtable(L);
  F.upv = lua_gettop(L);
  lua_newtable(L);
  F.upvids = lua_gettop(L);
  F.nupv = 0;
  F.R = R;

  lua_pushnil(L);
  while (lua_next(L, F.env)) {
    int vt = lua_type(L, -1);
    if (vt == LUA_TTABLE || vt == LUA_TFUNCTION) {
      protect_top(L, &F, 0);
      lua_pushvalue(L, -2);
      lua_pushvalue(L, -2);
      lua_rawset(L, F.env);
    }
    lua_pop(L, 1);
  }
  for (int i = 0; i < R->nrules; i++) {
    if (R->rules[i].when_ref != LUA_NOREF) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, R->rules[i].when_ref);
      protect_top(L, &F, 0);
      lua_pop(L, 1);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, R->rules[i].advise_ref);
    protect_top(L, &F, 0);
    lua_pop(L, 1);
    if (R->rules[i].svc_ref != LUA_NOREF) {   /* a filter function (or conditions) */
      lua_rawgeti(L, LUA_REGISTRYINDEX, R->rules[i].svc_ref);
      if (lua_type(L, -1) == LUA_TFUNCTION) protect_top(L, &F, 0);
      lua_pop(L, 1);
    }
  }

  /* B1 = allow-list + the rule set's globals; E becomes an empty read-only view */
  lua_newtable(L);
  int B1 = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, "ww.base");
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, B1);
  }
  lua_pop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, F.env)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, B1);
  }
  lua_pushnil(L);                      /* clear E, in one walk (clearing fields is allowed
                                          during one; a new walk per field took minutes) */
  while (lua_next(L, F.env)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushnil(L);
    lua_rawset(L, F.env);
  }
  lua_createtable(L, 0, 3);
  lua_pushvalue(L, B1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ro_newindex_global);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, F.env);

  lua_pushvalue(L, F.upv);
  R->ref_upv = luaL_ref(L, LUA_REGISTRYINDEX);
  R->nupv = F.nupv;
  return 0;
}

/* lua_CFunction: puts every recorded upvalue back to its value at load. */
int ww__restore_upvalues(lua_State *L) {
  ww_rules *R = ww__rules_of(L);
  if (R->nupv == 0) return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_upv);
  int t = lua_gettop(L);
  for (int i = 0; i < R->nupv; i++) {
    lua_rawgeti(L, t, 2 * i + 1);      /* the function */
    lua_rawgeti(L, t, 2 * i + 2);      /* the value at load */
    lua_setupvalue(L, -2, R->upv_n[i]);
    lua_pop(L, 1);
  }
  lua_settop(L, t - 1);
  return 0;
}
