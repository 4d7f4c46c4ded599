/* The session store: ONE asynchronous interface, two implementations (SPEC 5).
 *
 *   memory  the embedded default: one ww_memstore per process holds the data, shared by
 *           every worker (thread-safe); each worker opens its own ww_store handle on it.
 *   redis   production: one ww_store per worker, hiredis async on the worker's libuv loop,
 *           pipelined, a deadline per command, reconnect with backoff, server-side scripts.
 *
 * Threads: a ww_store handle belongs to the loop it was opened on; call it only from that
 * loop's thread. A ww_memstore may be shared by any number of handles on any threads.
 *
 * Callbacks: every operation ends with exactly one call of its callback, with 'status'
 * 0 or a WW_STORE_E* code and 'result' a NEW reference (caller json_decref()s or steals
 * it) or NULL on error. The callback MAY RUN BEFORE THE OPERATION RETURNS (always for the
 * memory store; for Redis when it fails fast, e.g. while disconnected), so do not touch
 * anything the callback may free after starting an operation. Input JSON and strings are
 * borrowed: valid only during the call (the store copies what it keeps).
 *
 * Durability (SPEC 6): status 0 means the change is in the store; an error means the store
 * is unchanged, or -- where a single key slot cannot hold the whole change -- holds nothing
 * a client can observe (see the key layout in redis.c).
 *
 * Bounds: every write that adds data may end with EFULL (the embedded store at
 * memory_max, Redis at its maxmemory) and then changed nothing.
 */
#ifndef WW_STORE_H
#define WW_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct uv_loop_s uv_loop_t;

typedef struct ww_store ww_store;         /* one worker's handle (opaque) */
typedef struct ww_memstore ww_memstore;   /* the embedded store's shared data (opaque) */

/* Statuses (negative, outside the errno range and WW_E* of wegwijzer.h). */
enum {
  WW_STORE_OK = 0,
  WW_STORE_ENOTFOUND = -2001,   /* unknown or expired session / code        -> 404 */
  WW_STORE_EUNAVAIL = -2002,    /* store down, timed out, or it failed      -> 503 */
  WW_STORE_ECONFLICT = -2003,   /* e.g. no free handover code after retries -> 503/409 */
  WW_STORE_ELIMIT = -2004,      /* rate limited; result {retryAfter: s}     -> 429 */
  WW_STORE_EINVAL = -2005,      /* over a limit (data, event size) or bad input -> 400 */
  WW_STORE_EFULL = -2006,       /* the store is at its bound (memory, live codes; Redis
                                   at maxmemory): nothing changed  -> 503 store_full */
  WW_STORE_EEXPIRED = -2007,    /* a handover code that lapsed unclaimed  -> 410 */
};

/* "not found", "store unavailable", ... (static storage). */
const char *ww_store_strerror(int status);

/* Options; zero fields take the default. */
typedef struct ww_store_opts {
  long session_ttl;           /* seconds, sliding; default 7 days (--session-ttl) */
  long handover_ttl;          /* seconds; default 15 minutes (--handover-ttl) */
  long handover_lapse;        /* seconds a code that lapsed unclaimed still answers
                                 EEXPIRED (then ENOTFOUND); default 1 hour */
  unsigned timeout_ms;        /* deadline of each Redis command; default 500 */
  unsigned connect_timeout_ms;/* deadline of connect + handshake; default 1000 */
  long decision_log_maxlen;   /* XADD MAXLEN ~ N; 0 = decision log off (the embedded
                                 store keeps min(N, WW_STORE_MEMORY_LOG_MAX) in a ring) */
  long decision_log_days;     /* entries older than this many days are trimmed (XTRIM
                                 MINID, at most once a minute; the ring at each add);
                                 0 = by count only (--decision-log-days) */
  int max_events;             /* events kept per session (oldest dropped); default 100 */
  size_t max_data;            /* bytes of session 'data' as compact JSON; default 16 KiB */
  size_t max_detail;          /* bytes of one event's 'detail' as compact JSON; default 4 KiB */
  int claim_fail_limit;       /* failed claims per client per window; default 10 */
  int claim_fail_shared_limit;/* failed claims per address per window when each claim
                                 names its caller; default 20 x claim_fail_limit */
  long claim_fail_window;     /* seconds; default 300 */
  size_t memory_max;          /* embedded store: bytes of sessions, codes and counters;
                                 default 256 MiB (--memory-store-max) */
  long handover_max_live;     /* live handover codes at most (EFULL beyond); default
                                 100000, 10 % of the 10^6 codes (--handover-max-live) */
} ww_store_opts;

