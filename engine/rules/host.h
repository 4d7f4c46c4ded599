/* engine/rules: the Lua host of one rule set. It loads the rule set's files into a
 * sandboxed Lua state (loader.c, dsl.c, sandbox.c), keeps its catalogue (catalogue.h),
 * and runs the rules on the facts of one request (run.c), giving a verdict (verdict.h).
 * It knows nothing of answers, requests or HTTP (engine/decision does).
 *
 * Threads: a ww_host is one Lua state; use it from one thread at a time. */
#ifndef WW_RULES_HOST_H
#define WW_RULES_HOST_H

#include "rules/catalogue.h"
#include "rules/verdict.h"
#include "wegwijzer/wegwijzer.h"   /* ww_err, ww_limits */

typedef struct ww_host ww_host;

/* Load, validate and compile the rule set in 'dir' (channels.lua, services.lua,
 * steering/ *.lua, tests/ *.lua). Returns new, or NULL with 'err' filled (code
 * "ruleset_invalid", file and line naming the place). 'lim' may be NULL (defaults). */
ww_host *ww_host_load(const char *dir, const ww_limits *lim, ww_err *err);
void ww_host_free(ww_host *H);   /* NULL-safe */

/* Borrowed, valid as long as 'H'. */
const ww_catalogue *ww_host_catalogue(const ww_host *H);

/* Runs the rules on 'f' within the limits of one decision. Returns the verdict, borrowed
 * until the next run on 'H'; NULL only when the run could not start (no memory). A rule
 * that raises or runs over a limit is contained: the verdict says 'failed' (and why), the
 * failure is logged and counted, and 'H' stays usable. */
const ww_verdict *ww_host_run(ww_host *H, const ww_facts *f);

/* Failed runs since load; of those, over the instruction budget or time limit, and over
 * the memory cap (the rest are rule errors). */
void ww_host_failures(const ww_host *H, unsigned long *total, unsigned long *budget,
                      unsigned long *memory);

/* The rule tests share the time limit of a load: between begin and end every run ends
 * at the tests' deadline, not at its own; 'over' says when it passed. */
void ww_host_tests_begin(ww_host *H);
int ww_host_tests_over(const ww_host *H);
void ww_host_tests_end(ww_host *H);
unsigned ww_host_load_timeout_ms(const ww_host *H);

/* Probes, for the rule tests with coverage and the duty-of-care proof; off unless asked
 * for (a run then pays one pointer test).
 * Lines: between start and stop every line of a steering file that runs is recorded.
 * ww_host_lines: {"steering/x.lua": {"run": [lines], "notRun": [lines]}} for every
 * steering file (new): the lines of every function the rules can reach in a decision (their
 * when and advise, the helpers in globals and upvalues; not `service = function(s)`, which
 * runs at load), the closing `end` of a function not counted (after a `return` it never
 * runs). */
int ww_host_lines_start(ww_host *H);   /* 0, or -1 (no memory) */
void ww_host_lines_stop(ww_host *H);
json_t *ww_host_lines(const ww_host *H);

/* Reads: while 'fn' is set (NULL: off), every fact a rule reads is reported with the rule
 * (run order) reading it: a field of r.citizen or r.context ('key'; also each key of the
 * rule's declarative citizen / context conditions), a field of r.channels[channel] (its
 * catalogue fields as well as open, waitSeconds, closedBy, reason), or the question's
 * time for a rule with from / until (WW_READ_TIME). 0, or -1 (no memory). */
typedef enum { WW_READ_CITIZEN, WW_READ_CONTEXT, WW_READ_CHANNEL, WW_READ_TIME } ww_read_kind;
typedef void (*ww_read_fn)(void *ud, int rule, ww_read_kind kind, int channel,
                           const char *key);
int ww_host_track(ww_host *H, ww_read_fn fn, void *ud);

#endif
