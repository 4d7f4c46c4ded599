/* The rule-set history of an instance and of the store it shares (issue 14;
 * docs/operations.md "Rule-set versions"): every rule set that goes live is recorded as a
 * version with an audit entry, and a version another instance made live is adopted here.
 *
 *   - ww_reload's hook (every set that goes live, whatever the trigger) builds the version
 *     record and the audit entry (from -> to, a line diff per file), logs the entry, and
 *     hands both to the store: the caller writes them (an HTTP change, which answers after
 *     the write) or worker 0 does, from a queue (SIGHUP, --watch; a failed write retried);
 *   - worker 0 compares the store's live version with its own at start (adopting one set
 *     by publish or rollback, else recording its files), looks again when another instance
 *     publishes on ww:rules:changed (and every 2 s on Redis, in case a message was lost),
 *     and adopts a new live version through the reload gate.
 * The app layer: below the handlers, above reload.c. */
#ifndef WW_API_HISTORY_H
#define WW_API_HISTORY_H

#include "api/app.h"

/* Set the reload hook and the history's state (after ww_reload_init). 0 or -1. */
int ww_history_init(ww_app *app);
void ww_history_close(ww_app *app);

/* Worker 0 keeps the history in step with the store (timer, store notifications). */
void ww_history_worker_init(ww_app_worker *w);
void ww_history_worker_fini(ww_app_worker *w);

/* A change to make live through the gate (load, validate, tests). */
typedef struct ww_history_change {
  const json_t *files;       /* the rule set's files (checked here: 422 problems), or NULL:
                                the rules dir */
  const char *action;        /* "reload", "publish", "rollback", "adopt" */
  const char *source;        /* "files", "publish", "rollback" */
  const char *actor;
  const char *approved_by;   /* or NULL */
  int reload_tokens;         /* read the tokens file again first (POST /v1/rules/reload) */
  int queue;                 /* 1: answer once live here; worker 0 records it (a reload
                                from files must not wait for a hung store) */
} ww_history_change;

/* The change's outcome, on the worker's loop: rc 0 with 'info' (GET /v1/rules body,
 * borrowed) and 'store_status' (0, or the store's error: live here, recorded later), or
 * rc -1 with 'err' (err->code "invalid_files" with err->invalid_params for bad paths,
 * "reload_busy", or "ruleset_invalid" naming file and line). */
typedef void (*ww_history_done)(void *ud, int rc, const json_t *info, int store_status,
                                ww_err *err);

/* Run 'c' off the loop (libuv's pool; the load is bounded by --load-timeout), then record
 * it in the store on 'w's store, then call 'done'. 0, or -1 when it could not be started
 * (then 'done' is never called). */
int ww_history_apply(ww_app_worker *w, const ww_history_change *c, ww_history_done done,
                     void *ud);

/* The version this instance runs, as the history knows it (into 'out'). */
void ww_history_live(ww_app *app, char out[16]);

#endif
