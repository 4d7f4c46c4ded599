#define _GNU_SOURCE
/* Integration: zero-downtime rule reload (SPEC 3.4) on the real binary, with a private
 * copy of the bundled rules: POST /v1/rules/reload and SIGHUP under continuous load lose
 * no request; a broken set (syntax error, failing rule test) is refused with 422 and the
 * old version keeps serving; --watch picks up a change; a request waiting on its session
 * fetch finishes on the rule set it started with across a reload. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops_test.h"

static ww_proc srv, redis;
static char tmpdir[256], rules[300], tokens[320];

static void setup(void) {
  memset(&srv, 0, sizeof srv);
  memset(&redis, 0, sizeof redis);
  ops_rules_copy(tmpdir, rules);
  ops_tokens_file(tmpdir, 0600, tokens);
}

static void teardown(void) {
  if (srv.pid > 0) ww_proc_stop(&srv, SIGKILL, 5000);
  ww_proc_cleanup(&srv);
  if (redis.pid > 0) ww_proc_stop(&redis, SIGKILL, 5000);
  ww_proc_cleanup(&redis);
  ops_rmtree(tmpdir);
}

TestSuite(reload, .init = setup, .fini = teardown, .timeout = 240);

static void serve(const char *const *more) { ops_serve(&srv, rules, tokens, more); }

/* A change that gives the rule set a new version and changes no decision. */
static void touch_rules(int i) {
  char line[96];
  snprintf(line, sizeof line, "\n-- reload test change %d\n", i);
  ops_append(rules, "steering/hours.lua", line);
}

/* ---- load clients: keep-alive connections sending advice until told to stop ---- */

typedef struct loader {
  pthread_t t;
  int port;
  atomic_int *stop;
  long ok, failed;
  char first_fail[200];
} loader;

static void *load_main(void *lv) {
  loader *l = lv;
  char headers[200];
  snprintf(headers, sizeof headers,
           "Content-Type: application/json\r\nAuthorization: Bearer %s\r\n", OPS_ADVICE_TOKEN);
  ww_client *c = ww_client_connect(l->port);
  while (!atomic_load(l->stop)) {
    if (c == NULL) {
      l->failed++;
      snprintf(l->first_fail, sizeof l->first_fail, "connect failed");
      break;
    }
    ww_http_resp r;
    memset(&r, 0, sizeof r);
    int rc = ww_client_request(c, "POST", "/v1/advice", headers, OPS_ADVICE_BODY, &r);
    if (rc != 0 || r.status != 200) {
      if (!l->failed)
        snprintf(l->first_fail, sizeof l->first_fail, "rc %d status %d: %.120s", rc, r.status,
                 r.body ? r.body : "");
      l->failed++;
      ww_http_resp_free(&r);
      break;   /* the connection is in an unknown state */
    }
    l->ok++;
    int keep = r.keep_alive;
    ww_http_resp_free(&r);
    if (!keep) {   /* the server may close a connection politely; that is no failure */
      ww_client_close(c);
      c = ww_client_connect(l->port);
    }
  }
  ww_client_close(c);
  return NULL;
}

static int reload_admin(json_t **body) {
  return ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, body);
}

