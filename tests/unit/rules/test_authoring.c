/* What a policy officer needs from the rule commands (issue 17 §2-§4): test --failures,
 * eval --text, the duty-of-care check that counts only channels the citizen can reach. */
#include "cli/cli.h"
#include "helpers.h"

static char dir[256];

/* SCRATCH_CHANNELS and a chat: help a deaf citizen can reach */
static const char WITH_CHAT[] =
    "channel \"website\" { name = \"Website\", kind = \"online\", base = 50 }\n"
    "channel \"telefoon\" { name = \"Telefoon\", kind = \"phone\", assisted = true,\n"
    "                     route = { kind = \"queue\", queue = \"kcc\" } }\n"
    "channel \"chat\" { name = \"Chat\", kind = \"chat\", assisted = true }\n"
    "fallback { channels = { \"telefoon\", \"website\" }, route = \"telefoon\" }\n";

static void setup(void) { scratch_new(dir, sizeof dir, SCRATCH_CHANNELS, SCRATCH_SERVICES); }
static void teardown(void) { scratch_remove(dir); }

TestSuite(authoring, .init = setup, .fini = teardown, .timeout = 20);

static int cli(int (*fn)(int, char **), int argc, char **argv, char *out, size_t n) {
  return scratch_run_cli(dir, fn, argc, argv, out, n);
}

Test(authoring, test_failures_shows_only_what_failed) {
  scratch_put(dir, "channels.lua", WITH_CHAT);
  scratch_put(dir, "tests/a.lua",
              "case \"goed\" { request = { service = \"afval\" }, expect = { first = \"website\" } }\n"
              "case \"fout\" { request = { service = \"afval\" }, expect = { first = \"telefoon\" } }\n");
  char out[4096];
  char *argv[] = {"test", "--failures", dir};
  cr_assert_eq(cli(ww_cli_test, 3, argv, out, sizeof out), 1);
  cr_assert_str_eq(out, "FAIL fout: expected first \"telefoon\", got \"website\"\n"
                        "2 passed, 1 failed\n");
  char *plain[] = {"test", dir};
  cr_assert_eq(cli(ww_cli_test, 2, plain, out, sizeof out), 1);
  cr_assert(strstr(out, "ok   goed\n"), "without --failures every case: %s", out);
  char *bad[] = {"test", "--failure", dir};
  cr_assert_eq(cli(ww_cli_test, 3, bad, out, sizeof out), 2);
}

Test(authoring, eval_text_explains_in_dutch) {
  scratch_put(dir, "channels.lua", WITH_CHAT);
  scratch_put(dir, "steering/a.lua",
              "rule \"weinig digitaal: bellen\" { citizen = { digitalSkills = \"low\" },\n"
              "  advise = function(r, a) a:prefer(\"telefoon\", 60, \"Wij helpen u\")\n"
              "    a:avoid(\"website\", 5) end }\n"
              "rule \"geen website bij spoed\" { context = { intent = \"spoed\" },\n"
              "  advise = function(r, a) a:exclude(\"website\", \"Bel bij spoed\") end }\n");
  char req[300];
  snprintf(req, sizeof req, "%s/req.json", dir);
  FILE *f = fopen(req, "w");
  fputs("{\"service\":\"afval\",\"citizen\":{\"digitalSkills\":\"low\"},\"context\":{\"intent\":"
        "\"spoed\",\"time\":\"2026-12-01T10:00:00+01:00\"}}", f);
  fclose(f);
  char out[8192];
  char *argv[] = {"eval", "--text", dir, req};
  cr_assert_eq(cli(ww_cli_eval, 4, argv, out, sizeof out), 0);
  cr_assert(strstr(out, "Advies voor \"Grofvuil ophalen\" (afval)"), "%s", out);
  cr_assert(strstr(out, "  1. Telefoon (telefoon): score 60, open\n"), "%s", out);
  cr_assert(strstr(out, "0                            startscore (base in channels.lua)\n"
                        "       +60                          regel \"weinig digitaal: bellen\" "
                        "(steering/a.lua:1)\n       reden: Wij helpen u\n"), "%s", out);
  cr_assert(strstr(out, "Niet aangeboden:\n  - website\n"
                        "       -5                           regel \"weinig digitaal: bellen\" "
                        "(steering/a.lua:1)\n"
                        "       weggehaald                   regel \"geen website bij spoed\" "
                        "(steering/a.lua:4)\n"), "%s", out);
  cr_assert(strstr(out, "       reden: Bel bij spoed\n"), "%s", out);
  cr_assert(strstr(out, "Regels die golden: 2 van de 2 bekeken.\n"), "%s", out);
  cr_assert(strstr(out, "  2. Chat (chat): score 0, open\n"), "%s", out);
  char *json[] = {"eval", "--json", dir, req};
  cr_assert_eq(cli(ww_cli_eval, 4, json, out, sizeof out), 0);
  json_t *j = json_loads(out, 0, NULL);
  cr_assert_not_null(j, "--json stays JSON: %s", out);
  json_decref(j);
}

