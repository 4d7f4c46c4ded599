#define _GNU_SOURCE
/* Integration (issue 13 §2, §3, §4, §6; issue 17 §4): sessions, handover codes and the IVR
 * as their clients meet them, over HTTP against the real binary, on the embedded store and
 * on a real redis-server:
 *   - an unknown sessionId is answered 200 with "sessionExpired": true (malformed: 400);
 *   - events and agentContext speak catalogue channel ids; session bodies naming a service
 *     or channel the catalogue does not have are 400 unknown_service / unknown_channel;
 *   - one live handover code per session;
 *   - failed claims count per callerRef, with a much higher shared limit per address;
 *   - a lapsed code answers 410 code_expired, on /v1/handover/claim and /v1/route;
 *   - agentContext names the service, the chosen channel, needs, language and a summary;
 *   - a claimed session's service wins over the IVR menu's unless keepService. */
#include "store_test.h"

static ww_proc redis, srv;

static void teardown(void) {
  st_kill(&srv);
  st_kill(&redis);
}

TestSuite(handover_ivr, .fini = teardown, .timeout = 120);

#define TIME "2026-12-01T10:00:00+01:00"   /* a Tuesday morning: the phone lines are open */

/* POST 'body' to 'path', expect 'status' (and 'code' when not NULL). The parsed body (new). */
static json_t *post(const char *path, const char *body, int status, const char *code) {
  ww_http_resp r;
  json_t *b = st_req(srv.port, "POST", path, NULL, body, &r);
  cr_assert_eq(r.status, status, "%s %s: %d %s", path, body, r.status, r.body);
  if (code) cr_assert_str_eq(st_str(b, "code"), code, "%s", r.body);
  ww_http_resp_free(&r);
  return b;
}

static void post_only(const char *path, const char *body, int status, const char *code) {
  json_decref(post(path, body, status, code));
}

static void new_session(const char *body, char sid[64]) {
  cr_assert_eq(st_session_create(srv.port, NULL, body, sid), 201);
}

/* A handover code for session 'sid' into 'code'. */
static void new_code(const char *sid, char code[8]) {
  char path[128];
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  json_t *h = post(path, "{\"to\":\"telefoon\"}", 201, NULL);
  snprintf(code, 8, "%s", st_str(h, "code"));
  json_decref(h);
}

/* The invalidParams of 'b' name 'field'. */
static int names(const json_t *b, const char *field) {
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(b, "invalidParams"), i, p)
      if (strcmp(st_str(p, "name"), field) == 0) return 1;
  return 0;
}

/* ---- §2: an unknown session does not break a citizen's page ---- */

static void session_expired(int use_redis) {
  st_serve_on(use_redis, &redis, &srv, NULL, NULL);
  const char *gone = "0123456789abcdef0123456789abcdef";
  char body[256];
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"sessionId\":\"%s\"}", gone);
  for (int route = 0; route < 2; route++) {
    json_t *b = post(route ? "/v1/route" : "/v1/advice", body, 200, NULL);
    cr_assert(json_is_true(json_object_get(b, "sessionExpired")), "route %d: no sessionExpired",
              route);
    cr_assert_null(json_object_get(b, "sessionId"));
    cr_assert_null(json_object_get(b, "agentContext"));
    json_decref(b);
  }
  /* a live session: no sessionExpired, the id named */
  char sid[64];
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid);
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"sessionId\":\"%s\"}", sid);
  json_t *b = post("/v1/advice", body, 200, NULL);
  cr_assert_null(json_object_get(b, "sessionExpired"));
  cr_assert_str_eq(st_str(b, "sessionId"), sid);
  json_decref(b);
  /* malformed stays 400 */
  post_only("/v1/advice", "{\"service\":\"verhuizing\",\"sessionId\":\"nope\"}", 400,
            "invalid_param");
  st_stop_ok(&srv);
}

Test(handover_ivr, session_expired_memory) { session_expired(0); }
Test(handover_ivr, session_expired_redis) { session_expired(1); }

/* ---- §3 and issue 17 §4: one vocabulary, catalogue ids only ---- */