Test(reload, under_load_post_and_sighup_lose_nothing) {
  serve(NULL);
  char v0[16], v[16];
  ops_rules_version(srv.port, OPS_ADVICE_TOKEN, v0);
  cr_assert_eq(strlen(v0), 12);

  atomic_int stop = 0;
  loader l[2];
  memset(l, 0, sizeof l);
  for (int i = 0; i < 2; i++) {
    l[i].port = srv.port;
    l[i].stop = &stop;
    cr_assert_eq(pthread_create(&l[i].t, NULL, load_main, &l[i]), 0);
  }
  /* Let the load run before the first reload. */
  double end = ww_now_ms() + 10000;
  while ((l[0].ok < 20 || l[1].ok < 20) && ww_now_ms() < end && !l[0].failed && !l[1].failed)
    ops_nap_ms(5);

  char seen[8][16];
  snprintf(seen[0], 16, "%s", v0);
  for (int i = 1; i <= 4; i++) {
    /* both clients keep sending between the reloads, so every reload meets load */
    long a0 = l[0].ok, a1 = l[1].ok;
    end = ww_now_ms() + 10000;
    while ((l[0].ok < a0 + 10 || l[1].ok < a1 + 10) && ww_now_ms() < end && !l[0].failed &&
           !l[1].failed)
      ops_nap_ms(2);
    touch_rules(i);
    json_t *b = NULL;
    int st = reload_admin(&b);
    cr_assert_eq(st, 200, "reload %d: %d %s", i, st, b ? json_dumps(b, 0) : "");
    snprintf(seen[i], 16, "%s", ops_str(b, "version"));
    json_decref(b);
    cr_assert_str_neq(seen[i], seen[i - 1], "the change gave no new version");
    ops_rules_version(srv.port, OPS_ADVICE_TOKEN, v);
    cr_assert_str_eq(v, seen[i]);
  }
  /* SIGHUP: same reload, triggered by the signal; poll for the new version. */
  touch_rules(5);
  cr_assert_eq(kill(srv.pid, SIGHUP), 0);
  cr_assert(ops_wait_version_change(srv.port, OPS_ADVICE_TOKEN, seen[4], v, 30000),
            "SIGHUP did not reload (still %s)", seen[4]);
  long before = l[0].ok + l[1].ok;
  end = ww_now_ms() + 10000;   /* some load on the newest set too */
  while (l[0].ok + l[1].ok < before + 20 && ww_now_ms() < end && !l[0].failed && !l[1].failed)
    ops_nap_ms(5);

  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(l[i].t, NULL);
  cr_assert_eq(l[0].failed + l[1].failed, 0, "failed requests: %ld + %ld (%s%s)", l[0].failed,
               l[1].failed, l[0].first_fail, l[1].first_fail);
  cr_assert_gt(l[0].ok, 20);
  cr_assert_gt(l[1].ok, 20);

  /* Every worker serves the newest set now (fresh connections spread over them). */
  for (int i = 0; i < 8; i++) {
    json_t *a = NULL;
    cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", OPS_ADVICE_TOKEN, OPS_ADVICE_BODY, &a),
                 200);
    cr_assert_str_eq(ops_str(json_object_get(a, "ruleset"), "version"), v);
    json_decref(a);
  }
  ww_test_stop(&srv);
}

static void check_422(int st, json_t *b, const char *file, int line) {
  char *text = b ? json_dumps(b, 0) : NULL;
  cr_assert_eq(st, 422, "status %d: %s", st, text ? text : "");
  cr_assert_str_eq(ops_str(b, "code"), "ruleset_invalid");
  cr_assert_eq(json_integer_value(json_object_get(b, "status")), 422);
  cr_assert_str_eq(ops_str(b, "file"), file, "file in %s", text);
  cr_assert(json_is_integer(json_object_get(b, "line")), "line in %s", text);
  if (line > 0) cr_assert_eq(json_integer_value(json_object_get(b, "line")), line, "%s", text);
  else cr_assert_gt(json_integer_value(json_object_get(b, "line")), 0, "%s", text);
  free(text);
}

static void check_still_serving(const char *version) {
  char v[16];
  ops_rules_version(srv.port, OPS_ADVICE_TOKEN, v);
  cr_assert_str_eq(v, version, "the version changed after a refused reload");
  json_t *a = NULL;
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", OPS_ADVICE_TOKEN, OPS_ADVICE_BODY, &a),
               200);
  cr_assert_str_eq(ops_str(json_object_get(a, "ruleset"), "version"), version);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  json_decref(a);
}

Test(reload, broken_sets_are_refused_and_the_old_one_serves) {
  serve(NULL);
  char v0[16];
  ops_rules_version(srv.port, OPS_ADVICE_TOKEN, v0);

  /* 1. A syntax error in a new steering file. */
  ops_write(rules, "steering/x.lua",
            "rule \"kapot\" {\n  priority = 1,\n  when = function(r) return true end\n");
  json_t *b = NULL;
  int st = reload_admin(&b);
  check_422(st, b, "steering/x.lua", 0);
  json_decref(b);
  check_still_serving(v0);

  /* 2. Valid Lua, but a rule test fails: the case's file and line. */
  char path[400];
  snprintf(path, sizeof path, "%s/steering/x.lua", rules);
  cr_assert_eq(unlink(path), 0);
  const char *test_case = "case \"donderdagavond: balie open, telefoon dicht\"";
  snprintf(path, sizeof path, "%s/tests/hours.lua", rules);
  int line = ops_line_of(path, test_case);
  cr_assert_gt(line, 0);
  ops_replace(rules, "tests/hours.lua", "expect = { first = \"balie\", open = { balie = true",
              "expect = { first = \"chat\", open = { balie = true");
  st = reload_admin(&b);
  check_422(st, b, "tests/hours.lua", line);
  cr_assert_not_null(strstr(ops_str(b, "detail"), "donderdagavond"));
  json_decref(b);
  check_still_serving(v0);

  /* 3. SIGHUP with the broken set: refused too, logged, old version stays. */
  cr_assert_eq(kill(srv.pid, SIGHUP), 0);
  cr_assert(ww_proc_wait_log(&srv, "SIGHUP: rule reload refused", 30000));
  check_still_serving(v0);

  /* 4. Repaired: accepted. */
  ops_replace(rules, "tests/hours.lua", "expect = { first = \"chat\", open = { balie = true",
              "expect = { first = \"balie\", open = { balie = true");
  touch_rules(1);
  st = reload_admin(&b);
  cr_assert_eq(st, 200);
  cr_assert_str_neq(ops_str(b, "version"), v0);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(b, "tests"), "failed")), 0);
  json_decref(b);
  ww_test_stop(&srv);
}

