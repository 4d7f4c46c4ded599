/* Probes: what runs of the rules touch, for `wegwijzer test --coverage` (the lines of the
 * steering files that ran) and `wegwijzer check --exhaustive` (the facts each rule read).
 * Both are off unless asked for; then a run pays nothing for them but one pointer test
 * (H->probe). The line hook is our own, set beside the budget's count hook only while
 * lines are recorded: it passes count events on to the hook it found. */
#include <stdlib.h>
#include <string.h>

#include "rules/host_private.h"

typedef struct probe_file {
  char *path;                  /* "steering/x.lua" */
  int nlines;
  uint8_t *can;                /* [nlines + 1]: a line of a function that can run */
  uint8_t *ran;                /* [nlines + 1] */
} probe_file;

struct ww__probe {
  int lines;                   /* recording lines */
  lua_Hook prev;               /* the count hook the line hook passes on to */
  probe_file *files;
  int nfiles;
  const char *last_src;        /* cache: the source of the last line event ... */
  int last_file;               /* ... and its file (-1: not a steering file) */
  ww_read_fn read;             /* tracking reads (NULL: off) */
  void *read_ud;
};

/* ---- lines ---- */

static int file_of(ww__probe *P, const char *source) {
  if (source == P->last_src) return P->last_file;
  P->last_src = source;
  P->last_file = -1;
  if (source[0] == '@')
    for (int i = 0; i < P->nfiles; i++)
      if (strcmp(P->files[i].path, source + 1) == 0) P->last_file = i;
  return P->last_file;
}

static void mark(probe_file *f, int line, int ran) {
  if (line <= 0) return;
  if (line > f->nlines) {
    int n = line + 64;
    uint8_t *c = realloc(f->can, (size_t)n + 1), *r = c ? realloc(f->ran, (size_t)n + 1) : NULL;
    if (c) f->can = c;
    if (r == NULL) return;
    f->ran = r;
    memset(f->can + f->nlines + 1, 0, (size_t)(n - f->nlines));
    memset(f->ran + f->nlines + 1, 0, (size_t)(n - f->nlines));
    f->nlines = n;
  }
  f->can[line] = 1;
  if (ran) f->ran[line] = 1;
}

static void line_hook(lua_State *L, lua_Debug *ar) {
  ww__probe *P = ww__host_of(L)->probe;
  if (ar->event != LUA_HOOKLINE) {
    if (P->prev) P->prev(L, ar);
    return;
  }
  if (!lua_getinfo(L, "S", ar)) return;
  int fi = file_of(P, ar->source);
  /* the closing `end` of a function is not a line of its own (see can_run) */
  if (fi >= 0 && (ar->currentline != ar->lastlinedefined || ar->linedefined == ar->lastlinedefined))
    mark(&P->files[fi], ar->currentline, 1);
}

void ww__probe_arm(ww_host *H) {
  ww__probe *P = H->probe;
  if (!P->lines) return;
  lua_Hook h = lua_gethook(H->L);
  if (h == line_hook) return;
  P->prev = h;
  lua_sethook(H->L, line_hook, lua_gethookmask(H->L) | LUA_MASKLINE, lua_gethookcount(H->L));
}

/* The lines a Lua function at the top can run into its file, then its upvalues and the
 * tables they hold, depth first; 'seen' (absolute index) keeps each value once. Pops it. */
