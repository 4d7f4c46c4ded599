/* Application lifecycle: the process-wide state and each worker's own state. */
#include "api/app.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/history.h"
#include "api/shadow.h"
#include "log/log.h"
#include "session/session.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/owner.h"
#include "util/ratelimit.h"

/* Read the citizenRef key. The file must be private to its owner (0600 or 0400): the
 * key is what keeps citizenRef from being reversed by trying every BSN. */
static int read_secret(ww_app *app, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ww_logf(WW_LOG_ERROR, "cannot open --secret-file %s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ww_logf(WW_LOG_ERROR, "--secret-file %s is not a regular file", path);
    close(fd);
    return -1;
  }
  char owner[300];
  if (ww_file_owner_check(&st, path, owner, sizeof owner) != 0) {
    ww_logf(WW_LOG_ERROR, "--secret-file %s: %s", path, owner);
    close(fd);
    return -1;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    ww_logf(WW_LOG_ERROR,
            "--secret-file %s is readable by group or others (mode %03o); run: chmod 600 %s",
            path, (unsigned)(st.st_mode & 0777), path);
    close(fd);
    return -1;
  }
  ssize_t n = read(fd, app->secret, sizeof app->secret);
  close(fd);
  if (n < 0) {
    ww_logf(WW_LOG_ERROR, "cannot read --secret-file %s: %s", path, strerror(errno));
    return -1;
  }
  if (n > 0 && app->secret[n - 1] == '\n') n--;   /* one trailing newline dropped */
  if (n < 16) {
    ww_logf(WW_LOG_ERROR, "--secret-file %s holds %zd bytes; use at least 16 random bytes "
            "(e.g. head -c 32 /dev/urandom | base64 > %s)", path, n, path);
    return -1;
  }
  app->secret_len = (size_t)n;
  return 0;
}

/* On failure the caller (ww_app_init) cleans up. */
static int app_setup(ww_app *app, const ww_config *cfg) {
  app->listen_loopback = ww_auth_is_loopback(cfg->listen_host);
  ww_limits limits = {0};
  limits.decision_timeout_ms = (unsigned)cfg->decision_timeout_ms;
  limits.load_timeout_ms = (unsigned)cfg->load_timeout_ms;
  limits.strict = cfg->strict_rules;
  if (ww_reload_init(&app->rules, cfg->rules_dir, cfg->workers, &limits, cfg->watch) != 0)
    return -1;
  ww_reload_set_gate(&app->rules, cfg->min_coverage, cfg->exhaustive,
                     (unsigned)cfg->exhaustive_budget_ms);
  if (ww_history_init(app) != 0) return -1;
  app->rules.decision_cache = (size_t)cfg->decision_cache;
  ww_app_status_init(app);
  app->store_ready = calloc((size_t)cfg->workers, sizeof *app->store_ready);
  if (app->store_ready == NULL) return -1;
  pthread_mutex_init(&app->tokens_lock, NULL);
  if (ww_app_tokens_init(app) != 0) return -1;
  if (!cfg->tokens_file[0] && !app->listen_loopback) {
    ww_logf(WW_LOG_WARN, "no --tokens file and listening on %s (not loopback): every API "
            "route except health and metrics answers 401", cfg->listen_host);
  }
  app->metrics = ww_metrics_registry_new(cfg->workers);
  if (app->metrics == NULL) return -1;
  if (ww_shadow_init(app) != 0) return -1;   /* after the metrics: it counts in block 0 */
  app->on_rules_message = ww_shadow_look;
  /* Bursts of 10 s worth. The address tables are big enough for every client a real
   * municipality has at once; the token tables are separate, so a flood from many
   * addresses never pushes a token's bucket out. */
  const int rates[WW_LIMIT_KINDS] = {cfg->session_rate, cfg->event_rate, cfg->handover_rate};
  for (int k = 0; k < WW_LIMIT_KINDS; k++) {
    if (rates[k] <= 0) continue;
    app->rate_limits[k][0] = ww_ratelimit_new(rates[k], 10.0 * rates[k], 4096);
    app->rate_limits[k][1] = ww_ratelimit_new(rates[k], 10.0 * rates[k], 256);
    if (app->rate_limits[k][0] == NULL || app->rate_limits[k][1] == NULL) return -1;
  }
  if (!cfg->redis_url[0] && !cfg->sentinels[0]) {
    app->memstore = ww_memstore_new();
    if (app->memstore == NULL) return -1;
    /* the embedded store is always reachable, also before a worker has started */
    for (int i = 0; i < cfg->workers; i++) atomic_store(&app->store_ready[i], 1);
  }
  if (cfg->secret_file[0]) {
    if (read_secret(app, cfg->secret_file) != 0) return -1;
  } else {
    if (ww_random_bytes(app->secret, 32) != 0) return -1;
    app->secret_len = 32;
    ww_log(WW_LOG_WARN,
           "no --secret-file: using a random citizenRef key for this process; citizenRef "
           "values will differ between instances and restarts",
           NULL);
  }
  return 0;
}

