#define _GNU_SOURCE
/* Integration: the time limits of rules on the real binary (issue 19). A rule set whose rule
 * hangs in slow Lua instructions (== on 1 MiB strings, which no C function can be charged
 * for) must not stop the server: on --workers 2 with two clients sending only such
 * requests, /healthz still answers within 50 ms, and every hostile request gets the
 * fallback advice.
 * A rule file that hangs while loading fails the reload (422, FILE:LINE) within
 * --load-timeout, and later reloads (POST and SIGHUP) work; `wegwijzer check` ends too.
 * Before the limits the hostile requests ran for minutes and the first hanging reload held
 * the reload lock for ever. Not run under valgrind (it measures time) nor in parallel. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops_test.h"

static ww_proc srv;
static char tmpdir[256], rules[300], tokens[320];

static void setup(void) { ops_setup_rules(&srv, tmpdir, rules, tokens); }
static void teardown(void) { ops_teardown(&srv, tmpdir); }

TestSuite(watchdog, .init = setup, .fini = teardown, .timeout = 240);

static void serve(const char *const *more) { ops_serve(&srv, rules, tokens, more); }

/* Two equal 1 MiB strings compared for ever: each == is one slow VM instruction. */
#define SLOW_LOOP                                                                        \
  "local big, big2 = (\"a\"):rep(1 << 20), (\"a\"):rep(1 << 20)\n"                       \
  "local function spin() local n = 0 while true do if big == big2 then n = n + 1 end end end\n"

static const char HOSTILE_RULE[] =
    "-- integration test: hangs on request (context.intent \"vast\")\n" SLOW_LOOP
    "rule \"vastlopen\" {\n"
    "  priority = 1000,\n"
    "  context = { intent = \"vast\" },\n"
    "  advise = function(r, a) spin() end,\n"
    "}\n";

static const char HOSTILE_BODY[] =
    "{\"service\":\"uittreksel_brp\",\"context\":{\"intent\":\"vast\"}}";

/* ---- clients that send only hostile requests ---- */

typedef struct hostile {
  pthread_t t;
  int port;
  atomic_int *stop;
  long answered, not_degraded, failed;
} hostile;

static void *hostile_main(void *hv) {
  hostile *h = hv;
  const char *headers = ops_headers(OPS_ADVICE_TOKEN, 1);
  ww_client *c = ww_client_connect(h->port);
  while (c && !atomic_load(h->stop)) {
    ww_http_resp r;
    memset(&r, 0, sizeof r);
    if (ww_client_request(c, "POST", "/v1/advice", headers, HOSTILE_BODY, &r) != 0 ||
        r.status != 200) {
      h->failed++;
      ww_http_resp_free(&r);
      break;
    }
    h->answered++;
    json_t *b = ww_http_json(&r);
    if (!json_is_true(json_object_get(b, "degraded"))) h->not_degraded++;
    json_decref(b);
    ww_http_resp_free(&r);
  }
  ww_client_close(c);
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* One round: NS requests to /healthz on fresh connections, 20 ms apart; their times sorted
 * into 'ms'. */
enum { NS = 30 };
static void healthz_round(double ms[NS]) {
  for (int i = 0; i < NS; i++) {
    ww_http_resp r;
    double t0 = ww_now_ms();
    cr_assert_eq(ww_http_request(srv.port, "GET", "/healthz", NULL, NULL, &r), 0,
                 "healthz %d failed", i);
    ms[i] = ww_now_ms() - t0;
    cr_assert_eq(r.status, 200);
    ww_http_resp_free(&r);
    struct timespec gap = {0, 20 * 1000 * 1000};
    nanosleep(&gap, NULL);
  }
  qsort(ms, NS, sizeof ms[0], cmp_double);
}

/* The red team's case: two clients whose every request hangs in a rule, on --workers 2.
 * A worker answers other requests between two hostile decisions of at most the decision
 * limit (5 ms) each; a new connection takes two turns of its loop. This machine is shared
 * with other builds and benchmarks, whose load alone can delay an answer by 100 ms: a
 * round passes when 9 in 10 answers took under 50 ms and none took a second, and one of
 * three rounds must pass. Before the limits no answer came back at all. */
Test(watchdog, healthz_stays_fast_while_every_request_hangs_in_a_rule) {
  ops_write(rules, "steering/zz_vastlopen.lua", HOSTILE_RULE);
  const char *more[] = {"--workers", "2", NULL};
  serve(more);
  atomic_int stop = 0;
  enum { NH = 2 };
  hostile h[NH];
  memset(h, 0, sizeof h);
  for (int i = 0; i < NH; i++) {
    h[i].port = srv.port;
    h[i].stop = &stop;
    cr_assert_eq(pthread_create(&h[i].t, NULL, hostile_main, &h[i]), 0);
  }
  struct timespec settle = {0, 300 * 1000 * 1000};
  nanosleep(&settle, NULL);
  double ms[NS];
  int passed = 0;
  for (int round = 0; round < 3 && !passed; round++) {
    healthz_round(ms);
    cr_log_info("healthz under hostile load, round %d: median %.1f ms, p90 %.1f ms, worst "
                "%.1f ms", round + 1, ms[NS / 2], ms[NS * 9 / 10], ms[NS - 1]);
    passed = ms[NS * 9 / 10] < 50.0 && ms[NS - 1] < 1000.0;
  }
  atomic_store(&stop, 1);
  long answered = 0;
  for (int i = 0; i < NH; i++) {
    pthread_join(h[i].t, NULL);
    cr_assert_eq(h[i].failed, 0, "hostile client %d got no answer", i);
    cr_assert_eq(h[i].not_degraded, 0, "a hanging rule gave a normal answer");
    answered += h[i].answered;
  }
  cr_assert(passed, "/healthz while rules hung, last round: median %.1f ms, p90 %.1f ms, "
            "worst %.1f ms", ms[NS / 2], ms[NS * 9 / 10], ms[NS - 1]);
  cr_assert_gt(answered, NH, "the hostile requests were not answered");
  cr_assert(ww_proc_wait_log(&srv, "the rules ran longer than 5 ms", 5000),
            "the time limit is not in the log");
  ww_test_stop(&srv);   /* SIGTERM: exits 0 within the grace */
}

/* ---- loading ---- */

static const char HANGING_FILE[] =
    "-- integration test: never finishes loading\n" SLOW_LOOP "spin()\n";

static int reload_admin(json_t **body) {
  return ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, body);
}

