#define _GNU_SOURCE
/* Integration: what a client with an advice token cannot do to someone's session (issue
 * 19), on the embedded store and on a real redis-server.
 *
 *  - A BSN is no oracle for a session: POST /v1/advice or /v1/route with only a citizen.id
 *    finds the citizen's live session (the rules see it, the event is appended) but the
 *    answer names no sessionId and carries no agentContext (SPEC 3.1), so the id cannot
 *    be used to read the session's data and events.
 *  - "handover" and "claimed" events are the engine's: a client that posts one gets 400
 *    invalid_param naming "type", and the session is unchanged. */
#include <stdio.h>

#include "store/store_test.h"

static ww_proc redis, srv;

static void teardown(void) {
  st_kill(&srv);
  st_kill(&redis);
}

TestSuite(walls, .fini = teardown, .timeout = 120);

#define BSN "172839465"
#define AT "\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}"

static void start(int use_redis) { st_serve_on(use_redis, &redis, &srv, NULL, NULL); }

/* POST; expects 'status'; the body (new). */
static json_t *post(const char *path, const char *body, int status, ww_http_resp *keep) {
  ww_http_resp r;
  json_t *b = st_req(srv.port, "POST", path, NULL, body, &r);
  cr_assert_eq(r.status, status, "%s %s: %d %s", path, body, r.status, r.body);
  if (keep) *keep = r;
  else ww_http_resp_free(&r);
  return b;
}

static const char *first_channel(const json_t *advice) {
  return st_str(json_array_get(json_object_get(advice, "channels"), 0), "id");
}

static void bsn_is_no_oracle(int use_redis) {
  start(use_redis);
  char sid[64], path[128];
  cr_assert_eq(st_session_create(srv.port, NULL,
                                 "{\"service\":\"verhuizing\",\"channel\":\"website\","
                                 "\"citizen\":{\"id\":\"" BSN "\"},\"data\":{\"stap\":3}}", sid),
               201);
  /* a step on the session: the bundled rules then send a status question to mijn_omgeving */
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
  json_decref(post(path, "{\"channel\":\"website\",\"type\":\"step\",\"service\":\"verhuizing\"}",
                   201, NULL));

  ww_http_resp r;
  json_t *a = post("/v1/advice", "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"" BSN "\"}," AT "}",
                   200, &r);
  cr_assert_null(json_object_get(a, "sessionId"), "the BSN revealed the session: %s", r.body);
  cr_assert_null(memmem(r.body, r.body_len, sid, strlen(sid)), "%s", r.body);
  /* the rules saw the session: the same BSN-less question advises otherwise */
  cr_assert_str_eq(first_channel(a), "mijn_omgeving", "%s", r.body);
  json_t *other = post("/v1/advice", "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"999999990\"}," AT "}",
                       200, NULL);
  cr_assert_str_neq(first_channel(other), "mijn_omgeving");
  json_decref(other);
  json_decref(a);
  ww_http_resp_free(&r);

  json_t *rt = post("/v1/route", "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"" BSN "\"}," AT "}",
                    200, &r);
  cr_assert_null(json_object_get(rt, "sessionId"), "%s", r.body);
  cr_assert_null(json_object_get(rt, "agentContext"), "the BSN revealed the session: %s", r.body);
  cr_assert_null(memmem(r.body, r.body_len, sid, strlen(sid)), "%s", r.body);
  cr_assert_null(memmem(r.body, r.body_len, "stap", 4), "session data in the answer: %s", r.body);
  json_decref(rt);
  ww_http_resp_free(&r);

  /* the events were appended all the same */
  json_t *s = st_session_get(srv.port, sid);
  cr_assert_eq(st_count_events(s, "advice"), 2);
  json_decref(s);

  /* control: a client that knows the session id gets it named */
  char body[256];
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"sessionId\":\"%s\"}", sid);
  a = post("/v1/advice", body, 200, NULL);
  cr_assert_str_eq(st_str(a, "sessionId"), sid);
  json_decref(a);
  a = post("/v1/route", body, 200, NULL);
  cr_assert_str_eq(st_str(a, "sessionId"), sid);
  cr_assert_not_null(json_object_get(a, "agentContext"));
  json_decref(a);
  st_stop_ok(&srv);
}

Test(walls, bsn_is_no_oracle_memory) { bsn_is_no_oracle(0); }
Test(walls, bsn_is_no_oracle_redis) { bsn_is_no_oracle(1); }

static void engine_events_are_the_engines(int use_redis) {
  start(use_redis);
  char sid[64], path[128];
  cr_assert_eq(st_session_create(srv.port, NULL,
                                 "{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid),
               201);
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
  const char *forged[] = {
      "{\"channel\":\"website\",\"type\":\"handover\",\"detail\":{\"code\":\"123456\",\"to\":\"balie\"}}",
      "{\"channel\":\"telefoon\",\"type\":\"claimed\",\"detail\":{\"code\":\"123456\"}}",
  };
  for (size_t i = 0; i < 2; i++) {
    ww_http_resp r;
    json_t *b = post(path, forged[i], 400, &r);
    cr_assert_str_eq(st_str(b, "code"), "invalid_param", "%s", r.body);
    json_t *p = json_array_get(json_object_get(b, "invalidParams"), 0);
    cr_assert_str_eq(st_str(p, "name"), "type", "%s", r.body);
    json_decref(b);
    ww_http_resp_free(&r);
  }
  json_t *s = st_session_get(srv.port, sid);
  cr_assert_eq(json_array_size(json_object_get(s, "events")), 0, "a forged event was stored");
  json_decref(s);

  /* what a client may post still goes in; the engine's own still appear */
  const char *mine[] = {"advice", "contact", "step", "abandoned", "completed", "note"};
  for (size_t i = 0; i < 6; i++) {
    char body[160];
    snprintf(body, sizeof body, "{\"channel\":\"website\",\"type\":\"%s\"}", mine[i]);
    json_decref(post(path, body, 201, NULL));
  }
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  json_t *h = post(path, "{\"to\":\"telefoon\"}", 201, NULL);
  char body[160];
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", st_str(h, "code"));
  json_decref(h);
  json_t *c = post("/v1/handover/claim", body, 200, NULL);
  json_t *cs = json_object_get(c, "session");
  cr_assert_eq(st_count_events(cs, "handover"), 1);
  cr_assert_eq(st_count_events(cs, "claimed"), 1);
  cr_assert_eq(json_array_size(json_object_get(cs, "events")), 8);
  json_decref(c);
  st_stop_ok(&srv);
}

Test(walls, engine_events_are_the_engines_memory) { engine_events_are_the_engines(0); }
Test(walls, engine_events_are_the_engines_redis) { engine_events_are_the_engines(1); }
