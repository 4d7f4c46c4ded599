/* Load-time validation: FILE:LINE: message in plain words, exact file and line. And the
 * rule commands (check, test, eval) on small rule sets. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "helpers.h"

static char dir[256];

static const char CHANNELS[] =
    "channel \"website\" { name = \"Website\", kind = \"online\", base = 50 }\n"
    "channel \"telefoon\" { name = \"Telefoon\", kind = \"phone\", assisted = true,\n"
    "  route = { kind = \"queue\", queue = \"kcc\" } }\n"
    "fallback { channels = { \"telefoon\" }, route = \"telefoon\" }\n"
    "channel \"videobellen\" { name = \"Videobellen\", kind = \"video\", assisted = true }\n";
static const char SERVICES[] = "service \"afval\" { name = \"Grofvuil\" }\n";

static void put(const char *rel, const char *text) { scratch_put(dir, rel, text); }
static void setup(void) { scratch_new(dir, sizeof dir, CHANNELS, SERVICES); }
static void teardown(void) { scratch_remove(dir); }

TestSuite(validate, .init = setup, .fini = teardown, .timeout = 10);

/* Loads 'dir' expecting failure at file:line with a message containing 'text'. */
static void fails_at(const char *file, int line, const char *text) {
  scratch_fails_at(dir, file, line, text, NULL);
}

Test(validate, ok_set_loads) {
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(r, "%s", err.msg);
  ww_rules_free(r);
}

Test(validate, syntax_error) {
  put("steering/a.lua", "rule \"x\" {\n  advise = function(r, a)\n    a:prefer(\"website\" 10)\n  end,\n}\n");
  fails_at("steering/a.lua", 3, "syntax error: ')' expected");
}

Test(validate, missing_files) {
  char p[300];
  snprintf(p, sizeof p, "%s/services.lua", dir);
  unlink(p);
  fails_at("services.lua", 0, "file is missing");
}

Test(validate, bytecode_refused) {
  put("steering/b.lua", "\x1bLuaT\x00\x19\x93\r\n");
  fails_at("steering/b.lua", 0, "bytecode");
}

Test(validate, missing_name) {
  put("channels.lua", "-- c\nchannel \"web\" { kind = \"online\" }\n");
  fails_at("channels.lua", 2, "channel \"web\" needs a name");
}

Test(validate, bad_id) {
  put("channels.lua", "channel \"Web Site\" { name = \"W\", kind = \"online\" }\n");
  fails_at("channels.lua", 1, "id \"Web Site\" is not valid");
}

Test(validate, duplicate_channel) {
  put("channels.lua", "channel \"web\" { name = \"W\", kind = \"online\" }\n\n"
                      "channel \"web\" {\n name = \"W2\", kind = \"online\" }\n");
  fails_at("channels.lua", 3, "channel \"web\" is defined twice (first at channels.lua:1)");
}

Test(validate, duplicate_service) {
  put("services.lua", "service \"a\" { name = \"A\" }\nservice \"a\" { name = \"B\" }\n");
  fails_at("services.lua", 2, "service \"a\" is defined twice");
}

Test(validate, duplicate_rule) {
  put("steering/a.lua", "rule \"r1\" { advise = function(r, a) end }\n");
  put("steering/b.lua", "\nrule \"r1\" { advise = function(r, a) end }\n");
  fails_at("steering/b.lua", 2, "rule \"r1\" is defined twice (first at steering/a.lua:1)");
}

Test(validate, wrong_field_type) {
  put("channels.lua", "channel \"web\" { name = \"W\", kind = \"online\",\n assisted = \"yes\" }\n");
  fails_at("channels.lua", 1, "assisted must be true or false");
}

Test(validate, unknown_kind) {
  put("channels.lua", "channel \"web\" { name = \"W\", kind = \"counter\" }\n");
  fails_at("channels.lua", 1, "kind must be one of online");
}

Test(validate, unknown_auth_level) {
  put("services.lua", "\n\nservice \"paspoort\" { name = \"P\", auth = \"hoogg\" }\n");
  fails_at("services.lua", 3, "unknown DigiD/eHerkenning level \"hoogg\"");
}

Test(validate, bad_hours) {
  put("channels.lua", "channel \"t\" { name = \"T\", kind = \"phone\",\n"
                      "  hours = { mon = \"8:30-17:00\" } }\n");
  fails_at("channels.lua", 1, "hours.mon \"8:30-17:00\" is not a time range like \"08:30-17:00\"");
}

Test(validate, hours_end_before_start) {
  put("channels.lua", "channel \"t\" { name = \"T\", kind = \"phone\", hours = { tue = { \"08:00-12:00\", \"17:00-13:00\" } } }\n");
  fails_at("channels.lua", 1, "hours.tue \"17:00-13:00\" ends before it starts");
}

