/* The HTTP API (docs/openapi.json): the routing table and the application lifecycle the
 * server calls (worker init/fini, request completion). */
#ifndef WW_API_H
#define WW_API_H

#include "api/app.h"
#include "server/server.h"

/* The routing table (static storage). */
const ww_route *ww_api_routes(size_t *n);

/* Prepare 'app' for serving with 'cfg' (borrowed; must outlive the app): the secret,
 * the embedded store when no --redis is given. Returns 0, or -1 after logging why. */
int ww_app_init(ww_app *app, const ww_config *cfg);
void ww_app_close(ww_app *app);

/* ww_server_opts hooks. */
void *ww_app_worker_init(void *app, uv_loop_t *loop, int worker_index);
void ww_app_worker_fini(void *app, void *worker_state);
void ww_app_on_complete(void *worker_state, const ww_req *req, int status, double seconds);
void ww_app_on_reload(void *app);   /* SIGHUP (reload.c) */

/* The server's authorize hook (ww_server_opts): check the request's bearer token for
 * 'role', a ww_role, the gate of its route (docs/tokens.md: admin routes never open without an
 * admin token; advice routes open without a tokens file only on loopback). Returns 1
 * when allowed; otherwise answers 401/403 itself and returns 0. */
int ww_api_authorize(ww_req *req, int role);

/* The client's address as the key of its limits: an IPv6 address by its /64 (what one
 * host usually gets, so it cannot dodge a limit by changing its last 64 bits), any other
 * whole. Into 'out' (NUL-terminated). */
#define WW_API_CLIENT_KEY_MAX 64
void ww_api_client_addr(ww_req *req, char out[WW_API_CLIENT_KEY_MAX]);

/* Append a handover ("handover") or claim ("claimed") entry to the decision stream, for
 * wegwijzer report: {kind, sessionId, service?, channel?}. 'obj' (borrowed) is the
 * handover answer or the claimed session. No-op without --decision-log. */
void ww_api_log_handover(ww_app_worker *w, const char *kind, const json_t *obj);

/* A worker whose rule set failed to load answers 503 (ruleset_invalid) and gets 0. */
int ww_api_have_rules(ww_req *req, ww_app_worker *w);

/* ww_respond_json for an answer made of the rule set's data (catalogues, GET /v1/rules):
 * numbers as written in the rule set, 0.08 and not 0.080000000000000002 (services.c). */
void ww_api_respond_rule_data(ww_req *req, int status, json_t *body);   /* steals body */

/* Handlers (api.c). */
void ww_api_advice(ww_req *req);
void ww_api_route(ww_req *req);
void ww_api_channels(ww_req *req);
void ww_api_rules(ww_req *req);
void ww_api_healthz(ww_req *req);
void ww_api_readyz(ww_req *req);
void ww_api_metrics(ww_req *req);
void ww_api_rules_reload(ww_req *req);   /* reload.c */
void ww_api_services(ww_req *req);       /* services.c: GET /v1/services */
void ww_api_service(ww_req *req);        /* services.c: GET /v1/services/{id} */

#endif
