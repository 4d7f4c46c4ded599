#include "metrics/metrics.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WW_PYTHON
#define WW_PYTHON "/usr/bin/python3"
#endif

/* Parses the text with prometheus_client, builds S = {(sample name, labels): value}, fails
 * on untyped families (a sample outside its # TYPE family) or duplicate samples, then runs
 * the checks. v(name, **labels) looks a sample up. */
static const char *py_prelude =
    "import sys, math\n"
    "from prometheus_client.parser import text_string_to_metric_families\n"
    "text = open(sys.argv[1]).read()\n"
    "fams = list(text_string_to_metric_families(text))\n"
    "F = {f.name: f for f in fams}\n"
    "assert len(F) == len(fams), 'family repeated'\n"
    "S = {}\n"
    "n = 0\n"
    "for f in fams:\n"
    "    assert f.type != 'untyped', 'untyped family ' + f.name\n"
    "    assert f.documentation, 'no HELP for ' + f.name\n"
    "    for s in f.samples:\n"
    "        S[(s.name, tuple(sorted(s.labels.items())))] = s.value\n"
    "        n += 1\n"
    "assert n == len(S), 'duplicate samples'\n"
    "def v(name, **labels):\n"
    "    return S[(name, tuple(sorted(labels.items())))]\n"
    "def has(name, **labels):\n"
    "    return (name, tuple(sorted(labels.items()))) in S\n"
    "def eq(a, b):\n"
    "    assert a == b, '%r != %r' % (a, b)\n"
    "for f in fams:\n"
    "    if f.type != 'histogram': continue\n"
    "    routes = {s.labels['route'] for s in f.samples}\n"
    "    for r in routes:\n"
    "        bs = sorted([(float(s.labels['le']), s.value) for s in f.samples\n"
    "                     if s.name.endswith('_bucket') and s.labels['route'] == r])\n"
    "        assert bs[-1][0] == math.inf, 'no +Inf bucket'\n"
    "        assert all(bs[i][1] <= bs[i+1][1] for i in range(len(bs)-1)), 'not cumulative'\n"
    "        eq(bs[-1][1], v(f.name + '_count', route=r))\n";

