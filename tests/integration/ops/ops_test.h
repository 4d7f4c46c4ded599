/* Helpers of the ops integration tests (header-only, on tests/support/harness.h and
 * tests/integration/wegwijzer_proc.h): a private copy of the bundled rules to edit, a
 * tokens file, requests with a bearer token, polling with a deadline. */
#ifndef WW_TEST_OPS_TEST_H
#define WW_TEST_OPS_TEST_H

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "util/crypto.h"
#include "wegwijzer_proc.h"

extern char **environ;

#define OPS_ADMIN_TOKEN "ops-admin-token-7c1e94b2d05f"
#define OPS_ADVICE_TOKEN "ops-advice-token-3a8f60e1c2d9"

/* Run argv (no shell) and return its exit status. */
static inline int ops_run(char *const argv[]) {
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) return -1;
  int st;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A fresh temp dir: "<tmp>/ww-test-ops-XXXXXX" into 'out'. */
static inline void ops_mkdtemp(char out[256]) {
  const char *tmp = getenv("TMPDIR");
  snprintf(out, 256, "%s/ww-test-ops-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  cr_assert_not_null(mkdtemp(out), "mkdtemp: %s", strerror(errno));
}

static inline void ops_rmtree(const char *dir) {
  if (dir == NULL || strstr(dir, "/ww-test-ops-") == NULL || getenv("WW_KEEP_LOGS")) return;
  char *argv[] = {"rm", "-rf", (char *)dir, NULL};
  ops_run(argv);
}

/* A copy of the bundled rules/ in a new temp dir; its path into 'rules' ("<dir>/rules"),
 * the temp dir into 'dir'. Tests edit the copy, never rules/. */
static inline void ops_rules_copy(char dir[256], char rules[300]) {
  ops_mkdtemp(dir);
  snprintf(rules, 300, "%s/rules", dir);
  char *argv[] = {"cp", "-r", (char *)ww_test_source("rules"), rules, NULL};
  cr_assert_eq(ops_run(argv), 0, "cp -r rules %s failed", rules);
}

/* Write 'text' to dir/rel (replacing it, like an editor: to a temp name, then rename). */
static inline void ops_write(const char *dir, const char *rel, const char *text) {
  char path[600], tmp[620];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  snprintf(tmp, sizeof tmp, "%s.tmp~", path);
  FILE *f = fopen(tmp, "w");
  cr_assert_not_null(f, "cannot write %s", tmp);
  fputs(text, f);
  cr_assert_eq(fclose(f), 0);
  cr_assert_eq(rename(tmp, path), 0);
}

/* Append to dir/rel in place. */
static inline void ops_append(const char *dir, const char *rel, const char *text) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "a");
  cr_assert_not_null(f, "cannot append to %s", path);
  fputs(text, f);
  cr_assert_eq(fclose(f), 0);
}

/* The 1-based line of 'needle' in 'path', or 0. */
static inline int ops_line_of(const char *path, const char *needle) {
  char *text = ww_read_file(path, NULL);
  cr_assert_not_null(text, "cannot read %s", path);
  char *at = strstr(text, needle);
  int line = 0;
  if (at) {
    line = 1;
    for (char *p = text; p < at; p++) line += *p == '\n';
  }
  free(text);
  return line;
}

/* Replace the first 'from' in dir/rel with 'to'. */
static inline void ops_replace(const char *dir, const char *rel, const char *from,
                               const char *to) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  char *text = ww_read_file(path, NULL);
  cr_assert_not_null(text);
  char *at = strstr(text, from);
  cr_assert_not_null(at, "%s not in %s", from, path);
  size_t n = strlen(text) + strlen(to) + 1;
  char *out = malloc(n);
  cr_assert_not_null(out);
  snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
  ops_write(dir, rel, out);
  free(out);
  free(text);
}