#define WW_STORE_MEMORY_LOG_MAX 100000L   /* entries the embedded store's decision log keeps */
#define WW_STORE_DEFAULT_SESSION_TTL (7L * 24 * 3600)
#define WW_STORE_DEFAULT_HANDOVER_TTL (15L * 60)
#define WW_STORE_LEAN_EVENTS 10
#define WW_STORE_DEFAULT_MEMORY_MAX ((size_t)256 * 1024 * 1024)
#define WW_STORE_DEFAULT_HANDOVER_MAX_LIVE 100000L
#define WW_STORE_DEFAULT_HANDOVER_LAPSE 3600L

/* Fill the zero fields of 'o' with the defaults. */
void ww_store_opts_defaults(ww_store_opts *o);

/* The handle's options, defaults filled in (borrowed, valid while the handle is). */
const ww_store_opts *ww_store_get_opts(const ww_store *s);

/* Result callback; see the contract at the top. */
typedef void (*ww_store_cb)(void *ud, int status, json_t *result);

/* ---- opening and closing ---- */

/* The embedded store's data, once per process. New; NULL on OOM. */
ww_memstore *ww_memstore_new(void);
/* NULL-safe. Every handle opened on it must be closed (and its close finished) first. */
void ww_memstore_free(ww_memstore *m);
/* The bytes its records hold by the store's count (what memory_max bounds). */
size_t ww_memstore_bytes(ww_memstore *m);

/* A memory-store handle for the worker whose loop is 'loop' (borrowed; 'shared' must
 * outlive the handle). 'opts' may be NULL; it is copied. New; NULL on OOM. The TTLs and
 * limits are those of each handle's opts (give all handles the same). */
ww_store *ww_store_memory_open(ww_memstore *shared, uv_loop_t *loop, const ww_store_opts *opts);

/* A Redis-store handle: connects in the background (never blocks the loop except for
 * resolving the host name) and keeps reconnecting with backoff (50 ms doubling to 2 s).
 * 'url': redis://[[user]:password@]host[:port][/db] (port 6379, db 0 by default).
 * New; NULL on a malformed URL or OOM. */
ww_store *ww_store_redis_open(uv_loop_t *loop, const char *url, const ww_store_opts *opts);

/* A Redis-store handle on the primary that Redis Sentinel names 'master' (borrowed):
 * before every connect it asks the sentinels in 'sentinels' ("host:port,host:port,...",
 * borrowed; tried in turn) for the master's address (SENTINEL get-master-addr-by-name),
 * checks that ROLE says "master" there, and follows +switch-master (subscribed on a
 * sentinel) to the promoted replica without a restart. 'url' (may be NULL) gives only
 * the password and db (redis://:password@ignored/db). Otherwise as ww_store_redis_open.
 * New; NULL on a malformed list, name or URL, or OOM. */
ww_store *ww_store_sentinel_open(uv_loop_t *loop, const char *sentinels, const char *master,
                                 const char *url, const ww_store_opts *opts);

/* Close the handle (NULL-safe). Pending operations get their callback with
 * WW_STORE_EUNAVAIL (possibly during this call); the handle's libuv handles are closed and
 * it is freed in the last close callback, so run the loop afterwards until it has no
 * more active handles. Safe to call from inside a store callback. */
void ww_store_close(ww_store *s);

/* "memory" or "redis". */
const char *ww_store_kind(const ww_store *s);

/* 1 when operations can succeed: always for memory; for Redis when connected and the
 * scripts are loaded (for /readyz). */
int ww_store_ready(const ww_store *s);

