#define _GNU_SOURCE
/* Integration: resource limits and faults of the real `wegwijzer serve` over real
 * sockets -- --max-connections, header and body caps, per-connection input buffering,
 * JSON shape limits before anything reaches Lua, big and non-finite numbers, the Lua
 * instruction and memory budgets, a rule set that always throws, the handover-claim rate
 * limit on the embedded store, SIGTERM with requests in flight. Each test fails when its
 * protection is missing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "wegwijzer_proc.h"

static ww_proc srv;

static void teardown(void) {
  if (srv.pid > 0) ww_proc_stop(&srv, SIGKILL, 5000);
  ww_proc_cleanup(&srv);
}

TestSuite(limits, .fini = teardown, .timeout = 300);

static const char *fixture(const char *name) {
  static char path[1100];
  snprintf(path, sizeof path, "%s", ww_test_source("tests/integration/limits/fixtures/"));
  strncat(path, name, sizeof path - strlen(path) - 1);
  return path;
}

static void expect_problem(const ww_http_resp *r, json_t *b, int status, const char *code) {
  cr_assert_eq(r->status, status, "status %d, body %s", r->status, r->body);
  cr_assert_str_eq(ww_http_header(r, "Content-Type"), "application/problem+json");
  cr_assert_str_eq(json_string_value(json_object_get(b, "code")), code, "%s", r->body);
}

static const char *param_name(json_t *b) {
  return json_string_value(
      json_object_get(json_array_get(json_object_get(b, "invalidParams"), 0), "name"));
}

static void healthy(int port) {
  ww_http_resp r;
  json_t *b = ww_test_get(port, "/healthz", &r);
  cr_assert_eq(r.status, 200, "healthz: %d %s", r.status, r.body);
  json_decref(b);
  ww_http_resp_free(&r);
}

/* ---- connections and HTTP framing ---- */

/* A connection that got an answer (the harness' readiness probe may still count for a
 * moment, so one attempt can be refused). */
static ww_client *served_client(int port) {
  double end = ww_now_ms() + 10000;
  while (ww_now_ms() < end) {
    ww_client *c = ww_client_connect(port);
    ww_http_resp r;
    if (c && ww_client_request(c, "GET", "/healthz", NULL, NULL, &r) == 0) {
      int ok = r.status == 200;
      ww_http_resp_free(&r);
      if (ok) return c;
    }
    ww_client_close(c);
  }
  cr_assert_fail("no connection was served");
  return NULL;
}

Test(limits, max_connections_refuses_extra_and_keeps_existing) {
  const char *extra[] = {"--workers", "1", "--max-connections", "3", NULL};
  ww_test_serve(&srv, extra);
  ww_client *c[3];
  ww_http_resp r;
  for (int i = 0; i < 3; i++) c[i] = served_client(srv.port);
  /* the 4th is accepted and closed at once: EOF, no answer */
  ww_client *x = ww_client_connect(srv.port);
  cr_assert_not_null(x);
  cr_assert_eq(ww_client_wait_closed(x, 5000), 1, "a connection over --max-connections was served");
  ww_client_close(x);
  /* the existing ones keep working */
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(ww_client_request(c[i], "GET", "/healthz", NULL, NULL, &r), 0,
                 "existing connection %d broken", i);
    cr_assert_eq(r.status, 200);
    ww_http_resp_free(&r);
  }
  /* once one leaves, a new one is served again (the server counts them down) */
  ww_client_close(c[0]);
  ww_client_close(served_client(srv.port));
  ww_client_close(c[1]);
  ww_client_close(c[2]);
  ww_test_stop(&srv);
}

Test(limits, header_size_and_count_are_capped) {
  ww_test_serve(&srv, NULL);
  /* one 20 KiB header value: over the 16 KiB of all header bytes */
  size_t big = 20 * 1024;
  char *h = malloc(big + 64);
  int n = snprintf(h, 64, "X-Big: ");
  memset(h + n, 'a', big);
  strcpy(h + n + big, "\r\n");
  ww_client *c = ww_client_connect(srv.port);
  ww_http_resp r;
  cr_assert_eq(ww_client_request(c, "GET", "/healthz", h, NULL, &r), 0);
  json_t *b = ww_http_json(&r);
  expect_problem(&r, b, 431, "headers_too_large");
  cr_assert_eq(ww_client_wait_closed(c, 5000), 1, "connection kept after 431");
  json_decref(b);
  ww_http_resp_free(&r);
  ww_client_close(c);
  /* 100 small headers: over the 64 allowed */
  char *many = malloc(100 * 16 + 1);
  many[0] = '\0';
  for (int i = 0; i < 100; i++) sprintf(many + strlen(many), "X-H%03d: v\r\n", i);
  cr_assert_eq(ww_http_request(srv.port, "GET", "/healthz", many, NULL, &r), 0);
  b = ww_http_json(&r);
  expect_problem(&r, b, 431, "headers_too_large");
  json_decref(b);
  ww_http_resp_free(&r);
  free(many);
  free(h);
  healthy(srv.port);
  ww_test_stop(&srv);
}

