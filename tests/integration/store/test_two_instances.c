#define _GNU_SOURCE
/* Integration: two real `wegwijzer serve` instances (A and B, 2 workers each) on one real
 * redis-server, over real sockets: the citizen's journey across instances, channel status
 * seen by the other instance within 1 s, 50 concurrent appends, brute-force claims rate
 * limited across instances, the decision log without citizen ids. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "store_test.h"

static ww_proc redis, a, b;
static char dir[256];

static void setup(void) {
  memset(&redis, 0, sizeof redis);
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  dir[0] = '\0';
  cr_assert_eq(ww_redis_start(&redis, 10000), 0, "redis-server did not start");
}

static void teardown(void) {
  ww_proc_cleanup(&a);
  ww_proc_cleanup(&b);
  if (redis.pid > 0) ww_proc_stop(&redis, SIGTERM, 5000);
  ww_proc_cleanup(&redis);
  st_rmdir(dir);
}

TestSuite(two, .init = setup, .fini = teardown, .timeout = 120);

/* Both instances share the citizenRef key (a real deployment gives them one secret). */
static void start_both(const char *const *extra) {
  if (dir[0] == '\0') st_mkdtemp(dir);
  static char secret[320];
  snprintf(secret, sizeof secret, "%s/secret", dir);
  FILE *f = fopen(secret, "w");
  cr_assert_not_null(f);
  fputs("0123456789abcdef0123456789abcdef-test-secret\n", f);
  fclose(f);
  chmod(secret, 0600);
  const char *args[24];
  int n = 0;
  args[n++] = "--secret-file";
  args[n++] = secret;
  for (int i = 0; extra && extra[i] && n < 22; i++) args[n++] = extra[i];
  args[n] = NULL;
  st_serve(&a, redis.port, args);
  st_serve(&b, redis.port, args);
  st_wait_ready(&a);
  st_wait_ready(&b);
}

static void stop_both(void) {
  st_stop_ok(&a);
  st_stop_ok(&b);
}