/* dir/tokens with an admin and an advice token, mode 'mode'; path into 'out'. */
static inline void ops_tokens_file(const char *dir, mode_t mode, char out[320]) {
  snprintf(out, 320, "%s/tokens", dir);
  char ha[65], hb[65];
  ww_sha256_hex(OPS_ADMIN_TOKEN, strlen(OPS_ADMIN_TOKEN), ha);
  ww_sha256_hex(OPS_ADVICE_TOKEN, strlen(OPS_ADVICE_TOKEN), hb);
  FILE *f = fopen(out, "w");
  cr_assert_not_null(f);
  fprintf(f, "# ROLE NAME SHA256(token)\nadmin beheer %s\nadvice website %s\n", ha, hb);
  cr_assert_eq(fclose(f), 0);
  cr_assert_eq(chmod(out, mode), 0);
}

/* The usual suite setup: 'srv' cleared, a private copy of the rules and a 0600 tokens file
 * in a new temp dir (ops_rules_copy, ops_tokens_file). */
static inline void ops_setup_rules(ww_proc *srv, char dir[256], char rules[300],
                                   char tokens[320]) {
  memset(srv, 0, sizeof *srv);
  ops_rules_copy(dir, rules);
  ops_tokens_file(dir, 0600, tokens);
}

/* Its teardown: 'srv' killed if it still runs, its log and the temp dir removed. */
static inline void ops_teardown(ww_proc *srv, const char *dir) {
  if (srv->pid > 0) ww_proc_stop(srv, SIGKILL, 5000);
  ww_proc_cleanup(srv);
  ops_rmtree(dir);
}

/* ww_test_serve with the rule set 'rules' and the tokens file 'tokens', plus 'more'
 * ("--flag", "value", ..., NULL; may be NULL). */
static inline void ops_serve(ww_proc *p, const char *rules, const char *tokens,
                             const char *const *more) {
  const char *args[24] = {"--rules", rules, "--tokens", tokens};
  int n = 4;
  for (int i = 0; more && more[i] && n < 23; i++) args[n++] = more[i];
  args[n] = NULL;
  ww_test_serve(p, args);
}

/* Header lines for 'token' (NULL: none) and a JSON body. Static buffer per call slot. */
static inline const char *ops_headers(const char *token, int json) {
  static char buf[4][256];
  static int slot;
  char *b = buf[slot++ % 4];
  snprintf(b, 256, "%s%s%s%s", json ? "Content-Type: application/json\r\n" : "",
           token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
  return b;
}

/* One request on a fresh connection; 'token' and 'body' may be NULL. The status (or -1
 * when the request failed); the body as JSON into '*out' when 'out' is not NULL. */
static inline int ops_req(int port, const char *method, const char *path, const char *token,
                          const char *body, json_t **out) {
  ww_http_resp r;
  memset(&r, 0, sizeof r);
  int rc = ww_http_request(port, method, path, ops_headers(token, body != NULL), body, &r);
  int status = rc == 0 ? r.status : -1;
  if (out) *out = rc == 0 ? ww_http_json(&r) : NULL;
  ww_http_resp_free(&r);
  return status;
}

static inline const char *ops_str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* The version GET /v1/rules shows (into 'out', 16 bytes); "" when it failed. */
static inline void ops_rules_version(int port, const char *token, char out[16]) {
  json_t *b = NULL;
  out[0] = '\0';
  if (ops_req(port, "GET", "/v1/rules", token, NULL, &b) == 200 && ops_str(b, "version"))
    snprintf(out, 16, "%s", ops_str(b, "version"));
  json_decref(b);
}

static inline void ops_nap_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Poll until GET /v1/rules shows a version other than 'old' (1, into 'now') or
 * timeout_ms passes (0). */
static inline int ops_wait_version_change(int port, const char *token, const char *old,
                                          char now[16], int timeout_ms) {
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    ops_rules_version(port, token, now);
    if (now[0] && strcmp(now, old) != 0) return 1;
    if (ww_now_ms() >= end) return 0;
    ops_nap_ms(20);
  }
}

/* The advice body used by the load clients. */
#define OPS_ADVICE_BODY                                                              \
  "{\"service\":\"verhuizing\",\"citizen\":{\"digitalSkills\":\"low\",\"age\":81},"   \
  "\"context\":{\"origin\":\"web\",\"time\":\"2026-12-01T10:15:00+01:00\"}}"

#endif
