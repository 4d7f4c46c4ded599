/* string.find, string.match, string.gmatch and string.gsub for rules: Lua 5.4's pattern
 * language and results (the same matches, captures and error messages, checked against
 * Lua's own functions by tests/unit/rules/test_libcompat.c), with every step of the
 * backtracking matcher charged to the instruction budget.
 *
 * Lua's matcher is a C loop that count hooks never interrupt, and patterns with
 * repetitions, %b and back-references backtrack in time polynomial in the text (the
 * red team's find(("a"):rep(20000), "(a*)%1%1b") took 7 s). Guessing the cost from the
 * pattern refuses harmless searches and lets bad ones through; counting the steps while
 * matching does neither. A search without special characters, or with plain = true, is
 * memmem (linear time, charged as its worst case).
 *
 * The matcher follows the algorithm and structure of Lua 5.4's lstrlib.c
 * (Copyright (C) 1994-2022 Lua.org, PUC-Rio; MIT licence: docs/third-party.md), with
 * the step counting added. */
#define _GNU_SOURCE   /* memmem */
#include <ctype.h>
#include <lauxlib.h>
#include <string.h>

#include "rules/host_private.h"

#define MAX_CAPTURES 32          /* LUA_MAXCAPTURES */
#define MAX_DEPTH 200            /* nested matcher calls before "pattern too complex" */
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define SETTLE_EVERY 4096        /* steps between settlements with the budget */
#define BYTES_PER_STEP 32        /* memcmp, copying */
#define ESC '%'
#define SPECIALS "^$*+?.([%-"

typedef struct mstate {
  const char *src_init, *src_end;   /* the subject */
  const char *p_end;                /* end of the pattern */
  lua_State *L;
  const char *fn;                   /* "string.find", ... for the budget message */
  int depth;                        /* nested calls left */
  int level;                        /* captures open or closed */
  struct { const char *init; ptrdiff_t len; } capture[MAX_CAPTURES];
  size_t steps;                     /* taken since the last settlement */
} mstate;

/* Charges the steps taken so far (raises when the budget is spent). */
static void settle(mstate *ms) {
  size_t n = ms->steps;
  ms->steps = 0;
  if (n) ww__charge(ms->L, (double)n, ms->fn);
}

static inline void step(mstate *ms, size_t n) {
  ms->steps += n;
  if (ms->steps >= SETTLE_EVERY) settle(ms);
}

static void prepare(mstate *ms, lua_State *L, const char *fn, const char *s, size_t ls,
                    const char *p, size_t lp) {
  ms->L = L;
  ms->fn = fn;
  ms->src_init = s;
  ms->src_end = s + ls;
  ms->p_end = p + lp;
  ms->steps = 0;
}

static void restart(mstate *ms) {
  ms->level = 0;
  ms->depth = MAX_DEPTH;
}

/* ---- character classes ---- */

static int class_has(int c, int cl) {
  int res;
  switch (tolower(cl)) {
    case 'a': res = isalpha(c); break;
    case 'c': res = iscntrl(c); break;
    case 'd': res = isdigit(c); break;
    case 'g': res = isgraph(c); break;
    case 'l': res = islower(c); break;
    case 'p': res = ispunct(c); break;
    case 's': res = isspace(c); break;
    case 'u': res = isupper(c); break;
    case 'w': res = isalnum(c); break;
    case 'x': res = isxdigit(c); break;
    case 'z': res = c == 0; break;   /* deprecated in Lua 5.2, still there */
    default: return cl == c;
  }
  if (isupper(cl)) res = !res;
  return res;
}

/* [set] from 'p' (at '[') to 'ec' (at its ']'). */
static int set_has(int c, const char *p, const char *ec) {
  int yes = 1;
  if (*(p + 1) == '^') {
    yes = 0;
    p++;
  }
  while (++p < ec) {
    if (*p == ESC) {
      p++;
      if (class_has(c, (unsigned char)*p)) return yes;
    } else if (*(p + 1) == '-' && p + 2 < ec) {
      p += 2;
      if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p) return yes;
    } else if ((unsigned char)*p == c) {
      return yes;
    }
  }
  return !yes;
}

