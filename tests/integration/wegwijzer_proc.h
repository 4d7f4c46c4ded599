/* Start the real `wegwijzer serve` binary for integration tests (header-only helper on
 * tests/support/harness.h). The binary: $WW_BUILD_ROOT/wegwijzer; the rules:
 * $WW_SOURCE_ROOT/rules unless given. */
#ifndef WW_TEST_WEGWIJZER_PROC_H
#define WW_TEST_WEGWIJZER_PROC_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static inline const char *ww_test_binary(void) {
  static char path[1024];
  const char *b = getenv("WW_BUILD_ROOT");
  snprintf(path, sizeof path, "%s/wegwijzer", b ? b : ".");
  return path;
}

static inline const char *ww_test_source(const char *rel) {
  static char path[4][1024];
  static int slot;
  const char *s = getenv("WW_SOURCE_ROOT");
  char *out = path[slot++ % 4];
  snprintf(out, sizeof path[0], "%s/%s", s ? s : ".", rel);
  return out;
}

/* WW_VALGRIND=1 (in the environment of the test) runs the binary under valgrind: memory
 * errors and definite leaks make it exit 1, which ww_test_stop fails on. Use a build
 * without sanitizers; start and stop deadlines are longer then. */
static inline int ww_test_valgrind(void) {
  const char *v = getenv("WW_VALGRIND");
  return v && v[0] && strcmp(v, "0") != 0;
}

/* Start `wegwijzer serve --listen 127.0.0.1:<free> --rules <bundled> --workers 2` plus
 * 'extra' ("--flag", "value", ..., NULL). Waits until it accepts. */
static inline void ww_test_serve(ww_proc *p, const char *const *extra) {
  int port = ww_free_port();
  cr_assert_gt(port, 0);
  char listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  char *argv[56];
  int n = 0;
  if (ww_test_valgrind()) {
    argv[n++] = "valgrind";
    argv[n++] = "--quiet";
    argv[n++] = "--leak-check=full";
    argv[n++] = "--errors-for-leak-kinds=definite";
    argv[n++] = "--error-exitcode=1";
    argv[n++] = "--trace-children=no";
  }
  argv[n++] = (char *)ww_test_binary();
  argv[n++] = "serve";
  argv[n++] = "--listen";
  argv[n++] = listen;
  int has_rules = 0, has_workers = 0, has_timeouts = 0;
  for (int i = 0; extra && extra[i]; i++) {
    if (strcmp(extra[i], "--rules") == 0) has_rules = 1;
    if (strcmp(extra[i], "--workers") == 0) has_workers = 1;
    if (strncmp(extra[i], "--decision-timeout", 18) == 0 ||
        strncmp(extra[i], "--load-timeout", 14) == 0)
      has_timeouts = 1;
  }
  if (ww_test_valgrind() && !has_timeouts) {
    /* valgrind runs the engine some 50 times slower (and its threads one at a time): the
     * time limits of rules, made for real time, would cut ordinary decisions short */
    argv[n++] = "--decision-timeout";
    argv[n++] = "5000";
    argv[n++] = "--load-timeout";
    argv[n++] = "300000";
  }
  if (!has_rules) {
    argv[n++] = "--rules";
    argv[n++] = (char *)ww_test_source("rules");
  }
  if (!has_workers) {
    argv[n++] = "--workers";
    argv[n++] = "2";
  }
  for (int i = 0; extra && extra[i] && n < 54; i++) argv[n++] = (char *)extra[i];
  argv[n] = NULL;
  if (ww_proc_start(p, argv, NULL, port, ww_test_valgrind() ? 120000 : 15000) != 0) {
    ww_proc_dump_log(p);
    cr_assert_fail("wegwijzer did not start");
  }
}

/* Wait until GET /readyz answers 200 (every worker's store reachable), or fail. */
static inline void ww_test_wait_ready(const ww_proc *p, int timeout_ms) {
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    ww_http_resp r;
    int status = 0;
    if (ww_http_request(p->port, "GET", "/readyz", NULL, NULL, &r) == 0) {
      status = r.status;
      ww_http_resp_free(&r);
    }
    if (status == 200) return;
    if (ww_now_ms() > end) cr_assert_fail("/readyz never answered 200 (last %d)", status);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

/* SIGTERM, expect exit 0 and clean up. */
static inline void ww_test_stop(ww_proc *p) {
  if (p->pid <= 0) return;
  int st = ww_proc_stop(p, SIGTERM, ww_test_valgrind() ? 120000 : 10000);
  if (st != 0) {
    ww_proc_dump_log(p);
    /* the log's end in the failure itself: the TAP output keeps it, stderr may be lost */
    char *log = ww_read_file(p->log, NULL);
    size_t n = log ? strlen(log) : 0;
    cr_assert_fail("wegwijzer exit status %d; the end of its log:\n%s", st,
                   log ? log + (n > 1500 ? n - 1500 : 0) : "(no log)");
  }
  ww_proc_cleanup(p);
}

/* POST JSON text; returns the parsed body (new) and fills 'r'. */
static inline json_t *ww_test_post(int port, const char *path, const char *body,
                                   ww_http_resp *r) {
  cr_assert_eq(ww_http_request(port, "POST", path, "Content-Type: application/json\r\n", body,
                               r),
               0, "request to %s failed", path);
  return ww_http_json(r);
}

static inline json_t *ww_test_get(int port, const char *path, ww_http_resp *r) {
  cr_assert_eq(ww_http_request(port, "GET", path, NULL, NULL, r), 0, "GET %s failed", path);
  return ww_http_json(r);
}

#endif
