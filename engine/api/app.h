/* The application: what the HTTP handlers share. One ww_app per process (read-only once
 * the server runs, except where said), one ww_app_worker per worker thread. */
#ifndef WW_APP_H
#define WW_APP_H

#include <stdatomic.h>
#include <stddef.h>
#include <uv.h>

#include "auth/auth.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "wegwijzer/wegwijzer.h"

struct ww_store;          /* engine/store/store.h */
struct ww_memstore;       /* the embedded store, shared by all workers */

typedef struct ww_app {
  const ww_config *cfg;            /* borrowed */
  unsigned char secret[256];       /* citizenRef key (from --secret-file or random) */
  size_t secret_len;
  struct ww_memstore *memstore;    /* owned; NULL when --redis is given */
  ww_auth *auth;                   /* owned; NULL without --tokens */
  int listen_loopback;             /* 1 when --listen is a loopback address */
  ww_metrics_registry *metrics;    /* owned */
  /* The rule set as checked at start (or last reload): for GET /v1/rules. */
  char loaded_at[32];
  char rules_version[16];
  int tests_passed, tests_failed;
} ww_app;

typedef struct ww_app_worker {
  ww_app *app;                     /* borrowed */
  uv_loop_t *loop;                 /* borrowed: the worker's loop */
  int index;
  ww_rules *rules;                 /* owned: this worker's Lua state */
  struct ww_store *store;          /* owned: this worker's store handle */
  ww_metrics *metrics;             /* borrowed: this worker's block of app->metrics */
} ww_app_worker;

#endif