/* The end of the single-character class at 'p' (where its quantifier would be). */
static const char *class_end(mstate *ms, const char *p) {
  switch (*p++) {
    case ESC:
      if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (ends with '%%')");
      return p + 1;
    case '[':
      if (*p == '^') p++;
      do {
        if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (missing ']')");
        if (*(p++) == ESC && p < ms->p_end) p++;   /* an escape such as %] */
      } while (*p != ']');
      return p + 1;
    default:
      return p;
  }
}

/* Does the character at 's' belong to the class p..ep? */
static int one_char(mstate *ms, const char *s, const char *p, const char *ep) {
  if (s >= ms->src_end) return 0;
  int c = (unsigned char)*s;
  switch (*p) {
    case '.': return 1;
    case ESC: return class_has(c, (unsigned char)*(p + 1));
    case '[': return set_has(c, p, ep - 1);
    default: return (unsigned char)*p == c;
  }
}

/* ---- the matcher: returns the end of a match of p at s, or NULL ---- */

static const char *match(mstate *ms, const char *s, const char *p);

/* %bxy at s */
static const char *balance(mstate *ms, const char *s, const char *p) {
  if (p >= ms->p_end - 1) luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
  if (*s != *p) return NULL;
  int open = *p, close = *(p + 1), depth = 1;
  const char *from = s;
  while (++s < ms->src_end) {
    if (*s == close) {
      if (--depth == 0) {
        step(ms, (size_t)(s - from));
        return s + 1;
      }
    } else if (*s == open) {
      depth++;
    }
  }
  step(ms, (size_t)(s - from));
  return NULL;
}

/* class* and class+ (greedy): the longest run first, then shorter ones */
static const char *longest(mstate *ms, const char *s, const char *p, const char *ep) {
  ptrdiff_t i = 0;
  while (one_char(ms, s + i, p, ep)) i++;
  step(ms, (size_t)i);
  for (; i >= 0; i--) {
    const char *res = match(ms, s + i, ep + 1);
    if (res) return res;
  }
  return NULL;
}

/* class- (lazy): the shortest run first */
static const char *shortest(mstate *ms, const char *s, const char *p, const char *ep) {
  for (;;) {
    const char *res = match(ms, s, ep + 1);
    if (res) return res;
    if (!one_char(ms, s, p, ep)) return NULL;
    s++;
  }
}

static const char *open_capture(mstate *ms, const char *s, const char *p, ptrdiff_t what) {
  int level = ms->level;
  if (level >= MAX_CAPTURES) luaL_error(ms->L, "too many captures");
  ms->capture[level].init = s;
  ms->capture[level].len = what;
  ms->level = level + 1;
  const char *res = match(ms, s, p);
  if (res == NULL) ms->level--;
  return res;
}

static const char *close_capture(mstate *ms, const char *s, const char *p) {
  int l = ms->level - 1;
  while (l >= 0 && ms->capture[l].len != CAP_UNFINISHED) l--;
  if (l < 0) luaL_error(ms->L, "invalid pattern capture");
  ms->capture[l].len = s - ms->capture[l].init;
  const char *res = match(ms, s, p);
  if (res == NULL) ms->capture[l].len = CAP_UNFINISHED;
  return res;
}

/* %1-%9: the text of a closed capture again */
static const char *same_as(mstate *ms, const char *s, int which) {
  int l = which - '1';
  if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED)
    luaL_error(ms->L, "invalid capture index %%%d", l + 1);
  size_t len = (size_t)ms->capture[l].len;   /* a position capture never matches */
  if ((size_t)(ms->src_end - s) < len) return NULL;
  step(ms, len / BYTES_PER_STEP);
  return memcmp(ms->capture[l].init, s, len) == 0 ? s + len : NULL;
}

