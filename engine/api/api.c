/* Handlers for advice, route, channels, rules and health (docs/openapi.json).
 *
 * An advice or route request goes one way: the body parsed and the whole request
 * validated (ww_decision_parse, with the body limits in the same walk) -> at most one
 * store operation (claim a handover code, append the advice event, or find the citizen's
 * latest session) -> the decision -> the answer text -> the response. A request answered
 * 400 has changed no session and spent no code. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/openapi.h"
#include "api/respond.h"
#include "api/rulesapi.h"
#include "api/services.h"
#include "api/shadow.h"
#include "api/sessions.h"
#include "log/log.h"
#include "session/session.h"
#include "store/store.h"
#include "util/crypto.h"

/* Each route with the role it needs (the gate: the server calls ww_api_authorize with it
 * before the handler, and before it sends 100 Continue). 0: open. The last field: 1 for
 * the routes that take a whole rule set (--max-rules-body instead of --max-body; the gate
 * runs before such a body is read). */
static const ww_route routes[] = {
    {"POST", "/v1/advice", ww_api_advice, WW_ROLE_ADVICE, 0},
    {"POST", "/v1/route", ww_api_route, WW_ROLE_ADVICE, 0},
    {"GET", "/v1/channels", ww_api_channels, WW_ROLE_ADVICE, 0},
    {"GET", "/v1/services", ww_api_services, WW_ROLE_ADVICE, 0},
    {"GET", "/v1/services/{id}", ww_api_service, WW_ROLE_ADVICE, 0},
    {"PUT", "/v1/channels/{id}/status", ww_api_channel_status, WW_ROLE_ADMIN, 0},
    {"GET", "/v1/channels/{id}/status", ww_api_channel_status_get, WW_ROLE_ADMIN, 0},
    {"DELETE", "/v1/channels/{id}/status", ww_api_channel_status_delete, WW_ROLE_ADMIN, 0},
    {"POST", "/v1/sessions", ww_api_session_create, WW_ROLE_ADVICE, 0},
    {"GET", "/v1/sessions/{id}", ww_api_session_get, WW_ROLE_ADVICE, 0},
    {"POST", "/v1/sessions/{id}/events", ww_api_session_event, WW_ROLE_ADVICE, 0},
    {"POST", "/v1/sessions/{id}/handover", ww_api_session_handover, WW_ROLE_ADVICE, 0},
    {"POST", "/v1/handover/claim", ww_api_handover_claim, WW_ROLE_ADVICE, 0},
    {"GET", "/v1/rules", ww_api_rules, WW_ROLE_ADVICE, 0},
    {"POST", "/v1/rules/reload", ww_api_rules_reload, WW_ROLE_ADMIN, 0},
    {"GET", "/v1/rules/versions", ww_api_rules_versions, WW_ROLE_AUTHOR, 0},
    {"GET", "/v1/rules/versions/{version}", ww_api_rules_version, WW_ROLE_AUTHOR, 0},
    {"GET", "/v1/rules/audit", ww_api_rules_audit, WW_ROLE_AUTHOR, 0},
    {"POST", "/v1/rules/rollback", ww_api_rules_rollback, WW_ROLE_ADMIN, 0},
    {"POST", "/v1/rules/check", ww_api_rules_check, WW_ROLE_AUTHOR, 1},
    {"POST", "/v1/rules/drafts", ww_api_drafts_create, WW_ROLE_AUTHOR, 1},
    {"GET", "/v1/rules/drafts", ww_api_drafts_list, WW_ROLE_AUTHOR, 0},
    {"GET", "/v1/rules/drafts/{id}", ww_api_draft_get, WW_ROLE_AUTHOR, 0},
    {"POST", "/v1/rules/drafts/{id}/advice", ww_api_draft_advice, WW_ROLE_AUTHOR, 0},
    {"POST", "/v1/rules/drafts/{id}/approve", ww_api_draft_approve, WW_ROLE_ADMIN, 0},
    {"POST", "/v1/rules/drafts/{id}/publish", ww_api_draft_publish, WW_ROLE_ADMIN, 0},
    {"GET", "/v1/rules/drafts/{id}/impact", ww_api_draft_impact, WW_ROLE_AUTHOR, 0},
    {"POST", "/v1/rules/shadow", ww_api_shadow_start, WW_ROLE_ADMIN, 0},
    {"GET", "/v1/rules/shadow", ww_api_shadow_get, WW_ROLE_AUTHOR, 0},
    {"DELETE", "/v1/rules/shadow", ww_api_shadow_stop, WW_ROLE_ADMIN, 0},
    {"GET", "/healthz", ww_api_healthz, 0, 0},
    {"GET", "/readyz", ww_api_readyz, 0, 0},
    {"HEAD", "/healthz", ww_api_healthz, 0, 0},   /* load balancers probe with HEAD too */
    {"HEAD", "/readyz", ww_api_readyz, 0, 0},
    {"GET", "/metrics", ww_api_metrics, 0, 0},
    {"GET", "/v1/openapi.json", ww_api_openapi, 0, 0},
};

