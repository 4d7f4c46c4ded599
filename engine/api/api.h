/* The HTTP API (docs/openapi.json): the routing table and the handlers. The top of
 * engine/api: handlers -> app.h (the application) -> reload.h (the live rule sets). */
#ifndef WW_API_H
#define WW_API_H

#include "api/app.h"
#include "server/server.h"

/* The routing table (static storage). */
const ww_route *ww_api_routes(size_t *n);

/* The server's authorize hook (ww_server_opts): check the request's bearer token for
 * 'role', a ww_role, the gate of its route (docs/tokens.md: admin routes never open without an
 * admin token; advice routes open without a tokens file only on loopback). Returns 1
 * when allowed; otherwise answers 401/403 itself and returns 0. */
int ww_api_authorize(ww_req *req, int role);

/* The actor of a request that passed its gate: its token's NAME, or "local" (loopback
 * without a tokens file). Borrowed, valid during the request. */
const char *ww_api_actor(ww_req *req);

/* The query parameter 'key' of the request, %-decoded, into 'out': 1, 0 when absent, -1
 * when it does not fit in 'n' bytes or is badly encoded. */
int ww_api_query_param(ww_req *req, const char *key, char *out, size_t n);



/* Handlers (api.c). */
void ww_api_advice(ww_req *req);
void ww_api_route(ww_req *req);
void ww_api_channels(ww_req *req);
void ww_api_rules(ww_req *req);
void ww_api_healthz(ww_req *req);
void ww_api_readyz(ww_req *req);
void ww_api_metrics(ww_req *req);

#endif
