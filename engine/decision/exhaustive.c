/* The duty-of-care proof (`wegwijzer check --exhaustive`, and bounded in time the reload
 * gate of `serve --exhaustive`): for every service x every citizen class x every moment of
 * a week and a holiday where some channel opens or closes x every single open channel
 * closed by an override, the advice keeps an open channel where a person helps that this
 * citizen can reach; or, when it keeps none open, a way without a computer (an assisted
 * channel that opens again, a callback, post): never only digital channels. docs/rules.md ("Zorgplicht bewijzen") says what is
 * and is not covered.
 *
 * Smart, not blind: the rules run with read tracking (rules/host.h), and per rule a
 * decision tree remembers which facts (citizen fields, time, channel states) it read and
 * what it then excluded. A rule's part of a verdict depends only on what it read, so
 * (phase 1) each rule's tree is grown until every value of every fact it reads is seen,
 * running the rules once per new branch; then (phase 2) only the rules that ever exclude,
 * stop or fail decide the kept channels, and every situation is checked against their trees
 * alone, over the citizen fields those rules read and the needs (which decide who can reach
 * which channel). Where a tree has no answer the situation is decided by running the rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decision/decision_private.h"
#include "util/tztime.h"

/* ---- the situation space ---- */

#define NATTR 5
static const char *const attr_name[NATTR] = {"digitalSkills", "authLevel", "language", "needs",
                                             "age"};
enum { A_SKILLS, A_AUTH, A_LANG, A_NEEDS, A_AGE };
/* facts: the attributes, the time, then one per channel (its state) */
enum { F_DAY = NATTR, F_WDAY, F_MIN, F_MOMENT, F_STATE };

typedef struct sstate {       /* a moment, maybe with one channel closed by an override */
  int64_t t;
  int moment, day, wday, minute;
  int override;               /* channel index, or -1 */
  ww_chstate *st;             /* [nch], owned */
  int *val;                   /* [nch]: closed_by * 64 + reason index */
} sstate;

/* ---- per-rule trees ---- */

enum { N_UNKNOWN = -1, N_LEAF = -2 };
enum { K_INFEASIBLE = -1, K_UNREACHED = -2 };   /* kid.node when no node is behind it */

typedef struct kid {
  int value, node;
} kid;

typedef struct tnode {
  int fact;                   /* N_UNKNOWN, N_LEAF, or the fact read next */
  kid *kids;
  int nkids, ckids;
  uint64_t excl[WW_MAX_CHANNELS / 64];
  uint8_t stop, failed, set;
} tnode;

typedef struct tree {
  tnode *n;
  int nn, cn;
  int odd;                    /* read differently for the same facts, or not reached */
} tree;

typedef struct reads {        /* the facts a rule read in the running decision */
  int f[64];
  int n;
} reads;

typedef struct ex {
  ww_rules *R;
  const ww_catalogue *cat;
  json_t *dom[NATTR];         /* arrays of values; [0] null = absent */
  sstate *S;
  int nS;
  int nmoments;
  int times[64];              /* "HH:MM" constants in the steering files: moments too */
  int ntimes;
  int **fvals;                /* [nfacts]: distinct values over S of the time/state facts */
  int *nfvals;
  int nfacts;
  char **reasons;             /* interned reason texts */
  int nreasons;
  tree *T;                    /* [nrules], of the service being proved */
  reads *rd;                  /* [nrules] */
  int svc;
  int64_t deadline_ms;        /* 0: none */
  int over;
  ww_exhaustive_result *res;
  int max_examples;
  int per_service, svc_examples;   /* counterexamples per service at most (0: no cap) */
} ex;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int over_budget(ex *X) {
  if (!X->over && X->deadline_ms && now_ms() > X->deadline_ms) X->over = 1;
  return X->over;
}

static int intern_reason(ex *X, const char *r) {
  if (r == NULL) return 0;
  for (int i = 0; i < X->nreasons; i++)
    if (strcmp(X->reasons[i], r) == 0) return i + 1;
  if (X->nreasons >= 62) return 63;   /* so many: they share a value (never seen in practice) */
  X->reasons = realloc(X->reasons, (size_t)(X->nreasons + 1) * sizeof *X->reasons);
  X->reasons[X->nreasons++] = strdup(r);
  return X->nreasons;
}

/* ---- values the rules can tell apart ---- */

static void add_value(json_t *dom, json_t *v) {
  size_t i;
  json_t *x;
  json_array_foreach(dom, i, x) if (json_equal(x, v)) {
      json_decref(v);
      return;
    }
  json_array_append_new(dom, v);
}

/* In steering text 's': each constant compared with or assigned to field 'name'
 * (`name == "x"`, `name >= 75`, `name = { "a", "b" }`), into 'out' (numbers as
 * thresholds: one below, the number, one above). */
