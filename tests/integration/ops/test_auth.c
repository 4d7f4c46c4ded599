#define _GNU_SOURCE
/* Integration: bearer tokens and roles over HTTP (SPEC 3.4, docs/tokens.md) on the real
 * binary: 401 with WWW-Authenticate: Bearer, 403 for a too small role, the loopback rule
 * without a tokens file, open operational endpoints, and a world-readable tokens file
 * refused at start. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ops_test.h"

static ww_proc srv;
static char tmpdir[256], tokens[320];

static void setup(void) {
  memset(&srv, 0, sizeof srv);
  ops_mkdtemp(tmpdir);
  ops_tokens_file(tmpdir, 0600, tokens);
}

static void teardown(void) {
  if (srv.pid > 0) ww_proc_stop(&srv, SIGKILL, 5000);
  ww_proc_cleanup(&srv);
  ops_rmtree(tmpdir);
}

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 120);

#define STATUS_BODY "{\"open\":false,\"reason\":\"Storing\"}"

typedef struct call {
  const char *method, *path, *body;
} call;

static const call advice_calls[] = {
    {"POST", "/v1/advice", OPS_ADVICE_BODY},
    {"POST", "/v1/route", OPS_ADVICE_BODY},
    {"GET", "/v1/channels", NULL},
    {"GET", "/v1/rules", NULL},
    {"POST", "/v1/sessions", "{\"channel\":\"website\",\"service\":\"verhuizing\"}"},
};
static const call admin_calls[] = {
    {"PUT", "/v1/channels/telefoon/status", STATUS_BODY},
    {"POST", "/v1/rules/reload", NULL},
};
static const char *const open_paths[] = {"/healthz", "/readyz", "/metrics", "/v1/openapi.json"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One call; the status, and the problem code / WWW-Authenticate when it is 401/403. */
static int do_call(const call *c, const char *token, int want) {
  ww_http_resp r;
  memset(&r, 0, sizeof r);
  const char *headers = ops_headers(token, c->body != NULL);
  cr_assert_eq(ww_http_request(srv.port, c->method, c->path, headers, c->body, &r), 0,
               "%s %s failed", c->method, c->path);
  cr_assert_eq(r.status, want, "%s %s with %s: %d, want %d: %s", c->method, c->path,
               token ? token : "no token", r.status, want, r.body);
  if (want == 401 || want == 403) {
    cr_assert_str_eq(ww_http_header(&r, "Content-Type"), "application/problem+json");
    json_t *b = ww_http_json(&r);
    cr_assert_str_eq(ops_str(b, "code"), want == 401 ? "unauthorized" : "forbidden");
    json_decref(b);
    if (want == 401) {
      const char *wa = ww_http_header(&r, "WWW-Authenticate");
      cr_assert_not_null(wa, "401 without WWW-Authenticate on %s", c->path);
      cr_assert_eq(strncmp(wa, "Bearer", 6), 0, "WWW-Authenticate: %s", wa);
    }
  }
  int s = r.status;
  ww_http_resp_free(&r);
  return s;
}

/* 2xx status of each call with enough rights. */
static int ok_status(const call *c) {
  if (strcmp(c->path, "/v1/sessions") == 0) return 201;
  return 200;
}

Test(auth, tokens_and_roles) {
  const char *args[] = {"--tokens", tokens, NULL};
  ww_test_serve(&srv, args);
  for (size_t i = 0; i < N(advice_calls); i++) {
    do_call(&advice_calls[i], NULL, 401);
    do_call(&advice_calls[i], "wrong-token-0000", 401);
    do_call(&advice_calls[i], OPS_ADVICE_TOKEN, ok_status(&advice_calls[i]));
    do_call(&advice_calls[i], OPS_ADMIN_TOKEN, ok_status(&advice_calls[i]));
  }
  for (size_t i = 0; i < N(admin_calls); i++) {
    do_call(&admin_calls[i], NULL, 401);
    do_call(&admin_calls[i], "wrong-token-0000", 401);
    do_call(&admin_calls[i], OPS_ADVICE_TOKEN, 403);
    do_call(&admin_calls[i], OPS_ADMIN_TOKEN, 200);
  }
  /* Another scheme, or the token's hash instead of the token: 401. */
  char hash[65];
  ww_sha256_hex(OPS_ADMIN_TOKEN, strlen(OPS_ADMIN_TOKEN), hash);
  cr_assert_eq(do_call(&admin_calls[1], hash, 401), 401);
  ww_http_resp r;
  cr_assert_eq(ww_http_request(srv.port, "POST", "/v1/rules/reload",
                               "Authorization: Basic " OPS_ADMIN_TOKEN "\r\n", NULL, &r),
               0);
  cr_assert_eq(r.status, 401);
  ww_http_resp_free(&r);
  for (size_t i = 0; i < N(open_paths); i++) {
    call c = {"GET", open_paths[i], NULL};
    do_call(&c, NULL, 200);
  }
  ww_test_stop(&srv);
}