/* Render 'reg', run the checks on it with the real parser; returns the exit status. */
static int py_run(ww_metrics_registry *reg, const char *ruleset, const char *checks,
                  int quiet) {
  size_t len = 0;
  char *text = ww_metrics_render(reg, ruleset, &len);
  cr_assert_not_null(text);
  cr_assert_eq(strlen(text), len);
  char path[] = "/tmp/ww-metrics-XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  cr_assert_eq(write(fd, text, len), (ssize_t)len);
  close(fd);
  free(text);

  size_t sl = strlen(py_prelude) + strlen(checks) + 1;
  char *script = malloc(sl);
  cr_assert_not_null(script);
  snprintf(script, sl, "%s%s", py_prelude, checks);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    if (quiet) freopen("/dev/null", "w", stderr);
    execl(WW_PYTHON, WW_PYTHON, "-c", script, path, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  free(script);
  unlink(path);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int py_check(ww_metrics_registry *reg, const char *ruleset, const char *checks) {
  return py_run(reg, ruleset, checks, 0);
}

#define PY_OK(reg, ver, checks) cr_assert_eq(py_check((reg), (ver), (checks)), 0, "python checks failed")

TestSuite(metrics, .timeout = 30);

Test(metrics, registry_bounds) {
  cr_expect_null(ww_metrics_registry_new(0));
  cr_expect_null(ww_metrics_registry_new(-1));
  ww_metrics_registry *reg = ww_metrics_registry_new(3);
  cr_assert_not_null(reg);
  cr_expect_eq(ww_metrics_registry_workers(reg), 3);
  cr_expect_not_null(ww_metrics_worker(reg, 2));
  cr_expect_neq(ww_metrics_worker(reg, 0), ww_metrics_worker(reg, 1));
  cr_expect_null(ww_metrics_worker(reg, 3));
  cr_expect_null(ww_metrics_worker(reg, -1));
  ww_metrics_registry_free(reg);
  ww_metrics_registry_free(NULL);
}

Test(metrics, parser_catches_a_wrong_value) {
  /* The checking harness itself must be able to fail. */
  ww_metrics_registry *reg = ww_metrics_registry_new(1);
  ww_metrics_degraded(ww_metrics_worker(reg, 0));
  cr_expect_neq(py_run(reg, "v1", "eq(v('wegwijzer_degraded_total'), 2)\n", 1), 0);
  cr_expect_neq(py_run(reg, "v1", "eq(v('wegwijzer_no_such_total'), 0)\n", 1), 0);
  cr_expect_eq(py_check(reg, "v1", "eq(v('wegwijzer_degraded_total'), 1)\n"), 0);
  ww_metrics_registry_free(reg);
}

Test(metrics, empty_registry_is_valid) {
  ww_metrics_registry *reg = ww_metrics_registry_new(2);
  PY_OK(reg, NULL,
        "eq(v('wegwijzer_build_info', version='0.1.0'), 1)\n"
        "assert 'wegwijzer_ruleset_info' in F and not F['wegwijzer_ruleset_info'].samples\n"
        "eq(F['wegwijzer_http_requests'].type, 'counter')\n"
        "eq(F['wegwijzer_http_request_duration_seconds'].type, 'histogram')\n"
        "for k in ('runtime', 'budget', 'memory', 'invalid_result'):\n"
        "    eq(v('wegwijzer_rule_errors_total', kind=k), 0)\n"
        "for n in ('degraded', 'store_errors', 'store_reconnects', 'handovers_created',\n"
        "          'handovers_claimed'):\n"
        "    eq(v('wegwijzer_' + n + '_total'), 0)\n");
  ww_metrics_registry_free(reg);
}

Test(metrics, counters_summed_across_workers) {
  ww_metrics_registry *reg = ww_metrics_registry_new(2);
  ww_metrics *a = ww_metrics_worker(reg, 0), *b = ww_metrics_worker(reg, 1);
  /* Different addresses for the same pattern: matched by name too. */
  char pattern_copy[] = "/v1/advice";
  for (int i = 0; i < 3; i++) ww_metrics_request(a, "/v1/advice", "POST", 200, 0.001);
  for (int i = 0; i < 2; i++) ww_metrics_request(b, pattern_copy, "POST", 200, 0.002);
  ww_metrics_request(b, "/v1/advice", "POST", 422, 0.0005);
  ww_metrics_request(a, "/v1/sessions/{id}", "GET", 404, 0.0002);
  ww_metrics_request(a, NULL, "GET", 404, 0.0001);
  ww_metrics_request(b, NULL, "GET", 404, 0.0001);
  ww_metrics_request(b, NULL, "BREW", 999, 0.0001);
  ww_metrics_rule_error(a, WW_RULE_ERR_BUDGET);
  ww_metrics_rule_error(b, WW_RULE_ERR_BUDGET);
  ww_metrics_rule_error(b, WW_RULE_ERR_BUDGET);
  ww_metrics_rule_error(b, WW_RULE_ERR_RUNTIME);
  ww_metrics_rule_error(a, WW_RULE_ERR_MEMORY);
  ww_metrics_degraded(a);
  ww_metrics_degraded(b);
  ww_metrics_store_error(a);
  ww_metrics_store_reconnect(b);
  ww_metrics_store_reconnect(b);
  ww_metrics_handover_created(a);
  ww_metrics_handover_created(b);
  ww_metrics_handover_created(b);
  ww_metrics_handover_claimed(a);
  ww_metrics_advice(a, "paspoort", "web");
  ww_metrics_advice(b, "paspoort", "web");
  ww_metrics_advice(b, "paspoort", "phone");
  ww_metrics_advice(a, "verhuizing", NULL);
  PY_OK(reg, "2024-05-01.abc",
        "R = 'wegwijzer_http_requests_total'\n"
        "eq(v(R, route='/v1/advice', method='POST', status='200'), 5)\n"
        "eq(v(R, route='/v1/advice', method='POST', status='422'), 1)\n"
        "eq(v(R, route='/v1/sessions/{id}', method='GET', status='404'), 1)\n"
        "eq(v(R, route='unmatched', method='GET', status='404'), 2)\n"
        "eq(v(R, route='unmatched', method='other', status='other'), 1)\n"
        "eq(len([k for k in S if k[0] == R]), 5)\n"
        "H = 'wegwijzer_http_request_duration_seconds'\n"
        "eq(v(H + '_count', route='/v1/advice'), 6)\n"
        "assert abs(v(H + '_sum', route='/v1/advice') - 0.0075) < 1e-12\n"
        "eq(v(H + '_count', route='unmatched'), 3)\n"
        "eq(v('wegwijzer_rule_errors_total', kind='budget'), 3)\n"
        "eq(v('wegwijzer_rule_errors_total', kind='runtime'), 1)\n"
        "eq(v('wegwijzer_rule_errors_total', kind='memory'), 1)\n"
        "eq(v('wegwijzer_rule_errors_total', kind='invalid_result'), 0)\n"
        "eq(v('wegwijzer_degraded_total'), 2)\n"
        "eq(v('wegwijzer_store_errors_total'), 1)\n"
        "eq(v('wegwijzer_store_reconnects_total'), 2)\n"
        "eq(v('wegwijzer_handovers_created_total'), 3)\n"
        "eq(v('wegwijzer_handovers_claimed_total'), 1)\n"
        "A = 'wegwijzer_advice_total'\n"
        "eq(v(A, service='paspoort', channel='web'), 2)\n"
        "eq(v(A, service='paspoort', channel='phone'), 1)\n"
        "eq(v(A, service='verhuizing', channel='none'), 1)\n"
        "eq(len([k for k in S if k[0] == A]), 3)\n"
        "eq(v('wegwijzer_ruleset_info', version='2024-05-01.abc'), 1)\n"
        "eq(v('wegwijzer_build_info', version='0.1.0'), 1)\n");
  ww_metrics_registry_free(reg);
}

Test(metrics, histogram_buckets_cumulative) {
  ww_metrics_registry *reg = ww_metrics_registry_new(2);
  ww_metrics *a = ww_metrics_worker(reg, 0), *b = ww_metrics_worker(reg, 1);
  const char *r = "/v1/route";
  ww_metrics_request(a, r, "POST", 200, 0.00005);
  ww_metrics_request(b, r, "POST", 200, 0.0001);   /* on a bound: le is inclusive */
  ww_metrics_request(a, r, "POST", 200, 0.0003);
  ww_metrics_request(b, r, "POST", 200, 0.002);
  ww_metrics_request(a, r, "POST", 200, 3.0);      /* only in +Inf */
  ww_metrics_request(b, r, "POST", 200, -1.0);     /* clock went back: counts as 0 */
  PY_OK(reg, "x",
        "H = 'wegwijzer_http_request_duration_seconds'\n"
        "def bk(le): return v(H + '_bucket', route='/v1/route', le=le)\n"
        "want = {'0.0001': 3, '0.00025': 3, '0.0005': 4, '0.001': 4, '0.0025': 5,\n"
        "        '0.005': 5, '0.01': 5, '0.025': 5, '0.05': 5, '0.1': 5, '0.25': 5,\n"
        "        '0.5': 5, '1.0': 5, '2.5': 5, '+Inf': 6}\n"
        "got = {s.labels['le']: s.value for s in F[H].samples if s.name == H + '_bucket'}\n"
        "eq(len(got), 15)\n"
        "for le, n in want.items():\n"
        "    eq(bk(le if le != '1.0' else '1'), n)\n"
        "eq(v(H + '_count', route='/v1/route'), 6)\n"
        "assert abs(v(H + '_sum', route='/v1/route') - 3.00245) < 1e-12, v(H + '_sum', route='/v1/route')\n");
  ww_metrics_registry_free(reg);
}

Test(metrics, label_values_escaped) {
  ww_metrics_registry *reg = ww_metrics_registry_new(1);
  ww_metrics *m = ww_metrics_worker(reg, 0);
  ww_metrics_request(m, "/a\"b\\c\nd", "GET", 200, 0.01);
  ww_metrics_advice(m, "svc \"quoted\"", "back\\slash\nnewline");
  PY_OK(reg, "v\"1\\2\n3",
        "eq(v('wegwijzer_http_requests_total', route='/a\"b\\\\c\\nd', method='GET',\n"
        "     status='200'), 1)\n"
        "eq(v('wegwijzer_http_request_duration_seconds_count', route='/a\"b\\\\c\\nd'), 1)\n"
        "eq(v('wegwijzer_advice_total', service='svc \"quoted\"',\n"
        "     channel='back\\\\slash\\nnewline'), 1)\n"
        "eq(v('wegwijzer_ruleset_info', version='v\"1\\\\2\\n3'), 1)\n");
  /* And literally: one sample per line, no raw newline inside a label. */
  char *text = ww_metrics_render(reg, "v\"1\\2\n3", NULL);
  cr_assert_not_null(text);
  cr_expect(strstr(text, "route=\"/a\\\"b\\\\c\\nd\"") != NULL, "%s", text);
  cr_expect(strstr(text, "wegwijzer_ruleset_info{version=\"v\\\"1\\\\2\\n3\"} 1\n") != NULL);
  free(text);
  ww_metrics_registry_free(reg);
}

Test(metrics, label_sets_bounded) {
  ww_metrics_registry *reg = ww_metrics_registry_new(2);
  ww_metrics *a = ww_metrics_worker(reg, 0), *b = ww_metrics_worker(reg, 1);
  char name[80];
  for (int i = 0; i < 100; i++) {   /* 64 services fit, 36 go to "other" */
    snprintf(name, sizeof name, "service-%03d", i);
    ww_metrics_advice(a, name, "web");
    ww_metrics_advice(b, name, "web");
  }
  for (int i = 0; i < 20; i++) {    /* 16 channels fit (web is one) */
    snprintf(name, sizeof name, "ch-%02d", i);
    ww_metrics_advice(a, "service-000", name);
  }
  char longid[100];
  memset(longid, 'x', 70);
  longid[70] = '\0';
  ww_metrics_advice(a, longid, "web");
  for (int i = 0; i < 40; i++) {    /* 32 routes fit */
    snprintf(name, sizeof name, "/r/%02d", i);
    ww_metrics_request(a, name, "GET", 200, 0.001);
  }
  for (int i = 0; i < 40; i++)      /* 32 (method, status) pairs per route */
    ww_metrics_request(b, "/many", "GET", 200 + i, 0.001);
  PY_OK(reg, "x",
        "A = 'wegwijzer_advice_total'\n"
        "eq(v(A, service='service-000', channel='web'), 2)\n"
        "eq(v(A, service='service-063', channel='web'), 2)\n"
        "assert not has(A, service='service-064', channel='web')\n"
        "eq(v(A, service='other', channel='web'), 36 * 2 + 1)\n"
        "eq(v(A, service='service-000', channel='ch-14'), 1)\n"
        "assert not has(A, service='service-000', channel='ch-15')\n"
        "eq(v(A, service='service-000', channel='other'), 5)\n"
        "svcs = {dict(k[1])['service'] for k in S if k[0] == A}\n"
        "eq(len(svcs), 64 + 1)\n"
        "R = 'wegwijzer_http_requests_total'\n"
        "eq(v(R, route='/r/31', method='GET', status='200'), 1)\n"
        "eq(v(R, route='other', method='GET', status='200'), 8)\n"
        "eq(len({dict(k[1])['route'] for k in S if k[0] == R}), 32 + 1 + 1)\n"
        "eq(v(R, route='/many', method='GET', status='231'), 1)\n"
        "eq(v(R, route='/many', method='other', status='other'), 8)\n"
        "eq(v('wegwijzer_http_request_duration_seconds_count', route='/many'), 40)\n");
  ww_metrics_registry_free(reg);
}

typedef struct {
  ww_metrics *m;
  int n;
} load_arg;

static void *load_thread(void *p) {
  load_arg *a = p;
  for (int i = 0; i < a->n; i++) {
    ww_metrics_request(a->m, "/v1/advice", "POST", 200, 0.0001 * (i % 7));
    ww_metrics_advice(a->m, i % 2 ? "a" : "b", "web");
  }
  return NULL;
}

Test(metrics, scrape_while_workers_count) {
  enum { N = 200000 };
  ww_metrics_registry *reg = ww_metrics_registry_new(2);
  load_arg args[2] = {{ww_metrics_worker(reg, 0), N}, {ww_metrics_worker(reg, 1), N}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++) cr_assert_eq(pthread_create(&t[i], NULL, load_thread, &args[i]), 0);
  for (int i = 0; i < 20; i++) {   /* scrapes racing the writers stay well-formed */
    char *text = ww_metrics_render(reg, "x", NULL);
    cr_assert_not_null(text);
    free(text);
  }
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  PY_OK(reg, "x",
        "eq(v('wegwijzer_http_requests_total', route='/v1/advice', method='POST',\n"
        "     status='200'), 400000)\n"
        "eq(v('wegwijzer_http_request_duration_seconds_count', route='/v1/advice'), 400000)\n"
        "eq(v('wegwijzer_advice_total', service='a', channel='web'), 200000)\n"
        "eq(v('wegwijzer_advice_total', service='b', channel='web'), 200000)\n");
  ww_metrics_registry_free(reg);
}
