#include "metrics/metrics.h"

#include <wegwijzer/wegwijzer.h>

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Single writer per block: load + store, never a locked read-modify-write (header). */
typedef _Atomic uint64_t ctr;
#define RLX memory_order_relaxed

static inline void ctr_add(ctr *c, uint64_t v) {
  atomic_store_explicit(c, atomic_load_explicit(c, RLX) + v, RLX);
}
static inline void ctr_inc(ctr *c) { ctr_add(c, 1); }
static inline uint64_t ctr_get(ctr *c) { return atomic_load_explicit(c, RLX); }

#define NBUCKETS 15
static const double bucket_le[NBUCKETS - 1] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
static const char *const bucket_le_text[NBUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "+Inf"};

#define ROUTES_MAX 32
#define ROUTE_NAME_MAX 128
#define KEYS_MAX 32
#define LABEL_MAX 64         /* 63 bytes + NUL */
#define SERVICES_MAX 64
#define CHANNELS_MAX 16
#define INDEX_SIZE 128       /* power of two, >= 2 * SERVICES_MAX */

enum { M_GET, M_HEAD, M_POST, M_PUT, M_DELETE, M_PATCH, M_OPTIONS, M_OTHER, M_COUNT };
static const char *const method_names[M_COUNT] = {"GET",   "HEAD",    "POST",  "PUT",
                                                  "DELETE", "PATCH", "OPTIONS", "other"};
static const char *const rule_error_names[WW_RULE_ERR_KINDS] = {"runtime", "budget",
                                                                "memory", "invalid_result"};
static const char *const shadow_names[WW_SHADOW_KINDS] = {"same", "different", "error"};

typedef struct route_stat {
  const char *last;             /* owner only: the address this name was last passed as */
  char name[ROUTE_NAME_MAX];    /* immutable once published through nroutes */
  _Atomic uint32_t nkeys;
  uint32_t keys[KEYS_MAX];      /* method << 16 | status (0 = other); immutable once published */
  ctr counts[KEYS_MAX];
  ctr overflow;                 /* (method, status) pairs past KEYS_MAX */
  ctr buckets[NBUCKETS];        /* per bucket, not cumulative: the scrape sums them */
  ctr sum_ns;                   /* _count is the sum of the buckets */
} route_stat;

typedef struct label_table {
  _Atomic uint32_t n;
  uint32_t cap;
  uint8_t index[INDEX_SIZE];    /* owner only: open addressing, slot + 1, 0 = empty */
  char names[SERVICES_MAX][LABEL_MAX];
} label_table;

struct ww_metrics {
  _Atomic uint32_t nroutes;
  route_stat routes[ROUTES_MAX + 1];   /* [ROUTES_MAX] is route="other" */
  ctr rule_errors[WW_RULE_ERR_KINDS];
  ctr degraded, store_errors, store_reconnects, handovers_created, handovers_claimed;
  ctr shadow[WW_SHADOW_KINDS];
  ctr cache_hits, cache_misses;
  label_table services, channels;
  ctr advice[SERVICES_MAX + 1][CHANNELS_MAX + 1];   /* last row/column: "other" */
};

struct ww_metrics_registry {
  int workers;
  ww_metrics **blocks;   /* owned; one cache-line-aligned allocation each (no false sharing) */
};

/* ---- registry ---- */

ww_metrics_registry *ww_metrics_registry_new(int workers) {
  if (workers < 1 || workers > 4096) return NULL;
  ww_metrics_registry *reg = calloc(1, sizeof *reg);
  if (reg == NULL) return NULL;
  reg->blocks = calloc((size_t)workers, sizeof *reg->blocks);
  if (reg->blocks == NULL) goto fail;
  reg->workers = workers;
  size_t size = (sizeof(ww_metrics) + 63) / 64 * 64;
  for (int i = 0; i < workers; i++) {
    ww_metrics *m = aligned_alloc(64, size);
    if (m == NULL) goto fail;
    /* All-zero bits are a valid zero for lock-free atomic integers. */
    memset(m, 0, size);
    m->services.cap = SERVICES_MAX;
    m->channels.cap = CHANNELS_MAX;
    memcpy(m->routes[ROUTES_MAX].name, "other", 6);
    reg->blocks[i] = m;
  }
  return reg;
fail:
  ww_metrics_registry_free(reg);
  return NULL;
}

