#define _GNU_SOURCE
/* Integration: the real `wegwijzer serve` with the bundled rules over real sockets: advice,
 * route, channels, rules, errors, headers, the citizen's journey (session -> advice ->
 * handover code -> IVR claim), privacy of citizen.id. On the embedded store; with
 * WW_TEST_STORE=redis (meson test api-redis) the same tests run on a real redis-server. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "ops/ops_test.h"
#include "wegwijzer_proc.h"

static ww_proc srv, redis;

static int on_redis(void) {
  const char *s = getenv("WW_TEST_STORE");
  return s && strcmp(s, "redis") == 0;
}

/* `wegwijzer serve` with 'extra' (NULL-terminated, may be NULL) on the store under test
 * (WW_TEST_STORE=redis: a redis-server of its own, started once per test). */
static void serve(const char *const *extra) {
  if (!on_redis()) {
    ww_test_serve(&srv, extra);
    return;
  }
  if (redis.pid <= 0) cr_assert_eq(ww_redis_start(&redis, 10000), 0, "redis-server did not start");
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);
  const char *args[16] = {"--redis", url};
  int n = 2;
  for (int i = 0; extra && extra[i] && n < 15; i++) args[n++] = extra[i];
  args[n] = NULL;
  ww_test_serve(&srv, args);
  ww_test_wait_ready(&srv, ww_test_valgrind() ? 60000 : 10000);
}

static void setup(void) { serve(NULL); }
/* Every test ends with SIGTERM and expects exit 0: under valgrind (WW_VALGRIND=1) that is
 * where a memory error or a definite leak of the server shows. */
static void teardown(void) {
  if (srv.pid > 0) ww_test_stop(&srv);
  ww_proc_cleanup(&srv);
  if (redis.pid > 0) ww_proc_stop(&redis, SIGTERM, 10000);
  ww_proc_cleanup(&redis);
}

TestSuite(api, .init = setup, .fini = teardown, .timeout = 60);

static void check_adr_headers(const ww_http_resp *r) {
  cr_assert_str_eq(ww_http_header(r, "API-Version"), "1.0.0");
  cr_assert_str_eq(ww_http_header(r, "Cache-Control"), "no-store");
  cr_assert_str_eq(ww_http_header(r, "X-Content-Type-Options"), "nosniff");
  cr_assert_str_eq(ww_http_header(r, "X-Frame-Options"), "DENY");
  cr_assert_str_eq(ww_http_header(r, "Content-Security-Policy"), "frame-ancestors 'none'");
}

static void check_problem(const ww_http_resp *r, json_t *body, int status, const char *code) {
  cr_assert_eq(r->status, status, "status %d, body %.*s", r->status, (int)r->body_len, r->body);
  cr_assert_str_eq(ww_http_header(r, "Content-Type"), "application/problem+json");
  cr_assert_not_null(body);
  cr_assert_eq(json_integer_value(json_object_get(body, "status")), status);
  cr_assert_str_eq(json_string_value(json_object_get(body, "code")), code);
  cr_assert_not_null(json_string_value(json_object_get(body, "title")));
  cr_assert_not_null(json_string_value(json_object_get(body, "detail")));
  check_adr_headers(r);
}

static const char *invalid_name(json_t *body, size_t i) {
  return json_string_value(json_object_get(json_array_get(json_object_get(body, "invalidParams"), i), "name"));
}

