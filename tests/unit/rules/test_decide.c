/* The decision core on the basic fixture: ranking, hours and DST, holidays, overrides,
 * route, validation of requests, the channels and info views, the rule tests. */
#include "helpers.h"
#include "util/tztime.h"

static ww_rules *R;
static void setup(void) { R = load_fixture("basic", NULL); }
static void teardown(void) { ww_rules_free(R); }
TestSuite(decide, .init = setup, .fini = teardown, .timeout = 10);

static json_t *at(const char *service, const char *time, int route) {
  char req[300];
  snprintf(req, sizeof req, "{\"service\":\"%s\",\"context\":{\"time\":\"%s\"},\"explain\":true}",
           service, time);
  return decide_json(R, req, route);
}

Test(decide, ranking_ties_in_catalogue_order) {
  json_t *a = at("verhuizing", "2026-12-01T10:00:00+01:00", 0);
  char ids[200];
  ids_of(a, "channels", ids, sizeof ids);
  /* website 50, telefoon 30 and chat 30 (tie: catalogue order), balie 20, post 0 */
  cr_assert_str_eq(ids, "website,telefoon,chat,balie,post");
  json_t *c0 = json_array_get(json_object_get(a, "channels"), 0);
  cr_assert_eq(json_integer_value(json_object_get(c0, "rank")), 1);
  cr_assert_eq(json_integer_value(json_object_get(c0, "score")), 50);
  cr_assert(json_is_null(json_object_get(c0, "waitSeconds")));
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c0, "contact"), "url")),
                   "https://www.example.nl");
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "service"), "upl")),
                   "Verhuismelding");
  cr_assert_eq(strlen(json_string_value(json_object_get(a, "adviceId"))), 32);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "ruleset"), "version")),
                   ww_rules_version(R));
  json_decref(a);
}

Test(decide, closed_after_open) {
  json_t *a = at("verhuizing", "2026-12-01T18:00:00+01:00", 0);
  char ids[200];
  ids_of(a, "channels", ids, sizeof ids);
  cr_assert_str_eq(ids, "website,post,telefoon,chat,balie");
  json_t *tel = json_array_get(json_object_get(a, "channels"), 2);
  json_t *rs = json_object_get(tel, "reasons");
  cr_assert_str_eq(json_string_value(json_array_get(rs, json_array_size(rs) - 1)), "Nu gesloten");
  cr_assert(has_note(a, "De telefoon is nu gesloten"));
  cr_assert_eq(json_array_size(json_object_get(a, "notes")), 1, "duplicate notes dropped");
  json_decref(a);
}

Test(decide, only_exclude_reasons_and_trace) {
  json_t *a = at("paspoort", "2026-12-01T10:00:00+01:00", 0);
  char ids[200];
  ids_of(a, "channels", ids, sizeof ids);
  cr_assert_str_eq(ids, "balie,telefoon");
  ids_of(a, "excluded", ids, sizeof ids);
  cr_assert_str_eq(ids, "website,chat,post");
  json_t *ex0 = json_array_get(json_object_get(a, "excluded"), 0);
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(ex0, "reasons"), 0)),
                   "U moet hiervoor persoonlijk langskomen");
  json_t *t0 = json_array_get(json_object_get(a, "trace"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(t0, "rule")), "persoonlijk verschijnen");
  cr_assert_str_eq(json_string_value(json_object_get(t0, "source")), "steering/10_presence.lua:1");
  cr_assert(json_is_true(json_object_get(t0, "matched")));
  json_t *fx = json_object_get(t0, "effects");
  cr_assert_str_eq(json_string_value(json_array_get(fx, 0)), "only balie, telefoon");
  cr_assert_str_eq(json_string_value(json_array_get(fx, 1)), "prefer balie +40");
  json_t *t1 = json_array_get(json_object_get(a, "trace"), 1);
  cr_assert(json_is_false(json_object_get(t1, "matched")));
  json_decref(a);
}

