/* r.session, and count_events(r, type [, service]) over its events. */
#include <string.h>

#include "rules/host_private.h"

/* count_events(r, type [, service]): how many events of 'type' r.session has for
 * 'service' (default: the request's), an event without a service counting for the
 * session's own. The walk a rule would do over r.session.events, without the Lua. */
int ww__view_session_count_events(lua_State *L) {
  ww_host *H = ww__host_of(L);
  if (!H->run.active) return luaL_error(L, "count_events can only be used inside a rule");
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.r);
  int is_r = lua_rawequal(L, 1, -1);
  lua_pop(L, 1);
  if (!is_r) return luaL_error(L, "count_events(r, type): the first argument must be r");
  const char *type = luaL_checkstring(L, 2);
  const char *service = luaL_optstring(L, 3, H->run.service);
  ww__run *d = &H->run;
  const json_t *events = json_object_get(d->session, "events");
  if (d->nev == -1) {   /* the first call of this decision: index the events once */
    const char *own = json_string_value(json_object_get(d->session, "service"));
    size_t n = json_array_size(events);
    d->nev = n <= WW__EV_MAX ? (int)n : 0;
    for (int i = 0; i < d->nev; i++) {
      const json_t *e = json_array_get(events, (size_t)i);
      const json_t *es = json_object_get(e, "service");
      d->ev_type[i] = json_string_value(json_object_get(e, "type"));
      d->ev_service[i] = json_is_string(es) ? json_string_value(es) : own;
    }
    if (n > WW__EV_MAX) d->nev = -2;   /* too many to index: walk the JSON each call */
  }
  lua_Integer count = 0;
  if (service == NULL) {
    lua_pushinteger(L, 0);
    return 1;
  }
  if (d->nev >= 0) {
    for (int i = 0; i < d->nev; i++)
      if (d->ev_type[i] && d->ev_service[i] && strcmp(d->ev_type[i], type) == 0 &&
          strcmp(d->ev_service[i], service) == 0)
        count++;
  } else {   /* more than WW__EV_MAX: a walk over the JSON per call, charged */
    ww__charge(L, (double)json_array_size(events), "count_events");
    const char *own = json_string_value(json_object_get(d->session, "service"));
    size_t i;
    const json_t *e;
    json_array_foreach(events, i, e) {
      const char *t = json_string_value(json_object_get(e, "type"));
      const json_t *es = json_object_get(e, "service");
      const char *s = json_is_string(es) ? json_string_value(es) : own;
      if (t && s && strcmp(t, type) == 0 && strcmp(s, service) == 0) count++;
    }
  }
  lua_pushinteger(L, count);
  return 1;
}

/* ---- r.session: read-only views reused across decisions ----
 * Building a fresh proxy (proxy + metatable + backing) for the session, its events list
 * and every event was most of the cost of a session decision. The views are built once
 * per Lua state, kept in a registry table that rules never see, and each decision only
 * refills their backing tables (as r.citizen's fixed proxy gets a new backing). Rules
 * cannot keep a view from one decision to the next (upvalues are restored, globals are
 * frozen), and a kept one would show the current decision's session, never an old one. */

static const char SESS_POOL[] = "ww.session_views";
#define POOL_SESSION 1   /* [1] session proxy, [2] its backing */
#define POOL_EVENTS 3    /* [3] events list proxy, [4] its backing */
#define POOL_SLOT0 5     /* event slot k (1-based): [3 + 2k] proxy, [4 + 2k] backing */
#define POOL_MAX 128     /* events beyond get a fresh view each */

/* Empties the table at 't' (absolute), keeping its storage. */
static void clear_table(lua_State *L, int t) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushnil(L);
    lua_rawset(L, t);   /* clearing fields during lua_next is allowed */
  }
}

/* A backing table and its read-only proxy into pool[at], pool[at + 1]. */
static void pool_view(lua_State *L, int pool, int at, int nrec) {
  lua_createtable(L, 0, nrec);
  ww__view_wrap(L, -1, 1);
  lua_rawseti(L, pool, at);
  lua_rawseti(L, pool, at + 1);
}