static const char *match(mstate *ms, const char *s, const char *p) {
  if (ms->depth-- == 0) luaL_error(ms->L, "pattern too complex");
  for (;;) {   /* each turn: one more item of the pattern at s, without recursion */
    step(ms, 2);   /* measured: a turn costs about two Lua instructions */
    if (p == ms->p_end) break;
    if (*p == '(') {
      s = *(p + 1) == ')' ? open_capture(ms, s, p + 2, CAP_POSITION)
                          : open_capture(ms, s, p + 1, CAP_UNFINISHED);
      break;
    }
    if (*p == ')') {
      s = close_capture(ms, s, p + 1);
      break;
    }
    if (*p == '$' && p + 1 == ms->p_end) {   /* '$' anywhere else is a character */
      s = s == ms->src_end ? s : NULL;
      break;
    }
    if (*p == ESC && *(p + 1) == 'b') {
      s = balance(ms, s, p + 2);
      if (s == NULL) break;
      p += 4;
      continue;
    }
    if (*p == ESC && *(p + 1) == 'f') {   /* frontier: not in the set before s, in it at s */
      p += 2;
      if (*p != '[') luaL_error(ms->L, "missing '[' after '%%f' in pattern");
      const char *ep = class_end(ms, p);
      step(ms, (size_t)(ep - p) / 8);
      int before = s == ms->src_init ? '\0' : (unsigned char)*(s - 1);
      if (!set_has(before, p, ep - 1) && set_has((unsigned char)*s, p, ep - 1)) {
        p = ep;
        continue;
      }
      s = NULL;
      break;
    }
    if (*p == ESC && isdigit((unsigned char)*(p + 1))) {
      s = same_as(ms, s, (unsigned char)*(p + 1));
      if (s == NULL) break;
      p += 2;
      continue;
    }
    /* a single-character class, with an optional quantifier */
    const char *ep = class_end(ms, p);
    step(ms, (size_t)(ep - p) / 8);   /* a long [set] is read at every character */
    if (!one_char(ms, s, p, ep)) {
      if (*ep == '*' || *ep == '?' || *ep == '-') {   /* may match nothing */
        p = ep + 1;
        continue;
      }
      s = NULL;   /* '+' or no quantifier */
      break;
    }
    if (*ep == '?') {
      const char *res = match(ms, s + 1, ep + 1);
      if (res) {
        s = res;
        break;
      }
      p = ep + 1;
      continue;
    }
    if (*ep == '+') {
      s = longest(ms, s + 1, p, ep);
      break;
    }
    if (*ep == '*') {
      s = longest(ms, s, p, ep);
      break;
    }
    if (*ep == '-') {
      s = shortest(ms, s, p, ep);
      break;
    }
    s++;
    p = ep;
  }
  ms->depth++;
  return s;
}

/* ---- captures to Lua values ---- */

/* Capture i of the match s..e: pushes a position capture and returns CAP_POSITION, else
 * sets '*cap' and returns its length. With no captures, 0 is the whole match. */
static ptrdiff_t capture_of(mstate *ms, int i, const char *s, const char *e,
                            const char **cap) {
  if (i >= ms->level) {
    if (i != 0) luaL_error(ms->L, "invalid capture index %%%d", i + 1);
    *cap = s;
    return e - s;
  }
  ptrdiff_t len = ms->capture[i].len;
  *cap = ms->capture[i].init;
  if (len == CAP_UNFINISHED) luaL_error(ms->L, "unfinished capture");
  if (len == CAP_POSITION)
    lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
  return len;
}

static void push_capture(mstate *ms, int i, const char *s, const char *e) {
  const char *cap;
  ptrdiff_t len = capture_of(ms, i, s, e, &cap);
  if (len != CAP_POSITION) {
    step(ms, (size_t)len / BYTES_PER_STEP);
    lua_pushlstring(ms->L, cap, (size_t)len);
  }
}

/* The captures of a match (or the whole match when there are none and s is given). */
static int push_captures(mstate *ms, const char *s, const char *e) {
  int n = (ms->level == 0 && s) ? 1 : ms->level;
  luaL_checkstack(ms->L, n, "too many captures");
  for (int i = 0; i < n; i++) push_capture(ms, i, s, e);
  return n;
}

/* ---- find and match ---- */

