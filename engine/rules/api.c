/* The 'a' object rules advise through: a:prefer, a:avoid, a:exclude, a:only, a:note,
 * a:stop. Methods are C functions writing into the C-side per-decision arrays; an 'a'
 * is a userdata tied to one decision (its generation) and dead afterwards. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_private.h"

#define MAX_ARENA (1u << 20)
#define MAX_ITEMS 20000

typedef struct a_ud {
  ww_rules *R;
  uint64_t gen;
} a_ud;

static const char A_MT[] = "ww.a";

void ww__dstate_reset(ww__dstate *d, const ww_rules *R, int explain) {
  for (int i = 0; i < R->nch; i++) {
    d->score[i] = R->ch[i].base;
    d->excluded[i] = 0;
  }
  d->nreasons = d->nnotes = d->nfx = d->ntrace = d->alen = 0;
  d->notes_hashed = 0;
  d->explain = explain;
  d->stop = 0;
  d->cur_rule = -1;
}

void ww__dstate_free(ww__dstate *d) {
  free(d->reasons), free(d->notes), free(d->fx), free(d->trace), free(d->arena);
  free(d->note_set);
  memset(d, 0, sizeof *d);
}

/* Room for item n of one of the arrays (at most MAX_ITEMS each, checked at every add);
 * raises (no leak: the array belongs to the ww_rules). */
static void *need(lua_State *L, void *p, size_t n, size_t *cap, size_t sz) {
  if (n >= MAX_ITEMS) luaL_error(L, "too many reasons, notes or effects in one decision");
  if (n < *cap) return p;
  size_t nc = *cap ? *cap * 2 : 32;
  void *q = realloc(p, nc * sz);
  if (q == NULL) luaL_error(L, "not enough memory");
  *cap = nc;
  return q;
}

static uint32_t arena_put(lua_State *L, ww__dstate *d, const char *s, size_t n) {
  if (d->alen + n > MAX_ARENA) luaL_error(L, "reasons and notes too long in one decision");
  if (d->alen + n > d->acap) {
    size_t nc = d->acap ? d->acap : 4096;
    while (nc < d->alen + n) nc *= 2;
    char *q = realloc(d->arena, nc);
    if (q == NULL) luaL_error(L, "not enough memory");
    d->arena = q;
    d->acap = nc;
  }
  memcpy(d->arena + d->alen, s, n);
  uint32_t off = (uint32_t)d->alen;
  d->alen += n;
  return off;
}

static ww_rules *check_a_slow(lua_State *L, const char *m) {
  a_ud *u = luaL_testudata(L, 1, A_MT);
  if (u == NULL) luaL_error(L, "a:%s: call it with a colon, like a:%s(...)", m, m);
  ww_rules *R = u->R;
  if (!R->d.active || u->gen != R->d.gen)
    luaL_error(L, "a:%s: this 'a' belongs to an earlier decision and can no longer be used", m);
  return R;
}

/* The live 'a' of this decision is one known userdata: a pointer compare instead of a
 * registry lookup of the metatable per call. Anything else takes the slow path (errors). */
static ww_rules *check_a(lua_State *L, const char *m) {
  ww_rules *R = ww__rules_of(L);
  if (lua_type(L, 1) == LUA_TUSERDATA && lua_touserdata(L, 1) == R->d.a_cur && R->d.active)
    return R;
  return check_a_slow(L, m);
}

static int chan_arg(lua_State *L, int arg, const char *m) {
  if (lua_type(L, arg) != LUA_TSTRING)
    luaL_error(L, "a:%s: the channel id must be text, like a:%s(\"website\", ...)", m, m);
  lua_pushvalue(L, arg);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNUMBER)
    luaL_error(L, "a:%s: unknown channel \"%s\"", m, lua_tostring(L, arg));
  int i = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  return i;
}

static const char *opt_text(lua_State *L, int arg, size_t *len, const char *m, const char *what) {
  int t = lua_type(L, arg);
  if (t == LUA_TNONE || t == LUA_TNIL) return NULL;
  if (t != LUA_TSTRING) luaL_error(L, "a:%s: the %s must be text", m, what);
  return lua_tolstring(L, arg, len);
}

static void add_reason(lua_State *L, ww__dstate *d, int ch, int excl, const char *s, size_t n) {
  if (s == NULL || n == 0) return;
  d->reasons = need(L, d->reasons, d->nreasons, &d->creasons, sizeof *d->reasons);
  ww__reason *r = &d->reasons[d->nreasons];
  r->off = arena_put(L, d, s, n);
  r->len = (uint32_t)n;
  r->ch = (int16_t)ch;
  r->excl = (uint8_t)excl;
  d->nreasons++;
}

