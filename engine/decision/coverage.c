/* The rule tests' coverage (`wegwijzer test --coverage`, a draft's coverage, the
 * --min-coverage gate): per rule how many cases matched it and how many of those fired an
 * effect, and per steering-file line whether a case ran it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision_private.h"

typedef struct tally {
  ww_rules *R;
  int *matched, *fired;        /* [nrules] */
} tally;

static void on_seen(void *ud, const ww_verdict *v) {
  tally *t = ud;
  if (v == NULL) {             /* the cases are done: the duty-of-care check is no case */
    ww_host_lines_stop(t->R->host);
    return;
  }
  for (size_t k = 0; k < v->ntrace; k++) {
    const ww_step *s = &v->trace[k];
    if (!s->matched) continue;
    t->matched[s->rule]++;
    if (s->fx_to > s->fx_from) t->fired[s->rule]++;
  }
}

/* "steering/x.lua:12" -> {"file": "steering/x.lua", "line": 12} into 'o'. */
static void put_source(json_t *o, const char *source) {
  const char *colon = strrchr(source, ':');
  size_t n = colon ? (size_t)(colon - source) : strlen(source);
  json_object_set_new(o, "file", json_stringn(source, n));
  json_object_set_new(o, "line", json_integer(colon ? atoi(colon + 1) : 0));
}

int ww_decision_test_coverage(ww_rules *R, ww_case_fn line, void *ud, int *passed,
                              int *failed, json_t **coverage) {
  const ww_catalogue *cat = R->cat;
  tally t = {R, calloc((size_t)cat->nrules + 1, sizeof(int)),
             calloc((size_t)cat->nrules + 1, sizeof(int))};
  *coverage = NULL;
  if (t.matched == NULL || t.fired == NULL || ww_host_lines_start(R->host) != 0) {
    free(t.matched);
    free(t.fired);
    return WW_ENOMEM;
  }
  int nf = ww__decision_test(R, line, ud, passed, failed, on_seen, &t);
  ww_host_lines_stop(R->host);

  json_t *per = json_array(), *uncovered = json_array();
  int covered = 0;
  for (int i = 0; i < cat->nrules; i++) {
    const ww_rule_info *ri = &cat->rules[i];
    json_t *o = json_pack("{s:s}", "rule", ri->name);
    put_source(o, ri->source);
    if (t.matched[i] > 0) covered++;
    else json_array_append_new(uncovered, json_deep_copy(o));
    json_object_set_new(o, "matched", json_integer(t.matched[i]));
    json_object_set_new(o, "fired", json_integer(t.fired[i]));
    json_array_append_new(per, o);
  }
  json_t *files = ww_host_lines(R->host);
  size_t lines_run = 0, lines_all = 0;
  const char *k;
  json_t *f;
  json_object_foreach(files, k, f) {
    lines_run += json_array_size(json_object_get(f, "run"));
    lines_all += json_array_size(json_object_get(f, "run")) +
                 json_array_size(json_object_get(f, "notRun"));
  }
  *coverage = json_pack("{s:{s:i, s:i}, s:{s:I, s:I}, s:o, s:o, s:o}", "rules", "covered",
                        covered, "total", cat->nrules, "lines", "covered",
                        (json_int_t)lines_run, "total", (json_int_t)lines_all, "uncovered",
                        uncovered, "perRule", per, "files", files);
  free(t.matched);
  free(t.fired);
  return nf;
}

/* covered / total as a percentage; 100 when there is nothing to cover. */
static double pct(const json_t *o) {
  json_int_t c = json_integer_value(json_object_get(o, "covered"));
  json_int_t n = json_integer_value(json_object_get(o, "total"));
  return n > 0 ? 100.0 * (double)c / (double)n : 100.0;
}

int ww_decision_coverage_below(const json_t *cov, double min_pct, char *why, size_t n) {
  double r = pct(json_object_get(cov, "rules")), l = pct(json_object_get(cov, "lines"));
  if (r >= min_pct && l >= min_pct) return 0;
  const json_t *u = json_array_get(json_object_get(cov, "uncovered"), 0);
  char first[300] = "";
  if (u)
    snprintf(first, sizeof first, "; no case reaches rule \"%s\" (%s:%d)",
             json_string_value(json_object_get(u, "rule")),
             json_string_value(json_object_get(u, "file")),
             (int)json_integer_value(json_object_get(u, "line")));
  snprintf(why, n, "the rule tests cover %.1f%% of the rules and %.1f%% of the steering lines, "
           "less than the %.1f%% asked (--min-coverage)%s; add cases to tests/ "
           "(wegwijzer test --coverage shows what they miss)", r, l, min_pct, first);
  return 1;
}
