/* The application: what the HTTP handlers share. One ww_app per process (read-only once
 * the server runs, except where said), one ww_app_worker per worker thread.
 *
 * engine/api is layered one way: the handlers (api.c, sessions.c) -> the application
 * (app.c: lifecycle, workers, request completion) -> the live rule set holder (reload.c).
 * Nothing here calls up into a handler. */
#ifndef WW_APP_H
#define WW_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <uv.h>

#include "api/reload.h"
#include "auth/auth.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "server/server.h"

struct ww_store;          /* engine/store/store.h */
struct ww_memstore;       /* the embedded store, shared by all workers */
struct ww_ratelimit;      /* engine/util/ratelimit.h */

/* The flood brakes on writes (--session-rate, --event-rate, --handover-rate). */
typedef enum {
  WW_LIMIT_SESSIONS,      /* POST /v1/sessions */
  WW_LIMIT_EVENTS,        /* POST /v1/sessions/{id}/events */
  WW_LIMIT_HANDOVERS,     /* POST /v1/sessions/{id}/handover */
  WW_LIMIT_KINDS
} ww_limit_kind;
struct ww_tokens;        /* tokens.c */
struct ww_app_worker;

typedef struct ww_app {
  const ww_config *cfg;            /* borrowed */
  unsigned char secret[256];       /* citizenRef key (from --secret-file or random) */
  size_t secret_len;
  struct ww_memstore *memstore;    /* owned; NULL when --redis is given */
  /* The tokens file as last loaded (tokens.c): replaced on reload under tokens_lock,
   * 'tokens_gen' bumped; workers check with their own reference (ww_app_auth). */
  struct ww_tokens *tokens;        /* owned; NULL without --tokens */
  pthread_mutex_t tokens_lock;
  atomic_uint tokens_gen;
  int listen_loopback;             /* 1 when --listen is a loopback address */
  ww_metrics_registry *metrics;    /* owned */
  ww_reload rules;                 /* the live rule set holder (reload.h), with the limits
                                      of every rule set loaded (time limits from cfg) */
  atomic_int *store_ready;         /* [workers]: each worker's store reachable (readyz) */
  /* [kind][0] per client address, [kind][1] per token; owned; NULL when the rate is 0 */
  struct ww_ratelimit *rate_limits[WW_LIMIT_KINDS][2];
  /* The newest status overrides any worker has seen (overrides.c): after a PUT or DELETE
   * every worker of this instance answers with it at once (read-your-writes). */
  pthread_mutex_t status_lock;     /* guards the two below */
  json_t *status_shared;           /* owned; NULL until a worker shares one */
  int64_t status_shared_at;        /* monotonic ms of the share */
  _Atomic uint64_t status_shared_rank;   /* ww_store_status_rank of status_shared */
  /* The rule-set history (history.c), guarded by history_lock: */
  pthread_mutex_t history_lock;
  char live_version[16];           /* the version this instance runs, as recorded */
  json_t *live_files;              /* its files (the audit's diff), or NULL when unknown */
  json_t *history_queue;           /* [{record, audit}] for worker 0 to write, oldest first */
  int history_ready;               /* history_lock initialised */
  struct ww_shadow *shadow;        /* the shadow run this process follows (shadow.c) */
  /* Called on worker 0 for every message on the store's rules channel (history.c hears
   * it; shadow runs are announced there too): ww_shadow_look, set by app_setup so that
   * history.c, below shadow.c, needs not know it. */
  void (*on_rules_message)(struct ww_app_worker *w);
} ww_app;

typedef struct ww_app_worker {
  ww_app *app;                     /* borrowed */
  uv_loop_t *loop;                 /* borrowed: the worker's loop */
  int index;
  ww_ruleset *current;             /* this worker's rule set (holds a reference) */
  ww_rules *rules;                 /* borrowed: current->rules, or NULL */
  unsigned generation;             /* of 'current' (ww_reload_adopt) */
  struct ww_store *store;          /* owned: this worker's store handle */
  struct ww_tokens *tokens;        /* a reference: the tokens this worker checks with */
  unsigned tokens_gen;             /* of 'tokens' */
  ww_metrics *metrics;             /* borrowed: this worker's block of app->metrics */
  uv_timer_t ready_timer;          /* publishes ww_store_ready() in app->store_ready */
  /* The overrides as decisions see them (overrides.c), all owned references: */
  json_t *status;                  /* the store's (or the shared) object last seen */
  json_t *status_view;             /* 'status' without the overrides that have ended */
  int64_t status_ends;             /* when the next override in the view ends (epoch s) */
  uint64_t status_version;         /* bumped when the view changes */
  json_t *status_shared;           /* app->status_shared as last taken */
  uint64_t status_shared_rank;
  int64_t status_shared_at;
  /* Worker 0 only: the history kept in step with the store (history.c). */
  uv_timer_t history_timer;
  int history_timer_on;
  int history_busy;                /* a history store operation or adoption runs */
  int history_synced;              /* the store's live version was compared at start */
  int history_check;               /* look at the store's live version at the next tick */
  uint64_t history_looked;         /* uv_now() of the last look */
  char history_refused[16];        /* a version from the store that failed the gate here */
  /* Store counters already copied into 'metrics' (ww_store_get_stats deltas). */
  unsigned long seen_store_errors, seen_store_reconnects;
} ww_app_worker;

