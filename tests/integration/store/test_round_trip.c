#define _GNU_SOURCE
/* Integration (issue 16, target 1): a /v1/advice with a citizen.id finds the citizen's
 * latest live session and appends its advice event in ONE Redis round trip (the script
 * SC_APPEND_CITIZEN; before: GET of the index, then SC_APPEND), over HTTP against the real
 * binary and a real redis-server:
 *   - Redis's MONITOR proves it: per advice one EVALSHA for the lookup and the append
 *     (the GET of the index runs inside it), plus the outcome ("advised") written after
 *     the answer;
 *   - of a citizen's two sessions the latest gets the event, on both stores;
 *   - Redis hanging in the middle of a request: the advice is answered degraded, a
 *     session write 503, and the session stays whole (its event and its update time
 *     together). */
#include <signal.h>
#include <strings.h>

#include "store_test.h"

static ww_proc redis, srv;

static void teardown(void) {
  if (redis.pid > 0) kill(redis.pid, SIGCONT);
  st_kill(&srv);
  st_kill(&redis);
}

TestSuite(round_trip, .fini = teardown, .timeout = 120);

#define CITIZEN "999993653"
#define ADVICE                                                                           \
  "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"" CITIZEN "\",\"digitalSkills\":"    \
  "\"low\"},\"context\":{\"origin\":\"web\",\"time\":\"2026-12-01T10:15:00+01:00\"}}"

/* What MONITOR on 'c' saw until it was quiet for 300 ms, of the commands that name the
 * citizen index (ww:cz:) or the key 'skey' (other workers' own commands, e.g. the rule-set
 * history's, are not counted): those clients sent ('*sent_cz', '*sent_s'; of the first,
 * '*sent_cz_evalsha' EVALSHA) and the GETs of the index that scripts ran
 * ('*in_scripts_get'). 'c' is spent afterwards. */
typedef struct {
  int sent_cz, sent_cz_evalsha, sent_s, in_scripts_get;
} seen_cmds;

static void monitored(redisContext *c, const char *skey, seen_cmds *n) {
  memset(n, 0, sizeof *n);
  struct timeval tv = {0, 300 * 1000};
  redisSetTimeout(c, tv);
  redisReply *r;
  while (redisGetReply(c, (void **)&r) == REDIS_OK) {
    /* 1700000000.123456 [0 127.0.0.1:5000] "evalsha" "<sha>" "1" "ww:cz:{...}" ...
     * or, run by a script: 1700000000.123456 [0 lua] "GET" "ww:cz:{...}" */
    const char *line = r->type == REDIS_REPLY_STATUS && r->str ? r->str : "";
    const char *cmd = strstr(line, "] \"");
    int cz = strstr(line, "\"ww:cz:{") != NULL, sk = strstr(line, skey) != NULL;
    if (cmd && strstr(line, " lua] ")) {
      if (cz && strncasecmp(cmd + 3, "get\"", 4) == 0) n->in_scripts_get++;
    } else if (cmd) {
      if (cz) n->sent_cz++;
      if (cz && strncasecmp(cmd + 3, "evalsha\"", 8) == 0) n->sent_cz_evalsha++;
      if (sk) n->sent_s++;
    }
    freeReplyObject(r);
  }
}

static void advise(int status) {
  ww_http_resp r;
  json_t *b = st_req(srv.port, "POST", "/v1/advice", NULL, ADVICE, &r);
  cr_assert_eq(r.status, status, "advice: %d %s", r.status, r.body);
  cr_assert_null(json_object_get(b, "sessionId"), "a session found by citizen.id is not named");
  json_decref(b);
  ww_http_resp_free(&r);
}

/* Two sessions of one citizen (and one of another): the advices go to the latest. */
static void two_sessions(char older[64], char latest[64]) {
  cr_assert_eq(st_session_create(srv.port, NULL,
                                 "{\"service\":\"verhuizing\",\"channel\":\"website\","
                                 "\"citizen\":{\"id\":\"" CITIZEN "\"}}", older), 201);
  cr_assert_eq(st_session_create(srv.port, NULL,
                                 "{\"service\":\"paspoort\",\"channel\":\"website\","
                                 "\"citizen\":{\"id\":\"" CITIZEN "\"}}", latest), 201);
  char other[64];
  cr_assert_eq(st_session_create(srv.port, NULL,
                                 "{\"service\":\"verhuizing\",\"channel\":\"website\","
                                 "\"citizen\":{\"id\":\"111222333\"}}", other), 201);
}