static void scan_constants(const char *s, const char *name, json_t *out) {
  size_t nl = strlen(name);
  for (const char *p = strstr(s, name); p; p = strstr(p + 1, name)) {
    if ((p > s && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z'))))
      continue;
    const char *q = p + nl;
    while (*q == ' ' || *q == '\t') q++;
    if (!strchr("=~<>", *q) || *q == '\0') continue;
    while (*q && strchr("=~<>", *q)) q++;
    while (*q == ' ' || *q == '\t') q++;
    int list = *q == '{';
    if (list) q++;
    for (;;) {
      while (*q == ' ' || *q == '\t' || *q == ',') q++;
      if (*q == '"' || *q == '\'') {
        const char *e = strchr(q + 1, *q);
        if (e == NULL || e - q > 64) break;
        add_value(out, json_stringn(q + 1, (size_t)(e - q - 1)));
        q = e + 1;
      } else if (*q >= '0' && *q <= '9') {
        long n = strtol(q, (char **)&q, 10);
        for (long d = -1; d <= 1; d++)
          if (n + d >= 0 && n + d <= 130) add_value(out, json_integer(n + d));
      } else {
        break;
      }
      if (!list) break;
    }
  }
}

static void build_domains(ex *X, const json_t *texts) {
  static const char *const skills[] = {"low", "medium", "high", NULL};
  static const char *const needs[] = {"visual", "hearing", "mobility", "literacy", "cognitive",
                                      NULL};
  /* the SPEC's languages (ISO 639-2), then one more no channel or rule names: the tolk case */
  static const char *const spec_langs[] = {"nld", "eng", "tur", "ara", "pol", "ukr", "sgn", NULL};
  static const char *const langs[] = {"fry", "pap", "deu", "fra", "spa", NULL};
  for (int a = 0; a < NATTR; a++) X->dom[a] = json_pack("[n]");
  for (int i = 0; skills[i]; i++) add_value(X->dom[A_SKILLS], json_string(skills[i]));
  for (int i = 0; ww_catalogue_auth_levels[i]; i++)
    add_value(X->dom[A_AUTH], json_string(ww_catalogue_auth_levels[i]));
  for (int i = 0; spec_langs[i]; i++) add_value(X->dom[A_LANG], json_string(spec_langs[i]));
  for (int c = 0; c < X->cat->nch; c++) {
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(X->cat->ch[c].entry, "languages"), i, l)
        if (json_is_string(l)) add_value(X->dom[A_LANG], json_copy(l));
  }
  for (int i = 0; needs[i]; i++) add_value(X->dom[A_NEEDS], json_string(needs[i]));
  const char *k;
  json_t *text;
  json_object_foreach((json_t *)texts, k, text)
      if (strncmp(k, "steering/", 9) == 0 && json_is_string(text))
          for (int a = 0; a < NATTR; a++)
              scan_constants(json_string_value(text), attr_name[a], X->dom[a]);
  /* ages: every number a rule-set file (not a test) compares with or sets (`>= 75`,
   * `local grens = 67`, a catalogue field `leeftijd = 18`) is a threshold */
  json_object_foreach((json_t *)texts, k, text) {
    const char *t = json_is_string(text) && strncmp(k, "tests/", 6) != 0
                        ? json_string_value(text) : "";
    for (const char *p = t; *p; p++) {
      if (!strchr("=<>", *p)) continue;
      const char *q = p + 1;
      if (*q == '=') q++;
      while (*q == ' ' || *q == '\t') q++;
      if (*q < '0' || *q > '9' || (q[1] >= '0' && q[1] <= '9' && q[2] >= '0' && q[2] <= '9' &&
                                   q[3] >= '0' && q[3] <= '9'))
        continue;
      long n = strtol(q, NULL, 10);
      for (long d = -1; d <= 1; d++)
        if (n + d >= 0 && n + d <= 130) add_value(X->dom[A_AGE], json_integer(n + d));
    }
  }
  /* times the rules compare with ("17:30"): every day a moment there too */
  json_object_foreach((json_t *)texts, k, text) {
    const char *t = json_is_string(text) && strncmp(k, "steering/", 9) == 0
                        ? json_string_value(text) : "";
    for (const char *p = strchr(t, ':'); p; p = strchr(p + 1, ':')) {
      if (p - t < 3 || !strchr("\"'", p[-3]) || p[-2] < '0' || p[-2] > '2' || p[-1] < '0' ||
          p[-1] > '9' || p[1] < '0' || p[1] > '5' || p[2] < '0' || p[2] > '9' ||
          !strchr("\"'", p[3]))
        continue;
      int m = ((p[-2] - '0') * 10 + p[-1] - '0') * 60 + (p[1] - '0') * 10 + p[2] - '0';
      if (m < 24 * 60 && X->ntimes < (int)(sizeof X->times / sizeof *X->times))
        X->times[X->ntimes++] = m;
    }
  }
  /* and one language no channel and no rule names: the tolk case */
  for (int i = 0; langs[i]; i++) {
    size_t n = json_array_size(X->dom[A_LANG]);
    json_t *v = json_string(langs[i]);
    add_value(X->dom[A_LANG], v);
    if (json_array_size(X->dom[A_LANG]) > n) break;
  }
  /* a threshold scan may find numbers for text fields and texts for age: keep each
   * field's kind of value (ages in order, for the reader) */
  for (int a = 0; a < NATTR; a++) {
    json_t *d = json_pack("[n]");
    size_t i;
    json_t *v;
    json_array_foreach(X->dom[a], i, v) if (i > 0 && (a == A_AGE ? json_is_integer(v)
                                                                  : json_is_string(v)))
        json_array_append(d, v);
    json_decref(X->dom[a]);
    X->dom[a] = d;
  }
  size_t n = json_array_size(X->dom[A_AGE]);
  for (size_t i = 2; i < n; i++)   /* insertion sort after the null */
    for (size_t j = i; j > 1 && json_integer_value(json_array_get(X->dom[A_AGE], j - 1)) >
                                    json_integer_value(json_array_get(X->dom[A_AGE], j));
         j--) {
      json_t *x = json_incref(json_array_get(X->dom[A_AGE], j));
      json_array_set(X->dom[A_AGE], j, json_array_get(X->dom[A_AGE], j - 1));
      json_array_set_new(X->dom[A_AGE], j - 1, x);
    }
}

/* ---- moments ---- */

static int cmp_int(const void *a, const void *b) {
  return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static void add_sstate(ex *X, int64_t t, int moment, int day, const json_t *status, int ov) {
  ww_localtime lt;
  ww_time_local(t, &lt);
  X->S = realloc(X->S, (size_t)(X->nS + 1) * sizeof *X->S);
  sstate *s = &X->S[X->nS++];
  s->t = t;
  s->moment = moment;
  s->day = day;
  s->wday = lt.weekday;
  s->minute = lt.hour * 60 + lt.minute;
  s->override = ov;
  s->st = calloc((size_t)X->cat->nch, sizeof *s->st);
  s->val = calloc((size_t)X->cat->nch, sizeof *s->val);
  ww__states_compute(X->cat, t, status, s->st, NULL);
  for (int c = 0; c < X->cat->nch; c++)
    s->val[c] = (int)s->st[c].closed_by * 64 + intern_reason(X, s->st[c].reason);
}

#define OVERRIDE_REASON "gesloten door een storing (zorgplicht-bewijs)"

/* The moments of local day 'day' (days since 1970) where some channel opens or closes,
 * each as is and with each open channel closed by an override. */
static void add_day(ex *X, int64_t daynum, int day) {
  const ww_catalogue *cat = X->cat;
  int mins[2 + WW_MAX_CHANNELS * WW_MAX_SHIFTS * 2 + 64 + 64];
  int nm = 0;
  mins[nm++] = 0;
  for (int i = 0; i < X->ntimes; i++) mins[nm++] = X->times[i];
  char date[16];
  int64_t t0;
  {
    ww_localtime lt;
    ww_time_local(daynum * 86400 + 12 * 3600, &lt);
    snprintf(date, sizeof date, "%04d-%02d-%02d", lt.year, lt.month, lt.day);
    ww_time_parse_local(date, &t0);
    int w = lt.weekday;
    for (int c = 0; c < cat->nch; c++)
      for (int k = 0; k < cat->ch[c].nshift[w] && nm + 2 < (int)(sizeof mins / sizeof *mins); k++) {
        mins[nm++] = cat->ch[c].from[w][k];
        if (cat->ch[c].to[w][k] < 24 * 60) mins[nm++] = cat->ch[c].to[w][k];
      }
  }
  /* planned closures and channel periods that begin or end this day */
  for (int c = 0; c < cat->nch; c++) {
    int64_t b[2 + 2 * 64];
    int nb = 0;
    b[nb++] = cat->ch[c].period_from;
    b[nb++] = cat->ch[c].period_until;
    for (int k = 0; k < cat->ch[c].nclosures && nb + 2 <= (int)(sizeof b / sizeof *b); k++) {
      b[nb++] = cat->ch[c].closures[k].from;
      b[nb++] = cat->ch[c].closures[k].until;
    }
    for (int k = 0; k < nb; k++)
      if (b[k] > t0 && b[k] < t0 + 86400 && nm < (int)(sizeof mins / sizeof *mins)) {
        ww_localtime lt;
        ww_time_local(b[k], &lt);
        mins[nm++] = lt.hour * 60 + lt.minute;
      }
  }
  qsort(mins, (size_t)nm, sizeof *mins, cmp_int);
  for (int i = 0; i < nm; i++) {
    if (i > 0 && mins[i] == mins[i - 1]) continue;
    char at[32];
    snprintf(at, sizeof at, "%s %02d:%02d", date, mins[i] / 60, mins[i] % 60);
    int64_t t;
    if (ww_time_parse_local(at, &t) != 0) continue;
    int moment = X->nmoments++;
    int base = X->nS;
    add_sstate(X, t, moment, day, NULL, -1);
    for (int c = 0; c < cat->nch; c++) {
      if (!X->S[base].st[c].open) continue;
      json_t *status = json_pack("{s:{s:b, s:s}}", cat->ch[c].id, "open", 0, "reason",
                                 OVERRIDE_REASON);
      add_sstate(X, t, moment, day, status, c);
      json_decref(status);
    }
  }
}

static void build_moments(ex *X, int64_t week) {
  ww_localtime lt;
  ww_time_local(week, &lt);
  int64_t monday = ww_days_from_civil(lt.year, lt.month, lt.day) - lt.weekday;
  int holiday_in_week = 0;
  for (int d = 0; d < 7; d++) {
    add_day(X, monday + d, d);
    holiday_in_week |= ww_catalogue_is_holiday(X->cat, monday + d);
  }
  for (int d = 7; !holiday_in_week && d < 7 + 400; d++)
    if (ww_catalogue_is_holiday(X->cat, monday + d)) {
      add_day(X, monday + d, 7);
      break;
    }
  /* the values each time or state fact takes over S */
  X->nfacts = F_STATE + X->cat->nch;
  X->fvals = calloc((size_t)X->nfacts, sizeof *X->fvals);
  X->nfvals = calloc((size_t)X->nfacts, sizeof *X->nfvals);
  for (int f = F_DAY; f < X->nfacts; f++) {
    X->fvals[f] = malloc((size_t)X->nS * sizeof(int));
    for (int i = 0; i < X->nS; i++) {
      const sstate *s = &X->S[i];
      int v = f == F_DAY ? s->day : f == F_WDAY ? s->wday : f == F_MIN ? s->minute
              : f == F_MOMENT ? s->moment : s->val[f - F_STATE];
      int seen = 0;
      for (int k = 0; k < X->nfvals[f] && !seen; k++) seen = X->fvals[f][k] == v;
      if (!seen) X->fvals[f][X->nfvals[f]++] = v;
    }
  }
}

/* ---- running the rules ---- */

static int fact_value(const ex *X, const int *cv, const sstate *s, int f) {
  (void)X;
  if (f < NATTR) return cv[f];
  if (f == F_DAY) return s->day;
  if (f == F_WDAY) return s->wday;
  if (f == F_MIN) return s->minute;
  if (f == F_MOMENT) return s->moment;
  return s->val[f - F_STATE];
}

static void note_read(ex *X, int rule, int f) {
  reads *r = &X->rd[rule];
  for (int i = 0; i < r->n; i++)
    if (r->f[i] == f) return;
  if (r->n < (int)(sizeof r->f / sizeof *r->f)) r->f[r->n++] = f;
  else X->T[rule].odd = 1;   /* too many to remember: decided by running */
}

static void on_read(void *ud, int rule, ww_read_kind kind, int channel, const char *key) {
  ex *X = ud;
  int f = -1;
  if (rule < 0) return;
  if (strcmp(key ? key : "", "*") == 0) {   /* pairs(): every fact of that kind */
    if (kind == WW_READ_CITIZEN)
      for (int a = 0; a < NATTR; a++) note_read(X, rule, a);
    if (kind == WW_READ_CONTEXT)
      for (int t = F_DAY; t <= F_MOMENT; t++) note_read(X, rule, t);
    if (kind == WW_READ_CHANNEL) note_read(X, rule, F_STATE + channel);
    return;
  }
  if (kind == WW_READ_CITIZEN) {
    for (int a = 0; a < NATTR; a++)
      if (strcmp(key, attr_name[a]) == 0) f = a;
  } else if (kind == WW_READ_CONTEXT) {
    if (strcmp(key, "date") == 0) f = F_DAY;
    else if (strcmp(key, "weekday") == 0) f = F_WDAY;
    else if (strcmp(key, "hhmm") == 0 || strcmp(key, "minutes") == 0) f = F_MIN;
    else if (strcmp(key, "time") == 0) f = F_MOMENT;
  } else if (kind == WW_READ_TIME) {
    f = F_MOMENT;
  } else if (strcmp(key, "open") == 0 || strcmp(key, "closedBy") == 0 ||
             strcmp(key, "reason") == 0) {
    f = F_STATE + channel;
  }
  if (f >= 0) note_read(X, rule, f);   /* else the same in every situation */
}

static json_t *citizen_of(const ex *X, const int *cv) {
  json_t *c = json_object();
  for (int a = 0; a < NATTR; a++) {
    json_t *v = json_array_get(X->dom[a], (size_t)cv[a]);
    if (json_is_null(v)) continue;
    json_object_set_new(c, attr_name[a], a == A_NEEDS ? json_pack("[O]", v) : json_copy(v));
  }
  return c;
}

static int new_node(tree *t) {
  if (t->nn == t->cn) {
    t->cn = t->cn ? t->cn * 2 : 16;
    t->n = realloc(t->n, (size_t)t->cn * sizeof *t->n);
  }
  memset(&t->n[t->nn], 0, sizeof *t->n);
  t->n[t->nn].fact = N_UNKNOWN;
  return t->nn++;
}

/* The kid of node 'n' for 'value': its index in kids, or -1. */
static int kid_of(const tnode *n, int value) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i].value == value) return i;
  return -1;
}

