/* The declarative conditions of a rule: `service` (a table or a function, decided once per
 * service at load, against the catalogue only), `citizen` and `context` (per request), the
 * order against `when`, the explain trace, and the load-time validation messages. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static char dir[256];

static const char CHANNELS[] =
    "channel \"website\" { name = \"Website\", kind = \"online\", base = 50 }\n"
    "channel \"telefoon\" { name = \"Telefoon\", kind = \"phone\", assisted = true, base = 30,\n"
    "  route = { kind = \"queue\", queue = \"kcc\" } }\n"
    "channel \"balie\" { name = \"Balie\", kind = \"desk\", assisted = true, base = 20,\n"
    "  route = { kind = \"queue\", queue = \"balie\" } }\n"
    "fallback { channels = { \"telefoon\" }, route = \"telefoon\" }\n";

/* paspoort: presence, tags, auth; aanvraag: post = false; kaart: post = true; afval: none. */
static const char SERVICES[] =
    "service \"paspoort\" { name = \"Paspoort\", presence = true, auth = \"hoog\",\n"
    "  complexity = \"low\", tags = { \"reisdocument\", \"burgerzaken\" } }\n"
    "service \"aanvraag\" { name = \"Aanvraag\", post = false, complexity = \"high\" }\n"
    "service \"kaart\" { name = \"Kaart\", post = true, complexity = \"medium\",\n"
    "  tags = { \"burgerzaken\" } }\n"
    "service \"afval\" { name = \"Grofvuil\" }\n";

static void put(const char *rel, const char *text) { scratch_put(dir, rel, text); }
static void setup(void) { scratch_new(dir, sizeof dir, CHANNELS, SERVICES); }
static void teardown(void) { scratch_remove(dir); }

TestSuite(conditions, .init = setup, .fini = teardown, .timeout = 10);

static ww_rules *load_ok(void) {
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(r, "load: %s", err.msg);
  ww_err_clear(&err);
  return r;
}

static void fails_at2(const char *file, int line, const char *text, const char *text2) {
  scratch_fails_at(dir, file, line, text, text2);
}

static void fails_at(const char *file, int line, const char *text) {
  fails_at2(file, line, text, NULL);
}

/* Decides {"service": svc, <extra>} and returns the answer. */
static json_t *ask(ww_rules *r, const char *svc, const char *extra, int route) {
  char req[1024];
  snprintf(req, sizeof req, "{\"service\":\"%s\"%s%s}", svc, extra ? "," : "", extra ? extra : "");
  return decide_json(r, req, route);
}

/* Asserts which of the notes 'names' (a NULL-terminated list) the answer has: 'want' is a
 * string of '1' / '0' per name. */
static void notes_are(const json_t *a, const char *what, const char *const *names, const char *want) {
  for (int i = 0; names[i]; i++) {
    int expect = want[i] == '1';
    cr_assert_eq(has_note(a, names[i]), expect, "%s: note %s should be %s", what, names[i],
                 expect ? "there" : "absent");
  }
}

/* ---- 1. table `service` ---- */

