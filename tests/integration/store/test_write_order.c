#define _GNU_SOURCE
/* Integration: a request answered 400 changes nothing in the store (issue 12, defect 1;
 * issue 19). POST /v1/advice with a sessionId, or with a citizen.id that finds the
 * citizen's session, appends its advice event (and slides the TTL) only once the whole
 * body is valid; POST /v1/route with a handoverCode spends the code only then. Each test
 * runs on the embedded store and on a real redis-server, and has a positive control that
 * shows the check sees a change when there is one. */
#include "store_test.h"

static ww_proc redis, srv;

static void teardown(void) {
  st_kill(&srv);
  st_kill(&redis);
}

TestSuite(write_order, .fini = teardown, .timeout = 120);

static void start(int use_redis) {
  const char *extra[] = {"--session-ttl", "3600", NULL};
  st_serve_on(use_redis, &redis, &srv, NULL, extra);
}

/* What a write would change: the events, updatedAt, expiresAt (and on Redis the key's
 * TTL in ms, which a slide resets to the full TTL). */
typedef struct snap {
  char text[8192];
  long long pttl;
} snap;

static void take(const char *sid, snap *out) {
  json_t *s = st_session_get(srv.port, sid);
  json_t *part = json_pack("{s:O, s:O, s:O}", "events", json_object_get(s, "events"),
                           "updatedAt", json_object_get(s, "updatedAt"), "expiresAt",
                           json_object_get(s, "expiresAt"));
  char *t = json_dumps(part, JSON_COMPACT | JSON_SORT_KEYS);
  snprintf(out->text, sizeof out->text, "%s", t);
  free(t);
  json_decref(part);
  json_decref(s);
  out->pttl = -1;
  if (redis.pid > 0) {
    redisContext *c = st_redis_connect(redis.port);
    redisReply *r = redisCommand(c, "PTTL ww:{%s}:s", sid);
    cr_assert(r && r->type == REDIS_REPLY_INTEGER);
    out->pttl = r->integer;
    freeReplyObject(r);
    redisFree(c);
  }
}

static void same(const snap *a, const snap *b, const char *what) {
  cr_assert_str_eq(a->text, b->text, "%s changed the session", what);
  if (a->pttl >= 0) cr_assert_leq(b->pttl, a->pttl, "%s slid the TTL", what);
}

static void post_expect(const char *path, const char *body, int status, const char *code) {
  ww_http_resp r;
  json_t *b = st_req(srv.port, "POST", path, NULL, body, &r);
  cr_assert_eq(r.status, status, "%s %s: %d %s", path, body, r.status, r.body);
  if (code) cr_assert_str_eq(st_str(b, "code"), code, "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
}

/* Long enough for expiresAt (whole seconds) and PTTL to show a slide. */
static void let_time_pass(void) {
  struct timespec ts = {1, 200 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

static void advice_400_leaves_session_untouched(int use_redis) {
  start(use_redis);
  char sid[64], body[512];
  cr_assert_eq(st_session_create(srv.port, NULL,
                                 "{\"service\":\"verhuizing\",\"channel\":\"website\","
                                 "\"citizen\":{\"id\":\"172839465\"}}", sid), 201);
  snap before, after;
  take(sid, &before);
  let_time_pass();

  /* a bad field next to the sessionId */
  snprintf(body, sizeof body,
           "{\"service\":\"verhuizing\",\"sessionId\":\"%s\",\"citizen\":{\"age\":\"x\"}}", sid);
  post_expect("/v1/advice", body, 400, "invalid_param");
  /* an unknown service */
  snprintf(body, sizeof body, "{\"service\":\"bestaat_niet\",\"sessionId\":\"%s\"}", sid);
  post_expect("/v1/advice", body, 400, "unknown_service");
  /* no service at all, on /v1/route too */
  snprintf(body, sizeof body, "{\"sessionId\":\"%s\"}", sid);
  post_expect("/v1/advice", body, 400, "invalid_param");
  post_expect("/v1/route", body, 400, "invalid_param");
  /* the session found through citizen.id, with a bad field */
  post_expect("/v1/advice",
              "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"172839465\",\"age\":-4}}", 400,
              "invalid_param");
  post_expect("/v1/route",
              "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"172839465\","
              "\"language\":\"nederlands\"}}", 400, "invalid_param");
  take(sid, &after);
  same(&before, &after, "a request answered 400");

  /* positive control: a valid advice appends and slides */
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"sessionId\":\"%s\"}", sid);
  post_expect("/v1/advice", body, 200, NULL);
  before = after;
  take(sid, &after);
  cr_assert_str_neq(before.text, after.text, "the valid advice left no trace");
  json_t *now = json_loads(after.text, 0, NULL);
  cr_assert_eq(st_count_events(now, "advice"), 1);
  json_decref(now);
  if (use_redis) cr_assert_gt(after.pttl, before.pttl, "the valid advice did not slide");
  st_stop_ok(&srv);
}

Test(write_order, advice_400_leaves_session_untouched_memory) {
  advice_400_leaves_session_untouched(0);
}

Test(write_order, advice_400_leaves_session_untouched_redis) {
  advice_400_leaves_session_untouched(1);
}

/* A code for a new session (new string in 'code'). */
static void new_code(char code[8]) {
  char sid[64], path[128];
  cr_assert_eq(st_session_create(srv.port, NULL,
                                 "{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid),
               201);
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  ww_http_resp r;
  json_t *h = st_req(srv.port, "POST", path, NULL, "{\"to\":\"telefoon\"}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  snprintf(code, 8, "%s", st_str(h, "code"));
  json_decref(h);
  ww_http_resp_free(&r);
}

static void route_400_leaves_code_claimable(int use_redis) {
  start(use_redis);
  char code[8], body[256];
  new_code(code);
  /* without a service (the caller need not name one), a bad field */
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\",\"citizen\":{\"age\":\"x\"}}", code);
  post_expect("/v1/route", body, 400, "invalid_param");
  /* with a service, a bad field */
  snprintf(body, sizeof body,
           "{\"service\":\"verhuizing\",\"handoverCode\":\"%s\",\"context\":{\"time\":\"gisteren\"}}",
           code);
  post_expect("/v1/route", body, 400, "invalid_param");
  /* with an unknown service */
  snprintf(body, sizeof body, "{\"service\":\"bestaat_niet\",\"handoverCode\":\"%s\"}", code);
  post_expect("/v1/route", body, 400, "unknown_service");
  /* the code still works, once */
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  post_expect("/v1/handover/claim", body, 200, NULL);
  post_expect("/v1/handover/claim", body, 404, "not_found");

  /* positive control: a valid route without a service claims the code and routes */
  new_code(code);
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\",\"citizen\":{\"age\":70}}", code);
  ww_http_resp r;
  json_t *b = st_req(srv.port, "POST", "/v1/route", NULL, body, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_not_null(json_object_get(b, "agentContext"), "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
  post_expect("/v1/route", body, 404, "not_found");
  st_stop_ok(&srv);
}

Test(write_order, route_400_leaves_code_claimable_memory) {
  route_400_leaves_code_claimable(0);
}

Test(write_order, route_400_leaves_code_claimable_redis) {
  route_400_leaves_code_claimable(1);
}