Test(validate, hours_unknown_day) {
  put("channels.lua", "channel \"t\" { name = \"T\", kind = \"phone\", hours = { maandag = \"08:00-12:00\" } }\n");
  fails_at("channels.lua", 1, "unknown day 'maandag'");
}

Test(validate, unknown_channel_in_fallback) {
  put("channels.lua", "channel \"website\" { name = \"W\", kind = \"online\" }\n"
                      "fallback { channels = { \"telefoon\" }, route = \"website\" }\n");
  fails_at("channels.lua", 2, "fallback names unknown channel \"telefoon\"");
}

Test(validate, fallback_route_without_route_table) {
  put("channels.lua", "channel \"website\" { name = \"W\", kind = \"online\" }\n"
                      "fallback { channels = { \"website\" }, route = \"website\" }\n");
  fails_at("channels.lua", 2, "without a route table");
}

Test(validate, missing_fallback) {
  put("channels.lua", "channel \"website\" { name = \"W\", kind = \"online\" }\n");
  fails_at("channels.lua", 0, "no fallback");
}

Test(validate, unknown_channel_in_targets) {
  put("steering/t.lua", "\ntargets { website = 0.5, balie = 0.2 }\n");
  fails_at("steering/t.lua", 2, "targets names unknown channel \"balie\"");
}

Test(validate, targets_sum) {
  put("steering/t.lua", "targets { website = 0.8, telefoon = 0.3 }\n");
  fails_at("steering/t.lua", 1, "add up to 1.10");
}

Test(validate, unknown_channel_in_rule_prefer) {
  put("steering/a.lua", "rule \"x\" {\n  advise = function(r, a)\n    -- a:prefer(\"old\") in a comment is fine\n"
                        "    a:prefer(\"website\", 10)\n    a:prefer(\"chatt\", 10, \"x\")\n  end,\n}\n");
  fails_at("steering/a.lua", 5, "unknown channel \"chatt\" in a:prefer(\"chatt\", ...)");
}

Test(validate, unknown_channel_in_rule_only) {
  put("steering/a.lua", "rule \"x\" {\n  advise = function(r, a) a:only({ \"website\",\n \"balie\" }, \"x\") end,\n}\n");
  fails_at("steering/a.lua", 3, "unknown channel \"balie\" in a:only");
}

