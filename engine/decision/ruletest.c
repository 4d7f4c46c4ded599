/* The rule tests (tests/ *.lua, `wegwijzer test`, and before every reload) and the
 * duty-of-care check: every service keeps a channel where a person helps. */
#include <stdio.h>
#include <string.h>

#include "decision/decision_private.h"
#include "util/tztime.h"

static const unsigned char TEST_SECRET[] = "wegwijzer-rule-tests";

static int find_id(const json_t *arr, const char *id) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
      return (int)i;
  return -1;
}

static int any_contains(const json_t *arr, const char *sub) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) if (json_is_string(v) && strstr(json_string_value(v), sub)) return 1;
  return 0;
}

static void list_ids(const json_t *arr, size_t max, char *out, size_t n) {
  out[0] = '\0';
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (i >= max) break;
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", i ? ", " : "",
             json_string_value(json_object_get(v, "id")));
  }
  if (json_array_size(arr) == 0) snprintf(out, n, "nothing");
}

/* One decision of a test: 'req' read as a /v1/route call's with 'ivr', answered as a route
 * answer with 'route'. */
static int decide(ww_rules *R, const json_t *req, const json_t *session, const json_t *status,
                  int64_t now, int ivr, int route, int explain, json_t **out, ww_err *err) {
  ww_parse_opts po = {0};
  po.secret = TEST_SECRET;
  po.secret_len = sizeof TEST_SECRET - 1;
  po.now = now;
  po.ivr = ivr;
  ww_decision_input in;
  int rc = ww_decision_parse(R, req, &po, &in, err);
  if (rc != 0) return rc;
  if (explain) in.explain = 1;
  ww_decision_opts o = {0};
  o.route = route;
  o.session = session;
  o.status = status;
  o.advice_id = "00000000000000000000000000000000";
  return ww_decision_json(R, &in, &o, out, err);
}

