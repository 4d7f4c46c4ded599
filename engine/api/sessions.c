/* Handlers of the sessions API: validate, one store operation, answer from its callback.
 * The request itself is the callback's context (no allocation): the server keeps it
 * alive until ww_respond_*() is called, even if the client left. */
#include "api/sessions.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/app.h"
#include "decision/decision.h"
#include "log/log.h"
#include "session/session.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/ratelimit.h"

/* The worker, or answer 503 when it has no store (it failed to open). */
static ww_app_worker *worker(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (w && w->store) return w;
  ww_respond_problem(req, 503, "store_unavailable", "The session store is not available.",
                     NULL, NULL);
  return NULL;
}

static void bad_request(ww_req *req, json_t *invalid) {
  ww_respond_problem(req, 400, "invalid_param", "One or more fields are invalid.", invalid,
                     NULL);
}

/* The path's {id} when it can name a session; otherwise answers 404 (no store round trip:
 * such a session cannot exist) and returns NULL. */
static const char *session_param(ww_req *req) {
  const char *id = ww_req_param(req, "id");
  if (ww_session_id_valid(id)) return id;
  ww_respond_problem(req, 404, "not_found", "The session was not found or has expired.",
                     NULL, NULL);
  return NULL;
}

/* 'bad' is what a ww_session_check_* said of 'body': when it found something, answer 400,
 * free 'body' and return 0. */
static int body_ok(ww_req *req, json_t *body, json_t *bad) {
  if (bad == NULL) return 1;
  json_decref(body);
  bad_request(req, bad);
  return 0;
}

/* Answer a failed store operation. 'what' names the missing thing for 404s.
 * 'result' is stolen (ELIMIT: {retryAfter}). */
static void store_error(ww_req *req, int status, json_t *result, const char *what) {
  char detail[160];
  switch (status) {
  case WW_STORE_ENOTFOUND:
    snprintf(detail, sizeof detail, "%s was not found or has expired.", what);
    ww_respond_problem(req, 404, "not_found", detail, NULL, NULL);
    break;
  case WW_STORE_ELIMIT: {
    char retry[24];
    json_int_t s = json_integer_value(json_object_get(result, "retryAfter"));
    snprintf(retry, sizeof retry, "%lld", (long long)(s > 0 ? s : 1));
    ww_req_add_header(req, "Retry-After", retry);
    ww_respond_problem(req, 429, "rate_limited",
                       "Too many failed handover claims from this caller or client; try again "
                       "later.", NULL, NULL);
    break;
  }
  case WW_STORE_EEXPIRED:
    ww_respond_problem(req, 410, "code_expired",
                       "This handover code has expired; the citizen can ask for a new one.",
                       json_pack("[{s:s, s:s}]", "name", "code", "reason", "expired"), NULL);
    break;
  case WW_STORE_EINVAL:
    ww_respond_problem(req, 400, "invalid_param", "The request is over a store limit.", NULL,
                       NULL);
    break;
  case WW_STORE_EFULL:
    ww_req_add_header(req, "Retry-After", "60");
    ww_respond_problem(req, 503, "store_full",
                       "The store is at its limit (memory, or live handover codes); nothing "
                       "was changed. Try again later.", NULL, NULL);
    break;
  case WW_STORE_ECONFLICT:
    ww_req_add_header(req, "Retry-After", "1");
    ww_respond_problem(req, 503, "store_unavailable",
                       "No free handover code was found; try again.", NULL, NULL);
    break;
  default:
    ww_req_add_header(req, "Retry-After", "1");
    ww_respond_problem(req, 503, "store_unavailable",
                       "The session store is not reachable; nothing was changed.", NULL, NULL);
    break;
  }
  json_decref(result);
}

/* The flood brake of 'kind' (issue 19): 1 when this client (its address, and its token
 * when it has one) may write now; else answers 429 rate_limited with Retry-After and
 * returns 0. */
static int within_rate(ww_req *req, ww_app_worker *w, ww_limit_kind kind) {
  ww_app *app = w->app;
  if (app->rate_limits[kind][0] == NULL) return 1;
  int64_t now = ww_ratelimit_now_ms();
  char addr[WW_APP_CLIENT_KEY_MAX];
  ww_app_client_addr(req, addr);
  long wait = ww_ratelimit_take(app->rate_limits[kind][0], addr, now);
  const char *who = NULL;
  const ww_auth *auth = ww_app_auth(w);
  if (wait == 0 && auth &&
      ww_auth_policy(auth, app->listen_loopback, WW_ROLE_ADVICE,
                     ww_req_header(req, "Authorization"), &who) == 0 && who)
    wait = ww_ratelimit_take(app->rate_limits[kind][1], who, now);
  if (wait == 0) return 1;
  static const char *const what[WW_LIMIT_KINDS] = {"sessions", "events", "handover codes"};
  char retry[24], detail[160];
  snprintf(retry, sizeof retry, "%ld", wait);
  snprintf(detail, sizeof detail,
           "Too many new %s from this client; try again in %ld s. Nothing was changed.",
           what[kind], wait);
  ww_req_add_header(req, "Retry-After", retry);
  ww_respond_problem(req, 429, "rate_limited", detail, NULL, NULL);
  return 0;
}