const ww_route *ww_api_routes(size_t *n) {
  *n = sizeof routes / sizeof routes[0];
  return routes;
}

int ww_api_authorize(ww_req *req, int role) {
  ww_role need = (ww_role)role;
  ww_app_worker *w = ww_req_app(req);
  const char *who = NULL;
  const ww_auth *auth = ww_app_auth(w);
  int rc = ww_auth_policy(auth, w->app->listen_loopback, need,
                          ww_req_header(req, "Authorization"), &who);
  if (rc == 0) return 1;
  if (rc == 403) {
    ww_respond_problem(req, 403, "forbidden",
                       need == WW_ROLE_ADMIN    ? "This action needs a token with the admin role."
                       : need == WW_ROLE_AUTHOR ? "This action needs a token with the author or "
                                                  "admin role."
                                                : "This token may not use this route.",
                       NULL, NULL);
  } else {
    ww_req_add_header(req, "WWW-Authenticate", "Bearer");
    ww_respond_problem(req, 401, "unauthorized",
                       auth || need == WW_ROLE_ADMIN
                           ? "Send a valid bearer token: Authorization: Bearer <token>."
                           : "This server is not on loopback and has no tokens file; "
                             "start it with --tokens.",
                       NULL, NULL);
  }
  return 0;
}

static void respond_decision_error(ww_req *req, int rc, ww_err *err) {
  if (rc == WW_EINVAL) {
    json_t *params = err->invalid_params;
    err->invalid_params = NULL;
    ww_respond_problem(req, 400, err->code[0] ? err->code : "invalid_param", err->msg,
                       params, NULL);
  } else {
    ww_logf(WW_LOG_ERROR, "decision failed: %s", err->msg);
    ww_respond_problem(req, 500, "internal", "The advice could not be made.", NULL, NULL);
  }
  ww_err_clear(err);
}

/* One advice or route request while its session is fetched. */
typedef struct decision {
  ww_req *req;
  ww_app_worker *w;
  ww_ruleset *rs;        /* the rule set the request started with (a reference) */
  json_t *body;          /* owned: the request */
  ww_decision_input in;  /* the request, validated (borrows from 'body') */
  int route;
  int store_down;        /* the store failed: answer without session, degraded */
  int by_citizen;        /* the session was found through citizen.id: never named in the
                            answer (a BSN must not reveal a session) */
  int session_expired;   /* the sessionId named no live session: the answer says so */
  int keep_service;      /* route: the request's service stands over the claimed one's */
  char caller[65];       /* route: keyed hash of callerRef, or "" */
} decision;

static const char *str_field(const json_t *obj, const char *key) {
  return json_string_value(json_object_get(obj, key));
}

