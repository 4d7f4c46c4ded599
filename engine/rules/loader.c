/* Loading a rule-set directory (ww_host_load): read the files in order, hash them (the
 * version), run them in the sandbox, check what can only be checked at the end, freeze. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "rules/load_private.h"
#include "util/crypto.h"
#include "util/strlist.h"

#define MAX_FILE_BYTES (4u << 20)
#define LOAD_BUDGET 50000000ul   /* instructions per file while loading */

#define MAX_LOAD_ERRORS 50

/* Notes a load error: code "ruleset_invalid", "FILE:LINE: message". The first fills
 * 'err'; every one (up to MAX_LOAD_ERRORS) goes into err->errors. Returns -1 when the
 * list is full. */
static int load_error(ww_err *err, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int load_error(ww_err *err, const char *file, int line, const char *fmt, ...) {
  if (err == NULL) return -1;
  char msg[400], full[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (file && file[0] && line > 0) snprintf(full, sizeof full, "%s:%d: %s", file, line, msg);
  else if (file && file[0]) snprintf(full, sizeof full, "%s: %s", file, msg);
  else snprintf(full, sizeof full, "%s", msg);
  if (err->errors == NULL) err->errors = json_array();
  if (json_array_size(err->errors) >= MAX_LOAD_ERRORS) return -1;
  json_t *j = json_string(full);
  json_array_append_new(err->errors, j ? j : json_string("(an error message that is not UTF-8)"));
  if (err->code[0] == '\0') {
    json_decref(err->invalid_params);
    err->invalid_params = NULL;
    snprintf(err->code, sizeof err->code, "ruleset_invalid");
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    snprintf(err->msg, sizeof err->msg, "%s", full);
  }
  return json_array_size(err->errors) >= MAX_LOAD_ERRORS ? -1 : 0;
}

/* What an ww_err holds besides its fields (ww_err_clear is the decision's, above us). */
static void err_release(ww_err *e) {
  json_decref(e->invalid_params);
  json_decref(e->errors);
}

int ww__load_note(ww_host *H, const char *file, int line, const char *text) {
  return load_error(H->ld->err, file, line, "%s", text);
}

void ww__load_warn(ww_host *H, const char *file, int line, const char *fmt, ...) {
  ww__load *ld = H->ld;
  char msg[400], full[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (line > 0) snprintf(full, sizeof full, "%s:%d: %s", file, line, msg);
  else snprintf(full, sizeof full, "%s: %s", file, msg);
  if (ld->warnings == NULL) ld->warnings = json_array();
  if (json_array_size(ld->warnings) >= MAX_LOAD_ERRORS) return;
  size_t i;
  json_t *w;
  json_array_foreach(ld->warnings, i, w) if (strcmp(json_string_value(w), full) == 0) return;
  json_t *j = json_string(full);
  if (j) json_array_append_new(ld->warnings, j);
}

const ww_catalogue *ww_host_catalogue(const ww_host *H) { return &H->cat; }

void ww_host_failures(const ww_host *H, unsigned long *total, unsigned long *budget,
                      unsigned long *memory) {
  *total = H->failures;
  *budget = H->failures_budget;
  *memory = H->failures_memory;
}

void ww_host_tests_begin(ww_host *H) {
  H->lim.tests_deadline = ww__clock_ms() + (int64_t)H->lim.load_timeout_ms;
}
int ww_host_tests_over(const ww_host *H) { return ww__clock_ms() >= H->lim.tests_deadline; }
void ww_host_tests_end(ww_host *H) { H->lim.tests_deadline = 0; }
unsigned ww_host_load_timeout_ms(const ww_host *H) { return H->lim.load_timeout_ms; }

void ww_host_free(ww_host *H) {
  if (H == NULL) return;
  ww_host_probe_free(H);   /* before the state: it may put views back */
  if (H->L) lua_close(H->L);
  for (int i = 0; i < H->cat.nsvc; i++) free(H->svc_lua[i].applies), free(H->svc_lua[i].run);
  ww_catalogue_clear(&H->cat);
  free(H->ch_back), free(H->svc_lua), free(H->rules);
  ww__advise_free(&H->run);
  free(H->ref.upv_n);
  free(H);
}

/* ---- files ---- */

typedef struct file_buf {
  char *rel;
  char *data;
  size_t len;
} file_buf;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends "sub/NAME.lua" for every *.lua in dir/sub, sorted by name. */
static int list_dir(const char *dir, const char *sub, char ***names, int *n, ww_err *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, sub);
  DIR *d = opendir(path);
  if (d == NULL) return errno == ENOENT ? 0 : (load_error(err, sub, 0, "cannot open the "
                                                   "folder: %s", strerror(errno)), -1);
  char **local = NULL;
  int nl = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    if (l < 5 || strcmp(e->d_name + l - 4, ".lua") != 0 || e->d_name[0] == '.') continue;
    char **nw = realloc(local, (size_t)(nl + 1) * sizeof *local);
    if (nw == NULL) break;
    local = nw;
    size_t need = strlen(sub) + l + 2;
    local[nl] = malloc(need);
    if (local[nl] == NULL) break;
    snprintf(local[nl], need, "%s/%s", sub, e->d_name);
    nl++;
  }
  closedir(d);
  if (nl > 1) qsort(local, (size_t)nl, sizeof *local, cmp_str);
  char **all = realloc(*names, (size_t)(*n + nl + 1) * sizeof **names);
  if (all == NULL) {
    for (int i = 0; i < nl; i++) free(local[i]);
    free(local);
    load_error(err, sub, 0, "not enough memory");
    return -1;
  }
  for (int i = 0; i < nl; i++) all[(*n)++] = local[i];
  free(local);
  *names = all;
  return 0;
}

static int read_file(const char *dir, const char *rel, file_buf *fb, ww_err *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    load_error(err, rel, 0, errno == ENOENT ? "file is missing (a rule set needs "
                                                   "channels.lua and services.lua)"
                                                : "cannot read the file: %s", strerror(errno));
    return -1;
  }
  size_t cap = 8192, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len > MAX_FILE_BYTES) break;
    if (len == cap) {
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (buf == NULL || bad || len > MAX_FILE_BYTES) {
    free(buf);
    load_error(err, rel, 0, len > MAX_FILE_BYTES ? "file is too large" : "cannot read the file");
    return -1;
  }
  fb->data = buf;
  fb->len = len;
  return 0;
}

