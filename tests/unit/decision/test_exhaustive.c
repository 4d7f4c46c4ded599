/* engine/decision/exhaustive.c: the duty-of-care proof finds a planted counterexample, finds
 * leaks that hide behind a helper, pairs() and a time in the text, every counterexample it
 * prints is one (decided again with ww_decide), and the bundled rules pass, also on
 * random situations decided one by one. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision.h"
#include "util/tztime.h"

#ifndef WW_SOURCE_ROOT
#error "WW_SOURCE_ROOT must name the source tree"
#endif

static ww_rules *load(const char *rel, json_t **texts) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", WW_SOURCE_ROOT, rel);
  ww_err err = {0};
  ww_limits lim = {0};
  lim.decision_timeout_ms = 60000;   /* a busy machine must not turn a run into the fallback */
  ww_rules *r = ww_rules_load(dir, &lim, &err);
  cr_assert_not_null(r, "%s", err.msg);
  *texts = ww_decision_rule_texts(r, dir);
  return r;
}

static int has_need(const json_t *citizen, const char *need) {
  size_t i;
  json_t *n;
  json_array_foreach(json_object_get(citizen, "needs"), i, n)
      if (strcmp(json_string_value(n), need) == 0) return 1;
  return 0;
}

/* The invariant, decided from an answer: a kept channel where a person helps, a callback or
 * post that this citizen can use. */
static int only_digital(const json_t *ans, const json_t *citizen) {
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(ans, "channels"), i, c) {
    const char *kind = json_string_value(json_object_get(c, "kind"));
    if ((strcmp(kind, "phone") == 0 || strcmp(kind, "callback") == 0) &&
        has_need(citizen, "hearing"))
      continue;
    if ((strcmp(kind, "post") == 0 || strcmp(kind, "callback") == 0) &&
        has_need(citizen, "visual"))
      continue;
    if (json_is_true(json_object_get(c, "assisted")) || strcmp(kind, "callback") == 0 ||
        strcmp(kind, "post") == 0)
      return 0;
  }
  return 1;
}

static json_t *decide(ww_rules *r, const json_t *req, const json_t *status) {
  static const unsigned char secret[] = "test";
  ww_decide_opts o = {0};
  o.secret = secret;
  o.secret_len = 4;
  o.status = json_is_object(status) ? status : NULL;
  json_t *out = NULL;
  ww_err err = {0};
  cr_assert_eq(ww_decide(r, req, &o, &out, &err), 0, "%s", err.msg);
  cr_assert(!json_is_true(json_object_get(out, "degraded")));
  return out;
}

/* Every example (the first 200 of each service) is a real counterexample; returns a bit per
 * service named in 'svcs'. */
static unsigned replay_examples(ww_rules *r, const ww_exhaustive_result *res,
                                const char *const *svcs) {
  unsigned seen = 0;
  int count[32] = {0};
  size_t i;
  json_t *e;
  json_array_foreach(res->examples, i, e) {
    const json_t *req = json_object_get(e, "request");
    int k = 0;
    while (svcs[k] && strcmp(json_string_value(json_object_get(req, "service")), svcs[k])) k++;
    if (count[k]++ >= 200) continue;   /* enough of one service */
    json_t *ans = decide(r, req, json_object_get(e, "status"));
    cr_assert(only_digital(ans, json_object_get(req, "citizen")), "not a counterexample: %s",
              json_dumps(e, JSON_COMPACT));
    json_decref(ans);
    for (int k = 0; svcs[k]; k++)
      if (strcmp(json_string_value(json_object_get(req, "service")), svcs[k]) == 0)
        seen |= 1u << k;
  }
  return seen;
}

static int64_t week(void) {
  int64_t t;
  ww_time_parse_local("2026-12-07", &t);
  return t;
}

/* The proof of the rule set at 'rel' in the week of 2026-12-07, complete; the rules (new)
 * and its result into 'res'. */
static ww_rules *prove(const char *rel, int max, int per_service, ww_exhaustive_result *res) {
  json_t *texts;
  ww_rules *r = load(rel, &texts);
  ww_exhaustive_opts o = {0};
  o.week = week();
  o.max_examples = max;
  o.max_examples_per_service = per_service;
  cr_assert_eq(ww_decision_exhaustive(r, texts, &o, res), 0);
  cr_assert(res->complete);
  json_decref(texts);
  return r;
}

TestSuite(exhaustive, .timeout = 120);

