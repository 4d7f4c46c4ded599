/* The 'a' object rules advise through: a:prefer, a:avoid, a:exclude, a:only, a:first,
 * a:note, a:stop. Methods are C functions writing into the running decision's verdict (scores,
 * exclusions, reasons, notes, and with explain the effects); an 'a' is a userdata tied to
 * one decision (its generation) and dead afterwards. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "rules/host_private.h"

#define MAX_ARENA (1u << 20)
#define MAX_ITEMS 20000

typedef struct a_ud {
  ww_host *H;
  uint64_t gen;
} a_ud;

static const char A_MT[] = "ww.a";

void ww__advise_reset(ww__run *d, const ww_catalogue *cat, int explain) {
  for (int i = 0; i < cat->nch; i++) {
    d->v.score[i] = cat->ch[i].base;
    d->v.excluded[i] = 0;
  }
  d->nreasons = d->nnotes = d->nfx = d->ntrace = d->alen = 0;
  d->notes_hashed = 0;
  for (int i = 0; i < d->nfirst; i++) d->first_mark[d->first[i]] = 0;
  d->nfirst = 0;
  d->explain = explain;
  d->stop = 0;
  d->cur_rule = -1;
}

void ww__advise_free(ww__run *d) {
  free(d->reasons), free(d->notes), free(d->fx), free(d->trace), free(d->arena);
  free(d->note_set);
  d->reasons = d->notes = NULL;
  d->fx = NULL;
  d->trace = NULL;
  d->arena = NULL;
  d->note_set = NULL;
}

/* Room for item n of one of the arrays (at most MAX_ITEMS each, checked at every add);
 * raises (no leak: the array belongs to the ww_host). */
static void *need(lua_State *L, void *p, size_t n, size_t *cap, size_t sz) {
  if (n >= MAX_ITEMS) luaL_error(L, "too many reasons, notes or effects in one decision");
  if (n < *cap) return p;
  size_t nc = *cap ? *cap * 2 : 32;
  void *q = realloc(p, nc * sz);
  if (q == NULL) luaL_error(L, "not enough memory");
  *cap = nc;
  return q;
}

