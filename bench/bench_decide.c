/* Decision-core benchmark: decisions per second on one core with the bundled rule set,
 * no HTTP. A fixed corpus of varied requests (services x citizens x times) is parsed once;
 * the timed loop runs ww_decide() and releases the answer, as the server does.
 *
 *   bench_decide [RULES_DIR] [SECONDS]
 *
 * Prints decisions/s, ns per decision and heap allocations per decision (malloc calls of the
 * whole process, counted by interposing malloc). The sandbox limits stay on (defaults). */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wegwijzer/wegwijzer.h"

/* ---- allocation counter: glibc's __libc_* are the real allocator ---- */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static atomic_ulong allocs;
void *malloc(size_t n) { atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed); return __libc_realloc(p, n); }

static const char *const services[] = {
    "verhuizing", "paspoort", "identiteitskaart", "rijbewijs_verlengen", "uittreksel_brp",
    "geboorteaangifte", "parkeervergunning", "melding_openbare_ruimte", "bijstand", "wmo",
    "grofvuil", "emigratie", "omgevingsvergunning", "kwijtschelding", "huwelijk",
    "verhuizing_naar", "terrasvergunning", "woz_bezwaar", "schuldhulp", "naturalisatie",
};
static const char *const citizens[] = {
    "{}",
    "{\"id\":\"999993653\",\"authLevel\":\"midden\",\"digitalSkills\":\"low\","
    "\"language\":\"nld\",\"needs\":[\"visual\"],\"age\":81}",
    "{\"authLevel\":\"substantieel\",\"digitalSkills\":\"high\",\"age\":34}",
    "{\"authLevel\":\"basis\",\"digitalSkills\":\"medium\",\"language\":\"eng\"}",
    "{\"digitalSkills\":\"low\",\"needs\":[\"hearing\"],\"language\":\"sgn\"}",
};
static const char *const contexts[] = {
    "{\"origin\":\"web\",\"device\":\"desktop\",\"time\":\"2026-12-01T10:15:00+01:00\"}",
    "{\"origin\":\"web\",\"device\":\"mobile\",\"time\":\"2026-12-01T19:40:00+01:00\"}",
    "{\"origin\":\"app\",\"time\":\"2026-12-05T11:00:00+01:00\",\"intent\":\"status\"}",
    "{\"origin\":\"web\",\"time\":\"2026-07-14T09:05:00+02:00\"}",
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "rules";
  double seconds = argc > 2 ? atof(argv[2]) : 3.0;
  ww_err err = {0};
  ww_rules *rules = ww_rules_load(dir, NULL, &err);
  if (rules == NULL) {
    fprintf(stderr, "bench_decide: %s\n", err.msg);
    return 1;
  }
  json_t *corpus[1024];
  size_t n = 0;
  for (size_t s = 0; s < sizeof services / sizeof *services; s++) {
    if (!ww_rules_has_service(rules, services[s])) continue;
    for (size_t c = 0; c < sizeof citizens / sizeof *citizens; c++)
      for (size_t x = 0; x < sizeof contexts / sizeof *contexts && n < 1024; x++) {
        char text[1024];
        snprintf(text, sizeof text, "{\"service\":\"%s\",\"citizen\":%s,\"context\":%s}",
                 services[s], citizens[c], contexts[x]);
        corpus[n++] = json_loads(text, 0, NULL);
      }
  }
  if (n == 0) {
    fprintf(stderr, "bench_decide: none of the corpus services is in %s\n", dir);
    return 1;
  }
  static const unsigned char secret[] = "bench-secret-bench-secret";
  ww_decide_opts opts = {0};
  opts.secret = secret;
  opts.secret_len = sizeof secret - 1;
  opts.advice_id = "0123456789abcdef0123456789abcdef";

  /* warm up, and check that every request is valid */
  for (size_t i = 0; i < n; i++) {
    json_t *out = NULL;
    if (ww_decide(rules, corpus[i], &opts, &out, &err) != 0) {
      fprintf(stderr, "bench_decide: request %zu refused: %s\n", i, err.msg);
      return 1;
    }
    json_decref(out);
  }
  unsigned long done = 0, a0 = atomic_load(&allocs);
  double t0 = now_s(), t1;
  do {
    for (int k = 0; k < 256; k++) {
      json_t *out = NULL;
      ww_decide(rules, corpus[done % n], &opts, &out, &err);
      json_decref(out);
      done++;
    }
    t1 = now_s();
  } while (t1 - t0 < seconds);
  unsigned long a1 = atomic_load(&allocs);
  double per = (t1 - t0) / (double)done;
  printf("bench_decide: rules %s (version %s), corpus %zu requests\n", dir,
         ww_rules_version(rules), n);
  printf("decisions/s %.0f  ns/decision %.0f  allocations/decision %.1f  failures %lu\n",
         1.0 / per, per * 1e9, (double)(a1 - a0) / (double)done, ww_rules_failures(rules));
  for (size_t i = 0; i < n; i++) json_decref(corpus[i]);
  ww_rules_free(rules);
  return 0;
}
