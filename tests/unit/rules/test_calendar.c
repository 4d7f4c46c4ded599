/* Time in policy (issue 17 §1): from / until on rule, service and channel, judged on the
 * question's time; planned closures per channel with their reason; r.channels[id].closedBy
 * and .reason; the trace and `check` show them; load errors name file and line. */
#include "helpers.h"

#include "util/tztime.h"

static const char CHANNELS[] =
    "channel \"website\" { name = \"Website\", kind = \"online\", base = 50 }\n"
    "channel \"telefoon\" { name = \"Telefoon\", kind = \"phone\", assisted = true, base = 30,\n"
    "  hours = { mon = \"08:30-17:00\", tue = \"08:30-17:00\", wed = \"08:30-17:00\",\n"
    "            thu = \"08:30-17:00\", fri = \"08:30-17:00\" },\n"
    "  route = { kind = \"queue\", queue = \"kcc\" } }\n"
    "channel \"balie\" { name = \"Balie\", kind = \"desk\", assisted = true, base = 20,\n"
    "  hours = { mon = \"09:00-17:00\", tue = \"09:00-17:00\", wed = \"09:00-17:00\",\n"
    "            thu = \"09:00-17:00\", fri = \"09:00-17:00\" } }\n"
    "channel \"chat\" { name = \"Chat\", kind = \"chat\", assisted = true, base = 10,\n"
    "  from = \"2027-03-01\" }\n"
    "closures { balie = { { \"2026-12-24 12:00\", \"2026-12-25\", \"Kerstavond\" } } }\n"
    "fallback { channels = { \"telefoon\", \"website\" }, route = \"telefoon\" }\n";

static const char SERVICES[] =
    "service \"afval\" { name = \"Grofvuil ophalen\" }\n"
    "service \"nieuw\" { name = \"Nieuwe dienst\", from = \"2027-01-01\" }\n";

/* The 75+ rule of issue 17: from a date on, the phone first for citizens over 75. */
static const char STEERING[] =
    "rule \"75+: telefoon eerst\" {\n"
    "  from = \"2027-01-01\",\n"
    "  when = function(r) return (r.citizen.age or 0) >= 75 end,\n"
    "  advise = function(r, a) a:prefer(\"telefoon\", 40, \"Bel ons gerust\") end,\n"
    "}\n"
    "rule \"waarom dicht\" {\n"
    "  advise = function(r, a)\n"
    "    local b = r.channels.balie\n"
    "    a:note(\"balie \" .. tostring(b.closedBy) .. \" \" .. tostring(b.reason))\n"
    "  end,\n"
    "}\n";

static char dir[128];
static ww_rules *R;

static void setup(void) {
  scratch_new(dir, sizeof dir, CHANNELS, SERVICES);
  scratch_put(dir, "steering/tijd.lua", STEERING);
  ww_err err = {0};
  R = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(R, "%s", err.msg);
}

static void teardown(void) {
  ww_rules_free(R);
  scratch_remove(dir);
}

TestSuite(calendar, .init = setup, .fini = teardown);

static json_t *ask(const char *service, const char *time, int age, int explain) {
  char req[300];
  snprintf(req, sizeof req,
           "{\"service\":\"%s\",\"citizen\":{\"age\":%d},\"context\":{\"time\":\"%s\"},"
           "\"explain\":%s}", service, age, time, explain ? "true" : "false");
  return decide_json(R, req, 0);
}

static const json_t *channel_of(const json_t *ans, const char *id) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(ans, "channels"), i, v)
      if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0) return v;
  return NULL;
}

static int reasons_have(const json_t *ch, const char *text) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(ch, "reasons"), i, v)
      if (strstr(json_string_value(v), text)) return 1;
  return 0;
}

Test(calendar, rule_from_judged_on_the_question_time) {
  json_t *before = ask("afval", "2026-12-31T10:00:00+01:00", 80, 0);
  cr_assert_str_eq(first_id(before), "website");
  json_t *after = ask("afval", "2027-01-05T10:00:00+01:00", 80, 0);
  cr_assert_str_eq(first_id(after), "telefoon");
  json_t *young = ask("afval", "2027-01-05T10:00:00+01:00", 40, 0);
  cr_assert_str_eq(first_id(young), "website");
  json_decref(before), json_decref(after), json_decref(young);
}

/* `until` is a reserved word in Lua: `to = ...` says the same, and so does
 * ["until"] = ... */
