/* The declarative conditions of a rule: `service = { ... }`, `citizen = { ... }` and
 * `context = { ... }`. Each holds when every listed field has one of the given values;
 * when the field is a list (tags, needs), when the list holds one of them.
 *
 * They exist for speed as much as for legibility: a service condition is decided once
 * per service while the rule set loads, a citizen or context condition per request in C,
 * so a rule that does not apply costs no call into Lua (and no instruction budget). */
#include <lauxlib.h>

#include "rules/host_private.h"

static int is_scalar(lua_State *L, int idx) {
  int t = lua_type(L, idx);
  return t == LUA_TSTRING || t == LUA_TNUMBER || t == LUA_TBOOLEAN;
}

int ww__filter_build(lua_State *L, int idx, const char **bad_key) {
  idx = lua_absindex(L, idx);
  *bad_key = NULL;
  lua_newtable(L);
  int out = lua_gettop(L);
  lua_Integer n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_settop(L, out - 1);
      return -1;
    }
    int ok = 1;
    if (is_scalar(L, -1)) {                /* one value: kept as it is */
      lua_pushvalue(L, -1);
    } else if (lua_type(L, -1) == LUA_TTABLE) {   /* a list of values: a copy */
      lua_newtable(L);
      int vals = lua_gettop(L);
      lua_Integer m = (lua_Integer)lua_rawlen(L, -2), entries = 0;
      lua_pushnil(L);
      while (lua_next(L, -3)) {   /* a list only: { "a", x = "b" } is a mistake */
        entries++;
        lua_pop(L, 1);
      }
      ok = m > 0 && entries == m;
      for (lua_Integer i = 1; ok && i <= m; i++) {
        lua_rawgeti(L, -2, i);
        ok = is_scalar(L, -1);
        lua_rawseti(L, vals, i);
      }
    } else {
      ok = 0;
      lua_pushnil(L);
    }
    if (!ok) {
      *bad_key = lua_tostring(L, -3);      /* a string key: stays valid in the table */
      lua_settop(L, out - 1);
      return -1;
    }
    lua_pushvalue(L, -3);
    lua_rawseti(L, out, ++n);
    lua_rawseti(L, out, ++n);
    lua_pop(L, 1);
  }
  return 0;
}

/* One comparison of a request's value with a condition's, in budget steps (measured:
 * about 12 ns, as much as a few Lua instructions). A list condition of 500,000 values
 * against a request's list of 900 ran for 7 s in C before it was charged. */
#define COMPARE_STEPS 3

/* Is the value at 'v' the value at 'vals', or one of the list at 'vals'? */
static int one_of(lua_State *L, int v, int vals) {
  if (lua_type(L, vals) != LUA_TTABLE) return lua_rawequal(L, v, vals);
  lua_Integer n = (lua_Integer)lua_rawlen(L, vals);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, vals, i);
    int m = lua_rawequal(L, v, -1);
    lua_pop(L, 1);
    if (m) return 1;
  }
  return 0;
}

int ww__filter_match(lua_State *L, int conds, int from) {
  int top = lua_gettop(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, conds);
  int match = 1;
  for (lua_Integer j = 1; match && j < n; j += 2) {
    lua_rawgeti(L, conds, j);
    lua_gettable(L, from);                 /* the field (r.context's backing has its time
                                              on first read; other tables are plain) */
    lua_rawgeti(L, conds, j + 1);
    int v = top + 1, vals = top + 2;
    double nvals = lua_type(L, vals) == LUA_TTABLE ? (double)lua_rawlen(L, vals) : 1;
    if (lua_type(L, v) == LUA_TTABLE) {    /* a list, behind a read-only view */
      lua_Integer m = luaL_len(L, v);
      ww__charge(L, (double)m * nvals * COMPARE_STEPS, "the rule's conditions");
      match = 0;
      for (lua_Integer i = 1; !match && i <= m; i++) {
        lua_geti(L, v, i);
        match = one_of(L, lua_gettop(L), vals);
        lua_pop(L, 1);
      }
    } else {
      ww__charge(L, nvals * COMPARE_STEPS, "the rule's conditions");
      match = one_of(L, v, vals);
    }
    lua_settop(L, top);
  }
  return match;
}