Test(watchdog, a_hanging_rule_file_fails_the_reload_and_later_reloads_work) {
  const char *more[] = {"--workers", "2", "--load-timeout", "1000", NULL};
  serve(more);
  char before[16], after[16];
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, before);
  cr_assert(before[0]);

  /* 1. a file that hangs at its top: 422 naming it, within the limit, old set stays */
  ops_write(rules, "steering/zz_hangt.lua", HANGING_FILE);
  json_t *b = NULL;
  double t0 = ww_now_ms();
  int st = reload_admin(&b);
  double took = ww_now_ms() - t0;
  cr_assert_eq(st, 422, "status %d", st);
  cr_assert_str_eq(ops_str(b, "code"), "ruleset_invalid");
  cr_assert_str_eq(ops_str(b, "file"), "steering/zz_hangt.lua");
  cr_assert_gt(json_integer_value(json_object_get(b, "line")), 0);
  cr_assert(strstr(ops_str(b, "detail"), "loading took longer than 1000 ms"), "%s",
            ops_str(b, "detail"));
  cr_assert_lt(took, 4000.0, "the reload took %.0f ms", took);
  json_decref(b);
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, after);
  cr_assert_str_eq(after, before);

  /* 2. a file that asks the C library for unbounded work at its top: refused at once */
  ops_write(rules, "steering/zz_hangt.lua", "table.move({}, 1, 2^40, 1, {})\n");
  cr_assert_eq(reload_admin(&b), 422);
  cr_assert(strstr(ops_str(b, "detail"), "table.move: instruction budget exceeded"), "%s",
            ops_str(b, "detail"));
  json_decref(b);

  /* 3. fixed: the next reload works (nothing holds the reload lock) */
  ops_write(rules, "steering/zz_hangt.lua", "-- fixed\n");
  cr_assert_eq(reload_admin(&b), 200);
  json_decref(b);
  ops_rules_version(srv.port, OPS_ADMIN_TOKEN, after);
  cr_assert_str_neq(after, before);

  /* 4. SIGHUP: the hanging file is refused and logged; after the fix SIGHUP reloads */
  ops_write(rules, "steering/zz_hangt.lua", HANGING_FILE);
  cr_assert_eq(kill(srv.pid, SIGHUP), 0);
  cr_assert(ww_proc_wait_log(&srv, "SIGHUP: rule reload refused, the old rule set stays: "
                                   "steering/zz_hangt.lua:", 10000),
            "the hanging reload was not refused");
  cr_assert(ww_proc_wait_log(&srv, "loading took longer than 1000 ms", 1000));
  ops_write(rules, "steering/zz_hangt.lua", "-- fixed again\n");
  char fixed[16];
  snprintf(fixed, sizeof fixed, "%s", after);
  cr_assert_eq(kill(srv.pid, SIGHUP), 0);
  double end = ww_now_ms() + 10000;
  do {
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    ops_rules_version(srv.port, OPS_ADMIN_TOKEN, after);
  } while (strcmp(after, fixed) == 0 && ww_now_ms() < end);
  cr_assert_str_neq(after, fixed, "SIGHUP after the fix did not reload");
  ww_test_stop(&srv);
}

/* `wegwijzer check` on a set whose file hangs ends with the file and line (its load has
 * the default limit of 5 s), as do test and eval. */
Test(watchdog, check_test_and_eval_end_on_a_hanging_file) {
  ops_write(rules, "steering/zz_hangt.lua", HANGING_FILE);
  char out[300];
  snprintf(out, sizeof out, "%s/check.out", tmpdir);
  char cmd[2400];
  snprintf(cmd, sizeof cmd, "%s check %s > %s 2>&1", ww_test_binary(), rules, out);
  double t0 = ww_now_ms();
  cr_assert_eq(WEXITSTATUS(system(cmd)), 1);
  cr_assert_lt(ww_now_ms() - t0, 15000.0);
  char *text = ww_read_file(out, NULL);
  cr_assert(text && strstr(text, "steering/zz_hangt.lua:") &&
                strstr(text, "loading took longer than 5000 ms"),
            "%s", text ? text : "(no output)");
  free(text);
  ops_write(rules, "steering/zz_hangt.lua", "table.move({}, 1, 2^40, 1, {})\n");
  for (int i = 0; i < 2; i++) {
    snprintf(cmd, sizeof cmd, "echo '{\"service\":\"uittreksel_brp\"}' | %s %s %s %s > %s 2>&1",
             ww_test_binary(), i ? "eval" : "test", rules, i ? "-" : "", out);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 1);
    text = ww_read_file(out, NULL);
    cr_assert(text && strstr(text, "table.move: instruction budget exceeded"), "%s",
              text ? text : "(no output)");
    free(text);
  }
}
