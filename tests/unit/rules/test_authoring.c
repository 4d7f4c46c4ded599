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

/* ---- every error, warnings, --strict ---- */

static int has_text(const json_t *a, const char *text) {
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) if (strcmp(json_string_value(v), text) == 0) return 1;
  return 0;
}

/* Before: the first error only; the policy officer fixed one, ran check, met the next. */
Test(authoring, the_load_lists_every_error) {
  scratch_put(dir, "channels.lua",
              "channel \"website\" { name = \"Website\", kind = \"online\", base = 50 }\n"
              "channel \"telefoon\" { name = \"Telefoon\", kind = \"phone\", assisted = true,\n"
              "  route = { kind = \"queue\" } }\n"
              "channel \"chat\" { name = \"Chat\", kind = \"praten\" }\n"
              "fallback { channels = { \"telefoon\" }, route = \"telefoon\" }\n");
  scratch_put(dir, "steering/a.lua",
              "rule \"a\" { priorty = 5, advise = function(r, a) end }\n"
              "rule \"b\" { advise = function(r, a) a:prefer(\"telefon\", 5) end }\n"
              "rule \"c\" { when = true, advise = function(r, a) end }\n");
  scratch_put(dir, "steering/b.lua", "rule \"d\" { advise = function(r, a)\n");
  scratch_put(dir, "steering/c.lua", "local x = nil\nlocal y = x.veld\n");
  ww_err err = {0};
  cr_assert_null(ww_rules_load(dir, NULL, &err));
  cr_assert_eq(json_array_size(err.errors), 6, "%s", json_dumps(err.errors, 0));
  cr_assert_str_eq(json_string_value(json_array_get(err.errors, 0)), err.msg, "the first is msg");
  cr_assert_str_eq(err.file, "channels.lua");
  cr_assert_eq(err.line, 4);
  cr_assert(has_text(err.errors, "steering/a.lua:1: rule \"a\": unknown field 'priorty'; a rule "
                     "has priority, service, citizen, context, from, to, when and advise; bedoelt u "
                     "\"priority\"?"), "%s", json_dumps(err.errors, 0));
  cr_assert(has_text(err.errors, "steering/a.lua:3: rule \"c\": when must be a function: when = "
                     "function(r) return ... end"));
  cr_assert(has_text(err.errors, "steering/c.lua:2: attempt to index a nil value (local 'x')"));
  cr_assert(has_text(err.errors, "steering/a.lua:2: unknown channel \"telefon\" in "
                     "a:prefer(\"telefon\", ...); the channels are: website, telefoon"));
  ww_err_clear(&err);
  /* the list ends at 50 */
  char many[8000] = "";
  for (int i = 0; i < 60; i++) {
    size_t l = strlen(many);
    snprintf(many + l, sizeof many - l, "rule \"r%d\" { advise = 1 }\n", i);
  }
  scratch_put(dir, "steering/a.lua", many);
  cr_assert_null(ww_rules_load(dir, NULL, &err));
  cr_assert_eq(json_array_size(err.errors), 50);
  ww_err_clear(&err);
}

static const char SLIPS[] =
    "rule \"zelf komen\" { service = { presense = true },\n"
    "  advise = function(r, a) a:only({ \"telefoon\" }, \"Bel\") end }\n"
    "rule \"ophalen\" { service = { ophalen_baile = true }, advise = function(r, a) end }\n"
    "rule \"digitaal\" { citizen = { digitalskills = \"low\" }, advise = function(r, a) end }\n"
    "rule \"oud\" {\n"
    "  when = function(r) return r.citizen.agee ~= nil and r.citizen.agee >= 75 end,\n"
    "  advise = function(r, a) a:prefer(\"telefoon\", 10) end }\n"
    "rule \"tijd\" { context = { weekdya = \"mon\" }, advise = function(r, a) end }\n"
    "rule \"bsn\" { when = function(r) return r.citizen.bsn ~= nil end, advise = function(r, a) end }\n"
    "rule \"urgent mag\" { context = { urgent = true }, advise = function(r, a) end }\n";