/* Counters since open (for /metrics). Read on the handle's thread. */
typedef struct ww_store_stats {
  unsigned long ops;          /* operations started */
  unsigned long errors;       /* operations that ended with EUNAVAIL */
  unsigned long timeouts;     /* command deadlines that fired */
  unsigned long reconnects;   /* successful connects after the first */
  unsigned long log_errors;   /* fire-and-forget writes lost: decision log, "advised" */
} ww_store_stats;
void ww_store_get_stats(const ww_store *s, ww_store_stats *out);

/* ---- sessions (SPEC 3.3) ----
 * A session as every operation returns it:
 *   {id, citizenRef, createdAt, updatedAt, expiresAt, service, channel,
 *    events: [{at, channel, type, service, detail}], data: {}}
 * citizenRef, service, event.service and event.detail are null when absent. */

/* 'in' (borrowed): {channel, citizenRef? (<= 64 chars), service?, data?} -- validated by the
 * caller (engine/session); the store checks only its limits (data > max_data -> EINVAL).
 * Result: the new session (events: []). Also makes it the citizen's latest session. */
void ww_store_session_create(ww_store *s, const json_t *in, ww_store_cb cb, void *ud);

/* Result: the session, or ENOTFOUND when unknown or expired. */
void ww_store_session_get(ww_store *s, const char *id, ww_store_cb cb, void *ud);

/* Flags of ww_store_session_append. */
enum {
  WW_STORE_FULL = 0,   /* result: the session after the append, all events */
  WW_STORE_LEAN = 1,   /* result: the session with only the latest WW_STORE_LEAN_EVENTS
                          events from BEFORE this append (what /v1/advice gives rules),
                          plus "eventCount": events after the append. One round trip. */
  WW_STORE_FILL_CHANNEL = 2,   /* with either: the event's channel is the session's (for an
                                  advice from an origin no catalogue channel stands for) */
};

/* Append 'event' (borrowed): {channel, type, service?, detail?}; the store adds "at".
 * Atomic: read + append + trim to max_events + slide the TTL in one step. ENOTFOUND when
 * the session is unknown or expired; EINVAL when detail is over max_detail. */
void ww_store_session_append(ww_store *s, const char *id, const json_t *event, int flags,
                             ww_store_cb cb, void *ud);

/* ww_store_session_append to the citizen's latest live session (the one
 * ww_store_session_latest_id names), in ONE step: ENOTFOUND when the citizen has none
 * (no index, or its session expired: an older session is never taken instead). The
 * result's "id" names the session. For /v1/advice with a citizen.id: on Redis one round
 * trip (the lookup and the append in one script, on a single primary; see redis.c). */
void ww_store_session_append_citizen(ww_store *s, const char *citizen_ref,
                                     const json_t *event, int flags, ww_store_cb cb,
                                     void *ud);

/* The citizen's latest live session (made by session_create with that citizenRef), in
 * full; ENOTFOUND when none. */
void ww_store_session_latest_for_citizen(ww_store *s, const char *citizen_ref,
                                         ww_store_cb cb, void *ud);

/* Only the id of the citizen's latest session: result {"id": ...}, or ENOTFOUND. One
 * cheap read (no events); the session may still expire before a later append. */
void ww_store_session_latest_id(ww_store *s, const char *citizen_ref, ww_store_cb cb,
                                void *ud);

/* What an advice on session 'id' advised, written after the decision so the answer never
 * waits for it: 'advised' (borrowed) is {at, channel, name, reason}, 'at' the advice
 * event's time (the append's updatedAt). The session then carries it as "advised" (read
 * by every session operation; agentContext shows it). Kept only while the session lives
 * and when no later advice's is there; changes neither updatedAt nor the TTL. Fire and
 * forget: never calls back; a write the store could not take (down or full) counts in
 * log_errors. */
void ww_store_session_advised(ww_store *s, const char *id, const json_t *advised);

/* ---- handover (SPEC 3.3) ---- */

/* A 6-digit code, unique among live codes, valid handover_ttl, and a "handover" event
 * {channel, type: "handover", detail: {code, to, expiresAt}} on the session. One live code
 * per session: the session's previous code ends (a claim of it is ENOTFOUND, as for an
 * unknown code). 'channel' (may be NULL: the session's channel) and 'to' (may be NULL)
 * are borrowed. Result: {code, expiresAt, sessionId}. ENOTFOUND when the session is
 * unknown/expired; ECONFLICT when no free code was found in a few tries; EFULL when
 * handover_max_live codes are live (or the store is at its bound). */