Test(reload, watch_picks_up_a_changed_file) {
  const char *more[] = {"--watch", NULL};
  serve(more);
  char v0[16], v1[16], v2[16];
  ops_rules_version(srv.port, OPS_ADVICE_TOKEN, v0);
  cr_assert(ww_proc_wait_log(&srv, "--watch: reloading", 10000));

  touch_rules(1);   /* in steering/ */
  cr_assert(ops_wait_version_change(srv.port, OPS_ADVICE_TOKEN, v0, v1, 30000),
            "--watch did not reload after a change in steering/");

  /* A file replaced by rename in the top folder (as editors and git do). */
  char path[400];
  snprintf(path, sizeof path, "%s/channels.lua", rules);
  char *text = ww_read_file(path, NULL);
  cr_assert_not_null(text);
  size_t n = strlen(text) + 64;
  char *more_text = malloc(n);
  snprintf(more_text, n, "%s\n-- watch test\n", text);
  ops_write(rules, "channels.lua", more_text);
  free(more_text);
  free(text);
  cr_assert(ops_wait_version_change(srv.port, OPS_ADVICE_TOKEN, v1, v2, 30000),
            "--watch did not reload after channels.lua was replaced");

  /* A broken save is refused; the last good version keeps serving. */
  ops_write(rules, "steering/x.lua", "rule \"kapot\" {\n");
  cr_assert(ww_proc_wait_log(&srv, "--watch: rule reload refused", 30000));
  check_still_serving(v2);
  ww_test_stop(&srv);
}

/* An advice whose session fetch waits on a stopped Redis, a reload meanwhile, then Redis
 * resumes: the advice answers on the old set while GET /v1/rules already shows the new. */
Test(reload, in_flight_request_finishes_on_its_set) {
  cr_assert_eq(ww_redis_start(&redis, 10000), 0);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);
  const char *more[] = {"--redis", url, "--workers", "1", NULL};
  serve(more);

  const char *body =
      "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"123456782\"},"
      "\"context\":{\"origin\":\"web\",\"time\":\"2026-12-01T10:15:00+01:00\"}}";
  char headers[200];
  snprintf(headers, sizeof headers,
           "Content-Type: application/json\r\nAuthorization: Bearer %s\r\n", OPS_ADVICE_TOKEN);
  int proven = 0;
  for (int attempt = 1; attempt <= 5 && !proven; attempt++) {
    double end = ww_now_ms() + 20000;   /* Redis back after the last attempt's drop */
    while (ops_req(srv.port, "GET", "/readyz", NULL, NULL, NULL) != 200 && ww_now_ms() < end)
      ops_nap_ms(20);
    char old[16], now[16];
    ops_rules_version(srv.port, OPS_ADVICE_TOKEN, old);

    ww_client *c = ww_client_connect(srv.port);
    cr_assert_not_null(c);
    cr_assert_eq(kill(redis.pid, SIGSTOP), 0);
    char req[1024];
    snprintf(req, sizeof req,
             "POST /v1/advice HTTP/1.1\r\nHost: t\r\n%sContent-Length: %zu\r\n\r\n%s", headers,
             strlen(body), body);
    cr_assert_eq(ww_client_sends(c, req), 0);

    touch_rules(100 + attempt);
    json_t *b = NULL;
    int st = reload_admin(&b);
    json_decref(b);
    ops_rules_version(srv.port, OPS_ADVICE_TOKEN, now);
    cr_assert_eq(kill(redis.pid, SIGCONT), 0);
    cr_assert_eq(st, 200);
    cr_assert_str_neq(now, old);

    ww_http_resp r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(ww_client_read(c, &r, 0, 15000), 0, "the in-flight advice got no answer");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *a = ww_http_json(&r);
    cr_assert_str_eq(ops_str(json_object_get(a, "ruleset"), "version"), old,
                     "the in-flight advice did not finish on its own rule set");
    /* Not degraded: it really waited for its session fetch past the swap (otherwise the
     * Redis deadline answered it early; try again). */
    proven = json_is_false(json_object_get(a, "degraded"));
    json_decref(a);
    ww_http_resp_free(&r);
    ww_client_close(c);
  }
  cr_assert(proven, "the machine was too slow to hold a request across a reload");

  /* The next advice decides on the new set. */
  char v[16];
  ops_rules_version(srv.port, OPS_ADVICE_TOKEN, v);
  json_t *a = NULL;
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", OPS_ADVICE_TOKEN, body, &a), 200);
  cr_assert_str_eq(ops_str(json_object_get(a, "ruleset"), "version"), v);
  json_decref(a);
  ww_test_stop(&srv);
}

