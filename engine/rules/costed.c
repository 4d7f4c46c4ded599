/* The C library as rules reach it: every function that can do more than a few steps of
 * work charges the instruction budget for it (ww__charge), before the work where its size
 * is known from the arguments, else as it goes or right after (bounded by the memory
 * cap). Count hooks do not fire inside C, so without this a single call such as
 * string.rep("", 2^40, "") or table.move({}, 1, 2^40, 1, {}) would run for hours.
 *
 * Units: one step is one Lua instruction; a C loop costs one step per element or per
 * CHARS_PER_STEP characters it visits, and one per BYTES_PER_STEP bytes it copies or
 * compares (measured so that a budget spent in C takes about as long as one spent in
 * Lua: 2,000,000 steps in 5-10 ms on the test machine). Making big strings and tables
 * costs besides (the allocator, sandbox.c). The pattern functions live in pattern.c.
 * Wrappers call the original function (upvalue 1) on their own stack, so arguments and
 * error messages stay Lua's own. */
#include <lauxlib.h>
#include <string.h>

#include "rules/host_private.h"

#define CHARS_PER_STEP 2
#define BYTES_PER_STEP 32
#define REP_MAX_BYTES (1u << 20)   /* string.rep: result */

static int call_orig(lua_State *L) {
  lua_CFunction f = lua_tocfunction(L, lua_upvalueindex(1));
  return f(L);
}

/* ---- positions as the string library reads them ---- */

/* A start position (string.sub, byte, find): negative counts from the end, 0 is 1. */
static size_t pos_start(lua_Integer pos, size_t len) {
  if (pos > 0) return (size_t)pos;
  if (pos == 0) return 1;
  if (pos < -(lua_Integer)len) return 1;
  return len + (size_t)pos + 1;
}

/* An end position: clipped to the string. */
static size_t pos_end(lua_Integer pos, size_t len) {
  if (pos > (lua_Integer)len) return len;
  if (pos >= 0) return (size_t)pos;
  if (pos < -(lua_Integer)len) return 0;
  return len + (size_t)pos + 1;
}

/* utf8's relative position: negative counts from the end, no clipping. */
static lua_Integer u_pos(lua_Integer pos, size_t len) {
  if (pos >= 0) return pos;
  if (0u - (size_t)pos > len) return 0;
  return (lua_Integer)len + pos + 1;
}

/* The bytes of the string arguments from 'from' on. */
static double string_args(lua_State *L, int from) {
  double n = 0;
  for (int i = from, top = lua_gettop(L); i <= top; i++)
    if (lua_type(L, i) == LUA_TSTRING) n += (double)lua_rawlen(L, i);
  return n;
}

/* ---- string ---- */

static int s_byte(lua_State *L) {
  size_t l;
  luaL_checklstring(L, 1, &l);
  lua_Integer pi = luaL_optinteger(L, 2, 1);
  size_t a = pos_start(pi, l), b = pos_end(luaL_optinteger(L, 3, pi), l);
  if (b >= a) ww__charge(L, (double)(b - a + 1) * WW__VALUE_STEPS, "string.byte");
  return call_orig(L);
}

static int s_sub(lua_State *L) {
  size_t l;
  luaL_checklstring(L, 1, &l);
  size_t a = pos_start(luaL_checkinteger(L, 2), l), b = pos_end(luaL_optinteger(L, 3, -1), l);
  if (b >= a) ww__charge(L, (double)(b - a + 1) / BYTES_PER_STEP, "string.sub");
  return call_orig(L);
}

/* lower, upper, reverse: a loop over the characters, one step each (measured: slower
 * than decoding) */
static int s_per_char(lua_State *L, const char *fn) {
  size_t l;
  luaL_checklstring(L, 1, &l);
  ww__charge(L, (double)l, fn);
  return call_orig(L);
}
static int s_lower(lua_State *L) { return s_per_char(L, "string.lower"); }
static int s_upper(lua_State *L) { return s_per_char(L, "string.upper"); }
static int s_reverse(lua_State *L) { return s_per_char(L, "string.reverse"); }