static void respond_session(ww_req *req, int http, int status, json_t *sess) {
  if (status != 0) {
    store_error(req, status, sess, "The session");
    return;
  }
  ww_respond_json(req, http, json_pack("{s:o}", "session", sess));
}

/* ---- POST /v1/sessions ---- */

static void on_created(void *ud, int status, json_t *sess) {
  ww_req *req = ud;
  if (status == 0) {
    char loc[64];
    snprintf(loc, sizeof loc, "/v1/sessions/%s", json_string_value(json_object_get(sess, "id")));
    ww_req_add_header(req, "Location", loc);
  }
  respond_session(req, 201, status, sess);
}

void ww_api_session_create(ww_req *req) {
  ww_app_worker *w = worker(req);
  if (w == NULL) return;
  json_t *body = ww_req_json(req);
  if (body == NULL) return;
  if (!body_ok(req, body, ww_session_check_create(body, ww_store_get_opts(w->store)->max_data)))
    return;
  /* A website starts its session with the origin it sends as context.origin ("web"): the
   * catalogue says which channel that is, and the session keeps the channel's id. Events,
   * handovers and claims name catalogue channels only (SPEC 3.3). */
  const char *named = json_string_value(json_object_get(body, "channel"));
  const char *of_origin = named && w->rules && !ww_rules_has_channel(w->rules, named)
                              ? ww_decision_origin_channel(w->rules, named)
                              : NULL;
  if (of_origin) json_object_set_new(body, "channel", json_string(of_origin));
  static const char *const channel_keys[] = {"channel", NULL};
  if (!ww_app_known_ids(req, body, channel_keys, 1)) {
    json_decref(body);
    return;
  }
  const char *service = json_string_value(json_object_get(body, "service"));
  if (!within_rate(req, w, WW_LIMIT_SESSIONS)) {
    json_decref(body);
    return;
  }
  json_t *in = json_object();
  json_object_set(in, "channel", json_object_get(body, "channel"));
  if (service) json_object_set_new(in, "service", json_string(service));
  const json_t *data = json_object_get(body, "data");
  if (json_is_object(data)) json_object_set(in, "data", (json_t *)data);
  const char *id = json_string_value(json_object_get(json_object_get(body, "citizen"), "id"));
  if (id) {
    char ref[65];   /* citizenRef = HMAC-SHA256(secret, citizen.id) */
    ww_hmac_sha256_hex(w->app->secret, w->app->secret_len, id, strlen(id), ref);
    json_object_set_new(in, "citizenRef", json_string(ref));
  }
  json_decref(body);   /* the raw id goes no further */
  ww_store_session_create(w->store, in, on_created, req);
  json_decref(in);
}

/* ---- GET /v1/sessions/{id} ---- */

static void on_session_200(void *ud, int status, json_t *sess) {
  respond_session(ud, 200, status, sess);
}

static void on_session_201(void *ud, int status, json_t *sess) {
  respond_session(ud, 201, status, sess);
}

void ww_api_session_get(ww_req *req) {
  ww_app_worker *w = worker(req);
  if (w == NULL) return;
  const char *id = session_param(req);
  if (id) ww_store_session_get(w->store, id, on_session_200, req);
}

/* ---- POST /v1/sessions/{id}/events ---- */

void ww_api_session_event(ww_req *req) {
  ww_app_worker *w = worker(req);
  if (w == NULL) return;
  json_t *body = ww_req_json(req);
  if (body == NULL) return;
  if (!body_ok(req, body, ww_session_check_event(body, ww_store_get_opts(w->store)->max_detail)))
    return;
  static const char *const channel_keys[] = {"channel", NULL};
  if (!ww_app_known_ids(req, body, channel_keys, 1)) {
    json_decref(body);
    return;
  }
  const char *id = session_param(req);
  if (id == NULL || !within_rate(req, w, WW_LIMIT_EVENTS)) {
    json_decref(body);
    return;
  }
  json_t *ev = json_object();   /* only the known fields reach the store */
  const char *keys[] = {"channel", "type", "service", "detail"};
  for (size_t i = 0; i < 4; i++) {
    json_t *v = json_object_get(body, keys[i]);
    if (v && !json_is_null(v)) json_object_set(ev, keys[i], v);
  }
  json_decref(body);
  ww_store_session_append(w->store, id, ev, WW_STORE_FULL, on_session_201, req);
  json_decref(ev);
}

/* ---- POST /v1/sessions/{id}/handover ---- */

static void on_handover(void *ud, int status, json_t *h) {
  ww_req *req = ud;
  if (status != 0) {
    store_error(req, status, h, "The session");
    return;
  }
  ww_app_worker *w = ww_req_app(req);
  if (w) ww_metrics_handover_created(w->metrics);
  ww_app_log_handover(w, "handover", h);
  ww_respond_json(req, 201, h);
}