static void latest_gets_them(int use_redis) {
  st_serve_on(use_redis, &redis, &srv, NULL, NULL);
  char older[64], latest[64];
  two_sessions(older, latest);
  for (int i = 0; i < 3; i++) advise(200);
  json_t *s = st_session_get(srv.port, latest);
  cr_assert_eq(st_count_events(s, "advice"), 3);
  json_decref(s);
  s = st_session_get(srv.port, older);
  cr_assert_eq(st_count_events(s, "advice"), 0, "the older session is not the latest");
  json_decref(s);
  st_stop_ok(&srv);
}

Test(round_trip, latest_of_two_sessions_memory) { latest_gets_them(0); }
Test(round_trip, latest_of_two_sessions_redis) { latest_gets_them(1); }

Test(round_trip, one_command_per_citizen_advice) {
  st_serve_on(1, &redis, &srv, NULL, NULL);
  char older[64], latest[64];
  two_sessions(older, latest);
  redisContext *c = st_redis_connect(redis.port);
  redisReply *ok = redisCommand(c, "MONITOR");
  cr_assert(ok && ok->type == REDIS_REPLY_STATUS);
  freeReplyObject(ok);
  enum { N = 6 };
  for (int i = 0; i < N; i++) advise(200);
  /* per advice: one command for the lookup and the append, and one for the outcome
   * written after the answer; the lookup (GET of the index) runs inside the script */
  char skey[96];
  snprintf(skey, sizeof skey, "\"ww:{%s}:s\"", latest);
  seen_cmds n;
  monitored(c, skey, &n);
  cr_assert_eq(n.sent_cz, N, "commands on the citizen index: %d, want %d", n.sent_cz, N);
  cr_assert_eq(n.sent_cz_evalsha, N, "each one script");
  cr_assert_eq(n.in_scripts_get, N, "index lookups inside the scripts: %d", n.in_scripts_get);
  cr_assert_eq(n.sent_s, N, "the outcomes, one each (the appends name the index only): %d",
               n.sent_s);
  json_t *s = st_session_get(srv.port, latest);
  cr_assert_eq(st_count_events(s, "advice"), N);
  cr_assert_not_null(json_object_get(s, "advised"), "the outcome is on the session");
  json_decref(s);
  redisFree(c);
  st_stop_ok(&srv);
}

Test(round_trip, redis_hangs_mid_request) {
  st_serve_on(1, &redis, &srv, NULL, NULL);
  char older[64], latest[64];
  two_sessions(older, latest);
  advise(200);
  cr_assert_eq(kill(redis.pid, SIGSTOP), 0);
  /* the advice is answered after the store's deadline, without the session */
  ww_http_resp r;
  json_t *b = st_req(srv.port, "POST", "/v1/advice", NULL, ADVICE, &r);
  cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
  cr_assert(json_is_true(json_object_get(b, "degraded")), "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
  /* a session write says so */
  char path[96];
  snprintf(path, sizeof path, "/v1/sessions/%s/events", latest);
  b = st_req(srv.port, "POST", path, NULL,
             "{\"channel\":\"website\",\"type\":\"step\"}", &r);
  cr_assert_eq(r.status, 503, "%d %s", r.status, r.body);
  json_decref(b);
  ww_http_resp_free(&r);
  cr_assert_eq(kill(redis.pid, SIGCONT), 0);
  st_wait_ready(&srv);
  /* whole: every event there with the update time of the last (a script runs whole or
   * not at all) */
  json_t *s = st_session_get(srv.port, latest);
  const json_t *evs = json_object_get(s, "events");
  size_t n = json_array_size(evs);
  cr_assert_geq(n, 1);
  cr_assert_str_eq(st_str(s, "updatedAt"), st_str(json_array_get(evs, n - 1), "at"));
  json_decref(s);
  advise(200);   /* and it goes on */
  s = st_session_get(srv.port, latest);
  cr_assert_eq(json_array_size(json_object_get(s, "events")), n + 1);
  json_decref(s);
  st_stop_ok(&srv);
}