Test(auth, no_tokens_file_on_loopback) {
  ww_test_serve(&srv, NULL);   /* 127.0.0.1 */
  for (size_t i = 0; i < N(advice_calls); i++)
    do_call(&advice_calls[i], NULL, ok_status(&advice_calls[i]));
  for (size_t i = 0; i < N(admin_calls); i++) {
    do_call(&admin_calls[i], NULL, 401);
    do_call(&admin_calls[i], OPS_ADMIN_TOKEN, 401);   /* no token can be valid */
  }
  for (size_t i = 0; i < N(open_paths); i++) {
    call c = {"GET", open_paths[i], NULL};
    do_call(&c, NULL, 200);
  }
  ww_test_stop(&srv);
}

/* "Expect: 100-continue" on the real binary: the token is checked before the server
 * invites the body. 'token' may be NULL; 'first' is what the first answer starts with. */
static void expect_continue(const char *method, const char *path, const char *token,
                            const char *first) {
  ww_client *c = ww_client_connect(srv.port);
  cr_assert_not_null(c);
  char head[512];
  snprintf(head, sizeof head,
           "%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: %zu\r\nExpect: 100-continue\r\n%s%s%s\r\n",
           method, path, strlen(OPS_ADVICE_BODY), token ? "Authorization: Bearer " : "",
           token ? token : "", token ? "\r\n" : "");
  cr_assert_eq(ww_client_sends(c, head), 0);
  char buf[32] = {0};
  size_t n = strlen(first);
  cr_assert_eq(recv(ww_client_fd(c), buf, n, MSG_WAITALL), (ssize_t)n);
  cr_assert_str_eq(buf, first, "%s %s with %s", method, path, token ? token : "no token");
  if (strstr(first, "100 Continue")) {
    cr_assert_eq(ww_client_sends(c, OPS_ADVICE_BODY), 0);
    ww_http_resp r;
    cr_assert_eq(ww_client_read(c, &r, 0, 5000), 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    ww_http_resp_free(&r);
  } else {
    cr_assert(ww_client_wait_closed(c, 5000), "connection kept with an unread body");
  }
  ww_client_close(c);
}

Test(auth, expect_continue_only_after_authentication) {
  const char *args[] = {"--tokens", tokens, NULL};
  ww_test_serve(&srv, args);
  expect_continue("POST", "/v1/advice", NULL, "HTTP/1.1 401");
  expect_continue("POST", "/v1/advice", "wrong-token-0000", "HTTP/1.1 401");
  expect_continue("PUT", "/v1/channels/telefoon/status", OPS_ADVICE_TOKEN, "HTTP/1.1 403");
  expect_continue("POST", "/v1/advice", OPS_ADVICE_TOKEN, "HTTP/1.1 100 Continue\r\n\r\n");
  ww_test_stop(&srv);
}

/* Start with 'mode' on the tokens file; expect a refusal that says 'want_text' and 'fix':
 * the exit status. */
static int start_refused(mode_t mode, const char *want_text, const char *fix) {
  cr_assert_eq(chmod(tokens, mode), 0);
  int port = ww_free_port();
  char listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  char *argv[] = {(char *)ww_test_binary(), "serve", "--listen", listen, "--rules",
                  (char *)ww_test_source("rules"), "--tokens", tokens, NULL};
  cr_assert_eq(ww_proc_start(&srv, argv, NULL, 0, 0), 0);
  int st = ww_proc_stop(&srv, 0, 15000);
  cr_assert_neq(st, -1, "the server started with a tokens file of mode %03o", (unsigned)mode);
  cr_assert_neq(st, 0, "exit 0 with a tokens file of mode %03o", (unsigned)mode);
  char *log = ww_read_file(srv.log, NULL);
  cr_assert_not_null(log);
  cr_assert_not_null(strstr(log, want_text), "no clear message: %s", log);
  cr_assert_not_null(strstr(log, fix), "no advice how to fix: %s", log);
  free(log);
  ww_proc_cleanup(&srv);
  memset(&srv, 0, sizeof srv);
  return st;
}

Test(auth, tokens_file_of_another_user_refused) {
  if (geteuid() != 0) cr_skip_test("needs root to chown the file to another user");
  cr_assert_eq(chown(tokens, 65534, 65534), 0);
  start_refused(0600, "owned by uid 65534", "run: chown 0 ");
}

Test(auth, world_readable_tokens_file_refused) {
  start_refused(0644, "anyone may read it", "chmod 600");
  start_refused(0606, "anyone may write it", "chmod 600");
  start_refused(0620, "its group may write it", "chmod 600");
}