/* The answer on 'c' is 413 payload_too_large (given from the headers alone); closes 'c'. */
static void expect_too_large(ww_client *c) {
  ww_http_resp r;
  cr_assert_eq(ww_client_read(c, &r, 0, 5000), 0);
  json_t *b = ww_http_json(&r);
  expect_problem(&r, b, 413, "payload_too_large");
  json_decref(b);
  ww_http_resp_free(&r);
  ww_client_close(c);
}

Test(limits, body_over_max_body_is_413_before_it_is_read) {
  const char *extra[] = {"--max-body", "1024", NULL};
  ww_test_serve(&srv, extra);
  ww_client *c = ww_client_connect(srv.port);
  /* announce 10 MB and send nothing: the answer must come from the headers alone */
  ww_client_sends(c, "POST /v1/advice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 10000000\r\n\r\n");
  expect_too_large(c);
  /* chunked bodies are counted too */
  c = ww_client_connect(srv.port);
  ww_client_sends(c, "POST /v1/advice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n");
  char chunk[700];
  memset(chunk, ' ', sizeof chunk);
  char head[16];
  snprintf(head, sizeof head, "%zx\r\n", sizeof chunk);
  for (int i = 0; i < 3; i++) {
    ww_client_sends(c, head);
    ww_client_send(c, chunk, sizeof chunk);
    ww_client_sends(c, "\r\n");
  }
  expect_too_large(c);
  ww_test_stop(&srv);
}

/* POST /v1/rules/check and /v1/rules/drafts take a whole rule set: up to
 * --max-rules-body (default 4 MiB) instead of --max-body, and only from a client whose
 * token passed: without one the answer comes from the headers alone, the body unread. */