int ww_app_init(ww_app *app, const ww_config *cfg) {
  memset(app, 0, sizeof *app);
  app->cfg = cfg;
  if (app_setup(app, cfg) != 0) {
    ww_app_close(app);
    return -1;
  }
  return 0;
}

void ww_app_close(ww_app *app) {
  if (app->cfg == NULL) return;   /* closed already */
  ww_reload_close(&app->rules);
  ww_shadow_close(app);   /* its thread reads the history */
  ww_history_close(app);
  memset(app->secret, 0, sizeof app->secret);
  ww_app_tokens_close(app);
  ww_metrics_registry_free(app->metrics);
  app->metrics = NULL;
  for (int k = 0; k < WW_LIMIT_KINDS; k++) {
    ww_ratelimit_free(app->rate_limits[k][0]);
    ww_ratelimit_free(app->rate_limits[k][1]);
    app->rate_limits[k][0] = app->rate_limits[k][1] = NULL;
  }
  ww_memstore_free(app->memstore);
  app->memstore = NULL;
  free(app->store_ready);
  app->store_ready = NULL;
  ww_app_status_fini(app);
  pthread_mutex_destroy(&app->tokens_lock);
  app->cfg = NULL;
}

static void publish_ready(uv_timer_t *t) {
  ww_app_worker *w = t->data;
  atomic_store_explicit(&w->app->store_ready[w->index], w->store && ww_store_ready(w->store),
                        memory_order_relaxed);
}

void ww_app_publish_ready(ww_app_worker *w) { publish_ready(&w->ready_timer); }

int ww_app_stores_ready(const ww_app *app) {
  for (int i = 0; i < app->cfg->workers; i++)
    if (!atomic_load_explicit(&app->store_ready[i], memory_order_relaxed)) return 0;
  return 1;
}

