/* A tiny server on ww_server_run with test routes, for the HTTP integration tests.
 *
 *   test_server [--host H] [--port N] [--workers N] [--max-body N]
 *               [--header-timeout MS] [--idle-timeout MS] [--grace MS] [--cors ORIGIN]...
 *
 * Routes: GET /healthz, POST /echo (JSON body back), POST /echo-raw (bytes back),
 * GET|PUT /items/{id}, GET /items/{id}/parts/{part}, GET /slow?ms=N (answers after N ms
 * from a uv_timer: an async handler), GET /big?n=N (N bytes), GET /count (requests
 * completed by this worker), POST /private (as /echo-raw, behind the access check: it
 * wants "Authorization: Bearer let-me-in", else 401), GET /block?ms=N (holds its worker's
 * thread for N ms without returning to the loop, as a stuck rule would). Prints
 * "listening on HOST:PORT" and "reload" (SIGHUP) on stderr. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

typedef struct slow slow;

typedef struct worker {
  uv_loop_t *loop;
  int index;
  unsigned long completed;
  slow *slows;               /* pending /slow requests, answered by fini at shutdown */
} worker;

static atomic_int slow_started;

static void *w_init(void *app, uv_loop_t *loop, int index) {
  (void)app;
  worker *w = calloc(1, sizeof *w);
  if (!w) abort();
  w->loop = loop;
  w->index = index;
  return w;
}

static void slow_answer(slow *s);

/* The loop stopped: answer what is still pending (the server then only frees it). */
static void w_fini(void *app, void *state) {
  (void)app;
  worker *w = state;
  while (w->slows) slow_answer(w->slows);
  free(w);
}

static void on_complete(void *state, const ww_req *req, int status, double seconds) {
  (void)req;
  (void)status;
  (void)seconds;
  ((worker *)state)->completed++;
}

