#define _GNU_SOURCE
/* Integration: write floods (issue 19), against the real binary.
 *
 *  - The embedded store is bounded (--memory-store-max): a flood of 16 KB sessions from
 *    one connection gets 503 store_full once the bound is reached, the RSS stops growing,
 *    nothing acknowledged is lost, the server stays healthy.
 *  - Redis at its maxmemory (noeviction): 503 store_full, never a crash, nothing
 *    acknowledged lost, and writes work again when there is room.
 *  - Session, event and handover-code creation are rate limited per client address and
 *    per token: 429 rate_limited with Retry-After.
 *  - One live handover code per session: a new code ends the previous one (404 as an
 *    unknown code), so one session cannot fill the code space; and a cap on live codes
 *    (503 store_full) keeps the space sparse. Both stores. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "store/store_test.h"

static ww_proc redis, srv;
static char dir[256];

static void teardown(void) {
  st_kill(&srv);
  st_kill(&redis);
  st_rmdir(dir);
}

TestSuite(floods, .fini = teardown, .timeout = 240);

static void start(int use_redis, const char *const *redis_args, const char *const *extra) {
  st_serve_on(use_redis, &redis, &srv, redis_args, extra);
}

/* The server's RSS says what the store holds, except under valgrind or ASan (its shadow
 * memory and the quarantine of freed blocks; the server is built like this test). */
static int rss_meaningful(void) {
#if defined(__SANITIZE_ADDRESS__)
  return 0;
#else
  return !ww_test_valgrind();
#endif
}

static long rss_kib(pid_t pid) {
  char path[64], *s;
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  s = ww_read_file(path, NULL);
  cr_assert_not_null(s);
  char *p = strstr(s, "VmRSS:");
  long kib = p ? strtol(p + 6, NULL, 10) : -1;
  free(s);
  return kib;
}

/* One request on a keep-alive connection; the status (or -1). 'r' may be NULL. */
static int send_on(ww_client *c, const char *method, const char *path, const char *body,
                   ww_http_resp *keep) {
  ww_http_resp r;
  if (ww_client_request(c, method, path, "Content-Type: application/json\r\n", body, &r) != 0)
    return -1;
  int s = r.status;
  if (keep) *keep = r;
  else ww_http_resp_free(&r);
  return s;
}

/* A POST from source address 'src' (127.0.0.x) with 'token' (may be NULL). The status. */
static int post_from(const char *src, const char *token, const char *path, const char *body,
                     ww_http_resp *r) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert_geq(fd, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET}, to = {.sin_family = AF_INET};
  inet_pton(AF_INET, src, &sa.sin_addr);
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  to.sin_port = htons((uint16_t)srv.port);
  cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
            connect(fd, (struct sockaddr *)&to, sizeof to) == 0, "connect from %s", src);
  char req[2048];
  int n = snprintf(req, sizeof req,
                   "POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                   "%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s", path,
                   token ? "Authorization: Bearer " : "", token ? token : "",
                   token ? "\r\n" : "", strlen(body), body);
  cr_assert_eq(write(fd, req, (size_t)n), n);
  char buf[16384];
  size_t len = 0;
  int rc = 1;
  double end = ww_now_ms() + 5000;
  while (rc == 1 && len < sizeof buf && ww_now_ms() < end) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t got = read(fd, buf + len, sizeof buf - len);
    if (got <= 0) break;
    len += (size_t)got;
    rc = ww_http_parse(buf, len, 0, r, NULL);
    if (rc == 1) ww_http_resp_free(r);
  }
  close(fd);
  cr_assert_eq(rc, 0, "no answer from the server");
  return r->status;
}

static void expect_problem(const ww_http_resp *r, int status, const char *code) {
  cr_assert_eq(r->status, status, "%d %s", r->status, r->body);
  json_t *b = ww_http_json(r);
  cr_assert_str_eq(st_str(b, "code"), code, "%s", r->body);
  json_decref(b);
  const char *ra = ww_http_header(r, "Retry-After");
  cr_assert(ra && atoi(ra) >= 1, "Retry-After: %s", ra ? ra : "(none)");
}

/* {"channel":"website","data":{"blob":"xxx..."}} of about 'bytes' (new). */
static char *session_body(size_t bytes) {
  char *b = malloc(bytes + 64);
  int n = snprintf(b, 64, "{\"channel\":\"website\",\"data\":{\"blob\":\"");
  memset(b + n, 'x', bytes - 48);
  snprintf(b + n + bytes - 48, 16, "\"}}");
  return b;
}