#define RULES_AUTHOR_TOKEN "test-author-token-bodies-41aa"
Test(limits, rule_set_routes_take_a_larger_body_after_the_token) {
  char dir[] = "/tmp/ww-limits-XXXXXX", tokens[300], cmd[400], hash[65] = {0};
  cr_assert_not_null(mkdtemp(dir));
  snprintf(cmd, sizeof cmd, "printf %%s '%s' | sha256sum", RULES_AUTHOR_TOKEN);
  FILE *h = popen(cmd, "r");
  cr_assert_not_null(h);
  cr_assert_eq(fscanf(h, "%64s", hash), 1);
  pclose(h);
  snprintf(tokens, sizeof tokens, "%s/tokens", dir);
  FILE *f = fopen(tokens, "w");
  cr_assert_not_null(f);
  fprintf(f, "author beleid %s\n", hash);
  fclose(f);
  cr_assert_eq(chmod(tokens, 0600), 0);
  const char *extra[] = {"--tokens", tokens, NULL};   /* the default --max-body: 64 KiB */
  ww_test_serve(&srv, extra);

  /* 200 KB of rule text: over --max-body, well under --max-rules-body */
  size_t n = 200000;
  json_t *files = json_object();
  char *text = malloc(n + 1);
  cr_assert_not_null(text);
  memset(text, '-', n);
  text[n] = '\0';
  json_object_set_new(files, "channels.lua", json_string(text));
  free(text);
  json_t *req = json_pack("{s:o}", "files", files);
  char *body = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  ww_http_resp r;
  cr_assert_eq(ww_http_request(srv.port, "POST", "/v1/rules/check",
                               "Authorization: Bearer " RULES_AUTHOR_TOKEN "\r\n"
                               "Content-Type: application/json\r\n", body, &r), 0);
  cr_assert(r.status == 200 || r.status == 422, "status %d: %s", r.status, r.body);
  ww_http_resp_free(&r);
  /* the same body to an advice route is too large */
  cr_assert_eq(ww_http_request(srv.port, "POST", "/v1/advice",
                               "Content-Type: application/json\r\n", body, &r), 0);
  json_t *b = ww_http_json(&r);
  expect_problem(&r, b, 413, "payload_too_large");
  json_decref(b);
  ww_http_resp_free(&r);
  free(body);

  /* without a token: 401 from the headers, nothing of the 1 MB read, the connection ends */
  ww_client *c = ww_client_connect(srv.port);
  ww_client_sends(c, "POST /v1/rules/drafts HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
  cr_assert_eq(ww_client_read(c, &r, 0, 5000), 0);
  cr_assert_eq(r.status, 401, "status %d: %s", r.status, r.body);
  ww_http_resp_free(&r);
  cr_assert_eq(ww_client_wait_closed(c, 5000), 1);
  ww_client_close(c);
  /* with the token, over --max-rules-body: 413 before it is read */
  c = ww_client_connect(srv.port);
  ww_client_sends(c, "POST /v1/rules/drafts HTTP/1.1\r\nHost: x\r\n"
                     "Authorization: Bearer " RULES_AUTHOR_TOKEN "\r\n"
                     "Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n");
  expect_too_large(c);
  healthy(srv.port);
  ww_test_stop(&srv);
  unlink(tokens);
  rmdir(dir);
}

static long rss_kb(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  char *s = ww_read_file(path, NULL);
  if (!s) return -1;
  char *p = strstr(s, "VmRSS:");
  long kb = p ? strtol(p + 6, NULL, 10) : -1;
  free(s);
  return kb;
}

/* A client that pipelines without reading: the server stops reading once its per-
 * connection input and output caps are reached, so what it holds stays bounded (only
 * the kernel's socket buffers fill up), and other clients are served meanwhile. */
Test(limits, pipelining_without_reading_is_bounded) {
  const char *extra[] = {"--workers", "1", NULL};
  ww_test_serve(&srv, extra);
  healthy(srv.port);
  long before = rss_kb(srv.pid);
  cr_assert_gt(before, 0);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  static const char req[] = "GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
  char buf[64 * 1024];
  size_t per = sizeof req - 1, fill = 0;
  while (fill + per <= sizeof buf) memcpy(buf + fill, req, per), fill += per;
  size_t sent = 0, off = 0;
  int stalled = 0, err = 0;
  double end = ww_now_ms() + 5000, last_progress = ww_now_ms();
  const size_t cap = 256u << 20;
  while (ww_now_ms() < end && sent < cap) {
    ssize_t n = send(fd, buf + off, fill - off, MSG_NOSIGNAL);   /* whole requests, cyclic */
    if (n > 0) {
      sent += (size_t)n;
      off = (off + (size_t)n) % fill;
      last_progress = ww_now_ms();
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      err = errno;
      break;
    } else if (ww_now_ms() - last_progress > 1000) {
      stalled = 1;   /* the server stopped reading: the point of the test */
      break;
    } else {
      usleep(1000);
    }
  }
  cr_assert_eq(err, 0, "the server dropped the connection: %s", strerror(err));
  cr_assert(stalled, "the server kept reading (%zu bytes) from a client that reads nothing",
            sent);
  long after = rss_kb(srv.pid);
  cr_assert_lt(sent, (size_t)64 << 20, "the server kept reading %zu bytes from a client that "
                                        "reads nothing", sent);
  cr_assert_lt(after - before, 64 * 1024, "RSS grew by %ld KiB", after - before);
  healthy(srv.port);   /* the same worker still serves others */
  close(fd);
  ww_test_stop(&srv);
}

/* Start the server for a memory measurement. In the sanitizer build freed blocks would
 * wait in ASan's quarantine (256 MB) and count as RSS, so the child runs without one. */
static void serve_for_rss(const char *const *extra) {
  const char *old = getenv("ASAN_OPTIONS");
  char *saved = old ? strdup(old) : NULL;
  char opts[512];
  snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0", saved ? saved : "",
           saved && *saved ? ":" : "");
  setenv("ASAN_OPTIONS", opts, 1);
  ww_test_serve(&srv, extra);
  if (saved) setenv("ASAN_OPTIONS", saved, 1); else unsetenv("ASAN_OPTIONS");
  free(saved);
}

/* How much more memory the server's build takes than a plain one: valgrind's shadow
 * memory, or ASan's redzones and allocator (its libasan shows in the process' maps). */