static void catalogue_ids(int use_redis) {
  st_serve_on(use_redis, &redis, &srv, NULL, NULL);
  /* a session may start with the origin a website sends ("web"): it keeps the catalogue's
   * channel for it; what is neither a channel nor an origin is refused */
  json_t *b = post("/v1/sessions", "{\"channel\":\"web\"}", 201, NULL);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "session"), "channel")),
                   "website");
  json_decref(b);
  b = post("/v1/sessions", "{\"channel\":\"fax\"}", 400, "unknown_channel");
  cr_assert(names(b, "channel"));
  json_decref(b);
  b = post("/v1/sessions", "{\"channel\":\"website\",\"service\":\"bestaat_niet\"}", 400,
           "unknown_service");
  cr_assert(names(b, "service"));
  json_decref(b);
  char sid[64], path[128], body[256];
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid);
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
  b = post(path, "{\"channel\":\"ivr\",\"type\":\"contact\"}", 400, "unknown_channel");
  cr_assert(names(b, "channel"));
  json_decref(b);
  b = post(path, "{\"channel\":\"website\",\"type\":\"step\",\"service\":\"hondenbelasting2\"}",
           400, "unknown_service");
  cr_assert(names(b, "service"));
  json_decref(b);
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  b = post(path, "{\"to\":\"nergens\"}", 400, "unknown_channel");
  cr_assert(names(b, "to"));
  json_decref(b);
  post_only("/v1/handover/claim", "{\"code\":\"123456\",\"channel\":\"ivr\"}", 400,
            "unknown_channel");

  /* an advice from the web lands on "website"; a click in the widget is "chosen" */
  snprintf(body, sizeof body,
           "{\"service\":\"verhuizing\",\"sessionId\":\"%s\",\"context\":{\"origin\":\"web\"}}",
           sid);
  post_only("/v1/advice", body, 200, NULL);
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
  post_only(path, "{\"channel\":\"telefoon\",\"type\":\"chosen\",\"service\":\"verhuizing\"}",
            201, NULL);
  /* the IVR claims with its origin: the claimed event is on "telefoon" */
  char code[8];
  new_code(sid, code);
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\",\"context\":{\"time\":\"" TIME "\"}}",
           code);
  post_only("/v1/route", body, 200, NULL);
  json_t *s = st_session_get(srv.port, sid);
  size_t i;
  json_t *ev;
  const char *want[][2] = {{"website", "advice"}, {"telefoon", "chosen"},
                           {"website", "handover"}, {"telefoon", "claimed"}};
  cr_assert_eq(json_array_size(json_object_get(s, "events")), 4);
  json_array_foreach(json_object_get(s, "events"), i, ev) {
    cr_assert_str_eq(st_str(ev, "channel"), want[i][0], "event %zu", i);
    cr_assert_str_eq(st_str(ev, "type"), want[i][1], "event %zu", i);
  }
  json_decref(s);
  st_stop_ok(&srv);
}

Test(handover_ivr, catalogue_ids_memory) { catalogue_ids(0); }
Test(handover_ivr, catalogue_ids_redis) { catalogue_ids(1); }

/* ---- §4: one live code per session ---- */

static void one_live_code(int use_redis) {
  st_serve_on(use_redis, &redis, &srv, NULL, NULL);
  char sid[64], old[8], code[8], body[128];
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid);
  new_code(sid, old);
  new_code(sid, code);
  cr_assert_str_neq(old, code);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", old);
  post_only("/v1/handover/claim", body, 404, "not_found");   /* as an unknown code */
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  post_only("/v1/handover/claim", body, 200, NULL);
  st_stop_ok(&srv);
}

Test(handover_ivr, one_live_code_memory) { one_live_code(0); }
Test(handover_ivr, one_live_code_redis) { one_live_code(1); }

/* ---- §6: the claim limit per caller ---- */

/* A code that no live session has: 'good' with its last digit changed. */
static void wrong_code(const char *good, char out[8]) {
  snprintf(out, 8, "%s", good);
  out[5] = out[5] == '9' ? '0' : (char)(out[5] + 1);
}