/* The latest event of 'type' (NULL: any but "claimed") in 'events', or NULL. */
static const json_t *latest_event(const json_t *events, const char *type) {
  for (size_t i = json_array_size(events); i > 0; i--) {
    const json_t *ev = json_array_get(events, i - 1);
    const char *t = str_field(ev, "type");
    if (t && (type ? strcmp(t, type) == 0 : strcmp(t, "claimed") != 0)) return ev;
  }
  return NULL;
}

/* What the citizen said of needs and language: in this request, else in the session's
 * latest advice event (its detail keeps them). Borrowed or NULL. */
static const json_t *stated(const decision *d, const json_t *events, const char *key) {
  const json_t *v = json_object_get(d->in.citizen, key);
  if (v && !json_is_null(v)) return v;
  return json_object_get(json_object_get(latest_event(events, "advice"), "detail"), key);
}

/* A channel's name for the summary (its id when the catalogue has no such channel). */
static const char *channel_name(const decision *d, const char *id) {
  const char *name = ww_decision_channel_name(d->rs->rules, id);
  return name ? name : id;
}

/* agentContext for the agent who picks up (route): the service, what the citizen said
 * and did, and one line that says it in Dutch. */
static json_t *agent_context(const decision *d, const json_t *session) {
  const json_t *events = json_object_get(session, "events");
  size_t n = json_array_size(events);
  const char *service = str_field(session, "service");
  if (service == NULL) service = ww_decision_service_id(d->rs->rules, &d->in);
  const char *name = ww_decision_service_name(d->rs->rules, service);
  /* The channel the citizen came from: the latest event before this call claimed it. */
  const char *last = str_field(latest_event(events, NULL), "channel");
  if (last == NULL) last = str_field(session, "channel");
  const char *chosen = str_field(latest_event(events, "chosen"), "channel");
  const json_t *needs = stated(d, events, "needs");
  const json_t *language = stated(d, events, "language");
  json_t *recent = json_array();
  for (size_t i = n > 10 ? n - 10 : 0; i < n; i++)
    json_array_append(recent, json_array_get(events, i));

  char line[512];
  int len = snprintf(line, sizeof line, "%s.", name ? name : service ? service
                                                       : "Onderwerp onbekend");
  if (last && len < (int)sizeof line)
    len += snprintf(line + len, sizeof line - len, " Kwam via %s.", channel_name(d, last));
  /* what the latest advice on the session advised (written after its answer) */
  const json_t *advised = json_object_get(session, "advised");
  const char *adv_channel = str_field(advised, "channel");
  const char *adv_reason = str_field(advised, "reason");
  if (adv_channel && len < (int)sizeof line) {
    const char *adv_name = str_field(advised, "name");
    len += snprintf(line + len, sizeof line - len, " Advies: %s", adv_name ? adv_name
                                                                            : adv_channel);
    size_t rl = adv_reason ? strlen(adv_reason) : 0;
    if (rl > 0 && adv_reason[rl - 1] == '.') rl--;   /* the line adds its own full stop */
    if (rl > 0 && len < (int)sizeof line)
      len += snprintf(line + len, sizeof line - len, " (%.*s)", (int)rl, adv_reason);
    if (len < (int)sizeof line) len += snprintf(line + len, sizeof line - len, ".");
  }
  if (chosen && len < (int)sizeof line)
    len += snprintf(line + len, sizeof line - len, " Koos zelf %s.", channel_name(d, chosen));
  if (json_array_size(needs) > 0 && len < (int)sizeof line) {
    len += snprintf(line + len, sizeof line - len, " Behoeften:");
    size_t i;
    json_t *v;
    json_array_foreach(needs, i, v) if (json_is_string(v) && len < (int)sizeof line)
        len += snprintf(line + len, sizeof line - len, "%s %s", i ? "," : "",
                        json_string_value(v));
    if (len < (int)sizeof line) len += snprintf(line + len, sizeof line - len, ".");
  }
  if (json_is_string(language) && len < (int)sizeof line)
    snprintf(line + len, sizeof line - len, " Taal: %s.", json_string_value(language));

  json_t *ctx = json_object();
  json_object_set_new(ctx, "service", service ? json_string(service) : json_null());
  json_object_set_new(ctx, "serviceName", name ? json_string(name) : json_null());
  json_object_set_new(ctx, "advised", adv_channel ? json_deep_copy(advised) : json_null());
  json_object_set_new(ctx, "lastChannel", last ? json_string(last) : json_null());
  json_object_set_new(ctx, "chosenChannel", chosen ? json_string(chosen) : json_null());
  json_object_set_new(ctx, "needs", json_is_array(needs) ? json_deep_copy(needs) : json_array());
  json_object_set_new(ctx, "language",
                      json_is_string(language) ? json_copy((json_t *)language) : json_null());
  json_object_set_new(ctx, "summary", json_string(line));
  json_object_set_new(ctx, "events", recent);
  const json_t *data = json_object_get(session, "data");
  json_object_set_new(ctx, "data", data ? json_deep_copy(data) : json_object());
  return ctx;
}

