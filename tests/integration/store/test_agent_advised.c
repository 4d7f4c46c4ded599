#define _GNU_SOURCE
/* Integration (issue 13 §6): agentContext says what was advised -- the first channel of
 * the citizen's latest advice on the session, its name and its reason -- as that advice
 * answered it, over HTTP against the real binary on the embedded store and on a real
 * redis-server:
 *   - the advice answer is sent first; its outcome is written onto the session after it
 *     (fire and forget), so GET /v1/sessions/{id} shows "advised" soon after, never the
 *     answer later;
 *   - a later advice's outcome replaces an earlier one;
 *   - /v1/route with the session's handover code gives agentContext.advised and a summary
 *     that says it;
 *   - only {at, channel, name, reason} is kept. */
#include "store_test.h"

static ww_proc redis, srv;

static void teardown(void) {
  st_kill(&srv);
  st_kill(&redis);
}

TestSuite(agent_advised, .fini = teardown, .timeout = 120);

#define WEEKDAY "2026-12-01T10:00:00+01:00"   /* a Tuesday morning: desks and phones open */
#define NIGHT "2026-12-06T23:30:00+01:00"     /* a Sunday night: only what is always open */

static json_t *post(const char *path, const char *body, int status) {
  ww_http_resp r;
  json_t *b = st_req(srv.port, "POST", path, NULL, body, &r);
  cr_assert_eq(r.status, status, "%s %s: %d %s", path, body, r.status, r.body);
  ww_http_resp_free(&r);
  return b;
}

/* The session's "advised" is the one of an advice whose first channel is 'want'. */
typedef struct {
  const char *sid;
  const char *want;
} seen_ctx;

static int advised_is(void *ud) {
  seen_ctx *c = ud;
  json_t *s = st_session_get(srv.port, c->sid);
  const char *ch = st_str(json_object_get(s, "advised"), "channel");
  int ok = ch && strcmp(ch, c->want) == 0;
  json_decref(s);
  return ok;
}

/* POST /v1/advice for 'sid' at 'time'; checks that the session then carries exactly what
 * the answer advised first. Returns the first channel's id (new string). */
static char *advise_and_check(const char *sid, const char *time) {
  char body[512];
  snprintf(body, sizeof body,
           "{\"service\":\"verhuizing\",\"sessionId\":\"%s\",\"context\":{\"time\":\"%s\"}}",
           sid, time);
  json_t *a = post("/v1/advice", body, 200);
  const json_t *first = json_array_get(json_object_get(a, "channels"), 0);
  cr_assert_not_null(first, "the advice has a first channel");
  char *id = strdup(st_str(first, "id"));
  seen_ctx c = {sid, id};
  cr_assert(st_poll(advised_is, &c, 3000), "the outcome did not reach the session");
  json_t *s = st_session_get(srv.port, sid);
  json_t *adv = json_object_get(s, "advised");
  cr_assert_eq(json_object_size(adv), 4, "only at, channel, name, reason are kept");
  cr_assert_str_eq(st_str(adv, "name"), st_str(first, "name"));
  cr_assert_str_eq(st_str(adv, "reason"),
                   json_string_value(json_array_get(json_object_get(first, "reasons"), 0)));
  cr_assert_not_null(st_str(adv, "at"));
  /* the advice event and the outcome carry the same time */
  const json_t *evs = json_object_get(s, "events");
  const json_t *last = json_array_get(evs, json_array_size(evs) - 1);
  cr_assert_str_eq(st_str(last, "type"), "advice");
  cr_assert_str_eq(st_str(last, "at"), st_str(adv, "at"));
  json_decref(s);
  json_decref(a);
  return id;
}

static void advised_in_agent_context(int use_redis) {
  st_serve_on(use_redis, &redis, &srv, NULL, NULL);
  char sid[64];
  cr_assert_eq(st_session_create(srv.port, NULL,
                                 "{\"service\":\"verhuizing\",\"channel\":\"website\"}", sid),
               201);
  /* no advice yet: nothing advised */
  json_t *s = st_session_get(srv.port, sid);
  cr_assert_null(json_object_get(s, "advised"));
  json_decref(s);

  char *day = advise_and_check(sid, WEEKDAY);
  char *night = advise_and_check(sid, NIGHT);   /* the later advice's outcome replaces it */

  char path[128], body[256];
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  json_t *h = post(path, "{\"to\":\"telefoon\"}", 201);
  snprintf(body, sizeof body, "{\"handoverCode\":\"%s\",\"context\":{\"time\":\"" WEEKDAY
           "\"}}", st_str(h, "code"));
  json_decref(h);
  json_t *r = post("/v1/route", body, 200);
  json_t *ac = json_object_get(r, "agentContext");
  json_t *adv = json_object_get(ac, "advised");
  cr_assert_str_eq(st_str(adv, "channel"), night);
  cr_assert_not_null(st_str(adv, "name"));
  s = st_session_get(srv.port, sid);
  cr_assert_str_eq(st_str(adv, "reason"), st_str(json_object_get(s, "advised"), "reason"));
  json_decref(s);
  char want[160];
  snprintf(want, sizeof want, "Advies: %s", st_str(adv, "name"));
  const char *line = st_str(ac, "summary");
  cr_assert(line && strstr(line, want), "summary without the advice: %s", line);
  json_decref(r);
  free(day);
  free(night);
  st_stop_ok(&srv);
}

Test(agent_advised, advised_in_agent_context_memory) { advised_in_agent_context(0); }
Test(agent_advised, advised_in_agent_context_redis) { advised_in_agent_context(1); }