Test(validate, unknown_channel_in_r_channels) {
  put("steering/a.lua", "rule \"x\" {\n when = function(r) return r.channels.telefoon.open and\n"
                        "   r.channels[\"balie\"].open end,\n advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 3, "unknown channel \"balie\" in r.channels[\"balie\"]");
  put("steering/a.lua", "rule \"x\" {\n when = function(r) return r.channels.chat.open end,\n"
                        " advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 2, "r.channels.chat");
}

Test(validate, rule_fields) {
  put("steering/a.lua", "rule \"x\" { advice = function(r, a) end }\n");
  fails_at("steering/a.lua", 1, "unknown field 'advice'");
  put("steering/a.lua", "rule \"x\" { when = true, advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 1, "when must be a function");
  put("steering/a.lua", "rule \"x\" { priority = 1 }\n");
  fails_at("steering/a.lua", 1, "needs advise");
}

Test(validate, case_outside_tests) {
  put("steering/a.lua", "case \"c\" { request = { service = \"afval\" }, expect = { first = \"website\" } }\n");
  fails_at("steering/a.lua", 1, "belongs in a file under tests/");
}

Test(validate, case_unknown_expect_key) {
  put("tests/a.lua", "\ncase \"c\" {\n  request = { service = \"afval\" },\n  expect = { frist = \"website\" } }\n");
  fails_at("tests/a.lua", 2, "expect has unknown check 'frist'");
}

Test(validate, case_unknown_service) {
  put("tests/a.lua", "case \"c\" { request = { service = \"paspoort\" }, expect = { first = \"website\" } }\n");
  fails_at("tests/a.lua", 1, "case \"c\": unknown service \"paspoort\"");
}

Test(validate, case_unknown_channel) {
  put("tests/a.lua", "case \"c\" { request = { service = \"afval\" }, expect = { excluded = { \"balie\" } } }\n");
  fails_at("tests/a.lua", 1, "expect.excluded names unknown channel \"balie\"");
}

Test(validate, runtime_error_while_loading) {
  put("steering/a.lua", "\n\nlocal x = nil\nchanel \"x\" { }\n");
  fails_at("steering/a.lua", 4, "attempt to call a nil value (global 'chanel')");
}

Test(validate, endless_loop_while_loading) {
  put("steering/a.lua", "while true do end\n");
  fails_at("steering/a.lua", 1, "instruction budget exceeded");
}

Test(validate, dsl_not_at_run_time) {
  put("steering/a.lua", "rule \"x\" { advise = function(r, a) channel \"y\" { name = \"Y\", kind = \"online\" } end }\n");
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(r, "%s", err.msg);
  json_t *a = decide_json(r, "{\"service\":\"afval\"}", 0);
  cr_assert(json_is_true(json_object_get(a, "degraded")));
  json_decref(a);
  ww_rules_free(r);
}

Test(validate, version_changes_with_content) {
  ww_err err = {0};
  ww_rules *a = ww_rules_load(dir, NULL, &err);
  char v1[13];
  snprintf(v1, sizeof v1, "%s", ww_rules_version(a));
  ww_rules_free(a);
  put("steering/z.lua", "-- a comment\n");
  ww_rules *b = ww_rules_load(dir, NULL, &err);
  cr_assert_str_neq(v1, ww_rules_version(b));
  ww_rules_free(b);
}

/* ---- the rule commands ---- */

static int run_cli(int (*fn)(int, char **), int argc, char **argv, char *out, size_t n) {
  return scratch_run_cli(dir, fn, argc, argv, out, n);
}

Test(validate, cli_check_test_eval) {
  put("steering/a.lua", "rule \"zorg\" { when = function(r) return r.citizen.digitalSkills == \"low\" end,\n"
                        "  advise = function(r, a) a:prefer(\"telefoon\", 60, \"Wij helpen u\") end }\n");
  put("tests/a.lua", "case \"goed\" { request = { service = \"afval\", citizen = { digitalSkills = \"low\" } },\n"
                     "  expect = { first = \"telefoon\" } }\n"
                     "case \"fout\" { request = { service = \"afval\" }, expect = { first = \"telefoon\" } }\n");
  char out[8192];
  char *check[] = {"check", dir};
  cr_assert_eq(run_cli(ww_cli_check, 2, check, out, sizeof out), 0);
  const char *want = "ok: 3 channels, 1 services, 1 rules, 2 cases (version ";
  cr_assert(strncmp(out, want, strlen(want)) == 0, "%s", out);
  char *test[] = {"test", dir};
  cr_assert_eq(run_cli(ww_cli_test, 2, test, out, sizeof out), 1);
  cr_assert(strstr(out, "ok   goed\n"), "%s", out);
  cr_assert(strstr(out, "FAIL fout: expected first \"telefoon\", got \"website\"\n"), "%s", out);
  cr_assert(strstr(out, "ok   zorgplicht afval\n"), "%s", out);
  cr_assert(strstr(out, "\n2 passed, 1 failed\n") && out[strlen(out) - 1] == '\n', "%s", out);
  char req[300];
  snprintf(req, sizeof req, "%s/req.json", dir);
  FILE *f = fopen(req, "w");
  fputs("{\"service\":\"afval\",\"citizen\":{\"digitalSkills\":\"low\"}}", f);
  fclose(f);
  char *eval[] = {"eval", dir, req};
  cr_assert_eq(run_cli(ww_cli_eval, 3, eval, out, sizeof out), 0);
  json_t *j = json_loads(out, 0, NULL);
  cr_assert_not_null(j, "%s", out);
  cr_assert_str_eq(first_id(j), "telefoon");
  cr_assert_eq(json_array_size(json_object_get(j, "trace")), 1, "explain forced on");
  json_decref(j);
  char *evalr[] = {"eval", "--route", dir, req};
  cr_assert_eq(run_cli(ww_cli_eval, 4, evalr, out, sizeof out), 0);
  j = json_loads(out, 0, NULL);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "target"), "id")), "telefoon");
  json_decref(j);
  f = fopen(req, "w");
  fputs("{\"service\":\"afval\",\"citizen\":{\"age\":\"old\"}}", f);
  fclose(f);
  cr_assert_eq(run_cli(ww_cli_eval, 3, eval, out, sizeof out), 1);
  char *bad[] = {"check"};
  cr_assert_eq(run_cli(ww_cli_check, 1, bad, out, sizeof out), 2);
  char *bad2[] = {"eval", "--nope", dir};
  cr_assert_eq(run_cli(ww_cli_eval, 3, bad2, out, sizeof out), 2);
}

Test(validate, duty_of_care_failure_reported) {
  put("steering/a.lua", "rule \"alleen online\" { advise = function(r, a) a:only({ \"website\" }, \"Alleen online\") end }\n");
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(r);
  int p = 0, f = 0;
  cr_assert_eq(ww_decision_test(r, NULL, NULL, &p, &f), 1);
  cr_assert_eq(f, 1);
  ww_rules_free(r);
}