/* Counts the decision and appends it to the decision log, with its record for replay
 * when it was decided on a service ('o' non-NULL: the options it was decided with). */
static void log_decision(ww_app_worker *w, const decision *d, const ww_decision_info *info,
                         const json_t *session, const ww_decision_opts *o) {
  const char *service = ww_decision_service_id(d->rs->rules, &d->in);
  if (w->metrics) {
    ww_metrics_advice(w->metrics, service, info->first);
    if (info->degraded) ww_metrics_degraded(w->metrics);
  }
  if (w->store == NULL || !ww_store_decision_log_on(w->store)) return;   /* no fields for nothing */
  json_t *fields = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "adviceId", info->advice_id,
                             "kind", d->route ? "route" : "advice",
                             "service", service ? service : "",
                             "channel", info->first ? info->first : "",
                             "origin", d->in.origin, "degraded", info->degraded);
  if (fields == NULL) return;
  if (session) json_object_set(fields, "sessionId", json_object_get(session, "id"));
  json_object_set_new(fields, "ruleset", json_string(ww_rules_version(d->rs->rules)));
  json_t *record = o ? ww_decision_record(d->rs->rules, &d->in, o) : NULL;
  if (record) json_object_update(fields, record);
  json_decref(record);
  ww_store_decision_log(w->store, fields);
  json_decref(fields);
}

static void free_decision(decision *d) {
  ww_ruleset_release(d->rs);
  json_decref(d->body);
  free(d);
}

/* Metrics for new rule failures of 'rs' (kept per rule set: a reload starts at zero). */
static void count_rule_failures(ww_app_worker *w, ww_ruleset *rs) {
  unsigned long total, budget, memory;
  ww_decision_failures(rs->rules, &total, &budget, &memory);
  for (; rs->seen_budget < budget; rs->seen_budget++)
    ww_metrics_rule_error(w->metrics, WW_RULE_ERR_BUDGET);
  for (; rs->seen_memory < memory; rs->seen_memory++)
    ww_metrics_rule_error(w->metrics, WW_RULE_ERR_MEMORY);
  for (unsigned long runtime = total - budget - memory; rs->seen_runtime < runtime;
       rs->seen_runtime++)
    ww_metrics_rule_error(w->metrics, WW_RULE_ERR_RUNTIME);
}

/* What this advice advised, onto the session its event went to (for the agent who may
 * pick up later: agentContext). Written after the answer, which never waits for it. */
static void note_advised(const decision *d, const ww_decision_info *info,
                         const json_t *session) {
  const char *id = str_field(session, "id");
  const char *at = str_field(session, "updatedAt");   /* the advice event's time */
  if (id == NULL || at == NULL) return;
  json_t *advised = json_pack("{s:s, s:s, s:s?, s:s?}", "at", at, "channel", info->first,
                              "name", ww_decision_channel_name(d->rs->rules, info->first),
                              "reason", info->reason[0] ? info->reason : NULL);
  if (advised) ww_store_session_advised(d->w->store, id, advised);
  json_decref(advised);
}

