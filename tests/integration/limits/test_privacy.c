#define _GNU_SOURCE
/* Integration: privacy proofs (SPEC 3.1: citizen.id is never stored or logged).
 *
 * A real `wegwijzer serve` on a real redis-server gets requests carrying a known
 * citizen id on every route that takes one (sessions, advice, route, events, handover and
 * claim, and invalid requests); then every Redis key and value (SCAN, TYPE, and the read
 * command of the type, streams included), every answer body and header, /metrics, and the
 * server's stdout/stderr are searched: the raw id appears nowhere. Positive controls show
 * the search sees the data (the citizenRef HMAC is found in Redis, the decision stream has
 * entries). The secret file: refused when group/world-readable; one 0600 secret gives the
 * same citizenRef on two instances, = HMAC-SHA256(secret, id). */
#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "wegwijzer_proc.h"

#define CITIZEN_ID "111222333"

static ww_proc srv, srv2, redis;
static char secret_dir[64];
static char secret_path[128];

static void teardown(void) {
  if (srv.pid > 0) ww_proc_stop(&srv, SIGKILL, 5000);
  if (srv2.pid > 0) ww_proc_stop(&srv2, SIGKILL, 5000);
  if (redis.pid > 0) ww_proc_stop(&redis, SIGKILL, 5000);
  ww_proc_cleanup(&srv);
  ww_proc_cleanup(&srv2);
  ww_proc_cleanup(&redis);
  if (secret_path[0]) unlink(secret_path);
  if (secret_dir[0]) rmdir(secret_dir);
  secret_path[0] = secret_dir[0] = '\0';
}

TestSuite(privacy, .fini = teardown, .timeout = 180);

static const char secret[] = "0123456789abcdef-privacy-test-secret";

static void write_secret(mode_t mode) {
  if (!secret_dir[0]) {
    snprintf(secret_dir, sizeof secret_dir, "/tmp/ww-secret-XXXXXX");
    cr_assert_not_null(mkdtemp(secret_dir));
    snprintf(secret_path, sizeof secret_path, "%s/secret", secret_dir);
  }
  FILE *f = fopen(secret_path, "w");
  cr_assert_not_null(f);
  fprintf(f, "%s\n", secret);   /* one trailing newline: dropped by the engine */
  fclose(f);
  cr_assert_eq(chmod(secret_path, mode), 0);
}

static void expected_ref(char out[65]) {
  unsigned char md[32];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)CITIZEN_ID,
       strlen(CITIZEN_ID), md, &n);
  cr_assert_eq(n, 32);
  for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", md[i]);
}

/* Up to 120 bytes around the first 'needle' in 'hay', for a failure message (static). */
static const char *around(const char *hay, const char *needle) {
  static char buf[160];
  const char *p = strstr(hay, needle);
  if (!p) return "";
  const char *from = p - hay > 60 ? p - 60 : hay;
  snprintf(buf, sizeof buf, "...%.120s...", from);
  return buf;
}

/* Everything the clients saw, to search at the end. */
static char *seen;
static size_t seen_len;

static void keep(const char *s, size_t n) {
  seen = realloc(seen, seen_len + n + 2);
  memcpy(seen + seen_len, s, n);
  seen_len += n;
  seen[seen_len++] = '\n';
  seen[seen_len] = '\0';
}

static void keep_resp(const ww_http_resp *r) {
  for (int i = 0; i < r->nheaders; i++) {
    keep(r->name[i], strlen(r->name[i]));
    keep(r->value[i], strlen(r->value[i]));
  }
  if (r->body) keep(r->body, r->body_len);
}

/* POST; the answer is kept for the search; returns the body as JSON (new). */
static json_t *post(int port, const char *path, const char *body, int want) {
  ww_http_resp r;
  json_t *b = ww_test_post(port, path, body, &r);
  cr_assert_eq(r.status, want, "POST %s: %d %s", path, r.status, r.body);
  keep_resp(&r);
  ww_http_resp_free(&r);
  return b;
}

static void raw(int port, const char *headers, const char *body, int want) {
  ww_http_resp r;
  cr_assert_eq(ww_http_request(port, "POST", "/v1/advice", headers, body, &r), 0);
  cr_assert_eq(r.status, want, "%s: %d %s", body, r.status, r.body);
  keep_resp(&r);
  ww_http_resp_free(&r);
}

