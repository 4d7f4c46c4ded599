/* Handlers of the version history, the audit, reload and rollback (rulesapi.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/history.h"
#include "api/respond.h"
#include "api/rulesapi.h"
#include "log/log.h"
#include "store/store.h"

/* ---- reload and rollback: through the gate (history.h) ---- */

static void on_applied(void *ud, int rc, const json_t *info, int store_status, ww_err *err) {
  ww_req *req = ud;
  if (rc == 0) ww_api_respond_live(req, info, store_status);
  else ww_api_respond_refused(req, err);
}

static void apply(ww_req *req, const ww_history_change *c) {
  if (ww_history_apply(ww_req_app(req), c, on_applied, req) != 0)
    ww_respond_problem(req, 500, "internal", "the change could not be started", NULL, NULL);
}

void ww_api_rules_reload(ww_req *req) {
  size_t len = 0;
  ww_req_body(req, &len);
  if (len > 0) {   /* no body is needed; one that is sent is a JSON object (else 400/415) */
    json_t *body = ww_req_json(req);
    if (body == NULL) return;
    json_decref(body);
  }
  ww_history_change c = {NULL, "reload", "files", ww_api_actor(req), NULL, 1, 1};
  apply(req, &c);
}

/* 404 unknown_version (also for an id of the wrong form), or the store's error. */
static void respond_no_version(ww_req *req, int status, json_t *result) {
  ww_api_respond_store(req, status, "unknown_version",
                       WW_API_UNKNOWN_VERSION,
                       result);
}

static void on_rollback_record(void *ud, int status, json_t *rec) {
  ww_req *req = ud;
  if (status != 0) {
    respond_no_version(req, status, rec);
    return;
  }
  ww_history_change c = {json_object_get(rec, "files"), "rollback", "rollback",
                         ww_api_actor(req), NULL, 0, 0};
  apply(req, &c);   /* copies the files */
  json_decref(rec);
}

void ww_api_rules_rollback(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  json_t *body = ww_req_json(req);
  if (body == NULL) return;
  const char *v = json_string_value(json_object_get(body, "version"));
  if (v == NULL) {
    json_decref(body);
    ww_respond_problem(req, 400, "invalid_param", "version is required",
                       json_pack("[{s:s, s:s}]", "name", "version", "reason",
                                 "must be a version id from GET /v1/rules/versions"),
                       NULL);
    return;
  }
  char version[16];
  snprintf(version, sizeof version, "%s", v);
  int known_form = ww_store_version_id_valid(v);
  json_decref(body);
  if (!known_form || w->store == NULL) {
    respond_no_version(req, known_form ? WW_STORE_EUNAVAIL : WW_STORE_ENOTFOUND, NULL);
    return;
  }
  ww_store_rules_version(w->store, version, on_rollback_record, req);
}

/* ---- reading the history ---- */

static int have_store(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (w->store) return 1;
  ww_api_respond_store(req, WW_STORE_EUNAVAIL, NULL, NULL, NULL);
  return 0;
}

static void on_versions(void *ud, int status, json_t *res) {
  ww_req *req = ud;
  if (status != 0) {
    ww_api_respond_store(req, status, "not_found", "No history.", res);
    return;
  }
  const char *live = json_string_value(json_object_get(res, "live"));
  json_t *list = json_object_get(res, "versions");
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    const char *id = json_string_value(json_object_get(v, "version"));
    json_object_set_new(v, "live", json_boolean(live && id && strcmp(live, id) == 0));
  }
  ww_respond_json(req, 200, json_pack("{s:O}", "versions", list));
  json_decref(res);
}

void ww_api_rules_versions(ww_req *req) {
  if (have_store(req)) ww_store_rules_versions(((ww_app_worker *)ww_req_app(req))->store, on_versions, req);
}

static void on_version(void *ud, int status, json_t *rec) {
  ww_req *req = ud;
  if (status != 0) {
    respond_no_version(req, status, rec);
    return;
  }
  char live[16];
  ww_history_live(((ww_app_worker *)ww_req_app(req))->app, live);
  const char *id = json_string_value(json_object_get(rec, "version"));
  json_object_set_new(rec, "live", json_boolean(id && strcmp(live, id) == 0));
  ww_respond_json(req, 200, rec);
}

void ww_api_rules_version(ww_req *req) {
  if (have_store(req))
    ww_store_rules_version(((ww_app_worker *)ww_req_app(req))->store,
                           ww_req_param(req, "version"), on_version, req);
}

static void on_audit(void *ud, int status, json_t *res) {
  ww_req *req = ud;
  if (status != 0) ww_api_respond_store(req, status, "not_found", "No audit.", res);
  else ww_respond_json(req, 200, res);
}

void ww_api_rules_audit(ww_req *req) {
  if (have_store(req)) ww_store_rules_audit(((ww_app_worker *)ww_req_app(req))->store, on_audit, req);
}