/* string.rep, written here: Lua's loops once per repetition even when the result is
 * empty (string.rep("", 2^40, "") never returned). This one fills the result by doubling
 * what it has: work in proportion to the result, which is at most 1 MiB. */
static int s_rep(lua_State *L) {
  size_t l, lsep;
  const char *s = luaL_checklstring(L, 1, &l);
  lua_Integer n = luaL_checkinteger(L, 2);
  const char *sep = luaL_optlstring(L, 3, "", &lsep);
  double total = n <= 0 ? 0 : (double)l * (double)n + (double)lsep * (double)(n - 1);
  if (total == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  if (total > REP_MAX_BYTES)
    return luaL_error(L, "string.rep: result too large (%I bytes; at most %d)",
                      (lua_Integer)total, (int)REP_MAX_BYTES);
  ww__charge(L, 1 + total / BYTES_PER_STEP, "string.rep");
  size_t size = (size_t)total, have = l < size ? l : size;
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, size);
  memcpy(p, s, have);
  if (have < size) {   /* n > 1: one period is s .. sep; the result is periods, minus a sep */
    memcpy(p + have, sep, lsep);
    have += lsep;
  }
  while (have < size) {
    size_t k = have < size - have ? have : size - have;
    memcpy(p + have, p, k);
    have += k;
  }
  luaL_pushresultsize(&b, size);
  return 1;
}

/* char(...), and the others whose work is a few steps per argument */
static int per_arg(lua_State *L, const char *fn) {
  ww__charge(L, (double)lua_gettop(L) * WW__VALUE_STEPS, fn);
  return call_orig(L);
}
static int s_char(lua_State *L) { return per_arg(L, "string.char"); }
static int u8_char(lua_State *L) { return per_arg(L, "utf8.char"); }
static int t_pack(lua_State *L) { return per_arg(L, "table.pack"); }
static int m_max(lua_State *L) { return per_arg(L, "math.max"); }
static int m_min(lua_State *L) { return per_arg(L, "math.min"); }

/* format, pack: the format and the texts it copies (%q escapes character by character),
 * then the result */
static int s_formatting(lua_State *L, const char *fn) {
  size_t fl;
  luaL_checklstring(L, 1, &fl);
  ww__charge(L, (double)(fl + (size_t)lua_gettop(L)) + string_args(L, 2) / CHARS_PER_STEP, fn);
  int n = call_orig(L);
  if (n > 0 && lua_type(L, -n) == LUA_TSTRING)
    ww__charge(L, (double)lua_rawlen(L, -n) / BYTES_PER_STEP, fn);
  return n;
}
static int s_format(lua_State *L) { return s_formatting(L, "string.format"); }

/* pack's "cN" pads its text to N bytes one byte at a time: a step a byte, charged before
 * ("c2000000000" ran 100 ms, until the memory limit). */
static int s_pack(lua_State *L) {
  size_t fl;
  const char *f = luaL_checklstring(L, 1, &fl);
  double pad = 0;
  for (size_t i = 0; i < fl; i++) {
    if (f[i] != 'c') continue;
    double size = 0;
    while (i + 1 < fl && f[i + 1] >= '0' && f[i + 1] <= '9') size = size * 10 + (f[++i] - '0');
    pad += size;
  }
  ww__charge(L, pad, "string.pack");
  return s_formatting(L, "string.pack");
}

static int s_packsize(lua_State *L) {
  size_t fl;
  luaL_checklstring(L, 1, &fl);
  ww__charge(L, (double)fl, "string.packsize");
  return call_orig(L);
}

static int s_unpack(lua_State *L) {
  size_t fl, dl;
  luaL_checklstring(L, 1, &fl);
  luaL_checklstring(L, 2, &dl);
  ww__charge(L, (double)fl + (double)dl / BYTES_PER_STEP, "string.unpack");
  return call_orig(L);
}

/* ---- table ---- */

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4

