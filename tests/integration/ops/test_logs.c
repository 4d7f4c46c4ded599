#define _GNU_SOURCE
/* Integration: the server's whole output (stdout + stderr) is JSON lines; one request line
 * per request (method, route, status, durationMs, adviceId when there is one, rule-set
 * version); the startup line; --log-level warn drops the request lines; and a known
 * citizen id, bearer token and request-body text never appear, whatever the request. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

TestSuite(logs, .init = setup, .fini = teardown, .timeout = 120);

#define CITIZEN_ID "987654329"
#define BODY_MARK "Kanaalvoorkeur-Zeldzaam-42"     /* text only a request body holds */
#define WRONG_TOKEN "wrong-token-d41d8cd98f00b204"

/* Send a request; return the status. */
static int send_req(const char *method, const char *path, const char *token,
                    const char *body) {
  return ops_req(srv.port, method, path, token, body, NULL);
}

/* Traffic that carries the secrets every way a client might: in bodies that succeed and
 * that fail, in unknown fields, in the path, in a header, as tokens right and wrong. */
static int traffic(char advice_ids[4][48]) {
  int n = 0;
  const char *adv =
      "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"" CITIZEN_ID "\",\"age\":70},"
      "\"context\":{\"origin\":\"web\",\"time\":\"2026-12-01T10:15:00+01:00\"},"
      "\"note\":\"" BODY_MARK "\"}";
  for (int i = 0; i < 4; i++) {
    json_t *a = NULL;
    cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", OPS_ADVICE_TOKEN, adv, &a), 200);
    snprintf(advice_ids[i], 48, "%s", ops_str(a, "adviceId"));
    json_decref(a);
    n++;
  }
  cr_assert_eq(send_req("POST", "/v1/sessions", OPS_ADVICE_TOKEN,
                        "{\"citizen\":{\"id\":\"" CITIZEN_ID "\"},\"service\":\"verhuizing\","
                        "\"channel\":\"website\",\"data\":{\"x\":\"" BODY_MARK "\"}}"),
               201);
  n++;
  /* invalid input that echoes nothing back into the log */
  cr_assert_eq(send_req("POST", "/v1/advice", OPS_ADVICE_TOKEN,
                        "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"" CITIZEN_ID
                        "\",\"age\":\"" BODY_MARK "\"}}"),
               400);
  n++;
  cr_assert_eq(send_req("POST", "/v1/advice", OPS_ADVICE_TOKEN,
                        "{\"service\":\"" BODY_MARK "\",\"citizen\":{\"id\":\"" CITIZEN_ID "\"}}"),
               400);
  n++;
  cr_assert_eq(send_req("POST", "/v1/advice", OPS_ADVICE_TOKEN, "{\"" BODY_MARK "\": " CITIZEN_ID),
               400);
  n++;
  cr_assert_eq(send_req("GET", "/v1/sessions/" CITIZEN_ID BODY_MARK, OPS_ADVICE_TOKEN, NULL), 404);
  n++;
  cr_assert_eq(send_req("GET", "/" CITIZEN_ID "/" BODY_MARK, OPS_ADVICE_TOKEN, NULL), 404);
  n++;
  cr_assert_eq(send_req("POST", "/v1/advice", WRONG_TOKEN, "{\"citizen\":{\"id\":\"" CITIZEN_ID "\"}}"),
               401);
  n++;
  cr_assert_eq(send_req("POST", "/v1/rules/reload", OPS_ADVICE_TOKEN, NULL), 403);
  n++;
  cr_assert_eq(send_req("POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL), 200);
  n++;
  cr_assert_eq(send_req("GET", "/readyz", NULL, NULL), 200);
  n++;
  return n;
}

/* Every line of the log as JSON (new array). */
static json_t *log_lines(const char *text) {
  json_t *out = json_array();
  const char *p = text;
  int lineno = 0;
  while (*p) {
    const char *nl = strchr(p, '\n');
    cr_assert_not_null(nl, "the log's last line has no newline: %s", p);
    lineno++;
    json_error_t je;
    json_t *j = json_loadb(p, (size_t)(nl - p), 0, &je);
    cr_assert(json_is_object(j), "log line %d is not a JSON object: %.*s (%s)", lineno,
              (int)(nl - p), p, je.text);
    cr_assert_not_null(ops_str(j, "time"), "line %d without time", lineno);
    cr_assert_not_null(ops_str(j, "level"), "line %d without level", lineno);
    cr_assert_not_null(ops_str(j, "msg"), "line %d without msg", lineno);
    json_array_append_new(out, j);
    p = nl + 1;
  }
  return out;
}

static char *stop_and_read_log(void) {
  cr_assert_eq(ww_proc_stop(&srv, SIGTERM, 10000), 0);
  char *text = ww_read_file(srv.log, NULL);
  cr_assert_not_null(text);
  return text;
}

Test(logs, json_lines_without_secrets) {
  const char *args[] = {"--tokens", tokens, NULL};
  ww_test_serve(&srv, args);
  char version[16];
  ops_rules_version(srv.port, OPS_ADVICE_TOKEN, version);
  char ids[4][48];
  int sent = traffic(ids) + 1;   /* + the GET /v1/rules */
  char *text = stop_and_read_log();

  cr_assert_null(strstr(text, CITIZEN_ID), "the citizen id is in the log");
  cr_assert_null(strstr(text, OPS_ADVICE_TOKEN), "a token is in the log");
  cr_assert_null(strstr(text, OPS_ADMIN_TOKEN), "a token is in the log");
  cr_assert_null(strstr(text, WRONG_TOKEN), "a wrong token is in the log");
  cr_assert_null(strstr(text, BODY_MARK), "request body text is in the log");

  json_t *lines = log_lines(text);
  size_t i;
  json_t *l;
  int requests = 0, started = 0, with_id = 0;
  json_array_foreach(lines, i, l) {
    const char *msg = ops_str(l, "msg");
    if (strcmp(msg, "wegwijzer started") == 0) {
      started++;
      cr_assert_not_null(ops_str(l, "version"));
      cr_assert_str_eq(ops_str(l, "rulesVersion"), version);
      cr_assert_str_eq(ops_str(l, "store"), "memory");
      cr_assert_eq(json_integer_value(json_object_get(l, "workers")), 2);
      char listen[32];
      snprintf(listen, sizeof listen, "127.0.0.1:%d", srv.port);
      cr_assert_str_eq(ops_str(l, "listen"), listen);
    }
    if (strcmp(msg, "request") != 0) continue;
    requests++;
    cr_assert_str_eq(ops_str(l, "level"), "info");
    cr_assert_not_null(ops_str(l, "method"));
    cr_assert_not_null(ops_str(l, "route"));
    cr_assert(json_is_integer(json_object_get(l, "status")));
    cr_assert(json_is_number(json_object_get(l, "durationMs")));
    cr_assert_geq(json_number_value(json_object_get(l, "durationMs")), 0);
    cr_assert_eq(strlen(ops_str(l, "rulesVersion") ? ops_str(l, "rulesVersion") : ""), 12);
    const char *aid = ops_str(l, "adviceId");
    if (aid) {
      int known = 0;
      for (int k = 0; k < 4; k++) known |= strcmp(aid, ids[k]) == 0;
      cr_assert(known, "adviceId %s in the log was never answered", aid);
      cr_assert_str_eq(ops_str(l, "route"), "/v1/advice");
      cr_assert_eq(json_integer_value(json_object_get(l, "status")), 200);
      with_id++;
    }
  }
  cr_assert_eq(started, 1);
  cr_assert_eq(requests, sent, "%d request lines for %d requests", requests, sent);
  cr_assert_eq(with_id, 4, "adviceId on %d lines, want 4", with_id);
  json_decref(lines);
  free(text);
}

Test(logs, warn_level_drops_request_lines) {
  const char *args[] = {"--tokens", tokens, "--log-level", "warn", NULL};
  ww_test_serve(&srv, args);
  char ids[4][48];
  traffic(ids);
  char *text = stop_and_read_log();
  cr_assert_null(strstr(text, CITIZEN_ID));
  json_t *lines = log_lines(text);
  size_t i;
  json_t *l;
  json_array_foreach(lines, i, l) {
    const char *level = ops_str(l, "level");
    cr_assert(strcmp(level, "warn") == 0 || strcmp(level, "error") == 0,
              "a %s line at --log-level warn: %s", level, ops_str(l, "msg"));
  }
  json_decref(lines);
  free(text);
}
