/* Integration (issue 17 §3): a refused reload lists every error of the rule set, each
 * FILE:LINE, not only the first; a reload with a slip ("bedoelt u ...?") loads and shows
 * its warnings in the answer and in GET /v1/rules; with --strict-rules the same slip is
 * refused and the old rule set keeps serving. Over HTTP against the real binary, through
 * the OpenAPI traffic check. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ops_test.h"

static ww_proc srv;
static char tmpdir[256], rules[300], tokens[320];

static void setup(void) { ops_setup_rules(&srv, tmpdir, rules, tokens); }
static void teardown(void) { ops_teardown(&srv, tmpdir); }

TestSuite(rule_checks, .init = setup, .fini = teardown, .timeout = 120);

static int reload(json_t **body) {
  return ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, body);
}

/* Whether one of the texts in array 'a' contains both 'x' and 'y'. */
static int any_has(const json_t *a, const char *x, const char *y) {
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    const char *s = json_string_value(v);
    if (s && strstr(s, x) && strstr(s, y)) return 1;
  }
  return 0;
}

/* A typo in a service field and a rule condition one slip from a citizen field. */
static void add_slips(void) {
  ops_append(rules, "services.lua",
             "\nservice \"test_typo\" { name = \"Testdienst\", presense = true }\n");
  ops_write(rules, "steering/zz_typo.lua",
            "rule \"test: digitaal\" { citizen = { digitalskills = \"low\" },\n"
            "  advise = function(r, a) a:prefer(\"telefoon\", 1) end }\n");
}

Test(rule_checks, a_refused_reload_lists_every_error) {
  ops_serve(&srv, rules, tokens, NULL);
  char before[16];
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, before);
  ops_append(rules, "channels.lua", "\nchannel \"test_chat\" { name = \"Chat\", kind = \"praten\" }\n");
  ops_write(rules, "steering/zz_a.lua",
            "rule \"test: a\" { priorty = 5, advise = function(r, a) end }\n"
            "rule \"test: b\" { advise = function(r, a) a:prefer(\"telefon\", 5) end }\n");
  ops_write(rules, "steering/zz_b.lua", "rule \"test: c\" { advise = function(r, a)\n");
  json_t *b = NULL;
  int st = reload(&b);
  cr_assert_eq(st, 422, "%d", st);
  cr_assert_str_eq(ops_str(b, "code"), "ruleset_invalid");
  json_t *errs = json_object_get(b, "errors");
  cr_assert_eq(json_array_size(errs), 4, "%s", json_dumps(b, 0));
  cr_assert_str_eq(json_string_value(json_array_get(errs, 0)), ops_str(b, "detail"));
  cr_assert(any_has(errs, "channels.lua:", "kind must be one of"));
  cr_assert(any_has(errs, "steering/zz_a.lua:1: ", "bedoelt u \"priority\"?"));
  cr_assert(any_has(errs, "steering/zz_b.lua:2: syntax error", "er mist een end"));
  cr_assert(any_has(errs, "steering/zz_a.lua:2: ", "unknown channel \"telefon\""));
  json_decref(b);
  char now[16];
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, now);
  cr_assert_str_eq(now, before, "the old rule set stays");
}

Test(rule_checks, a_slip_loads_with_its_warnings) {
  ops_serve(&srv, rules, tokens, NULL);
  json_t *b = NULL;
  cr_assert_eq(ops_req(srv.port, "GET", "/v1/rules", OPS_ADMIN_TOKEN, NULL, &b), 200);
  cr_assert_eq(json_array_size(json_object_get(b, "warnings")), 0,
               "the bundled rules load without warnings: %s", json_dumps(b, 0));
  json_decref(b);
  add_slips();
  cr_assert_eq(reload(&b), 200, "%s", b ? json_dumps(b, 0) : "");
  json_t *w = json_object_get(b, "warnings");
  cr_assert(any_has(w, "services.lua:", "onbekend veld \"presense\"; bedoelt u \"presence\"?"),
            "%s", json_dumps(b, 0));
  cr_assert(any_has(w, "steering/zz_typo.lua:1: ", "bedoelt u \"digitalSkills\"?"));
  json_decref(b);
  cr_assert_eq(ops_req(srv.port, "GET", "/v1/rules", OPS_ADMIN_TOKEN, NULL, &b), 200);
  cr_assert_eq(json_array_size(json_object_get(b, "warnings")), 2, "%s", json_dumps(b, 0));
  json_decref(b);
}