/* The fields of object 'j' into the table at 't' (absolute), values as ww__view_push_json. */
static void fill_fields(lua_State *L, int t, const json_t *j) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)j, k, v) {
    if (json_is_null(v)) continue;
    ww__view_push_json(L, v, 2);
    lua_setfield(L, t, k);
  }
}

/* The fields an event has (engine/session): set as literals, whose interned strings Lua
 * finds by address. */
static const char *const EV_KEYS[5] = {"at", "channel", "type", "service", "detail"};

static int ev_key(const char *k) {
  int i;
  switch (k[0]) {   /* one strcmp per key, not up to five */
    case 'a': i = 0; break;
    case 'c': i = 1; break;
    case 't': i = 2; break;
    case 's': i = 3; break;
    case 'd': i = 4; break;
    default: return -1;
  }
  return strcmp(k, EV_KEYS[i]) == 0 ? i : -1;
}

/* An event with only the usual fields into the table at 't' (absolute): all five are
 * set, absent ones to nil, so the last decision's values need no clearing. 0 (nothing
 * set) when 'e' has another field. */
static int fill_event(lua_State *L, int t, const json_t *e) {
  const json_t *v[5] = {NULL, NULL, NULL, NULL, NULL};
  const char *k;
  json_t *x;
  json_object_foreach((json_t *)e, k, x) {
    int i = ev_key(k);
    if (i < 0) return 0;
    v[i] = x;
  }
  for (int i = 0; i < 5; i++) {
    if (v[i] == NULL || json_is_null(v[i])) lua_pushnil(L);
    else if (json_is_string(v[i])) lua_pushlstring(L, json_string_value(v[i]), json_string_length(v[i]));
    else ww__view_push_json(L, v[i], 2);
    lua_setfield(L, t, EV_KEYS[i]);
  }
  return 1;
}

/* The events list 'v' (borrowed JSON array) into the pooled events view; pushes its
 * proxy. 'pool' is the absolute index of the pool table. */
static void fill_events(lua_State *L, int pool, const json_t *v) {
  luaL_checkstack(L, 8, "session view");
  lua_getfield(L, pool, "slots");
  lua_Integer slots = lua_tointeger(L, -1);
  lua_getfield(L, pool, "used");
  lua_Integer used = lua_tointeger(L, -1);
  lua_pop(L, 2);
  lua_getfield(L, pool, "odd");
  int odd = lua_gettop(L);
  lua_rawgeti(L, pool, POOL_EVENTS + 1);   /* the events backing */
  int eb = odd + 1;
  lua_Integer n = (lua_Integer)json_array_size(v);
  /* first say how far the list may reach: a fill that fails half-way (memory cap, caught
   * by a rule's pcall) leaves entries the next fill must still clear */
  if (n > used) {
    lua_pushinteger(L, n);
    lua_setfield(L, pool, "used");
  }
  for (lua_Integer i = 1; i <= n; i++) {
    const json_t *e = json_array_get(v, (size_t)i - 1);
    if (json_is_null(e)) {
      lua_pushnil(L);
    } else if (!json_is_object(e) || i > POOL_MAX) {
      ww__view_push_json(L, e, 2);
    } else {
      if (i > slots) {   /* new slots, kept for later decisions: all up to i, so none is
                            missing behind an event that needed none (null, not an object) */
        while (slots < i) {
          slots++;
          pool_view(L, pool, (int)(POOL_SLOT0 - 2 + 2 * slots), 6);
        }
        lua_pushinteger(L, slots);
        lua_setfield(L, pool, "slots");
      }
      lua_rawgeti(L, pool, POOL_SLOT0 - 1 + 2 * i);   /* the slot's backing */
      lua_rawgeti(L, odd, i);
      int was_odd = lua_toboolean(L, -1);
      lua_pop(L, 1);
      if (was_odd) clear_table(L, eb + 1);
      int is_odd = !fill_event(L, eb + 1, e);
      if (is_odd) {
        if (!was_odd) clear_table(L, eb + 1);
        fill_fields(L, eb + 1, e);
      }
      if (is_odd != was_odd) {
        lua_pushboolean(L, is_odd);
        lua_rawseti(L, odd, i);
      }
      lua_pop(L, 1);
      lua_rawgeti(L, pool, POOL_SLOT0 - 2 + 2 * i);   /* its proxy */
    }
    lua_rawseti(L, eb, i);
  }
  /* the rest of the last filling's events: gone from the list, their slots emptied */
  for (lua_Integer i = n + 1; i <= used; i++) {
    lua_pushnil(L);
    lua_rawseti(L, eb, i);
    if (i <= slots) {
      lua_rawgeti(L, pool, POOL_SLOT0 - 1 + 2 * i);
      clear_table(L, eb + 1);
      lua_pop(L, 1);
      lua_pushboolean(L, 0);
      lua_rawseti(L, odd, i);
    }
  }
  lua_pushinteger(L, n);
  lua_setfield(L, pool, "used");
  lua_settop(L, odd - 1);
  lua_rawgeti(L, pool, POOL_EVENTS);
}