static void add_fx(lua_State *L, ww__dstate *d, int kind, int ch, double pts, const char *s,
                   size_t n) {
  if (!d->explain) return;
  d->fx = need(L, d->fx, d->nfx, &d->cfx, sizeof *d->fx);
  ww__effect *e = &d->fx[d->nfx];
  e->kind = (uint8_t)kind;
  e->ch = (int16_t)ch;
  e->pts = pts;
  e->off = s ? arena_put(L, d, s, n) : 0;
  e->len = s ? (uint32_t)n : 0;
  d->nfx++;
}

static int score(lua_State *L, const char *m, int sign) {
  ww_rules *R = check_a(L, m);
  int ch = chan_arg(L, 2, m);
  if (lua_type(L, 3) != LUA_TNUMBER)
    return luaL_error(L, "a:%s: the points must be a number, like a:%s(\"website\", 20, "
                         "\"reason\")", m, m);
  double pts = lua_tonumber(L, 3);
  if (pts != pts || pts > 1e9 || pts < -1e9) return luaL_error(L, "a:%s: points out of range", m);
  size_t n = 0;
  const char *why = opt_text(L, 4, &n, m, "reason");
  R->d.score[ch] += sign * pts;
  add_reason(L, &R->d, ch, 0, why, n);
  add_fx(L, &R->d, sign > 0 ? WW__FX_PREFER : WW__FX_AVOID, ch, pts, NULL, 0);
  return 0;
}

static int a_prefer(lua_State *L) { return score(L, "prefer", 1); }
static int a_avoid(lua_State *L) { return score(L, "avoid", -1); }

static int a_exclude(lua_State *L) {
  ww_rules *R = check_a(L, "exclude");
  int ch = chan_arg(L, 2, "exclude");
  size_t n = 0;
  const char *why = opt_text(L, 3, &n, "exclude", "reason");
  R->d.excluded[ch] = 1;
  add_reason(L, &R->d, ch, 1, why, n);
  add_fx(L, &R->d, WW__FX_EXCLUDE, ch, 0, NULL, 0);
  return 0;
}

static int a_only(lua_State *L) {
  ww_rules *R = check_a(L, "only");
  if (!lua_istable(L, 2))
    return luaL_error(L, "a:only: give a list of channel ids, like a:only({ \"balie\" }, "
                         "\"reason\")");
  size_t n = 0;
  const char *why = opt_text(L, 3, &n, "only", "reason");
  uint8_t keep[WW__MAX_CHANNELS] = {0};
  char list[512];
  size_t ll = 0;
  lua_Integer len = (lua_Integer)lua_rawlen(L, 2);
  ww__charge(L, (double)len * WW__VALUE_STEPS, "a:only");
  for (lua_Integer i = 1; i <= len; i++) {
    lua_rawgeti(L, 2, i);
    int ch = chan_arg(L, lua_gettop(L), "only");
    lua_pop(L, 1);
    keep[ch] = 1;
    const char *id = R->ch[ch].id;
    size_t il = strlen(id);
    if (ll + il + 3 < sizeof list) {
      if (ll) list[ll++] = ',', list[ll++] = ' ';
      memcpy(list + ll, id, il);
      ll += il;
    }
  }
  for (int c = 0; c < R->nch; c++) {
    if (keep[c]) {
      add_reason(L, &R->d, c, 0, why, n);
    } else {
      R->d.excluded[c] = 1;
      add_reason(L, &R->d, c, 1, why, n);
    }
  }
  add_fx(L, &R->d, WW__FX_ONLY, -1, 0, list, ll);
  return 0;
}

static uint64_t text_hash(const char *s, size_t n) {   /* FNV-1a */
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

/* The slot of note text s..n in the set: holding its index + 1, or free (0). */
static uint32_t *note_slot(ww__dstate *d, const char *s, size_t n, uint64_t h) {
  size_t mask = d->note_slots - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    uint32_t k = d->note_set[i];
    if (k == 0) return &d->note_set[i];
    const ww__reason *x = &d->notes[k - 1];
    if (x->len == n && memcmp(d->arena + x->off, s, n) == 0) return &d->note_set[i];
  }
}

/* (Re)builds the set with every note so far, at most half full: at the first use in a
 * decision (the set holds the last decision's), and when it fills up. */
static void note_set_grow(lua_State *L, ww__dstate *d) {
  size_t slots = 64;
  while (slots < 4 * (d->nnotes + 1)) slots *= 2;
  uint32_t *set = calloc(slots, sizeof *set);
  if (set == NULL) luaL_error(L, "not enough memory");
  free(d->note_set);
  d->note_set = set;
  d->note_slots = slots;
  d->notes_hashed = 1;
  for (size_t i = 0; i < d->nnotes; i++) {
    const ww__reason *x = &d->notes[i];
    *note_slot(d, d->arena + x->off, x->len, text_hash(d->arena + x->off, x->len)) =
        (uint32_t)i + 1;
  }
}