/* ---- static scan of steering sources for channel ids ---- */

typedef struct scan {
  const char *s, *end;
  int line;
} scan;

/* Skips whitespace and comments; returns 0 at end. */
static int skip_ws(scan *sc) {
  for (;;) {
    while (sc->s < sc->end && isspace((unsigned char)*sc->s)) {
      if (*sc->s == '\n') sc->line++;
      sc->s++;
    }
    if (sc->end - sc->s >= 2 && sc->s[0] == '-' && sc->s[1] == '-') {
      sc->s += 2;
      const char *p = sc->s;
      if (p < sc->end && *p == '[') {
        p++;
        int lvl = 0;
        while (p < sc->end && *p == '=') lvl++, p++;
        if (p < sc->end && *p == '[') {     /* long comment */
          p++;
          for (; p < sc->end; p++) {
            if (*p == '\n') sc->line++;
            if (*p == ']') {
              const char *q = p + 1;
              int l2 = 0;
              while (q < sc->end && *q == '=') l2++, q++;
              if (l2 == lvl && q < sc->end && *q == ']') {
                p = q + 1;
                break;
              }
            }
          }
          sc->s = p;
          continue;
        }
      }
      while (sc->s < sc->end && *sc->s != '\n') sc->s++;
      continue;
    }
    return sc->s < sc->end;
  }
}

/* At a quote: reads a short string literal into out; returns 0 if not a literal. */
static int read_literal(scan *sc, char *out, size_t n) {
  if (sc->s >= sc->end || (*sc->s != '"' && *sc->s != '\'')) return 0;
  char q = *sc->s++;
  size_t k = 0;
  while (sc->s < sc->end && *sc->s != q && *sc->s != '\n') {
    if (*sc->s == '\\' && sc->s + 1 < sc->end) sc->s++;
    if (k + 1 < n) out[k++] = *sc->s;
    sc->s++;
  }
  out[k] = '\0';
  if (sc->s < sc->end && *sc->s == q) sc->s++;
  return 1;
}

static int ident_at(const scan *sc, const char *word) {
  size_t l = strlen(word);
  return (size_t)(sc->end - sc->s) >= l && memcmp(sc->s, word, l) == 0 &&
         (sc->s + l == sc->end || !(isalnum((unsigned char)sc->s[l]) || sc->s[l] == '_'));
}

static int report_unknown(const ww_catalogue *cat, const char *file, int line, const char *id,
                          const char *how, ww_err *err) {
  char known[300] = "";
  for (int i = 0; i < cat->nch && strlen(known) < 240; i++) {
    size_t l = strlen(known);
    snprintf(known + l, sizeof known - l, "%s%s", i ? ", " : "", cat->ch[i].id);
  }
  return load_error(err, file, line, "unknown channel \"%s\" in %s; the channels are: %s",
                    id, how, known);
}