Test(conditions, service_table) {
  put("steering/a.lua",
      "rule \"eq\" { service = { auth = \"hoog\" }, advise = function(r, a) a:note(\"[eq]\") end }\n"
      "rule \"oneof\" { service = { complexity = { \"high\", \"medium\" } },\n"
      "  advise = function(r, a) a:note(\"[oneof]\") end }\n"
      "rule \"tag\" { service = { tags = \"reisdocument\" }, advise = function(r, a) a:note(\"[tag]\") end }\n"
      "rule \"tags\" { service = { tags = { \"nope\", \"burgerzaken\" } },\n"
      "  advise = function(r, a) a:note(\"[tags]\") end }\n"
      "rule \"postfalse\" { service = { post = false }, advise = function(r, a) a:note(\"[postfalse]\") end }\n"
      "rule \"presfalse\" { service = { presence = false },\n"
      "  advise = function(r, a) a:note(\"[presfalse]\") end }\n"
      "rule \"and\" { service = { presence = true, auth = \"hoog\" },\n"
      "  advise = function(r, a) a:note(\"[and]\") end }\n"
      "rule \"andnot\" { service = { presence = true, auth = \"midden\" },\n"
      "  advise = function(r, a) a:note(\"[andnot]\") end }\n"
      "rule \"and2\" { service = { post = false, complexity = { \"low\", \"high\" } },\n"
      "  advise = function(r, a) a:note(\"[and2]\") end }\n"
      "rule \"voorkeur\" { service = { tags = \"reisdocument\" },\n"
      "  advise = function(r, a) a:prefer(\"telefoon\", 100, \"Bel ons\") end }\n");
  ww_rules *r = load_ok();
  static const char *const names[] = {"[eq]",        "[oneof]", "[tag]",    "[tags]", "[postfalse]",
                                      "[presfalse]", "[and]",   "[andnot]", "[and2]", NULL};
  json_t *a = ask(r, "paspoort", NULL, 0);
  notes_are(a, "paspoort", names, "101100100");
  cr_assert_str_eq(first_id(a), "telefoon");
  json_decref(a);
  a = ask(r, "aanvraag", NULL, 0);
  notes_are(a, "aanvraag", names, "010011001");
  cr_assert_str_eq(first_id(a), "website");
  json_decref(a);
  a = ask(r, "kaart", NULL, 0);
  notes_are(a, "kaart", names, "010101000");
  cr_assert_str_eq(first_id(a), "website");
  json_decref(a);
  a = ask(r, "afval", NULL, 0);
  notes_are(a, "afval", names, "000001000");
  cr_assert_str_eq(first_id(a), "website");
  json_decref(a);
  ww_rules_free(r);
}

/* `service = { id = ".." }` is decided for that one service only (loader.c: a shared rule
 * set has thousands of such rules); with more conditions, all must hold there too. */
Test(conditions, service_id) {
  put("steering/a.lua",
      "rule \"id\" { service = { id = \"kaart\" }, advise = function(r, a) a:note(\"[id]\") end }\n"
      "rule \"idand\" { service = { id = \"kaart\", post = true },\n"
      "  advise = function(r, a) a:note(\"[idand]\") end }\n"
      "rule \"idnot\" { service = { id = \"kaart\", post = false },\n"
      "  advise = function(r, a) a:note(\"[idnot]\") end }\n"
      "rule \"ids\" { service = { id = { \"afval\", \"kaart\" } },\n"
      "  advise = function(r, a) a:note(\"[ids]\") end }\n");
  ww_rules *r = load_ok();
  static const char *const names[] = {"[id]", "[idand]", "[idnot]", "[ids]", NULL};
  static const char *const svcs[] = {"paspoort", "aanvraag", "kaart", "afval"};
  static const char *const want[] = {"0000", "0000", "1101", "0001"};
  for (int i = 0; i < 4; i++) {
    json_t *a = ask(r, svcs[i], NULL, 0);
    notes_are(a, svcs[i], names, want[i]);
    json_decref(a);
  }
  cr_assert_eq(json_array_size(ww_rules_warnings(r)), 1, "the rule that never holds");
  cr_assert(strstr(json_string_value(json_array_get(ww_rules_warnings(r), 0)), "idnot"));
  ww_rules_free(r);
}

/* ---- 2. function `service` ---- */

Test(conditions, service_function) {
  put("steering/a.lua",
      "rule \"fn\" {\n"
      "  service = function(s) return s.auth == \"hoog\" or s.post == true end,\n"
      "  advise = function(r, a) a:note(\"[fn]\") end }\n"
      "rule \"fntags\" {\n"
      "  service = function(s) for _, t in ipairs(s.tags) do if t == \"burgerzaken\" then return true end end\n"
      "    return false end,\n"
      "  advise = function(r, a) a:prefer(\"balie\", 100, \"Kom langs\") end }\n");
  ww_rules *r = load_ok();
  static const char *const names[] = {"[fn]", NULL};
  const char *svcs[] = {"paspoort", "aanvraag", "kaart", "afval"};
  const char *want[] = {"1", "0", "1", "0"};
  const char *first[] = {"balie", "website", "balie", "website"};
  for (int i = 0; i < 4; i++) {
    json_t *a = ask(r, svcs[i], NULL, 0);
    notes_are(a, svcs[i], names, want[i]);
    cr_assert_str_eq(first_id(a), first[i], "%s: first %s", svcs[i], first_id(a));
    json_decref(a);
  }
  ww_rules_free(r);
}