static int open_at(const char *id, const char *time) {
  int64_t t;
  char buf[64];
  snprintf(buf, sizeof buf, "%s", time);
  json_t *a = at("afval", buf, 0);
  int open = -1;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(a, "channels"), i, c)
      if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
          open = json_is_true(json_object_get(c, "open"));
  json_decref(a);
  (void)t;
  return open;
}

/* chat is open on Sundays 02:00-04:00 local */
Test(decide, dst_march) {
  cr_assert_eq(open_at("chat", "2026-03-29T01:59:00+01:00"), 0);
  cr_assert_eq(open_at("chat", "2026-03-29T00:59:59Z"), 0);
  cr_assert_eq(open_at("chat", "2026-03-29T02:00:00+01:00"), 1);   /* = 03:00 CEST */
  cr_assert_eq(open_at("chat", "2026-03-29T03:00:00+02:00"), 1);
  cr_assert_eq(open_at("chat", "2026-03-29T01:00:00Z"), 1);
  cr_assert_eq(open_at("chat", "2026-03-29T03:59:00+02:00"), 1);
  cr_assert_eq(open_at("chat", "2026-03-29T04:00:00+02:00"), 0);
}

Test(decide, dst_october) {
  cr_assert_eq(open_at("chat", "2026-10-25T01:59:00+02:00"), 0);
  cr_assert_eq(open_at("chat", "2026-10-25T02:00:00+02:00"), 1);   /* first 02:00 (CEST) */
  cr_assert_eq(open_at("chat", "2026-10-25T02:59:00+02:00"), 1);
  cr_assert_eq(open_at("chat", "2026-10-25T02:00:00+01:00"), 1);   /* second 02:00 (CET) */
  cr_assert_eq(open_at("chat", "2026-10-25T03:00:00+01:00"), 1);
  cr_assert_eq(open_at("chat", "2026-10-25T04:00:00+01:00"), 0);
  cr_assert_eq(open_at("chat", "2026-10-24T02:30:00+02:00"), 0);   /* Saturday */
}

Test(decide, split_shifts_and_holidays) {
  cr_assert_eq(open_at("telefoon", "2026-12-03T12:30:00+01:00"), 0);   /* thu lunch */
  cr_assert_eq(open_at("telefoon", "2026-12-03T19:59:00+01:00"), 1);
  cr_assert_eq(open_at("telefoon", "2026-12-03T20:00:00+01:00"), 0);
  cr_assert_eq(open_at("telefoon", "2026-12-25T10:00:00+01:00"), 0);   /* Christmas, a Friday */
  cr_assert_eq(open_at("website", "2026-12-25T10:00:00+01:00"), 1);    /* always: no holidays */
  cr_assert_eq(open_at("telefoon", "2026-12-04T10:00:00+01:00"), 1);
}

Test(decide, route_target_alternatives_fallback) {
  json_t *a = at("verhuizing", "2026-12-01T10:00:00+01:00", 1);
  json_t *t = json_object_get(a, "target");
  cr_assert_str_eq(json_string_value(json_object_get(t, "id")), "telefoon");
  cr_assert_str_eq(json_string_value(json_object_get(t, "kind")), "queue");
  cr_assert_str_eq(json_string_value(json_object_get(t, "queue")), "kcc");
  cr_assert_eq(json_integer_value(json_object_get(t, "priority")), 5);
  cr_assert_str_eq(json_string_value(json_object_get(t, "name")), "Telefoon 14 020");
  cr_assert_null(json_object_get(t, "fallback"));
  char ids[200];
  ids_of(a, "alternatives", ids, sizeof ids);
  cr_assert_str_eq(ids, "chat,balie");
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  json_decref(a);

  a = at("verhuizing", "2026-12-01T18:00:00+01:00", 1);   /* nothing routable open */
  t = json_object_get(a, "target");
  cr_assert_str_eq(json_string_value(json_object_get(t, "id")), "telefoon");
  cr_assert(json_is_true(json_object_get(t, "fallback")));
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "reasons"), 0)),
                   "Geen open kanaal; standaardroute");
  json_decref(a);
}