/* ---- Redis: every key, every value ---- */

typedef struct scan {
  char *all;        /* key names and values, '\n'-separated */
  size_t len;
  int keys, stream_entries;
} scan;

static void scan_add(scan *s, const char *p, size_t n) {
  s->all = realloc(s->all, s->len + n + 2);
  memcpy(s->all + s->len, p, n);
  s->len += n;
  s->all[s->len++] = '\n';
  s->all[s->len] = '\0';
}

static void scan_reply(scan *s, const redisReply *r) {
  switch (r->type) {
  case REDIS_REPLY_STRING:
  case REDIS_REPLY_STATUS:
  case REDIS_REPLY_ERROR:
    scan_add(s, r->str, r->len);
    break;
  case REDIS_REPLY_ARRAY:
    for (size_t i = 0; i < r->elements; i++) scan_reply(s, r->element[i]);
    break;
  default:
    break;
  }
}

static void scan_redis(int port, scan *s) {
  memset(s, 0, sizeof *s);
  redisContext *c = redisConnect("127.0.0.1", port);
  cr_assert(c && !c->err, "redis connect");
  char cursor[32] = "0";
  do {
    redisReply *r = redisCommand(c, "SCAN %s COUNT 1000", cursor);
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
    const redisReply *keys = r->element[1];
    for (size_t i = 0; i < keys->elements; i++) {
      const redisReply *k = keys->element[i];
      s->keys++;
      scan_add(s, k->str, k->len);
      redisReply *t = redisCommand(c, "TYPE %b", k->str, k->len);
      cr_assert(t && t->type == REDIS_REPLY_STATUS);
      redisReply *v = NULL;
      if (strcmp(t->str, "string") == 0) v = redisCommand(c, "GET %b", k->str, k->len);
      else if (strcmp(t->str, "hash") == 0) v = redisCommand(c, "HGETALL %b", k->str, k->len);
      else if (strcmp(t->str, "list") == 0) v = redisCommand(c, "LRANGE %b 0 -1", k->str, k->len);
      else if (strcmp(t->str, "set") == 0) v = redisCommand(c, "SMEMBERS %b", k->str, k->len);
      else if (strcmp(t->str, "zset") == 0)
        v = redisCommand(c, "ZRANGE %b 0 -1 WITHSCORES", k->str, k->len);
      else if (strcmp(t->str, "stream") == 0) {
        v = redisCommand(c, "XRANGE %b - +", k->str, k->len);
        if (v && v->type == REDIS_REPLY_ARRAY) s->stream_entries += (int)v->elements;
      } else if (strcmp(t->str, "none") != 0) {
        cr_assert_fail("key of unexpected type %s", t->str);
      }
      if (v) scan_reply(s, v);
      freeReplyObject(v);
      freeReplyObject(t);
    }
    freeReplyObject(r);
  } while (strcmp(cursor, "0") != 0);
  redisFree(c);
}