Test(calendar_errors, until_written_as_to_or_quoted) {
  char d[128];
  scratch_new(d, sizeof d, SCRATCH_CHANNELS, SCRATCH_SERVICES);
  scratch_put(d, "steering/a.lua",
              "rule \"tot 2027\" { to = \"2027-01-01\",\n"
              "  advise = function(r, a) a:note(\"oud\") end }\n"
              "rule \"tot 2028\" { [\"until\"] = \"2028-01-01\",\n"
              "  advise = function(r, a) a:note(\"ouder\") end }\n");
  ww_err err = {0};
  ww_rules *r = ww_rules_load(d, NULL, &err);
  cr_assert_not_null(r, "%s", err.msg);
  json_t *a = decide_json(r, "{\"service\":\"afval\",\"context\":{\"time\":"
                             "\"2027-06-01T10:00:00+02:00\"},\"explain\":true}", 0);
  cr_assert(!has_note(a, "oud\""), "past its to");
  cr_assert(has_note(a, "ouder"));
  json_t *t0 = json_array_get(json_object_get(a, "trace"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(t0, "until")), "2027-01-01");
  json_decref(a);
  a = decide_json(r, "{\"service\":\"afval\",\"context\":{\"time\":"
                     "\"2026-06-01T10:00:00+02:00\"}}", 0);
  cr_assert(has_note(a, "oud"));
  json_decref(a);
  ww_rules_free(r);
  scratch_remove(d);
}

Test(calendar, trace_shows_a_rules_window) {
  json_t *a = ask("afval", "2026-12-31T10:00:00+01:00", 80, 1);
  json_t *t0 = json_array_get(json_object_get(a, "trace"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(t0, "rule")), "75+: telefoon eerst");
  cr_assert_str_eq(json_string_value(json_object_get(t0, "from")), "2027-01-01");
  cr_assert(json_is_false(json_object_get(t0, "matched")), "before its from");
  cr_assert_null(json_object_get(t0, "until"));
  json_t *t1 = json_array_get(json_object_get(a, "trace"), 1);
  cr_assert_null(json_object_get(t1, "from"), "a rule without a window shows none");
  json_decref(a);
}

Test(calendar, closure_closes_the_channel_with_its_reason) {
  json_t *morning = ask("afval", "2026-12-24T11:00:00+01:00", 40, 0);
  cr_assert(json_is_true(json_object_get(channel_of(morning, "balie"), "open")));
  cr_assert(has_note(morning, "balie nil nil"), "open: no closedBy, no reason");
  json_t *noon = ask("afval", "2026-12-24T12:00:00+01:00", 40, 0);
  const json_t *b = channel_of(noon, "balie");
  cr_assert(json_is_false(json_object_get(b, "open")));
  cr_assert(reasons_have(b, "Kerstavond"));
  cr_assert(has_note(noon, "balie closure Kerstavond"));
  json_t *evening = ask("afval", "2026-12-25T18:00:00+01:00", 40, 0);
  cr_assert(has_note(evening, "balie hours nil"), "after the closure, the hours again");
  json_decref(morning), json_decref(noon), json_decref(evening);
}

Test(calendar, channel_from_closes_it_before) {
  json_t *a = ask("afval", "2027-02-01T10:00:00+01:00", 40, 0);
  const json_t *c = channel_of(a, "chat");
  cr_assert(json_is_false(json_object_get(c, "open")));
  cr_assert(reasons_have(c, "Dit kanaal is er vanaf 2027-03-01"));
  json_t *b = ask("afval", "2027-03-01T10:00:00+01:00", 40, 0);
  cr_assert(json_is_true(json_object_get(channel_of(b, "chat"), "open")));
  json_decref(a), json_decref(b);
}

Test(calendar, service_window_refused_before) {
  const char *req = "{\"service\":\"nieuw\",\"context\":{\"time\":\"2026-12-01T10:00:00+01:00\"}}";
  json_t *in = json_loads(req, 0, NULL);
  ww_parse_opts po = {0};
  ww_decision_input d;
  ww_err err = {0};
  cr_assert_neq(ww_decision_parse(R, in, &po, &d, &err), 0);
  cr_assert_str_eq(err.code, "unknown_service");
  cr_assert(strstr(err.msg, "offered from 2027-01-01"), "%s", err.msg);
  ww_err_clear(&err);
  json_decref(in);
  json_t *ok = ask("nieuw", "2027-01-02T10:00:00+01:00", 40, 0);
  cr_assert_str_eq(first_id(ok), "website");
  json_decref(ok);
}

Test(calendar, overrides_and_closures_in_time) {
  /* an override for [from, until) on top of a closure: each for its own window */
  json_t *st = json_pack("{s:{s:b, s:s, s:s, s:s}}", "telefoon", "open", 0, "reason",
                         "Storing", "from", "2026-12-01T10:00:00+01:00", "until",
                         "2026-12-01T11:00:00+01:00");
  json_t *ch = ww_rules_channels(R, 1796115600 + 1800, st);   /* 10:30 */
  json_t *tel = json_array_get(json_object_get(ch, "channels"), 1);
  cr_assert(json_is_false(json_object_get(tel, "open")));
  cr_assert_str_eq(json_string_value(json_object_get(tel, "reason")), "Storing");
  json_decref(ch);
  ch = ww_rules_channels(R, 1796115600 + 3600, st);   /* 11:00: until is exclusive */
  tel = json_array_get(json_object_get(ch, "channels"), 1);
  cr_assert(json_is_true(json_object_get(tel, "open")));
  json_t *balie = json_array_get(json_object_get(ch, "channels"), 2);
  json_t *cl = json_array_get(json_object_get(balie, "closures"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(cl, "reason")), "Kerstavond",
                   "GET /v1/channels lists the closures");
  json_decref(ch);
  json_decref(st);
}