void *ww_app_worker_init(void *appv, uv_loop_t *loop, int worker_index) {
  ww_app *app = appv;
  ww_app_worker *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->app = app;
  w->loop = loop;
  w->index = worker_index;
  w->metrics = ww_metrics_worker(app->metrics, worker_index);
  w->current = ww_reload_first(&app->rules, worker_index, &w->generation);
  w->rules = w->current ? w->current->rules : NULL;
  ww_store_opts so = {0};
  so.session_ttl = app->cfg->session_ttl;
  so.handover_ttl = app->cfg->handover_ttl;
  so.decision_log_maxlen = app->cfg->decision_log_maxlen;
  so.decision_log_days = app->cfg->decision_log_days;
  so.claim_fail_limit = app->cfg->claim_fail_limit;
  so.claim_fail_shared_limit = app->cfg->claim_fail_shared_limit;
  so.claim_fail_window = app->cfg->claim_fail_window;
  so.memory_max = app->cfg->memory_store_max;
  so.handover_max_live = app->cfg->handover_max_live;
  if (app->memstore)
    w->store = ww_store_memory_open(app->memstore, loop, &so);
  else if (app->cfg->sentinels[0])
    w->store = ww_store_sentinel_open(loop, app->cfg->sentinels, app->cfg->redis_master,
                                      app->cfg->redis_url, &so);
  else
    w->store = ww_store_redis_open(loop, app->cfg->redis_url, &so);
  if (w->store == NULL)
    ww_logf(WW_LOG_ERROR, "worker %d: cannot open the store (check --redis)", worker_index);
  uv_timer_init(loop, &w->ready_timer);
  w->ready_timer.data = w;
  publish_ready(&w->ready_timer);
  uv_timer_start(&w->ready_timer, publish_ready, 100, 100);
  uv_unref((uv_handle_t *)&w->ready_timer);   /* never keeps the loop alive by itself */
  ww_history_worker_init(w);
  return w;
}

void ww_app_worker_fini(void *appv, void *state) {
  (void)appv;
  ww_app_worker *w = state;
  if (w == NULL) return;
  uv_close((uv_handle_t *)&w->ready_timer, NULL);
  ww_history_worker_fini(w);
  if (w->store) ww_store_close(w->store);
  /* Let the timer and the store's handles finish closing; bounded, as the server may keep
   * handles of its own on this loop. Close callbacks need no I/O: NOWAIT rounds suffice. */
  for (int i = 0; i < 64 && uv_run(w->loop, UV_RUN_NOWAIT) != 0; i++) {
  }
  ww_ruleset_release(w->current);
  ww_app_worker_status_fini(w);
  ww_app_tokens_worker_fini(w);
  free(w);
}

void ww_app_sync_store_metrics(ww_app_worker *w) {
  if (w->store == NULL || w->metrics == NULL) return;
  ww_store_stats st;
  ww_store_get_stats(w->store, &st);
  unsigned long errors = st.errors + st.log_errors;
  for (; w->seen_store_errors < errors; w->seen_store_errors++)
    ww_metrics_store_error(w->metrics);
  for (; w->seen_store_reconnects < st.reconnects; w->seen_store_reconnects++)
    ww_metrics_store_reconnect(w->metrics);
}

void ww_app_on_complete(void *state, const ww_req *req, int status, double seconds) {
  ww_app_worker *w = state;
  const char *route = ww_req_route(req);
  if (w) publish_ready(&w->ready_timer);   /* fresher than the timer on a busy worker */
  if (w && w->metrics) {
    ww_metrics_request(w->metrics, route, ww_req_method(req), status, seconds);
    ww_app_sync_store_metrics(w);
  }
  /* Nothing is built for the request line unless it is written (--log-level warn). */
  if (!ww_log_enabled(WW_LOG_INFO)) return;
  const ww_app_log_note *note = ww_req_note(req);
  const char *version = note ? note->rules_version : w && w->rules ? ww_rules_version(w->rules) : NULL;
  const char *advice_id = note && note->advice_id && note->advice_id[0] ? note->advice_id : NULL;
  /* Only the method, route pattern, status and engine-made ids: never the path (it may
   * hold a session id), a header or the body. */
  ww_log(WW_LOG_INFO, "request",
         json_pack("{s:s, s:s, s:i, s:f, s:s*, s:s*}", "method", ww_req_method(req), "route",
                   route ? route : "unmatched", "status", status, "durationMs",
                   seconds * 1000.0, "adviceId", advice_id, "rulesVersion", version));
}

void ww_app_rules_refresh(ww_app_worker *w) {
  if (ww_reload_adopt(&w->app->rules, w->index, &w->generation, &w->current))
    w->rules = w->current->rules;
}

ww_ruleset *ww_app_rules_acquire(ww_app_worker *w) {
  ww_app_rules_refresh(w);
  if (w->current) w->current->refs++;
  return w->current;
}