void ww_metrics_registry_free(ww_metrics_registry *reg) {
  if (reg == NULL) return;
  if (reg->blocks)
    for (int i = 0; i < reg->workers; i++) free(reg->blocks[i]);
  free(reg->blocks);
  free(reg);
}

int ww_metrics_registry_workers(const ww_metrics_registry *reg) {
  return reg ? reg->workers : 0;
}

ww_metrics *ww_metrics_worker(ww_metrics_registry *reg, int i) {
  if (reg == NULL || i < 0 || i >= reg->workers) return NULL;
  return reg->blocks[i];
}

/* ---- hot path (owner thread only) ---- */

static route_stat *route_find(ww_metrics *m, const char *route) {
  if (route == NULL) route = "unmatched";
  uint32_t n = atomic_load_explicit(&m->nroutes, RLX);   /* we are its only writer */
  /* Router patterns are static: the address finds the slot, strcmp confirms it (the
   * caller may reuse a buffer for another name). */
  for (uint32_t i = 0; i < n; i++)
    if (m->routes[i].last == route && strcmp(m->routes[i].name, route) == 0)
      return &m->routes[i];
  size_t len = strlen(route);
  if (len >= ROUTE_NAME_MAX) return &m->routes[ROUTES_MAX];
  for (uint32_t i = 0; i < n; i++) {
    if (strcmp(m->routes[i].name, route) == 0) {
      m->routes[i].last = route;
      return &m->routes[i];
    }
  }
  if (n == ROUTES_MAX) return &m->routes[ROUTES_MAX];
  route_stat *r = &m->routes[n];
  memcpy(r->name, route, len + 1);
  r->last = route;
  atomic_store_explicit(&m->nroutes, n + 1, memory_order_release);   /* publish the name */
  return r;
}

static int method_index(const char *s) {
  if (s == NULL) return M_OTHER;
  switch (s[0]) {
  case 'G': return strcmp(s, "GET") == 0 ? M_GET : M_OTHER;
  case 'H': return strcmp(s, "HEAD") == 0 ? M_HEAD : M_OTHER;
  case 'P':
    if (strcmp(s, "POST") == 0) return M_POST;
    if (strcmp(s, "PUT") == 0) return M_PUT;
    return strcmp(s, "PATCH") == 0 ? M_PATCH : M_OTHER;
  case 'D': return strcmp(s, "DELETE") == 0 ? M_DELETE : M_OTHER;
  case 'O': return strcmp(s, "OPTIONS") == 0 ? M_OPTIONS : M_OTHER;
  default: return M_OTHER;
  }
}

void ww_metrics_request(ww_metrics *m, const char *route, const char *method, int status,
                        double seconds) {
  if (m == NULL) return;
  route_stat *r = route_find(m, route);
  if (status < 100 || status > 599) status = 0;
  uint32_t key = (uint32_t)method_index(method) << 16 | (uint32_t)status;
  uint32_t n = atomic_load_explicit(&r->nkeys, RLX);
  uint32_t j = 0;
  while (j < n && r->keys[j] != key) j++;
  if (j < n) {
    ctr_inc(&r->counts[j]);
  } else if (n < KEYS_MAX) {
    r->keys[n] = key;
    atomic_store_explicit(&r->counts[n], 1, RLX);
    atomic_store_explicit(&r->nkeys, n + 1, memory_order_release);
  } else {
    ctr_inc(&r->overflow);
  }

  if (!(seconds > 0)) seconds = 0;   /* negative or NaN */
  if (seconds > 1e9) seconds = 1e9;
  int b = 0;
  while (b < NBUCKETS - 1 && seconds > bucket_le[b]) b++;   /* le: value <= bound */
  ctr_inc(&r->buckets[b]);
  ctr_add(&r->sum_ns, (uint64_t)llround(seconds * 1e9));
}

