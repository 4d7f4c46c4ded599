/* Decision-core benchmark: decisions per second on one core with a rule set, no HTTP.
 *
 *   bench_decide [RULES_DIR] [SECONDS] [COUNT]
 *
 * The corpus (bench/corpus.h, parsed once) is every service of RULES_DIR/services.lua x 6
 * citizens x 5 contexts, a quarter of them with a session, some with channel status
 * overrides. Two timed loops, as the server would run them (validation, then the decision):
 *   json: ww_decision_parse() + ww_decision_json() + json_dumps(JSON_COMPACT) + json_decref
 *   text: ww_decision_parse() + ww_decision_text() (answer from per-channel fragments)
 * Before timing, every request is decided both ways and the texts must be byte-identical
 * (the same check runs in `meson test`: tests/unit/decision/test_text_answer.c).
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
#include "corpus.h"

typedef struct loop_result { unsigned long done, allocs; double secs; } loop_result;

__attribute__((noinline)) static loop_result run_loop(ww_rules *rules, const corpus *c, int text,
                                                      double seconds, unsigned long count) {
  loop_result r = {0, 0, 0};
  ww_err err = {0};
  unsigned long a0 = atomic_load(&allocs);
  double t0 = now_s(), t1;
  for (;;) {
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
  corpus c;
  if (corpus_load(&c, dir, rules) != 0) return 1;
  /* check: every request valid, and the text path byte-identical to the tree answer */
  if (corpus_check_text(rules, &c) != 0) return 1;
  printf("bench_decide: rules %s (version %s), corpus %zu requests (%zu services, %zu with "
         "session, %zu with status overrides); limits on (defaults)\n",
         dir, ww_rules_version(rules), c.n, c.nsvc, c.nsess, c.nstat);
  for (int text = 0; text < 2; text++) {
    loop_result r = run_loop(rules, &c, text, seconds, count);
    double per = r.secs / (double)r.done;
    printf("%-5s decisions/s %.0f  ns/decision %.0f  allocations/decision %.1f\n",
           text ? "text" : "json", 1.0 / per, per * 1e9, (double)r.allocs / (double)r.done);
  }
  unsigned long failures, budget, memory;
  ww_decision_failures(rules, &failures, &budget, &memory);
  printf("failures %lu\n", failures);
  corpus_free(&c);
  ww_rules_free(rules);
  return 0;
}
