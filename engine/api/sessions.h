/* HTTP handlers of the sessions API and the channel status override (docs/openapi.json).
 * Each is a ww_handler_fn: it validates the body, starts one store operation on the
 * worker's store (ww_req_app(req) -> ww_app_worker.store) and answers from its callback.
 * Store down -> 503 store_unavailable; store full (memory bound, Redis maxmemory, the cap
 * on live codes) -> 503 store_full; bad fields -> 400 invalid_param with invalidParams
 * naming each field by its dotted path. Creating sessions, events and handover codes is
 * rate limited per client address and per token (app->rate_limits) -> 429 rate_limited with
 * Retry-After; a refused write changed nothing. */
#ifndef WW_API_SESSIONS_H
#define WW_API_SESSIONS_H

#include "server/server.h"

/* POST /v1/sessions {citizen?: {id?}, service?, channel, data?} -> 201 {session}
 * (citizen.id is replaced by citizenRef; the raw id is never stored). */
void ww_api_session_create(ww_req *req);
/* GET /v1/sessions/{id} -> 200 {session} | 404 */
void ww_api_session_get(ww_req *req);
/* POST /v1/sessions/{id}/events {channel, type, service?, detail?} -> 201 {session}
 * (type "handover" and "claimed" are the engine's: 400) */
void ww_api_session_event(ww_req *req);
/* POST /v1/sessions/{id}/handover {to?, channel?} -> 201 {code, expiresAt, sessionId}
 * (the session's previous code ends) */
void ww_api_session_handover(ww_req *req);
/* POST /v1/handover/claim {code, channel} -> 200 {session} | 404 | 429 rate_limited */
void ww_api_handover_claim(ww_req *req);
/* PUT /v1/channels/{id}/status {open, reason, from?, until?, waitSeconds?} -> 200
 * {channel, open, reason, from?, until?, waitSeconds?, updatedAt} | 404 unknown channel.
 * GET shows the override that has not ended (404 when none); DELETE ends it -> 204 | 404.
 * Every worker of this instance answers with the change once it has been answered.
 * (Admin auth is the router's job.) */
void ww_api_channel_status(ww_req *req);
void ww_api_channel_status_get(ww_req *req);
void ww_api_channel_status_delete(ww_req *req);

#endif