/* The answer cache (ww_decision_text_cached) is read and filled only while nothing needs
 * the parsed request (the decision log, a shadow run) and the store answers (else the
 * answer would say degraded). */
static int answer_cache_usable(ww_app_worker *w) {
  if (ww_shadow_on(w)) return 0;
  return w->store == NULL || (ww_store_ready(w->store) && !ww_store_decision_log_on(w->store));
}

/* Decide with 'session' (borrowed, may be NULL) and answer; frees 'd'. */
static void finish(decision *d, const json_t *session) {
  ww_req *req = d->req;
  ww_app_worker *w = d->w;
  if (ww_req_gone(req)) {   /* nobody to answer: the call only frees */
    ww_respond_problem(req, 503, "internal", "client gone", NULL, NULL);
    goto out;
  }
  ww_decision_opts opts = {0};
  opts.route = d->route;
  opts.session = session;
  opts.status = ww_app_status(w, &opts.status_version);
  int store_down = d->store_down || (w->store && !ww_store_ready(w->store));
  ww_app_log_note note = {NULL, ww_rules_version(d->rs->rules)};
  ww_req_set_note(req, &note);
  /* A caller who typed a handover code need not name the topic; when the session does not
   * know it either (or the store is down), route to the rule set's standard route rather
   * than blame the caller after their code was spent. */
  if (d->in.svc < 0) {
    json_t *out = ww_decision_fallback_route(
        d->rs->rules, store_down ? "Geen verbinding met de sessies; standaardroute"
                                 : "Onderwerp onbekend; standaardroute");
    if (session) {
      json_object_set(out, "sessionId", json_object_get(session, "id"));
      json_object_set_new(out, "agentContext", agent_context(d, session));
    }
    if (store_down) json_object_set_new(out, "degraded", json_true());
    const json_t *target = json_object_get(out, "target");
    ww_decision_info info = {.first = json_string_value(json_object_get(target, "id")),
                             .degraded = store_down};
    log_decision(w, d, &info, session, NULL);
    ww_respond_json(req, 200, out);
    goto out;
  }
  /* What the answer gets besides the decision, in this order. */
  json_t *extra = NULL;
  const json_t *named = d->by_citizen ? NULL : session;   /* what the answer may show */
  if (named || store_down || d->session_expired) {
    extra = json_object();
    /* an unknown or expired sessionId: the client starts a new session */
    if (d->session_expired) json_object_set_new(extra, "sessionExpired", json_true());
    if (named) {
      json_object_set(extra, "sessionId", json_object_get(named, "id"));
      if (d->route) json_object_set_new(extra, "agentContext", agent_context(d, named));
    }
    /* While the store is down every answer says so, session or not. */
    if (store_down) json_object_set_new(extra, "degraded", json_true());
  }
  const char *text = NULL;
  size_t len = 0;
  ww_decision_info info;
  ww_err err = {0};
  unsigned long failures, budget, memory, after;
  ww_decision_failures(d->rs->rules, &failures, &budget, &memory);
  int rc = ww_decision_text(d->rs->rules, &d->in, &opts, extra, &text, &len, &info, &err);
  if (rc == 0 && answer_cache_usable(ww_req_app(req))) {   /* for answered_again() */
    size_t blen;
    const char *body = ww_req_body(req, &blen);
    ww_decision_text_keep(d->rs->rules, body, blen, &d->in, &opts, extra, &info);
  }
  json_decref(extra);
  /* The engine contains rule failures (fallback answer); count them by kind. */
  ww_decision_failures(d->rs->rules, &after, &budget, &memory);
  if (after != failures) count_rule_failures(w, d->rs);
  if (rc == 0 && info.cache) ww_metrics_decision_cache(w->metrics, info.cache == 1);
  if (rc != 0) {
    respond_decision_error(req, rc, &err);
    goto out;
  }
  log_decision(w, d, &info, session, &opts);
  note.advice_id = info.advice_id;
  ww_respond_raw(req, 200, "application/json", text, len);   /* copies 'text' */
  if (!d->route && session && info.first) note_advised(d, &info, session);
  ww_shadow_offer(w, d->rs, &d->in, &opts, info.advice_id);   /* after the answer */
out:
  free_decision(d);
}