/* As the table library checks its argument: a table, or a value whose metatable has the
 * metamethods needed. */
static void check_tab(lua_State *L, int arg, int what) {
  if (lua_type(L, arg) == LUA_TTABLE) return;
  int n = 1;
  if (lua_getmetatable(L, arg) &&
      (!(what & TAB_R) || (lua_pushliteral(L, "__index"), ++n, lua_rawget(L, -n) != LUA_TNIL)) &&
      (!(what & TAB_W) || (lua_pushliteral(L, "__newindex"), ++n, lua_rawget(L, -n) != LUA_TNIL)) &&
      (!(what & TAB_L) || (lua_pushliteral(L, "__len"), ++n, lua_rawget(L, -n) != LUA_TNIL))) {
    lua_pop(L, n);
    return;
  }
  luaL_checktype(L, arg, LUA_TTABLE);
}

static lua_Integer len_of(lua_State *L, int arg, int what) {
  check_tab(L, arg, what | TAB_L);
  return luaL_len(L, arg);
}

/* A range i..j of elements: j - i + 1 steps (as a double: the ends may be any integers). */
static double range(lua_Integer i, lua_Integer j) {
  return j >= i ? (double)j - (double)i + 1 : 0;
}

static int t_insert(lua_State *L) {
  lua_Integer e = len_of(L, 1, TAB_R | TAB_W);
  e = (lua_Integer)((lua_Unsigned)e + 1u);   /* the first empty element */
  lua_Integer pos;
  switch (lua_gettop(L)) {
    case 2:
      pos = e;
      break;
    case 3:
      pos = luaL_checkinteger(L, 2);
      luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
      ww__charge(L, range(pos, e), "table.insert");
      for (lua_Integer i = e; i > pos; i--) {   /* move up the elements */
        lua_geti(L, 1, i - 1);
        lua_seti(L, 1, i);
      }
      break;
    default:
      return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos);
  return 0;
}

static int t_remove(lua_State *L) {
  lua_Integer size = len_of(L, 1, TAB_R | TAB_W);
  lua_Integer pos = luaL_optinteger(L, 2, size);
  if (pos != size)   /* a given position must be in [1, size + 1] (Lua 5.4.4 names arg 1) */
    luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 1, "position out of bounds");
  ww__charge(L, range(pos, size), "table.remove");
  lua_geti(L, 1, pos);
  for (; pos < size; pos++) {
    lua_geti(L, 1, pos + 1);
    lua_seti(L, 1, pos);
  }
  lua_pushnil(L);
  lua_seti(L, 1, pos);
  return 1;
}

static int t_move(lua_State *L) {
  lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
  ww__charge(L, range(f, e), "table.move");
  return call_orig(L);
}

/* concat: the elements, then the bytes of the result (made within the memory cap). */
static int t_concat(lua_State *L) {
  lua_Integer last = len_of(L, 1, TAB_R);
  size_t lsep;
  const char *sep = luaL_optlstring(L, 2, "", &lsep);
  lua_Integer i = luaL_optinteger(L, 3, 1);
  last = luaL_optinteger(L, 4, last);
  ww__charge(L, range(i, last), "table.concat");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (; i <= last; i++) {
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
      return luaL_error(L, "invalid value (%s) at index %I in table for 'concat'",
                        luaL_typename(L, -1), i);
    luaL_addvalue(&b);
    if (i == last) break;   /* (i++ would overflow at the largest integer) */
    luaL_addlstring(&b, sep, lsep);
  }
  luaL_pushresult(&b);
  ww__charge(L, (double)lua_rawlen(L, -1) / BYTES_PER_STEP, "table.concat");
  return 1;
}

/* unpack reads #t when no end is given: read it here and pass it on, so a __len
 * metamethod runs once, as without the wrapper. */