static void claim(const char *code, const char *caller, int status, const char *err) {
  char body[256];
  if (caller)
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\",\"callerRef\":\"%s\"}",
             code, caller);
  else
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  post_only("/v1/handover/claim", body, status, err);
}

static void caller_limit(int use_redis) {
  const char *extra[] = {"--claim-fail-limit", "3", "--claim-fail-shared-limit", "8", NULL};
  st_serve_on(use_redis, &redis, &srv, NULL, extra);
  char sid[64], good[8], bad[8];
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid);
  new_code(sid, good);
  wrong_code(good, bad);
  /* caller A guesses wrong three times: A is locked out... */
  for (int i = 0; i < 3; i++) claim(bad, "beller-a", 404, "not_found");
  claim(bad, "beller-a", 429, "rate_limited");
  claim(good, "beller-a", 429, "rate_limited");
  /* ...a claim without callerRef counts per address, as before: 3 failures there too */
  claim(good, NULL, 429, "rate_limited");
  /* ...but caller B behind the same platform is not */
  claim(good, "beller-b", 200, NULL);
  /* the shared limit of the address: 8 failures from any callers, then everyone waits */
  char sid2[64], good2[8];
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid2);
  new_code(sid2, good2);
  for (int i = 0; i < 5; i++) {   /* 3 already counted for the address */
    char who[16];
    snprintf(who, sizeof who, "beller-%d", i);
    claim(bad, who, 404, "not_found");
  }
  claim(good2, "beller-nieuw", 429, "rate_limited");
  /* a malformed callerRef is a 400 and spends nothing */
  post_only("/v1/handover/claim", "{\"code\":\"123456\",\"channel\":\"telefoon\",\"callerRef\":\"a b\"}",
            400, "invalid_param");
  st_stop_ok(&srv);
}

Test(handover_ivr, caller_limit_memory) { caller_limit(0); }
Test(handover_ivr, caller_limit_redis) { caller_limit(1); }

/* On /v1/route too: the IVR's callerRef decides. */
static void route_caller_limit(int use_redis) {
  const char *extra[] = {"--claim-fail-limit", "2", NULL};
  st_serve_on(use_redis, &redis, &srv, NULL, extra);
  char sid[64], good[8], bad[8], body[256];
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid);
  new_code(sid, good);
  wrong_code(good, bad);
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\",\"callerRef\":\"c-1\"}", bad);
  post_only("/v1/route", body, 404, "not_found");
  post_only("/v1/route", body, 404, "not_found");
  post_only("/v1/route", body, 429, "rate_limited");
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\",\"callerRef\":\"c-2\"}", good);
  json_t *b = post("/v1/route", body, 200, NULL);
  cr_assert_str_eq(st_str(b, "sessionId"), sid);
  json_decref(b);
  st_stop_ok(&srv);
}

Test(handover_ivr, route_caller_limit_memory) { route_caller_limit(0); }
Test(handover_ivr, route_caller_limit_redis) { route_caller_limit(1); }

/* ---- §6: a lapsed code says so ---- */

static void code_expired(int use_redis) {
  const char *extra[] = {"--handover-ttl", "10", NULL};
  st_serve_on(use_redis, &redis, &srv, NULL, extra);
  char a[64], b[64], c[64], ca[8], cb[8], cc[8], body[128];
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", a);
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", b);
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", c);
  new_code(a, ca);
  new_code(b, cb);
  new_code(c, cc);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", cc);
  post_only("/v1/handover/claim", body, 200, NULL);   /* claimed in time */
  struct timespec ts = {10, 600 * 1000 * 1000};
  nanosleep(&ts, NULL);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", ca);
  json_t *p = post("/v1/handover/claim", body, 410, "code_expired");
  cr_assert(names(p, "code"));
  json_decref(p);
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\",\"service\":\"verhuizing\"}", cb);
  p = post("/v1/route", body, 410, "code_expired");
  cr_assert(names(p, "handoverCode"));
  json_decref(p);
  /* used and unknown codes stay 404 */
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", cc);
  post_only("/v1/handover/claim", body, 404, "not_found");
  st_stop_ok(&srv);
}