/* 1. Website on A (session, advice), handover code on A, IVR claim on B, desk on B. */
Test(two, journey_across_instances) {
  start_both(NULL);
  ww_http_resp r;
  char sid[64];
  cr_assert_eq(st_session_create(a.port, NULL,
                                 "{\"citizen\":{\"id\":\"999993653\"},\"service\":\"verhuizing\","
                                 "\"channel\":\"website\"}", sid), 201);

  char body[512];
  snprintf(body, sizeof body,
           "{\"service\":\"verhuizing\",\"sessionId\":\"%s\",\"context\":{\"origin\":\"web\"}}", sid);
  json_t *j = st_req(a.port, "POST", "/v1/advice", NULL, body, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(st_str(j, "sessionId"), sid);
  cr_assert(json_is_false(json_object_get(j, "degraded")), "%s", r.body);
  json_decref(j);
  ww_http_resp_free(&r);

  char path[128];
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  j = st_req(a.port, "POST", path, NULL, "{\"to\":\"telefoon\"}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  char code[8];
  snprintf(code, sizeof code, "%s", st_str(j, "code"));
  cr_assert_eq(strlen(code), 6);
  cr_assert_str_eq(st_str(j, "sessionId"), sid);
  json_decref(j);
  ww_http_resp_free(&r);

  /* the IVR on B: the code A made gives B the session A wrote */
  snprintf(body, sizeof body,
           "{\"service\":\"verhuizing\",\"handoverCode\":\"%s\","
           "\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}", code);
  j = st_req(b.port, "POST", "/v1/route", NULL, body, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(st_str(j, "sessionId"), sid, "%s", r.body);
  json_t *ctx = json_object_get(j, "agentContext");
  cr_assert_not_null(ctx, "%s", r.body);
  cr_assert_str_eq(st_str(ctx, "service"), "verhuizing");
  cr_assert_geq(st_count_events(ctx, "advice"), 1, "%s", r.body);
  cr_assert_eq(st_count_events(ctx, "handover"), 1, "%s", r.body);
  cr_assert_eq(st_count_events(ctx, "claimed"), 1, "%s", r.body);
  cr_assert_not_null(st_str(json_object_get(j, "target"), "id"));
  json_decref(j);
  ww_http_resp_free(&r);

  /* the desk on B */
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  j = st_req(b.port, "GET", path, NULL, NULL, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *s = json_object_get(j, "session");
  cr_assert_str_eq(st_str(s, "id"), sid);
  cr_assert_eq(strlen(st_str(s, "citizenRef")), 64);
  cr_assert_null(memmem(r.body, r.body_len, "999993653", 9));
  cr_assert_geq(st_count_events(s, "advice"), 1, "%s", r.body);   /* the web advice on A */
  cr_assert_eq(st_count_events(s, "handover"), 1, "%s", r.body);
  cr_assert_eq(st_count_events(s, "claimed"), 1, "%s", r.body);
  json_t *ho = NULL;
  for (size_t i = 0; i < json_array_size(json_object_get(s, "events")); i++) {
    json_t *e = json_array_get(json_object_get(s, "events"), i);
    if (strcmp(st_str(e, "type"), "handover") == 0) ho = json_object_get(e, "detail");
  }
  cr_assert_str_eq(st_str(ho, "code"), code);
  cr_assert_str_eq(st_str(ho, "to"), "telefoon");
  json_decref(j);
  ww_http_resp_free(&r);

  /* single use, on either instance and either way in */
  j = st_req(a.port, "POST", "/v1/route", NULL, body, &r);
  cr_assert_eq(r.status, 404, "%s", r.body);
  cr_assert_str_eq(st_str(j, "code"), "not_found");
  json_decref(j);
  ww_http_resp_free(&r);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  j = st_req(a.port, "POST", "/v1/handover/claim", NULL, body, &r);
  cr_assert_eq(r.status, 404, "%s", r.body);
  json_decref(j);
  ww_http_resp_free(&r);
  stop_both();
}

/* 2. PUT status on A; B sees it in /v1/channels and advice within 1 s. */
typedef struct seen_ctx {
  int port;
  const char *reason;
} seen_ctx;

static const json_t *find_channel(const json_t *list, const char *id) {
  for (size_t i = 0; i < json_array_size(list); i++)
    if (strcmp(st_str(json_array_get(list, i), "id"), id) == 0) return json_array_get(list, i);
  return NULL;
}

static int reasons_have(const json_t *ch, const char *text) {
  const json_t *rs = json_object_get(ch, "reasons");
  for (size_t i = 0; i < json_array_size(rs); i++)
    if (strstr(json_string_value(json_array_get(rs, i)), text)) return 1;
  return 0;
}

/* One check on a fresh connection (so any worker of B may answer). */
static int b_channels_show(void *ud) {
  seen_ctx *c = ud;
  ww_http_resp r;
  json_t *j = st_req(c->port, "GET", "/v1/channels", ST_ADVICE_TOKEN, NULL, &r);
  const json_t *list = json_is_array(j) ? j : json_object_get(j, "channels");
  const json_t *t = find_channel(list, "telefoon");
  int ok = r.status == 200 && t && json_is_false(json_object_get(t, "open")) &&
           json_integer_value(json_object_get(t, "waitSeconds")) == 4321;
  json_decref(j);
  ww_http_resp_free(&r);
  return ok;
}

static int b_advice_shows(void *ud) {
  seen_ctx *c = ud;
  ww_http_resp r;
  /* a Tuesday morning: by its hours the phone is open */
  json_t *j = st_req(c->port, "POST", "/v1/advice", ST_ADVICE_TOKEN,
                     "{\"service\":\"verhuizing\",\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}",
                     &r);
  const json_t *t = find_channel(json_object_get(j, "channels"), "telefoon");
  int ok = r.status == 200 && t && json_is_false(json_object_get(t, "open")) &&
           reasons_have(t, c->reason);
  json_decref(j);
  ww_http_resp_free(&r);
  return ok;
}

/* Seen by 6 fresh connections in a row: with 2 workers per instance, both workers. */
static int b_sees_all(void *ud) {
  for (int i = 0; i < 6; i++)
    if (!b_channels_show(ud) || !b_advice_shows(ud)) return 0;
  return 1;
}

Test(two, channel_status_seen_by_other_instance_within_1s) {
  st_mkdtemp(dir);
  char tokens[320];
  st_tokens_file(dir, tokens);
  const char *extra[] = {"--tokens", tokens, NULL};
  start_both(extra);

  char reason[64];
  snprintf(reason, sizeof reason, "Storing test %ld", (long)getpid());
  seen_ctx ctx = {b.port, reason};
  /* before: B's phone is open on a Tuesday morning and has no such reason */
  {
    ww_http_resp r;
    json_t *j = st_req(b.port, "POST", "/v1/advice", ST_ADVICE_TOKEN,
                       "{\"service\":\"verhuizing\",\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}",
                       &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    const json_t *t = find_channel(json_object_get(j, "channels"), "telefoon");
    cr_assert(t && json_is_true(json_object_get(t, "open")), "%s", r.body);
    json_decref(j);
    ww_http_resp_free(&r);
    cr_assert(!b_channels_show(&ctx));
  }

  char body[256];
  snprintf(body, sizeof body, "{\"open\":false,\"reason\":\"%s\",\"waitSeconds\":4321}", reason);
  ww_http_resp r;
  /* an advice token may not, an admin token may */
  json_t *j = st_req(a.port, "PUT", "/v1/channels/telefoon/status", ST_ADVICE_TOKEN, body, &r);
  cr_assert_eq(r.status, 403, "%s", r.body);
  json_decref(j);
  ww_http_resp_free(&r);
  j = st_req(a.port, "PUT", "/v1/channels/telefoon/status", ST_ADMIN_TOKEN, body, &r);
  double answered = ww_now_ms();
  cr_assert_eq(r.status / 100, 2, "%d %s", r.status, r.body);
  json_decref(j);
  ww_http_resp_free(&r);

  int seen = st_poll(b_sees_all, &ctx, 1000);
  double took = ww_now_ms() - answered;
  cr_assert(seen, "B did not see the status within 1 s (%.0f ms)", took);
  fprintf(stderr, "channel status seen by every worker of B after %.1f ms\n", took);
  stop_both();
}

/* 4. 50 connections each send one event at the same moment: all 50 are kept. */
Test(two, fifty_concurrent_appends_all_kept) {
  start_both(NULL);
  char sid[64];
  cr_assert_eq(st_session_create(a.port, NULL, "{\"channel\":\"website\"}", sid), 201);
  enum { N = 50 };
  ww_client *c[N];
  for (int i = 0; i < N; i++) {
    c[i] = ww_client_connect(i % 2 ? b.port : a.port);   /* both instances, all workers */
    cr_assert_not_null(c[i]);
  }
  char req[N][512];
  for (int i = 0; i < N; i++) {
    char body[128];
    snprintf(body, sizeof body, "{\"channel\":\"website\",\"type\":\"step\",\"detail\":{\"n\":%d}}", i);
    snprintf(req[i], sizeof req[i],
             "POST /v1/sessions/%s/events HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n%s", sid, strlen(body), body);
  }
  /* everything written before anything is read */
  for (int i = 0; i < N; i++) cr_assert_eq(ww_client_sends(c[i], req[i]), 0);
  for (int i = 0; i < N; i++) {
    ww_http_resp r;
    cr_assert_eq(ww_client_read(c[i], &r, 0, 10000), 0, "no answer on connection %d", i);
    cr_assert_eq(r.status, 201, "append %d: %d %s", i, r.status, r.body);
    ww_http_resp_free(&r);
    ww_client_close(c[i]);
  }
  char path[96];
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  ww_http_resp r;
  json_t *j = st_req(b.port, "GET", path, NULL, NULL, &r);
  cr_assert_eq(r.status, 200);
  json_t *ev = json_object_get(json_object_get(j, "session"), "events");
  cr_assert_eq(json_array_size(ev), (size_t)N, "%zu events", json_array_size(ev));
  int seen[N] = {0};
  for (size_t i = 0; i < json_array_size(ev); i++) {
    json_int_t n = json_integer_value(json_object_get(json_object_get(json_array_get(ev, i), "detail"), "n"));
    cr_assert(n >= 0 && n < N);
    seen[n]++;
  }
  for (int i = 0; i < N; i++) cr_assert_eq(seen[i], 1, "event %d seen %d times", i, seen[i]);
  json_decref(j);
  ww_http_resp_free(&r);
  stop_both();
}

/* One POST from source address 'src' (another loopback address = another client). */
static int post_from(const char *src, int port, const char *path, const char *body,
                     ww_http_resp *r) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  inet_pton(AF_INET, src, &sa.sin_addr);
  struct sockaddr_in to = {0};
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
    close(fd);
    return -1;
  }
  char req[1024];
  int n = snprintf(req, sizeof req,
                   "POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", path, strlen(body), body);
  if (write(fd, req, (size_t)n) != n) {
    close(fd);
    return -1;
  }
  char buf[16384];
  size_t len = 0;
  int rc = -1;
  double end = ww_now_ms() + 5000;
  while (len < sizeof buf && ww_now_ms() < end) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t got = read(fd, buf + len, sizeof buf - len);
    if (got <= 0) break;
    len += (size_t)got;
    memset(r, 0, sizeof *r);
    int pr = ww_http_parse(buf, len, 0, r, NULL);
    if (pr == 0) {
      rc = 0;
      break;
    }
    ww_http_resp_free(r);
    if (pr < 0) break;
  }
  close(fd);
  return rc;
}

/* 5. Wrong codes alternately on A and B: the 11th failure of the client is 429 with
 * Retry-After on either instance (the counter is in Redis), a correct code from that
 * client is refused too while it is blocked, and another client can still claim it. */
Test(two, brute_force_claims_rate_limited_across_instances) {
  start_both(NULL);
  char sid[64];
  cr_assert_eq(st_session_create(a.port, NULL, "{\"channel\":\"website\",\"service\":\"paspoort\"}", sid), 201);
  char path[96], body[128];
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  ww_http_resp r;
  json_t *j = st_req(a.port, "POST", path, NULL, "{}", &r);
  cr_assert_eq(r.status, 201);
  char code[8];
  snprintf(code, sizeof code, "%s", st_str(j, "code"));
  json_decref(j);
  ww_http_resp_free(&r);

  int first_429 = 0;
  for (int i = 1; i <= 14; i++) {
    char wrong[8];
    snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + i * 7919) % 1000000);
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", wrong);
    int port = i % 2 ? a.port : b.port;
    j = st_req(port, "POST", "/v1/handover/claim", NULL, body, &r);
    if (r.status == 429) {
      if (!first_429) first_429 = i;
      cr_assert_str_eq(st_str(j, "code"), "rate_limited");
      cr_assert_str_eq(ww_http_header(&r, "Content-Type"), "application/problem+json");
      const char *ra = ww_http_header(&r, "Retry-After");
      cr_assert_not_null(ra);
      cr_assert(atoi(ra) >= 1 && atoi(ra) <= 300, "Retry-After %s", ra);
    } else {
      cr_assert_eq(r.status, 404, "attempt %d: %d %s", i, r.status, r.body);
      cr_assert_eq(first_429, 0, "a 404 after a 429 (attempt %d)", i);
    }
    json_decref(j);
    ww_http_resp_free(&r);
  }
  /* 10 failures allowed in the window (5 on each instance), the 11th refused */
  cr_assert_eq(first_429, 11, "first 429 at attempt %d", first_429);

  /* the blocked client, with the right code, through the IVR route on B: refused */
  snprintf(body, sizeof body, "{\"service\":\"paspoort\",\"handoverCode\":\"%s\"}", code);
  j = st_req(b.port, "POST", "/v1/route", NULL, body, &r);
  cr_assert_eq(r.status, 429, "%d %s", r.status, r.body);
  cr_assert_not_null(ww_http_header(&r, "Retry-After"));
  json_decref(j);
  ww_http_resp_free(&r);

  /* ... which did not spend the code: another client (127.0.0.2) claims it on B */
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  cr_assert_eq(post_from("127.0.0.2", b.port, "/v1/handover/claim", body, &r), 0);
  cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
  j = ww_http_json(&r);
  cr_assert_str_eq(st_str(json_object_get(j, "session"), "id"), sid);
  json_decref(j);
  ww_http_resp_free(&r);
  stop_both();
}