static void can_run(lua_State *L, ww__probe *P, int seen, int depth) {
  int v = lua_gettop(L);
  int t = lua_type(L, v);
  if ((t != LUA_TFUNCTION && t != LUA_TTABLE) || depth > 40 || !lua_checkstack(L, 6)) {
    lua_pop(L, 1);
    return;
  }
  lua_pushvalue(L, v);
  if (lua_rawget(L, seen) != LUA_TNIL) {
    lua_pop(L, 2);
    return;
  }
  lua_pop(L, 1);
  lua_pushvalue(L, v);
  lua_pushboolean(L, 1);
  lua_rawset(L, seen);
  if (t == LUA_TTABLE) {
    if (ww__view_is(L, v)) {   /* a read-only view: the table behind it */
      ww__view_push_backing(L, v);
      can_run(L, P, seen, depth + 1);
    }
    lua_pushnil(L);
    while (lua_next(L, v)) {
      can_run(L, P, seen, depth + 1);
    }
    lua_pop(L, 1);
    return;
  }
  if (!lua_iscfunction(L, v)) {
    lua_Debug ar;
    lua_pushvalue(L, v);
    lua_getinfo(L, ">SL", &ar);   /* pushes the table of lines with code */
    int fi = file_of(P, ar.source);
    if (fi >= 0) {
      lua_pushnil(L);
      while (lua_next(L, -2)) {
        int line = (int)lua_tointeger(L, -2);
        if (line != ar.lastlinedefined || ar.linedefined == ar.lastlinedefined)
          mark(&P->files[fi], line, 0);
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  for (int i = 1; lua_getupvalue(L, v, i) != NULL; i++) can_run(L, P, seen, depth + 1);
  lua_pop(L, 1);
}

/* lua_CFunction: every function the rules can reach in a decision (their when and advise,
 * the helpers in globals and upvalues). */
static int collect(lua_State *L) {
  ww_host *H = ww__host_of(L);
  lua_newtable(L);
  int seen = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.env);
  can_run(L, H->probe, seen, 0);
  for (int i = 0; i < H->cat.nrules; i++) {
    const ww__rule *r = &H->rules[i];
    /* not `service = function(s)`: it runs at load, once per service */
    int refs[2] = {r->when_ref, r->advise_ref};
    for (int k = 0; k < 2; k++) {
      if (refs[k] == LUA_NOREF) continue;
      lua_rawgeti(L, LUA_REGISTRYINDEX, refs[k]);
      can_run(L, H->probe, seen, 0);
    }
  }
  return 0;
}

static ww__probe *probe_get(ww_host *H) {
  if (H->probe == NULL) H->probe = calloc(1, sizeof *H->probe);
  return H->probe;
}

int ww_host_lines_start(ww_host *H) {
  ww__probe *P = probe_get(H);
  if (P == NULL) return -1;
  if (P->files == NULL) {
    size_t n = json_array_size(H->cat.files);
    P->files = calloc(n ? n : 1, sizeof *P->files);
    if (P->files == NULL) return -1;
    for (size_t i = 0; i < n; i++) {
      const char *p = json_string_value(json_array_get(H->cat.files, i));
      if (p == NULL || strncmp(p, "steering/", 9) != 0) continue;
      probe_file *f = &P->files[P->nfiles];
      f->path = strdup(p);
      f->can = calloc(1, 1);
      f->ran = calloc(1, 1);
      if (f->path == NULL || f->can == NULL || f->ran == NULL) return -1;
      P->nfiles++;
    }
    P->last_src = NULL;
    lua_pushcfunction(H->L, collect);
    if (lua_pcall(H->L, 0, 0, 0) != LUA_OK) {
      lua_settop(H->L, 0);
      return -1;
    }
  }
  P->lines = 1;
  return 0;
}

void ww_host_lines_stop(ww_host *H) {
  if (H->probe) H->probe->lines = 0;
}

json_t *ww_host_lines(const ww_host *H) {
  json_t *out = json_object();
  const ww__probe *P = H->probe;
  for (int i = 0; P && i < P->nfiles; i++) {
    const probe_file *f = &P->files[i];
    json_t *run = json_array(), *not_run = json_array();
    for (int l = 1; l <= f->nlines; l++)
      if (f->can[l]) json_array_append_new(f->ran[l] ? run : not_run, json_integer(l));
    json_object_set_new(out, f->path, json_pack("{s:o, s:o}", "run", run, "notRun", not_run));
  }
  return out;
}

/* ---- reads ---- */

void ww__probe_read(ww_host *H, ww_read_kind kind, int channel, const char *key) {
  ww__probe *P = H->probe;
  if (P && P->read) P->read(P->read_ud, H->run.cur_rule, kind, channel, key);
}

/* __index of a tracked view: upvalue 1 the backing, 2 the kind, 3 the channel. */
static int tracked_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING)
    ww__probe_read(ww__host_of(L), (ww_read_kind)lua_tointeger(L, lua_upvalueindex(2)),
                   (int)lua_tointeger(L, lua_upvalueindex(3)), lua_tostring(L, 2));
  lua_settop(L, 2);
  return lua_gettable(L, lua_upvalueindex(1)) >= 0 ? 1 : 1;
}

/* __pairs of a tracked view: a read of every field ("*"), then the view's own __pairs
 * (upvalue 3). Upvalues 1, 2: the kind and the channel. */
static int tracked_pairs(lua_State *L) {
  ww__probe_read(ww__host_of(L), (ww_read_kind)lua_tointeger(L, lua_upvalueindex(1)),
                 (int)lua_tointeger(L, lua_upvalueindex(2)), "*");
  lua_settop(L, 1);
  lua_pushvalue(L, lua_upvalueindex(3));
  lua_insert(L, 1);
  lua_call(L, 1, 3);
  return 3;
}