/* Checks one case; returns 1 if it passes, else 0 with 'why'. */
static int run_case(ww_rules *R, const ww_case *c, ww__case_seen seen, void *sud, char *why,
                    size_t n) {
  json_t *ans = NULL, *rans = NULL;
  ww_err err = {0};
  int ok = 0;
  const json_t *e = c->expect;
  if (decide(R, c->request, c->session, c->status, 0, c->route, 0, seen != NULL, &ans, &err) !=
      0) {
    snprintf(why, n, "the request is invalid: %s", err.msg);
    goto out;
  }
  if (seen && R->last) seen(sud, R->last);
  int degraded = json_is_true(json_object_get(ans, "degraded"));
  json_t *xd = json_object_get(e, "degraded");
  if (xd) {
    if (json_is_true(xd) != degraded) {
      snprintf(why, n, degraded ? "expected a normal advice, but the rules failed: %s"
                                : "expected a degraded (fallback) advice, got a normal one%s",
               degraded ? R->last->error : "");
      goto out;
    }
  } else if (degraded) {
    snprintf(why, n, "the rules failed at run time: %s", R->last->error);
    goto out;
  }
  json_t *chs = json_object_get(ans, "channels"), *exc = json_object_get(ans, "excluded");
  char got[300];
  json_t *v;
  if ((v = json_object_get(e, "first"))) {
    json_t *f = json_array_get(chs, 0);
    const char *fid = f ? json_string_value(json_object_get(f, "id")) : NULL;
    if (!fid || strcmp(fid, json_string_value(v)) != 0) {
      snprintf(why, n, "expected first \"%s\", got %s%s%s", json_string_value(v),
               fid ? "\"" : "no channel at all", fid ? fid : "", fid ? "\"" : "");
      goto out;
    }
  }
  size_t i;
  json_t *id;
  if ((v = json_object_get(e, "excluded"))) json_array_foreach(v, i, id) {
      int r = find_id(chs, json_string_value(id));
      if (find_id(exc, json_string_value(id)) < 0) {
        snprintf(why, n, "expected \"%s\" to be excluded, but it is in the advice at rank %d",
                 json_string_value(id), r + 1);
        goto out;
      }
    }
  if ((v = json_object_get(e, "included"))) json_array_foreach(v, i, id) {
      if (find_id(chs, json_string_value(id)) < 0) {
        snprintf(why, n, "expected \"%s\" in the advice, but it is excluded",
                 json_string_value(id));
        goto out;
      }
    }
  if ((v = json_object_get(e, "order"))) {
    int bad = json_array_size(chs) < json_array_size(v);
    json_array_foreach(v, i, id) {
      json_t *ci = json_array_get(chs, i);
      if (!ci || strcmp(json_string_value(json_object_get(ci, "id")), json_string_value(id)))
        bad = 1;
    }
    if (bad) {
      char want[300] = "";
      json_array_foreach(v, i, id) {
        size_t l = strlen(want);
        snprintf(want + l, sizeof want - l, "%s%s", i ? ", " : "", json_string_value(id));
      }
      list_ids(chs, json_array_size(v) + 2, got, sizeof got);
      snprintf(why, n, "expected the advice to start with %s; got %s", want, got);
      goto out;
    }
  }
  if ((v = json_object_get(e, "open"))) {
    const char *k;
    json_t *b;
    json_object_foreach(v, k, b) {
      int ci = ww_catalogue_channel(R->cat, k);
      int open = R->states.st[ci].open;   /* as the decision saw them */
      if (open != json_is_true(b)) {
        snprintf(why, n, "expected \"%s\" to be %s, but it is %s", k,
                 json_is_true(b) ? "open" : "closed", open ? "open" : "closed");
        goto out;
      }
    }
  }
  if ((v = json_object_get(e, "notes"))) {
    if (!any_contains(json_object_get(ans, "notes"), json_string_value(v))) {
      snprintf(why, n, "expected a note containing \"%s\", but no note says that",
               json_string_value(v));
      goto out;
    }
  }
  if ((v = json_object_get(e, "reason"))) {
    const char *k;
    json_t *s;
    json_object_foreach(v, k, s) {
      int r = find_id(chs, k);
      json_t *item = r >= 0 ? json_array_get(chs, r) : json_array_get(exc, find_id(exc, k));
      if (!any_contains(json_object_get(item, "reasons"), json_string_value(s))) {
        snprintf(why, n, "expected a reason for \"%s\" containing \"%s\", but none does", k,
                 json_string_value(s));
        goto out;
      }
    }
  }
  if ((v = json_object_get(e, "route"))) {
    if (decide(R, c->request, c->session, c->status, 0, 1, 1, 0, &rans, &err) != 0) {
      snprintf(why, n, "the request is invalid: %s", err.msg);
      goto out;
    }
    const char *tid = json_string_value(json_object_get(json_object_get(rans, "target"), "id"));
    if (!tid || strcmp(tid, json_string_value(v)) != 0) {
      snprintf(why, n, "expected route to \"%s\", got \"%s\"%s", json_string_value(v),
               tid ? tid : "",
               json_is_true(json_object_get(json_object_get(rans, "target"), "fallback"))
                   ? " (the fallback route: no open routable channel)" : "");
      goto out;
    }
  }
  ok = 1;
out:
  json_decref(ans);
  json_decref(rans);
  ww_err_clear(&err);
  return ok;
}

/* Whether a channel of 'kind' can help a citizen with 'need' (NULL: none): not by voice
 * for who cannot hear (phone, callback), not through a form or paper for who cannot see
 * (callback is asked for with a form, post). */
int ww__reachable(const char *kind, const char *need) {
  static const struct { const char *need, *kind; } unreachable[] = {
      {"hearing", "phone"}, {"hearing", "callback"}, {"visual", "callback"}, {"visual", "post"}};
  if (kind == NULL) return 0;
  for (size_t k = 0; need && k < sizeof unreachable / sizeof unreachable[0]; k++)
    if (strcmp(need, unreachable[k].need) == 0 && strcmp(kind, unreachable[k].kind) == 0)
      return 0;
  return 1;
}

/* The same for a citizen object with every need in its list. */
static int reachable_for(const char *kind, const json_t *citizen) {
  size_t i;
  json_t *n;
  if (kind == NULL) return 0;
  json_array_foreach(json_object_get(citizen, "needs"), i, n)
      if (json_is_string(n) && !ww__reachable(kind, json_string_value(n))) return 0;
  return 1;
}

/* A weekday at 10:00 local that is no holiday, from 2026-12-01 on, or from 'from' (a
 * service's from) when that is later. */