Test(conditions, service_function_error) {
  put("steering/f.lua",
      "-- a filter that fails for one service\n\n"
      "rule \"kapot\" {\n"
      "  priority = 5,\n"
      "  service = function(s)\n"
      "    if s.id == \"kaart\" then error(\"kapotte filter\") end\n"
      "    return true\n"
      "  end,\n"
      "  advise = function(r, a) end }\n");
  fails_at2("steering/f.lua", 3, "rule \"kapot\": its service filter failed for service \"kaart\"",
            "kapotte filter");
}

Test(conditions, service_function_endless_loop) {
  put("steering/g.lua",
      "rule \"ok\" { advise = function(r, a) end }\n"
      "rule \"lus\" {\n"
      "  service = function(s) while true do end end,\n"
      "  advise = function(r, a) end }\n");
  /* the first service in the catalogue is paspoort */
  fails_at2("steering/g.lua", 2, "rule \"lus\": its service filter failed for service \"paspoort\"",
            "instruction budget exceeded");
}

Test(conditions, service_function_read_only) {
  put("steering/h.lua",
      "\nrule \"schrijft\" { service = function(s) s.name = \"x\" return true end,\n"
      "  advise = function(r, a) end }\n");
  fails_at2("steering/h.lua", 2, "rule \"schrijft\": its service filter failed for service \"paspoort\"",
            "the catalogue");
  /* and the catalogue is not changed by a write that is caught inside the filter */
  put("steering/h.lua",
      "rule \"probeert\" { service = function(s) pcall(function() s.name = \"x\" end)\n"
      "    return s.name == \"x\" end,\n"
      "  advise = function(r, a) a:note(\"[veranderd]\") end }\n");
  ww_rules *r = load_ok();
  json_t *a = ask(r, "afval", NULL, 0);
  cr_assert(!has_note(a, "[veranderd]"));
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "service"), "name")),
                   "Grofvuil");
  json_decref(a);
  ww_rules_free(r);
}

Test(conditions, service_function_no_dsl) {
  /* a filter runs after loading: it cannot add services or rules (the lists it walks) */
  put("steering/d.lua",
      "rule \"voegtoe\" {\n"
      "  service = function(s) service \"nieuw\" { name = \"Nieuw\" } return true end,\n"
      "  advise = function(r, a) end }\n");
  fails_at2("steering/d.lua", 1, "rule \"voegtoe\": its service filter failed for service \"paspoort\"",
            "can only be used while the rule set loads");
  put("steering/d.lua",
      "\nrule \"voegtoe\" {\n"
      "  service = function(s) rule \"nog een\" { advise = function(r, a) end } return true end,\n"
      "  advise = function(r, a) end }\n");
  fails_at2("steering/d.lua", 2, "its service filter failed for service \"paspoort\"",
            "can only be used while the rule set loads");
}

/* ---- 3. `service` ignores request extras (they are r.extra) ---- */

Test(conditions, service_ignores_request_extras) {
  put("steering/a.lua",
      "rule \"post\" { service = { post = true }, advise = function(r, a) a:note(\"[post]\") end }\n"
      "rule \"postfn\" { service = function(s) return s.post == true end,\n"
      "  advise = function(r, a) a:note(\"[postfn]\") end }\n"
      "rule \"tag\" { service = { tags = \"reisdocument\" }, advise = function(r, a) a:note(\"[tag]\") end }\n"
      "rule \"gezien\" { when = function(r) return r.extra.post == true end,\n"
      "  advise = function(r, a) a:note(\"[gezien]\") end }\n"
      "rule \"catalogus\" { when = function(r) return r.service.post ~= nil end,\n"
      "  advise = function(r, a) a:note(\"[catalogus]\") end }\n");
  ww_rules *r = load_ok();
  static const char *const names[] = {"[post]", "[postfn]", "[tag]", "[gezien]", "[catalogus]",
                                      NULL};
  json_t *a = ask(r, "afval", "\"post\":true,\"tags\":[\"reisdocument\"]", 0);
  notes_are(a, "afval with extras", names, "00010");
  json_decref(a);
  a = ask(r, "kaart", NULL, 0);
  notes_are(a, "kaart", names, "11001");
  json_decref(a);
  a = ask(r, "afval", NULL, 0);
  notes_are(a, "afval", names, "00000");
  json_decref(a);
  ww_rules_free(r);
}