/* After "r.citizen." or "r.context." (at 'sc'): a field no request carries, near one it
 * does, is a warning; of r.citizen any field the request does not document. */
static void check_read(ww_host *H, const char *file, scan *sc, int citizen) {
  char name[64];
  size_t k = 0;
  while (sc->s < sc->end && (isalnum((unsigned char)*sc->s) || *sc->s == '_')) {
    if (k + 1 < sizeof name) name[k++] = *sc->s;
    sc->s++;
  }
  name[k] = '\0';
  if (k == 0) return;
  const char *const *known = citizen ? ww__citizen_fields : ww__context_fields;
  if (ww_strlist_index(known, name) >= 0) return;
  const char *near = ww__near(name, known);
  const char *what = citizen ? "citizen" : "context";
  if (near)
    ww__load_warn(H, file, sc->line, "r.%s.%s: onbekend veld \"%s\"; bedoelt u \"%s\"?", what,
                  name, name, near);
  else if (citizen)
    ww__load_warn(H, file, sc->line, "r.citizen.%s: geen verzoek heeft dit veld (wel: ref, "
                  "authLevel, digitalSkills, language, needs, age); de regel leest altijd nil",
                  name);
}

/* The channel ids that steering source 'src' names in a:prefer/avoid/exclude/only/first calls
 * and r.channels reads, as literals: each must be in the catalogue. */
static int scan_source(ww_host *H, const char *file, const char *src, size_t len,
                       ww_err *err) {
  const ww_catalogue *cat = &H->cat;
  scan sc = {src, src + len, 1};
  char lit[128], how[200];
  static const char *const methods[] = {"prefer", "avoid", "exclude", "only", "first", NULL};
  while (skip_ws(&sc)) {
    char c = *sc.s;
    if (c == '"' || c == '\'') {
      read_literal(&sc, lit, sizeof lit);
      continue;
    }
    if (c == '[' && sc.s + 1 < sc.end && (sc.s[1] == '[' || sc.s[1] == '=')) {   /* long string */
      const char *p = sc.s + 1;
      int lvl = 0;
      while (p < sc.end && *p == '=') lvl++, p++;
      if (p < sc.end && *p == '[') {
        for (p++; p < sc.end; p++) {
          if (*p == '\n') sc.line++;
          if (*p == ']') {
            const char *q = p + 1;
            int l2 = 0;
            while (q < sc.end && *q == '=') l2++, q++;
            if (l2 == lvl && q < sc.end && *q == ']') {
              p = q + 1;
              break;
            }
          }
        }
        sc.s = p;
        continue;
      }
    }
    if (c == ':') {
      sc.s++;
      skip_ws(&sc);
      int m = -1;
      for (int i = 0; methods[i]; i++)
        if (ident_at(&sc, methods[i])) m = i;
      if (m < 0) continue;
      sc.s += strlen(methods[m]);
      skip_ws(&sc);
      int paren = sc.s < sc.end && *sc.s == '(';
      if (paren) sc.s++, skip_ws(&sc);
      int line = sc.line;
      if (m == 3) {                         /* only({ "a", "b" }, ...) */
        if (sc.s >= sc.end || *sc.s != '{') continue;
        sc.s++;
        while (skip_ws(&sc) && *sc.s != '}') {
          line = sc.line;
          if (read_literal(&sc, lit, sizeof lit)) {
            if (ww_catalogue_channel(cat, lit) < 0) {
              snprintf(how, sizeof how, "a:only({ \"%s\", ... })", lit);
              if (report_unknown(cat, file, line, lit, how, err) != 0) return -1;
            }
          } else if (*sc.s == ',' || *sc.s == ';') {
            sc.s++;
          } else {
            break;                          /* not a plain list of literals */
          }
        }
        continue;
      }
      if (read_literal(&sc, lit, sizeof lit) && ww_catalogue_channel(cat, lit) < 0) {
        snprintf(how, sizeof how, "a:%s(\"%s\", ...)", methods[m], lit);
        if (report_unknown(cat, file, line, lit, how, err) != 0) return -1;
      }
      continue;
    }
    if (c == '.' && (ident_at(&(scan){sc.s + 1, sc.end, 0}, "citizen") ||
                     ident_at(&(scan){sc.s + 1, sc.end, 0}, "context")) &&
        sc.s + 9 < sc.end && sc.s[8] == '.') {
      int citizen = sc.s[3] == 't';
      sc.s += 9;
      check_read(H, file, &sc, citizen);
      continue;
    }
    if (c == '.' && ident_at(&(scan){sc.s + 1, sc.end, 0}, "channels")) {
      sc.s += 9;
      int line = sc.line;
      if (sc.s < sc.end && *sc.s == '.' && sc.s + 1 < sc.end && sc.s[1] != '.') {
        sc.s++;
        size_t k = 0;
        while (sc.s < sc.end && (isalnum((unsigned char)*sc.s) || *sc.s == '_') && k + 1 < sizeof lit)
          lit[k++] = *sc.s++;
        lit[k] = '\0';
        if (k && ww_catalogue_channel(cat, lit) < 0) {
          snprintf(how, sizeof how, "r.channels.%s", lit);
          if (report_unknown(cat, file, line, lit, how, err) != 0) return -1;
        }
      } else if (sc.s < sc.end && *sc.s == '[') {
        sc.s++;
        skip_ws(&sc);
        if (read_literal(&sc, lit, sizeof lit) && ww_catalogue_channel(cat, lit) < 0) {
          snprintf(how, sizeof how, "r.channels[\"%s\"]", lit);
          if (report_unknown(cat, file, line, lit, how, err) != 0) return -1;
        }
      }
      continue;
    }
    sc.s++;
  }
  return 0;
}