static uint32_t arena_put(lua_State *L, ww__run *d, const char *s, size_t n) {
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

static ww_host *check_a_slow(lua_State *L, const char *m) {
  a_ud *u = luaL_testudata(L, 1, A_MT);
  if (u == NULL) luaL_error(L, "a:%s: call it with a colon, like a:%s(...)", m, m);
  ww_host *H = u->H;
  if (!H->run.active || u->gen != H->run.gen)
    luaL_error(L, "a:%s: this 'a' belongs to an earlier decision and can no longer be used", m);
  return H;
}

/* The live 'a' of this decision is one known userdata: a pointer compare instead of a
 * registry lookup of the metatable per call. Anything else takes the slow path (errors). */
static ww_host *check_a(lua_State *L, const char *m) {
  ww_host *H = ww__host_of(L);
  if (lua_type(L, 1) == LUA_TUSERDATA && lua_touserdata(L, 1) == H->run.a_cur && H->run.active)
    return H;
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

static void add_reason(lua_State *L, ww__run *d, int ch, int excl, const char *s, size_t n) {
  if (s == NULL || n == 0) return;
  d->reasons = need(L, d->reasons, d->nreasons, &d->creasons, sizeof *d->reasons);
  ww_reason *r = &d->reasons[d->nreasons];
  r->off = arena_put(L, d, s, n);
  r->len = (uint32_t)n;
  r->ch = (int16_t)ch;
  r->excl = (uint8_t)excl;
  d->nreasons++;
}

static void add_fx(lua_State *L, ww__run *d, int kind, int ch, double pts, const char *s,
                   size_t n) {
  if (!d->explain) return;
  d->fx = need(L, d->fx, d->nfx, &d->cfx, sizeof *d->fx);
  ww_effect *e = &d->fx[d->nfx];
  e->kind = (uint8_t)kind;
  e->ch = (int16_t)ch;
  e->pts = pts;
  e->off = s ? arena_put(L, d, s, n) : 0;
  e->len = s ? (uint32_t)n : 0;
  d->nfx++;
}

static int score(lua_State *L, const char *m, int sign) {
  ww_host *H = check_a(L, m);
  int ch = chan_arg(L, 2, m);
  if (lua_type(L, 3) != LUA_TNUMBER)
    return luaL_error(L, "a:%s: the points must be a number, like a:%s(\"website\", 20, "
                         "\"reason\")", m, m);
  double pts = lua_tonumber(L, 3);
  if (pts != pts || pts > 1e9 || pts < -1e9) return luaL_error(L, "a:%s: points out of range", m);
  size_t n = 0;
  const char *why = opt_text(L, 4, &n, m, "reason");
  H->run.v.score[ch] += sign * pts;
  add_reason(L, &H->run, ch, 0, why, n);
  add_fx(L, &H->run, sign > 0 ? WW_FX_PREFER : WW_FX_AVOID, ch, pts, NULL, 0);
  return 0;
}

static int a_prefer(lua_State *L) { return score(L, "prefer", 1); }
static int a_avoid(lua_State *L) { return score(L, "avoid", -1); }

static int a_exclude(lua_State *L) {
  ww_host *H = check_a(L, "exclude");
  int ch = chan_arg(L, 2, "exclude");
  size_t n = 0;
  const char *why = opt_text(L, 3, &n, "exclude", "reason");
  H->run.v.excluded[ch] = 1;
  add_reason(L, &H->run, ch, 1, why, n);
  add_fx(L, &H->run, WW_FX_EXCLUDE, ch, 0, NULL, 0);
  return 0;
}

static int a_only(lua_State *L) {
  ww_host *H = check_a(L, "only");
  if (!lua_istable(L, 2))
    return luaL_error(L, "a:only: give a list of channel ids, like a:only({ \"balie\" }, "
                         "\"reason\")");
  size_t n = 0;
  const char *why = opt_text(L, 3, &n, "only", "reason");
  uint8_t keep[WW_MAX_CHANNELS] = {0};
  char list[512];
  size_t ll = 0;
  lua_Integer len = (lua_Integer)lua_rawlen(L, 2);
  ww__charge(L, (double)len * WW__VALUE_STEPS, "a:only");
  for (lua_Integer i = 1; i <= len; i++) {
    lua_rawgeti(L, 2, i);
    int ch = chan_arg(L, lua_gettop(L), "only");
    lua_pop(L, 1);
    keep[ch] = 1;
    const char *id = H->cat.ch[ch].id;
    size_t il = strlen(id);
    if (ll + il + 3 < sizeof list) {
      if (ll) list[ll++] = ',', list[ll++] = ' ';
      memcpy(list + ll, id, il);
      ll += il;
    }
  }
  /* the reason once among the kept channels: on the first of the list still in the
   * advice (the one the rule names first); every channel it removes gets it too */
  for (lua_Integer i = 1; i <= len && why; i++) {
    lua_rawgeti(L, 2, i);
    int ch = chan_arg(L, lua_gettop(L), "only");
    lua_pop(L, 1);
    if (!H->run.v.excluded[ch]) {
      add_reason(L, &H->run, ch, 0, why, n);
      break;
    }
  }
  for (int c = 0; c < H->cat.nch; c++) {
    if (!keep[c]) {
      H->run.v.excluded[c] = 1;
      add_reason(L, &H->run, c, 1, why, n);
    }
  }
  add_fx(L, &H->run, WW_FX_ONLY, -1, 0, list, ll);
  return 0;
}

/* a:first: the channel goes to the top when the rules are done (ww__advise_finish), above
 * whatever scores later rules give; of several, the one named first stays on top. */
static int a_first(lua_State *L) {
  ww_host *H = check_a(L, "first");
  int ch = chan_arg(L, 2, "first");
  size_t n = 0;
  const char *why = opt_text(L, 3, &n, "first", "reason");
  ww__run *d = &H->run;
  if (!d->first_mark[ch]) {
    d->first_mark[ch] = 1;
    d->first[d->nfirst++] = (int16_t)ch;
  }
  add_reason(L, d, ch, 0, why, n);
  add_fx(L, d, WW_FX_FIRST, ch, 0, NULL, 0);
  return 0;
}

void ww__advise_finish(ww__run *d, const ww_catalogue *cat) {
  for (int k = d->nfirst - 1; k >= 0; k--) {   /* the last named first, so the first ends on top */
    int ch = d->first[k];
    if (d->v.excluded[ch]) continue;
    double top = -1e300;
    for (int c = 0; c < cat->nch; c++)
      if (c != ch && !d->v.excluded[c] && d->v.score[c] > top) top = d->v.score[c];
    if (top > -1e300 && d->v.score[ch] <= top) d->v.score[ch] = top + 1;
  }
}

static uint64_t text_hash(const char *s, size_t n) {   /* FNV-1a */
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

/* The slot of note text s..n in the set: holding its index + 1, or free (0). */
static uint32_t *note_slot(ww__run *d, const char *s, size_t n, uint64_t h) {
  size_t mask = d->note_slots - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    uint32_t k = d->note_set[i];
    if (k == 0) return &d->note_set[i];
    const ww_reason *x = &d->notes[k - 1];
    if (x->len == n && memcmp(d->arena + x->off, s, n) == 0) return &d->note_set[i];
  }
}

/* (Re)builds the set with every note so far, at most half full: at the first use in a
 * decision (the set holds the last decision's), and when it fills up. */
static void note_set_grow(lua_State *L, ww__run *d) {
  size_t slots = 64;
  while (slots < 4 * (d->nnotes + 1)) slots *= 2;
  uint32_t *set = calloc(slots, sizeof *set);
  if (set == NULL) luaL_error(L, "not enough memory");
  free(d->note_set);
  d->note_set = set;
  d->note_slots = slots;
  d->notes_hashed = 1;
  for (size_t i = 0; i < d->nnotes; i++) {
    const ww_reason *x = &d->notes[i];
    *note_slot(d, d->arena + x->off, x->len, text_hash(d->arena + x->off, x->len)) =
        (uint32_t)i + 1;
  }
}

/* a:note: the answer lists each text once, where it was first noted. The first few are
 * compared one by one (the usual decision has one or two notes); from SCAN_NOTES on a hash
 * set finds a repeat in one step (a list walk per note made 32,760 notes take seconds). */
#define SCAN_NOTES 8
static int a_note(lua_State *L) {
  ww_host *H = check_a(L, "note");
  size_t n = 0;
  const char *s = opt_text(L, 2, &n, "note", "note");
  if (s == NULL) return luaL_error(L, "a:note: give the note as text, like a:note(\"...\")");
  if (n == 0) return 0;
  ww__run *d = &H->run;
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
  add_fx(L, d, WW_FX_NOTE, -1, 0, s, n);
  return 0;
}

static int a_stop(lua_State *L) {
  ww_host *H = check_a(L, "stop");
  H->run.stop = 1;
  add_fx(L, &H->run, WW_FX_STOP, -1, 0, NULL, 0);
  return 0;
}

static int a_newindex(lua_State *L) { return luaL_error(L, "a is not a table: use its methods"); }

void ww__advise_open(lua_State *L, ww_host *H) {
  static const luaL_Reg methods[] = {{"prefer", a_prefer}, {"avoid", a_avoid},
                                     {"exclude", a_exclude}, {"only", a_only}, {"first", a_first},
                                     {"note", a_note}, {"stop", a_stop}, {NULL, NULL}};
  lua_newtable(L);                          /* channel id -> index, filled at load end */
  lua_pushvalue(L, -1);
  H->ref.idmap = luaL_ref(L, LUA_REGISTRYINDEX);
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
  H->ref.a_mt = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
}

void ww__advise_push(lua_State *L, ww_host *H) {
  a_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->H = H;
  u->gen = H->run.gen;
  H->run.a_cur = u;
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.a_mt);
  lua_setmetatable(L, -2);
}