void ww_api_session_handover(ww_req *req) {
  ww_app_worker *w = worker(req);
  if (w == NULL) return;
  size_t len = 0;
  ww_req_body(req, &len);
  json_t *body = len == 0 ? json_object() : ww_req_json(req);   /* the body is optional */
  if (body == NULL) return;
  if (!body_ok(req, body, ww_session_check_handover(body))) return;
  static const char *const channel_keys[] = {"to", "channel", NULL};
  if (!ww_app_known_ids(req, body, channel_keys, 0)) {
    json_decref(body);
    return;
  }
  const char *id = session_param(req);
  if (id == NULL || !within_rate(req, w, WW_LIMIT_HANDOVERS)) {
    json_decref(body);
    return;
  }
  ww_store_handover_create(w->store, id, json_string_value(json_object_get(body, "channel")),
                           json_string_value(json_object_get(body, "to")), on_handover, req);
  json_decref(body);
}

/* ---- POST /v1/handover/claim ---- */

static void on_claimed(void *ud, int status, json_t *sess) {
  ww_req *req = ud;
  if (status != 0) {
    store_error(req, status, sess, "The handover code");
    return;
  }
  ww_app_worker *w = ww_req_app(req);
  if (w) ww_metrics_handover_claimed(w->metrics);
  ww_app_log_handover(w, "claimed", sess);
  ww_respond_json(req, 200, json_pack("{s:o}", "session", sess));
}

void ww_api_handover_claim(ww_req *req) {
  ww_app_worker *w = worker(req);
  if (w == NULL) return;
  json_t *body = ww_req_json(req);
  if (body == NULL) return;
  char caller[65];
  json_t *bad = ww_session_check_claim(body);
  const char *why = ww_app_caller_key(w->app, json_object_get(body, "callerRef"), caller);
  if (why) ww_session_invalid_param(&bad, "callerRef", why);
  if (!body_ok(req, body, bad)) return;
  static const char *const channel_keys[] = {"channel", NULL};
  if (!ww_app_known_ids(req, body, channel_keys, 0)) {
    json_decref(body);
    return;
  }
  char client[WW_APP_CLIENT_KEY_MAX];
  ww_app_client_addr(req, client);
  ww_store_handover_claim(w->store, json_string_value(json_object_get(body, "code")),
                          json_string_value(json_object_get(body, "channel")), client, caller,
                          on_claimed, req);
  json_decref(body);
}

/* ---- PUT, GET, DELETE /v1/channels/{id}/status ---- */

/* The path's channel id when the catalogue has it; otherwise answers 404 and returns
 * NULL. */
static const char *channel_param(ww_req *req, ww_app_worker *w) {
  const char *id = ww_req_param(req, "id");
  if (w->rules && id && ww_rules_has_channel(w->rules, id)) return id;
  ww_respond_problem(req, 404, "not_found", "No such channel in the catalogue.", NULL, NULL);
  return NULL;
}

static void on_status(void *ud, int status, json_t *st) {
  ww_req *req = ud;
  if (status != 0) {
    store_error(req, status, st, "The channel's status override");
    return;
  }
  ww_app_worker *w = ww_req_app(req);
  if (w) ww_app_status(w, NULL);   /* every worker of this instance answers with it now */
  if (st) ww_respond_json(req, 200, st);
  else ww_respond_raw(req, 204, NULL, NULL, 0);
}

void ww_api_channel_status(ww_req *req) {
  ww_app_worker *w = worker(req);
  if (w == NULL) return;
  const char *id = channel_param(req, w);
  if (id == NULL) return;
  json_t *body = ww_req_json(req);
  if (body == NULL) return;
  if (!body_ok(req, body, ww_session_check_status(body, (int64_t)time(NULL)))) return;
  json_t *in = json_object();
  const char *keys[] = {"open", "reason", "from", "until", "waitSeconds"};
  for (size_t i = 0; i < 5; i++) {
    json_t *v = json_object_get(body, keys[i]);
    if (v && !json_is_null(v)) json_object_set(in, keys[i], v);
  }
  json_decref(body);
  ww_store_status_set(w->store, id, in, on_status, req);
  json_decref(in);
}

void ww_api_channel_status_get(ww_req *req) {
  ww_app_worker *w = worker(req);
  if (w == NULL) return;
  const char *id = channel_param(req, w);
  if (id == NULL) return;
  json_t *st = json_object_get(ww_app_status(w, NULL), id);
  if (st == NULL) {
    ww_respond_problem(req, 404, "not_found", "This channel has no status override.", NULL,
                       NULL);
    return;
  }
  ww_respond_json(req, 200, json_deep_copy(st));
}

void ww_api_channel_status_delete(ww_req *req) {
  ww_app_worker *w = worker(req);
  if (w == NULL) return;
  const char *id = channel_param(req, w);
  if (id) ww_store_status_delete(w->store, id, on_status, req);
}