/* Before: all of these loaded silently and the rules never matched. */
Test(authoring, slips_one_edit_away_are_warnings) {
  scratch_put(dir, "channels.lua", WITH_CHAT);
  scratch_put(dir, "services.lua",
              "service \"afval\" { name = \"Grofvuil\", ophalen_balie = true }\n"
              "service \"paspoort\" { name = \"Paspoort\", presenc = true }\n");
  scratch_put(dir, "steering/a.lua", SLIPS);
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(r, "warnings do not stop the load: %s", err.msg);
  const json_t *w = ww_rules_warnings(r);
  static const char *const want[] = {
      "services.lua:2: service \"paspoort\": onbekend veld \"presenc\"; bedoelt u \"presence\"?",
      "steering/a.lua:1: rule \"zelf komen\": service = { presense = ... }: onbekend veld "
      "\"presense\"; bedoelt u \"presence\"?",
      "steering/a.lua:3: rule \"ophalen\": service = { ophalen_baile = ... }: onbekend veld "
      "\"ophalen_baile\"; bedoelt u \"ophalen_balie\"?",
      "steering/a.lua:4: rule \"digitaal\": citizen = { digitalskills = ... }: onbekend veld "
      "\"digitalskills\"; bedoelt u \"digitalSkills\"?",
      "steering/a.lua:8: rule \"tijd\": context = { weekdya = ... }: onbekend veld \"weekdya\"; "
      "bedoelt u \"weekday\"?",
      "steering/a.lua:6: r.citizen.agee: onbekend veld \"agee\"; bedoelt u \"age\"?",
      "steering/a.lua:9: r.citizen.bsn: geen verzoek heeft dit veld (wel: ref, authLevel, "
      "digitalSkills, language, needs, age); de regel leest altijd nil",
      "steering/a.lua:1: rule \"zelf komen\": de voorwaarde service past op geen enkele dienst "
      "in services.lua; de regel geldt nooit",
      "steering/a.lua:3: rule \"ophalen\": de voorwaarde service past op geen enkele dienst in "
      "services.lua; de regel geldt nooit",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert(has_text(w, want[i]), "missing: %s\nin %s", want[i], json_dumps(w, JSON_INDENT(1)));
  cr_assert_eq(json_array_size(w), sizeof want / sizeof want[0],
               "r.citizen.agee once, context extras (urgent) are no slip: %s", json_dumps(w, 0));
  ww_rules_free(r);
  /* strict: the same warnings are errors */
  ww_limits lim = {0};
  lim.strict = 1;
  cr_assert_null(ww_rules_load(dir, &lim, &err));
  cr_assert_eq(json_array_size(err.errors), sizeof want / sizeof want[0]);
  cr_assert_str_eq(err.file, "services.lua");
  cr_assert_eq(err.line, 2);
  cr_assert(strstr(err.msg, "bedoelt u \"presence\"? (een fout met --strict)"), "%s", err.msg);
  ww_err_clear(&err);
}

Test(authoring, check_shows_warnings_and_strict_fails) {
  scratch_put(dir, "channels.lua", WITH_CHAT);
  scratch_put(dir, "steering/a.lua",
              "rule \"digitaal\" { citizen = { digitalskills = \"low\" }, advise = function(r, a) end }\n");
  char out[4096];
  char *argv[] = {"check", dir};
  cr_assert_eq(cli(ww_cli_check, 2, argv, out, sizeof out), 0);
  cr_assert(strstr(out, "steering/a.lua:1: rule \"digitaal\": citizen = { digitalskills = ... }: "
                        "onbekend veld \"digitalskills\"; bedoelt u \"digitalSkills\"?\n"
                        "ok: 3 channels, 1 services, 1 rules, 0 cases, 1 warning (version "),
            "%s", out);
  char *strict[] = {"check", "--strict", dir};
  cr_assert_eq(cli(ww_cli_check, 3, strict, out, sizeof out), 1);
  char *bad[] = {"check", "--strikt", dir};
  cr_assert_eq(cli(ww_cli_check, 3, bad, out, sizeof out), 2);
}