/* ---- 4. `citizen` ---- */

Test(conditions, citizen) {
  put("steering/a.lua",
      "rule \"needs\" { citizen = { needs = { \"literacy\", \"cognitive\" } },\n"
      "  advise = function(r, a) a:note(\"[needs]\") end }\n"
      "rule \"visual\" { citizen = { needs = \"visual\" }, advise = function(r, a) a:note(\"[visual]\") end }\n"
      "rule \"skills\" { citizen = { digitalSkills = \"low\" },\n"
      "  advise = function(r, a) a:note(\"[skills]\") end }\n"
      "rule \"age\" { citizen = { age = 81 }, advise = function(r, a) a:note(\"[age81]\") end }\n"
      "rule \"auth\" { citizen = { authLevel = { \"none\", \"basis\" } },\n"
      "  advise = function(r, a) a:note(\"[auth]\") end }\n"
      "rule \"niveau\" { citizen = { niveau = 2.0 }, advise = function(r, a) a:note(\"[niveau]\") end }\n"
      "rule \"beide\" { citizen = { digitalSkills = \"low\", age = 81 },\n"
      "  advise = function(r, a) a:prefer(\"telefoon\", 100, \"Bel ons\") end }\n");
  ww_rules *r = load_ok();
  static const char *const names[] = {"[needs]", "[visual]", "[skills]", "[age81]", "[auth]", "[niveau]", NULL};
  json_t *a = ask(r, "afval",
                  "\"citizen\":{\"needs\":[\"visual\",\"cognitive\"],\"digitalSkills\":\"low\","
                  "\"age\":81.0,\"niveau\":2}", 0);
  notes_are(a, "all", names, "111101");
  cr_assert_str_eq(first_id(a), "telefoon");
  json_decref(a);
  a = ask(r, "afval", "\"citizen\":{\"needs\":[\"hearing\"],\"digitalSkills\":\"high\",\"age\":80,"
                      "\"authLevel\":\"midden\",\"niveau\":2.5}", 0);
  notes_are(a, "none", names, "000000");
  cr_assert_str_eq(first_id(a), "website");
  json_decref(a);
  a = ask(r, "afval", "\"citizen\":{\"needs\":[\"literacy\"],\"age\":81,\"authLevel\":\"basis\"}", 0);
  notes_are(a, "some", names, "100110");
  cr_assert_str_eq(first_id(a), "website", "digitalSkills absent: 'beide' does not hold");
  json_decref(a);
  a = ask(r, "afval", "\"citizen\":{\"digitalSkills\":\"low\",\"age\":82,\"niveau\":\"2\"}", 0);
  notes_are(a, "82", names, "001000");
  cr_assert_str_eq(first_id(a), "website", "age 82: 'beide' does not hold");
  json_decref(a);
  a = ask(r, "afval", NULL, 0);
  notes_are(a, "no citizen", names, "000000");
  json_decref(a);
  ww_rules_free(r);
}

/* ---- 5. `context` ---- */

