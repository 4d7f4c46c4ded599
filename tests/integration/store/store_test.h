/* Helpers of the store integration tests (header-only, on tests/support/harness.h and
 * tests/integration/wegwijzer_proc.h): redis-server on a chosen port and data dir (so it
 * can be killed and restarted in place), wegwijzer instances on it, requests with a bearer
 * token, a tokens file, a hiredis client for looking into Redis, and polling. */
#ifndef WW_TEST_STORE_TEST_H
#define WW_TEST_STORE_TEST_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "wegwijzer_proc.h"

/* A temp dir for data that must survive a process (AOF, tokens). New path in 'out'. */
static inline void st_mkdtemp(char out[256]) {
  const char *tmp = getenv("TMPDIR");
  snprintf(out, 256, "%s/ww-test-store-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  cr_assert_not_null(mkdtemp(out), "mkdtemp: %s", strerror(errno));
}

/* Remove a dir made by st_mkdtemp (plain files only). */
static inline void st_rmdir(const char *dir) {
  if (dir == NULL || dir[0] == '\0' || strstr(dir, "ww-test-store-") == NULL) return;
  if (getenv("WW_KEEP_LOGS")) return;
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char path[600];
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      if (unlink(path) != 0) {   /* redis 7 keeps the AOF in a subdirectory */
        DIR *sd = opendir(path);
        if (sd) {
          struct dirent *se;
          char sp[900];
          while ((se = readdir(sd)) != NULL) {
            if (se->d_name[0] == '.') continue;
            snprintf(sp, sizeof sp, "%s/%s", path, se->d_name);
            unlink(sp);
          }
          closedir(sd);
          rmdir(path);
        }
      }
    }
    closedir(d);
  }
  rmdir(dir);
}

/* redis-server on 'port' (must be free) with its data in 'dir' (NULL: the proc's own
 * dir, nothing persisted). aof: appendonly with fsync on every write, so what Redis
 * acknowledged survives a SIGKILL. 'extra' more args (NULL-terminated, may be NULL). */
static inline int st_redis_start_on(ww_proc *p, int port, const char *dir, int aof,
                                    const char *const *extra) {
  char ps[16];
  snprintf(ps, sizeof ps, "%d", port);
  char *argv[40];
  int n = 0;
  argv[n++] = "redis-server";
  argv[n++] = "--port";
  argv[n++] = ps;
  argv[n++] = "--bind";
  argv[n++] = "127.0.0.1";
  argv[n++] = "--save";
  argv[n++] = "";
  argv[n++] = "--appendonly";
  argv[n++] = aof ? "yes" : "no";
  if (aof) {
    argv[n++] = "--appendfsync";
    argv[n++] = "always";
  }
  argv[n++] = "--daemonize";
  argv[n++] = "no";
  if (dir) {
    argv[n++] = "--dir";
    argv[n++] = (char *)dir;
  }
  for (int i = 0; extra && extra[i] && n < 38; i++) argv[n++] = (char *)extra[i];
  argv[n] = NULL;
  memset(p, 0, sizeof *p);
  return ww_proc_start(p, argv, NULL, port, 10000);
}

/* wegwijzer serve --redis redis://127.0.0.1:<redis_port> plus 'extra' (NULL-terminated). */
static inline void st_serve(ww_proc *p, int redis_port, const char *const *extra) {
  static char url[4][64];
  static int slot;
  char *u = url[slot++ % 4];
  snprintf(u, 64, "redis://127.0.0.1:%d", redis_port);
  const char *args[32];
  int n = 0;
  args[n++] = "--redis";
  args[n++] = u;
  for (int i = 0; extra && extra[i] && n < 30; i++) args[n++] = extra[i];
  args[n] = NULL;
  memset(p, 0, sizeof *p);
  ww_test_serve(p, args);
  /* The port accepts before the signal handlers are in place; a SIGTERM in between
   * would kill it. The start-up line comes just before them. */
  if (!ww_proc_wait_log(p, "wegwijzer started", 10000)) {
    ww_proc_dump_log(p);
    cr_assert_fail("no start-up line");
  }
}

/* SIGKILL if still running, and clean up (for teardowns; NULL-safe as ww_proc_stop). */
static inline void st_kill(ww_proc *p) {
  if (p->pid > 0) ww_proc_stop(p, SIGKILL, 5000);
  ww_proc_cleanup(p);
}

