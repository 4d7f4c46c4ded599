/* What the handlers of engine/api share: who asked, a query parameter, common answers
 * (respond.c). */
#ifndef WW_API_RESPOND_H
#define WW_API_RESPOND_H

#include <jansson.h>

#include "server/server.h"
#include "wegwijzer/wegwijzer.h"

/* The actor of a request that passed its gate: its token's NAME, or "local" (loopback
 * without a tokens file). Borrowed, valid during the request. */
const char *ww_api_actor(ww_req *req);

/* The query parameter 'key' of the request, %-decoded, into 'out': 1, 0 when absent, -1
 * when it does not fit in 'n' bytes or is badly encoded. */
int ww_api_query_param(ww_req *req, const char *key, char *out, size_t n);

/* ww_respond_json for an answer made of the rule set's data (catalogues, GET /v1/rules):
 * numbers as written in the rule set, 0.08 and not 0.080000000000000002. */
void ww_api_respond_rule_data(ww_req *req, int status, json_t *body);   /* steals body */

/* The answer to a change the gate refused (reload, rollback, publish): 422
 * invalid_files / ruleset_invalid with file, line and every load error, or 503
 * reload_busy. */
void ww_api_respond_refused(ww_req *req, ww_err *err);
/* The answer to a store error of the rules routes: 404 'notfound_code' (with 'notfound'
 * as the detail), 503 store_full or store_unavailable. Frees 'result'. */
void ww_api_respond_store(ww_req *req, int status, const char *notfound_code,
                          const char *notfound, json_t *result);
/* A change is live here: 200 with 'info' (GET /v1/rules body, borrowed), or -- when the
 * store did not take it -- 503 store_unavailable saying that it will be recorded later. */
void ww_api_respond_live(ww_req *req, const json_t *info, int store_status);

#endif