void ww_app_on_reload(void *appv) {
  ww_app *app = appv;
  ww_app_tokens_reload(app);   /* whatever the rules do: a new token needs no new rules */
  ww_reload_in_background(&app->rules);
}

void ww_app_client_addr(ww_req *req, char out[WW_APP_CLIENT_KEY_MAX]) {
  const char *peer = ww_req_peer(req);
  struct in6_addr a6;
  char buf[INET6_ADDRSTRLEN];
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (peer && inet_pton(AF_INET6, peer, &a6) == 1 && memcmp(a6.s6_addr, mapped, 12) != 0) {
    memset(a6.s6_addr + 8, 0, 8);
    if (inet_ntop(AF_INET6, &a6, buf, sizeof buf)) {
      snprintf(out, WW_APP_CLIENT_KEY_MAX, "%s/64", buf);
      return;
    }
  }
  snprintf(out, WW_APP_CLIENT_KEY_MAX, "%s", peer ? peer : "");
}

void ww_app_log_handover(ww_app_worker *w, const char *kind, const json_t *obj) {
  if (w == NULL || w->store == NULL || !ww_store_decision_log_on(w->store)) return;
  const json_t *sid = json_object_get(obj, "sessionId");
  if (sid == NULL) sid = json_object_get(obj, "id");
  const json_t *events = json_object_get(obj, "events");
  const json_t *last = json_array_get(events, json_array_size(events) - 1);
  json_t *fields = json_pack("{s:s, s:O?, s:O?, s:O?}", "kind", kind, "sessionId", sid,
                             "service", json_object_get(obj, "service"), "channel",
                             json_object_get(last, "channel"));
  if (fields == NULL) return;
  ww_store_decision_log(w->store, fields);
  json_decref(fields);
}

const char *ww_app_caller_key(const ww_app *app, const json_t *v, char key[65]) {
  key[0] = '\0';
  if (v == NULL || json_is_null(v)) return NULL;
  const char *s = json_string_value(v);
  size_t n = s ? json_string_length(v) : 0;
  if (n == 0 || n > 128) return "must be a string of 1 to 128 characters";
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
      return "must be printable ASCII without spaces (a hash or call id)";
  char msg[160];
  int len = snprintf(msg, sizeof msg, "callerRef:%s", s);
  ww_hmac_sha256_hex(app->secret, app->secret_len, msg, (size_t)len, key);
  return NULL;
}

int ww_app_known_ids(ww_req *req, const json_t *body, const char *const *keys, int service) {
  ww_app_worker *w = ww_req_app(req);
  if (w == NULL || w->rules == NULL) return 1;
  json_t *bad = NULL;
  const char *id = service ? json_string_value(json_object_get(body, "service")) : NULL;
  int service_bad = id && !ww_rules_has_service(w->rules, id);
  if (service_bad) ww_session_invalid_param(&bad, "service", "is not a service of the rule set");
  for (size_t i = 0; keys && keys[i]; i++) {
    id = json_string_value(json_object_get(body, keys[i]));
    if (id && !ww_rules_has_channel(w->rules, id))
      ww_session_invalid_param(&bad, keys[i], "is not a channel of the rule set (GET /v1/channels)");
  }
  if (bad == NULL) return 1;
  ww_respond_problem(req, 400, service_bad ? "unknown_service" : "unknown_channel",
                     service_bad ? "Unknown service." : "Unknown channel.", bad, NULL);
  return 0;
}

/* A worker whose rule set failed to load answers 503 rather than guessing. */
int ww_app_have_rules(ww_req *req, ww_app_worker *w) {
  ww_app_rules_refresh(w);
  if (w->rules) return 1;
  ww_respond_problem(req, 503, "ruleset_invalid",
                     "No valid rule set is loaded; see the server log for the file and line.",
                     NULL, NULL);
  return 0;
}