/* What a decision adds to its request's log line: the handler sets it as the request's
 * note (ww_req_set_note) before it responds; ww_app_on_complete reads it. */
typedef struct ww_app_log_note {
  const char *advice_id;           /* borrowed, or NULL */
  const char *rules_version;       /* borrowed: the rule set the request decided on */
} ww_app_log_note;

/* Prepare 'app' for serving with 'cfg' (borrowed; must outlive the app): the secret, the
 * rule set holder, the embedded store when no --redis is given. Returns 0, or -1 after
 * logging why. */
int ww_app_init(ww_app *app, const ww_config *cfg);
void ww_app_close(ww_app *app);

/* ww_server_opts hooks. */
void *ww_app_worker_init(void *app, uv_loop_t *loop, int worker_index);
void ww_app_worker_fini(void *app, void *worker_state);
void ww_app_on_complete(void *worker_state, const ww_req *req, int status, double seconds);
void ww_app_on_reload(void *app);   /* SIGHUP: a reload on a thread of its own */

/* The worker's current rule set after adopting a newer one, with a reference for the
 * caller (release with ww_ruleset_release), or NULL when none is loaded. */
ww_ruleset *ww_app_rules_acquire(ww_app_worker *w);

/* Adopt a newer rule set if one was published (cheap when none was). */
void ww_app_rules_refresh(ww_app_worker *w);

/* The channel-status overrides for this worker's decisions (borrowed), with a version
 * that changes whenever they do (ww_decision_opts.status_version); 'version' may be NULL.
 * The newest of the store's copy and the one another worker of this instance shared
 * within the last second, without the overrides whose 'until' has passed (overrides.c).
 * Call it after a change of the overrides and before answering, to share the change. */
const json_t *ww_app_status(ww_app_worker *w, uint64_t *version);
void ww_app_status_init(ww_app *app);
void ww_app_status_fini(ww_app *app);
void ww_app_worker_status_fini(ww_app_worker *w);

/* 1 when every worker's store is reachable (GET /readyz: a load balancer asks one
 * worker, and must not hear "ready" while another cannot reach Redis). */
int ww_app_stores_ready(const ww_app *app);
/* Publish this worker's store state now (also done every 100 ms and after each request). */
void ww_app_publish_ready(ww_app_worker *w);

/* Copy the worker's store counters into its metrics block (on the worker's thread). */
void ww_app_sync_store_metrics(ww_app_worker *w);

/* The tokens file (tokens.c). init: load --tokens at start (0, or -1 logged); reload:
 * read it again, keep the tokens in force when the new file is refused (logged); auth: the
 * tokens for a request on this worker, the newest loaded (NULL without --tokens); fini /
 * close: let go of a worker's / the app's reference. */
int ww_app_tokens_init(ww_app *app);
void ww_app_tokens_reload(ww_app *app);
const ww_auth *ww_app_auth(ww_app_worker *w);
void ww_app_tokens_worker_fini(ww_app_worker *w);
void ww_app_tokens_close(ww_app *app);


/* The client's address as the key of its limits: an IPv6 address by its /64 (what one
 * host usually gets, so it cannot dodge a limit by changing its last 64 bits), any other
 * whole. Into 'out' (NUL-terminated). */
#define WW_APP_CLIENT_KEY_MAX 64
void ww_app_client_addr(ww_req *req, char out[WW_APP_CLIENT_KEY_MAX]);

/* Append a handover ("handover") or claim ("claimed") entry to the decision stream, for
 * wegwijzer report: {kind, sessionId, service?, channel?}. 'obj' (borrowed) is the
 * handover answer or the claimed session. No-op without --decision-log. */
void ww_app_log_handover(ww_app_worker *w, const char *kind, const json_t *obj);

/* A handover claim's callerRef (the IVR's id of the caller): NULL when it is absent or
 * well formed -- then 'key' is its keyed hash (HMAC with the citizenRef secret, 64 hex;
 * "" when absent), the only form the store sees -- else why it is not. */
const char *ww_app_caller_key(const ww_app *app, const json_t *caller_ref, char key[65]);
/* 400 unknown_service / unknown_channel when a session body names a service or channel
 * the rule set does not know ('keys': the body's channel fields, NULL-terminated;
 * 'service': also check "service"). 1 when all are known or no rule set is loaded. */
int ww_app_known_ids(ww_req *req, const json_t *body, const char *const *keys, int service);

/* A worker whose rule set failed to load answers 503 (ruleset_invalid) and gets 0. */
int ww_app_have_rules(ww_req *req, ww_app_worker *w);

#endif