static int has_specials(const char *p, size_t lp) {
  for (size_t i = 0; i < lp; i++)
    if (p[i] && strchr(SPECIALS, p[i])) return 1;
  return 0;
}

/* A start position as find and match read it: negative counts from the end, 0 is 1. */
static size_t start_pos(lua_Integer pos, size_t len) {
  if (pos > 0) return (size_t)pos;
  if (pos == 0 || pos < -(lua_Integer)len) return 1;
  return len + (size_t)pos + 1;
}

static int find_or_match(lua_State *L, int find) {
  size_t ls, lp;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  const char *fn = find ? "string.find" : "string.match";
  size_t init = start_pos(luaL_optinteger(L, 3, 1), ls);
  if (init > ls + 1) {   /* starts after the end: no match */
    luaL_pushfail(L);
    return 1;
  }
  ww__charge(L, (double)lp / 4, fn);
  if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
    size_t n = ls - init + 1;
    /* memmem is linear, but not cheap: glibc's takes up to 10 ns a byte of text for a
     * needle of 3 bytes or more that almost matches everywhere (measured); one byte is
     * memchr */
    ww__charge(L, lp <= 1 ? (double)n / BYTES_PER_STEP : 2.5 * (double)(n + lp), fn);
    const char *at = memmem(s + init - 1, n, p, lp);
    if (at) {
      lua_pushinteger(L, (lua_Integer)(at - s) + 1);
      lua_pushinteger(L, (lua_Integer)(at - s + lp));
      return 2;
    }
    luaL_pushfail(L);
    return 1;
  }
  mstate ms;
  const char *from = s + init - 1;
  int anchor = *p == '^';
  if (anchor) p++, lp--;
  prepare(&ms, L, fn, s, ls, p, lp);
  do {
    restart(&ms);
    const char *e = match(&ms, from, p);
    if (e) {
      int n;
      if (find) {
        lua_pushinteger(L, (lua_Integer)(from - s) + 1);
        lua_pushinteger(L, (lua_Integer)(e - s));
        n = push_captures(&ms, NULL, NULL) + 2;
      } else {
        n = push_captures(&ms, from, e);
      }
      settle(&ms);
      return n;
    }
  } while (from++ < ms.src_end && !anchor);
  settle(&ms);
  luaL_pushfail(L);
  return 1;
}

int ww__pattern_find(lua_State *L) { return find_or_match(L, 1); }
int ww__pattern_match(lua_State *L) { return find_or_match(L, 0); }

/* ---- gmatch ---- */

typedef struct gstate {
  const char *src;         /* where the next search starts */
  const char *p;
  const char *lastmatch;   /* end of the last match: an empty match there is skipped */
  int in_decision;         /* made in a decision (else while loading) ... */
  uint64_t gen;            /* ... and which one */
  mstate ms;
} gstate;

/* Upvalues: the subject and the pattern (kept alive), the gstate. The position is state
 * that outlives a call: an iterator made while loading, or kept from an earlier decision,
 * would carry it into the next decision, so it works only where it was made. */
static int gmatch_step(lua_State *L) {
  gstate *gm = lua_touserdata(L, lua_upvalueindex(3));
  const ww__run *d = &ww__host_of(L)->run;
  if (gm->in_decision != d->active || (d->active && gm->gen != d->gen))
    return luaL_error(L, "string.gmatch: this iterator was made %s; call string.gmatch where "
                         "you use it", gm->in_decision ? "in an earlier decision"
                                                       : "while loading the rules");
  gm->ms.L = L;
  for (const char *src = gm->src; src <= gm->ms.src_end; src++) {
    restart(&gm->ms);
    const char *e = match(&gm->ms, src, gm->p);
    if (e != NULL && e != gm->lastmatch) {
      gm->src = gm->lastmatch = e;
      int n = push_captures(&gm->ms, src, e);
      settle(&gm->ms);
      return n;
    }
  }
  gm->src = gm->ms.src_end + 1;   /* done: later calls find nothing at once */
  settle(&gm->ms);
  return 0;
}