/* The event a decision leaves on its session: on the catalogue channel its origin stands
 * for (else the session's own: *flags gets WW_STORE_FILL_CHANNEL), with what the citizen
 * said of needs and language (for the agent who may pick up later). */
static json_t *advice_event(const decision *d, int *flags) {
  const char *channel = ww_decision_origin_channel(d->rs->rules, d->in.origin);
  *flags = WW_STORE_LEAN | (channel ? 0 : WW_STORE_FILL_CHANNEL);
  json_t *ev = json_pack("{s:s?, s:s, s:s?}", "channel", channel, "type", "advice", "service",
                         ww_decision_service_id(d->rs->rules, &d->in));
  const json_t *needs = json_object_get(d->in.citizen, "needs");
  const json_t *language = json_object_get(d->in.citizen, "language");
  if (json_is_array(needs) || json_is_string(language)) {
    json_t *detail = json_object();
    if (json_is_array(needs)) json_object_set(detail, "needs", (json_t *)needs);
    if (json_is_string(language)) json_object_set(detail, "language", (json_t *)language);
    json_object_set_new(ev, "detail", detail);
  }
  return ev;
}

static void on_session(void *ud, int status, json_t *result) {
  decision *d = ud;
  /* unreachable, or full: answered without the session, degraded (docs/operations.md) */
  if (status == WW_STORE_EUNAVAIL || status == WW_STORE_EFULL) d->store_down = 1;
  /* a session found through citizen.id is never named, nor is its end */
  if (status == WW_STORE_ENOTFOUND && !d->by_citizen) d->session_expired = 1;
  finish(d, status == 0 ? result : NULL);
  json_decref(result);
}

static void on_claimed(void *ud, int status, json_t *result) {
  decision *d = ud;
  if (status == WW_STORE_ENOTFOUND || status == WW_STORE_ELIMIT || status == WW_STORE_EEXPIRED) {
    ww_req *req = d->req;
    if (status == WW_STORE_ELIMIT) {
      json_int_t after = json_integer_value(json_object_get(result, "retryAfter"));
      char buf[24];
      snprintf(buf, sizeof buf, "%lld", (long long)(after > 0 ? after : 60));
      ww_req_add_header(req, "Retry-After", buf);
      ww_respond_problem(req, 429, "rate_limited",
                         d->caller[0] ? "Too many wrong handover codes from this caller; try "
                                        "again later."
                                      : "Too many wrong handover codes from this client; try "
                                        "again later.",
                         NULL, NULL);
    } else if (status == WW_STORE_EEXPIRED) {
      ww_respond_problem(req, 410, "code_expired",
                         "This handover code has expired; the citizen can ask for a new one.",
                         json_pack("[{s:s, s:s}]", "name", "handoverCode", "reason",
                                   "expired"),
                         NULL);
    } else {
      ww_respond_problem(req, 404, "not_found", "This handover code is unknown or already used.",
                         json_pack("[{s:s, s:s}]", "name", "handoverCode", "reason",
                                   "unknown or already used"),
                         NULL);
    }
    json_decref(result);
    free_decision(d);
    return;
  }
  if (status == 0) {
    ww_metrics_handover_claimed(d->w->metrics);
    ww_app_log_handover(d->w, "claimed", result);
  }
  /* The claimed session's service wins over the IVR menu's choice (the citizen said what
   * it is about on the website), unless the IVR says keepService; a caller need not pick
   * the topic at all. A service the rule set no longer knows leaves it as it was (the
   * standard route without one, not a 400 for a spent code). */
  const char *service = json_string_value(json_object_get(result, "service"));
  if (status == 0 && service && (d->in.svc < 0 || !d->keep_service))
    ww_decision_set_service(d->rs->rules, &d->in, service);
  on_session(ud, status, result);
}

