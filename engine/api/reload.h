/* The live rule set holder (reload.c): the rule set each worker decides on, and the
 * zero-downtime reload that replaces it (docs/operations.md, 5). The bottom of
 * engine/api: it knows the decision engine, never the app, a worker or a request.
 *
 * A reload loads, validates and tests a new rule set off the request path, then publishes
 * one copy per worker (each worker has its own Lua state); each worker adopts its copy
 * before its next request. Requests in flight finish on the set they started with; the
 * old set is freed when its last request ends. A bad set never replaces a good one.
 * Triggers: POST /v1/rules/reload (admin), SIGHUP and --watch. */
#ifndef WW_API_RELOAD_H
#define WW_API_RELOAD_H

#include <pthread.h>
#include <stdatomic.h>

#include "decision/decision.h"

/* One worker's copy of a loaded rule set, with what GET /v1/rules shows of it.
 * Reference-counted on the worker's thread only: 1 for the worker while it is current,
 * +1 per decision in flight. */
typedef struct ww_ruleset {
  ww_rules *rules;                 /* owned */
  int refs;
  char loaded_at[32];
  int tests_passed, tests_failed;
  unsigned long seen_runtime, seen_budget, seen_memory;   /* failures already in metrics */
} ww_ruleset;

void ww_ruleset_release(ww_ruleset *rs);   /* NULL-safe; frees at zero */
/* GET /v1/rules body for 'rs' (new). */
json_t *ww_ruleset_info(const ww_ruleset *rs);

struct ww_watcher;   /* --watch */

/* Why a rule set is loaded, for the hook that keeps the history (api/history.c). */
typedef struct ww_reload_why {
  const char *action;        /* "reload", "publish", "rollback", or "adopt" (a version
                                another instance made live in the store) */
  const char *source;        /* "files", "publish" or "rollback" */
  const char *actor;         /* the token's NAME, "signal", "watch", ... */
  const char *approved_by;   /* publish with approval: the approver's NAME, else NULL */
  const json_t *files;       /* the set's files when it came from the store or a draft;
                                NULL: read from the dir */
  int wait;                  /* 1: the caller writes 'commit' to the store itself; 0: the
                                hook queues it */
  json_t *commit;            /* set by the hook: {record, audit} for the store, or NULL */
} ww_reload_why;

/* Called after a rule set went live, under the reload lock (so in the order sets go
 * live): 'dir' the files it was loaded from, 'info' its GET /v1/rules body. */
typedef void (*ww_reload_hook)(void *ud, ww_reload_why *why, const char *dir,
                               const json_t *info);

/* The holder: one per process. */
typedef struct ww_reload {
  const char *dir;                 /* borrowed: the rules dir */
  int workers;
  unsigned load_timeout_ms;        /* also the most a reload waits for the lock */
  ww_limits limits;                /* of every rule set loaded */
  size_t decision_cache;           /* entries of each worker's decision cache (0: off) */
  /* The rule set as checked at start (ww_reload_check) or by the last reload. */
  char loaded_at[32];
  char version[16];
  int tests_passed, tests_failed;
  pthread_mutex_t lock;            /* one reload at a time */
  pthread_mutex_t pending_lock;    /* guards 'pending' */
  ww_ruleset **pending;            /* [workers], owned until adopted */
  atomic_uint generation;
  struct ww_watcher *watcher;      /* owned; NULL without --watch */
  int min_coverage;                /* the gate: --min-coverage PCT, or -1 */
  int exhaustive;                  /* the gate: --exhaustive */
  unsigned exhaustive_budget_ms;
  atomic_int running;              /* SIGHUP reload threads still running */
  ww_reload_hook hook;             /* may be NULL; set before the workers start */
  void *hook_ud;
} ww_reload;

/* Set up the holder for 'workers' workers loading 'dir' (borrowed; must outlive it) with
 * 'limits'; with 'watch', reload when a file in 'dir', steering/ or tests/ changes
 * (debounced 300 ms, on a thread with its own loop). Returns 0, or -1 (logged; call
 * ww_reload_close all the same). */
int ww_reload_init(ww_reload *h, const char *dir, int workers, const ww_limits *limits,
                   int watch);
/* Stops the watcher, waits for SIGHUP reloads, frees what was never adopted. Idempotent. */
void ww_reload_close(ww_reload *h);

/* What the gate asks beyond the tests: --min-coverage (-1: nothing), --exhaustive with its
 * time budget. Before the first check. */
void ww_reload_set_gate(ww_reload *h, int min_coverage, int exhaustive, unsigned budget_ms);

/* The gate every rule set passes before it goes live (reload, and publish and rollback
 * through the same): its tests pass; with --min-coverage they cover at least that share of
 * its rules and of its steering lines; with --exhaustive the duty-of-care proof finds no
 * counterexample within its budget (a budget that runs out is logged, not refused: a busy
 * machine must not block every change). 'rules' was loaded from 'dir' (NULL: h->dir), where
 * failures are located; 'texts' (borrowed) is its files {path: text} for the proof, or NULL
 * to read them from 'dir'. Returns 0, or -1 with 'err' (code "ruleset_invalid", file and
 * line of the first failure). The test counts into '*passed', '*failed'. */
int ww_reload_gate(ww_reload *h, const char *dir, ww_rules *rules, const json_t *texts,
                   int *passed, int *failed, ww_err *err);

/* Load and test the rule set once before the workers do, so a broken set stops the start
 * with a FILE:LINE message: 0, or -1 with 'err'. Records version, tests and time. */
int ww_reload_check(ww_reload *h, ww_err *err);

/* A worker's first rule set (new, one reference), or NULL after logging why; and the
 * generation it belongs to in '*generation'. */
ww_ruleset *ww_reload_first(ww_reload *h, int worker, unsigned *generation);

/* Adopt worker 'worker's newer copy if one was published since '*generation' (cheap when
 * none was): releases '*current' and puts the new set there. Returns 1 when it did. */
int ww_reload_adopt(ww_reload *h, int worker, unsigned *generation, ww_ruleset **current);

/* Load, validate and test the rule set, then publish one copy per worker. Blocking: call
 * it off every event loop (thread pool or own thread). Returns 0 with '*info' (new, GET
 * /v1/rules shape), or -1 with 'err' naming file and line; err->code "reload_busy" when
 * another reload held the lock for all of the load timeout. */
int ww_reload_run(ww_reload *h, json_t **info, ww_err *err);

/* The same for the rule set in 'dir' (NULL: the holder's), telling the hook 'why' (may be
 * NULL: a reload from files by "reload"). */
int ww_reload_run_from(ww_reload *h, const char *dir, ww_reload_why *why, json_t **info,
                       ww_err *err);

/* Where the failing test case 'name' (its failure text 'why') is written in the rule set
 * in 'dir': err->file and err->line, when found. */
void ww_reload_case_place(const char *dir, const char *name, const char *why, ww_err *err);

/* SIGHUP: ww_reload_run on a thread of its own (ww_reload_close waits for it). */
void ww_reload_in_background(ww_reload *h);

#endif