static int64_t duty_time(const ww_catalogue *cat, int64_t from) {
  int64_t t;
  ww_time_parse("2026-12-01T10:00:00+01:00", &t);
  if (from > t) t += (from - t + 86399) / 86400 * 86400;
  for (int i = 0; i < 60; i++, t += 86400) {
    ww_localtime lt;
    ww_time_local(t, &lt);
    if (lt.weekday < 5 &&
        !ww_catalogue_is_holiday(cat, ww_days_from_civil(lt.year, lt.month, lt.day)))
      break;
  }
  return t;
}

/* The rule tests together have the time limit of a load, and no case a limit of its own: a
 * test must not fail because the machine was busy for 10 ms (a reload under load), and a
 * rule set of many slow cases must not hold a reload (and its lock) for longer. */
static int tests_too_long(const ww_rules *R, char *why, size_t n) {
  if (!ww_host_tests_over(R->host)) return 0;
  snprintf(why, n, "not run: the rule tests took longer than %u ms together (the time "
           "limit for loading); look for rules that are slow for these cases",
           ww_host_load_timeout_ms(R->host));
  return 1;
}

int ww__decision_test(ww_rules *R, ww_case_fn line, void *ud, int *passed, int *failed,
                      ww__case_seen seen, void *sud) {
  const ww_catalogue *cat = R->cat;
  int np = 0, nf = 0;
  char why[600];
  ww_host_tests_begin(R->host);
  for (int i = 0; i < cat->ncases; i++) {
    why[0] = '\0';
    int ok = !tests_too_long(R, why, sizeof why) &&
             run_case(R, &cat->cases[i], seen, sud, why, sizeof why);
    ok ? np++ : nf++;
    if (line) line(ud, cat->cases[i].name, ok, ok ? NULL : why);
  }
  if (seen) seen(sud, NULL);   /* the cases are done; the duty of care is no case */
  /* duty of care (Wmebv, Awb 2:1): every service keeps a channel where a person helps,
   * one the citizen can reach with the needs they stated */
  static const struct { const char *who, *citizen; } duty[] = {
      {"anoniem", NULL},
      {"weinig digitale vaardigheden", "{\"digitalSkills\": \"low\"}"},
      {"visuele beperking", "{\"needs\": [\"visual\"]}"},
      {"doof, zonder DigiD", "{\"needs\": [\"hearing\"], \"authLevel\": \"none\"}"},
  };
  for (int s = 0; s < cat->nsvc; s++) {
    int64_t t = duty_time(cat, cat->svc[s].from);
    why[0] = '\0';
    int ok = !tests_too_long(R, why, sizeof why);
    for (size_t k = 0; k < sizeof duty / sizeof duty[0] && ok; k++) {
      json_t *req = json_pack("{s:s}", "service", cat->svc[s].id);
      json_t *cit = duty[k].citizen ? json_loads(duty[k].citizen, 0, NULL) : NULL;
      if (cit) json_object_set_new(req, "citizen", cit);
      json_t *ans = NULL;
      ww_err err = {0};
      if (decide(R, req, NULL, NULL, t, 0, 0, 0, &ans, &err) != 0) {
        ok = 0;
        snprintf(why, sizeof why, "%s: the request is invalid: %s", duty[k].who, err.msg);
      } else if (json_is_true(json_object_get(ans, "degraded"))) {
        ok = 0;
        snprintf(why, sizeof why, "%s: the rules failed at run time: %s", duty[k].who,
                 R->last->error);
      } else {
        int found = 0;
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(ans, "channels"), i, c)
            if (json_is_true(json_object_get(c, "assisted")) &&
                reachable_for(json_string_value(json_object_get(c, "kind")), cit))
              found = 1;
        if (!found) {
          ok = 0;
          snprintf(why, sizeof why, "no channel where a person helps is left for: %s "
                   "(weekday 10:00); keep %s or another assisted channel this citizen can "
                   "reach", duty[k].who, k == 3 ? "balie, chat" : "telefoon, balie");
        }
      }
      json_decref(ans);
      json_decref(req);
      ww_err_clear(&err);
    }
    char name[200];
    snprintf(name, sizeof name, "zorgplicht %s", cat->svc[s].id);
    ok ? np++ : nf++;
    if (line) line(ud, name, ok, ok ? NULL : why);
  }
  ww_host_tests_end(R->host);
  if (passed) *passed = np;
  if (failed) *failed = nf;
  return nf;
}

int ww_decision_test(ww_rules *R, ww_case_fn line, void *ud, int *passed, int *failed) {
  return ww__decision_test(R, line, ud, passed, failed, NULL, NULL);
}
