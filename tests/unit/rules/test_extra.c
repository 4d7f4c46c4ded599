/* Request extras (top-level fields the engine does not know) are r.extra, never catalogue
 * fields (issue 19: they filled in what a service lacked, so "online": false in a request
 * changed the verhuizing advice of the bundled rules; docs/rules.md 7.6: r.extra holds the
 * request fields the engine does not know, never mixed into the catalogue). */
#include "helpers.h"

#define BUNDLED WW_FIXTURES "/../../../../rules"

/* What decides an advice: the channels with score and reasons, excluded, notes, and the
 * rules that matched. */
static void gist(ww_rules *r, const char *req, char *out, size_t n) {
  json_t *a = decide_json(r, req, 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  json_object_del(a, "adviceId");
  json_t *matched = json_array();
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(a, "trace"), i, t) if (json_is_true(json_object_get(t, "matched")))
      json_array_append(matched, json_object_get(t, "rule"));
  json_object_del(a, "trace");
  json_object_set_new(a, "matched", matched);
  char *s = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
  snprintf(out, n, "%s", s);
  free(s);
  json_decref(a);
}

Test(extra, a_request_field_does_not_change_the_bundled_advice) {
  ww_err err = {0};
  ww_rules *r = ww_rules_load(BUNDLED, NULL, &err);
  cr_assert_not_null(r, "%s", err.msg);
  static const char *const citizens[] = {"{}", "{\"authLevel\":\"none\"}",
                                         "{\"authLevel\":\"basis\",\"digitalSkills\":\"low\"}"};
  for (int c = 0; c < 3; c++) {
    char req[400], plain[8000], with[8000];
    snprintf(req, sizeof req, "{\"service\":\"verhuizing\",\"explain\":true,\"citizen\":%s,"
             "\"context\":{\"time\":\"2026-12-01T10:00:00+01:00\"}}", citizens[c]);
    gist(r, req, plain, sizeof plain);
    snprintf(req, sizeof req, "{\"service\":\"verhuizing\",\"explain\":true,\"online\":false,"
             "\"presence\":true,\"auth\":\"none\",\"tags\":[\"sociaal_domein\"],\"citizen\":%s,"
             "\"context\":{\"time\":\"2026-12-01T10:00:00+01:00\"}}", citizens[c]);
    gist(r, req, with, sizeof with);
    cr_assert_str_eq(with, plain, "citizen %s: the extras changed the advice", citizens[c]);
  }
  ww_rules_free(r);
}

static const char SERVICES[] = "service \"afval\" { name = \"Grofvuil ophalen\", online = true }\n";

Test(extra, extras_are_r_extra_read_only) {
  char dir[64];
  scratch_new(dir, sizeof dir, SCRATCH_CHANNELS, SERVICES);
  scratch_put(dir, "steering/extra.lua",
              "rule \"extra\" { advise = function(r, a)\n"
              "  local keys = {}\n"
              "  for k in pairs(r.extra) do keys[#keys + 1] = k end\n"
              "  table.sort(keys)\n"
              "  a:note(\"keys \" .. table.concat(keys, \",\"))\n"
              "  a:note(\"online \" .. tostring(r.extra.online) .. \" \" .. tostring(r.service.online))\n"
              "  a:note(\"kanaal \" .. tostring(r.extra.kanaal) .. \" \" .. tostring(r.service.kanaal))\n"
              "  a:note(\"nested \" .. tostring(r.extra.meta and r.extra.meta.bron))\n"
              "  local ok, e = pcall(function() r.extra.kanaal = 1 end)\n"
              "  a:note(\"write \" .. tostring(ok) .. \" \" .. tostring(e):gsub(\"^.-: \", \"\"))\n"
              "  ok = pcall(function() r.extra.meta.bron = 1 end)\n"
              "  a:note(\"nested write \" .. tostring(ok))\n"
              "end }\n");
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(r, "%s", err.msg);
  json_t *a = decide_json(r, "{\"service\":\"afval\",\"online\":false,\"kanaal\":\"app\","
                             "\"meta\":{\"bron\":\"kiosk\"},\"leeg\":null}", 0);
  cr_assert(has_note(a, "keys kanaal,meta,online"));
  cr_assert(has_note(a, "online false true"));   /* the catalogue's own value stays */
  cr_assert(has_note(a, "kanaal app nil"));
  cr_assert(has_note(a, "nested kiosk"));
  cr_assert(has_note(a, "write false r is read-only"));
  cr_assert(has_note(a, "nested write false"));
  json_decref(a);
  /* without extras r.extra is an empty table, not nil */
  a = decide_json(r, "{\"service\":\"afval\"}", 0);
  cr_assert(has_note(a, "keys "));
  cr_assert(has_note(a, "online nil true"));
  json_decref(a);
  ww_rules_free(r);
  scratch_remove(dir);
}