static void add_kid(tree *t, int n, int value, int node) {
  tnode *p = &t->n[n];
  if (p->nkids == p->ckids) {
    p->ckids = p->ckids ? p->ckids * 2 : 4;
    p->kids = realloc(p->kids, (size_t)p->ckids * sizeof *p->kids);
  }
  p->kids[p->nkids++] = (kid){value, node};
}

/* What rule step 'k' of verdict 'v' excluded, into 'excl'; whether it stopped. */
static int step_effects(const ex *X, const ww_verdict *v, const ww_step *st, uint64_t *excl) {
  int stop = 0;
  memset(excl, 0, sizeof(uint64_t) * (WW_MAX_CHANNELS / 64));
  for (int e = st->fx_from; e < st->fx_to; e++) {
    const ww_effect *fx = &v->fx[e];
    if (fx->kind == WW_FX_EXCLUDE && fx->ch >= 0) excl[fx->ch / 64] |= 1ull << (fx->ch % 64);
    if (fx->kind == WW_FX_STOP) stop = 1;
    if (fx->kind == WW_FX_ONLY) {   /* the kept ids, ", "-separated (a cut list keeps fewer:
                                       more exclusions, never fewer) */
      for (int c = 0; c < X->cat->nch; c++) {
        const char *id = X->cat->ch[c].id, *p = v->arena + fx->off, *end = p + fx->len;
        size_t il = strlen(id);
        int kept = 0;
        while (p < end && !kept) {
          const char *q = memchr(p, ',', (size_t)(end - p));
          if (q == NULL) q = end;
          kept = (size_t)(q - p) == il && memcmp(p, id, il) == 0;
          p = q + 2;
        }
        if (!kept) excl[c / 64] |= 1ull << (c % 64);
      }
    }
  }
  return stop;
}