/* ---- the end of loading ---- */

static int cmp_rule(const void *a, const void *b) {
  const ww__rule *x = a, *y = b;
  if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
  return x->seq - y->seq;
}

/* The rules in run order: priority, then load order; the catalogue's names follow. */
static int sort_rules(ww_host *H) {
  int n = H->cat.nrules;
  if (n < 2) return 0;
  ww_rule_info *info = malloc((size_t)n * sizeof *info);
  if (info == NULL) return -1;
  qsort(H->rules, (size_t)n, sizeof *H->rules, cmp_rule);
  for (int i = 0; i < n; i++) info[i] = H->cat.rules[H->rules[i].seq];
  memcpy(H->cat.rules, info, (size_t)n * sizeof *info);
  free(info);
  return 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* lua_CFunction: the channel-id map, the freeze, then the fixed parts of r. */
static int finish_lua(lua_State *L) {
  ww_host *H = ww__host_of(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.idmap);
  for (int i = 0; i < H->cat.nch; i++) {
    lua_pushinteger(L, i);
    lua_setfield(L, -2, H->cat.ch[i].id);
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, ww__freeze);
  lua_call(L, 0, 0);
  ww__run_prepare(L, H);
  return 0;
}

/* ---- the rules' service filters, decided once per service ---- */

typedef struct filter_call {
  ww_host *H;
  ww__service_lua *s;
  int k;                      /* the service's index */
  const int *pin;             /* per rule: the one service its `service = { id = ".." }`
                                 names, -2 none in the catalogue, -1 not such a rule */
  int i;                      /* the rule being decided (on an error: the one that raised) */
} filter_call;

/* The service a rule's declarative `service` conditions name by a single id, as in
 * `service = { id = "paspoort", ... }`: its index, -2 when the catalogue has none, -1 when
 * the rule has no such condition. Such a rule is decided for that service only (a shared
 * rule set has thousands of them: 4,000 rules x 1,000 services were 4M filters). */
static int pinned_service(lua_State *L, const ww_host *H, const ww__rule *ru) {
  if (ru->svc_ref == LUA_NOREF) return -1;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ru->svc_ref);
  int pin = -1;
  if (lua_type(L, -1) == LUA_TTABLE) {   /* {key1, value or {values}, ...} (filter.c) */
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer j = 1; j < n && pin == -1; j += 2) {
      lua_rawgeti(L, -1, j);
      lua_rawgeti(L, -2, j + 1);
      if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "id") == 0 &&
          lua_type(L, -1) == LUA_TSTRING) {
        int k = ww_catalogue_service(&H->cat, lua_tostring(L, -1));
        pin = k >= 0 ? k : -2;
      }
      lua_pop(L, 2);
    }
  }
  lua_pop(L, 1);
  return pin;
}

/* lua_CFunction: every rule's filter against one service (in the filter_call), into its
 * 'applies'; one protected call per service, not per rule and service (4,000 rules x
 * 1,000 services are 4M filters). */
