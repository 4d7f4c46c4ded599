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
void ww_api_draft_impact(ww_req *req);     /* GET /v1/rules/drafts/{id}/impact (impact.c) */

/* The detail of 404 unknown_draft and unknown_version. */
#define WW_API_UNKNOWN_DRAFT "No such draft (it may have lapsed: drafts are kept 7 days)."
#define WW_API_UNKNOWN_VERSION \
  "No such version in the history (GET /v1/rules/versions lists them)."

#endif