void ww_metrics_rule_error(ww_metrics *m, ww_rule_error_kind kind) {
  if (m == NULL) return;
  if ((unsigned)kind >= WW_RULE_ERR_KINDS) kind = WW_RULE_ERR_RUNTIME;
  ctr_inc(&m->rule_errors[kind]);
}

void ww_metrics_degraded(ww_metrics *m) { if (m) ctr_inc(&m->degraded); }

void ww_metrics_shadow(ww_metrics *m, ww_shadow_kind kind) {
  if (m && kind >= 0 && kind < WW_SHADOW_KINDS) ctr_inc(&m->shadow[kind]);
}
void ww_metrics_store_error(ww_metrics *m) { if (m) ctr_inc(&m->store_errors); }
void ww_metrics_store_reconnect(ww_metrics *m) { if (m) ctr_inc(&m->store_reconnects); }
void ww_metrics_handover_created(ww_metrics *m) { if (m) ctr_inc(&m->handovers_created); }
void ww_metrics_handover_claimed(ww_metrics *m) { if (m) ctr_inc(&m->handovers_claimed); }
void ww_metrics_decision_cache(ww_metrics *m, int hit) {
  if (m) ctr_inc(hit ? &m->cache_hits : &m->cache_misses);
}

/* Slot of 's' in 't', adding it if there is room; t->cap means "other". */
static uint32_t label_slot(label_table *t, const char *s) {
  uint32_t h = 2166136261u;   /* FNV-1a */
  size_t len = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++, len++) {
    h ^= *p;
    h *= 16777619u;
  }
  if (len >= LABEL_MAX) return t->cap;
  uint32_t pos = h & (INDEX_SIZE - 1);
  while (t->index[pos] != 0) {
    uint32_t slot = (uint32_t)t->index[pos] - 1;
    if (strcmp(t->names[slot], s) == 0) return slot;
    pos = (pos + 1) & (INDEX_SIZE - 1);
  }
  uint32_t n = atomic_load_explicit(&t->n, RLX);
  if (n == t->cap) return t->cap;   /* full; the index stays at most half full */
  memcpy(t->names[n], s, len + 1);
  t->index[pos] = (uint8_t)(n + 1);
  atomic_store_explicit(&t->n, n + 1, memory_order_release);
  return n;
}

void ww_metrics_advice(ww_metrics *m, const char *service_id, const char *first_channel_id) {
  if (m == NULL) return;
  if (service_id == NULL || *service_id == '\0') service_id = "none";
  if (first_channel_id == NULL || *first_channel_id == '\0') first_channel_id = "none";
  uint32_t s = label_slot(&m->services, service_id);
  uint32_t c = label_slot(&m->channels, first_channel_id);
  ctr_inc(&m->advice[s][c]);
}

/* ---- rendering (any thread) ---- */

typedef struct sb {
  char *p;
  size_t len, cap;
  int oom;
} sb;

static void sb_reserve(sb *b, size_t more) {
  if (b->oom || b->len + more + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more + 1) cap *= 2;
  char *p = realloc(b->p, cap);
  if (p == NULL) {
    b->oom = 1;
    return;
  }
  b->p = p;
  b->cap = cap;
}

