/* Metrics: per-worker counters, summed at scrape time into Prometheus text format 0.0.4.
 *
 * Each worker owns one ww_metrics block and is its only writer: the ww_metrics_* counting
 * calls take no lock and do no atomic read-modify-write (single writer; each counter is a
 * C11 _Atomic uint64_t updated with a relaxed load + relaxed store, which is a plain mov on
 * x86-64 and aarch64). A scrape from any thread reads every block with relaxed loads, so it
 * may see one counter a few increments ahead of another, never a torn or half-typed value.
 * New label values (routes, services, channels) are published with release/acquire.
 *
 * Label sets are bounded per worker: 32 route patterns (then route="other"), 32
 * (method, status) pairs per route (then method="other",status="other"), 64 services and
 * 16 channels (then service="other" / channel="other"). The route label is the matched
 * route pattern ("/v1/sessions/{id}"), never the raw path; NULL (no route matched) counts as
 * route="unmatched". Label values are escaped (\\ \" \n) when rendered.
 *
 * Exposed: wegwijzer_http_requests_total{route,method,status},
 * wegwijzer_http_request_duration_seconds{route} (histogram), wegwijzer_rule_errors_total{kind},
 * wegwijzer_degraded_total, wegwijzer_store_errors_total, wegwijzer_store_reconnects_total,
 * wegwijzer_advice_total{service,channel}, wegwijzer_handovers_created_total,
 * wegwijzer_handovers_claimed_total, wegwijzer_shadow_decisions_total{result},
 * wegwijzer_decision_cache_hits_total, wegwijzer_decision_cache_misses_total,
 * wegwijzer_ruleset_info{version} and
 * wegwijzer_build_info{version}. */
#ifndef WW_METRICS_H
#define WW_METRICS_H

#include <stddef.h>

/* The Content-Type of ww_metrics_render()'s text. */
#define WW_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct ww_metrics_registry ww_metrics_registry;   /* one per process */
typedef struct ww_metrics ww_metrics;                     /* one per worker */

/* Kinds of rule failure (label kind="..."). */
typedef enum {
  WW_RULE_ERR_RUNTIME = 0,   /* "runtime": a Lua error raised by a rule */
  WW_RULE_ERR_BUDGET,        /* "budget": instruction budget exceeded */
  WW_RULE_ERR_MEMORY,        /* "memory": memory cap exceeded */
  WW_RULE_ERR_RESULT,        /* "invalid_result": the rule returned something unusable */
  WW_RULE_ERR_KINDS
} ww_rule_error_kind;

/* New registry with 'workers' (>= 1) zeroed blocks; NULL on bad count or OOM. Create it
 * before the workers start and free it after they have all stopped. */
ww_metrics_registry *ww_metrics_registry_new(int workers);
void ww_metrics_registry_free(ww_metrics_registry *reg);   /* NULL-safe */
int ww_metrics_registry_workers(const ww_metrics_registry *reg);

/* Worker i's block (0 <= i < workers), borrowed for the registry's life; NULL if out of
 * range. Only worker i may call the counting functions below on it. */
ww_metrics *ww_metrics_worker(ww_metrics_registry *reg, int i);

/* One finished HTTP request. 'route' is the matched pattern or NULL; 'method' as received
 * (GET HEAD POST PUT DELETE PATCH OPTIONS, anything else counts as "other"); 'status' a
 * 100-599 code (others count as "other"); 'seconds' the request's duration. Strings are
 * borrowed for the call; a route pattern with a stable address is recognised fastest. */
void ww_metrics_request(ww_metrics *m, const char *route, const char *method, int status,
                        double seconds);

void ww_metrics_rule_error(ww_metrics *m, ww_rule_error_kind kind);
void ww_metrics_degraded(ww_metrics *m);          /* an answer given in degraded mode */

/* How a live decision compared when decided again on the shadow candidate (label
 * result="..."; engine/api/shadow.c). The shadow thread counts these in block 0: it is
 * their only writer (worker 0 never writes them), so the single-writer rule holds. */
typedef enum {
  WW_SHADOW_SAME = 0,        /* the same first channel */
  WW_SHADOW_DIFFERENT,       /* another first channel */
  WW_SHADOW_ERROR,           /* the candidate failed (a rule error, or the request is
                                invalid for it) */
  WW_SHADOW_KINDS
} ww_shadow_kind;
void ww_metrics_shadow(ww_metrics *m, ww_shadow_kind kind);
void ww_metrics_store_error(ww_metrics *m);       /* a failed store command */
void ww_metrics_store_reconnect(ww_metrics *m);   /* a store connection (re)established */
void ww_metrics_handover_created(ww_metrics *m);
void ww_metrics_handover_claimed(ww_metrics *m);
/* A decision looked up in the decision cache: found (hit 1) or not (0). */
void ww_metrics_decision_cache(ww_metrics *m, int hit);

/* One advice given: its service and first channel offered ('first_channel_id' NULL or ""
 * when none was offered: channel="none"). Strings borrowed for the call; ids longer than
 * 63 bytes count as "other". */
void ww_metrics_advice(ww_metrics *m, const char *service_id, const char *first_channel_id);

/* Render the sum of all workers' blocks as Prometheus text (format 0.0.4). Safe from any
 * thread while the workers count. 'ruleset_version' (borrowed; NULL = no rule set loaded:
 * wegwijzer_ruleset_info gets no sample). New, NUL-terminated (caller free()s), length in
 * '*len' if 'len' is not NULL; NULL on OOM. */
char *ww_metrics_render(ww_metrics_registry *reg, const char *ruleset_version, size_t *len);

#endif
