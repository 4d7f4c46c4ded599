/* engine/api/sessions.c through the real server (ww_server_run, 2 workers sharing one
 * embedded store, port 0) with curl as the client: the SPEC 3.3 journey and its errors. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/app.h"
#include "api/sessions.h"
#include "session/session.h"
#include "store/store.h"
#include "util/crypto.h"

static ww_app app;
static atomic_int port;
static pthread_t server_th;
static char rules_dir[1200];

static void *worker_init(void *appv, uv_loop_t *loop, int index) {
  ww_app_worker *w = calloc(1, sizeof *w);
  w->app = appv;
  w->loop = loop;
  w->index = index;
  ww_err err = {0};
  w->rules = ww_rules_load(rules_dir, NULL, &err);   /* NULL is fine: status -> 404 */
  ww_err_clear(&err);
  ww_store_opts o = {.claim_fail_limit = 3};
  w->store = ww_store_memory_open(app.memstore, loop, &o);
  return w;
}

static void worker_fini(void *appv, void *state) {
  (void)appv;
  ww_app_worker *w = state;
  ww_store_close(w->store);
  uv_run(w->loop, UV_RUN_NOWAIT);   /* the store's close callbacks */
  ww_rules_free(w->rules);
  free(w);
}

static void on_listening(void *appv, const char *host, int p) {
  (void)appv;
  (void)host;
  atomic_store(&port, p);
}

static const ww_route routes[] = {
    {"POST", "/v1/sessions", ww_api_session_create, 0, 0},
    {"GET", "/v1/sessions/{id}", ww_api_session_get, 0, 0},
    {"POST", "/v1/sessions/{id}/events", ww_api_session_event, 0, 0},
    {"POST", "/v1/sessions/{id}/handover", ww_api_session_handover, 0, 0},
    {"POST", "/v1/handover/claim", ww_api_handover_claim, 0, 0},
    {"PUT", "/v1/channels/{id}/status", ww_api_channel_status, 0, 0},
};

static void *server_main(void *arg) {
  (void)arg;
  ww_server_opts o = {
      .host = "127.0.0.1",
      .port = 0,
      .workers = 2,
      .routes = routes,
      .nroutes = sizeof routes / sizeof routes[0],
      .worker_init = worker_init,
      .worker_fini = worker_fini,
      .app = &app,
      .on_listening = on_listening,
  };
  ww_server_run(&o);
  return NULL;
}

static void setup(void) {
  const char *root = getenv("WW_SOURCE_ROOT");
  snprintf(rules_dir, sizeof rules_dir, "%s/rules", root ? root : ".");
  memset(&app, 0, sizeof app);
  memcpy(app.secret, "0123456789abcdef", 16);
  app.secret_len = 16;
  app.memstore = ww_memstore_new();
  cr_assert_eq(pthread_create(&server_th, NULL, server_main, NULL), 0);
  for (int i = 0; i < 500 && atomic_load(&port) == 0; i++) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);   /* polling for the bound port, 5 s at most */
  }
  cr_assert_neq(atomic_load(&port), 0, "server did not start");
}

static void teardown(void) {
  kill(getpid(), SIGTERM);
  pthread_join(server_th, NULL);
  ww_memstore_free(app.memstore);
}

/* ---- a tiny client: curl, status on the last line ---- */

typedef struct resp {
  int status;
  json_t *body;
  char headers[4096];
} resp;

static resp call(const char *method, const char *path, const char *body) {
  char cmd[4096], hdr[] = "/tmp/ww-sessions-api-XXXXXX";
  int fd = mkstemp(hdr);
  cr_assert_geq(fd, 0);
  FILE *bf = NULL;
  char bodyfile[] = "/tmp/ww-sessions-body-XXXXXX";
  if (body) {
    int bfd = mkstemp(bodyfile);
    bf = fdopen(bfd, "w");
    fputs(body, bf);
    fclose(bf);
  }
  snprintf(cmd, sizeof cmd,
           "curl -s -D %s -o - -w '\\n%%{http_code}' -X %s %s%s%s 'http://127.0.0.1:%d%s'", hdr,
           method, body ? "-H 'Content-Type: application/json' --data-binary @" : "",
           body ? bodyfile : "", "", atomic_load(&port), path);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  static char out[65536];
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  pclose(p);
  resp r = {0};
  char *nl = strrchr(out, '\n');
  cr_assert_not_null(nl, "no answer for %s %s", method, path);
  r.status = atoi(nl + 1);
  *nl = '\0';
  r.body = json_loads(out, 0, NULL);
  FILE *hf = fdopen(fd, "r");
  size_t hn = fread(r.headers, 1, sizeof r.headers - 1, hf);
  r.headers[hn] = '\0';
  fclose(hf);
  unlink(hdr);
  if (body) unlink(bodyfile);
  return r;
}

static const char *s(const json_t *o, const char *path) {
  /* "a.b" */
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *cur = o;
  for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
    cur = json_object_get(cur, tok);
  return json_string_value(cur);
}

static int names_param(const json_t *problem, const char *name) {
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(problem, "invalidParams"), i, p) {
    if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0) return 1;
  }
  return 0;
}