static int filter_lua(lua_State *L) {
  filter_call *fc = lua_touserdata(L, 1);
  ww_host *H = fc->H;
  lua_settop(L, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, fc->s->back_ref);   /* 1: the entry */
  lua_pushnil(L);                                       /* 2: its view, on first need */
  for (; fc->i < H->cat.nrules; fc->i++) {
    const ww__rule *ru = &H->rules[fc->i];
    if (ru->svc_ref == LUA_NOREF) {
      fc->s->applies[fc->i] = 1;
      continue;
    }
    if (fc->pin[fc->i] != -1 && fc->pin[fc->i] != fc->k) {   /* names another service */
      fc->s->applies[fc->i] = 0;
      continue;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, ru->svc_ref);     /* 3: the filter */
    if (lua_type(L, 3) == LUA_TFUNCTION) {
      if (lua_isnil(L, 2)) {                  /* s: a catalogue view, so a write says */
        ww__view_wrap(L, 1, 0);               /* "catalogue", not "r" */
        lua_replace(L, 2);
      }
      lua_pushvalue(L, 2);
      lua_call(L, 1, 1);
      fc->s->applies[fc->i] = (uint8_t)lua_toboolean(L, -1);
    } else {
      fc->s->applies[fc->i] = (uint8_t)ww__filter_match(L, 3, 1);
    }
    lua_settop(L, 2);
  }
  return 0;
}

/* The file of a rule's source "FILE:LINE". */
static void source_file(const char *source, char *file, size_t n) {
  const char *colon = strrchr(source, ':');
  snprintf(file, n, "%.*s", colon ? (int)(colon - source) : 0, source);
}

/* The index below does not fit the memory limit. */
static int too_many_pairs(ww_host *H, ww_err *err) {
  ww__budget_stop(H);
  load_error(err, "services.lua", 0, "%s: every service keeps which rules apply to it, %d "
             "services x %d rules; use fewer services or rules", WW__MEMORY_LIMIT,
             H->cat.nsvc, H->cat.nrules);
  return -1;
}

/* Fills each service's 'applies' and 'run': which rules' `service` filters hold for it
 * ('pin': pinned_service of each rule). A filter function runs here, once per service,
 * with the instruction budget on: one budget for all filters of the load together (a slow
 * filter must not cost services x rules budgets), a file's. */
static int index_services(ww_host *H, const int *pin, ww_err *err) {
  lua_State *L = H->L;
  const ww_catalogue *cat = &H->cat;
  ww__budget_start(H, LOAD_BUDGET, 1);
  for (int k = 0; k < cat->nsvc; k++) {
    ww__service_lua *s = &H->svc_lua[k];
    size_t need = cat->nrules > 0 ? (size_t)cat->nrules : 1;
    if (ww__mem_take(H, need) != 0) return too_many_pairs(H, err);   /* kept outside Lua:
                                                                       counts against its limit */
    if ((s->applies = malloc(need)) == NULL) goto oom;
    filter_call fc = {H, s, k, pin, 0};
    lua_pushcfunction(L, filter_lua);
    lua_pushlightuserdata(L, &fc);
    ww__load *ld = H->ld;
    H->ld = NULL;   /* rule, service, case ... refuse inside a filter: as inside a rule */
    int rc = lua_pcall(L, 1, 0, 0);
    H->ld = ld;
    if (rc != LUA_OK) {
      ww__budget_stop(H);
      const ww_rule_info *info = &cat->rules[fc.i];
      const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                       : "error (not a text message)";
      char file[256];
      source_file(info->source, file, sizeof file);
      load_error(err, file, H->rules[fc.i].line, "rule \"%s\": its service filter failed for "
                 "service \"%s\": %s", info->name, cat->svc[k].id,
                 rc == LUA_ERRMEM ? "memory limit of the rule set reached" : msg);
      lua_settop(L, 0);
      return -1;
    }
    int n = 0;
    for (int i = 0; i < cat->nrules; i++) n += s->applies[i];
    if (ww__mem_take(H, (size_t)n * sizeof *s->run) != 0) return too_many_pairs(H, err);
    if ((s->run = malloc((n ? (size_t)n : 1) * sizeof *s->run)) == NULL) goto oom;
    for (int i = 0; i < cat->nrules; i++)
      if (s->applies[i]) s->run[s->nrun++] = i;
  }
  ww__budget_stop(H);
  return 0;
oom:
  ww__budget_stop(H);
  load_error(err, "", 0, "not enough memory to load the rule set");
  return -1;
}

/* Decides the rules' `service` filters for every service (index_services), then warns of
 * a `service` condition no service meets. */