static int t_unpack(lua_State *L) {
  lua_Integer i = luaL_optinteger(L, 2, 1);
  lua_Integer j = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
  ww__charge(L, range(i, j) * WW__VALUE_STEPS, "table.unpack");
  lua_settop(L, 3);
  lua_pushinteger(L, i);
  lua_replace(L, 2);
  lua_pushinteger(L, j);
  lua_replace(L, 3);
  return call_orig(L);
}

/* The comparison table.sort makes, charged: SORT_STEP (measured: a comparison through this
 * function costs as much as a few Lua instructions), plus the bytes two strings share (a
 * comparison of long strings reads them). Upvalue 1: the rule's function or nil. */
#define SORT_STEP 25
static int sort_less(lua_State *L) {
  if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
    size_t a = lua_rawlen(L, 1), b = lua_rawlen(L, 2);
    ww__charge(L, SORT_STEP + (double)(a < b ? a : b) / BYTES_PER_STEP, "table.sort");
  } else {
    ww__charge(L, SORT_STEP, "table.sort");
  }
  if (lua_isnil(L, lua_upvalueindex(1))) {
    lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_settop(L, 3);
  lua_call(L, 2, 1);
  return 1;
}

/* A small plain list (no metatable) of numbers and short texts in Lua's own order: Lua
 * sorts it with at most n^2/2 cheap comparisons, charged before, without a call of
 * sort_less per comparison (a rule sorting a few ids in every decision). */
#define SORT_SMALL 64
static int small_plain_list(lua_State *L) {
  if (!lua_isnoneornil(L, 2) || lua_type(L, 1) != LUA_TTABLE) return 0;
  if (lua_getmetatable(L, 1)) {
    lua_pop(L, 1);
    return 0;
  }
  size_t n = lua_rawlen(L, 1);
  if (n > SORT_SMALL) return 0;
  for (size_t i = 1; i <= n; i++) {
    int t = lua_rawgeti(L, 1, (lua_Integer)i);
    int ok = t == LUA_TNUMBER || (t == LUA_TSTRING && lua_rawlen(L, -1) <= 64);
    lua_pop(L, 1);
    if (!ok) return 0;
  }
  ww__charge(L, (double)n + (double)n * (double)n, "table.sort");
  return 1;
}

static int t_sort(lua_State *L) {
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  if (small_plain_list(L)) return call_orig(L);
  lua_settop(L, 2);
  lua_pushcclosure(L, sort_less, 1);
  return call_orig(L);
}

/* ---- utf8 ---- */

static int u8_codepoint(lua_State *L) {
  size_t l;
  luaL_checklstring(L, 1, &l);
  lua_Integer i = u_pos(luaL_optinteger(L, 2, 1), l);
  lua_Integer j = u_pos(luaL_optinteger(L, 3, i), l);
  if (i >= 1 && j <= (lua_Integer)l)
    ww__charge(L, range(i, j) * WW__VALUE_STEPS, "utf8.codepoint");
  return call_orig(L);
}

static int u8_len(lua_State *L) {
  size_t l;
  luaL_checklstring(L, 1, &l);
  lua_Integer i = u_pos(luaL_optinteger(L, 2, 1), l);
  lua_Integer j = u_pos(luaL_optinteger(L, 3, -1), l);
  ww__charge(L, range(i, j) / CHARS_PER_STEP, "utf8.len");
  return call_orig(L);
}

/* offset scans from its start until it has counted its characters: the distance it went
 * is known after (at most the string). */
static int u8_offset(lua_State *L) {
  size_t l;
  luaL_checklstring(L, 1, &l);
  lua_Integer n = luaL_checkinteger(L, 2);
  lua_Integer i = u_pos(luaL_optinteger(L, 3, n >= 0 ? 1 : (lua_Integer)l + 1), l);
  int r = call_orig(L);
  double went = lua_isinteger(L, -1) ? (double)(lua_tointeger(L, -1) - i)
                                     : (double)(n >= 0 ? (lua_Integer)l - i : i);
  ww__charge(L, (went < 0 ? -went : went) / CHARS_PER_STEP, "utf8.offset");
  return r;
}