/* a:note: the answer lists each text once, where it was first noted. The first few are
 * compared one by one (the usual decision has one or two notes); from SCAN_NOTES on a hash
 * set finds a repeat in one step (a list walk per note made 32,760 notes take seconds). */
#define SCAN_NOTES 8
static int a_note(lua_State *L) {
  ww_rules *R = check_a(L, "note");
  size_t n = 0;
  const char *s = opt_text(L, 2, &n, "note", "note");
  if (s == NULL) return luaL_error(L, "a:note: give the note as text, like a:note(\"...\")");
  if (n == 0) return 0;
  ww__dstate *d = &R->d;
  uint32_t *slot = NULL;
  int seen = 0;
  if (d->nnotes < SCAN_NOTES) {
    for (size_t i = 0; i < d->nnotes && !seen; i++)
      seen = d->notes[i].len == n && memcmp(d->arena + d->notes[i].off, s, n) == 0;
  } else {
    if (!d->notes_hashed || 2 * (d->nnotes + 1) > d->note_slots) note_set_grow(L, d);
    slot = note_slot(d, s, n, text_hash(s, n));
    seen = *slot != 0;
  }
  if (!seen) {
    d->notes = need(L, d->notes, d->nnotes, &d->cnotes, sizeof *d->notes);
    d->notes[d->nnotes].off = arena_put(L, d, s, n);
    d->notes[d->nnotes].len = (uint32_t)n;
    d->nnotes++;
    if (slot) *slot = (uint32_t)d->nnotes;
  }
  add_fx(L, d, WW__FX_NOTE, -1, 0, s, n);
  return 0;
}

static int a_stop(lua_State *L) {
  ww_rules *R = check_a(L, "stop");
  R->d.stop = 1;
  add_fx(L, &R->d, WW__FX_STOP, -1, 0, NULL, 0);
  return 0;
}

static int a_newindex(lua_State *L) { return luaL_error(L, "a is not a table: use its methods"); }

void ww__api_open(lua_State *L, ww_rules *R) {
  static const luaL_Reg methods[] = {{"prefer", a_prefer}, {"avoid", a_avoid},
                                     {"exclude", a_exclude}, {"only", a_only},
                                     {"note", a_note}, {"stop", a_stop}, {NULL, NULL}};
  lua_newtable(L);                          /* channel id -> index, filled at load end */
  lua_pushvalue(L, -1);
  R->ref_idmap = luaL_ref(L, LUA_REGISTRYINDEX);
  luaL_newmetatable(L, A_MT);
  lua_newtable(L);
  for (int i = 0; methods[i].name; i++) {
    lua_pushvalue(L, -3);
    lua_pushcclosure(L, methods[i].func, 1);
    lua_setfield(L, -2, methods[i].name);
  }
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, a_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  R->ref_a_mt = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
}

/* count_events(r, type [, service]): how many events of 'type' r.session has for
 * 'service' (default: the request's), an event without a service counting for the
 * session's own. The walk a rule would do over r.session.events, without the Lua. */
int ww__count_events(lua_State *L) {
  ww_rules *R = ww__rules_of(L);
  if (!R->d.active) return luaL_error(L, "count_events can only be used inside a rule");
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_r);
  int is_r = lua_rawequal(L, 1, -1);
  lua_pop(L, 1);
  if (!is_r) return luaL_error(L, "count_events(r, type): the first argument must be r");
  const char *type = luaL_checkstring(L, 2);
  const char *service = luaL_optstring(L, 3, R->d.service);
  ww__dstate *d = &R->d;
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

void ww__push_a(lua_State *L, ww_rules *R) {
  a_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->R = R;
  u->gen = R->d.gen;
  R->d.a_cur = u;
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_a_mt);
  lua_setmetatable(L, -2);
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
  ww__ro_wrap(L, -1, 1);
  lua_rawseti(L, pool, at);
  lua_rawseti(L, pool, at + 1);
}

/* The fields of object 'j' into the table at 't' (absolute), values as ww__push_json. */
static void fill_fields(lua_State *L, int t, const json_t *j) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)j, k, v) {
    if (json_is_null(v)) continue;
    ww__push_json(L, v, 2);
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
    else ww__push_json(L, v[i], 2);
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
      ww__push_json(L, e, 2);
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
  ww_rules *R = ww__rules_of(L);
  const json_t *events = json_object_get(R->d.session, "events");
  if (!R->d.active || !json_is_array(events) || lua_type(L, 2) != LUA_TSTRING ||
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
  ww__push_pairs(L, -1, 1);
  return 3;
}

void ww__push_session(lua_State *L, const json_t *sess) {
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
    ww__ro_wrap(L, -1, 1);
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
    ww__push_json(L, v, 2);
    lua_setfield(L, sb, k);
  }
  lua_rawgeti(L, pool, POOL_SESSION);
  lua_replace(L, pool);
  lua_settop(L, pool);
}
