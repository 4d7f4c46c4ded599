/* wegwijzer diff: the replay over a generated grid instead of recorded traffic -- every
 * service of either rule set x a set of citizen profiles x each hour of one week. */
#include <string.h>

#include "replay/replay.h"
#include "util/tztime.h"

/* The values a request can carry (decision/request.c validates the same ones). */
static const char *const skills[] = {"low", "medium", "high", NULL};
static const char *const auth_levels[] = {"none", "basis", "midden", "substantieel", "hoog",
                                          "eh2", "eh2+", "eh3", "eh4", NULL};
static const char *const needs[] = {"visual", "hearing", "mobility", "cognitive", "literacy",
                                    "language", NULL};
static const int ages[] = {16, 40, 67, 80};
static const char *const origins[] = {"ivr", "kcc", "balie", NULL};

/* The profiles: the anonymous citizen, then one per value of each field alone (so every
 * value a rule can test is met once, on the base of everything else unknown). A language
 * is each one a channel of either rule set names. Returns [{citizen, origin?}] (new). */
static json_t *profiles(ww_rules *before, ww_rules *after) {
  json_t *out = json_array();
  json_array_append_new(out, json_pack("{s:{}}", "citizen"));
  for (int i = 0; skills[i]; i++)
    json_array_append_new(out, json_pack("{s:{s:s}}", "citizen", "digitalSkills", skills[i]));
  for (int i = 0; auth_levels[i]; i++)
    json_array_append_new(out, json_pack("{s:{s:s}}", "citizen", "authLevel", auth_levels[i]));
  for (int i = 0; needs[i]; i++)
    json_array_append_new(out, json_pack("{s:{s:[s]}}", "citizen", "needs", needs[i]));
  for (size_t i = 0; i < sizeof ages / sizeof ages[0]; i++)
    json_array_append_new(out, json_pack("{s:{s:i}}", "citizen", "age", ages[i]));
  json_t *langs = json_object();
  ww_rules *sets[2] = {before, after};
  for (int s = 0; s < 2; s++) {
    json_t *chs = ww_rules_channels(sets[s], 0, NULL);
    size_t i, k;
    const json_t *c, *l;
    json_array_foreach(json_object_get(chs, "channels"), i, c)
      json_array_foreach(json_object_get(c, "languages"), k, l)
        if (json_is_string(l)) json_object_set_new(langs, json_string_value(l), json_true());
    json_decref(chs);
  }
  const char *lang;
  json_t *v;
  json_object_foreach(langs, lang, v)
    json_array_append_new(out, json_pack("{s:{s:s}}", "citizen", "language", lang));
  json_decref(langs);
  for (int i = 0; origins[i]; i++)
    json_array_append_new(out, json_pack("{s:{}, s:s}", "citizen", "origin", origins[i]));
  return out;
}

/* The services of both rule sets, each once, in catalogue order (before's first). */
static json_t *services(ww_rules *before, ww_rules *after) {
  json_t *ids = json_array(), *seen = json_object();
  ww_rules *sets[2] = {before, after};
  for (int s = 0; s < 2; s++) {
    json_t *all = ww_decision_services(sets[s]);
    size_t i;
    const json_t *svc;
    json_array_foreach(json_object_get(all, "services"), i, svc) {
      const char *id = json_string_value(json_object_get(svc, "id"));
      if (id && json_object_get(seen, id) == NULL) {
        json_object_set_new(seen, id, json_true());
        json_array_append_new(ids, json_string(id));
      }
    }
    json_decref(all);
  }
  json_decref(seen);
  return ids;
}

int ww_replay_grid(ww_replay *r, ww_rules *before, ww_rules *after, int64_t monday) {
  json_t *svcs = services(before, after), *profs = profiles(before, after);
  int rc = 0;
  size_t i, k;
  const json_t *svc, *p;
  for (int h = 0; h < 7 * 24 && rc >= 0; h++) {
    char at[32];
    ww_time_format(monday + h * 3600 + 30 * 60, at);   /* half past: inside every hour */
    json_array_foreach(profs, k, p) {
      const char *origin = json_string_value(json_object_get(p, "origin"));
      json_array_foreach(svcs, i, svc) {
        json_t *req = json_pack("{s:O, s:O, s:{s:s, s:s}}", "service", svc, "citizen",
                                json_object_get(p, "citizen"), "context", "time", at,
                                "origin", origin ? origin : "web");
        rc = req ? ww_replay_add_request(r, req, NULL, NULL, 0) : -1;
        json_decref(req);
        if (rc < 0) break;
      }
      if (rc < 0) break;
    }
  }
  json_decref(svcs);
  json_decref(profs);
  return rc < 0 ? -1 : 0;
}

int64_t ww_replay_week_start(int64_t t) {
  ww_localtime lt;
  ww_time_local(t, &lt);
  int64_t day = ww_days_from_civil(lt.year, lt.month, lt.day) - lt.weekday;   /* Monday */
  int64_t utc = day * 86400;
  ww_localtime at;
  ww_time_local(utc - 3600, &at);   /* the offset at local midnight (never in a DST switch) */
  return utc - at.offset;
}