/* Phone-only help passed the duty-of-care check for a deaf citizen without DigiD. */
Test(authoring, duty_of_care_counts_only_reachable_help) {
  char out[8192];
  char *argv[] = {"test", "--failures", dir};
  cr_assert_eq(cli(ww_cli_test, 3, argv, out, sizeof out), 1);
  cr_assert(strstr(out, "FAIL zorgplicht afval: no channel where a person helps is left for: "
                        "doof, zonder DigiD (weekday 10:00)"), "%s", out);
  scratch_put(dir, "channels.lua", WITH_CHAT);
  cr_assert_eq(cli(ww_cli_test, 3, argv, out, sizeof out), 0, "chat reaches a deaf citizen: %s", out);
  /* a callback is asked for with a form and answered by phone: neither deaf nor blind */
  scratch_put(dir, "channels.lua",
              "channel \"website\" { name = \"Website\", kind = \"online\" }\n"
              "channel \"terugbellen\" { name = \"Terugbellen\", kind = \"callback\", assisted = true,\n"
              "  route = { kind = \"callback\" } }\n"
              "fallback { channels = { \"terugbellen\" }, route = \"terugbellen\" }\n");
  cr_assert_eq(cli(ww_cli_test, 3, argv, out, sizeof out), 1);
  cr_assert(strstr(out, "left for: visuele beperking"), "%s", out);
}

/* The common Lua slips get a Dutch explanation beside the parser's words. */
Test(authoring, lua_slips_explained_in_dutch) {
  static const struct { const char *src, *parser, *hint; int line; } slips[] = {
      {"rule \"x\" { advise = function(r, a)\n  a:prefer(\"website\", 1)\n}\n",
       "unexpected symbol near '}'", "er mist een end", 3},
      {"rule \"x\" { advise = function(r, a)\n", "'end' expected", "er mist een end", 2},
      {"rule \"x\" { when = function(r) if r.citizen.age = 80 then return true end end,\n"
       "  advise = function(r, a) end }\n", "'then' expected near '='", "vergelijken doet u met ==", 1},
      {"rule \xe2\x80\x9cx\xe2\x80\x9d { advise = function(r, a) end }\n", "near '<\\226>'",
       "typografische aanhalingstekens", 1},
      {"rule \"x\" {\n  priority = 5\n  advise = function(r, a) end }\n",
       "'}' expected (to close '{' at line 1) near 'advise'", "er mist waarschijnlijk een komma", 3},
  };
  for (size_t i = 0; i < sizeof slips / sizeof slips[0]; i++) {
    scratch_put(dir, "steering/a.lua", slips[i].src);
    scratch_fails_at(dir, "steering/a.lua", slips[i].line, slips[i].parser, slips[i].hint);
  }
}
