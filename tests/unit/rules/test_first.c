/* a:first puts a channel on top whatever the scores (issue 17 §2: a +20 that worked for one
 * profile failed for another), and a:only gives its reason once among the kept channels. */
#include "helpers.h"

static const char CHANNELS[] =
    "channel \"website\" { name = \"Website\", kind = \"online\", base = 75 }\n"
    "channel \"telefoon\" { name = \"Telefoon\", kind = \"phone\", assisted = true, base = 65,\n"
    "                     route = { kind = \"queue\", queue = \"kcc\" } }\n"
    "channel \"balie\" { name = \"Balie\", kind = \"desk\", assisted = true, base = 20 }\n"
    "fallback { channels = { \"telefoon\", \"website\" }, route = \"telefoon\" }\n";

/* intent "first": the phone first, then a later rule gives the website +100;
 * intent "both": balie first, then telefoon first (balie stays on top);
 * intent "only": only telefoon and balie; intent "gone": balie excluded, then first. */
static const char RULES[] =
    "rule \"telefoon eerst\" { priority = 10, context = { intent = { \"first\", \"both\" } },\n"
    "  advise = function(r, a)\n"
    "    if r.context.intent == \"both\" then a:first(\"balie\", \"Kom langs\") end\n"
    "    a:first(\"telefoon\", \"Bel ons gerust\")\n"
    "  end }\n"
    "rule \"website later veel punten\" { context = { intent = \"first\" },\n"
    "  advise = function(r, a) a:prefer(\"website\", 100) end }\n"
    "rule \"alleen met een mens\" { context = { intent = \"only\" },\n"
    "  advise = function(r, a) a:only({ \"balie\", \"telefoon\" }, \"Alleen met hulp\") end }\n"
    "rule \"weg en eerst\" { context = { intent = \"gone\" },\n"
    "  advise = function(r, a) a:exclude(\"balie\", \"dicht\"); a:first(\"balie\") end }\n";

static char dir[64];
static ww_rules *R;

static void setup(void) {
  scratch_new(dir, sizeof dir, CHANNELS, SCRATCH_SERVICES);
  scratch_put(dir, "steering/first.lua", RULES);
  R = scratch_load(dir, NULL);
}
static void teardown(void) {
  ww_rules_free(R);
  scratch_remove(dir);
}

TestSuite(first, .init = setup, .fini = teardown, .timeout = 30);

static json_t *advice(const char *intent) {
  char req[300];
  snprintf(req, sizeof req, "{\"service\":\"afval\",\"explain\":true,\"context\":{\"intent\":"
           "\"%s\",\"time\":\"2026-12-01T10:00:00+01:00\"}}", intent);
  return decide_json(R, req, 0);
}

static double score_of(const json_t *ans, int rank) {
  return json_number_value(json_object_get(
      json_array_get(json_object_get(ans, "channels"), (size_t)rank), "score"));
}

Test(first, beats_any_score_a_later_rule_gives) {
  json_t *a = advice("first");
  char ids[200];
  ids_of(a, "channels", ids, sizeof ids);
  cr_assert_str_eq(ids, "telefoon,website,balie");
  cr_assert_gt(score_of(a, 0), score_of(a, 1), "the scores still descend");
  const char *fx = json_string_value(json_array_get(json_object_get(
      json_array_get(json_object_get(a, "trace"), 0), "effects"), 0));
  cr_assert_str_eq(fx, "first telefoon");
  json_t *rs = json_object_get(json_array_get(json_object_get(a, "channels"), 0), "reasons");
  cr_assert_str_eq(json_string_value(json_array_get(rs, 0)), "Bel ons gerust");
  json_decref(a);
}

/* The advice for 'intent' lists 'channels' and excludes 'excluded', scores descending. */
static void ranks(const char *intent, const char *channels, const char *excluded) {
  json_t *a = advice(intent);
  char ids[200];
  ids_of(a, "channels", ids, sizeof ids);
  cr_assert_str_eq(ids, channels);
  ids_of(a, "excluded", ids, sizeof ids);
  cr_assert_str_eq(ids, excluded);
  for (size_t i = 0; i + 1 < json_array_size(json_object_get(a, "channels")); i++)
    cr_assert_gt(score_of(a, (int)i), score_of(a, (int)i + 1));
  json_decref(a);
}

Test(first, the_one_named_first_stays_on_top) { ranks("both", "balie,telefoon,website", ""); }

Test(first, an_excluded_channel_stays_excluded) { ranks("gone", "website,telefoon", "balie"); }

/* Before: "Alleen met hulp" on balie and on telefoon (and on website, excluded). */
Test(first, only_gives_its_reason_once_among_the_kept) {
  json_t *a = advice("only");
  size_t i;
  json_t *c;
  int kept_with_reason = 0;
  json_array_foreach(json_object_get(a, "channels"), i, c) {
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(c, "reasons"), k, r)
        if (strcmp(json_string_value(r), "Alleen met hulp") == 0) kept_with_reason++;
  }
  cr_assert_eq(kept_with_reason, 1, "the reason once, not on every kept channel");
  json_t *bal = NULL;
  json_array_foreach(json_object_get(a, "channels"), i, c)
      if (strcmp(json_string_value(json_object_get(c, "id")), "balie") == 0) bal = c;
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(bal, "reasons"), 0)),
                   "Alleen met hulp", "on the channel the rule names first");
  json_t *ex = json_array_get(json_object_get(a, "excluded"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(ex, "id")), "website");
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(ex, "reasons"), 0)),
                   "Alleen met hulp", "an excluded channel keeps the reason");
  json_decref(a);
}

Test(first, the_text_answer_agrees) {
  const char *req = "{\"service\":\"afval\",\"context\":{\"intent\":\"first\","
                    "\"time\":\"2026-12-01T10:00:00+01:00\"}}";
  json_t *rq = json_loads(req, 0, NULL);
  ww_decision_input in;
  ww_err err = {0};
  cr_assert_eq(ww_decision_parse(R, rq, NULL, &in, &err), 0);
  const char *out;
  size_t len;
  cr_assert_eq(ww_decision_text(R, &in, NULL, NULL, &out, &len, NULL, &err), 0);
  json_t *a = json_loadb(out, len, 0, NULL);
  cr_assert_str_eq(first_id(a), "telefoon");
  json_decref(a);
  json_decref(rq);
}

Test(first, an_unknown_channel_is_a_load_error) {
  scratch_put(dir, "steering/typo.lua",
              "rule \"typo\" {\n  advise = function(r, a) a:first(\"telefon\") end }\n");
  scratch_fails_at(dir, "steering/typo.lua", 2, "unknown channel \"telefon\" in "
                   "a:first(\"telefon\", ...)", "the channels are: website, telefoon, balie");
}