static int bad_field(ww_req *req, const char *name, const char *reason) {
  char detail[256];
  snprintf(detail, sizeof detail, "%s %s", name, reason);
  ww_respond_problem(req, 400, "invalid_param", detail,
                     json_pack("[{s:s, s:s}]", "name", name, "reason", reason), NULL);
  return 0;
}

/* An advice question asked before (the same body bytes): its answer from the answer cache
 * (ww_decision_text_cached), without parsing the body, counted and logged as finish() does
 * for a cache hit. Not while the store is down (the answer would say degraded), nor when
 * the decision log or a shadow run wants the request; a body that is not JSON gets its
 * 415. 1: answered. */
static int answered_again(ww_req *req, ww_app_worker *w) {
  if (!ww_req_is_json(req) || !answer_cache_usable(w)) return 0;
  ww_decision_opts opts = {0};
  opts.status = ww_app_status(w, &opts.status_version);
  size_t blen, len;
  const char *body = ww_req_body(req, &blen), *text;
  ww_decision_info info;
  if (ww_decision_text_cached(w->rules, body, blen, &opts, &text, &len, &info) != 0) return 0;
  ww_app_log_note note = {info.advice_id, ww_rules_version(w->rules)};
  ww_req_set_note(req, &note);
  if (w->metrics) {
    ww_metrics_decision_cache(w->metrics, 1);
    ww_metrics_advice(w->metrics, info.service, info.first);
  }
  ww_respond_raw(req, 200, "application/json", text, len);   /* copies 'text' */
  return 1;
}