/* One request on a fresh connection; 'token' may be NULL. Returns the body as JSON (new,
 * or NULL) and fills 'r'; -1 in r->status when the request itself failed. */
static inline json_t *st_req(int port, const char *method, const char *path, const char *token,
                             const char *body, ww_http_resp *r) {
  char headers[256];
  snprintf(headers, sizeof headers, "%s%s%s%s", body ? "Content-Type: application/json\r\n" : "",
           token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
  memset(r, 0, sizeof *r);
  if (ww_http_request(port, method, path, headers, body, r) != 0) {
    r->status = -1;
    return NULL;
  }
  return ww_http_json(r);
}

static inline const char *st_str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* The tokens file format of docs/tokens.md: ROLE NAME SHA256HEX, mode 0600. */
static inline void st_sha256_hex(const char *s, char out[65]) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)s, strlen(s), d);
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

#define ST_ADMIN_TOKEN "test-admin-token-9f2c41d0"
#define ST_ADVICE_TOKEN "test-advice-token-5b7e0a13"

/* A tokens file in 'dir' ('out': its path): one line per "ROLE", "NAME", "TOKEN" triple of
 * 'triples' (NULL-terminated), the token as its SHA-256. */
static inline void st_tokens_write(const char *dir, char out[320], const char *const *triples) {
  snprintf(out, 320, "%s/tokens", dir);
  FILE *f = fopen(out, "w");
  cr_assert_not_null(f);
  fprintf(f, "# ROLE NAME SHA256(token)\n");
  for (size_t i = 0; triples[i]; i += 3) {
    char h[65];
    st_sha256_hex(triples[i + 2], h);
    fprintf(f, "%s %s %s\n", triples[i], triples[i + 1], h);
  }
  fclose(f);
  cr_assert_eq(chmod(out, 0600), 0);
}

/* Admin "beheer" and advice "website". */
static inline void st_tokens_file(const char *dir, char out[320]) {
  st_tokens_write(dir, out, (const char *const[]){"admin", "beheer", ST_ADMIN_TOKEN, "advice",
                                                  "website", ST_ADVICE_TOKEN, NULL});
}

/* The fixture of the suites with two instances ('a', 'b') on one redis-server and a scratch
 * dir: set up empty, torn down whatever the test left running. */
static inline void st_pair_setup(ww_proc *redis, ww_proc *a, ww_proc *b, char dir[256]) {
  memset(redis, 0, sizeof *redis);
  memset(a, 0, sizeof *a);
  memset(b, 0, sizeof *b);
  st_mkdtemp(dir);
}

static inline void st_pair_teardown(ww_proc *redis, ww_proc *a, ww_proc *b, const char *dir) {
  st_kill(a);
  st_kill(b);
  if (redis->pid > 0) ww_proc_stop(redis, SIGTERM, 5000);
  ww_proc_cleanup(redis);
  st_rmdir(dir);
}

/* The rule set at 'rel' in the source tree as {"path": "text"}, as a draft sends it (new). */
static inline json_t *st_rule_files_in(const char *rel) {
  const char *root = ww_test_source(rel);
  json_t *files = json_object();
  const char *subs[3] = {"", "steering", "tests"};
  for (int s = 0; s < 3; s++) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", root, subs[s]);
    DIR *d = opendir(path);
    cr_assert_not_null(d, "%s", path);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      size_t n = strlen(e->d_name);
      if (n < 5 || strcmp(e->d_name + n - 4, ".lua") != 0) continue;
      char rel[300], full[1000];
      snprintf(rel, sizeof rel, "%s%s%s", subs[s], s ? "/" : "", e->d_name);
      snprintf(full, sizeof full, "%s/%s", root, rel);
      char *text = ww_read_file(full, NULL);
      cr_assert_not_null(text, "%s", full);
      json_object_set_new(files, rel, json_string(text));
      free(text);
    }
    closedir(d);
  }
  return files;
}

/* The bundled rule set (rules/) (new). */
static inline json_t *st_rules_files(void) { return st_rule_files_in("rules"); }

/* A request with a token (may be NULL) and a JSON body (borrowed, may be NULL): the
 * status; the answer into '*out' (new) when 'out' is not NULL. */
static inline int st_call(int port, const char *method, const char *path, const char *token,
                          const json_t *body, json_t **out) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  ww_http_resp r;
  json_t *j = st_req(port, method, path, token, text, &r);
  free(text);
  int status = r.status;
  ww_http_resp_free(&r);
  if (out) *out = j;
  else json_decref(j);
  return status;
}