/* The rule's reads of this run into its tree, along the situation's values. */
static void insert(ex *X, int rule, const int *cv, const sstate *s, const uint64_t *excl,
                   int stop, int failed) {
  tree *t = &X->T[rule];
  const reads *r = &X->rd[rule];
  int n = 0;
  for (int k = 0;; k++) {
    tnode *p = &t->n[n];
    if (p->fact == N_UNKNOWN) p->fact = k < r->n ? r->f[k] : N_LEAF;
    if (p->fact == N_LEAF) {
      if (k != r->n) t->odd = 1;
      if (p->set && (p->stop != stop || p->failed != failed ||
                     memcmp(p->excl, excl, sizeof p->excl) != 0))
        t->odd = 1;
      p->set = 1;
      p->stop = (uint8_t)stop;
      p->failed = (uint8_t)failed;
      memcpy(p->excl, excl, sizeof p->excl);
      return;
    }
    if (k >= r->n || p->fact != r->f[k]) {
      t->odd = 1;   /* read differently for the same facts: it depends on something else */
      return;
    }
    int v = fact_value(X, cv, s, p->fact);
    int i = kid_of(p, v);
    if (i < 0) {
      int c = new_node(t);
      add_kid(t, n, v, c);   /* 'p' may have moved */
      n = c;
    } else if (t->n[n].kids[i].node < 0) {
      t->n[n].kids[i].node = new_node(t);
      n = t->n[n].kids[i].node;
    } else {
      n = t->n[n].kids[i].node;
    }
  }
}