void ww_store_handover_create(ww_store *s, const char *session_id, const char *channel,
                              const char *to, ww_store_cb cb, void *ud);

/* Claim 'code' once: the code is consumed and a "claimed" event {channel, type:
 * "claimed", detail: {code}} is appended (idempotently; 'channel' NULL: the session's). Result: the session (full).
 * ENOTFOUND for an unknown or already claimed code, or one that a newer code of its
 * session ended; EEXPIRED for one that lapsed unclaimed (for handover_lapse after its
 * expiry, then ENOTFOUND). Both count as a failed claim: of 'caller_key' (may
 * be NULL or "": a keyed hash of the caller, given by an IVR) and of 'client_key' (e.g.
 * the peer address). After claim_fail_limit failures of the caller -- or, without a
 * caller, of the client -- within claim_fail_window, every claim of it gets ELIMIT
 * (result {retryAfter}) until the window ends; a client whose claims name callers is
 * limited only at claim_fail_shared_limit. So one caller's wrong codes never lock out
 * another caller behind the same address. The counts are shared by all handles of the
 * backend. */
void ww_store_handover_claim(ww_store *s, const char *code, const char *channel,
                             const char *client_key, const char *caller_key, ww_store_cb cb,
                             void *ud);

/* ---- channel status overrides (SPEC 3.4) ---- */

/* Store and publish the override of channel 'id': 'status' (borrowed) is
 * {open, reason, from?, until?, waitSeconds?} (validated by the caller). Result: the
 * stored status object with "channel": id and "updatedAt". Every handle of the backend
 * sees it through ww_store_status within 1 s. Overrides whose 'until' has passed are
 * removed from the store (at each change, and by the memory store's sweep). */
void ww_store_status_set(ww_store *s, const char *id, const json_t *status, ww_store_cb cb,
                         void *ud);
/* End the override of channel 'id': result NULL; ENOTFOUND when it had none. */
void ww_store_status_delete(ww_store *s, const char *id, ww_store_cb cb, void *ud);

/* This worker's copy of all overrides: {id: {open, reason, until?, waitSeconds?, ...}}.
 * Never does I/O. Borrowed: valid until the next ww_store_status() call or the return to
 * the loop (json_incref() it to keep it longer; the object is never changed in place).
 * Never NULL (an empty object when there are none or Redis was never reached). */
const json_t *ww_store_status(ww_store *s);
/* How new the object ww_store_status returned last is, comparable between the handles of
 * one backend: higher is newer (a handle's own change counts less than a full read of the
 * same change). Lets the workers of one instance share the newest (api/app.c). */
uint64_t ww_store_status_rank(ww_store *s);

/* ---- decision log (SPEC 5; issue 4 item 7) ---- */

/* Append 'fields' (borrowed; a flat object, values that are not strings are written as
 * JSON) to the stream ww:decisions with XADD MAXLEN ~ decision_log_maxlen (and, with
 * decision_log_days, XTRIM MINID now - days at most once a minute); the embedded store
 * appends to its ring of the latest min(decision_log_maxlen, WW_STORE_MEMORY_LOG_MAX)
 * entries, shared by every handle. Fire and forget: never calls back, never delays a
 * request; a lost write counts in log_errors. No-op when decision_log_maxlen is 0. */
void ww_store_decision_log(ww_store *s, const json_t *fields);
/* Would ww_store_decision_log write anything? (Callers skip building the fields if not.) */
int ww_store_decision_log_on(const ww_store *s);
/* The decision-log entries from 'since_ms' (epoch ms, inclusive) on, oldest first, at
 * most 'max': result {"entries": [entry, ...], "truncated": bool}, each entry decoded as
 * store/codec.h's ww_codec_entry_put does ({"at", field: string, "degraded": bool}), the
 * same on both stores (the impact of a draft replays them: engine/replay/). EUNAVAIL when
 * Redis is not reachable; an empty list when the log is off. */
void ww_store_decision_log_since(ww_store *s, int64_t since_ms, size_t max, ww_store_cb cb,
                                 void *ud);


