/* The library rules see is Lua's, charged for its work (engine/rules/costed.c) and with
 * pattern matching, string.rep, table.insert, remove and concat written anew
 * (pattern.c, costed.c). They must give exactly what Lua 5.4's own functions give: the
 * same results, matches, captures, positions and error messages. Here both run side by
 * side, outside any budget: the patterns on many generated patterns and texts and a list
 * of edge cases, the other functions on a table of calls. */
#include <criterion/criterion.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>

#include "rules/host_private.h"

static lua_State *L;
static ww_host *H;

static void setup(void) {
  H = calloc(1, sizeof *H);   /* no budget running: charges are no-ops */
  L = luaL_newstate();
  *(ww_host **)lua_getextraspace(L) = H;
  H->L = L;
  luaL_openlibs(L);
  static const luaL_Reg mine[] = {{"find", ww__pattern_find}, {"match", ww__pattern_match},
                                  {"gmatch", ww__pattern_gmatch}, {"gsub", ww__pattern_gsub},
                                  {NULL, NULL}};
  luaL_newlib(L, mine);
  lua_setglobal(L, "mine");
  /* costed copies of the libraries, as the sandbox makes them */
  static const char *const libs[] = {"_G", "string", "table", "utf8", "math"};
  int base = lua_gettop(L) + 1;
  for (int i = 0; i < 5; i++) {
    lua_newtable(L);
    lua_getglobal(L, libs[i]);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -5);
    }
    lua_pop(L, 1);
  }
  ww__costed_open(L, base, base + 1, base + 2, base + 3, base + 4);
  static const char *const names[] = {"c_base", "c_string", "c_table", "c_utf8", "c_math"};
  for (int i = 4; i >= 0; i--) lua_setglobal(L, names[i]);
}

static void teardown(void) {
  lua_close(L);
  free(H);
}

TestSuite(patterns, .init = setup, .fini = teardown, .timeout = 60);


static void run_file(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/libcompat/%s", WW_FIXTURES, name);
  cr_assert_eq(luaL_dofile(L, path), LUA_OK, "%s", lua_tostring(L, -1));
}

static void load_compare(void) { run_file("compare.lua"); }

static void same(const char *s, size_t sl, const char *p, size_t pl) {
  lua_getglobal(L, "compare");
  lua_pushlstring(L, s, sl);
  lua_pushlstring(L, p, pl);
  cr_assert_eq(lua_pcall(L, 2, 1, 0), LUA_OK, "%s", lua_tostring(L, -1));
  cr_assert(lua_isnil(L, -1), "%s", lua_tostring(L, -1));
  lua_pop(L, 1);
}

#define SAME(s, p) same(s, sizeof(s) - 1, p, sizeof(p) - 1)

Test(patterns, known_edge_cases) {
  load_compare();
  SAME("hello world", "o w");
  SAME("hello world", "(o)(%s)(w)");
  SAME("hello", "");
  SAME("", "");
  SAME("", "a*");
  SAME("abc", "^");
  SAME("abc", "$");
  SAME("abc", "^abc$");
  SAME("a$c", "a$c");
  SAME("a^c", "a^c");
  SAME("abc", "()b()");
  SAME("aaa", "a-");
  SAME("aaab", "a-b");
  SAME("aaab", "a*?");
  SAME("x(a(b)c)y", "%b()");
  SAME("x(a(b)c", "%b()");
  SAME("abc", "%b");
  SAME("abc", "%b(");
  SAME("THE (quick) fox", "%f[%a]%a+");
  SAME("THE (quick) fox", "%f[%A]");
  SAME("abc", "%fa");
  SAME("abab", "(ab)%1");
  SAME("abab", "%1");
  SAME("abab", "%0");
  SAME("abab", "(a%1)");
  SAME("abab", "()%1");
  SAME("abc", "(");
  SAME("abc", ")");
  SAME("abc", "(()");
  SAME("abc", "%");
  SAME("abc", "[a");
  SAME("abc", "[]");
  SAME("a]c", "[]]");
  SAME("a]c", "[^]]");
  SAME("a-c", "[a-]");
  SAME("a-c", "[%a-]+");
  SAME("a-c", "[-c]+");
  SAME("a%c", "[%%]");
  SAME("a.b", "%.");
  SAME("AbC123 _!", "[%u%d]+");
  SAME("AbC123 _!", "%W+");
  SAME("\0a\0b", "%z");
  SAME("a\0b", "\0");
  SAME("a\0b", "a\0b");
  SAME("a\0b", "[\0]");
  SAME("a\0b", "%\0");
  SAME("12.5e3", "^[+-]?%d+%.?%d*[eE]?%d*$");
  SAME("key = value", "^(%w+)%s*=%s*(%w+)$");
  SAME("  trim me  ", "^%s*(.-)%s*$");
  SAME("a,b,,c", "([^,]*)");
  SAME("one two  three", "%S+");
  SAME("((((", "(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))");
  SAME("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
       "a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?aaaaaaaaaaaaaaaaaaaaaa");
  /* nesting deeper than the matcher allows: "pattern too complex" from both */
  char deep[1024];
  for (int i = 0; i < 300; i++) deep[i] = '(';
  memset(deep + 300, 'a', 300);
  same("aaa", 3, deep, 300);
  char many[800];
  for (int i = 0; i < 250; i++) memcpy(many + 3 * i, "a?b", 3);
  same("ababab", 6, many, 750);
}

/* Many random patterns from the pieces of the pattern language, on random texts. */
Test(patterns, generated_patterns_give_lua_results) {
  load_compare();
  static const char *const pieces[] = {
      "a", "b", "x", ".", "%a", "%d", "%s", "%w", "%A", "%S", "%p", "%%", "%(", "%.",
      "[ab]", "[^a]", "[a-c]", "[%d%s]", "[]", "[^]", "[", "]", "(", ")", "()", "^", "$",
      "*", "+", "-", "?", "%b()", "%bab", "%f[%a]", "%f[%s]", "%f", "%1", "%2", "%0", "%",
      "\0", " ", "-", "1"};
  static const char alphabet[] = "aabbx() 1.%-\0";
  srand(20261201);
  char s[32], p[64];
  for (int n = 0; n < 4000; n++) {
    size_t sl = (size_t)(rand() % 14);
    for (size_t i = 0; i < sl; i++) s[i] = alphabet[rand() % (int)(sizeof alphabet - 1)];
    size_t pl = 0;
    int k = rand() % 6;
    for (int i = 0; i < k; i++) {
      const char *piece = pieces[rand() % (int)(sizeof pieces / sizeof pieces[0])];
      size_t l = piece[0] ? strlen(piece) : 1;
      if (pl + l >= sizeof p) break;
      memcpy(p + pl, piece, l);
      pl += l;
    }
    same(s, sl, p, pl);
  }
}


Test(patterns, library_calls_give_lua_results) { run_file("calls.lua"); }