/* POST 'body' to /v1/sessions on 'c' until the store is full (1; the 503 store_full
 * checked) or 'max' were created (0); the ids of the 201s into 'ids'. */
static int flood(ww_client *c, const char *body, int max, json_t *ids) {
  for (int i = 0; i < max; i++) {
    ww_http_resp r;
    int s = send_on(c, "POST", "/v1/sessions", body, &r);
    if (s != 201) {
      expect_problem(&r, 503, "store_full");
      ww_http_resp_free(&r);
      return 1;
    }
    json_t *j = ww_http_json(&r);
    json_array_append(ids, json_object_get(json_object_get(j, "session"), "id"));
    json_decref(j);
    ww_http_resp_free(&r);
  }
  return 0;
}

/* ---- the embedded store's bound ---- */

Test(floods, embedded_store_bounded_under_a_session_flood) {
  const char *extra[] = {"--memory-store-max", "16777216", "--session-rate", "0", NULL};
  start(0, NULL, extra);
  long rss0 = rss_kib(srv.pid);
  char *body = session_body(16384);
  ww_client *c = ww_client_connect(srv.port);
  cr_assert_not_null(c);
  json_t *ids = json_array();
  cr_assert(flood(c, body, 20000, ids), "a flood of 20,000 sessions x 16 KB was never refused");
  long rss1 = rss_kib(srv.pid);
  /* more of the flood changes nothing */
  for (int i = 0; i < 500; i++)
    cr_assert_eq(send_on(c, "POST", "/v1/sessions", body, NULL), 503);
  long rss2 = rss_kib(srv.pid);
  size_t n = json_array_size(ids);
  if (rss_meaningful()) {
    cr_assert_lt(rss1 - rss0, 32 * 1024, "RSS grew %ld KiB under a 16 MiB bound", rss1 - rss0);
    cr_assert_lt(rss2 - rss1, 2 * 1024, "RSS grew %ld KiB after the bound", rss2 - rss1);
  }
  cr_assert_gt(n, 100);
  /* nothing acknowledged was lost; reads and advice go on */
  for (size_t i = 0; i < n; i++) {
    char path[96];
    snprintf(path, sizeof path, "/v1/sessions/%s", json_string_value(json_array_get(ids, i)));
    cr_assert_eq(send_on(c, "GET", path, NULL, NULL), 200, "session %zu lost", i);
  }
  char adv[160];
  snprintf(adv, sizeof adv, "{\"service\":\"verhuizing\",\"sessionId\":\"%s\"}",
           json_string_value(json_array_get(ids, 0)));
  cr_assert_eq(send_on(c, "POST", "/v1/advice", adv, NULL), 200);
  cr_assert_eq(send_on(c, "GET", "/healthz", NULL, NULL), 200);
  ww_client_close(c);
  json_decref(ids);
  free(body);
  st_stop_ok(&srv);
}

/* ---- Redis at maxmemory ---- */

Test(floods, redis_at_maxmemory_answers_503_and_loses_nothing) {
  const char *rargs[] = {"--maxmemory", "4mb", "--maxmemory-policy", "noeviction", NULL};
  const char *extra[] = {"--session-rate", "0", "--event-rate", "0", NULL};
  start(1, rargs, extra);
  char *body = session_body(16384);
  ww_client *c = ww_client_connect(srv.port);
  cr_assert_not_null(c);
  json_t *ids = json_array();
  cr_assert(flood(c, body, 2000, ids), "Redis at maxmemory never refused");
  size_t n = json_array_size(ids);
  cr_assert_gt(n, 10);
  /* Redis hovers at its limit (a small write may still fit): hold it there for the rest */
  redisContext *rc = st_redis_connect(redis.port);
  freeReplyObject(redisCommand(rc, "CONFIG SET maxmemory 1"));
  const char *sid = json_string_value(json_array_get(ids, 0));
  char path[128], adv[160];
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
  ww_http_resp r;
  send_on(c, "POST", path, "{\"channel\":\"website\",\"type\":\"note\",\"detail\":\"x\"}", &r);
  expect_problem(&r, 503, "store_full");
  ww_http_resp_free(&r);
  /* advice still answers, without the session */
  snprintf(adv, sizeof adv, "{\"service\":\"verhuizing\",\"sessionId\":\"%s\"}", sid);
  cr_assert_eq(send_on(c, "POST", "/v1/advice", adv, &r), 200);
  json_t *a = ww_http_json(&r);
  cr_assert(json_is_true(json_object_get(a, "degraded")), "%s", r.body);
  json_decref(a);
  ww_http_resp_free(&r);
  /* every acknowledged session is whole */
  for (size_t i = 0; i < n; i++) {
    snprintf(path, sizeof path, "/v1/sessions/%s", json_string_value(json_array_get(ids, i)));
    cr_assert_eq(send_on(c, "GET", path, NULL, &r), 200, "session %zu lost", i);
    json_t *g = ww_http_json(&r);
    const json_t *blob = json_object_get(json_object_get(json_object_get(g, "session"), "data"),
                                         "blob");
    cr_assert_eq(json_string_length(blob), 16384 - 48, "session %zu not whole", i);
    cr_assert_eq(json_array_size(json_object_get(json_object_get(g, "session"), "events")), 0);
    json_decref(g);
    ww_http_resp_free(&r);
  }
  cr_assert(ww_proc_wait_log(&srv, "at maxmemory", 2000), "no log line says why");
  /* room again: writes work */
  freeReplyObject(redisCommand(rc, "CONFIG SET maxmemory 0"));
  redisFree(rc);
  cr_assert_eq(send_on(c, "POST", "/v1/sessions", body, NULL), 201);
  ww_client_close(c);
  json_decref(ids);
  free(body);
  st_stop_ok(&srv);
}

