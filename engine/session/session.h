/* The session model (SPEC 3.3): what a session, an event and a handover code look like,
 * and the checks on the sessions API bodies. Pure: no I/O, no store -- both stores and
 * the HTTP handlers use it, so every path builds the same JSON shape.
 *
 * Validators return NULL when the body is valid, else a NEW invalidParams array
 * [{name, reason}] naming each bad field by its dotted path. Inputs are borrowed. */
#ifndef WW_SESSION_H
#define WW_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define WW_SESSION_ID_LEN 32           /* hex digits */
#define WW_HANDOVER_CODE_LEN 6
#define WW_SESSION_TOKEN_MAX 64        /* channel, service and 'to' ids */

/* A new session id: 32 lowercase hex digits from the CSPRNG. 0, or -1 if it failed. */
int ww_session_new_id(char out[WW_SESSION_ID_LEN + 1]);
/* Does 's' look like a session id (32 lowercase hex)? Cheap: checked before any I/O. */
int ww_session_id_valid(const char *s);

/* A new 6-digit handover code (uniform over 000000..999999, CSPRNG). 0 or -1. */
int ww_handover_new_code(char out[WW_HANDOVER_CODE_LEN + 1]);
int ww_handover_code_valid(const char *s);

/* Types a client may post: advice, chosen (the citizen picked the event's channel, e.g.
 * a click in the widget), contact, step (a step in an application), abandoned,
 * completed, note. The other
 * two, "handover" and "claimed", are the engine's alone (the handover routes write them),
 * so an agent can trust them in agentContext. */
int ww_session_client_event_type_valid(const char *type);
/* The list above as "advice, contact, ..." (static storage), for error messages. */
const char *ww_session_client_event_types(void);

/* A channel/service/target id: 1..64 of [A-Za-z0-9_.-]. */
int ww_session_token_valid(const char *s);

/* Size of 'v' as compact JSON (0 for NULL). */
size_t ww_session_json_size(const json_t *v);

/* POST /v1/sessions {citizen?: {id?, ...}, service?, channel, data?}. */
json_t *ww_session_check_create(const json_t *body, size_t max_data);
/* POST /v1/sessions/{id}/events {channel, type, service?, detail?}. */
json_t *ww_session_check_event(const json_t *body, size_t max_detail);
/* POST /v1/sessions/{id}/handover {to?, channel?}. */
json_t *ww_session_check_handover(const json_t *body);
/* POST /v1/handover/claim {code, channel}. */
json_t *ww_session_check_claim(const json_t *body);
/* PUT /v1/channels/{id}/status {open, reason, from?, until?, waitSeconds?}; 'now' in epoch
 * seconds (an 'until' not after it is refused). */
json_t *ww_session_check_status(const json_t *body, int64_t now);
/* When a stored override ends for everyone: its 'until' in epoch seconds, or INT64_MAX. */
int64_t ww_session_status_until(const json_t *status);

/* Append {name, reason} to 'params' (created when *params is NULL). */
void ww_session_invalid_param(json_t **params, const char *name, const char *reason);

/* The session object. Strings borrowed (NULL -> null for citizenRef and service);
 * steals 'events' (an array) and 'data' (an object; NULL -> {}). New. */
json_t *ww_session_build(const char *id, const char *citizen_ref, const char *service,
                         const char *channel, const char *created_at, const char *updated_at,
                         const char *expires_at, json_t *events, json_t *data);

/* The stored event {at, channel, type, service, detail} from an input event
 * {channel, type, service?, detail?} (borrowed). New. */
json_t *ww_session_event(const char *at, const json_t *in);

/* "2026-12-01T10:15:00+01:00" (Europe/Amsterdam) for epoch milliseconds. */
void ww_session_time(int64_t epoch_ms, char out[32]);

/* The epoch milliseconds of a session time (ww_session_time's form, or any ISO 8601 time
 * with an offset), or -1 when 'at' is NULL or not such a time. What orders the outcomes of
 * advices ("advised"): the text does not, in the hour repeated when the clocks go back
 * ("02:30:00+02:00" comes before "02:10:00+01:00"). */
int64_t ww_session_time_ms(const char *at);

#endif