static int index_rules(ww_host *H, ww_err *err) {
  const ww_catalogue *cat = &H->cat;
  int *pin = malloc((cat->nrules ? (size_t)cat->nrules : 1) * sizeof *pin);
  if (pin == NULL) {
    load_error(err, "", 0, "not enough memory to load the rule set");
    return -1;
  }
  for (int i = 0; i < cat->nrules; i++) pin[i] = pinned_service(H->L, H, &H->rules[i]);
  int rc = index_services(H, pin, err);
  free(pin);
  if (rc != 0) return -1;
  for (int i = 0; i < cat->nrules; i++) {
    if (H->rules[i].svc_ref == LUA_NOREF) continue;
    int any = 0;
    for (int k = 0; k < cat->nsvc && !any; k++) any = H->svc_lua[k].applies[i];
    if (any) continue;
    char file[256];
    source_file(cat->rules[i].source, file, sizeof file);
    ww__load_warn(H, file, H->rules[i].line, "rule \"%s\": de voorwaarde service past op geen "
                  "enkele dienst in services.lua; de regel geldt nooit", cat->rules[i].name);
  }
  return 0;
}

/* The checks that need the whole rule set, then the rules in run order, their service
 * filters decided, the freeze and r. */
static int load_finish(ww_host *H, ww_err *err) {
  ww__load *ld = H->ld;
  ww_catalogue *cat = &H->cat;
  if (cat->nch == 0) {
    load_error(err, "channels.lua", 0, "no channels: define at least one with channel "
                                           "\"id\" { name = \"...\", kind = \"...\" }");
    return -1;
  }
  if (cat->nsvc == 0) {
    load_error(err, "services.lua", 0, "no services: define at least one with service "
                                           "\"id\" { name = \"...\" }");
    return -1;
  }
  if (ld->fallback == NULL) {
    load_error(err, "channels.lua", 0, "the rule set has no fallback; add one, e.g. "
                   "fallback { channels = { \"telefoon\", \"website\" }, route = \"telefoon\" }");
    return -1;
  }
  json_t *chs = json_object_get(ld->fallback, "channels");
  size_t i;
  json_t *v;
  json_array_foreach(chs, i, v) {
    int ci = ww_catalogue_channel(cat, json_string_value(v));
    if (ci < 0) {
      load_error(err, ld->fb_file, ld->fb_line, "fallback names unknown channel \"%s\"",
                     json_string_value(v));
      return -1;
    }
    cat->fb_ch[cat->nfb++] = ci;
    if (cat->nfb >= WW_MAX_CHANNELS) break;
  }
  const char *rid = json_string_value(json_object_get(ld->fallback, "route"));
  cat->fb_route = ww_catalogue_channel(cat, rid);
  if (cat->fb_route < 0) {
    load_error(err, ld->fb_file, ld->fb_line, "fallback route names unknown channel \"%s\"",
                   rid);
    return -1;
  }
  if (cat->ch[cat->fb_route].route == NULL) {
    load_error(err, ld->fb_file, ld->fb_line, "fallback route \"%s\" is a channel without "
                   "a route table; give it route = { kind = \"queue\", ... } or pick another",
                   rid);
    return -1;
  }
  if (ld->targets) {
    const char *k;
    json_object_foreach(ld->targets, k, v) {
      if (ww_catalogue_channel(cat, k) < 0) {
        load_error(err, ld->tg_file, ld->tg_line, "targets names unknown channel \"%s\"", k);
        return -1;
      }
    }
    cat->targets = ld->targets;
    ld->targets = NULL;
  }
  if (err->code[0]) return -1;   /* errors found before: no rule set to prepare */
  if (cat->nholidays > 1)
    qsort(cat->holidays, (size_t)cat->nholidays, sizeof *cat->holidays, cmp_i64);
  if (sort_rules(H) != 0) {
    load_error(err, "", 0, "not enough memory to load the rule set");
    return -1;
  }
  lua_State *L = H->L;
  /* before the freeze: a filter function is load-time code like the files' own, so what
   * it leaves behind is what every decision starts from */
  if (index_rules(H, err) != 0) return -1;
  /* the freeze walks all the rule set's data: within the load's time limit too */
  ww__budget_start(H, LOAD_BUDGET, 1);
  lua_pushcfunction(L, finish_lua);
  int rc = lua_pcall(L, 0, 0, 0);
  ww__budget_stop(H);
  if (rc != LUA_OK) {
    load_error(err, "", 0, "the rule set could not be prepared: %s", lua_tostring(L, -1));
    lua_settop(L, 0);
    return -1;
  }
  return 0;
}

/* The common slips behind a Lua syntax error, explained in Dutch for the policy officer
 * (docs/rules.md 9.1), or NULL. 'text' is the parser's message. */