/* Runs the rules on one situation and grows every rule's tree. Returns the verdict
 * (borrowed until the next run). */
static const ww_verdict *run(ex *X, const int *cv, const sstate *s) {
  ww_facts f = {0};
  json_t *cit = citizen_of(X, cv);
  f.service = X->svc;
  f.citizen = cit;
  f.origin = "web";
  f.time = s->t;
  f.states = s->st;
  f.states_gen = (uint64_t)(s - X->S) + 1;
  f.seed = "00000000000000000000000000000000";
  f.explain = 1;
  for (int i = 0; i < X->cat->nrules; i++) X->rd[i].n = 0;
  const ww_verdict *v = ww_host_run(X->R->host, &f);
  json_decref(cit);
  X->res->runs++;
  if (v == NULL) return NULL;
  for (size_t k = 0; k < v->ntrace; k++) {
    uint64_t excl[WW_MAX_CHANNELS / 64];
    int stop = step_effects(X, v, &v->trace[k], excl);
    int failed = v->failed && k + 1 == v->ntrace;
    insert(X, v->trace[k].rule, cv, s, excl, stop, failed);
  }
  return v;
}

/* ---- phase 1: every branch of every rule's tree ---- */

typedef struct constraint {
  int fact, value;
} constraint;

/* A situation meeting 'c' (n constraints): the citizen values into 'cv' (others absent),
 * the first state of S that meets the rest; NULL when no state does. */