/* A synchronous hiredis connection to look into Redis (the test's own client). */
static inline redisContext *st_redis_connect(int port) {
  struct timeval tv = {5, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
  cr_assert(c && !c->err, "cannot connect to redis :%d: %s", port, c ? c->errstr : "OOM");
  redisSetTimeout(c, tv);
  return c;
}

/* Poll 'cond(ud)' every 10 ms until it is true (1) or timeout_ms passes (0). */
static inline int st_poll(int (*cond)(void *), void *ud, int timeout_ms) {
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    if (cond(ud)) return 1;
    if (ww_now_ms() >= end) return 0;
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
}

static inline int st_status(int port, const char *path);

/* Wait until 8 fresh connections in a row get /readyz 200: every worker (SO_REUSEPORT
 * spreads the connections) has its Redis connection up. */
static inline int st_ready_all_(void *ud) {
  for (int i = 0; i < 8; i++)
    if (st_status(*(int *)ud, "/readyz") != 200) return 0;
  return 1;
}
static inline void st_wait_ready(ww_proc *p) {
  int port = p->port;
  if (!st_poll(st_ready_all_, &port, 10000)) {
    ww_proc_dump_log(p);
    cr_assert_fail("wegwijzer :%d not ready on every worker", port);
  }
}

/* HTTP status of GET path (or -1). */
static inline int st_status(int port, const char *path) {
  ww_http_resp r;
  json_t *b = st_req(port, "GET", path, NULL, NULL, &r);
  int s = r.status;
  json_decref(b);
  ww_http_resp_free(&r);
  return s;
}

/* For tests run on both stores: wegwijzer with 'extra' flags (NULL-terminated, may be NULL)
 * on the embedded store (use_redis 0), or on a fresh redis-server in 'redis' started with
 * 'redis_args' (NULL-terminated, may be NULL); waits until every worker is ready. */
static inline void st_serve_on(int use_redis, ww_proc *redis, ww_proc *srv,
                               const char *const *redis_args, const char *const *extra) {
  if (use_redis) {
    cr_assert_eq(st_redis_start_on(redis, ww_free_port(), NULL, 0, redis_args), 0,
                 "redis-server did not start");
    st_serve(srv, redis->port, extra);
    st_wait_ready(srv);
  } else {
    memset(srv, 0, sizeof *srv);
    ww_test_serve(srv, extra);
  }
}

/* Create a session on 'port'; its id into 'sid' (33 bytes). Returns the HTTP status. */
static inline int st_session_create(int port, const char *token, const char *body,
                                    char sid[64]) {
  ww_http_resp r;
  json_t *b = st_req(port, "POST", "/v1/sessions", token, body, &r);
  int s = r.status;
  sid[0] = '\0';
  if (s == 201) snprintf(sid, 64, "%s", st_str(json_object_get(b, "session"), "id"));
  json_decref(b);
  ww_http_resp_free(&r);
  return s;
}

/* GET /v1/sessions/{sid} on 'port': the session object (new); fails unless 200. */
static inline json_t *st_session_get(int port, const char *sid) {
  char path[96];
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  ww_http_resp r;
  json_t *b = st_req(port, "GET", path, NULL, NULL, &r);
  cr_assert_eq(r.status, 200, "GET %s: %d %s", path, r.status, r.body);
  ww_http_resp_free(&r);
  json_t *s = json_incref(json_object_get(b, "session"));
  json_decref(b);
  return s;
}

/* Count events of 'type' in a session object. */
static inline int st_count_events(const json_t *session, const char *type) {
  const json_t *ev = json_object_get(session, "events");
  int n = 0;
  for (size_t i = 0; i < json_array_size(ev); i++) {
    const char *t = st_str(json_array_get(ev, i), "type");
    if (t && strcmp(t, type) == 0) n++;
  }
  return n;
}

/* Stop a wegwijzer: SIGTERM, expect exit 0 (it never crashed), clean up. */
static inline void st_stop_ok(ww_proc *p) {
  if (p->pid <= 0) return;
  int alive = ww_proc_alive(p, NULL);
  if (!alive) {
    ww_proc_dump_log(p);
    cr_assert_fail("wegwijzer died during the test");
  }
  ww_test_stop(p);
}

#endif