int ww__pattern_gmatch(lua_State *L) {
  size_t ls, lp;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  size_t init = start_pos(luaL_optinteger(L, 3, 1), ls) - 1;
  ww__charge(L, (double)lp / 4, "string.gmatch");
  lua_settop(L, 2);
  gstate *gm = lua_newuserdatauv(L, sizeof *gm, 0);
  if (init > ls) init = ls + 1;   /* after the end: no 's + init' overflow */
  prepare(&gm->ms, L, "string.gmatch", s, ls, p, lp);
  gm->src = s + init;
  gm->p = p;
  gm->lastmatch = NULL;
  gm->in_decision = ww__host_of(L)->run.active;
  gm->gen = ww__host_of(L)->run.gen;
  lua_pushcclosure(L, gmatch_step, 3);
  return 1;
}

/* ---- gsub ---- */

/* A replacement string with %0-%9 and %% (argument 3) */
static void add_text(mstate *ms, luaL_Buffer *b, const char *s, const char *e) {
  lua_State *L = ms->L;
  size_t l;
  const char *r = lua_tolstring(L, 3, &l);
  step(ms, 1 + l / BYTES_PER_STEP);
  const char *esc;
  while ((esc = memchr(r, ESC, l)) != NULL) {
    luaL_addlstring(b, r, (size_t)(esc - r));
    esc++;
    if (*esc == ESC) {
      luaL_addchar(b, *esc);
    } else if (*esc == '0') {
      step(ms, (size_t)(e - s) / BYTES_PER_STEP);
      luaL_addlstring(b, s, (size_t)(e - s));
    } else if (isdigit((unsigned char)*esc)) {
      const char *cap;
      ptrdiff_t len = capture_of(ms, *esc - '1', s, e, &cap);
      if (len == CAP_POSITION) {
        luaL_addvalue(b);
      } else {
        step(ms, (size_t)len / BYTES_PER_STEP);
        luaL_addlstring(b, cap, (size_t)len);
      }
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", ESC);
    }
    l -= (size_t)(esc + 1 - r);
    r = esc + 1;
  }
  luaL_addlstring(b, r, l);
}

/* The replacement of match s..e ('tr': its type); returns whether the text changed. */
static int add_value(mstate *ms, luaL_Buffer *b, const char *s, const char *e, int tr) {
  lua_State *L = ms->L;
  if (tr == LUA_TFUNCTION) {
    lua_pushvalue(L, 3);
    int n = push_captures(ms, s, e);
    lua_call(L, n, 1);
  } else if (tr == LUA_TTABLE) {
    push_capture(ms, 0, s, e);
    lua_gettable(L, 3);
  } else {
    add_text(ms, b, s, e);
    return 1;
  }
  if (!lua_toboolean(L, -1)) {   /* nil or false: keep the original text */
    lua_pop(L, 1);
    luaL_addlstring(b, s, (size_t)(e - s));
    return 0;
  }
  if (!lua_isstring(L, -1))
    return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  step(ms, lua_rawlen(L, -1) / BYTES_PER_STEP);
  luaL_addvalue(b);
  return 1;
}

int ww__pattern_gsub(lua_State *L) {
  size_t ls, lp;
  const char *src = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  const char *lastmatch = NULL;
  int tr = lua_type(L, 3);
  lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
  int anchor = *p == '^';
  lua_Integer n = 0;
  int changed = 0;
  luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION ||
                   tr == LUA_TTABLE, 3, "string/function/table");
  ww__charge(L, (double)lp / 4, "string.gsub");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  if (anchor) p++, lp--;
  mstate ms;
  prepare(&ms, L, "string.gsub", src, ls, p, lp);
  while (n < max_s) {
    restart(&ms);
    const char *e = match(&ms, src, p);
    if (e != NULL && e != lastmatch) {
      n++;
      changed = add_value(&ms, &b, src, e, tr) | changed;
      src = lastmatch = e;
    } else if (src < ms.src_end) {   /* no match here: keep the character, go on */
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  settle(&ms);
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    ww__charge(L, (double)(ms.src_end - src) / BYTES_PER_STEP, "string.gsub");
    luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}