static const char *slip_hint(const char *text) {
  if (strstr(text, "near '<\\226>'") || strstr(text, "near '<\\194>'"))
    return "er staat een teken uit een tekstverwerker, zoals typografische aanhalingstekens "
           "“ ” of ‘ ’; typ gewone aanhalingstekens \" of '";
  if (strstr(text, "expected near '='"))
    return "vergelijken doet u met == (twee keer =); een enkele = geeft een waarde aan een "
           "variabele";
  if (strstr(text, "'end' expected") || strstr(text, "unexpected symbol near '}'"))
    return "er mist een end: sluit elke function, if, for en while af met end (voor de } van "
           "de regel)";
  if (strstr(text, "'}' expected") && !strstr(text, "near <eof>"))
    return "er mist waarschijnlijk een komma tussen twee velden: zet een komma na elk veld, "
           "ook na end van een function";
  return NULL;
}

/* Fills err from a Lua error message "FILE:LINE: text" of the file being run. */
static int lua_load_error(ww_host *H, const char *rel, const char *msg, int syntax,
                          ww_err *err) {
  ww__load *ld = H->ld;
  if (msg == NULL) msg = "error (not a text message)";
  size_t fl = strlen(rel);
  int line = 0;
  const char *text = msg;
  const char *file = rel;
  if (ld->has_err) {
    file = ld->efile;
    line = ld->eline;
  }
  /* strip "FILE:LINE: " that Lua or the DSL put in front */
  const char *colon = strchr(msg, ':');
  if (colon && isdigit((unsigned char)colon[1])) {
    char *end;
    long l = strtol(colon + 1, &end, 10);
    if (*end == ':') {
      if (!ld->has_err && (size_t)(colon - msg) == fl && strncmp(msg, rel, fl) == 0)
        line = (int)l;
      text = end + 1;
      while (*text == ' ') text++;
    }
  }
  const char *hint = syntax ? slip_hint(text) : NULL;
  if (hint) return load_error(err, file, line, "syntax error: %s (uitleg: %s)", text, hint);
  return load_error(err, file, line, syntax ? "syntax error: %s" : "%s", text);
}

/* A new Lua state for H: the capped allocator, H in its extra space, the environment. */
static lua_State *new_state(ww_host *H) {
  lua_State *L = lua_newstate(ww__sandbox_alloc, H);
  if (L == NULL) return NULL;
  *(ww_host **)lua_getextraspace(L) = H;
  lua_atpanic(L, ww__sandbox_panic);
  H->L = L;
  lua_pushcfunction(L, ww__env_open);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    ww_logf(WW_LOG_ERROR, "rule sandbox setup failed: %s", lua_tostring(L, -1));
    lua_close(L);
    H->L = NULL;
    return NULL;
  }
  return L;
}