static const sstate *meeting(const ex *X, const constraint *c, int n, int *cv) {
  for (int a = 0; a < NATTR; a++) cv[a] = 0;
  for (int i = 0; i < n; i++)
    if (c[i].fact < NATTR) cv[c[i].fact] = c[i].value;
  for (int j = 0; j < X->nS; j++) {
    int ok = 1;
    for (int i = 0; i < n && ok; i++)
      if (c[i].fact >= NATTR) ok = fact_value(X, cv, &X->S[j], c[i].fact) == c[i].value;
    if (ok) return &X->S[j];
  }
  return NULL;
}

static int fact_nvalues(const ex *X, int f) {
  return f < NATTR ? (int)json_array_size(X->dom[f]) : X->nfvals[f];
}
static int fact_nth(const ex *X, int f, int i) { return f < NATTR ? i : X->fvals[f][i]; }

/* Grows rule 'rule's tree below node 'n' (path constraints 'c'); returns how many runs. */
static int grow(ex *X, int rule, int n, constraint *c, int depth) {
  int runs = 0;
  if (depth >= 64 || over_budget(X)) return 0;
  int f = X->T[rule].n[n].fact;
  if (f < 0) return 0;
  for (int i = 0; i < fact_nvalues(X, f); i++) {
    int v = fact_nth(X, f, i);
    int k = kid_of(&X->T[rule].n[n], v);
    if (k < 0) {
      c[depth] = (constraint){f, v};
      int cv[NATTR];
      const sstate *s = meeting(X, c, depth + 1, cv);
      if (s == NULL) {
        add_kid(&X->T[rule], n, v, K_INFEASIBLE);
        continue;
      }
      run(X, cv, s);
      runs++;
      k = kid_of(&X->T[rule].n[n], v);
      if (k < 0) {   /* the rule was not reached (an earlier one stopped or failed) */
        add_kid(&X->T[rule], n, v, K_UNREACHED);
        X->T[rule].odd = 1;
        continue;
      }
    }
    int child = X->T[rule].n[n].kids[k].node;
    if (child < 0) continue;
    c[depth] = (constraint){f, v};
    runs += grow(X, rule, child, c, depth + 1);
  }
  return runs;
}

/* ---- phase 2: every situation against the rules that exclude ---- */

static int relevant(const tree *t) {
  if (t->odd) return 1;
  for (int i = 0; i < t->nn; i++) {
    const tnode *p = &t->n[i];
    if (p->fact == N_LEAF && (p->stop || p->failed)) return 1;
    for (int w = 0; p->fact == N_LEAF && w < WW_MAX_CHANNELS / 64; w++)
      if (p->excl[w]) return 1;
  }
  return 0;
}

static void mark_facts(const tree *t, int *used) {
  for (int i = 0; i < t->nn; i++)
    if (t->n[i].fact >= 0) used[t->n[i].fact] = 1;
}

/* The verdict's kept channels from the trees of the rules in 'rel'; -1 when a tree has no
 * answer (then the rules must run), 1 when the answer is the fallback. */
static int kept_by_trees(const ex *X, const int *rel, int nrel, const int *cv, const sstate *s,
                         uint64_t *excl) {
  memset(excl, 0, sizeof(uint64_t) * (WW_MAX_CHANNELS / 64));
  for (int j = 0; j < nrel; j++) {
    const tree *t = &X->T[rel[j]];
    if (t->odd) return -1;   /* its answers are not to be trusted: run the rules */
    int n = 0;
    while (n >= 0 && t->n[n].fact >= 0) {
      int k = kid_of(&t->n[n], fact_value(X, cv, s, t->n[n].fact));
      n = k < 0 ? -1 : t->n[n].kids[k].node;
    }
    if (n < 0 || t->n[n].fact != N_LEAF || !t->n[n].set) return -1;
    if (t->n[n].failed) return 1;
    for (int w = 0; w < WW_MAX_CHANNELS / 64; w++) excl[w] |= t->n[n].excl[w];
    if (t->n[n].stop) break;
  }
  return 0;
}

static int is_excl(const uint64_t *excl, int c) { return (int)(excl[c / 64] >> (c % 64)) & 1; }

/* The duty of care for one answer: 0, or 1 with 'why' (plain Dutch). Kept must be an open
 * channel where a person helps that this citizen can reach; or, when the advice keeps none
 * open (nobody is at work, or the ones at work are not for this question), a way without a
 * computer this citizen can take: a channel with a person that opens again (the advice names
 * it, closed, with its hours), a callback or post. Only digital channels left: broken. */