static long rss_factor(void) {
  if (ww_test_valgrind()) return 3;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)srv.pid);
  char *maps = ww_read_file(path, NULL);
  int asan = maps && strstr(maps, "libasan");
  free(maps);
  return asan ? 2 : 1;
}

/* GET /healthz on a fresh connection: it must answer within 'timeout_ms'; the time taken. */
static double probe_healthz(int timeout_ms) {
  double t0 = ww_now_ms();
  ww_client *c = ww_client_connect(srv.port);
  cr_assert_not_null(c, "no connection for /healthz");
  ww_http_resp r;
  cr_assert_eq(ww_client_sends(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
  cr_assert_eq(ww_client_read(c, &r, 0, timeout_ms), 0,
               "/healthz not answered within %d ms during the flood", timeout_ms);
  cr_assert_eq(r.status, 200);
  ww_http_resp_free(&r);
  ww_client_close(c);
  return ww_now_ms() - t0;
}

/* Many clients that pipeline requests for the 55 KB OpenAPI document and never read the
 * answers: what the server holds for them must stay bounded, and a fresh connection must
 * still get /healthz answered while they sit there. Returns the RSS growth in KiB and in
 * '*closed' how many of the connections the server closed; the flood's figures go to
 * stderr (docs/operations.md quotes them). */
static long pipelining_flood(int nconn, int per_conn, int *closed) {
  static const char req[] = "GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
  size_t per = sizeof req - 1, total = per * (size_t)per_conn;
  char *buf = malloc(total);
  for (int i = 0; i < per_conn; i++) memcpy(buf + (size_t)i * per, req, per);
  int *fd = calloc((size_t)nconn, sizeof *fd);
  size_t *sent = calloc((size_t)nconn, sizeof *sent);
  int timeout_ms = ww_test_valgrind() ? 60000 : 5000;   /* generous: no latency asserted */
  probe_healthz(timeout_ms);
  long before = rss_kb(srv.pid), peak = before;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  for (int i = 0; i < nconn; i++) {
    fd[i] = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(connect(fd[i], (struct sockaddr *)&a, sizeof a), 0, "connect %d", i);
    fcntl(fd[i], F_SETFL, O_NONBLOCK);
  }
  /* send what the server takes, probing /healthz from a fresh connection every 250 ms,
   * until every client is done or stalled for a second (the server stopped reading) */
  double start = ww_now_ms(), last_progress = start, next_probe = start, worst_ms = 0;
  int probes = 0;
  while (ww_now_ms() - last_progress < 1000 && ww_now_ms() - start < 20000) {
    for (int i = 0; i < nconn; i++) {
      if (fd[i] < 0 || sent[i] == total) continue;
      ssize_t n = send(fd[i], buf + sent[i], total - sent[i], MSG_NOSIGNAL);
      if (n > 0) {
        sent[i] += (size_t)n;
        last_progress = ww_now_ms();
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        close(fd[i]);   /* the server closed it: one of the worst offenders */
        fd[i] = -1;
      }
    }
    long now = rss_kb(srv.pid);
    if (now > peak) peak = now;
    if (ww_now_ms() >= next_probe) {
      double d = probe_healthz(timeout_ms);
      if (d > worst_ms) worst_ms = d;
      probes++;
      next_probe = ww_now_ms() + 250;
    } else {
      usleep(2000);
    }
  }
  long after = rss_kb(srv.pid);
  if (after > peak) peak = after;
  size_t all = 0;
  *closed = 0;
  for (int i = 0; i < nconn; i++) {
    all += sent[i];
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (fd[i] < 0 || (getsockopt(fd[i], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
                      ti.tcpi_state != TCP_ESTABLISHED))
      (*closed)++;   /* the server closed it (FIN or reset) */
  }
  fprintf(stderr, "pipelining flood: %d connections x %d requests, %zu KiB sent in %.1f s; "
          "RSS %ld KiB before, peak %ld KiB, %ld KiB after; /healthz worst %.1f ms over %d "
          "probes; %d connections closed by the server\n", nconn, per_conn, all / 1024,
          (ww_now_ms() - start) / 1000, before, peak, after, worst_ms, probes, *closed);
  probe_healthz(timeout_ms);
  for (int i = 0; i < nconn; i++)
    if (fd[i] >= 0) close(fd[i]);
  free(sent);
  free(fd);
  free(buf);
  return peak - before;
}

/* The red team's figures: 100 such clients took RSS from 8 to 483 MiB (each connection
 * could hold 1 MiB unsent, and all it had written but not yet freed), 300 made /healthz
 * take 2.8 s. A connection now holds at most 64 KiB plus one answer before it is paused;
 * the bound here leaves room for malloc's slack and the clients' unparsed requests
 * (64 KiB each), and for valgrind's own memory under WW_VALGRIND. */
Test(limits, many_clients_that_never_read_stay_bounded) {
  serve_for_rss(NULL);
  int closed;
  long grew = pipelining_flood(300, 1500, &closed);
  long bound = rss_factor() * 96 * 1024;
  cr_assert_lt(grew, bound, "RSS grew by %ld KiB with 300 clients that do not read", grew);
  cr_assert_eq(closed, 0, "within the default budget nobody is closed");
  ww_test_stop(&srv);
}

/* With a budget smaller than what 300 paused clients hold (each over 64 KiB), the server
 * closes the connections that hold the most until it is under the budget: about 4 MiB of
 * answers stay, so most of the 300 go (what they held is freed). Each worker closes its
 * own, when one of its connections pauses: a few more may stay than the budget holds. */
Test(limits, output_budget_closes_the_worst_readers) {
  const char *extra[] = {"--max-output-memory", "4194304", NULL};
  serve_for_rss(extra);
  int closed;
  long grew = pipelining_flood(300, 1500, &closed);
  long bound = rss_factor() * 48 * 1024;
  cr_assert_lt(grew, bound, "RSS grew by %ld KiB with a 4 MiB output budget", grew);
  cr_assert_geq(closed, 200, "only %d of 300 closed", closed);
  cr_assert_lt(closed, 300, "all closed: the budget holds more than none");
  cr_assert(ww_proc_wait_log(&srv, "over the output memory budget", 1000));
  ww_test_stop(&srv);
}

/* ---- JSON shape and numbers ---- */

static json_t *advice(int port, const char *body, ww_http_resp *r) {
  return ww_test_post(port, "/v1/advice", body, r);
}

/* "[[...[1]...]]": 'n' arrays (new). */
static char *arrays(int n) {
  char *s = malloc((size_t)n * 2 + 2);
  memset(s, '[', (size_t)n);
  s[n] = '1';
  memset(s + n + 1, ']', (size_t)n);
  s[2 * n + 1] = '\0';
  return s;
}

/* An advice request 'depth' levels deep: the object, then depth-1 arrays in "x" (new). */
static char *nested(int depth) {
  char *a = arrays(depth - 1);
  char *s = malloc(strlen(a) + 64);
  sprintf(s, "{\"service\":\"verhuizing\",\"x\":%s}", a);
  free(a);
  return s;
}

Test(limits, json_nesting_is_limited_before_lua) {
  ww_test_serve(&srv, NULL);
  ww_http_resp r;
  /* depth 16 (the object plus 15 arrays) is fine */
  char *ok = nested(16);
  json_t *b = advice(srv.port, ok, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
  char *deep = nested(17);
  b = advice(srv.port, deep, &r);
  expect_problem(&r, b, 400, "invalid_param");
  char want[128] = "x";
  for (int i = 0; i < 15; i++) strcat(want, "[0]");   /* the array holding the 17th level */
  cr_assert_str_eq(param_name(b), want);
  json_decref(b);
  ww_http_resp_free(&r);
  /* very deep: refused by the body limit of every route, also sessions */
  char *deeper = nested(200);
  b = advice(srv.port, deeper, &r);
  expect_problem(&r, b, 400, "invalid_json");
  cr_assert_not_null(param_name(b));
  json_decref(b);
  ww_http_resp_free(&r);
  char ev[1200], *a = arrays(100);
  snprintf(ev, sizeof ev, "{\"channel\":\"website\",\"type\":\"step\",\"detail\":%s}", a);
  free(a);
  b = ww_test_post(srv.port, "/v1/sessions/0123456789abcdef0123456789abcdef/events", ev, &r);
  expect_problem(&r, b, 400, "invalid_json");
  json_decref(b);
  ww_http_resp_free(&r);
  free(ok);
  free(deep);
  free(deeper);
  healthy(srv.port);
  ww_test_stop(&srv);
}

Test(limits, json_value_count_and_string_size_are_limited) {
  ww_test_serve(&srv, NULL);
  ww_http_resp r;
  /* 1200 array elements */
  char *many = malloc(1200 * 2 + 64);
  strcpy(many, "{\"service\":\"verhuizing\",\"list\":[0");
  for (int i = 1; i < 1200; i++) strcat(many, ",0");
  strcat(many, "]}");
  json_t *b = advice(srv.port, many, &r);
  expect_problem(&r, b, 400, "invalid_param");
  cr_assert_str_eq(param_name(b), "body");
  cr_assert(strstr(r.body, "1000"), "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
  /* a 5000-byte string in an extra field, and a 5000-byte member name */
  char *s = malloc(5200);
  strcpy(s, "{\"service\":\"verhuizing\",\"context\":{\"note\":\"");
  size_t at = strlen(s);
  memset(s + at, 'a', 5000);
  strcpy(s + at + 5000, "\"}}");
  b = advice(srv.port, s, &r);
  expect_problem(&r, b, 400, "invalid_param");
  cr_assert_str_eq(param_name(b), "context.note");
  json_decref(b);
  ww_http_resp_free(&r);
  strcpy(s, "{\"service\":\"verhuizing\",\"");
  at = strlen(s);
  memset(s + at, 'k', 5000);
  strcpy(s + at + 5000, "\":1}");
  b = advice(srv.port, s, &r);
  expect_problem(&r, b, 400, "invalid_param");
  cr_assert(strncmp(param_name(b), "kkkk", 4) == 0 && strlen(param_name(b)) < 80, "%s",
            param_name(b));
  json_decref(b);
  ww_http_resp_free(&r);
  free(s);
  free(many);
  ww_test_stop(&srv);
}

Test(limits, numbers_beyond_2_53_and_non_finite_are_refused) {
  ww_test_serve(&srv, NULL);
  ww_http_resp r;
  struct {
    const char *body;
    const char *code;
    const char *name;   /* expected invalidParams[0].name, or NULL */
  } cases[] = {
      {"{\"service\":\"verhuizing\",\"x\":9007199254740993}", "invalid_json", "x"},
      {"{\"service\":\"verhuizing\",\"x\":-9007199254740993}", "invalid_json", "x"},
      {"{\"service\":\"verhuizing\",\"x\":[1e300]}", "invalid_json", "x[0]"},
      {"{\"service\":\"verhuizing\",\"context\":{\"n\":1e400}}", "invalid_json", NULL},
      {"{\"service\":\"verhuizing\",\"x\":99999999999999999999999}", "invalid_json", NULL},
      {"{\"service\":\"verhuizing\",\"x\":NaN}", "invalid_json", NULL},
      {"{\"service\":\"verhuizing\",\"x\":Infinity}", "invalid_json", NULL},
      {"{\"service\":\"verhuizing\",\"x\":-Infinity}", "invalid_json", NULL},
      {"{\"service\":\"verhuizing\",\"citizen\":{\"age\":1e20}}", "invalid_json", "citizen.age"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *b = advice(srv.port, cases[i].body, &r);
    expect_problem(&r, b, 400, cases[i].code);
    if (cases[i].name) cr_assert_str_eq(param_name(b), cases[i].name, "%s", cases[i].body);
    json_decref(b);
    ww_http_resp_free(&r);
  }
  /* exactly 2^53 is still exact: accepted */
  json_t *b = advice(srv.port, "{\"service\":\"verhuizing\",\"x\":9007199254740992,\"y\":-1.5}", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
  ww_test_stop(&srv);
}

/* ---- the rules' budgets and faults ---- */

static json_int_t metric(int port, const char *line_start) {
  ww_http_resp r;
  cr_assert_eq(ww_http_request(port, "GET", "/metrics", NULL, NULL, &r), 0);
  cr_assert_eq(r.status, 200);
  char *want = NULL;
  cr_assert_gt(asprintf(&want, "\n%s", line_start), 0);   /* a sample line, not # HELP */
  const char *p = strstr(r.body, want);
  json_int_t v = p ? (json_int_t)strtoll(p + strlen(want), NULL, 10) : -1;
  free(want);
  ww_http_resp_free(&r);
  return v;
}

static void expect_degraded(int port, const char *intent, int degraded) {
  char body[256];
  snprintf(body, sizeof body,
           "{\"service\":\"uittreksel_brp\",\"context\":{\"intent\":\"%s\","
           "\"time\":\"2026-12-01T10:15:00+01:00\"}}", intent);
  ww_http_resp r;
  double t0 = ww_now_ms();
  /* under valgrind a budget's worth of instructions takes seconds: wait longer */
  int slow = ww_test_valgrind();
  ww_client *c = ww_client_connect(port);
  cr_assert_not_null(c);
  char head[200];
  snprintf(head, sizeof head, "POST /v1/advice HTTP/1.1\r\nHost: x\r\nContent-Type: "
           "application/json\r\nContent-Length: %zu\r\n\r\n", strlen(body));
  cr_assert_eq(ww_client_sends(c, head), 0);
  cr_assert_eq(ww_client_sends(c, body), 0);
  cr_assert_eq(ww_client_read(c, &r, 0, slow ? 120000 : 10000), 0, "%s: no answer", intent);
  ww_client_close(c);
  json_t *b = ww_http_json(&r);
  cr_assert_eq(r.status, 200, "%s: %d %s", intent, r.status, r.body);
  cr_assert_eq(json_is_true(json_object_get(b, "degraded")), degraded, "%s: %s", intent, r.body);
  cr_assert_gt(json_array_size(json_object_get(b, "channels")), 0, "%s: %s", intent, r.body);
  if (!slow)
    cr_assert_lt(ww_now_ms() - t0, 4000.0, "%s took %.0f ms", intent, ww_now_ms() - t0);
  json_decref(b);
  ww_http_resp_free(&r);
}

Test(limits, lua_instruction_and_memory_budgets_over_http) {
  /* the budget and the memory cap decide here, not the time limit (ops-watchdog tests it) */
  const char *extra[] = {"--rules", fixture("hostile"), "--workers", "1",
                         "--decision-timeout", "60000", NULL};
  ww_test_serve(&srv, extra);
  expect_degraded(srv.port, "none", 0);
  for (int i = 0; i < 3; i++) {
    expect_degraded(srv.port, "loop", 1);     /* instruction budget, pcall cannot hide it */
    expect_degraded(srv.port, "none", 0);     /* the next request is fine */
    expect_degraded(srv.port, "alloc", 1);    /* memory cap of the Lua state */
    expect_degraded(srv.port, "none", 0);
  }
  healthy(srv.port);
  /* counted by kind: three budget hits, three memory-cap hits */
  cr_assert_eq(metric(srv.port, "wegwijzer_rule_errors_total{kind=\"budget\"} "), 3);
  cr_assert_eq(metric(srv.port, "wegwijzer_rule_errors_total{kind=\"memory\"} "), 3);
  /* the memory went back: the Lua state was collected after the failures */
  ww_test_stop(&srv);
}

Test(limits, rule_set_that_always_throws_gives_fallback) {
  const char *extra[] = {"--rules", fixture("throws"), NULL};
  ww_test_serve(&srv, extra);
  ww_http_resp r;
  for (int i = 0; i < 10; i++) {
    /* a Tuesday morning: the phone is open (a closed one would come after the website) */
    json_t *b = advice(srv.port, "{\"service\":\"uittreksel_brp\",\"explain\":true,"
                                 "\"context\":{\"time\":\"2026-12-01T10:00:00+01:00\"}}", &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(json_is_true(json_object_get(b, "degraded")), "%s", r.body);
    /* the fallback { channels = { "telefoon", "website" } } */
    json_t *ch = json_object_get(b, "channels");
    cr_assert_eq(json_array_size(ch), 2, "%s", r.body);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ch, 0), "id")), "telefoon");
    json_decref(b);
    ww_http_resp_free(&r);
    b = ww_test_post(srv.port, "/v1/route", "{\"service\":\"uittreksel_brp\"}", &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "target"), "id")),
                     "telefoon", "%s", r.body);
    json_decref(b);
    ww_http_resp_free(&r);
  }
  healthy(srv.port);
  json_t *b = ww_test_get(srv.port, "/readyz", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
  cr_assert_geq(metric(srv.port, "wegwijzer_rule_errors_total{kind=\"runtime\"} "), 20);
  cr_assert_geq(metric(srv.port, "wegwijzer_degraded_total "), 20);
  cr_assert(ww_proc_wait_log(&srv, "deze regel faalt altijd", 5000), "failure not logged");
  ww_test_stop(&srv);
}

/* ---- handover claims ---- */

Test(limits, failed_handover_claims_are_rate_limited_on_the_embedded_store) {
  ww_test_serve(&srv, NULL);
  ww_http_resp r;
  /* a real code, to show that even a right guess is refused once limited */
  json_t *s = ww_test_post(srv.port, "/v1/sessions", "{\"service\":\"verhuizing\",\"channel\":\"website\"}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  char path[128];
  snprintf(path, sizeof path, "/v1/sessions/%s/handover",
           json_string_value(json_object_get(json_object_get(s, "session"), "id")));
  ww_http_resp_free(&r);
  json_t *h = ww_test_post(srv.port, path, "{}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  const char *code = json_string_value(json_object_get(h, "code"));
  cr_assert_not_null(code);
  ww_http_resp_free(&r);
  int limited_at = -1, guess = 0;
  for (int i = 0; i < 15 && limited_at < 0; i++, guess++) {
    if (guess == atoi(code)) guess++;   /* wrong guesses only */
    char body[96];
    snprintf(body, sizeof body, "{\"code\":\"%06d\",\"channel\":\"telefoon\"}", guess);
    json_t *b = ww_test_post(srv.port, "/v1/handover/claim", body, &r);
    if (r.status == 429) {
      limited_at = i;
      expect_problem(&r, b, 429, "rate_limited");
      cr_assert_not_null(ww_http_header(&r, "Retry-After"));
      cr_assert_gt(atoi(ww_http_header(&r, "Retry-After")), 0);
    } else {
      expect_problem(&r, b, 404, "not_found");
    }
    json_decref(b);
    ww_http_resp_free(&r);
  }
  cr_assert_eq(limited_at, 10, "limited after %d failures (want 10)", limited_at);
  char body[96];
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
  json_t *b = ww_test_post(srv.port, "/v1/handover/claim", body, &r);
  expect_problem(&r, b, 429, "rate_limited");
  json_decref(b);
  ww_http_resp_free(&r);
  json_decref(h);
  json_decref(s);
  ww_test_stop(&srv);
}

/* ---- shutdown ---- */

Test(limits, sigterm_with_requests_in_flight_answers_them_and_exits_zero) {
  const char *extra[] = {"--rules", fixture("hostile"), "--workers", "2", NULL};
  ww_test_serve(&srv, extra);
  enum { NC = 4, NP = 4 };
  /* slow requests (a whole instruction budget each); under valgrind, whose slowness would
   * outlast the 5 s grace, ordinary ones: still several in flight at SIGTERM */
  int slow = ww_test_valgrind();
  char body[128];
  snprintf(body, sizeof body, "{\"service\":\"uittreksel_brp\",\"context\":{\"intent\":\"%s\"}}",
           slow ? "none" : "loop");
  int wait_ms = slow ? 120000 : 30000;
  char req[512];
  int n = snprintf(req, sizeof req,
                   "POST /v1/advice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
  char pipe[sizeof req * NP];
  for (int i = 0; i < NP; i++) memcpy(pipe + i * n, req, (size_t)n);
  ww_client *c[NC];
  for (int i = 0; i < NC; i++) {
    c[i] = ww_client_connect(srv.port);
    cr_assert_not_null(c[i]);
    cr_assert_eq(ww_client_send(c[i], pipe, (size_t)n * NP), 0);
  }
  /* the first answer on connection 0 shows its pipeline is being worked through */
  ww_http_resp r;
  cr_assert_eq(ww_client_read(c[0], &r, 0, wait_ms), 0);
  cr_assert_eq(r.status, 200);
  ww_http_resp_free(&r);
  cr_assert_eq(kill(srv.pid, SIGTERM), 0);
  int answered = 1;
  for (int i = 0; i < NC; i++) {
    for (int k = i == 0 ? 1 : 0; k < NP; k++) {
      if (ww_client_read(c[i], &r, 0, wait_ms) != 0) break;   /* closed: not yet started */
      cr_assert_eq(r.status, 200, "conn %d answer %d: %d", i, k, r.status);
      answered++;
      ww_http_resp_free(&r);
    }
  }
  /* the requests connection 0 had sent were in flight (buffered, being parsed) */
  cr_assert_geq(answered, NP, "only %d answered", answered);
  int st = ww_proc_stop(&srv, 0, wait_ms);
  cr_assert_eq(st, 0, "exit status %d", st);
  for (int i = 0; i < NC; i++) ww_client_close(c[i]);
  ww_proc_cleanup(&srv);
}
