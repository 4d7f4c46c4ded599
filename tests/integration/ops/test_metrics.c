#define _GNU_SOURCE
/* Integration: GET /metrics after known traffic, parsed by Debian's Prometheus text parser
 * (prometheus_client.parser.text_string_to_metric_families, via /usr/bin/python3 and
 * parse_metrics.py), not by grep: requests by route/method/status with the right counts,
 * histograms, rule errors, degraded answers, advice per service and first channel,
 * handovers made and claimed, the rule-set version as an info metric. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops_test.h"

static ww_proc srv;
static char tmpdir[256], rules[300];

static void setup(void) {
  memset(&srv, 0, sizeof srv);
  ops_rules_copy(tmpdir, rules);
  /* Two rules that fail at run time for ages nobody else uses: an error and an endless
   * loop (the instruction budget). The bundled tests still pass. */
  ops_write(rules, "steering/zz_metrics_test.lua",
            "rule \"boom\" {\n  priority = 1,\n"
            "  when = function(r) return r.citizen.age == 111 end,\n"
            "  advise = function(r, a) error(\"boom for the metrics test\") end,\n}\n"
            "rule \"endless\" {\n  priority = 1,\n"
            "  when = function(r) return r.citizen.age == 112 end,\n"
            "  advise = function(r, a) while true do end end,\n}\n");
}

static void teardown(void) {
  if (srv.pid > 0) ww_proc_stop(&srv, SIGKILL, 5000);
  ww_proc_cleanup(&srv);
  ops_rmtree(tmpdir);
}

TestSuite(metrics, .init = setup, .fini = teardown, .timeout = 180);

/* ---- the parsed scrape ---- */

static json_t *scrape(void) {
  char path[400], cmd[1200];
  ww_http_resp r;
  memset(&r, 0, sizeof r);
  cr_assert_eq(ww_http_request(srv.port, "GET", "/metrics", NULL, NULL, &r), 0);
  cr_assert_eq(r.status, 200);
  const char *ct = ww_http_header(&r, "Content-Type");
  cr_assert_not_null(ct);
  cr_assert_not_null(strstr(ct, "text/plain"), "Content-Type %s", ct);
  cr_assert_not_null(strstr(ct, "version=0.0.4"), "Content-Type %s", ct);
  snprintf(path, sizeof path, "%s/metrics.txt", tmpdir);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fwrite(r.body, 1, r.body_len, f);
  cr_assert_eq(fclose(f), 0);
  ww_http_resp_free(&r);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s",
           ww_test_source("tests/integration/ops/parse_metrics.py"), path);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  json_error_t je;
  json_t *out = json_loadf(p, 0, &je);
  int st = pclose(p);
  cr_assert_eq(st, 0, "the Prometheus parser refused the scrape (see %s)", path);
  cr_assert_not_null(out, "parser output is not JSON: %s", je.text);
  return out;
}

/* The value of the sample 'name' whose labels include all of 'want' ("k=v" pairs, NULL-
 * terminated); NAN when there is none; fails when more than one matches exactly. */
static double sample(const json_t *m, const char *name, const char *const *want) {
  const json_t *samples = json_object_get(m, "samples");
  double v = NAN;
  size_t i;
  const json_t *s;
  json_array_foreach(samples, i, s) {
    if (strcmp(json_string_value(json_array_get(s, 0)), name) != 0) continue;
    const json_t *labels = json_array_get(s, 1);
    int ok = 1;
    for (int k = 0; want && want[k] && ok; k++) {
      const char *eq = strchr(want[k], '=');
      char key[64];
      snprintf(key, sizeof key, "%.*s", (int)(eq - want[k]), want[k]);
      const char *have = json_string_value(json_object_get(labels, key));
      ok = have && strcmp(have, eq + 1) == 0;
    }
    if (!ok) continue;
    cr_assert(isnan(v), "two samples %s match", name);
    v = json_number_value(json_array_get(s, 2));
  }
  return v;
}

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *family_type(const json_t *m, const char *name) {
  return json_string_value(json_object_get(json_object_get(m, "families"), name));
}

/* POST and expect 'want'; the answer (new) when 'out'. */
static void post(const char *path, const char *body, int want, json_t **out) {
  json_t *b = NULL;
  int st = ops_req(srv.port, "POST", path, NULL, body, &b);
  cr_assert_eq(st, want, "POST %s: %d", path, st);
  if (out) *out = b;
  else json_decref(b);
}

#define ADVICE(svc, extra)                                                            \
  "{\"service\":\"" svc "\",\"citizen\":{" extra "},\"context\":{\"origin\":\"web\","  \
  "\"time\":\"2026-12-01T10:15:00+01:00\"}}"

