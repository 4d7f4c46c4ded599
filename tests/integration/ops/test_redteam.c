#define _GNU_SOURCE
/* Integration: the red team's second pass over issue 19 on the real binary, with rule sets
 * written by an attacker (as the rule sets uploaded over HTTP will be).
 *
 * - xpcall with a message handler that loops: before, Lua ran the handler for a limit
 *   error inside the count hook, without hooks: two such requests hung both workers of
 *   --workers 2 for good (/healthz too), and the same at the top of a file hung the reload.
 * - A rule's error text is logged once per failing request: before, in full (1 MiB per
 *   request from error(("x"):rep(2^20))), and an error that was not UTF-8 lost its fields.
 * - POST /v1/rules/reload with a body that is not a JSON object: 400, as documented, and
 *   nothing reloaded (before: the reload ran and answered 200). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops_test.h"

static ww_proc srv;
static char tmpdir[256], rules[300], tokens[320];

static void setup(void) { ops_setup_rules(&srv, tmpdir, rules, tokens); }
static void teardown(void) { ops_teardown(&srv, tmpdir); }

TestSuite(redteam, .init = setup, .fini = teardown, .timeout = 120);

static const char XPCALL_RULE[] =
    "-- integration test: a message handler that loops (context.intent \"xpcall\")\n"
    "local function spin() while true do end end\n"
    "rule \"xpcall\" {\n"
    "  priority = 1000,\n"
    "  context = { intent = \"xpcall\" },\n"
    "  advise = function(r, a) xpcall(spin, spin) end,\n"
    "}\n";

static int advice(const char *intent, json_t **out) {
  char body[200];
  snprintf(body, sizeof body, "{\"service\":\"uittreksel_brp\",\"context\":{\"intent\":\"%s\"}}",
           intent);
  return ops_req(srv.port, "POST", "/v1/advice", OPS_ADVICE_TOKEN, body, out);
}

Test(redteam, xpcall_handlers_that_loop_hang_neither_workers_nor_reloads) {
  ops_write(rules, "steering/zz_xpcall.lua", XPCALL_RULE);
  const char *more[] = {"--workers", "2", "--load-timeout", "1000", NULL};
  ops_serve(&srv, rules, tokens, more);
  for (int i = 0; i < 4; i++) {   /* more than the workers: each one answered */
    json_t *b = NULL;
    cr_assert_eq(advice("xpcall", &b), 200, "hostile request %d got no answer", i);
    cr_assert(json_is_true(json_object_get(b, "degraded")), "request %d not degraded", i);
    json_decref(b);
  }
  cr_assert_eq(ops_req(srv.port, "GET", "/healthz", NULL, NULL, NULL), 200);
  json_t *b = NULL;
  cr_assert_eq(advice("gewoon", &b), 200);
  cr_assert(json_is_false(json_object_get(b, "degraded")));
  json_decref(b);

  /* at the top of a file: the reload fails, the next one works */
  ops_write(rules, "steering/zz_xpcall.lua",
            "local function spin() while true do end end\nxpcall(spin, spin)\n");
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, &b), 422);
  cr_assert_str_eq(ops_str(b, "file"), "steering/zz_xpcall.lua");
  json_decref(b);
  ops_write(rules, "steering/zz_xpcall.lua", "-- fixed\n");
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, NULL), 200);
  ww_test_stop(&srv);
}

static const char ERROR_RULES[] =
    "-- integration test: rule errors of 1 MB and not UTF-8\n"
    "local long = (\"\\xc3\\xa9\"):rep(500000)   -- e-acute, 1 MB\n"
    "rule \"lang\" { priority = 1000, context = { intent = \"lang\" },\n"
    "  advise = function(r, a) error(long) end }\n"
    "rule \"raar\" { priority = 1000, context = { intent = \"raar\" },\n"
    "  advise = function(r, a) error(\"raar \\xff\\xfe tekst\") end }\n";

/* The log line that says rule 'name' failed, new (NULL when none). */
static char *failure_line(const char *name) {
  char needle[100];
  snprintf(needle, sizeof needle, "\"rule\":\"%s\"", name);
  cr_assert(ww_proc_wait_log(&srv, needle, 5000), "no log line for rule %s", name);
  char *log = ww_read_file(srv.log, NULL);
  cr_assert_not_null(log);
  char *at = strstr(log, needle);
  while (at > log && at[-1] != '\n') at--;
  char *end = strchr(at, '\n');
  char *line = strndup(at, end ? (size_t)(end - at) : strlen(at));
  free(log);
  return line;
}

Test(redteam, rule_errors_are_logged_short_and_as_text) {
  ops_write(rules, "steering/zz_errors.lua", ERROR_RULES);
  ops_serve(&srv, rules, tokens, NULL);
  for (int i = 0; i < 2; i++) {
    json_t *b = NULL;
    cr_assert_eq(advice(i ? "raar" : "lang", &b), 200);
    cr_assert(json_is_true(json_object_get(b, "degraded")));
    json_decref(b);
  }
  char *line = failure_line("lang");
  cr_assert_lt(strlen(line), 1000, "a %zu-byte log line for one failing request",
               strlen(line));
  json_t *j = json_loads(line, 0, NULL);
  cr_assert_not_null(j, "not JSON: %.300s", line);
  const char *e = ops_str(j, "error");
  cr_assert(e && strncmp(e, "steering/zz_errors.lua:4: \xc3\xa9\xc3\xa9", 28) == 0, "%s", line);
  json_decref(j);
  free(line);

  line = failure_line("raar");
  j = json_loads(line, 0, NULL);
  cr_assert_not_null(j, "not JSON: %s", line);
  e = ops_str(j, "error");
  cr_assert(e && strstr(e, "raar ?? tekst"), "the error is missing: %s", line);
  json_decref(j);
  free(line);
  ww_test_stop(&srv);
}

Test(redteam, a_reload_with_a_bad_body_is_400_and_reloads_nothing) {
  ops_serve(&srv, rules, tokens, NULL);
  char before[16], after[16];
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, before);
  cr_assert(before[0]);
  ops_write(rules, "steering/zz_nieuw.lua", "-- a change the bad reloads must not load\n");
  static const char *const bodies[] = {"[1]", "{\"x\":", "\"reload\""};
  for (int i = 0; i < 3; i++) {
    json_t *b = NULL;
    int st = ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, bodies[i], &b);
    cr_assert_eq(st, 400, "body %s: status %d", bodies[i], st);
    cr_assert_str_eq(ops_str(b, "code"), "invalid_json", "body %s", bodies[i]);
    json_decref(b);
    ops_rules_version(srv.port, OPS_ADMIN_TOKEN, after);
    cr_assert_str_eq(after, before, "body %s reloaded the rules", bodies[i]);
  }
  ww_http_resp r;
  cr_assert_eq(ww_http_request(srv.port, "POST", "/v1/rules/reload",
                               "Authorization: Bearer " OPS_ADMIN_TOKEN "\r\n"
                               "Content-Type: text/plain\r\n", "{}", &r), 0);
  cr_assert_eq(r.status, 415);
  ww_http_resp_free(&r);
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, after);
  cr_assert_str_eq(after, before);
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, "{}", NULL), 200);
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, NULL), 200);
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, after);
  cr_assert_str_neq(after, before);
  ww_test_stop(&srv);
}
