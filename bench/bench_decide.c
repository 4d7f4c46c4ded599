/* Decision-core benchmark: decisions per second on one core with a rule set, no HTTP.
 *
 *   bench_decide [RULES_DIR] [SECONDS] [COUNT]
 *
 * The corpus (parsed once) is every service of RULES_DIR/services.lua x 6 citizens x 5
 * contexts (different minutes, days, a holiday), a quarter of them with a session, some
 * with channel status overrides, shuffled with a fixed seed so that neighbours differ.
 * Two timed loops, as the server would run them:
 *   json: ww_decide() + json_dumps(JSON_COMPACT) of the answer + json_decref
 *   text: ww_decide_text_out() (answer rendered from per-channel fragments)
 * Before timing, every request is decided both ways and the texts must be byte-identical.
 * Prints decisions/s, ns and heap allocations (malloc/calloc/realloc calls of the whole
 * process) per decision. The sandbox limits are on (defaults: 2M instructions, 32 MiB).
 * COUNT > 0: run exactly COUNT decisions per loop instead of SECONDS (for callgrind). */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "wegwijzer/wegwijzer.h"


#define MAX_CORPUS 4096

static const char *const citizens[] = {
    "{}",
    "{\"id\":\"999993653\",\"authLevel\":\"midden\",\"digitalSkills\":\"low\","
    "\"language\":\"nld\",\"needs\":[\"visual\"],\"age\":81}",
    "{\"authLevel\":\"substantieel\",\"digitalSkills\":\"high\",\"age\":34}",
    "{\"authLevel\":\"basis\",\"digitalSkills\":\"medium\",\"language\":\"eng\"}",
    "{\"digitalSkills\":\"low\",\"needs\":[\"hearing\"],\"language\":\"sgn\"}",
    "{\"authLevel\":\"eh3\",\"needs\":[\"mobility\",\"literacy\"],\"age\":16}",
};
static const char *const contexts[] = {
    "{\"origin\":\"web\",\"device\":\"desktop\",\"time\":\"2026-12-01T10:15:00+01:00\"}",
    "{\"origin\":\"web\",\"device\":\"mobile\",\"time\":\"2026-12-01T19:40:00+01:00\"}",
    "{\"origin\":\"app\",\"time\":\"2026-12-05T11:00:00+01:00\",\"intent\":\"status\"}",
    "{\"origin\":\"web\",\"time\":\"2026-07-14T09:05:00+02:00\",\"intent\":\"spoed\"}",
    "{\"origin\":\"kcc\",\"time\":\"2026-12-25T10:00:00+01:00\"}",
};
static const char *const sessions[] = {
    "{\"id\":\"s1\",\"service\":\"%s\",\"channel\":\"web\",\"events\":["
    "{\"type\":\"abandoned\",\"channel\":\"web\",\"at\":\"2026-12-01T09:00:00+01:00\"},"
    "{\"type\":\"abandoned\",\"channel\":\"web\",\"at\":\"2026-12-01T09:05:00+01:00\"}],"
    "\"data\":{}}",
    "{\"id\":\"s2\",\"service\":\"%s\",\"channel\":\"app\",\"events\":["
    "{\"type\":\"step\",\"channel\":\"app\",\"at\":\"2026-11-20T12:00:00+01:00\"},"
    "{\"type\":\"advice\",\"channel\":\"app\",\"at\":\"2026-11-20T12:01:00+01:00\"}],"
    "\"data\":{\"stap\":2}}",
};

typedef struct item {
  json_t *req, *session;
  int status;      /* 1: use the status overrides */
} item;


