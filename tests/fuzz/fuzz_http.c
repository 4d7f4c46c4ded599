/* Fuzz target (a): raw bytes into one HTTP connection of the real application -- the
 * parser, router and every handler of engine/api with the bundled rule set and the
 * embedded store -- through the socket-less connection (ww__conn_feed), no sockets.
 *
 * The input is split at the first "\n~~\n" (if any) into two reads, so partial reads and
 * pipelining are covered too. Set up once; each input gets a fresh connection, closed at
 * the end. The bytes written back must look like HTTP/1.1 responses. */
#define _GNU_SOURCE   /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "config/config.h"
#include "log/log.h"
#include "server/internal.h"

static uv_loop_t loop;
static ww_config cfg;
static ww_app app;
static ww_server *srv;
static ww__worker *wk;
static size_t out_len;
static char out_head[16];
static int closed;

static void sink_write(void *ud, const char *data, size_t len) {
  (void)ud;
  for (size_t i = 0; i < len && out_len + i < sizeof out_head; i++) out_head[out_len + i] = data[i];
  out_len += len;
}

static void sink_close(void *ud) {
  (void)ud;
  closed = 1;
}

static void setup(void) {
  static char rules[1200];
  snprintf(rules, sizeof rules, "%s/rules", WW_FUZZ_SOURCE_ROOT);
  /* a small store bound: the store fills within a run, so its 503 paths are reached and
   * the fuzzer's RSS stays bounded (the rate limits stay at their defaults) */
  char *argv[] = {"serve", "--rules", rules, "--workers", "1", "--listen", "127.0.0.1:1",
                  "--memory-store-max", "16777216", NULL};
  ww_log_set_level(WW_LOG_ERROR);
  if (ww_config_parse(&cfg, 9, argv) != 0 || ww_app_init(&app, &cfg) != 0) abort();
  size_t n;
  const ww_route *routes = ww_api_routes(&n);
  ww_server_opts o = {
    .workers = 1,
    .routes = routes,
    .nroutes = n,
    .app = &app,
    .on_complete = ww_app_on_complete,
    .authorize = ww_api_authorize,
    .max_body = cfg.max_body,
  };
  char err[256];
  if (uv_loop_init(&loop) != 0) abort();
  srv = ww__server_new(&o, err, sizeof err);
  if (srv == NULL) abort();
  wk = ww__worker_attach(srv, 0, &loop);
  wk->state = ww_app_worker_init(&app, &loop, 0);
  if (wk->state == NULL || ((ww_app_worker *)wk->state)->rules == NULL) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    setup();
    ready = 1;
  }
  out_len = 0;
  closed = 0;
  ww__sink s = {sink_write, sink_close, NULL};
  ww_conn *c = ww__conn_new_sink(wk, &s);
  if (c == NULL) abort();
  const char *d = (const char *)data;
  const char *cut = size >= 4 ? memmem(d, size, "\n~~\n", 4) : NULL;
  if (cut) {
    size_t a = (size_t)(cut - d) + 1;
    ww__conn_feed(c, d, a);
    uv_run(&loop, UV_RUN_NOWAIT);
    if (!closed) ww__conn_feed(c, cut + 4, size - a - 3);
  } else {
    ww__conn_feed(c, d, size);
  }
  uv_run(&loop, UV_RUN_NOWAIT);
  if (out_len > 0 && memcmp(out_head, "HTTP/1.1 ", out_len < 9 ? out_len : 9) != 0) abort();
  if (!closed) ww__conn_close(c);
  /* the close callbacks free the connection (the store's sweep timer is unref'd) */
  for (int i = 0; i < 8 && wk->nconns > 0; i++) uv_run(&loop, UV_RUN_NOWAIT);
  if (wk->nconns != 0) abort();   /* a handler never answered */
  return 0;
}