/* ---- rate limits ---- */

Test(floods, writes_rate_limited_per_address_and_token) {
  st_mkdtemp(dir);
  char tokens[320];
  st_tokens_file(dir, tokens);
  const char *extra[] = {"--tokens", tokens, "--session-rate", "2", "--event-rate", "1",
                         "--handover-rate", "1", NULL};
  start(0, NULL, extra);
  const char *sbody = "{\"channel\":\"website\"}";
  ww_http_resp r;
  char sid[64] = "";
  /* bursts of 10 s worth: 20 sessions, then 429 for this address and this token */
  for (int i = 0; i < 20; i++) {
    cr_assert_eq(post_from("127.0.0.1", ST_ADVICE_TOKEN, "/v1/sessions", sbody, &r), 201,
                 "session %d: %s", i, r.body);
    if (i == 0) {
      json_t *j = ww_http_json(&r);
      snprintf(sid, sizeof sid, "%s", st_str(json_object_get(j, "session"), "id"));
      json_decref(j);
    }
    ww_http_resp_free(&r);
  }
  post_from("127.0.0.1", ST_ADVICE_TOKEN, "/v1/sessions", sbody, &r);
  expect_problem(&r, 429, "rate_limited");
  ww_http_resp_free(&r);
  /* the same token from another address: the token's bucket is empty too */
  post_from("127.0.0.2", ST_ADVICE_TOKEN, "/v1/sessions", sbody, &r);
  expect_problem(&r, 429, "rate_limited");
  ww_http_resp_free(&r);
  /* another token from another address has buckets of its own */
  cr_assert_eq(post_from("127.0.0.2", ST_ADMIN_TOKEN, "/v1/sessions", sbody, &r), 201, "%s",
               r.body);
  ww_http_resp_free(&r);

  /* events: 10, then 429, and nothing was appended by the refused one */
  char path[128];
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
  for (int i = 0; i < 10; i++) {
    cr_assert_eq(post_from("127.0.0.3", ST_ADMIN_TOKEN, path,
                           "{\"channel\":\"website\",\"type\":\"note\"}", &r), 201, "%s", r.body);
    ww_http_resp_free(&r);
  }
  post_from("127.0.0.3", ST_ADMIN_TOKEN, path, "{\"channel\":\"website\",\"type\":\"note\"}", &r);
  expect_problem(&r, 429, "rate_limited");
  ww_http_resp_free(&r);
  /* handover codes: 10, then 429 */
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  for (int i = 0; i < 10; i++) {
    cr_assert_eq(post_from("127.0.0.4", ST_ADVICE_TOKEN, path, "{}", &r), 201, "%s", r.body);
    ww_http_resp_free(&r);
  }
  post_from("127.0.0.4", ST_ADVICE_TOKEN, path, "{}", &r);
  expect_problem(&r, 429, "rate_limited");
  const char *ra = ww_http_header(&r, "Retry-After");
  int wait = ra ? atoi(ra) : 1;
  ww_http_resp_free(&r);
  /* after Retry-After there is a token again */
  usleep((useconds_t)wait * 1000000 + 100000);
  cr_assert_eq(post_from("127.0.0.4", ST_ADVICE_TOKEN, path, "{}", &r), 201, "%s", r.body);
  ww_http_resp_free(&r);
  /* 10 notes and 11 handovers: the refused requests left nothing */
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  json_t *g = st_req(srv.port, "GET", path, ST_ADVICE_TOKEN, NULL, &r);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(st_count_events(json_object_get(g, "session"), "note"), 10);
  cr_assert_eq(st_count_events(json_object_get(g, "session"), "handover"), 11);
  json_decref(g);
  ww_http_resp_free(&r);
  /* advice is never rate limited */
  for (int i = 0; i < 50; i++) {
    cr_assert_eq(post_from("127.0.0.1", ST_ADVICE_TOKEN, "/v1/advice",
                           "{\"service\":\"verhuizing\"}", &r), 200);
    ww_http_resp_free(&r);
  }
  st_stop_ok(&srv);
}