/* ---- rule-set history and drafts (issue 14; docs/operations.md "Rule-set versions") ----
 * A version record: {version, loadedAt, source: "files"|"publish"|"rollback", actor,
 * tests: {passed, failed}, files: {path: text}}; 'version' is the rule set's content hash
 * (12 lowercase hex). A draft: the object of GET /v1/rules/drafts/{id} ('id' 16 lowercase
 * hex, "createdAt"). Every handle of a backend sees one history, one live version and one
 * set of drafts. */

#define WW_STORE_RULES_KEEP 21          /* the live version and the last 20 */
#define WW_STORE_AUDIT_KEEP 1000        /* audit entries kept */
#define WW_STORE_DRAFT_TTL (7L * 24 * 3600)
#define WW_STORE_DRAFTS_MAX 100         /* live drafts at most (ECONFLICT beyond) */
#define WW_STORE_RULES_CHANNEL "ww:rules:changed"

/* 1 when 's' is a version id (12 lowercase hex) / a draft id (16 lowercase hex). */
int ww_store_version_id_valid(const char *s);
int ww_store_draft_id_valid(const char *s);

/* Make 'record' (borrowed) the live version, atomically: stored (replacing one of the same
 * version), moved to the front of the history (the oldest beyond WW_STORE_RULES_KEEP
 * dropped with their files), named live, 'audit' (borrowed, may be NULL) prepended to the
 * audit list (capped at WW_STORE_AUDIT_KEEP), and on Redis the version id published on
 * WW_STORE_RULES_CHANNEL. Result NULL. EINVAL for a record without a valid version. */
void ww_store_rules_commit(ww_store *s, const json_t *record, const json_t *audit,
                           ww_store_cb cb, void *ud);
/* Result {"live": version or null, "versions": [records without "files"]}, newest first. */
void ww_store_rules_versions(ww_store *s, ww_store_cb cb, void *ud);
/* Result: the record of 'version' with its files; ENOTFOUND when it is not kept. */
void ww_store_rules_version(ww_store *s, const char *version, ww_store_cb cb, void *ud);
/* The live version: 'full' its record with files, else {"version": id}; ENOTFOUND when the
 * store names none (nothing was ever committed). */
void ww_store_rules_live(ww_store *s, int full, ww_store_cb cb, void *ud);
/* Result {"entries": [audit entries]}, newest first. */
void ww_store_rules_audit(ww_store *s, ww_store_cb cb, void *ud);

/* Store 'draft' (borrowed; its "id" names it). 'create': a new draft, kept
 * WW_STORE_DRAFT_TTL (ECONFLICT when WW_STORE_DRAFTS_MAX drafts are live; EFULL at the
 * memory bound); else an update of a live draft that keeps its expiry (ENOTFOUND when
 * it expired). Result NULL. */
void ww_store_draft_put(ww_store *s, const json_t *draft, int create, ww_store_cb cb,
                        void *ud);
/* Result: the draft; ENOTFOUND when unknown or expired. */
void ww_store_draft_get(ww_store *s, const char *id, ww_store_cb cb, void *ud);
/* Result {"drafts": [drafts without "files"]}, newest first. */
void ww_store_drafts(ww_store *s, ww_store_cb cb, void *ud);

/* The shadow run every instance on the store follows (engine/api/shadow.c): 'shadow'
 * (borrowed) stored, or NULL: ended; on Redis announced on WW_STORE_RULES_CHANNEL with the
 * message WW_STORE_SHADOW_MESSAGE. Result NULL. */
#define WW_STORE_SHADOW_MESSAGE "shadow"
void ww_store_shadow_set(ww_store *s, const json_t *shadow, ww_store_cb cb, void *ud);
/* Result: the shadow run; ENOTFOUND when none runs. */
void ww_store_shadow_get(ww_store *s, ww_store_cb cb, void *ud);

/* 'fn' is called on the handle's loop when another instance on the same Redis may have
 * changed the live version: with the id it published, or NULL after the subscription was
 * (re)made (messages may have been missed). The memory store never calls it (its only
 * writers are in this process). 'fn' NULL: no more calls. */
typedef void (*ww_store_rules_fn)(void *ud, const char *version);
void ww_store_on_rules_changed(ww_store *s, ww_store_rules_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#endif