Test(sessions_api, journey, .init = setup, .fini = teardown, .timeout = 60) {
  resp r = call("POST", "/v1/sessions",
                "{\"service\":\"verhuizing\",\"channel\":\"website\",\"citizen\":{\"id\":\"999993653\"}}");
  cr_assert_eq(r.status, 201, "create: %d", r.status);
  const char *id = s(r.body, "session.id");
  cr_assert(ww_session_id_valid(id));
  char sid[33];
  snprintf(sid, sizeof sid, "%s", id);
  char ref[65];
  ww_hmac_sha256_hex(app.secret, app.secret_len, "999993653", 9, ref);
  cr_assert_str_eq(s(r.body, "session.citizenRef"), ref);
  cr_assert(strstr(r.headers, "999993653") == NULL);
  cr_assert(strstr(r.headers, "Location: /v1/sessions/") != NULL);
  json_decref(r.body);

  char path[128];
  /* several requests: with 2 workers some land on the other one, same store */
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "/v1/sessions/%s/events", sid);
    r = call("POST", path, "{\"channel\":\"website\",\"type\":\"step\",\"detail\":{\"page\":2}}");
    cr_assert_eq(r.status, 201, "event: %d", r.status);
    cr_assert_eq(json_array_size(json_object_get(json_object_get(r.body, "session"), "events")),
                 (size_t)i + 1);
    json_decref(r.body);
  }
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  r = call("GET", path, NULL);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(json_array_size(json_object_get(json_object_get(r.body, "session"), "events")), 4);
  json_decref(r.body);

  snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
  r = call("POST", path, NULL);   /* no body at all is fine */
  cr_assert_eq(r.status, 201, "handover: %d", r.status);
  char code[8];
  snprintf(code, sizeof code, "%s", s(r.body, "code"));
  cr_assert(ww_handover_code_valid(code));
  cr_assert_str_eq(s(r.body, "sessionId"), sid);
  cr_assert_not_null(s(r.body, "expiresAt"));
  json_decref(r.body);

  char claim[128];
  snprintf(claim, sizeof claim, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  r = call("POST", "/v1/handover/claim", claim);
  cr_assert_eq(r.status, 200, "claim: %d", r.status);
  cr_assert_str_eq(s(r.body, "session.id"), sid);
  json_decref(r.body);
  r = call("POST", "/v1/handover/claim", claim);
  cr_assert_eq(r.status, 404, "second claim: %d", r.status);
  cr_assert_str_eq(s(r.body, "code"), "not_found");
  json_decref(r.body);
}

Test(sessions_api, errors, .init = setup, .fini = teardown, .timeout = 60) {
  resp r = call("POST", "/v1/sessions", "{\"citizen\":{\"id\":1},\"channel\":\"\"}");
  cr_assert_eq(r.status, 400);
  cr_assert_str_eq(s(r.body, "code"), "invalid_param");
  cr_assert(names_param(r.body, "citizen.id"));
  cr_assert(names_param(r.body, "channel"));
  json_decref(r.body);

  r = call("GET", "/v1/sessions/0123456789abcdef0123456789abcdef", NULL);
  cr_assert_eq(r.status, 404);
  json_decref(r.body);
  r = call("GET", "/v1/sessions/nope", NULL);
  cr_assert_eq(r.status, 404);
  json_decref(r.body);

  r = call("POST", "/v1/sessions", "{\"channel\":\"website\"}");
  char path[128];
  snprintf(path, sizeof path, "/v1/sessions/%s/events", s(r.body, "session.id"));
  json_decref(r.body);
  r = call("POST", path, "{\"channel\":\"website\",\"type\":\"bogus\"}");
  cr_assert_eq(r.status, 400);
  cr_assert(names_param(r.body, "type"));
  json_decref(r.body);

  /* brute force: after 3 failures (this test's limit) -> 429 with Retry-After */
  for (int i = 0; i < 3; i++) {
    r = call("POST", "/v1/handover/claim", "{\"code\":\"000000\",\"channel\":\"telefoon\"}");
    cr_assert(r.status == 404, "claim %d: %d", i, r.status);
    json_decref(r.body);
  }
  r = call("POST", "/v1/handover/claim", "{\"code\":\"000001\",\"channel\":\"telefoon\"}");
  cr_assert_eq(r.status, 429);
  cr_assert_str_eq(s(r.body, "code"), "rate_limited");
  cr_assert(strstr(r.headers, "Retry-After:") != NULL);
  json_decref(r.body);

  r = call("PUT", "/v1/channels/no-such-channel/status", "{\"open\":false,\"reason\":\"x\"}");
  cr_assert_eq(r.status, 404);
  json_decref(r.body);
}

Test(sessions_api, channel_status, .init = setup, .fini = teardown, .timeout = 60) {
  ww_err err = {0};
  ww_rules *rules = ww_rules_load(rules_dir, NULL, &err);
  ww_err_clear(&err);
  if (rules == NULL || !ww_rules_has_channel(rules, "telefoon")) {
    ww_rules_free(rules);
    cr_skip_test("the bundled rule set does not load (yet) or has no 'telefoon'");
  }
  ww_rules_free(rules);
  resp r = call("PUT", "/v1/channels/telefoon/status", "{\"open\":\"no\"}");
  cr_assert_eq(r.status, 400);
  cr_assert(names_param(r.body, "open"));
  cr_assert(names_param(r.body, "reason"));
  json_decref(r.body);
  r = call("PUT", "/v1/channels/telefoon/status",
           "{\"open\":false,\"reason\":\"storing\",\"waitSeconds\":600}");
  cr_assert_eq(r.status, 200, "status: %d", r.status);
  cr_assert_str_eq(s(r.body, "channel"), "telefoon");
  cr_assert(json_is_false(json_object_get(r.body, "open")));
  json_decref(r.body);
}
