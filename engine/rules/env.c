/* The environment rules see: an allow-list of base functions, copies of the string,
 * table, utf8 and math libraries (charged for their work, costed.c), the DSL (dsl.c),
 * count_events and the 'a' metatable, behind a locked _ENV of the rule set's own. */
#include <lualib.h>
#include <string.h>

#include "rules/host_private.h"
#include "util/crypto.h"

static int safe_print(lua_State *L) { (void)L; return 0; }

static uint64_t fnv64(const char *s, uint64_t h) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* The running decision's seed: the facts' (its adviceId), or made now (32 hex digits; ""
 * if no random bytes could be had). */
static const char *seed_of(ww__run *run) {
  if (run->seed == NULL) {
    if (ww_random_hex(run->seed_buf, 16) != 0) run->seed_buf[0] = '\0';
    run->seed = run->seed_buf;
  }
  return run->seed;
}

/* math.random: seeded at its first use in a decision from the decision's adviceId, so each
 * decision has numbers of its own and the same request with the same adviceId gets the
 * same numbers again (a trace can be reproduced). While loading: seeded once, fixed. */
static int safe_random(lua_State *L) {
  ww_host *H = ww__host_of(L);
  int n = lua_gettop(L);
  if (H->run.active && H->run.rand_gen != H->run.gen + 1) {
    const char *id = seed_of(&H->run);
    lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.randomseed);
    lua_pushinteger(L, (lua_Integer)fnv64(id, 14695981039346656037ull));
    lua_pushinteger(L, (lua_Integer)fnv64(id, 1469598103934665603ull));
    lua_call(L, 2, 0);
    H->run.rand_gen = H->run.gen + 1;
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
  if (ww__host_of(L)->lim.limit_hit) return 1;
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
  if (lua_type(L, 2) == LUA_TTABLE && ww__view_is(L, 2)) {
    ww__view_push_backing(L, 2);
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

int ww__env_open(lua_State *L) {
  ww_host *H = ww__host_of(L);
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
  H->ref.randomseed = luaL_ref(L, LUA_REGISTRYINDEX);
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
    ww__view_wrap(L, 3 + i, 0);
    lua_setfield(L, 2, libs[i]);
  }
  lua_settop(L, 2);

  ww__dsl_open(L, 2);
  ww__advise_open(L, H);
  lua_pushcfunction(L, ww__view_session_count_events);
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
  H->ref.env = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, 2);
  lua_setfield(L, LUA_REGISTRYINDEX, "ww.base");
  return 0;
}