Test(metrics, scrape_after_traffic) {
  const char *args[] = {"--rules", rules, NULL};
  ww_test_serve(&srv, args);

  /* Advice: 6 verhuizing, 4 paspoort, 2 that fail in the rules (degraded). */
  char first_v[64] = "", first_p[64] = "";
  for (int i = 0; i < 6; i++) {
    json_t *a;
    post("/v1/advice", ADVICE("verhuizing", "\"digitalSkills\":\"low\",\"age\":81"), 200, &a);
    const char *f = ops_str(json_array_get(json_object_get(a, "channels"), 0), "id");
    if (i == 0) snprintf(first_v, sizeof first_v, "%s", f);
    cr_assert_str_eq(f, first_v);
    json_decref(a);
  }
  for (int i = 0; i < 4; i++) {
    json_t *a;
    post("/v1/advice", ADVICE("paspoort", "\"age\":40"), 200, &a);
    const char *f = ops_str(json_array_get(json_object_get(a, "channels"), 0), "id");
    if (i == 0) snprintf(first_p, sizeof first_p, "%s", f);
    cr_assert_str_eq(f, first_p);
    json_decref(a);
  }
  for (int age = 111; age <= 112; age++) {
    char body[300];
    snprintf(body, sizeof body, ADVICE("uittreksel_brp", "\"age\":%d"), age);
    json_t *a;
    post("/v1/advice", body, 200, &a);
    cr_assert(json_is_true(json_object_get(a, "degraded")), "age %d not degraded", age);
    json_decref(a);
  }
  post("/v1/advice", "{\"service\":", 400, NULL);                       /* invalid_json */
  post("/v1/advice", ADVICE("bestaat_niet", "\"age\":40"), 400, NULL);  /* unknown_service */
  for (int i = 0; i < 3; i++) cr_assert_eq(ops_req(srv.port, "GET", "/v1/channels", NULL, NULL, NULL), 200);
  for (int i = 0; i < 2; i++) cr_assert_eq(ops_req(srv.port, "GET", "/nope", NULL, NULL, NULL), 404);

  /* Two handover codes: one claimed by the desk, one by the IVR's /v1/route. */
  json_t *s;
  post("/v1/sessions", "{\"service\":\"verhuizing\",\"channel\":\"website\"}", 201, &s);
  char sid[80], path[160];
  snprintf(sid, sizeof sid, "%s", ops_str(json_object_get(s, "session"), "id"));
  json_decref(s);
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  char codes[2][8], body[300];
  for (int i = 0; i < 2; i++) {   /* one live code per session: claim the first first */
    json_t *h;
    post(path, "{\"to\":\"telefoon\"}", 201, &h);
    snprintf(codes[i], sizeof codes[i], "%s", ops_str(h, "code"));
    json_decref(h);
    if (i > 0) continue;
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"balie\"}", codes[0]);
    post("/v1/handover/claim", body, 200, NULL);
  }
  snprintf(body, sizeof body,
           "{\"service\":\"verhuizing\",\"handoverCode\":\"%s\","
           "\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}", codes[1]);
  post("/v1/route", body, 200, NULL);
  post("/v1/route", body, 404, NULL);   /* used: not claimed twice */

  char version[16];
  ops_rules_version(srv.port, NULL, version);
  json_t *m = scrape();

  /* requests by route, method and status */
  const char *rt = "wegwijzer_http_requests_total";
  cr_assert_eq(sample(m, rt, L("route=/v1/advice", "method=POST", "status=200")), 12);
  cr_assert_eq(sample(m, rt, L("route=/v1/advice", "method=POST", "status=400")), 2);
  cr_assert_eq(sample(m, rt, L("route=/v1/channels", "method=GET", "status=200")), 3);
  cr_assert_eq(sample(m, rt, L("route=unmatched", "method=GET", "status=404")), 2);
  cr_assert_eq(sample(m, rt, L("route=/v1/sessions/{id}/handover", "method=POST", "status=201")), 2);
  cr_assert_eq(sample(m, rt, L("route=/v1/route", "method=POST", "status=200")), 1);
  cr_assert_eq(sample(m, rt, L("route=/v1/route", "method=POST", "status=404")), 1);
  cr_assert_eq(sample(m, rt, L("route=/v1/rules", "method=GET", "status=200")), 1);
  cr_assert_not_null(family_type(m, "wegwijzer_http_requests"), "no requests family");
  cr_assert_str_eq(family_type(m, "wegwijzer_http_requests"), "counter");

  /* the latency histogram of /v1/advice: cumulative buckets ending in +Inf == _count */
  cr_assert_not_null(family_type(m, "wegwijzer_http_request_duration_seconds"));
  cr_assert_str_eq(family_type(m, "wegwijzer_http_request_duration_seconds"), "histogram");
  const char *hb = "wegwijzer_http_request_duration_seconds_bucket";
  static const char *const les[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025",
                                    "0.005",  "0.01",    "0.025",  "0.05",  "0.1",
                                    "0.25",   "0.5",     "1.0",    "2.5",   "+Inf"};
  double last = 0;
  for (size_t i = 0; i < sizeof les / sizeof les[0]; i++) {
    char le[32];
    snprintf(le, sizeof le, "le=%s", les[i]);
    double v = sample(m, hb, L("route=/v1/advice", le));
    if (isnan(v)) {   /* the parser keeps "1" as written */
      snprintf(le, sizeof le, "le=%s", strcmp(les[i], "1.0") == 0 ? "1" : les[i]);
      v = sample(m, hb, L("route=/v1/advice", le));
    }
    cr_assert(!isnan(v), "no bucket %s", les[i]);
    cr_assert_geq(v, last, "buckets not cumulative at %s", les[i]);
    last = v;
  }
  cr_assert_eq(last, 14);
  cr_assert_eq(sample(m, "wegwijzer_http_request_duration_seconds_count", L("route=/v1/advice")), 14);
  double sum = sample(m, "wegwijzer_http_request_duration_seconds_sum", L("route=/v1/advice"));
  cr_assert(sum > 0 && sum < 14 * 10.0, "sum %f", sum);

  /* advice per service and first channel; failing rules; degraded */
  const char *adv = "wegwijzer_advice_total";
  char sv[96], pv[96];
  snprintf(sv, sizeof sv, "channel=%s", first_v);
  snprintf(pv, sizeof pv, "channel=%s", first_p);
  cr_assert_eq(sample(m, adv, L("service=verhuizing", sv)), 6);
  cr_assert_eq(sample(m, adv, L("service=paspoort", pv)), 4);
  /* the error rule counts as runtime, the endless loop as a budget hit */
  cr_assert_eq(sample(m, "wegwijzer_rule_errors_total", L("kind=runtime")), 1);
  cr_assert_eq(sample(m, "wegwijzer_rule_errors_total", L("kind=budget")), 1);
  cr_assert_eq(sample(m, "wegwijzer_rule_errors_total", L("kind=memory")), 0);
  cr_assert_eq(sample(m, "wegwijzer_degraded_total", NULL), 2);

  /* handovers, store (the embedded store neither fails nor reconnects) */
  cr_assert_eq(sample(m, "wegwijzer_handovers_created_total", NULL), 2);
  cr_assert_eq(sample(m, "wegwijzer_handovers_claimed_total", NULL), 2);
  cr_assert_eq(sample(m, "wegwijzer_store_errors_total", NULL), 0);
  cr_assert_eq(sample(m, "wegwijzer_store_reconnects_total", NULL), 0);

  /* the decision cache (on by default): the 12 advice decisions were looked up (the
   * route with a handover code has a session: never); the 6 and the 4 identical questions
   * were decided once per worker that got them, the 2 failures every time */
  cr_assert_str_eq(family_type(m, "wegwijzer_decision_cache_hits"), "counter");
  cr_assert_str_eq(family_type(m, "wegwijzer_decision_cache_misses"), "counter");
  double hits = sample(m, "wegwijzer_decision_cache_hits_total", NULL);
  double misses = sample(m, "wegwijzer_decision_cache_misses_total", NULL);
  cr_assert_eq(hits + misses, 12, "hits %g, misses %g", hits, misses);
  cr_assert(misses >= 4 && hits >= 6, "hits %g, misses %g", hits, misses);

  /* the rule set as an info metric, then a reload shows the new version only */
  char vl[32];
  snprintf(vl, sizeof vl, "version=%s", version);
  cr_assert_eq(sample(m, "wegwijzer_ruleset_info", L(vl)), 1);
  cr_assert(!isnan(sample(m, "wegwijzer_build_info", NULL)));
  json_decref(m);
  ww_test_stop(&srv);
}