static int breaks_duty(const ex *X, const uint64_t *excl, int fallback, const sstate *s,
                       const char *need, char *why, size_t n) {
  const ww_catalogue *cat = X->cat;
  uint8_t kept[WW_MAX_CHANNELS] = {0};
  if (fallback) {
    for (int i = 0; i < cat->nfb; i++) kept[cat->fb_ch[i]] = 1;
  } else {
    for (int c = 0; c < cat->nch; c++) kept[c] = !is_excl(excl, c);
  }
  for (int c = 0; c < cat->nch; c++)
    if (kept[c] && ww__reachable(cat->ch[c].kind, need) &&
        (cat->ch[c].assisted || strcmp(cat->ch[c].kind, "callback") == 0 ||
         strcmp(cat->ch[c].kind, "post") == 0))
      return 0;
  int open = -1;   /* a person at work the rules took away */
  for (int c = 0; c < cat->nch && open < 0; c++)
    if (cat->ch[c].assisted && s->st[c].open && ww__reachable(cat->ch[c].kind, need)) open = c;
  snprintf(why, n, "het advies houdt alleen digitale kanalen: geen kanaal met een mens "
           "(open of later open), geen terugbelverzoek en geen post die deze inwoner kan "
           "gebruiken%s%s%s", open >= 0 ? "; \"" : "", open >= 0 ? cat->ch[open].id : "",
           open >= 0 ? "\" is nu open, maar uitgesloten" : "");
  return 1;
}

static void add_example(ex *X, const int *cv, const sstate *s, const char *why,
                        unsigned long long same) {
  ww_exhaustive_result *res = X->res;
  res->violations += same;
  if ((int)json_array_size(res->examples) >= X->max_examples ||
      (X->per_service && X->svc_examples >= X->per_service))
    return;
  X->svc_examples++;
  char at[32];
  ww_time_format(s->t, at);
  json_t *req = json_pack("{s:s, s:o, s:{s:s}, s:b}", "service", X->cat->svc[X->svc].id,
                          "citizen", citizen_of(X, cv), "context", "time", at, "explain", 1);
  json_t *status = s->override < 0 ? json_null()
                                   : json_pack("{s:{s:b, s:s}}", X->cat->ch[s->override].id,
                                               "open", 0, "reason", OVERRIDE_REASON);
  json_array_append_new(res->examples,
                        json_pack("{s:o, s:o, s:s}", "request", req, "status", status, "why",
                                  why));
}

static void prove_service(ex *X, int svc) {
  const ww_catalogue *cat = X->cat;
  X->svc = svc;
  X->svc_examples = 0;
  for (int i = 0; i < cat->nrules; i++) X->T[i] = (tree){0};
  for (int i = 0; i < cat->nrules; i++) new_node(&X->T[i]);
  int cv0[NATTR] = {0};
  run(X, cv0, &X->S[0]);
  constraint c[64];
  for (int more = 1; more && !over_budget(X);) {
    more = 0;
    for (int i = 0; i < cat->nrules; i++) more += grow(X, i, 0, c, 0);
  }
  int *rel = malloc(sizeof(int) * (size_t)(cat->nrules + 1)), nrel = 0;
  int used[F_STATE + WW_MAX_CHANNELS] = {0};
  for (int i = 0; i < cat->nrules; i++)
    if (relevant(&X->T[i])) {
      rel[nrel++] = i;
      mark_facts(&X->T[i], used);
    }
  used[A_NEEDS] = 1;   /* who can reach which channel */
  /* situations: the citizen fields the relevant rules read (and needs), each state */
  unsigned long long same = 1;   /* classes each enumerated one stands for */
  for (int a = 0; a < NATTR; a++)
    if (!used[a]) same *= json_array_size(X->dom[a]);
  int cv[NATTR] = {0};
  for (;;) {
    const char *need = json_string_value(json_array_get(X->dom[A_NEEDS], (size_t)cv[A_NEEDS]));
    for (int j = 0; j < X->nS; j++) {
      if ((j & 255) == 0 && over_budget(X)) goto out;
      const sstate *s = &X->S[j];
      uint64_t excl[WW_MAX_CHANNELS / 64];
      int fb = kept_by_trees(X, rel, nrel, cv, s, excl);
      if (fb < 0) {   /* no answer in a tree: decide it */
        const ww_verdict *v = run(X, cv, s);
        fb = v == NULL || v->failed;
        memset(excl, 0, sizeof excl);
        for (int ch = 0; v && ch < cat->nch; ch++)
          if (v->excluded[ch]) excl[ch / 64] |= 1ull << (ch % 64);
      }
      char why[300];
      if (breaks_duty(X, excl, fb, s, need, why, sizeof why)) add_example(X, cv, s, why, same);
      X->res->situations += same;
    }
    int a = 0;
    for (; a < NATTR; a++) {
      if (!used[a]) continue;
      if (++cv[a] < (int)json_array_size(X->dom[a])) break;
      cv[a] = 0;
    }
    if (a == NATTR) break;
  }
out:
  free(rel);
  for (int i = 0; i < cat->nrules; i++) {
    for (int k = 0; k < X->T[i].nn; k++) free(X->T[i].n[k].kids);
    free(X->T[i].n);
  }
}