Test(calendar, calendar_lists_what_holds_part_of_the_time) {
  json_t *cal = ww_rules_calendar(R);
  char *s = json_dumps(cal, 0);
  cr_assert(strstr(s, "\"kind\": \"rule\", \"name\": \"75+: telefoon eerst\""), "%s", s);
  cr_assert(strstr(s, "\"from\": \"2027-01-01T00:00:00+01:00\""), "%s", s);
  cr_assert(strstr(s, "\"kind\": \"closure\", \"name\": \"balie\""), "%s", s);
  cr_assert(strstr(s, "\"kind\": \"service\", \"name\": \"nieuw\""), "%s", s);
  cr_assert(strstr(s, "\"kind\": \"channel\", \"name\": \"chat\""), "%s", s);
  cr_assert_eq(json_array_size(cal), 4);
  free(s);
  json_decref(cal);
}

/* ---- load errors ---- */

static void fails(const char *channels, const char *steering, const char *file, int line,
                  const char *text) {
  char d[128];
  scratch_new(d, sizeof d, channels, SCRATCH_SERVICES);
  if (steering) scratch_put(d, "steering/a.lua", steering);
  scratch_fails_at(d, file, line, text, NULL);
  scratch_remove(d);
}

/* The scratch channels plus closures { 'body' } fail at the closures' line. */
static void closure_fails(const char *body, const char *text) {
  char ch[1024];
  snprintf(ch, sizeof ch, "%s\nclosures { %s }\n", SCRATCH_CHANNELS, body);
  fails(ch, NULL, "channels.lua", 6, text);
}

Test(calendar_errors, bad_times_and_closures) {
  fails(SCRATCH_CHANNELS, "rule \"x\" {\n from = \"1 januari\",\n advise = function() end }\n",
        "steering/a.lua", 1, "rule \"x\": from must be a date like \"2027-01-01\"");
  fails(SCRATCH_CHANNELS,
        "rule \"x\" { from = \"2027-02-01\", to = \"2027-01-01\", advise = function() end }\n",
        "steering/a.lua", 1, "until must be later than from");
  fails(SCRATCH_CHANNELS,
        "rule \"x\" { [\"until\"] = \"2027-02-01\", to = \"2027-01-01\", advise = function() end }\n",
        "steering/a.lua", 1, "give until or to, not both");
  closure_fails("fax = { { \"2026-12-24\", \"2026-12-25\", \"x\" } }",
                "closures names unknown channel \"fax\"");
  closure_fails("website = { { \"2026-12-24\", \"2026-12-25\" } }",
                "must be { from, until, reason }");
  closure_fails("website = { { \"2026-12-24\", \"morgen\", \"x\" } }",
                "until must be a date like");
  closure_fails("website = { { \"2026-12-24\", \"2026-12-24\", \"x\" } }",
                "until must be later than from");
  closure_fails("website = { { \"2026-12-24\", \"2026-12-25\", \"\" } }",
                "needs a reason in words");
  fails("channel \"website\" { name = \"W\", kind = \"online\", [\"until\"] = 2027 }\n"
        "fallback { channels = { \"website\" }, route = \"website\" }\n",
        NULL, "channels.lua", 1, "channel \"website\": until must be a date");
}

Test(calendar_errors, local_times) {
  int64_t t;
  cr_assert_eq(ww_time_parse_local("2026-12-24 12:00", &t), 0);
  cr_assert_eq(t, 1798110000);   /* 11:00 UTC */
  cr_assert_eq(ww_time_parse_local("2026-07-01", &t), 0);
  cr_assert_eq(t, 1782856800);   /* 2026-06-30 22:00 UTC: summer time */
  cr_assert_eq(ww_time_parse_local("2026-12-24T12:00:00Z", &t), 0);
  cr_assert_eq(t, 1798113600);
  cr_assert_neq(ww_time_parse_local("24-12-2026", &t), 0);
  cr_assert_neq(ww_time_parse_local("2026-13-01", &t), 0);
}

/* The duty-of-care check asks about a service within its window (a new service from 2027
 * failed it as "the request is invalid", and so every reload). */
Test(calendar, duty_of_care_check_within_a_services_window) {
  int passed = 0, failed = 0;
  ww_decision_test(R, NULL, NULL, &passed, &failed);
  cr_assert_eq(failed, 0);
  cr_assert_eq(passed, 2);   /* zorgplicht afval, zorgplicht nieuw */
}