Test(decide, status_override_and_cache) {
  json_t *status = json_pack("{s:{s:b, s:s, s:i}}", "telefoon", "open", 0, "reason", "Storing",
                             "waitSeconds", 120);
  json_t *req = json_pack("{s:s, s:{s:s}}", "service", "verhuizing", "context", "time",
                          "2026-12-01T10:00:00+01:00");
  ww_decision_opts o = {0};
  o.status = status;
  o.status_version = 7;
  json_t *a = NULL;
  for (int round = 0; round < 2; round++) {   /* second round from the cached view */
    a = decide_with(R, req, &o);
    char ids[200];
    ids_of(a, "channels", ids, sizeof ids);
    cr_assert_str_eq(ids, "website,chat,balie,post,telefoon");
    json_t *tel = json_array_get(json_object_get(a, "channels"), 4);
    cr_assert_eq(json_integer_value(json_object_get(tel, "waitSeconds")), 120);
    json_t *rs = json_object_get(tel, "reasons");
    cr_assert_str_eq(json_string_value(json_array_get(rs, 0)), "Storing");
    cr_assert_str_eq(json_string_value(json_array_get(rs, 1)), "Nu gesloten");
    json_decref(a);
  }
  o.route = 1;
  a = decide_with(R, req, &o);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "target"), "id")), "chat");
  json_decref(a);
  /* an expired override no longer applies */
  o.route = 0;
  o.status_version = 8;
  json_object_set_new(json_object_get(status, "telefoon"), "until",
                      json_string("2026-12-01T09:00:00+01:00"));
  a = decide_with(R, req, &o);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(a, "channels"), 1), "id")), "telefoon");
  json_decref(a);
  /* no override: the view is rebuilt */
  o.status = NULL;
  a = decide_with(R, req, &o);
  cr_assert(json_is_true(json_object_get(json_array_get(json_object_get(a, "channels"), 1), "open")));
  json_decref(a);
  json_decref(req);
  json_decref(status);
}

static void invalid(const char *text, const char *code, const char *name) {
  ww_decide_opts o = {0};
  json_t *out = NULL;
  ww_err err = {0};
  cr_assert_eq(ww_decide_text(R, text, strlen(text), &o, &out, &err), WW_EINVAL, "%s", text);
  cr_assert_null(out);
  cr_assert_str_eq(err.code, code, "%s: code %s", text, err.code);
  if (name) {
    int found = 0;
    size_t i;
    json_t *p;
    json_array_foreach(err.invalid_params, i, p)
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0) found = 1;
    cr_assert(found, "%s: no invalidParams entry %s", text, name);
  }
  ww_err_clear(&err);
}

Test(decide, request_validation) {
  invalid("{", "invalid_json", NULL);
  invalid("[]", "invalid_param", "body");
  invalid("{}", "invalid_param", "service");
  invalid("{\"service\": 3}", "invalid_param", "service");
  invalid("{\"service\": \"nope\"}", "unknown_service", "service");
  invalid("{\"service\":\"afval\",\"citizen\":{\"age\":\"81\"}}", "invalid_param", "citizen.age");
  invalid("{\"service\":\"afval\",\"citizen\":{\"age\":131}}", "invalid_param", "citizen.age");
  invalid("{\"service\":\"afval\",\"citizen\":{\"authLevel\":\"super\"}}", "invalid_param",
          "citizen.authLevel");
  invalid("{\"service\":\"afval\",\"citizen\":{\"digitalSkills\":\"none\"}}", "invalid_param",
          "citizen.digitalSkills");
  invalid("{\"service\":\"afval\",\"citizen\":{\"language\":\"NL\"}}", "invalid_param",
          "citizen.language");
  invalid("{\"service\":\"afval\",\"citizen\":{\"needs\":\"visual\"}}", "invalid_param",
          "citizen.needs");
  invalid("{\"service\":\"afval\",\"citizen\":{\"id\":\"\"}}", "invalid_param", "citizen.id");
  invalid("{\"service\":\"afval\",\"context\":{\"time\":\"2026-12-01 10:00\"}}", "invalid_param",
          "context.time");
  invalid("{\"service\":\"afval\",\"context\":{\"origin\":\"fax\"}}", "invalid_param",
          "context.origin");
  invalid("{\"service\":\"afval\",\"context\":{\"device\":\"watch\"}}", "invalid_param",
          "context.device");
  invalid("{\"service\":\"afval\",\"explain\":\"yes\"}", "invalid_param", "explain");
  invalid("{\"service\":\"nope\",\"citizen\":{\"age\":-1}}", "invalid_param", "citizen.age");
}