int ww_decision_exhaustive(ww_rules *R, const json_t *texts, const ww_exhaustive_opts *o,
                           ww_exhaustive_result *res) {
  ex X = {0};
  int64_t start = now_ms();
  memset(res, 0, sizeof *res);
  res->examples = json_array();
  X.R = R;
  X.cat = R->cat;
  X.res = res;
  X.max_examples = o && o->max_examples > 0 ? o->max_examples : 10;
  X.per_service = o ? o->max_examples_per_service : 0;
  X.deadline_ms = o && o->budget_ms ? start + o->budget_ms : 0;
  build_domains(&X, texts);
  build_moments(&X, o && o->week ? o->week : (int64_t)time(NULL));
  X.T = calloc((size_t)X.cat->nrules + 1, sizeof *X.T);
  X.rd = calloc((size_t)X.cat->nrules + 1, sizeof *X.rd);
  int rc = 0;
  if (X.T == NULL || X.rd == NULL || ww_host_track(R->host, on_read, &X) != 0) {
    rc = WW_ENOMEM;
  } else {
    for (int s = 0; s < X.cat->nsvc && !over_budget(&X); s++) prove_service(&X, s);
  }
  ww_host_probe_free(R->host);
  unsigned long long classes = 1;
  json_t *values = json_object();
  for (int a = 0; a < NATTR; a++) {
    classes *= json_array_size(X.dom[a]);
    json_object_set_new(values, attr_name[a], X.dom[a]);
  }
  res->complete = !X.over && rc == 0;
  res->seconds = (double)(now_ms() - start) / 1000.0;
  res->total = (unsigned long long)X.cat->nsvc * classes * (unsigned long long)X.nS;
  res->scope = json_pack("{s:i, s:I, s:i, s:i, s:o}", "services", X.cat->nsvc, "classes",
                         (json_int_t)classes, "moments", X.nmoments, "states", X.nS, "values",
                         values);
  for (int i = 0; i < X.nS; i++) {
    for (int c = 0; c < X.cat->nch; c++) free(X.S[i].st[c].reason);
    free(X.S[i].st);
    free(X.S[i].val);
  }
  free(X.S);
  for (int f = 0; f < X.nfacts; f++) free(X.fvals[f]);
  free(X.fvals);
  free(X.nfvals);
  for (int i = 0; i < X.nreasons; i++) free(X.reasons[i]);
  free(X.reasons);
  free(X.T);
  free(X.rd);
  return rc;
}

json_t *ww_decision_rule_texts(const ww_rules *R, const char *dir) {
  json_t *texts = json_object();
  size_t i;
  json_t *p;
  json_array_foreach(R->cat->files, i, p) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, json_string_value(p));
    FILE *f = fopen(path, "rb");
    if (f == NULL) continue;
    char *buf = NULL;
    size_t n = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
      long len = ftell(f);
      rewind(f);
      buf = len >= 0 && len <= (8L << 20) ? malloc((size_t)len + 1) : NULL;
      if (buf) n = fread(buf, 1, (size_t)len, f);
    }
    fclose(f);
    if (buf) json_object_set_new(texts, json_string_value(p), json_stringn(buf, n));
    free(buf);
  }
  return texts;
}

void ww_exhaustive_result_clear(ww_exhaustive_result *res) {
  json_decref(res->examples);
  json_decref(res->scope);
  memset(res, 0, sizeof *res);
}

void ww_exhaustive_describe(const json_t *e, char *out, size_t n) {
  const json_t *req = json_object_get(e, "request");
  const char *svc = json_string_value(json_object_get(req, "service"));
  const char *at = json_string_value(json_object_get(json_object_get(req, "context"), "time"));
  char who[400] = "", outage[200] = "zonder storing";
  size_t w = 0;
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(req, "citizen"), k, v) {
    char *val = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (w < sizeof who)
      w += (size_t)snprintf(who + w, sizeof who - w, "%s%s %s", w ? " en " : "met ", k,
                            val ? val : "");
    free(val);
  }
  json_object_foreach(json_object_get(e, "status"), k, v)
    snprintf(outage, sizeof outage, "als \"%.120s\" dicht is door een storing", k);
  snprintf(out, n, "Dienst \"%s\", inwoner %s, op %.10s om %.5s, %s: %s", svc ? svc : "?",
           w ? who : "zonder bijzonderheden", at ? at : "?", at && strlen(at) > 11 ? at + 11 : "?",
           outage, json_string_value(json_object_get(e, "why")));
}
