/* Handlers for advice, route, channels, rules and health (SPEC 3.1, 3.2, 3.4). */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/openapi.h"
#include "log/log.h"

static const ww_route routes[] = {
    {"POST", "/v1/advice", ww_api_advice},
    {"POST", "/v1/route", ww_api_route},
    {"GET", "/v1/channels", ww_api_channels},
    {"GET", "/v1/rules", ww_api_rules},
    {"GET", "/healthz", ww_api_healthz},
    {"GET", "/readyz", ww_api_readyz},
    {"GET", "/metrics", ww_api_metrics},
    {"GET", "/v1/openapi.json", ww_api_openapi},
};

const ww_route *ww_api_routes(size_t *n) {
  *n = sizeof routes / sizeof routes[0];
  return routes;
}

int ww_api_authorize(ww_req *req, ww_role need) {
  ww_app_worker *w = ww_req_app(req);
  const char *who = NULL;
  int rc = ww_auth_policy(w->app->auth, w->app->listen_loopback, need,
                          ww_req_header(req, "Authorization"), &who);
  if (rc == 0) return 1;
  if (rc == 403) {
    ww_respond_problem(req, 403, "forbidden",
                       need == WW_ROLE_ADMIN ? "This action needs a token with the admin role."
                                             : "This token may not use this route.",
                       NULL, NULL);
  } else {
    ww_req_add_header(req, "WWW-Authenticate", "Bearer");
    ww_respond_problem(req, 401, "unauthorized",
                       w->app->auth || need == WW_ROLE_ADMIN
                           ? "Send a valid bearer token: Authorization: Bearer <token>."
                           : "This server is not on loopback and has no tokens file; "
                             "start it with --tokens.",
                       NULL, NULL);
  }
  return 0;
}

/* A worker whose rule set failed to load answers 503 rather than guessing. */
static int have_rules(ww_req *req, ww_app_worker *w) {
  if (w && w->rules) return 1;
  ww_respond_problem(req, 503, "ruleset_invalid",
                     "No valid rule set is loaded; see the server log for the file and line.",
                     NULL, NULL);
  return 0;
}

static void respond_decide_error(ww_req *req, int rc, ww_err *err) {
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

static void decide(ww_req *req, int route) {
  ww_app_worker *w = ww_req_app(req);
  if (!ww_api_authorize(req, WW_ROLE_ADVICE) || !have_rules(req, w)) return;
  json_t *body = ww_req_json(req);
  if (body == NULL) return;
  ww_decide_opts opts = {0};
  opts.secret = w->app->secret;
  opts.secret_len = w->app->secret_len;
  opts.route = route;
  json_t *out = NULL;
  ww_err err = {0};
  int rc = ww_decide(w->rules, body, &opts, &out, &err);
  json_decref(body);
  if (rc != 0) {
    respond_decide_error(req, rc, &err);
    return;
  }
  ww_respond_json(req, 200, out);
}

void ww_api_advice(ww_req *req) { decide(req, 0); }
void ww_api_route(ww_req *req) { decide(req, 1); }

void ww_api_channels(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (!ww_api_authorize(req, WW_ROLE_ADVICE) || !have_rules(req, w)) return;
  ww_respond_json(req, 200, ww_rules_channels(w->rules, (int64_t)time(NULL), NULL));
}

void ww_api_rules(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (!ww_api_authorize(req, WW_ROLE_ADVICE) || !have_rules(req, w)) return;
  json_t *info = ww_rules_info(w->rules);
  json_object_set_new(info, "loadedAt", json_string(w->app->loaded_at));
  json_object_set_new(info, "tests", json_pack("{s:i, s:i}", "passed", w->app->tests_passed,
                                               "failed", w->app->tests_failed));
  ww_respond_json(req, 200, info);
}

void ww_api_healthz(ww_req *req) {
  ww_respond_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

void ww_api_readyz(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  int rules_ok = w && w->rules;
  json_t *body = json_pack("{s:s, s:b}", "status", rules_ok ? "ready" : "not_ready",
                           "rules", rules_ok);
  if (rules_ok) {
    ww_respond_json(req, 200, body);
    return;
  }
  json_decref(body);
  ww_respond_problem(req, 503, "ruleset_invalid", "No valid rule set is loaded.", NULL, NULL);
}

void ww_api_metrics(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
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