Test(conditions, context) {
  put("steering/a.lua",
      "rule \"intent\" { context = { intent = \"status\" }, advise = function(r, a) a:note(\"[intent]\") end }\n"
      "rule \"tue\" { context = { weekday = \"tue\" }, advise = function(r, a) a:note(\"[tue]\") end }\n"
      "rule \"tien\" { context = { hhmm = \"10:00\", date = \"2026-12-01\" },\n"
      "  advise = function(r, a) a:note(\"[tien]\") end }\n"
      "rule \"web\" { context = { origin = \"web\" }, advise = function(r, a) a:note(\"[web]\") end }\n"
      "rule \"ivr\" { context = { origin = { \"ivr\", \"kcc\" } },\n"
      "  advise = function(r, a) a:prefer(\"balie\", 100, \"[ivr]\") end }\n");
  ww_rules *r = load_ok();
  static const char *const names[] = {"[intent]", "[tue]", "[tien]", "[web]", NULL};
  json_t *a = ask(r, "afval", "\"context\":{\"intent\":\"status\",\"time\":\"2026-12-01T10:00:00+01:00\"}", 0);
  notes_are(a, "tuesday status", names, "1111");
  cr_assert_str_eq(first_id(a), "website");
  json_decref(a);
  a = ask(r, "afval", "\"context\":{\"intent\":\"aanvraag\",\"time\":\"2026-12-02T10:00:00+01:00\"}", 0);
  notes_are(a, "wednesday", names, "0001");
  json_decref(a);
  a = ask(r, "afval", "\"context\":{\"origin\":\"ivr\",\"time\":\"2026-12-01T10:01:00+01:00\"}", 0);
  notes_are(a, "explicit ivr", names, "0100");
  cr_assert_str_eq(first_id(a), "balie");
  json_decref(a);
  /* the route answer: origin defaults to ivr there */
  a = ask(r, "afval", "\"context\":{\"time\":\"2026-12-01T10:00:00+01:00\"}", 1);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "target"), "id")), "balie",
                   "route target %s", json_dumps(a, 0));
  json_decref(a);
  /* without the ivr rule the route goes to telefoon (the best other routable channel) */
  a = ask(r, "afval", "\"context\":{\"origin\":\"web\",\"time\":\"2026-12-01T10:00:00+01:00\"}", 1);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "target"), "id")), "telefoon");
  json_decref(a);
  ww_rules_free(r);
}

/* ---- 6. `when` only when the conditions hold ---- */

Test(conditions, when_only_called_when_conditions_hold) {
  put("steering/a.lua",
      "rule \"cit\" { citizen = { digitalSkills = \"low\" },\n"
      "  when = function(r) error(\"boem\") end, advise = function(r, a) end }\n"
      "rule \"ctx\" { context = { intent = \"status\" },\n"
      "  when = function(r) error(\"boem\") end, advise = function(r, a) end }\n"
      "rule \"svc\" { service = { presence = true },\n"
      "  when = function(r) error(\"boem\") end, advise = function(r, a) end }\n"
      "rule \"ok\" { when = function(r) return true end, advise = function(r, a) a:note(\"[ok]\") end }\n");
  ww_rules *r = load_ok();
  json_t *a = ask(r, "afval", "\"citizen\":{\"digitalSkills\":\"high\"},\"context\":{\"intent\":\"x\"}", 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")), "%s", json_dumps(a, 0));
  cr_assert(has_note(a, "[ok]"));
  json_decref(a);
  const char *bad[][2] = {{"afval", "\"citizen\":{\"digitalSkills\":\"low\"}"},
                          {"afval", "\"context\":{\"intent\":\"status\"}"},
                          {"paspoort", "\"citizen\":{\"digitalSkills\":\"high\"}"}};
  for (int i = 0; i < 3; i++) {
    a = ask(r, bad[i][0], bad[i][1], 0);
    cr_assert(json_is_true(json_object_get(a, "degraded")), "case %d: %s", i, json_dumps(a, 0));
    cr_assert(!has_note(a, "[ok]"));
    json_decref(a);
  }
  ww_rules_free(r);
}

/* ---- 7. explain trace ---- */

static const json_t *trace_of(const json_t *a, const char *rule) {
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(a, "trace"), i, t) {
    if (strcmp(json_string_value(json_object_get(t, "rule")), rule) == 0) return t;
  }
  return NULL;
}