/* ---- the answer cache (issue 16): a repeated question is answered from the worker's
 * answer cache, and sees an override and a reload at once ---- */

#define SAME_QUESTION                                                                    \
  "{\"service\":\"verhuizing\",\"context\":{\"origin\":\"web\",\"device\":\"desktop\","  \
  "\"time\":\"2026-12-01T10:15:00+01:00\"}}"

/* The advice to SAME_QUESTION, its text without the adviceId (new) and that id. */
static char *ask(char advice_id[33]) {
  ww_http_resp r;
  memset(&r, 0, sizeof r);
  cr_assert_eq(ww_http_request(srv.port, "POST", "/v1/advice",
                               ops_headers(OPS_ADVICE_TOKEN, 1), SAME_QUESTION, &r), 0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(strncmp(r.body, "{\"adviceId\":\"", 13), 0, "%s", r.body);
  snprintf(advice_id, 33, "%s", r.body + 13);
  char *rest = strdup(r.body + 13 + 32);
  ww_http_resp_free(&r);
  return rest;
}

static double cache_hits(void) {
  ww_http_resp r;
  memset(&r, 0, sizeof r);
  cr_assert_eq(ww_http_request(srv.port, "GET", "/metrics", ops_headers(NULL, 0), NULL, &r), 0);
  const char *at = strstr(r.body, "\nwegwijzer_decision_cache_hits_total ");
  double hits = at ? strtod(at + strlen("\nwegwijzer_decision_cache_hits_total "), NULL) : -1;
  ww_http_resp_free(&r);
  return hits;
}

Test(reload, a_repeated_question_sees_an_override_and_a_reload_at_once) {
  const char *more[] = {"--workers", "1", NULL};
  serve(more);
  char id1[33], id2[33], v0[16], v1[16];
  ops_rules_version(srv.port, OPS_ADVICE_TOKEN, v0);
  char *first = ask(id1);
  double hits = cache_hits();
  char *again = ask(id2);
  cr_assert_str_eq(again, first, "the same answer but its adviceId");
  cr_assert_str_neq(id1, id2, "adviceId must be made per request");
  cr_assert_eq(cache_hits(), hits + 1, "the second was a cache hit");
  free(again);
  cr_assert(strstr(first, "{\"id\":\"website\",\"name\":\"Website voorbeeldstad.nl\",\"kind\":\"online\",\"rank\":1,"), "%s", first);

  /* an override: the next same question sees it */
  cr_assert_eq(ops_req(srv.port, "PUT", "/v1/channels/website/status", OPS_ADMIN_TOKEN,
                       "{\"open\":false,\"reason\":\"Storing\"}", NULL), 200);
  char *closed = ask(id2);
  cr_assert(strstr(closed, "\"open\":false,\"waitSeconds\":null,\"contact\":{\"url\":\"https://www.voorbeeldstad.nl/\"}"),
            "website still open: %s", closed);
  char *closed_again = ask(id2);
  cr_assert_str_eq(closed_again, closed);
  cr_assert_eq(ops_req(srv.port, "DELETE", "/v1/channels/website/status", OPS_ADMIN_TOKEN, NULL,
                       NULL), 204);
  char *open = ask(id2);
  cr_assert_str_eq(open, first, "the override lifted: the first answer again");
  free(closed);
  free(closed_again);
  free(open);

  /* a reload: the next same question is decided on the new set */
  touch_rules(7);
  cr_assert_eq(reload_admin(NULL), 200);
  ops_rules_version(srv.port, OPS_ADVICE_TOKEN, v1);
  cr_assert_str_neq(v1, v0);
  char *reloaded = ask(id2), want[64];
  snprintf(want, sizeof want, "\"ruleset\":{\"version\":\"%s\"}", v1);
  cr_assert(strstr(reloaded, want), "not on %s: %s", v1, reloaded);
  free(reloaded);
  free(first);
  ww_test_stop(&srv);
}