/* ---- handover codes ---- */

static void new_session(char sid[64]) {
  cr_assert_eq(st_session_create(srv.port, NULL, "{\"channel\":\"website\",\"service\":\"verhuizing\"}",
                                 sid), 201);
}

/* POST .../handover; the status, the code into 'code' on 201. */
static int new_code(const char *sid, char code[8]) {
  char path[128];
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  ww_http_resp r;
  json_t *h = st_req(srv.port, "POST", path, NULL, "{}", &r);
  int s = r.status;
  if (s == 201) snprintf(code, 8, "%s", st_str(h, "code"));
  else expect_problem(&r, 503, "store_full");
  json_decref(h);
  ww_http_resp_free(&r);
  return s;
}

static int claim(const char *code) {
  char body[96];
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  ww_http_resp r;
  json_t *b = st_req(srv.port, "POST", "/v1/handover/claim", NULL, body, &r);
  if (r.status == 404) cr_assert_str_eq(st_str(b, "code"), "not_found");
  int s = r.status;
  json_decref(b);
  ww_http_resp_free(&r);
  return s;
}

static void one_live_code_per_session(int use_redis) {
  const char *extra[] = {"--handover-rate", "0", "--handover-max-live", "5", NULL};
  start(use_redis, NULL, extra);
  char sid[64], a[8], b[8];
  new_session(sid);
  cr_assert_eq(new_code(sid, a), 201);
  cr_assert_eq(new_code(sid, b), 201);
  /* the first ended with the second: unknown, on the claim route and on /v1/route */
  cr_assert_eq(claim(a), 404, "the previous code of the session still works");
  char body[160];
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"handoverCode\":\"%s\"}", a);
  ww_http_resp r;
  json_decref(st_req(srv.port, "POST", "/v1/route", NULL, body, &r));
  cr_assert_eq(r.status, 404, "%s", r.body);
  ww_http_resp_free(&r);
  cr_assert_eq(claim(b), 200);
  /* one session making 300 codes holds one at a time: the cap of 5 is never reached */
  char c[8];
  for (int i = 0; i < 300; i++) cr_assert_eq(new_code(sid, c), 201, "code %d", i);
  if (use_redis) {
    redisContext *rc = st_redis_connect(redis.port);
    redisReply *h = redisCommand(rc, "HLEN ww:{hc}:codes");
    cr_assert(h && h->type == REDIS_REPLY_INTEGER && h->integer == 1, "live codes: %lld",
              h ? h->integer : -1);
    freeReplyObject(h);
    redisFree(rc);
  }
  cr_assert_eq(claim(c), 200);
  st_stop_ok(&srv);
}

Test(floods, one_live_code_per_session_memory) { one_live_code_per_session(0); }
Test(floods, one_live_code_per_session_redis) { one_live_code_per_session(1); }

static void live_codes_capped(int use_redis) {
  const char *extra[] = {"--handover-rate", "0", "--session-rate", "0", "--handover-max-live",
                         "20", NULL};
  start(use_redis, NULL, extra);
  char sid[64], first[8], code[8];
  for (int i = 0; i < 20; i++) {
    new_session(sid);
    cr_assert_eq(new_code(sid, code), 201, "code %d", i);
    if (i == 0) memcpy(first, code, 8);
  }
  new_session(sid);
  cr_assert_eq(new_code(sid, code), 503, "a 21st live code");
  char path[96];
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  ww_http_resp r;
  json_t *g = st_req(srv.port, "GET", path, NULL, NULL, &r);
  cr_assert_eq(st_count_events(json_object_get(g, "session"), "handover"), 0,
               "the refused code left an event");
  json_decref(g);
  ww_http_resp_free(&r);
  /* a claim frees a place */
  cr_assert_eq(claim(first), 200);
  cr_assert_eq(new_code(sid, code), 201);
  cr_assert_eq(claim(code), 200);
  st_stop_ok(&srv);
}

Test(floods, live_codes_capped_memory) { live_codes_capped(0); }
Test(floods, live_codes_capped_redis) { live_codes_capped(1); }