static void h_healthz(ww_req *req) {
  ww_respond_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static void h_echo(ww_req *req) {
  json_t *j = ww_req_json(req);
  if (j) ww_respond_json(req, 200, j);
}

static void h_echo_raw(ww_req *req) {
  size_t len;
  const char *b = ww_req_body(req, &len);
  const char *ct = ww_req_header(req, "Content-Type");
  ww_respond_raw(req, 200, ct ? ct : "application/octet-stream", b, len);
}

/* The access check of gated routes: one fixed token. */
static int authorize(ww_req *req, int gate) {
  (void)gate;
  const char *a = ww_req_header(req, "Authorization");
  if (a && strcmp(a, "Bearer let-me-in") == 0) return 1;
  ww_req_add_header(req, "WWW-Authenticate", "Bearer");
  ww_respond_problem(req, 401, "unauthorized", "send Authorization: Bearer let-me-in", NULL,
                     NULL);
  return 0;
}

static void h_item(ww_req *req) {
  ww_respond_json(req, 200,
                  json_pack("{s:s,s:s,s:s,s:s}", "id", ww_req_param(req, "id"), "query",
                            ww_req_query(req), "method", ww_req_method(req), "route",
                            ww_req_route(req)));
}

static void h_part(ww_req *req) {
  ww_respond_json(req, 200, json_pack("{s:s,s:s}", "id", ww_req_param(req, "id"), "part",
                                      ww_req_param(req, "part")));
}

static long query_num(const ww_req *req, const char *key) {
  const char *q = ww_req_query(req);
  size_t kl = strlen(key);
  while (q && *q) {
    if (strncmp(q, key, kl) == 0 && q[kl] == '=') return strtol(q + kl + 1, NULL, 10);
    q = strchr(q, '&');
    if (q) q++;
  }
  return 0;
}

struct slow {
  uv_timer_t timer;
  ww_req *req;
  long ms;
  worker *w;
  slow *prev, *next;
};

static void slow_closed(uv_handle_t *h) { free(h->data); }

static void slow_answer(slow *s) {
  if (s->prev) s->prev->next = s->next; else s->w->slows = s->next;
  if (s->next) s->next->prev = s->prev;
  /* when the client left, this only frees the request */
  ww_respond_json(s->req, 200, json_pack("{s:i,s:b}", "slept", (json_int_t)s->ms, "gone",
                                         ww_req_gone(s->req)));
  uv_close((uv_handle_t *)&s->timer, slow_closed);
}

static void slow_fire(uv_timer_t *t) { slow_answer(t->data); }

static void h_slow(ww_req *req) {
  worker *w = ww_req_app(req);
  slow *s = calloc(1, sizeof *s);
  if (!s) {
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  s->req = req;
  s->ms = query_num(req, "ms");
  s->w = w;
  s->next = w->slows;
  if (w->slows) w->slows->prev = s;
  w->slows = s;
  fprintf(stderr, "slow start %d\n", atomic_fetch_add(&slow_started, 1) + 1);
  uv_timer_init(w->loop, &s->timer);
  s->timer.data = s;
  uv_timer_start(&s->timer, slow_fire, (uint64_t)(s->ms > 0 ? s->ms : 0), 0);
}

static void h_big(ww_req *req) {
  long n = query_num(req, "n");
  if (n < 0 || n > 64L * 1024 * 1024) n = 0;
  char *b = malloc((size_t)n + 1);
  if (!b) {
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  for (long i = 0; i < n; i++) b[i] = (char)('a' + i % 26);
  ww_respond_raw(req, 200, "text/plain", b, (size_t)n);
  free(b);
}

static void h_block(ww_req *req) {
  long ms = query_num(req, "ms");
  fprintf(stderr, "block start\n");
  uv_sleep((unsigned)(ms > 0 ? ms : 0));
  ww_respond_json(req, 200, json_pack("{s:i}", "blocked", (json_int_t)ms));
}

static void h_count(ww_req *req) {
  worker *w = ww_req_app(req);
  ww_respond_json(req, 200, json_pack("{s:i,s:i}", "worker", ww_req_worker(req), "completed",
                                      (json_int_t)w->completed));
}

static void on_listening(void *app, const char *host, int port) {
  (void)app;
  fprintf(stderr, "listening on %s:%d\n", host, port);
}

static void on_reload(void *app) {
  (void)app;
  fprintf(stderr, "reload\n");
}

int main(int argc, char **argv) {
  static const ww_route routes[] = {
    {"GET", "/healthz", h_healthz, 0, 0},
    {"POST", "/echo", h_echo, 0, 0},
    {"POST", "/echo-raw", h_echo_raw, 0, 0},
    {"GET", "/items/{id}", h_item, 0, 0},
    {"PUT", "/items/{id}", h_item, 0, 0},
    {"GET", "/items/{id}/parts/{part}", h_part, 0, 0},
    {"GET", "/slow", h_slow, 0, 0},
    {"GET", "/big", h_big, 0, 0},
    {"GET", "/count", h_count, 0, 0},
    {"POST", "/private", h_echo_raw, 1, 0},
    {"GET", "/block", h_block, 0, 0},
  };
  const char *cors[17] = {0};
  int ncors = 0;
  ww_server_opts o = {
    .host = "127.0.0.1",
    .workers = 2,
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .worker_init = w_init,
    .worker_fini = w_fini,
    .on_listening = on_listening,
    .on_reload = on_reload,
    .on_complete = on_complete,
    .authorize = authorize,
    .cors_origins = cors,
  };
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (strcmp(k, "--host") == 0) o.host = v;
    else if (strcmp(k, "--port") == 0) o.port = atoi(v);
    else if (strcmp(k, "--workers") == 0) o.workers = atoi(v);
    else if (strcmp(k, "--max-body") == 0) o.max_body = (size_t)strtoul(v, NULL, 10);
    else if (strcmp(k, "--header-timeout") == 0) o.header_timeout_ms = (unsigned)atoi(v);
    else if (strcmp(k, "--idle-timeout") == 0) o.idle_timeout_ms = (unsigned)atoi(v);
    else if (strcmp(k, "--grace") == 0) o.shutdown_grace_ms = (unsigned)atoi(v);
    else if (strcmp(k, "--cors") == 0 && ncors < 16) cors[ncors++] = v;
    else {
      fprintf(stderr, "test_server: unknown option %s\n", k);
      return 2;
    }
  }
  int rc = ww_server_run(&o);
  fprintf(stderr, "exit %d\n", rc);
  return rc == 0 ? 0 : 1;
}
