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

/* Handlers (api.c). */
void ww_api_advice(ww_req *req);
void ww_api_route(ww_req *req);
void ww_api_channels(ww_req *req);
void ww_api_rules(ww_req *req);
void ww_api_healthz(ww_req *req);
void ww_api_readyz(ww_req *req);
void ww_api_metrics(ww_req *req);

#endif