Test(api, advice_anonymous) {
  ww_http_resp r;
  json_t *b = ww_test_post(srv.port, "/v1/advice",
                           "{\"service\":\"verhuizing\",\"context\":{\"origin\":\"web\","
                           "\"time\":\"2026-12-01T10:15:00+01:00\"}}", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  check_adr_headers(&r);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "service"), "id")), "verhuizing");
  json_t *ch = json_object_get(b, "channels");
  cr_assert_gt(json_array_size(ch), 2);
  /* sorted: open before closed, then score descending; ranks 1..n */
  int seen_closed = 0;
  json_int_t last_score = 1 << 30;
  for (size_t i = 0; i < json_array_size(ch); i++) {
    json_t *c = json_array_get(ch, i);
    cr_assert_eq(json_integer_value(json_object_get(c, "rank")), (json_int_t)i + 1);
    int open = json_is_true(json_object_get(c, "open"));
    if (!open) seen_closed = 1;
    cr_assert(!(open && seen_closed), "an open channel after a closed one");
    json_int_t score = (json_int_t)json_number_value(json_object_get(c, "score"));
    if (open == 1 && !seen_closed) {
      cr_assert_leq(score, last_score);
      last_score = score;
    }
  }
  const char *version = json_string_value(json_object_get(json_object_get(b, "ruleset"), "version"));
  cr_assert_eq(strlen(version), 12);
  cr_assert(json_is_false(json_object_get(b, "degraded")));
  cr_assert_null(json_object_get(b, "trace"));
  cr_assert_null(json_object_get(b, "sessionId"));
  json_decref(b);
  ww_http_resp_free(&r);
}