Test(decide, channels_and_info) {
  int64_t t;
  cr_assert_eq(ww_time_parse("2026-12-01T18:00:00+01:00", &t), 0);
  json_t *st = json_pack("{s:{s:b, s:s}}", "post", "open", 0, "reason", "Staking");
  json_t *c = ww_rules_channels(R, t, st);
  json_t *arr = json_object_get(c, "channels");
  cr_assert_eq(json_array_size(arr), 5);
  json_t *tel = json_array_get(arr, 1);
  cr_assert_str_eq(json_string_value(json_object_get(tel, "id")), "telefoon");
  cr_assert(json_is_false(json_object_get(tel, "open")));
  cr_assert(json_is_true(json_object_get(tel, "assisted")));
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(tel, "route"), "queue")), "kcc");
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(tel, "hours"), "mon")), "08:30-17:00");
  cr_assert_eq(json_integer_value(json_object_get(tel, "base")), 30);
  json_t *web = json_array_get(arr, 0);
  cr_assert_str_eq(json_string_value(json_object_get(web, "hours")), "always");
  cr_assert(json_is_true(json_object_get(web, "open")));
  json_t *post = json_array_get(arr, 4);
  cr_assert(json_is_false(json_object_get(post, "open")));
  cr_assert_str_eq(json_string_value(json_object_get(post, "reason")), "Staking");
  json_decref(c);
  json_decref(st);

  json_t *info = ww_rules_info(R);
  cr_assert_eq(json_integer_value(json_object_get(info, "channels")), 5);
  cr_assert_eq(json_integer_value(json_object_get(info, "services")), 3);
  cr_assert_eq(json_integer_value(json_object_get(info, "rules")), 4);
  cr_assert_eq(json_integer_value(json_object_get(info, "cases")), 5);
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(info, "files"), 2)),
                   "steering/10_presence.lua");
  cr_assert(json_is_real(json_object_get(json_object_get(info, "targets"), "website")));
  cr_assert_eq(strlen(json_string_value(json_object_get(info, "version"))), 12);
  json_decref(info);
  cr_assert(ww_rules_has_service(R, "paspoort"));
  cr_assert(!ww_rules_has_service(R, "nope"));
  cr_assert(ww_rules_has_channel(R, "balie"));
}

static int lines, fails;
static void on_case(void *ud, const char *name, int ok, const char *why) {
  (void)ud;
  (void)name;
  (void)why;
  lines++;
  if (!ok) fails++;
}

Test(decide, rule_tests_pass) {
  int p = -1, f = -1;
  cr_assert_eq(ww_decision_test(R, on_case, NULL, &p, &f), 0);
  cr_assert_eq(p, 8);   /* 5 cases + zorgplicht for 3 services */
  cr_assert_eq(f, 0);
  cr_assert_eq(lines, 8);
}

Test(decide, request_extras_never_change_the_service) {
  /* an unknown top-level field is r.extra's (test_extra.c), never the catalogue's */
  json_t *a = decide_json(R, "{\"service\":\"afval\",\"name\":\"x\",\"foo\":{\"bar\":[1,2]}}", 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "service"), "name")),
                   "Grofvuil ophalen");
  json_decref(a);
}