/* On Redis: a stopped Redis gives store errors, its return a reconnect. */
Test(metrics, store_errors_and_reconnects) {
  ww_proc redis;
  cr_assert_eq(ww_redis_start(&redis, 10000), 0);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);
  const char *args[] = {"--rules", rules, "--redis", url, "--workers", "1", NULL};
  ww_test_serve(&srv, args);
  post("/v1/advice", ADVICE("verhuizing", "\"id\":\"123456782\""), 200, NULL);

  cr_assert_eq(kill(redis.pid, SIGSTOP), 0);   /* hangs: the command deadline fires */
  json_t *a;
  post("/v1/advice", ADVICE("verhuizing", "\"id\":\"123456782\""), 200, &a);
  cr_assert(json_is_true(json_object_get(a, "degraded")));
  json_decref(a);
  cr_assert_eq(kill(redis.pid, SIGCONT), 0);
  double end = ww_now_ms() + 30000;
  while (ops_req(srv.port, "GET", "/readyz", NULL, NULL, NULL) != 200 && ww_now_ms() < end)
    ops_nap_ms(20);
  cr_assert_eq(ops_req(srv.port, "GET", "/readyz", NULL, NULL, NULL), 200);

  json_t *m = scrape();
  cr_assert_geq(sample(m, "wegwijzer_store_errors_total", NULL), 1);
  cr_assert_geq(sample(m, "wegwijzer_store_reconnects_total", NULL), 1);
  cr_assert_geq(sample(m, "wegwijzer_degraded_total", NULL), 1);
  json_decref(m);
  ww_test_stop(&srv);
  ww_proc_stop(&redis, SIGTERM, 10000);
  ww_proc_cleanup(&redis);
}