Test(api, advice_explain_trace_names_file_and_line) {
  ww_http_resp r;
  json_t *b = ww_test_post(srv.port, "/v1/advice",
                           "{\"service\":\"paspoort\",\"explain\":true,"
                           "\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(b, "channels"), 0), "id")), "balie");
  json_t *trace = json_object_get(b, "trace");
  cr_assert_gt(json_array_size(trace), 0);
  const char *src = json_string_value(json_object_get(json_array_get(trace, 0), "source"));
  cr_assert_not_null(src);
  cr_assert(strncmp(src, "steering/", 9) == 0 && strstr(src, ".lua:"), "source %s", src);
  json_decref(b);
  ww_http_resp_free(&r);
}

Test(api, citizen_id_never_in_the_answer) {
  ww_http_resp r;
  json_t *b = ww_test_post(srv.port, "/v1/advice",
                           "{\"service\":\"verhuizing\",\"explain\":true,\"citizen\":{\"id\":\"999993653\","
                           "\"authLevel\":\"midden\",\"digitalSkills\":\"low\",\"age\":81}}", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_null(memmem(r.body, r.body_len, "999993653", 9));
  json_decref(b);
  ww_http_resp_free(&r);
  /* and in an error answer */
  b = ww_test_post(srv.port, "/v1/advice",
                   "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"999993653\",\"age\":\"oud\"}}", &r);
  check_problem(&r, b, 400, "invalid_param");
  cr_assert_null(memmem(r.body, r.body_len, "999993653", 9));
  json_decref(b);
  ww_http_resp_free(&r);
  size_t len = 0;
  char *log = ww_read_file(srv.log, &len);
  cr_assert_not_null(log);
  cr_assert_null(memmem(log, len, "999993653", 9), "the citizen id reached the log");
  free(log);
}

Test(api, invalid_input_names_the_field) {
  ww_http_resp r;
  json_t *b = ww_test_post(srv.port, "/v1/advice", "{\"service\":\"bestaat_niet\"}", &r);
  check_problem(&r, b, 400, "unknown_service");
  cr_assert_str_eq(invalid_name(b, 0), "service");
  json_decref(b);
  ww_http_resp_free(&r);

  b = ww_test_post(srv.port, "/v1/advice", "{\"service\":\"verhuizing\",\"citizen\":{\"age\":\"oud\"}}", &r);
  check_problem(&r, b, 400, "invalid_param");
  cr_assert_str_eq(invalid_name(b, 0), "citizen.age");
  json_decref(b);
  ww_http_resp_free(&r);

  b = ww_test_post(srv.port, "/v1/advice", "{\"citizen\":{}}", &r);
  check_problem(&r, b, 400, "invalid_param");
  cr_assert_str_eq(invalid_name(b, 0), "service");
  json_decref(b);
  ww_http_resp_free(&r);

  b = ww_test_post(srv.port, "/v1/advice", "{\"service\":\"verhuizing\",", &r);
  check_problem(&r, b, 400, "invalid_json");
  json_decref(b);
  ww_http_resp_free(&r);

  cr_assert_eq(ww_http_request(srv.port, "POST", "/v1/advice", "Content-Type: text/plain\r\n",
                               "service=verhuizing", &r), 0);
  b = ww_http_json(&r);
  check_problem(&r, b, 415, "unsupported_media_type");
  json_decref(b);
  ww_http_resp_free(&r);

  b = ww_test_get(srv.port, "/v1/advice", &r);
  check_problem(&r, b, 405, "method_not_allowed");
  json_decref(b);
  ww_http_resp_free(&r);

  b = ww_test_get(srv.port, "/v1/bestaat-niet", &r);
  check_problem(&r, b, 404, "not_found");
  json_decref(b);
  ww_http_resp_free(&r);
}

Test(api, body_over_max_body_is_413) {
  char *big = malloc(70000);
  memset(big, ' ', 69990);
  memcpy(big, "{\"service\":\"verhuizing\",\"x\":\"", 29);
  strcpy(big + 69990, "\"}");
  ww_http_resp r;
  json_t *b = ww_test_post(srv.port, "/v1/advice", big, &r);
  check_problem(&r, b, 413, "payload_too_large");
  json_decref(b);
  ww_http_resp_free(&r);
  free(big);
}

Test(api, route_gives_an_open_routable_target) {
  ww_http_resp r;
  json_t *b = ww_test_post(srv.port, "/v1/route",
                           "{\"service\":\"verhuizing\",\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *t = json_object_get(b, "target");
  cr_assert_not_null(json_string_value(json_object_get(t, "id")));
  cr_assert_not_null(json_string_value(json_object_get(t, "kind")));
  cr_assert(json_is_array(json_object_get(b, "alternatives")));
  cr_assert_leq(json_array_size(json_object_get(b, "alternatives")), 3);
  json_decref(b);
  ww_http_resp_free(&r);
  /* Sunday night: nothing with a queue is open, so the fallback route */
  b = ww_test_post(srv.port, "/v1/route",
                   "{\"service\":\"verhuizing\",\"context\":{\"time\":\"2026-12-06T03:00:00+01:00\"}}", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_not_null(json_object_get(b, "target"));
  json_decref(b);
  ww_http_resp_free(&r);
}

Test(api, channels_and_rules) {
  ww_http_resp r;
  json_t *b = ww_test_get(srv.port, "/v1/channels", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *ch = json_object_get(b, "channels");
  cr_assert_geq(json_array_size(ch), 8);
  int assisted = 0, routable = 0;
  for (size_t i = 0; i < json_array_size(ch); i++) {
    json_t *c = json_array_get(ch, i);
    cr_assert(json_is_boolean(json_object_get(c, "open")));
    assisted += json_is_true(json_object_get(c, "assisted"));
    routable += json_is_object(json_object_get(c, "route"));
  }
  cr_assert_gt(assisted, 0);
  cr_assert_gt(routable, 0);
  json_decref(b);
  ww_http_resp_free(&r);

  b = ww_test_get(srv.port, "/v1/rules", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(strlen(json_string_value(json_object_get(b, "version"))), 12);
  cr_assert_gt(json_integer_value(json_object_get(json_object_get(b, "tests"), "passed")), 25);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(b, "tests"), "failed")), 0);
  cr_assert_geq(json_integer_value(json_object_get(b, "services")), 25);
  cr_assert_not_null(json_string_value(json_object_get(b, "loadedAt")));
  json_decref(b);
  ww_http_resp_free(&r);
}

Test(api, health_and_readiness) {
  ww_http_resp r;
  json_t *b = ww_test_get(srv.port, "/healthz", &r);
  cr_assert_eq(r.status, 200);
  check_adr_headers(&r);
  json_decref(b);
  ww_http_resp_free(&r);
  b = ww_test_get(srv.port, "/readyz", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(json_object_get(b, "rules")), "%s", r.body);
  cr_assert(json_is_true(json_object_get(b, "store")), "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(b, "storeKind")),
                   on_redis() ? "redis" : "memory");
  cr_assert_eq(strlen(json_string_value(json_object_get(b, "rulesVersion"))), 12, "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
}

/* The journey: website session, advice with it, handover code, IVR route claiming the
 * code with agentContext, code single use, desk lookup. */
Test(api, journey) {
  ww_http_resp r;
  json_t *b = ww_test_post(srv.port, "/v1/sessions",
                           "{\"citizen\":{\"id\":\"999993653\"},\"service\":\"verhuizing\",\"channel\":\"website\"}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  json_t *sess = json_object_get(b, "session");
  char sid[80];
  snprintf(sid, sizeof sid, "%s", json_string_value(json_object_get(sess, "id")));
  cr_assert_eq(strlen(json_string_value(json_object_get(sess, "citizenRef"))), 64);
  cr_assert_null(memmem(r.body, r.body_len, "999993653", 9));
  json_decref(b);
  ww_http_resp_free(&r);

  char body[512];
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"sessionId\":\"%s\"}", sid);
  b = ww_test_post(srv.port, "/v1/advice", body, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(b, "sessionId")), sid);
  json_decref(b);
  ww_http_resp_free(&r);

  /* the citizen's id finds the latest session too (its advice event is counted below),
   * but the answer does not name it (SPEC 3.1: a BSN must not reveal a session) */
  b = ww_test_post(srv.port, "/v1/advice", "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"999993653\"}}", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_null(json_object_get(b, "sessionId"), "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);

  char path[160];
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  b = ww_test_post(srv.port, path, "{\"to\":\"telefoon\"}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  const char *code = json_string_value(json_object_get(b, "code"));
  cr_assert_eq(strlen(code), 6);
  char codebuf[8];
  snprintf(codebuf, sizeof codebuf, "%s", code);
  json_decref(b);
  ww_http_resp_free(&r);

  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"handoverCode\":\"%s\","
                              "\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}", codebuf);
  b = ww_test_post(srv.port, "/v1/route", body, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(b, "sessionId")), sid);
  json_t *ctx = json_object_get(b, "agentContext");
  cr_assert_str_eq(json_string_value(json_object_get(ctx, "service")), "verhuizing");
  cr_assert_geq(json_array_size(json_object_get(ctx, "events")), 2, "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);

  /* single use */
  b = ww_test_post(srv.port, "/v1/route", body, &r);
  check_problem(&r, b, 404, "not_found");
  json_decref(b);
  ww_http_resp_free(&r);

  /* the desk looks the session up: advice events, handover, claimed */
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  b = ww_test_get(srv.port, path, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *events = json_object_get(json_object_get(b, "session"), "events");
  int advice = 0, handover = 0, claimed = 0;
  for (size_t i = 0; i < json_array_size(events); i++) {
    const char *t = json_string_value(json_object_get(json_array_get(events, i), "type"));
    advice += strcmp(t, "advice") == 0;
    handover += strcmp(t, "handover") == 0;
    claimed += strcmp(t, "claimed") == 0;
  }
  cr_assert_geq(advice, 2);
  cr_assert_eq(handover, 1);
  cr_assert_eq(claimed, 1);
  json_decref(b);
  ww_http_resp_free(&r);
}

Test(api, sigterm_exits_zero) {
  ww_test_stop(&srv);
}

/* The IVR sends only the code; the session knows no topic: the standard route, with the
 * session, never a 400 after the code was spent. */
Test(api, route_with_only_a_code_for_a_session_without_service) {
  ww_http_resp r;
  json_t *b = ww_test_post(srv.port, "/v1/sessions", "{\"channel\":\"website\"}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  char sid[80], path[160], body[160];
  snprintf(sid, sizeof sid, "%s", json_string_value(json_object_get(json_object_get(b, "session"), "id")));
  json_decref(b);
  ww_http_resp_free(&r);
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  b = ww_test_post(srv.port, path, "{}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\"}", json_string_value(json_object_get(b, "code")));
  json_decref(b);
  ww_http_resp_free(&r);
  b = ww_test_post(srv.port, "/v1/route", body, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(json_object_get(json_object_get(b, "target"), "fallback")), "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(b, "sessionId")), sid);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "agentContext"), "lastChannel")), "website");
  json_decref(b);
  ww_http_resp_free(&r);
}

/* `serve` with a plain-http CORS origin (flag or variable) is a usage error: exit 2 and a
 * message that says what to use instead; loopback origins are fine for development. */
/* The exit status, or -1 when it started (it is then stopped). */
static int serve_with_origin(const char *flag_origin, const char *env_origin, char **log) {
  ww_proc p;
  memset(&p, 0, sizeof p);
  char listen[64], env[200];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", ww_free_port());
  char *argv[] = {(char *)ww_test_binary(), "serve", "--listen", listen, "--rules",
                  (char *)ww_test_source("rules"), "--cors-origin", (char *)flag_origin, NULL};
  if (flag_origin == NULL) argv[6] = NULL;
  snprintf(env, sizeof env, "WEGWIJZER_CORS_ORIGIN=%s", env_origin ? env_origin : "");
  char *envp[] = {env, NULL};
  cr_assert_eq(ww_proc_start(&p, argv, envp, 0, 0), 0);
  int st = ww_proc_wait_log(&p, "wegwijzer started", 3000) ? -1 : ww_proc_stop(&p, 0, 15000);
  *log = ww_read_file(p.log, NULL);
  ww_proc_stop(&p, SIGTERM, 10000);
  ww_proc_cleanup(&p);
  return st;
}

Test(api, cors_origin_over_plain_http_refused) {
  char *log = NULL;
  cr_assert_eq(serve_with_origin("http://www.gemeente.nl", NULL, &log), 2);
  cr_assert_not_null(
      strstr(log, "--cors-origin http://www.gemeente.nl: a website origin must use https://"),
      "%s", log);
  free(log);
  cr_assert_eq(serve_with_origin(NULL, "http://www.gemeente.nl", &log), 2);
  cr_assert_not_null(strstr(log, "WEGWIJZER_CORS_ORIGIN http://www.gemeente.nl"), "%s", log);
  free(log);
  cr_assert_eq(serve_with_origin("http://localhost:8000", NULL, &log), -1, "%s", log);
  free(log);
}

/* Every kind of answer the OpenAPI document gives the session, handover, channel, rules and
 * operational paths, on the store under test, so that the traffic check (meson: api and
 * api-redis run through tests/openapi/traffic/run.mjs) sees each one on both stores: 401
 * and 403 (tokens), 200 for a channel override and a reload, 201 for an event, a claim and
 * its 404 once spent, 404 for session ids, 503 store_full (one live handover code), 429
 * (one new session a second), the metrics' text, the document, HEAD /readyz, and on Redis the 503
 * store_unavailable of a session call and of /readyz once Redis is gone. */
Test(api, every_documented_answer_on_this_store) {
  ww_test_stop(&srv);   /* this one needs tokens and limits */
  char dir[256], tokens[320];
  ops_mkdtemp(dir);
  ops_tokens_file(dir, 0600, tokens);
  const char *extra[] = {"--tokens", tokens, "--session-rate", "1", "--handover-max-live", "1",
                         NULL};
  serve(extra);
  const int port = srv.port;
  const char *admin = OPS_ADMIN_TOKEN, *advice = OPS_ADVICE_TOKEN;
  json_t *b = NULL;

  cr_assert_eq(ops_req(port, "GET", "/v1/channels", NULL, NULL, NULL), 401);
  cr_assert_eq(ops_req(port, "PUT", "/v1/channels/balie/status", advice,
                       "{\"open\":false,\"reason\":\"Storing\"}", NULL), 403);
  cr_assert_eq(ops_req(port, "POST", "/v1/rules/reload", advice, "{}", NULL), 403);
  char until[64], body[256];
  time_t later = time(NULL) + 3600;
  strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%S+00:00", gmtime(&later));
  snprintf(body, sizeof body, "{\"open\":false,\"reason\":\"Storing\",\"until\":\"%s\"}", until);
  cr_assert_eq(ops_req(port, "PUT", "/v1/channels/balie/status", admin, body, NULL), 200);
  cr_assert_eq(ops_req(port, "GET", "/v1/channels", advice, NULL, NULL), 200);
  cr_assert_eq(ops_req(port, "GET", "/v1/rules", advice, NULL, NULL), 200);
  cr_assert_eq(ops_req(port, "POST", "/v1/rules/reload", admin, "{}", NULL), 200);

  /* a session, an event, a code, its claim; a second session's code finds the one live
   * code taken (503 store_full) */
  char sid[2][40], path[160];
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(ops_req(port, "POST", "/v1/sessions", advice,
                         "{\"channel\":\"website\",\"service\":\"verhuizing\"}", &b), 201);
    snprintf(sid[i], sizeof sid[i], "%s", ops_str(json_object_get(b, "session"), "id"));
    json_decref(b);
  }
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid[0]);
  cr_assert_eq(ops_req(port, "POST", path, advice,
                       "{\"channel\":\"website\",\"type\":\"step\",\"detail\":{\"step\":\"adres\"}}",
                       NULL), 201);
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid[0]);
  cr_assert_eq(ops_req(port, "POST", path, advice, "{\"to\":\"telefoon\"}", &b), 201);
  char code[8];
  snprintf(code, sizeof code, "%s", ops_str(b, "code"));
  json_decref(b);
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid[1]);
  cr_assert_eq(ops_req(port, "POST", path, advice, "{}", &b), 503);
  cr_assert_str_eq(ops_str(b, "code"), "store_full");
  json_decref(b);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  cr_assert_eq(ops_req(port, "POST", "/v1/handover/claim", advice, body, NULL), 200);
  cr_assert_eq(ops_req(port, "POST", "/v1/handover/claim", advice, body, NULL), 404);
  snprintf(path, sizeof path, "/v1/sessions/%s", sid[0]);
  cr_assert_eq(ops_req(port, "GET", path, advice, NULL, NULL), 200);
  cr_assert_eq(ops_req(port, "GET", "/v1/sessions/0123456789abcdef0123456789abcdef", advice,
                       NULL, NULL), 404);
  /* a malformed id names no session either */
  cr_assert_eq(ops_req(port, "GET", "/v1/sessions/not-a-session-id", advice, NULL, NULL), 404);

  /* new sessions past the rate (a burst, then 429 with Retry-After) */
  int status = 0;
  for (int i = 0; i < 40 && status != 429; i++)
    status = ops_req(port, "POST", "/v1/sessions", advice, "{\"channel\":\"website\"}", NULL);
  cr_assert_eq(status, 429);

  ww_http_resp r;
  cr_assert_eq(ww_http_request(port, "GET", "/metrics", NULL, NULL, &r), 0);
  cr_assert_eq(r.status, 200);
  cr_assert(strncmp(ww_http_header(&r, "Content-Type"), "text/plain", 10) == 0);
  ww_http_resp_free(&r);
  cr_assert_eq(ops_req(port, "GET", "/v1/openapi.json", NULL, NULL, NULL), 200);
  cr_assert_eq(ops_req(port, "HEAD", "/readyz", NULL, NULL, NULL), 200);

  if (on_redis()) {
    cr_assert_eq(ww_proc_stop(&redis, SIGKILL, 5000), 128 + SIGKILL);
    snprintf(path, sizeof path, "/v1/sessions/%s", sid[0]);
    double end = ww_now_ms() + 10000;
    while (ops_req(port, "GET", path, advice, NULL, NULL) != 503)
      cr_assert_lt(ww_now_ms(), end, "no 503 for a session call with Redis gone");
    while (ops_req(port, "GET", "/readyz", NULL, NULL, NULL) != 503)
      cr_assert_lt(ww_now_ms(), end, "/readyz not 503 with Redis gone");
  }
  ops_rmtree(dir);
}