/* 7. The decision log: one stream entry per decision with the documented fields, and the
 * raw citizen id nowhere in Redis (every key, every value). */
static char *read_doc(void) {
  char *doc = ww_read_file(ww_test_source("docs/decision-log.md"), NULL);
  cr_assert_not_null(doc, "docs/decision-log.md missing");
  return doc;
}

static void collect(redisReply *r, char **buf, size_t *len) {
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
    *buf = realloc(*buf, *len + r->len + 2);
    memcpy(*buf + *len, r->str, r->len);
    *len += r->len;
    (*buf)[(*len)++] = '\n';
    (*buf)[*len] = '\0';
  }
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
    collect(r->element[i], buf, len);
}

/* Every field of the decision stream is documented; no value holds the citizen id nor its
 * citizenRef (the replay record: citizen fields without id, context, session summary). */
Test(two, decision_log_fields_and_no_citizen_id) {
  const char *extra[] = {"--decision-log", "1000", NULL};
  start_both(extra);
  const char *raw = "999993653";
  char sid[64];
  cr_assert_eq(st_session_create(a.port, NULL,
                                 "{\"citizen\":{\"id\":\"999993653\"},\"service\":\"verhuizing\","
                                 "\"channel\":\"website\"}", sid), 201);
  ww_http_resp r;
  int decisions = 0;
  const char *reqs[] = {
      "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"999993653\",\"age\":81}}",
      "{\"service\":\"paspoort\",\"citizen\":{\"id\":\"999993653\"},\"context\":{\"origin\":\"app\"}}",
      "{\"service\":\"verhuizing\"}",
  };
  for (int i = 0; i < 3; i++) {
    json_t *j = st_req(i % 2 ? b.port : a.port, "POST", "/v1/advice", NULL, reqs[i], &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_decref(j);
    ww_http_resp_free(&r);
    decisions++;
  }
  json_t *j = st_req(b.port, "POST", "/v1/route", NULL, reqs[0], &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_decref(j);
  ww_http_resp_free(&r);
  decisions++;

  redisContext *rc = st_redis_connect(redis.port);
  /* fire and forget: wait (with a deadline) until all are in */
  double end = ww_now_ms() + 5000;
  long long xlen = 0;
  while (ww_now_ms() < end) {
    redisReply *x = redisCommand(rc, "XLEN ww:decisions");
    xlen = x->integer;
    freeReplyObject(x);
    if (xlen >= decisions) break;
    usleep(10000);
  }
  cr_assert_eq(xlen, decisions, "stream has %lld entries", xlen);

  char *doc = read_doc();
  redisReply *x = redisCommand(rc, "XRANGE ww:decisions - +");
  cr_assert_eq(x->type, REDIS_REPLY_ARRAY);
  int routes = 0, with_session = 0;
  for (size_t i = 0; i < x->elements; i++) {
    redisReply *fields = x->element[i]->element[1];
    int have_advice_id = 0, have_ruleset = 0, is_route = 0;
    for (size_t k = 0; k + 1 < fields->elements; k += 2)
      if (strcmp(fields->element[k]->str, "kind") == 0)
        is_route = strcmp(fields->element[k + 1]->str, "route") == 0;
    for (size_t k = 0; k + 1 < fields->elements; k += 2) {
      const char *name = fields->element[k]->str, *val = fields->element[k + 1]->str;
      char quoted[80];
      snprintf(quoted, sizeof quoted, "`%s`", name);
      cr_assert_not_null(strstr(doc, quoted), "field %s not documented in docs/decision-log.md", name);
      cr_assert_null(strstr(val, raw));
      /* nor its keyed hash: the record for replay keeps citizen fields without id and ref */
      int hex = 0;
      for (const char *c = val; *c && hex < 64; c++)
        hex = ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')) ? hex + 1 : 0;
      cr_assert_lt(hex, 64, "field %s holds a citizenRef: %s", name, val);
      if (strcmp(name, "citizen") == 0) cr_assert_null(strstr(val, "\"id\""), "%s", val);
      /* a route answer has no adviceId (SPEC 3.2): the field is empty there */
      if (strcmp(name, "adviceId") == 0) have_advice_id = strlen(val) == (is_route ? 0 : 32);
      if (strcmp(name, "ruleset") == 0) have_ruleset = strlen(val) == 12;
      if (strcmp(name, "kind") == 0 && strcmp(val, "route") == 0) routes++;
      if (strcmp(name, "sessionId") == 0 && strcmp(val, sid) == 0) with_session++;
    }
    cr_assert(have_advice_id && have_ruleset, "entry %zu lacks adviceId/ruleset", i);
  }
  cr_assert_eq(routes, 1);
  cr_assert_eq(with_session, 3, "decisions on the citizen's session: %d", with_session);
  freeReplyObject(x);
  free(doc);

  /* every key and every value, whatever its type */
  char *all = NULL;
  size_t len = 0;
  int keys = 0, saw_index = 0;
  char cursor[32] = "0";
  do {
    redisReply *s = redisCommand(rc, "SCAN %s COUNT 100", cursor);
    cr_assert_eq(s->type, REDIS_REPLY_ARRAY);
    snprintf(cursor, sizeof cursor, "%s", s->element[0]->str);
    for (size_t i = 0; i < s->element[1]->elements; i++) {
      const char *key = s->element[1]->element[i]->str;
      keys++;
      cr_assert_null(strstr(key, raw), "key %s holds the citizen id", key);
      if (strncmp(key, "ww:cz:{", 7) == 0) saw_index = 1;
      redisReply *t = redisCommand(rc, "TYPE %s", key);
      const char *type = t->str;
      redisReply *v = NULL;
      if (strcmp(type, "string") == 0) v = redisCommand(rc, "GET %s", key);
      else if (strcmp(type, "hash") == 0) v = redisCommand(rc, "HGETALL %s", key);
      else if (strcmp(type, "list") == 0) v = redisCommand(rc, "LRANGE %s 0 -1", key);
      else if (strcmp(type, "stream") == 0) v = redisCommand(rc, "XRANGE %s - +", key);
      else if (strcmp(type, "set") == 0) v = redisCommand(rc, "SMEMBERS %s", key);
      else if (strcmp(type, "zset") == 0) v = redisCommand(rc, "ZRANGE %s 0 -1 WITHSCORES", key);
      cr_assert_not_null(v, "key %s of type %s not read", key, type);
      collect(v, &all, &len);
      freeReplyObject(v);
      freeReplyObject(t);
    }
    freeReplyObject(s);
  } while (strcmp(cursor, "0") != 0);
  cr_assert_geq(keys, 4, "only %d keys", keys);
  cr_assert(saw_index, "the citizen index key was not found (the scan proves nothing)");
  cr_assert_not_null(all);
  cr_assert_not_null(strstr(all, sid), "the scan did not read the values");
  cr_assert_null(strstr(all, raw), "a value holds the raw citizen id");
  free(all);
  redisFree(rc);
  stop_both();
}