static void decide(ww_req *req, int route) {
  ww_app_worker *w = ww_req_app(req);
  if (!ww_app_have_rules(req, w)) return;
  if (!route && answered_again(req, w)) return;
  json_t *body = ww_req_json_unchecked(req);   /* its limits: in the validation's walk */
  if (body == NULL) return;
  decision *d = calloc(1, sizeof *d);
  if (d == NULL) {
    json_decref(body);
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  d->req = req;
  d->w = w;
  d->rs = ww_app_rules_acquire(w);
  d->body = body;
  d->route = route;

  const json_t *sid = json_object_get(body, "sessionId");
  const json_t *code = route ? json_object_get(body, "handoverCode") : NULL;
  /* The whole request, before any store write: a code is spent, a session changed, only
   * for a valid request (a caller with a code need not name the service). A body over the
   * limits of every body is refused first, then a session id or code of the wrong form
   * (engine/session knows their form), then the rest. */
  ww_parse_opts po = {0};
  po.secret = w->app->secret;
  po.secret_len = w->app->secret_len;
  po.ivr = route;
  po.service_optional = json_is_string(code);
  po.outer = &ww_req_body_limits;
  ww_err err = {0};
  int rc = ww_decision_parse(d->rs->rules, body, &po, &d->in, &err);
  if (rc == 0 || strcmp(err.code, "invalid_json") != 0) {
    if (sid && !json_is_null(sid) &&
        (!json_is_string(sid) || !ww_session_id_valid(json_string_value(sid)))) {
      ww_err_clear(&err);
      bad_field(req, "sessionId", "must be a session id as returned by POST /v1/sessions");
      goto drop;
    }
    if (code && !json_is_null(code) &&
        (!json_is_string(code) || !ww_handover_code_valid(json_string_value(code)))) {
      ww_err_clear(&err);
      bad_field(req, "handoverCode", "must be the 6-digit handover code");
      goto drop;
    }
  }
  if (rc != 0) {
    respond_decision_error(req, rc, &err);
    goto drop;
  }
  const char *why = ww_app_caller_key(w->app, json_object_get(body, "callerRef"), d->caller);
  if (why) {
    bad_field(req, "callerRef", why);
    goto drop;
  }
  const json_t *keep = json_object_get(body, "keepService");
  if (keep && !json_is_null(keep) && !json_is_boolean(keep)) {
    bad_field(req, "keepService", "must be true or false");
    goto drop;
  }
  d->keep_service = json_is_true(keep);
  if (w->store == NULL || !(json_is_string(code) || json_is_string(sid) || d->in.has_ref)) {
    finish(d, NULL);   /* no session to fetch */
    return;
  }
  if (json_is_string(code)) {
    char client[WW_APP_CLIENT_KEY_MAX];
    ww_app_client_addr(req, client);
    ww_store_handover_claim(w->store, json_string_value(code),
                            ww_decision_origin_channel(d->rs->rules, d->in.origin), client,
                            d->caller, on_claimed, d);
  } else if (json_is_string(sid)) {
    int flags;
    json_t *ev = advice_event(d, &flags);
    ww_store_session_append(w->store, json_string_value(sid), ev, flags, on_session, d);
    json_decref(ev);
  } else {
    d->by_citizen = 1;   /* the citizen's latest live session, found and appended to at once */
    int flags;
    json_t *ev = advice_event(d, &flags);
    ww_store_session_append_citizen(w->store, d->in.ref, ev, flags, on_session, d);
    json_decref(ev);
  }
  return;
drop:
  free_decision(d);
}

void ww_api_advice(ww_req *req) { decide(req, 0); }
void ww_api_route(ww_req *req) { decide(req, 1); }

void ww_api_channels(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (!ww_app_have_rules(req, w)) return;
  uint64_t version;
  const json_t *status = ww_app_status(w, &version);
  ww_api_respond_rule_data(req, 200, ww_rules_channels(w->rules, (int64_t)time(NULL), status));
}

void ww_api_rules(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (!ww_app_have_rules(req, w)) return;
  ww_api_respond_rule_data(req, 200, ww_ruleset_info(w->current));
}

void ww_api_healthz(ww_req *req) {
  ww_respond_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

void ww_api_readyz(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (w) ww_app_rules_refresh(w);
  int rules_ok = w && w->rules;
  if (w) ww_app_publish_ready(w);
  int store_ok = w && w->store && ww_store_ready(w->store) && ww_app_stores_ready(w->app);
  if (rules_ok && store_ok) {
    /* rules and store are the booleans of the 503 too; what is loaded and where it keeps
     * sessions go by their own names (docs/openapi.json, Readiness) */
    ww_respond_json(req, 200, json_pack("{s:s, s:b, s:b, s:s, s:s}", "status", "ready", "rules",
                                        1, "store", 1, "rulesVersion",
                                        ww_rules_version(w->rules), "storeKind",
                                        ww_store_kind(w->store)));
    return;
  }
  ww_respond_problem(req, 503, rules_ok ? "store_unavailable" : "ruleset_invalid",
                     rules_ok ? "The session store cannot be reached; advice is answered "
                                "without sessions (degraded) until it is back."
                              : "No valid rule set is loaded.",
                     NULL,
                     json_pack("{s:b, s:b}", "rules", rules_ok, "store", store_ok));
}

void ww_api_metrics(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  ww_app_rules_refresh(w);      /* the info metric names the version now active */
  ww_app_sync_store_metrics(w);
  size_t len = 0;
  char *text = ww_metrics_render(w->app->metrics, w->rules ? ww_rules_version(w->rules) : NULL,
                                 &len);
  if (text == NULL) {
    ww_respond_problem(req, 500, "internal", "The metrics could not be rendered.", NULL, NULL);
    return;
  }
  ww_respond_raw(req, 200, WW_METRICS_CONTENT_TYPE, text, len);
  free(text);
}