Test(conditions, explain_trace) {
  put("steering/a.lua",
      "rule \"balie\" {\n"
      "  priority = 10,\n"
      "  service = { presence = true },\n"
      "  advise = function(r, a) a:prefer(\"balie\", 40, \"Kom langs\") end }\n"
      "rule \"hulp\" {\n"
      "  citizen = { needs = \"literacy\" },\n"
      "  context = { intent = \"status\" },\n"
      "  advise = function(r, a) a:note(\"Wij helpen u\") end }\n");
  ww_rules *r = load_ok();
  json_t *a = ask(r, "afval", "\"explain\":true,\"citizen\":{\"needs\":[\"literacy\"]}", 0);
  cr_assert_eq(json_array_size(json_object_get(a, "trace")), 2, "%s", json_dumps(a, 0));
  const json_t *t = trace_of(a, "balie");
  cr_assert_not_null(t, "%s", json_dumps(a, 0));
  cr_assert_str_eq(json_string_value(json_object_get(t, "source")), "steering/a.lua:1");
  cr_assert(json_is_false(json_object_get(t, "matched")));
  cr_assert(json_is_array(json_object_get(t, "effects")));
  cr_assert_eq(json_array_size(json_object_get(t, "effects")), 0);
  t = trace_of(a, "hulp");
  cr_assert_not_null(t);
  cr_assert_str_eq(json_string_value(json_object_get(t, "source")), "steering/a.lua:5");
  cr_assert(json_is_false(json_object_get(t, "matched")), "intent missing");
  cr_assert_eq(json_array_size(json_object_get(t, "effects")), 0);
  json_decref(a);
  a = ask(r, "paspoort",
          "\"explain\":true,\"citizen\":{\"needs\":[\"literacy\"]},\"context\":{\"intent\":\"status\"}", 0);
  t = trace_of(a, "balie");
  cr_assert(json_is_true(json_object_get(t, "matched")));
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(t, "effects"), 0)), "prefer balie +40");
  t = trace_of(a, "hulp");
  cr_assert(json_is_true(json_object_get(t, "matched")));
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(t, "effects"), 0)), "note Wij helpen u");
  json_decref(a);
  ww_rules_free(r);
}

/* ---- 8. validation ---- */

Test(conditions, validate_service_type) {
  put("steering/a.lua", "\nrule \"x\" {\n  service = \"reisdocument\",\n  advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 2, "rule \"x\": service must be a table of catalogue fields");
  put("steering/a.lua", "rule \"x\" { service = true, advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 1, "rule \"x\": service must be a table of catalogue fields");
}

Test(conditions, validate_citizen_context_type) {
  put("steering/a.lua", "-- x\nrule \"x\" {\n  citizen = \"low\",\n  advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 2, "rule \"x\": citizen must be a table of fields");
  put("steering/b.lua", "rule \"y\" {\n  context = function(c) return true end,\n"
                        "  advise = function(r, a) end }\n");
  put("steering/a.lua", "-- x\n");
  fails_at("steering/b.lua", 1, "rule \"y\": context must be a table of fields");
}

Test(conditions, validate_values) {
  put("steering/a.lua", "\n\nrule \"x\" {\n  citizen = { needs = { {} } },\n  advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 3,
           "rule \"x\": citizen.needs must be a text, a number, true/false or a list of those");
  put("steering/a.lua", "rule \"x\" { citizen = { needs = {} }, advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 1, "citizen.needs must be a text, a number, true/false or a list of those");
  put("steering/a.lua", "rule \"x\" {\n context = { intent = { \"status\", {} } },\n"
                        " advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 1, "context.intent must be a text, a number, true/false or a list of those");
  put("steering/a.lua", "\nrule \"x\" { service = { tags = function() end }, advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 2, "service.tags must be a text, a number, true/false or a list of those");
  put("steering/a.lua", "rule \"x\" { context = { intent = { \"a\", x = \"b\" } }, advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 1, "context.intent must be a text, a number, true/false or a list of those");
}

Test(conditions, validate_field_names) {
  put("steering/a.lua", "rule \"x\" {\n  citizen = { \"low\" },\n  advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 1, "rule \"x\": citizen = { ... } needs field names");
  put("steering/a.lua", "\nrule \"x\" { service = { [1] = true }, advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 2, "service = { ... } needs field names");
}

Test(conditions, validate_unknown_rule_field) {
  put("steering/a.lua", "\n\n\nrule \"x\" {\n  services = { presence = true },\n  advise = function(r, a) end }\n");
  fails_at("steering/a.lua", 4, "rule \"x\": unknown field 'services'; a rule has priority, service, "
                                "citizen, context, from, to, when and advise");
}
