/* The freeze: after loading, everything a rule can reach becomes read-only -- globals,
 * the tables they hold (behind read-only views), the upvalues of rule functions (recorded
 * here and put back after every decision, ww__freeze_restore) -- so nothing one decision
 * does is seen by the next. */
#include <stdlib.h>
#include <string.h>

#include "rules/host_private.h"

static int ro_newindex_global(lua_State *L) {
  const char *k = lua_tostring(L, 2);
  return luaL_error(L, "globals are read-only after loading (cannot set '%s'; use a local "
                       "variable inside the rule)", k ? k : "?");
}

typedef struct frz {
  int memo, env, upv, upvids;
  int nupv;
  ww_host *H;                 /* H->ref.upv_n: each recorded upvalue's index in its function */
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
      ww__refs *ref = &F->H->ref;
      if (F->nupv == ref->cupv) {
        int nc = ref->cupv ? 2 * ref->cupv : 64;
        int *q = realloc(ref->upv_n, (size_t)nc * sizeof *q);
        if (q == NULL) luaL_error(L, "not enough memory");
        ref->upv_n = q;
        ref->cupv = nc;
      }
      lua_pushvalue(L, f);
      lua_rawseti(L, F->upv, 2 * F->nupv + 1);
      lua_pushvalue(L, -1);
      lua_rawseti(L, F->upv, 2 * F->nupv + 2);
      ref->upv_n[F->nupv++] = i;
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
    lua_setfield(L, PM, "__data");   /* ww__view_push_backing: the view's table */
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
  if (t != LUA_TTABLE || lua_rawequal(L, -1, F->env) || ww__view_is(L, -1)) return;
  lua_pushvalue(L, -1);
  if (lua_rawget(L, F->memo) != LUA_TNIL) {
    lua_replace(L, -2);
    return;
  }
  lua_pop(L, 1);
  int T = lua_absindex(L, -1);
  ww__view_wrap(L, T, 0);
  lua_pushvalue(L, T);
  lua_pushvalue(L, -2);
  lua_rawset(L, F->memo);
  protect_table(L, F, T, T + 1, depth);
  lua_replace(L, T);
}

/* lua_CFunction, no arguments. Protects the globals and rule functions, then turns the
 * environment into a read-only view: contents behind __index, __newindex raises. */
int ww__freeze(lua_State *L) {
  ww_host *H = ww__host_of(L);
  frz F;
  lua_newtable(L);
  F.memo = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.env);
  F.env = lua_gettop(L);
  lua_newtable(L);
  F.upv = lua_gettop(L);
  lua_newtable(L);
  F.upvids = lua_gettop(L);
  F.nupv = 0;
  F.H = H;

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
  for (int i = 0; i < H->cat.nrules; i++) {
    const ww__rule *ru = &H->rules[i];
    if (ru->when_ref != LUA_NOREF) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, ru->when_ref);
      protect_top(L, &F, 0);
      lua_pop(L, 1);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, ru->advise_ref);
    protect_top(L, &F, 0);
    lua_pop(L, 1);
    if (ru->svc_ref != LUA_NOREF) {   /* a filter function (or conditions) */
      lua_rawgeti(L, LUA_REGISTRYINDEX, ru->svc_ref);
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
  H->ref.upv = luaL_ref(L, LUA_REGISTRYINDEX);
  H->ref.nupv = F.nupv;
  return 0;
}

int ww__freeze_restore(lua_State *L) {
  ww_host *H = ww__host_of(L);
  if (H->ref.nupv == 0) return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.upv);
  int t = lua_gettop(L);
  for (int i = 0; i < H->ref.nupv; i++) {
    lua_rawgeti(L, t, 2 * i + 1);      /* the function */
    lua_rawgeti(L, t, 2 * i + 2);      /* the value at load */
    lua_setupvalue(L, -2, H->ref.upv_n[i]);
    lua_pop(L, 1);
  }
  lua_settop(L, t - 1);
  return 0;
}
