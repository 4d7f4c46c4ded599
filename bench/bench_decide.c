/* Decision-core benchmark: decisions per second on one core with a rule set, no HTTP.
 *
 *   bench_decide [RULES_DIR] [SECONDS] [COUNT] [--corpus N] [--text] [--timeout MS]
 *
 * The corpus (bench/corpus.h, parsed once) is every service of RULES_DIR/services.lua x 6
 * citizens x 5 contexts, a quarter of them with a session, some with channel status
 * overrides. Two timed loops, as the server would run them (validation, then the decision):
 *   json: ww_decision_parse() + ww_decision_json() + json_dumps(JSON_COMPACT) + json_decref
 *   text: ww_decision_parse() + ww_decision_text() (answer from per-channel fragments)
 * Before timing, every request is decided both ways and the texts must be byte-identical
 * (the same check runs in `meson test`: tests/unit/decision/test_text_answer.c).
 * Prints decisions/s, ns and heap allocations (malloc/calloc/realloc calls of the whole
 * process) per decision, and the median of the 256-decision batches beside the mean (a busy
 * neighbour on a shared machine moves it less). The sandbox limits are on (defaults: 2M
 * instructions, 32 MiB).
 * COUNT > 0: run exactly COUNT decisions per loop instead of SECONDS (for callgrind:
 * --toggle-collect=run_loop counts the loops alone). --corpus N: the first N of the
 * shuffled corpus (bench/scale.sh). --text: the text loop only. --timeout MS raises the
 * time limits of a decision and of the load, for a run under valgrind (20-50x slower); the
 * instruction budget and the memory cap stay. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "corpus.h"

typedef struct loop_result { unsigned long done, allocs; double secs, median_ns; } loop_result;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

__attribute__((noinline)) static loop_result run_loop(ww_rules *rules, const corpus *c, int text,
                                                      double seconds, unsigned long count) {
  loop_result r = {0, 0, 0, 0};
  ww_err err = {0};
  size_t nb = 0, cb = 1024;
  double *batch = malloc(cb * sizeof *batch);   /* ns per decision of each batch */
  if (batch == NULL) abort();
  unsigned long a0 = atomic_load(&allocs);
  double t0 = now_s(), t1, tb = t0;
  for (;;) {
    unsigned long d0 = r.done;
    for (int k = 0; k < 256; k++) {
      const corpus_item *it = &c->items[r.done % c->n];
      ww_decision_opts o;
      corpus_opts(c, it, &o);
      ww_decision_input in;
      corpus_parse(rules, it, &in, &err);
      if (text) {
        const char *s;
        size_t len;
        ww_decision_text(rules, &in, &o, NULL, &s, &len, NULL, &err);
      } else {
        json_t *out = NULL;
        ww_decision_json(rules, &in, &o, &out, &err);
        free(json_dumps(out, JSON_COMPACT));
        json_decref(out);
      }
      r.done++;
      if (count && r.done >= count) break;
    }
    t1 = now_s();
    if (nb == cb && (batch = realloc(batch, (cb *= 2) * sizeof *batch)) == NULL) abort();
    batch[nb++] = (t1 - tb) * 1e9 / (double)(r.done - d0);
    tb = t1;
    if (count ? r.done >= count : t1 - t0 >= seconds) break;
  }
  r.allocs = atomic_load(&allocs) - a0;
  r.secs = t1 - t0;
  qsort(batch, nb, sizeof *batch, cmp_double);
  r.median_ns = nb % 2 ? batch[nb / 2] : (batch[nb / 2 - 1] + batch[nb / 2]) / 2;
  free(batch);
  return r;
}

int main(int argc, char **argv) {
  const char *dir = "rules";
  double seconds = 3.0;
  unsigned long count = 0;
  size_t keep = 0;       /* --corpus N; 0: all */
  int text_only = 0;
  ww_limits lim = {0};   /* 0: the defaults */
  for (int i = 1, pos = 0; i < argc; i++) {
    if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc) keep = strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--text") == 0) text_only = 1;
    else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
      lim.decision_timeout_ms = lim.load_timeout_ms = (unsigned)strtoul(argv[++i], NULL, 10);
    else if (argv[i][0] == '-' && argv[i][1] == '-') {
      fprintf(stderr, "usage: bench_decide [RULES_DIR] [SECONDS] [COUNT] [--corpus N] [--text] "
                      "[--timeout MS]\n");
      return 2;
    } else if (pos == 0) dir = argv[i], pos++;
    else if (pos == 1) seconds = atof(argv[i]), pos++;
    else count = strtoul(argv[i], NULL, 10);
  }
  ww_err err = {0};
  ww_rules *rules = ww_rules_load(dir, &lim, &err);
  if (rules == NULL) {
    fprintf(stderr, "bench_decide: %s\n", err.msg);
    return 1;
  }
  corpus c;
  if (corpus_load(&c, dir, rules, keep) != 0) return 1;
  /* --corpus freed thousands of small requests; glibc consolidates its free lists at the
   * next bigger malloc (25M instructions with 400 rules): not the first decision's work */
  malloc_trim(0);
  /* The first decision after a load is timed apart: it pays for work the load left behind
   * (with large rule sets, a collection of the load's garbage). */
  unsigned long f0, f1, budget, memory;
  ww_decision_failures(rules, &f0, &budget, &memory);
  double t1 = now_s();
  {
    ww_decision_opts o;
    corpus_opts(&c, &c.items[0], &o);
    ww_decision_input in;
    const char *s;
    size_t len;
    if (corpus_parse(rules, &c.items[0], &in, &err) == 0)
      ww_decision_text(rules, &in, &o, NULL, &s, &len, NULL, &err);
  }
  double first_ms = (now_s() - t1) * 1e3;
  ww_decision_failures(rules, &f1, &budget, &memory);
  /* check: every request valid, and the text path byte-identical to the tree answer */
  if (corpus_check_text(rules, &c) != 0) return 1;
  unsigned long before_loops;
  ww_decision_failures(rules, &before_loops, &budget, &memory);
  printf("bench_decide: rules %s (version %s), corpus %zu requests (%zu services, %zu with "
         "session, %zu with status overrides); limits on (%s); first decision after the load "
         "%.2f ms%s\n",
         dir, ww_rules_version(rules), c.n, c.nsvc, c.nsess, c.nstat,
         lim.decision_timeout_ms ? "time limits raised" : "defaults", first_ms,
         f1 > f0 ? " (it failed: fallback advice)" : "");
  for (int text = text_only; text < 2; text++) {
    loop_result r = run_loop(rules, &c, text, seconds, count);
    double per = r.secs / (double)r.done;
    printf("%-5s decisions/s %.0f  ns/decision %.0f  median %.0f  allocations/decision %.1f\n",
           text ? "text" : "json", 1.0 / per, per * 1e9, r.median_ns,
           (double)r.allocs / (double)r.done);
  }
  unsigned long failures;
  ww_decision_failures(rules, &failures, &budget, &memory);
  /* rule failures (fallback advice) in the timed loops: with these rule sets only the time
   * limit can fail a decision (a busy machine) */
  printf("failures %lu\n", failures - before_loops);
  corpus_free(&c);
  ww_rules_free(rules);
  return 0;
}
