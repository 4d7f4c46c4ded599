/* Shadow evaluation (issue 14 section 5; docs/operations.md "Shadow evaluation"): a
 * candidate rule set -- a draft or a kept version -- decides every live decision again
 * (or a --shadow-sample share of them) beside the live set, after the answer has gone
 * out, on every instance sharing the store. Nothing the candidate does reaches an answer.
 *
 *   - POST /v1/rules/shadow (admin) loads the candidate here (off the loop), then stores
 *     the run (ww:rules:shadow, with the candidate's files) and announces it on
 *     ww:rules:changed, as a publish is; worker 0 of every other instance loads it when
 *     told (api/history.c passes the message on). On the embedded store the one process
 *     is every instance. DELETE ends the run the same way.
 *   - After a live decision is answered, the worker records it as the decision log does
 *     (decision/record.c: no citizen id, no citizenRef) and queues it. One shadow thread
 *     per process, at the lowest priority (nice 19), decides the queue on its own copies
 *     of the live set and the candidate (each with the limits of every rule set and
 *     failure counts of its own): the workers never wait for it; when it falls behind,
 *     a full queue (4096) drops decisions, counted as "dropped".
 *   - The comparison is the replay's (engine/replay: first channel, excluded channels,
 *     errors): /metrics counts same / different / error, GET /v1/rules/shadow shows this
 *     instance's counts, the replay's per-service counts and shifts, and the last 100
 *     pairs that differ (first channel and channel list on both sides). */
#ifndef WW_API_SHADOW_H
#define WW_API_SHADOW_H

#include "api/app.h"
#include "decision/decision.h"

/* The process's shadow state (after ww_reload_init): 0 or -1. */
int ww_shadow_init(ww_app *app);
void ww_shadow_close(ww_app *app);

/* A live decision was answered on 'rs' with 'in' and 'o' (all borrowed for the call):
 * queue it for the candidate when a shadow run is on and the sample picks it. Cheap when
 * none runs. */
void ww_shadow_offer(ww_app_worker *w, ww_ruleset *rs, const ww_decision_input *in,
                     const ww_decision_opts *o, const char *advice_id);

/* Is a shadow run on (it wants every live decision's request)? */
int ww_shadow_on(const ww_app_worker *w);

/* The store says the shadow run may have changed (worker 0; a message on
 * ww:rules:changed, or a renewed subscription): read it and follow. */
void ww_shadow_look(ww_app_worker *w);

void ww_api_shadow_start(ww_req *req);   /* POST /v1/rules/shadow (admin) */
void ww_api_shadow_get(ww_req *req);     /* GET /v1/rules/shadow */
void ww_api_shadow_stop(ww_req *req);    /* DELETE /v1/rules/shadow (admin) */

#endif
