/* HTTP handlers of safe rule changes (issue 14; docs/openapi.json, docs/operations.md):
 * the version history, the audit, reload and rollback (versions.c), and drafts with their
 * check, trial advice, approval and publishing (drafts.c). Loads run off the loop
 * (api/history.h); authors may read and try, only admins make a set live. */
#ifndef WW_API_RULESAPI_H
#define WW_API_RULESAPI_H

#include <jansson.h>

#include "server/server.h"
#include "wegwijzer/wegwijzer.h"

void ww_api_rules_reload(ww_req *req);     /* POST /v1/rules/reload (admin) */
void ww_api_rules_versions(ww_req *req);   /* GET /v1/rules/versions */
void ww_api_rules_version(ww_req *req);    /* GET /v1/rules/versions/{version} */
void ww_api_rules_audit(ww_req *req);      /* GET /v1/rules/audit */
void ww_api_rules_rollback(ww_req *req);   /* POST /v1/rules/rollback (admin) */

void ww_api_rules_check(ww_req *req);      /* POST /v1/rules/check */
void ww_api_drafts_create(ww_req *req);    /* POST /v1/rules/drafts */
void ww_api_drafts_list(ww_req *req);      /* GET /v1/rules/drafts */
void ww_api_draft_get(ww_req *req);        /* GET /v1/rules/drafts/{id} */
void ww_api_draft_advice(ww_req *req);     /* POST /v1/rules/drafts/{id}/advice */
void ww_api_draft_approve(ww_req *req);    /* POST /v1/rules/drafts/{id}/approve (admin) */
void ww_api_draft_publish(ww_req *req);    /* POST /v1/rules/drafts/{id}/publish (admin) */

/* The answer to a change the gate refused (reload, rollback, publish): 422
 * invalid_files / ruleset_invalid with file, line and every load error, or 503
 * reload_busy. */
void ww_api_respond_refused(ww_req *req, ww_err *err);
/* The answer to a store error of these routes: 404 'notfound_code' (with 'notfound'
 * as the detail), 503 store_full or store_unavailable. Frees 'result'. */
void ww_api_respond_store(ww_req *req, int status, const char *notfound_code,
                          const char *notfound, json_t *result);
/* A change is live here: 200 with 'info' (GET /v1/rules body, borrowed), or -- when the
 * store did not take it -- 503 store_unavailable saying that it will be recorded later. */
void ww_api_respond_live(ww_req *req, const json_t *info, int store_status);

#endif