/* r.session.events is filled on first use in a decision: most rules never read it (they
 * ask count_events), and filling the views costs more than the rest of the session.
 * __index of the session's backing: (backing, key). */
static int session_lazy(lua_State *L) {
  ww_host *H = ww__host_of(L);
  const json_t *events = json_object_get(H->run.session, "events");
  if (!H->run.active || !json_is_array(events) || lua_type(L, 2) != LUA_TSTRING ||
      strcmp(lua_tostring(L, 2), "events") != 0)
    return 0;
  lua_getfield(L, LUA_REGISTRYINDEX, SESS_POOL);
  fill_events(L, lua_gettop(L), events);
  lua_pushvalue(L, -1);
  lua_setfield(L, 1, "events");   /* a plain table: no metamethod; from now on a hit */
  return 1;
}

/* pairs(r.session) must list the events too: fill them first. */
static int session_pairs(lua_State *L) {
  lua_getfield(L, 1, "events");   /* through the proxy: session_lazy if not yet there */
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "__index");   /* the backing */
  ww__view_push_pairs(L, -1, 1);
  return 3;
}

void ww__view_session_push(lua_State *L, const json_t *sess) {
  luaL_checkstack(L, 12, "session view");
  int top = lua_gettop(L);
  if (lua_getfield(L, LUA_REGISTRYINDEX, SESS_POOL) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_createtable(L, POOL_SLOT0 + 2 * 12, 2);
    int p = lua_gettop(L);
    pool_view(L, p, POOL_SESSION, 12);
    lua_rawgeti(L, p, POOL_SESSION + 1);   /* the session backing: events on demand */
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, session_lazy);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    lua_rawgeti(L, p, POOL_SESSION);       /* its proxy: pairs fills the events too */
    lua_getmetatable(L, -1);
    lua_pushcfunction(L, session_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pop(L, 2);
    lua_createtable(L, 16, 0);
    ww__view_wrap(L, -1, 1);
    lua_rawseti(L, p, POOL_EVENTS);
    lua_rawseti(L, p, POOL_EVENTS + 1);
    lua_pushinteger(L, 0);
    lua_setfield(L, p, "slots");
    lua_pushinteger(L, 0);
    lua_setfield(L, p, "used");
    lua_newtable(L);   /* slot -> true: it holds fields other than EV_KEYS */
    lua_setfield(L, p, "odd");
    lua_pushvalue(L, p);
    lua_setfield(L, LUA_REGISTRYINDEX, SESS_POOL);
  }
  int pool = top + 1;
  lua_rawgeti(L, pool, POOL_SESSION + 1);   /* pool + 1: session backing */
  int sb = pool + 1;
  clear_table(L, sb);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)sess, k, v) {
    if (json_is_null(v)) continue;
    if (strcmp(k, "events") == 0 && json_is_array(v)) continue;   /* session_lazy */
    ww__view_push_json(L, v, 2);
    lua_setfield(L, sb, k);
  }
  lua_rawgeti(L, pool, POOL_SESSION);
  lua_replace(L, pool);
  lua_settop(L, pool);
}