Test(privacy, raw_citizen_id_never_leaves_the_request) {
  cr_assert_eq(ww_redis_start(&redis, 10000), 0);
  write_secret(0600);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);
  const char *extra[] = {"--redis", url, "--secret-file", secret_path, "--decision-log", "1000",
                         "--log-level", "debug", NULL};
  ww_test_serve(&srv, extra);
  ww_test_wait_ready(&srv, 15000);
  int port = srv.port;
  const char *cit = "\"citizen\":{\"id\":\"" CITIZEN_ID "\",\"digitalSkills\":\"low\"}";
  char body[1024];

  /* a session for the citizen, then advice that finds it through citizen.id */
  snprintf(body, sizeof body, "{%s,\"service\":\"verhuizing\",\"channel\":\"website\"}", cit);
  json_t *s = post(port, "/v1/sessions", body, 201);
  const char *sid = json_string_value(json_object_get(json_object_get(s, "session"), "id"));
  cr_assert_not_null(sid);
  snprintf(body, sizeof body, "{%s,\"service\":\"verhuizing\",\"explain\":true}", cit);
  json_decref(post(port, "/v1/advice", body, 200));
  snprintf(body, sizeof body, "{%s,\"service\":\"paspoort\",\"sessionId\":\"%s\"}", cit, sid);
  json_decref(post(port, "/v1/advice", body, 200));
  char path[160];
  snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
  json_decref(post(port, path,
                   "{\"channel\":\"website\",\"type\":\"step\",\"service\":\"verhuizing\","
                   "\"detail\":{\"page\":\"nieuw adres\",\"step\":3}}", 201));
  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  json_t *h = post(port, path, "{\"to\":\"telefoon\"}", 201);
  const char *code = json_string_value(json_object_get(h, "code"));
  cr_assert_not_null(code);
  /* the IVR: route with the code (claims it) and the caller's id */
  snprintf(body, sizeof body,
           "{%s,\"service\":\"verhuizing\",\"handoverCode\":\"%s\",\"explain\":true}", cit, code);
  json_t *rt = post(port, "/v1/route", body, 200);
  cr_assert_str_eq(json_string_value(json_object_get(rt, "sessionId")), sid);
  json_decref(rt);
  /* a second session through claim, and a failed claim */
  snprintf(body, sizeof body, "{%s,\"service\":\"paspoort\",\"channel\":\"telefoon\"}", cit);
  json_t *s2 = post(port, "/v1/sessions", body, 201);
  snprintf(path, sizeof path, "/v1/sessions/%s/handover",
           json_string_value(json_object_get(json_object_get(s2, "session"), "id")));
  json_t *h2 = post(port, path, "{}", 201);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}",
           json_string_value(json_object_get(h2, "code")));
  json_decref(post(port, "/v1/handover/claim", body, 200));
  json_decref(post(port, "/v1/handover/claim", body, 404));
  ww_http_resp r;
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  json_t *g = ww_test_get(port, path, &r);
  cr_assert_eq(r.status, 200);
  keep_resp(&r);
  ww_http_resp_free(&r);
  /* invalid requests carrying the id: the problem details must not echo it */
  const char *ct = "Content-Type: application/json\r\n";
  snprintf(body, sizeof body, "{%s,\"service\":\"nergens\"}", cit);
  raw(port, ct, body, 400);
  snprintf(body, sizeof body,
           "{\"citizen\":{\"id\":\"" CITIZEN_ID "\",\"age\":-4,\"language\":\"x\"},"
           "\"service\":\"verhuizing\",\"context\":{\"time\":\"no\"}}");
  raw(port, ct, body, 400);
  raw(port, ct, "{\"citizen\":{\"id\" \"" CITIZEN_ID "\"},\"service\":\"paspoort\"}", 400);
  raw(port, ct, "{\"citizen\":{\"id\":\"" CITIZEN_ID "\" \"x\"}}", 400);
  raw(port, ct, "{\"citizen\":{\"id\":\"" CITIZEN_ID, 400);
  raw(port, ct, "{\"citizen\":{\"id\":\"" CITIZEN_ID "\\u00\"}}", 400);
  raw(port, ct, "{\"citizen\":{\"id\":\"" CITIZEN_ID CITIZEN_ID CITIZEN_ID CITIZEN_ID
                CITIZEN_ID CITIZEN_ID CITIZEN_ID CITIZEN_ID "\"},\"service\":\"paspoort\"}",
      400);
  raw(port, "Content-Type: text/plain\r\n", "{\"citizen\":{\"id\":\"" CITIZEN_ID "\"}}", 415);
  snprintf(body, sizeof body, "{%s,\"service\":\"verhuizing\",\"x\":9007199254740993}", cit);
  raw(port, ct, body, 400);
  /* /metrics */
  cr_assert_eq(ww_http_request(port, "GET", "/metrics", NULL, NULL, &r), 0);
  cr_assert_eq(r.status, 200);
  keep_resp(&r);
  ww_http_resp_free(&r);

  /* the answers */
  cr_assert_null(strstr(seen, CITIZEN_ID), "the raw citizen id is in an answer: %s",
                 around(seen, CITIZEN_ID));

  /* Redis: every key and value; the stream is written without blocking the request,
   * so wait until the decisions are in */
  char ref[65];
  expected_ref(ref);
  scan sc;
  double end = ww_now_ms() + 10000;
  for (;;) {
    scan_redis(redis.port, &sc);
    if (sc.stream_entries >= 3 || ww_now_ms() > end) break;
    free(sc.all);
    usleep(20000);
  }
  cr_assert_geq(sc.stream_entries, 3, "decision stream has %d entries", sc.stream_entries);
  cr_assert_gt(sc.keys, 4);
  cr_assert_not_null(strstr(sc.all, ref), "citizenRef not found: the scan misses values");
  cr_assert_null(strstr(sc.all, CITIZEN_ID), "the raw citizen id is in Redis: %s",
                 around(sc.all, CITIZEN_ID));
  free(sc.all);

  /* the server's stdout/stderr, after a clean stop (everything flushed) */
  int st = ww_proc_stop(&srv, SIGTERM, 20000);
  cr_assert_eq(st, 0, "exit %d", st);
  size_t loglen = 0;
  char *log = ww_read_file(srv.log, &loglen);
  cr_assert_not_null(log);
  cr_assert_gt(loglen, 100, "the log is nearly empty: the search would prove nothing");
  cr_assert_null(strstr(log, CITIZEN_ID), "the raw citizen id is in the log: %s",
                 around(log, CITIZEN_ID));
  free(log);
  free(seen);
  seen = NULL;
  seen_len = 0;
  json_decref(g);
  json_decref(h2);
  json_decref(s2);
  json_decref(h);
  json_decref(s);
}