/* The iterator of utf8.codes skips the continuation bytes before a character: charged by
 * how far it moved. Upvalue 1: Lua's iterator. */
static int codes_step(lua_State *L) {
  size_t l;
  luaL_checklstring(L, 1, &l);
  lua_Integer from = lua_tointeger(L, 2);
  int r = call_orig(L);
  lua_Integer to = r == 2 ? lua_tointeger(L, -2) : (lua_Integer)l;
  ww__charge(L, (double)(to > from ? to - from : 1) / CHARS_PER_STEP, "utf8.codes");
  return r;
}

static int u8_codes(lua_State *L) {
  int r = call_orig(L);   /* iterator, s, 0 */
  if (r == 3) {
    lua_pushvalue(L, -3);
    lua_pushcclosure(L, codes_step, 1);
    lua_replace(L, -4);
  }
  return r;
}

/* ---- base ---- */

static int b_tonumber(lua_State *L) {
  if (lua_type(L, 1) == LUA_TSTRING)
    ww__charge(L, (double)lua_rawlen(L, 1) / CHARS_PER_STEP, "tonumber");
  return call_orig(L);
}

static int b_select(lua_State *L) {   /* hands back up to all its arguments */
  ww__charge(L, (double)lua_gettop(L) * WW__VALUE_STEPS, "select");
  return call_orig(L);
}

static int b_rawequal(lua_State *L) {   /* two long strings: compared byte by byte */
  if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING)
    ww__charge(L, (double)lua_rawlen(L, 1) / BYTES_PER_STEP, "rawequal");
  return call_orig(L);
}

/* ---- installing them ---- */

typedef struct costed { const char *name; lua_CFunction f; } costed;

/* Replaces each named function of the table at 't' by its costed wrapper (the original
 * becomes the wrapper's upvalue), or by 'f' itself when it needs no original. */
static void wrap_all(lua_State *L, int t, const costed *list, int own) {
  for (int i = 0; list[i].name; i++) {
    if (own) {
      lua_pushcfunction(L, list[i].f);
    } else {
      lua_getfield(L, t, list[i].name);
      lua_pushcclosure(L, list[i].f, 1);
    }
    lua_setfield(L, t, list[i].name);
  }
}

void ww__costed_open(lua_State *L, int base, int string, int table, int utf8, int math) {
  static const costed b[] = {{"tonumber", b_tonumber}, {"select", b_select},
                             {"rawequal", b_rawequal}, {NULL, NULL}};
  static const costed s[] = {{"byte", s_byte}, {"char", s_char}, {"format", s_format},
                             {"lower", s_lower}, {"upper", s_upper}, {"reverse", s_reverse},
                             {"sub", s_sub}, {"pack", s_pack},
                             {"packsize", s_packsize}, {"unpack", s_unpack}, {NULL, NULL}};
  static const costed sp[] = {{"rep", s_rep}, {"find", ww__pattern_find}, {"match", ww__pattern_match},
                              {"gmatch", ww__pattern_gmatch}, {"gsub", ww__pattern_gsub},
                              {NULL, NULL}};
  static const costed t[] = {{"move", t_move}, {"unpack", t_unpack}, {"sort", t_sort},
                             {"pack", t_pack}, {NULL, NULL}};
  static const costed tt[] = {{"insert", t_insert}, {"remove", t_remove},
                              {"concat", t_concat}, {NULL, NULL}};
  static const costed u[] = {{"char", u8_char}, {"codepoint", u8_codepoint}, {"len", u8_len},
                             {"offset", u8_offset}, {"codes", u8_codes}, {NULL, NULL}};
  static const costed m[] = {{"max", m_max}, {"min", m_min}, {NULL, NULL}};
  wrap_all(L, base, b, 0);
  wrap_all(L, string, s, 0);
  wrap_all(L, string, sp, 1);
  wrap_all(L, table, t, 0);
  wrap_all(L, table, tt, 1);
  wrap_all(L, utf8, u, 0);
  wrap_all(L, math, m, 0);
}