Test(handover_ivr, code_expired_memory, .timeout = 60) { code_expired(0); }
Test(handover_ivr, code_expired_redis, .timeout = 60) { code_expired(1); }

/* ---- §6: agentContext serves the agent; the claimed session's service wins ---- */

static void agent_context(int use_redis) {
  st_serve_on(use_redis, &redis, &srv, NULL, NULL);
  char sid[64], code[8], path[128], body[512];
  new_session("{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid);
  snprintf(body, sizeof body,
           "{\"service\":\"verhuizing\",\"sessionId\":\"%s\",\"citizen\":{\"needs\":[\"visual\"],"
           "\"language\":\"eng\"},\"context\":{\"time\":\"" TIME "\"}}", sid);
  post_only("/v1/advice", body, 200, NULL);
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
  post_only(path, "{\"channel\":\"telefoon\",\"type\":\"chosen\"}", 201, NULL);
  new_code(sid, code);
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\",\"context\":{\"time\":\"" TIME "\"}}",
           code);
  json_t *r = post("/v1/route", body, 200, NULL);
  json_t *ac = json_object_get(r, "agentContext");
  cr_assert_str_eq(st_str(ac, "service"), "verhuizing");
  cr_assert_str_eq(st_str(ac, "serviceName"), "Verhuizing doorgeven");
  cr_assert_str_eq(st_str(ac, "chosenChannel"), "telefoon");
  cr_assert_str_eq(st_str(ac, "lastChannel"), "website");   /* the handover, before the claim */
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(ac, "needs"), 0)), "visual");
  cr_assert_str_eq(st_str(ac, "language"), "eng");
  const char *line = st_str(ac, "summary");
  cr_assert(strstr(line, "Verhuizing doorgeven") && strstr(line, "Koos zelf Telefoon 14 039") &&
                strstr(line, "visual") && strstr(line, "eng"), "summary: %s", line);
  json_decref(r);
  st_stop_ok(&srv);
}

Test(handover_ivr, agent_context_memory) { agent_context(0); }
Test(handover_ivr, agent_context_redis) { agent_context(1); }

/* The target of a route request 'body' (new string). */
static char *target_of(const char *body) {
  json_t *r = post("/v1/route", body, 200, NULL);
  char *t = strdup(st_str(json_object_get(r, "target"), "id"));
  json_decref(r);
  return t;
}

static void claimed_service_wins(int use_redis) {
  st_serve_on(use_redis, &redis, &srv, NULL, NULL);
  /* wmo routes to the Sociaal Team, verhuizing to the general line */
  char *wmo = target_of("{\"service\":\"wmo\",\"context\":{\"time\":\"" TIME "\"}}");
  char *verh = target_of("{\"service\":\"verhuizing\",\"context\":{\"time\":\"" TIME "\"}}");
  cr_assert_str_neq(wmo, verh, "the check needs two services that route apart");
  char sid[64], code[8], body[256];
  new_session("{\"service\":\"wmo\",\"channel\":\"website\"}", sid);
  new_code(sid, code);
  /* the caller pressed "verhuizing" in the menu; the session is about wmo: wmo wins */
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"handoverCode\":\"%s\","
           "\"context\":{\"time\":\"" TIME "\"}}", code);
  char *t = target_of(body);
  cr_assert_str_eq(t, wmo);
  free(t);
  /* unless the IVR says keepService */
  new_code(sid, code);
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"handoverCode\":\"%s\","
           "\"keepService\":true,\"context\":{\"time\":\"" TIME "\"}}", code);
  t = target_of(body);
  cr_assert_str_eq(t, verh);
  free(t);
  free(wmo);
  free(verh);
  st_stop_ok(&srv);
}

Test(handover_ivr, claimed_service_wins_memory) { claimed_service_wins(0); }
Test(handover_ivr, claimed_service_wins_redis) { claimed_service_wins(1); }
