/* The wall-clock limits of loads and rule tests (issue 19): a rule file that never finishes
 * loading fails the load with its FILE:LINE once the load limit passes; a test case whose
 * rule hangs fails, and the cases after it are reported as not run, once the tests
 * together pass the load limit. The hang is == on two 1 MiB strings: no C function to
 * charge, one slow instruction at a time, which only the time limit ends. Before the
 * limits both ran past the test's timeout. */
#include "helpers.h"

#define SLOW_LOOP                                                                        \
  "local big, big2 = (\"a\"):rep(1 << 20), (\"a\"):rep(1 << 20)\n"                       \
  "local function spin() local n = 0 while true do if big == big2 then n = n + 1 end end end\n"


static char dir[64];

static void setup(void) { scratch_new(dir, sizeof dir, SCRATCH_CHANNELS, SCRATCH_SERVICES); }
static void teardown(void) { scratch_remove(dir); }

TestSuite(time_limits, .init = setup, .fini = teardown, .timeout = 30);

/* ww_decision_test's lines, as `wegwijzer test` prints them, into the buffer 'ud' (2000). */
static void collect_line(void *ud, const char *name, int ok, const char *why) {
  char *log = ud;
  size_t l = strlen(log);
  if (ok) snprintf(log + l, 2000 - l, "ok %s\n", name);
  else snprintf(log + l, 2000 - l, "FAIL %s: %s\n", name, why ? why : "");
}

Test(time_limits, a_file_that_never_finishes_loading_fails_at_its_line) {
  scratch_put(dir, "steering/hangt.lua", "-- never finishes\n" SLOW_LOOP "\nspin()\n");
  ww_limits lim = {.load_timeout_ms = 300, .instructions = 100000000};
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, &lim, &err);
  if (r) ww_rules_free(r);
  cr_assert_null(r, "the load did not end on its limit");
  cr_assert_str_eq(err.file, "steering/hangt.lua");
  cr_assert_eq(err.line, 3, "line %d: %s", err.line, err.msg);
  cr_assert(strstr(err.msg, "steering/hangt.lua:3: loading took longer than 300 ms (the "
                            "time limit for loading a rule set"), "%s", err.msg);
  ww_err_clear(&err);
}

Test(time_limits, a_hanging_test_case_fails_and_the_rest_are_not_run) {
  scratch_put(dir, "steering/hangt.lua",
              SLOW_LOOP "rule \"vast\" { context = { intent = \"vast\" },\n"
                        "  advise = function(r, a) spin() end }\n");
  scratch_put(dir, "tests/cases.lua",
              "case \"normaal\" { request = { service = \"afval\" }, expect = { first = \"website\" } }\n"
              "case \"hangt\" { request = { service = \"afval\", context = { intent = \"vast\" } },\n"
              "  expect = { first = \"website\" } }\n"
              "case \"daarna\" { request = { service = \"afval\" }, expect = { first = \"website\" } }\n");
  ww_limits lim = {.load_timeout_ms = 300, .decision_timeout_ms = 60000};
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, &lim, &err);
  cr_assert_not_null(r, "%s", err.msg);
  char log[2000] = "";
  int passed = -1, failed = -1;
  cr_assert_eq(ww_decision_test(r, collect_line, log, &passed, &failed), failed);
  cr_assert(strstr(log, "ok normaal\n"), "%s", log);
  cr_assert(strstr(log, "FAIL hangt: the rules failed at run time: rule \"vast\" "
                        "(steering/hangt.lua:3): steering/hangt.lua:2: the rule tests took "
                        "longer than 300 ms together"), "%s", log);
  cr_assert(strstr(log, "FAIL daarna: not run: the rule tests took longer than 300 ms"), "%s",
            log);
  cr_assert_eq(passed, 1);
  cr_assert_eq(failed, 3, "%s", log);   /* hangt, daarna, zorgplicht afval */
  /* the limit was the tests': decisions afterwards have their own again */
  json_t *a = decide_json(r, "{\"service\":\"afval\"}", 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  json_decref(a);
  ww_rules_free(r);
}