/* ---- the secret file ---- */

/* The start is refused with a log that says 'want' and how to fix it ('fix'). */
static void refused(mode_t mode, const char *want, const char *fix) {
  write_secret(mode);
  int port = ww_free_port();
  char listen[32];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  char *argv[] = {(char *)ww_test_binary(), "serve", "--listen", listen, "--rules",
                  (char *)ww_test_source("rules"), "--secret-file", secret_path, NULL};
  cr_assert_neq(ww_proc_start(&srv, argv, NULL, port, 15000), 0,
                "started with a secret file of mode %03o", (unsigned)mode);
  int status = 0;
  double end = ww_now_ms() + 5000;
  while (ww_proc_alive(&srv, &status) && ww_now_ms() < end) usleep(10000);
  char *log = ww_read_file(srv.log, NULL);
  cr_assert_not_null(log);
  cr_assert_not_null(strstr(log, want), "%s", log);
  cr_assert_not_null(strstr(log, fix), "%s", log);
  free(log);
  ww_proc_cleanup(&srv);
}

Test(privacy, secret_file_readable_by_others_is_refused) {
  refused(0640, "readable by group or others", "chmod 600");
  refused(0604, "readable by group or others", "chmod 600");
  refused(0660, "readable by group or others", "chmod 600");
}

/* Another user could swap the key of citizenRef: refused like the tokens file. */
Test(privacy, secret_file_of_another_user_is_refused) {
  if (geteuid() != 0) cr_skip_test("needs root to chown the file to another user");
  write_secret(0600);
  cr_assert_eq(chown(secret_path, 65534, 65534), 0);   /* refused() rewrites it: same owner */
  refused(0600, "owned by uid 65534", "run: chown 0 ");
}

static void ref_of(int port, char out[65]) {
  json_t *s = post(port, "/v1/sessions",
                   "{\"citizen\":{\"id\":\"" CITIZEN_ID "\"},\"channel\":\"website\"}", 201);
  const char *ref = json_string_value(json_object_get(json_object_get(s, "session"), "citizenRef"));
  cr_assert_not_null(ref);
  cr_assert_eq(strlen(ref), 64);
  snprintf(out, 65, "%s", ref);
  json_decref(s);
}

Test(privacy, one_secret_gives_the_same_citizen_ref_on_two_instances) {
  write_secret(0600);
  const char *extra[] = {"--secret-file", secret_path, NULL};
  ww_test_serve(&srv, extra);
  ww_test_serve(&srv2, extra);
  ww_test_wait_ready(&srv, 15000);
  ww_test_wait_ready(&srv2, 15000);
  char a[65], b[65], want[65];
  ref_of(srv.port, a);
  ref_of(srv2.port, b);
  expected_ref(want);
  cr_assert_str_eq(a, b, "two instances with one secret disagree");
  cr_assert_str_eq(a, want, "citizenRef is not HMAC-SHA256(secret, id)");
  ww_test_stop(&srv2);
  /* without the secret: a random key, so a different ref */
  ww_test_serve(&srv2, NULL);
  ref_of(srv2.port, b);
  cr_assert_str_neq(a, b);
  ww_test_stop(&srv2);
  ww_test_stop(&srv);
  free(seen);
  seen = NULL;
  seen_len = 0;
}