ww_host *ww_host_load(const char *dir, const ww_limits *lim, ww_err *err) {
  ww_err local = {0};
  if (err == NULL) err = &local;   /* the load counts its errors in one */
  ww_host *H = calloc(1, sizeof *H);
  file_buf *fb = NULL;
  char **names = NULL;
  int nnames = 0;
  ww__load ld;
  memset(&ld, 0, sizeof ld);
  if (H == NULL) {
    load_error(err, "", 0, "not enough memory");
    err_release(&local);
    return NULL;
  }
  H->lim.mem_cap = lim && lim->memory_bytes ? lim->memory_bytes : (size_t)32 << 20;
  H->lim.budget = lim && lim->instructions ? lim->instructions : 2000000ul;
  H->lim.timeout_ms = lim && lim->decision_timeout_ms ? lim->decision_timeout_ms
                                                      : WW_DEFAULT_DECISION_TIMEOUT_MS;
  H->lim.load_timeout_ms = lim && lim->load_timeout_ms ? lim->load_timeout_ms
                                                       : WW_DEFAULT_LOAD_TIMEOUT_MS;
  H->lim.load_deadline = ww__clock_ms() + (int64_t)H->lim.load_timeout_ms;
  H->ref.env = H->ref.idmap = H->ref.a_mt = H->ref.randomseed = H->ref.upv = LUA_NOREF;
  H->ref.chstate = LUA_NOREF;
  H->cat.files = json_array();

  names = malloc(2 * sizeof *names);
  if (names == NULL || H->cat.files == NULL) goto oom;
  names[0] = strdup("channels.lua");
  names[1] = strdup("services.lua");
  nnames = 2;
  if (!names[0] || !names[1]) goto oom;
  if (list_dir(dir, "steering", &names, &nnames, err) != 0) goto fail;
  if (list_dir(dir, "tests", &names, &nnames, err) != 0) goto fail;

  fb = calloc((size_t)nnames, sizeof *fb);
  if (fb == NULL) goto oom;
  ww_sha256 h;
  if (ww_sha256_init(&h) != 0) goto oom;
  for (int i = 0; i < nnames; i++) {
    fb[i].rel = names[i];
    if (read_file(dir, names[i], &fb[i], err) != 0) {
      char tmp[65];
      ww_sha256_final_hex(&h, tmp);
      goto fail;
    }
    ww_sha256_update(&h, names[i], strlen(names[i]) + 1);
    ww_sha256_update(&h, fb[i].data, fb[i].len);
    json_array_append_new(H->cat.files, json_string(names[i]));
  }
  char hex[65];
  ww_sha256_final_hex(&h, hex);
  memcpy(H->cat.version, hex, 12);
  H->cat.version[12] = '\0';

  lua_State *L = new_state(H);
  if (L == NULL) goto oom;
  H->ld = &ld;
  ld.err = err;
  char chunk[300];
  /* every file runs, so that one check lists every error; a file stops at its first
   * error that is not a DSL call's (those are noted and the file goes on), and the load
   * stops at a limit or when the list of errors is full */
  for (int i = 0; i < nnames; i++) {
    ld.file = names[i];
    ld.in_tests = strncmp(names[i], "tests/", 6) == 0;
    ld.has_err = 0;
    if (fb[i].len >= 4 && memcmp(fb[i].data, LUA_SIGNATURE, 4) == 0) {
      if (load_error(err, names[i], 0, "this is compiled Lua (bytecode); rule files must be "
                                       "plain text") != 0)
        goto fail;
      continue;
    }
    snprintf(chunk, sizeof chunk, "@%s", names[i]);
    int rc = luaL_loadbufferx(L, fb[i].data, fb[i].len, chunk, "t");
    if (rc != LUA_OK) {
      int full = lua_load_error(H, names[i], lua_tostring(L, -1), rc == LUA_ERRSYNTAX, err);
      lua_settop(L, 0);
      if (full || rc == LUA_ERRMEM) goto fail;
      continue;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.env);
    lua_setupvalue(L, -2, 1);
    ww__budget_start(H, LOAD_BUDGET, 1);
    H->lim.limit_hit = 0;
    rc = lua_pcall(L, 0, 0, 0);
    ww__budget_stop(H);
    if (rc != LUA_OK) {
      int full = lua_load_error(H, names[i], lua_tostring(L, -1), 0, err);
      lua_settop(L, 0);
      json_decref(ld.pending);
      ld.pending = NULL;
      if (full || rc == LUA_ERRMEM || H->lim.limit_hit) goto fail;
      continue;
    }
    lua_settop(L, 0);
  }
  for (int i = 0; i < nnames; i++)
    if (strncmp(names[i], "steering/", 9) == 0 &&
        scan_source(H, names[i], fb[i].data, fb[i].len, err) != 0)
      goto fail;
  if (load_finish(H, err) != 0 || err->code[0]) goto fail;
  if (ld.warnings && lim && lim->strict) {   /* --strict: every warning is an error */
    size_t k;
    json_t *w;
    json_array_foreach(ld.warnings, k, w) {
      if (load_error(err, "", 0, "%s (een fout met --strict)", json_string_value(w)) != 0) break;
      if (k == 0) {   /* the first names its place in err as the others do */
        const char *t = json_string_value(w), *c1 = strchr(t, ':');
        snprintf(err->file, sizeof err->file, "%.*s", c1 ? (int)(c1 - t) : 0, t);
        err->line = c1 ? atoi(c1 + 1) : 0;
      }
    }
    goto fail;
  }
  H->cat.warnings = ld.warnings ? ld.warnings : json_array();
  ld.warnings = NULL;
  if (H->cat.warnings == NULL) goto oom;
  lua_gc(L, LUA_GCCOLLECT, 0);
  lua_gc(L, LUA_GCGEN, 0, 0);   /* long-lived catalogue, short-lived requests */
  H->ld = NULL;
  json_decref(ld.fallback);
  json_decref(ld.targets);
  json_decref(ld.pending);
  json_decref(ld.svc_keys);
  json_decref(ld.rule_names);
  json_decref(ld.case_names);
  for (int i = 0; i < nnames; i++) free(fb[i].data), free(names[i]);
  free(fb);
  free(names);
  err_release(&local);
  return H;

oom:
  load_error(err, "", 0, "not enough memory to load the rule set");
fail:
  H->ld = NULL;
  json_decref(ld.warnings);
  json_decref(ld.svc_keys);
  json_decref(ld.rule_names);
  json_decref(ld.case_names);
  json_decref(ld.fallback);
  json_decref(ld.targets);
  json_decref(ld.pending);
  for (int i = 0; i < nnames; i++) {
    if (fb) free(fb[i].data);
    free(names[i]);
  }
  free(fb);
  free(names);
  ww_host_free(H);
  err_release(&local);
  return NULL;
}