/* Service ids from services.lua: the `service "id"` lines (a benchmark, not a parser). */
static size_t read_services(const char *dir, char ids[][64], size_t max) {
  char path[1024];
  snprintf(path, sizeof path, "%s/services.lua", dir);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  char line[1024];
  size_t n = 0;
  while (n < max && fgets(line, sizeof line, f)) {
    char id[64];
    if (sscanf(line, "service \"%63[a-z0-9_]\"", id) == 1) snprintf(ids[n++], 64, "%s", id);
  }
  fclose(f);
  return n;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

typedef struct loop_result { unsigned long done, allocs; double secs; } loop_result;

static void run_opts(const item *it, ww_decide_opts *o, const ww_decide_opts *base,
                     const json_t *status) {
  *o = *base;
  o->session = it->session;
  o->status = it->status ? status : NULL;
  o->status_version = it->status ? 42 : 0;
}

__attribute__((noinline)) static loop_result run_loop(ww_rules *rules, const item *corpus, size_t n, int text,
                            const ww_decide_opts *base, const json_t *status, double seconds,
                            unsigned long count) {
  loop_result r = {0, 0, 0};
  ww_err err = {0};
  unsigned long a0 = atomic_load(&allocs);
  double t0 = now_s(), t1;
  for (;;) {
    for (int k = 0; k < 256; k++) {
      const item *it = &corpus[r.done % n];
      ww_decide_opts o;
      run_opts(it, &o, base, status);
      if (text) {
        const char *s;
        size_t len;
        ww_decide_text_out(rules, it->req, &o, NULL, &s, &len, NULL, &err);
      } else {
        json_t *out = NULL;
        ww_decide(rules, it->req, &o, &out, &err);
        free(json_dumps(out, JSON_COMPACT));
        json_decref(out);
      }
      r.done++;
      if (count && r.done >= count) break;
    }
    t1 = now_s();
    if (count ? r.done >= count : t1 - t0 >= seconds) break;
  }
  r.allocs = atomic_load(&allocs) - a0;
  r.secs = t1 - t0;
  return r;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "rules";
  double seconds = argc > 2 ? atof(argv[2]) : 3.0;
  unsigned long count = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
  ww_err err = {0};
  ww_rules *rules = ww_rules_load(dir, NULL, &err);
  if (rules == NULL) {
    fprintf(stderr, "bench_decide: %s\n", err.msg);
    return 1;
  }
  static char ids[256][64];
  size_t nsvc = read_services(dir, ids, 256);
  static item corpus[MAX_CORPUS];
  size_t n = 0, nsess = 0, nstat = 0;
  for (size_t s = 0; s < nsvc; s++) {
    if (!ww_rules_has_service(rules, ids[s])) continue;
    for (size_t c = 0; c < sizeof citizens / sizeof *citizens; c++)
      for (size_t x = 0; x < sizeof contexts / sizeof *contexts && n < MAX_CORPUS; x++) {
        char text[2048];
        snprintf(text, sizeof text, "{\"service\":\"%s\",\"citizen\":%s,\"context\":%s}",
                 ids[s], citizens[c], contexts[x]);
        item *it = &corpus[n++];
        it->req = json_loads(text, 0, NULL);
        it->session = NULL;
        it->status = 0;
        uint64_t r = next_rand();
        if (r % 4 == 0) {
          snprintf(text, sizeof text, sessions[(r >> 8) % 2], ids[s]);
          it->session = json_loads(text, 0, NULL);
          json_object_set_new(it->req, "sessionId", json_string("s"));
          nsess++;
        }
        if ((r >> 16) % 8 == 0) it->status = 1, nstat++;
      }
  }
  if (n == 0) {
    fprintf(stderr, "bench_decide: no services found in %s/services.lua\n", dir);
    return 1;
  }
  for (size_t i = n - 1; i > 0; i--) {   /* fixed shuffle: neighbours differ */
    size_t j = next_rand() % (i + 1);
    item t = corpus[i];
    corpus[i] = corpus[j];
    corpus[j] = t;
  }
  json_t *status = json_pack("{s:{s:b, s:i}, s:{s:b, s:s}}", "telefoon", "open", 1,
                             "waitSeconds", 720, "chat", "open", 0, "reason",
                             "De chat is vandaag gesloten.");
  static const unsigned char secret[] = "bench-secret-bench-secret";
  ww_decide_opts base = {0};
  base.secret = secret;
  base.secret_len = sizeof secret - 1;
  base.advice_id = "0123456789abcdef0123456789abcdef";

  /* check: every request valid, and the text path byte-identical to the json_t answer */
  for (size_t i = 0; i < n; i++) {
    ww_decide_opts o;
    run_opts(&corpus[i], &o, &base, status);
    json_t *out = NULL;
    if (ww_decide(rules, corpus[i].req, &o, &out, &err) != 0) {
      fprintf(stderr, "bench_decide: request %zu refused: %s\n", i, err.msg);
      return 1;
    }
    char *a = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    const char *b;
    size_t blen;
    if (ww_decide_text_out(rules, corpus[i].req, &o, NULL, &b, &blen, NULL, &err) != 0 ||
        strlen(a) != blen || memcmp(a, b, blen) != 0) {
      fprintf(stderr, "bench_decide: request %zu: text answer differs\n json: %s\n text: %.*s\n",
              i, a, (int)blen, b);
      return 1;
    }
    free(a);
  }
  printf("bench_decide: rules %s (version %s), corpus %zu requests (%zu services, %zu with "
         "session, %zu with status overrides); limits on (defaults)\n",
         dir, ww_rules_version(rules), n, nsvc, nsess, nstat);
  for (int text = 0; text < 2; text++) {
    loop_result r = run_loop(rules, corpus, n, text, &base, status, seconds, count);
    double per = r.secs / (double)r.done;
    printf("%-5s decisions/s %.0f  ns/decision %.0f  allocations/decision %.1f\n",
           text ? "text" : "json", 1.0 / per, per * 1e9, (double)r.allocs / (double)r.done);
  }
  printf("failures %lu\n", ww_rules_failures(rules));
  for (size_t i = 0; i < n; i++) json_decref(corpus[i].req), json_decref(corpus[i].session);
  json_decref(status);
  ww_rules_free(rules);
  return 0;
}