Test(exhaustive, finds_the_planted_counterexample) {
  ww_exhaustive_result res;
  ww_rules *r = prove("tests/rules/fixtures/zorgplicht-lek", 100000, 0, &res);
  cr_assert_eq(res.situations, res.total);
  /* exactly: service verhuizing x digitalSkills "high" (any other field) x friday 09:00
   * (balie open, telefoon closed by an override) */
  unsigned long long others = 1;
  const char *k;
  json_t *vals;
  json_object_foreach(json_object_get(res.scope, "values"), k, vals)
      if (strcmp(k, "digitalSkills") != 0) others *= json_array_size(vals);
  cr_assert_eq(res.violations, others);
  size_t i;
  json_t *e;
  json_array_foreach(res.examples, i, e) {
    const json_t *req = json_object_get(e, "request");
    cr_assert_str_eq(json_string_value(json_object_get(req, "service")), "verhuizing");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(req, "citizen"),
                                                       "digitalSkills")), "high");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(req, "context"), "time")),
                     "2026-12-11T09:00:00+01:00");
    cr_assert_not_null(json_object_get(json_object_get(e, "status"), "telefoon"));
    char text[600];   /* in plain Dutch, as a draft and the reload gate show it */
    ww_exhaustive_describe(e, text, sizeof text);
    cr_assert(strstr(text, "Dienst \"verhuizing\", inwoner met digitalSkills \"high\"") &&
              strstr(text, "op 2026-12-11 om 09:00, als \"telefoon\" dicht is door een storing: "
                           "het advies houdt alleen digitale kanalen"), "%s", text);
  }
  static const char *const svcs[] = {"verhuizing", NULL};
  cr_assert_eq(replay_examples(r, &res, svcs), 1u);
  ww_exhaustive_result_clear(&res);
  ww_rules_free(r);
}

Test(exhaustive, sees_through_helpers_pairs_and_times_in_the_text) {
  ww_exhaustive_result res;
  ww_rules *r = prove("tests/rules/fixtures/zorgplicht-lastig", 1000, 100, &res);
  cr_assert_gt(res.violations, 0);
  static const char *const svcs[] = {"uittreksel_brp", "verhuizing", "parkeervergunning", NULL};
  cr_assert_eq(replay_examples(r, &res, svcs), 7u, "each of the three leaks is found");
  ww_exhaustive_result_clear(&res);
  ww_rules_free(r);
}

Test(exhaustive, bundled_rules_pass_and_random_situations_agree) {
  ww_exhaustive_result res;
  ww_rules *r = prove("rules", 0, 0, &res);
  cr_assert_eq(res.violations, 0, "%s", json_dumps(res.examples, JSON_COMPACT));
  /* 2000 situations of the same space, decided one by one: none breaks it either */
  json_t *info = ww_rules_info(r), *svcs = ww_decision_services(r);
  json_t *values = json_object_get(res.scope, "values");
  json_t *chans = ww_rules_channels(r, week(), NULL);
  srand(14);
  for (int n = 0; n < 2000; n++) {
    json_t *svc = json_array_get(json_object_get(svcs, "services"),
                                 (size_t)rand() % json_array_size(json_object_get(svcs, "services")));
    json_t *cit = json_object();
    const char *k;
    json_t *vals;
    json_object_foreach(values, k, vals) {
      json_t *v = json_array_get(vals, (size_t)rand() % json_array_size(vals));
      if (json_is_null(v)) continue;
      json_object_set_new(cit, k, strcmp(k, "needs") == 0 ? json_pack("[O]", v) : json_copy(v));
    }
    char at[32];
    ww_time_format(week() + (rand() % (7 * 96)) * 900, at);
    json_t *req = json_pack("{s:O, s:o, s:{s:s}}", "service", json_object_get(svc, "id"),
                            "citizen", cit, "context", "time", at);
    json_t *status = NULL;
    int c = rand() % ((int)json_array_size(json_object_get(chans, "channels")) + 1);
    if (c > 0)
      status = json_pack("{s:{s:b, s:s}}",
                         json_string_value(json_object_get(
                             json_array_get(json_object_get(chans, "channels"), (size_t)c - 1),
                             "id")),
                         "open", 0, "reason", "test");
    json_t *ans = decide(r, req, status);
    cr_assert(!only_digital(ans, json_object_get(req, "citizen")), "%s %s",
              json_dumps(req, JSON_COMPACT), status ? json_dumps(status, JSON_COMPACT) : "");
    json_decref(ans);
    json_decref(req);
    json_decref(status);
  }
  json_decref(chans);
  json_decref(svcs);
  json_decref(info);
  ww_exhaustive_result_clear(&res);
  ww_rules_free(r);
}