static void sb_put(sb *b, const char *s, size_t n) {
  sb_reserve(b, n);
  if (b->oom) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_puts(sb *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sb *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof tmp) {
    sb_put(b, tmp, (size_t)n);
    return;
  }
  sb_reserve(b, (size_t)n);
  if (b->oom) return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* A label value, quoted, with \\ \" and \n escaped (text format 0.0.4). */
static void sb_label(sb *b, const char *name, const char *v) {
  sb_puts(b, name);
  sb_put(b, "=\"", 2);
  const char *run = v;
  for (const char *p = v; *p; p++) {
    const char *esc = *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : *p == '\n' ? "\\n" : NULL;
    if (esc == NULL) continue;
    sb_put(b, run, (size_t)(p - run));
    sb_put(b, esc, 2);
    run = p + 1;
  }
  sb_puts(b, run);
  sb_put(b, "\"", 1);
}

static void sb_family(sb *b, const char *name, const char *type, const char *help) {
  sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

typedef struct req_row {
  const char *route;
  uint32_t key;
  uint64_t count;
} req_row;

typedef struct hist_row {
  const char *route;
  uint64_t buckets[NBUCKETS], sum_ns, count;
} hist_row;

typedef struct adv_row {
  const char *service, *channel;
  uint64_t count;
} adv_row;

static int req_cmp(const void *a, const void *b) {
  const req_row *x = a, *y = b;
  int c = strcmp(x->route, y->route);
  if (c) return c;
  return x->key < y->key ? -1 : x->key > y->key;
}

static int hist_cmp(const void *a, const void *b) {
  return strcmp(((const hist_row *)a)->route, ((const hist_row *)b)->route);
}

static int adv_cmp(const void *a, const void *b) {
  const adv_row *x = a, *y = b;
  int c = strcmp(x->service, y->service);
  return c ? c : strcmp(x->channel, y->channel);
}

/* Sort the rows and fold equal keys (the same label set seen by several workers) into
 * the first; returns the new count. */
static size_t merge_req(req_row *r, size_t n) {
  if (n == 0) return 0;
  qsort(r, n, sizeof *r, req_cmp);
  size_t out = 0;
  for (size_t i = 1; i < n; i++) {
    if (req_cmp(&r[out], &r[i]) == 0) r[out].count += r[i].count;
    else r[++out] = r[i];
  }
  return out + 1;
}

static size_t merge_hist(hist_row *r, size_t n) {
  if (n == 0) return 0;
  qsort(r, n, sizeof *r, hist_cmp);
  size_t out = 0;
  for (size_t i = 1; i < n; i++) {
    if (hist_cmp(&r[out], &r[i]) == 0) {
      for (int k = 0; k < NBUCKETS; k++) r[out].buckets[k] += r[i].buckets[k];
      r[out].sum_ns += r[i].sum_ns;
      r[out].count += r[i].count;
    } else {
      r[++out] = r[i];
    }
  }
  return out + 1;
}

static size_t merge_adv(adv_row *r, size_t n) {
  if (n == 0) return 0;
  qsort(r, n, sizeof *r, adv_cmp);
  size_t out = 0;
  for (size_t i = 1; i < n; i++) {
    if (adv_cmp(&r[out], &r[i]) == 0) r[out].count += r[i].count;
    else r[++out] = r[i];
  }
  return out + 1;
}

static void render_status(char out[8], uint32_t status) {
  if (status == 0) memcpy(out, "other", 6);
  else snprintf(out, 8, "%u", (unsigned)status);
}

static void render_seconds(sb *b, uint64_t ns) {
  sb_printf(b, "%llu.%09llu", (unsigned long long)(ns / 1000000000u),
            (unsigned long long)(ns % 1000000000u));
}

char *ww_metrics_render(ww_metrics_registry *reg, const char *ruleset_version, size_t *len) {
  if (reg == NULL) return NULL;
  sb b = {0};
  req_row *reqs = NULL;
  hist_row *hists = NULL;
  adv_row *advs = NULL;
  size_t nreq = 0, nhist = 0, nadv = 0;
  int w = reg->workers;

  /* Upper bounds on the rows, so each array is allocated once. */
  size_t max_routes = (size_t)w * (ROUTES_MAX + 1);
  reqs = malloc(max_routes * (KEYS_MAX + 1) * sizeof *reqs);
  hists = malloc(max_routes * sizeof *hists);
  advs = malloc((size_t)w * (SERVICES_MAX + 1) * (CHANNELS_MAX + 1) * sizeof *advs);
  if (reqs == NULL || hists == NULL || advs == NULL) goto fail;

  uint64_t rule_errors[WW_RULE_ERR_KINDS] = {0};
  uint64_t degraded = 0, store_errors = 0, reconnects = 0, ho_created = 0, ho_claimed = 0;
  uint64_t shadow[WW_SHADOW_KINDS] = {0};
  uint64_t cache_hits = 0, cache_misses = 0;

  for (int i = 0; i < w; i++) {
    ww_metrics *m = reg->blocks[i];
    uint32_t nr = atomic_load_explicit(&m->nroutes, memory_order_acquire);
    for (uint32_t ri = 0; ri <= ROUTES_MAX; ri++) {
      if (ri >= nr && ri < ROUTES_MAX) continue;   /* unused slots; always the "other" one */
      route_stat *r = &m->routes[ri];
      uint32_t nk = atomic_load_explicit(&r->nkeys, memory_order_acquire);
      for (uint32_t k = 0; k < nk; k++)
        reqs[nreq++] = (req_row){r->name, r->keys[k], ctr_get(&r->counts[k])};
      uint64_t ov = ctr_get(&r->overflow);
      if (ov) reqs[nreq++] = (req_row){r->name, (uint32_t)M_OTHER << 16, ov};
      hist_row *h = &hists[nhist];
      h->route = r->name;
      for (int k = 0; k < NBUCKETS; k++) h->buckets[k] = ctr_get(&r->buckets[k]);
      h->sum_ns = ctr_get(&r->sum_ns);
      /* _count from the buckets read, so +Inf == _count within a scrape. */
      uint64_t total = 0;
      for (int k = 0; k < NBUCKETS; k++) total += h->buckets[k];
      h->count = total;
      if (total > 0) nhist++;
    }
    for (int k = 0; k < WW_RULE_ERR_KINDS; k++) rule_errors[k] += ctr_get(&m->rule_errors[k]);
    for (int k = 0; k < WW_SHADOW_KINDS; k++) shadow[k] += ctr_get(&m->shadow[k]);
    degraded += ctr_get(&m->degraded);
    store_errors += ctr_get(&m->store_errors);
    reconnects += ctr_get(&m->store_reconnects);
    ho_created += ctr_get(&m->handovers_created);
    ho_claimed += ctr_get(&m->handovers_claimed);
    cache_hits += ctr_get(&m->cache_hits);
    cache_misses += ctr_get(&m->cache_misses);

    uint32_t ns = atomic_load_explicit(&m->services.n, memory_order_acquire);
    uint32_t nc = atomic_load_explicit(&m->channels.n, memory_order_acquire);
    for (uint32_t s = 0; s <= SERVICES_MAX; s++) {
      if (s >= ns && s < SERVICES_MAX) continue;
      const char *sname = s == SERVICES_MAX ? "other" : m->services.names[s];
      for (uint32_t c = 0; c <= CHANNELS_MAX; c++) {
        if (c >= nc && c < CHANNELS_MAX) continue;
        uint64_t v = ctr_get(&m->advice[s][c]);
        if (v == 0) continue;
        const char *cname = c == CHANNELS_MAX ? "other" : m->channels.names[c];
        advs[nadv++] = (adv_row){sname, cname, v};
      }
    }
  }
  nreq = merge_req(reqs, nreq);
  nhist = merge_hist(hists, nhist);
  nadv = merge_adv(advs, nadv);

  sb_family(&b, "wegwijzer_build_info", "gauge", "Build of the running engine.");
  sb_puts(&b, "wegwijzer_build_info{");
  sb_label(&b, "version", WW_VERSION);
  sb_puts(&b, "} 1\n");

  sb_family(&b, "wegwijzer_ruleset_info", "gauge", "Version of the active rule set.");
  if (ruleset_version) {
    sb_puts(&b, "wegwijzer_ruleset_info{");
    sb_label(&b, "version", ruleset_version);
    sb_puts(&b, "} 1\n");
  }

  sb_family(&b, "wegwijzer_http_requests_total", "counter",
            "HTTP requests by route pattern, method and status.");
  for (size_t i = 0; i < nreq; i++) {
    char st[8];
    render_status(st, reqs[i].key & 0xffff);
    sb_puts(&b, "wegwijzer_http_requests_total{");
    sb_label(&b, "route", reqs[i].route);
    sb_put(&b, ",", 1);
    sb_label(&b, "method", method_names[reqs[i].key >> 16]);
    sb_put(&b, ",", 1);
    sb_label(&b, "status", st);
    sb_printf(&b, "} %llu\n", (unsigned long long)reqs[i].count);
  }

  sb_family(&b, "wegwijzer_http_request_duration_seconds", "histogram",
            "HTTP request duration by route pattern.");
  for (size_t i = 0; i < nhist; i++) {
    uint64_t cum = 0;
    for (int k = 0; k < NBUCKETS; k++) {
      cum += hists[i].buckets[k];
      sb_puts(&b, "wegwijzer_http_request_duration_seconds_bucket{");
      sb_label(&b, "route", hists[i].route);
      sb_put(&b, ",", 1);
      sb_label(&b, "le", bucket_le_text[k]);
      sb_printf(&b, "} %llu\n", (unsigned long long)cum);
    }
    sb_puts(&b, "wegwijzer_http_request_duration_seconds_sum{");
    sb_label(&b, "route", hists[i].route);
    sb_puts(&b, "} ");
    render_seconds(&b, hists[i].sum_ns);
    sb_puts(&b, "\nwegwijzer_http_request_duration_seconds_count{");
    sb_label(&b, "route", hists[i].route);
    sb_printf(&b, "} %llu\n", (unsigned long long)hists[i].count);
  }

  sb_family(&b, "wegwijzer_rule_errors_total", "counter",
            "Rule failures by kind (budget and memory are limit hits).");
  for (int k = 0; k < WW_RULE_ERR_KINDS; k++) {
    sb_puts(&b, "wegwijzer_rule_errors_total{");
    sb_label(&b, "kind", rule_error_names[k]);
    sb_printf(&b, "} %llu\n", (unsigned long long)rule_errors[k]);
  }

  sb_family(&b, "wegwijzer_shadow_decisions_total", "counter",
            "Live decisions decided again on the shadow candidate, by how it compared.");
  for (int k = 0; k < WW_SHADOW_KINDS; k++) {
    sb_puts(&b, "wegwijzer_shadow_decisions_total{");
    sb_label(&b, "result", shadow_names[k]);
    sb_printf(&b, "} %llu\n", (unsigned long long)shadow[k]);
  }

  static const struct { const char *name, *help; } plain[] = {
      {"wegwijzer_degraded_total", "Answers given in degraded mode."},
      {"wegwijzer_store_errors_total", "Failed store commands."},
      {"wegwijzer_store_reconnects_total", "Store connections (re)established."},
      {"wegwijzer_handovers_created_total", "Handover codes created."},
      {"wegwijzer_handovers_claimed_total", "Handover codes claimed."},
      {"wegwijzer_decision_cache_hits_total", "Decisions answered from the decision cache."},
      {"wegwijzer_decision_cache_misses_total",
       "Decisions looked up in the decision cache and not found (then decided)."},
  };
  uint64_t plain_v[] = {degraded, store_errors, reconnects, ho_created, ho_claimed, cache_hits,
                        cache_misses};
  for (size_t k = 0; k < sizeof plain / sizeof plain[0]; k++) {
    sb_family(&b, plain[k].name, "counter", plain[k].help);
    sb_printf(&b, "%s %llu\n", plain[k].name, (unsigned long long)plain_v[k]);
  }

  sb_family(&b, "wegwijzer_advice_total", "counter",
            "Advice given by service and first channel offered.");
  for (size_t i = 0; i < nadv; i++) {
    sb_puts(&b, "wegwijzer_advice_total{");
    sb_label(&b, "service", advs[i].service);
    sb_put(&b, ",", 1);
    sb_label(&b, "channel", advs[i].channel);
    sb_printf(&b, "} %llu\n", (unsigned long long)advs[i].count);
  }

  if (b.oom) goto fail;
  free(reqs);
  free(hists);
  free(advs);
  if (len) *len = b.len;
  return b.p;

fail:
  free(reqs);
  free(hists);
  free(advs);
  free(b.p);
  return NULL;
}