/* Sets the backing at the top as the view 'mt's (absolute index) table behind: as __index,
 * or, while reads are tracked, as __data with a tracking __index (and __pairs). Pops it. */
void ww__probe_backing(lua_State *L, ww_host *H, int mt, ww_read_kind kind, int channel) {
  if (H->probe == NULL || H->probe->read == NULL) {
    lua_setfield(L, mt, "__index");
    return;
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, mt, "__data");
  lua_pushinteger(L, kind);
  lua_pushinteger(L, channel);
  lua_pushcclosure(L, tracked_index, 3);
  lua_setfield(L, mt, "__index");
  if (lua_getfield(L, mt, "__pairs_plain") == LUA_TNIL) {   /* once: wrap __pairs */
    lua_pop(L, 1);
    lua_getfield(L, mt, "__pairs");
    lua_pushvalue(L, -1);
    lua_setfield(L, mt, "__pairs_plain");
    lua_pushinteger(L, kind);
    lua_pushinteger(L, channel);
    lua_rotate(L, -3, 2);   /* kind, channel, plain */
    lua_pushcclosure(L, tracked_pairs, 3);
    lua_setfield(L, mt, "__pairs");
  } else {
    lua_pop(L, 1);
  }
}

/* Undoes the tracking parts of view metatable 'mt' (absolute index). */
static void untrack(lua_State *L, int mt) {
  if (lua_getfield(L, mt, "__pairs_plain") != LUA_TNIL) lua_setfield(L, mt, "__pairs");
  else lua_pop(L, 1);
  lua_pushnil(L);
  lua_setfield(L, mt, "__pairs_plain");
  lua_pushnil(L);
  lua_setfield(L, mt, "__data");
}

const char *ww__probe_backing_field(const ww_host *H) {
  return H->probe && H->probe->read ? "__data" : "__index";
}

void ww__probe_filter(lua_State *L, ww_host *H, int conds, ww_read_kind kind) {
  if (H->probe == NULL || H->probe->read == NULL) return;
  lua_Integer n = (lua_Integer)lua_rawlen(L, conds);
  for (lua_Integer j = 1; j <= n; j += 2) {
    lua_rawgeti(L, conds, j);
    if (lua_type(L, -1) == LUA_TSTRING) ww__probe_read(H, kind, -1, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
}

/* lua_CFunction: the channel views behind r.channels tracked (upvalue 1 true) or plain. */
static int channels_track(lua_State *L) {
  ww_host *H = ww__host_of(L);
  int on = lua_toboolean(L, lua_upvalueindex(1));
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.chstate);
  int st = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.r_back);
  lua_getfield(L, -1, "channels");
  ww__view_push_backing(L, -1);   /* id -> view */
  int T = lua_gettop(L);
  for (int i = 0; i < H->cat.nch; i++) {
    lua_getfield(L, T, H->cat.ch[i].id);
    lua_getmetatable(L, -1);
    int mt = lua_gettop(L);
    lua_rawgeti(L, st, i + 1);
    if (on) {
      ww__probe_backing(L, H, mt, WW_READ_CHANNEL, i);
    } else {
      lua_setfield(L, mt, "__index");
      untrack(L, mt);
    }
    lua_settop(L, T);
  }
  /* r.citizen and r.context: their backing is set per run; __data only while tracked */
  if (!on) {
    int mts[2] = {H->ref.citizen_mt, H->ref.context_mt};
    for (int k = 0; k < 2; k++) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, mts[k]);
      untrack(L, lua_gettop(L));
      lua_pop(L, 1);
    }
  }
  return 0;
}

int ww_host_track(ww_host *H, ww_read_fn fn, void *ud) {
  ww__probe *P = probe_get(H);
  if (P == NULL) return -1;
  P->read = fn;
  P->read_ud = ud;
  lua_pushboolean(H->L, fn != NULL);
  lua_pushcclosure(H->L, channels_track, 1);
  if (lua_pcall(H->L, 0, 0, 0) != LUA_OK) {
    lua_settop(H->L, 0);
    P->read = NULL;
    return -1;
  }
  H->run.view_ok = 0;
  return 0;
}

void ww__probe_free(ww_host *H) {
  ww__probe *P = H->probe;
  if (P == NULL) return;
  for (int i = 0; i < P->nfiles; i++) {
    free(P->files[i].path);
    free(P->files[i].can);
    free(P->files[i].ran);
  }
  free(P->files);
  free(P);
  H->probe = NULL;
}