Test(rule_checks, strict_rules_refuses_a_slip) {
  const char *more[] = {"--strict-rules", NULL};
  ops_serve(&srv, rules, tokens, more);
  /* a worker answers 503 until its rule set is loaded (readyz says so): ask until one is */
  char before[16];
  double end = ww_now_ms() + 5000;
  do ops_rules_version(srv.port, OPS_ADMIN_TOKEN, before);
  while (!before[0] && ww_now_ms() < end && (ops_nap_ms(20), 1));
  cr_assert(before[0], "no rule set loaded");
  add_slips();
  json_t *b = NULL;
  cr_assert_eq(reload(&b), 422, "%s", b ? json_dumps(b, 0) : "");
  cr_assert(strstr(ops_str(b, "detail"), "bedoelt u \"presence\"? (een fout met --strict)"),
            "%s", ops_str(b, "detail"));
  cr_assert_str_eq(ops_str(b, "file"), "services.lua");
  cr_assert_eq(json_array_size(json_object_get(b, "errors")), 2);
  json_decref(b);
  char now[16];
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, now);
  cr_assert_str_eq(now, before, "the old rule set stays");
}

/* The version once a worker has its rule set (a 503 just after the start). */
static void loaded_version(char out[16]) {
  double end = ww_now_ms() + 5000;
  do ops_rules_version(srv.port, OPS_ADMIN_TOKEN, out);
  while (!out[0] && ww_now_ms() < end && (ops_nap_ms(20), 1));
  cr_assert(out[0], "no rule set loaded");
}

static void version_stays(const char *before) {
  char now[16];
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, now);
  cr_assert_str_eq(now, before, "the old rule set stays");
}

Test(rule_checks, min_coverage_refuses_a_rule_no_case_reaches) {
  const char *more[] = {"--min-coverage", "100", NULL};
  ops_serve(&srv, rules, tokens, more);
  char before[16];
  loaded_version(before);
  ops_write(rules, "steering/zz_nieuw.lua",
            "rule \"test: nieuw\" { citizen = { language = \"pap\" },\n"
            "  advise = function(r, a) a:prefer(\"telefoon\", 1) end }\n");
  json_t *b = NULL;
  cr_assert_eq(reload(&b), 422, "%s", b ? json_dumps(b, 0) : "");
  cr_assert(strstr(ops_str(b, "detail"), "--min-coverage"), "%s", ops_str(b, "detail"));
  cr_assert_str_eq(ops_str(b, "file"), "steering/zz_nieuw.lua");
  cr_assert_eq(json_integer_value(json_object_get(b, "line")), 1);
  json_decref(b);
  version_stays(before);
  /* a case that reaches it: the same rule set goes live */
  ops_write(rules, "tests/zz_nieuw.lua",
            "case \"test: papiamento\" { request = { service = \"verhuizing\", citizen = "
            "{ language = \"pap\" }, context = { time = \"2026-12-01T10:00:00+01:00\" } },\n"
            "  expect = { included = { \"telefoon\" } } }\n");
  cr_assert_eq(reload(&b), 200, "%s", b ? json_dumps(b, 0) : "");
  json_decref(b);
}

Test(rule_checks, exhaustive_refuses_a_rule_set_that_leaves_only_digital_channels) {
  const char *more[] = {"--exhaustive", "--exhaustive-budget", "60000", NULL};
  ops_serve(&srv, rules, tokens, more);
  char before[16];
  loaded_version(before);
  /* on sundays a high-skilled citizen moving house gets the website only: no test sees it */
  ops_write(rules, "steering/zz_lek.lua",
            "rule \"test: zondag alleen online\" {\n"
            "  service = function(s) return s.id == \"verhuizing\" end,\n"
            "  citizen = { digitalSkills = \"high\" },\n"
            "  when = function(r) return r.context.weekday == \"sun\" end,\n"
            "  advise = function(r, a) a:only({ \"website\" }) end }\n");
  json_t *b = NULL;
  cr_assert_eq(reload(&b), 422, "%s", b ? json_dumps(b, 0) : "");
  const char *d = ops_str(b, "detail");
  cr_assert(strstr(d, "zorgplicht is niet bewezen") && strstr(d, "\"verhuizing\"") &&
            strstr(d, "digitalSkills \"high\""), "%s", d);
  cr_assert_str_eq(ops_str(b, "file"), "services.lua");
  char services[400];
  snprintf(services, sizeof services, "%s/services.lua", rules);
  cr_assert_eq(json_integer_value(json_object_get(b, "line")),
               ops_line_of(services, "service \"verhuizing\""));
  json_decref(b);
  version_stays(before);
  ops_write(rules, "steering/zz_lek.lua", "-- weg\n");
  cr_assert_eq(reload(&b), 200, "%s", b ? json_dumps(b, 0) : "");
  json_decref(b);
}
