/* wegwijzer -- embedding API: load a rule set, decide for a request, free, and ask the
 * catalogue. Link with the wegwijzer library (pkg-config wegwijzer).
 *
 * This header is all an embedder needs. It includes only <jansson.h>: Lua, libuv and
 * hiredis stay private. (The server and the command line use more of the engine, through
 * the internal header engine/decision/decision.h.)
 *
 * Ownership follows jansson's words: "new" (caller releases), "borrowed" (valid until
 * the call returns unless said otherwise), "steals".
 *
 * Threads: a ww_rules holds one Lua state. Use it from one thread at a time (the server
 * loads one per worker). Distinct ww_rules may be used from distinct threads at once.
 *
 * Watchdog: the first load or decision starts a watchdog thread and installs a SIGURG
 * handler. When a run is over its time limit the watchdog sends SIGURG to that run's
 * thread, whose handler makes Lua stop at the next instruction (with SA_RESTART, so
 * interrupted system calls restart). Without it (a process that blocks or takes over
 * SIGURG) the count hook still checks the clock every 1000 Lua instructions.
 */
#ifndef WEGWIJZER_H
#define WEGWIJZER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the library exports (built with hidden visibility: nothing else is). */
#if defined(__GNUC__) || defined(__clang__)
#define WW_EXPORT __attribute__((visibility("default")))
#else
#define WW_EXPORT
#endif

#define WW_VERSION "0.1.0"

/* Result codes: 0 is success, errors are negative. */
enum {
  WW_OK = 0,
  WW_EINVAL = -1001,   /* invalid input; see ww_err.code and ww_err.invalid_params */
  WW_ENOMEM = -1003,
};

/* Error detail, filled by every call that takes one. 'invalid_params' is a new
 * reference (a JSON array of {name, reason}) or NULL; 'errors' of a load: every error
 * found (up to 50), a JSON array of "FILE:LINE: message" texts, the first as in 'msg',
 * or NULL. Release with ww_err_clear(). */
typedef struct ww_err {
  char code[32];       /* problem code: "invalid_param", "unknown_service", "invalid_json",
                          "ruleset_invalid", ... */
  char file[256];      /* rule-set file relative to the rule-set dir, or "" */
  int line;            /* line in 'file', or 0 */
  char msg[512];       /* plain words; for load errors "FILE:LINE: message" */
  json_t *invalid_params;
  json_t *errors;
} ww_err;

WW_EXPORT void ww_err_clear(ww_err *err);   /* releases invalid_params, zeroes the rest */

/* Sandbox limits per Lua state (0 = default). C library calls charge the instruction
 * budget for their work (one instruction per element or a few characters they visit).
 * A decision over its time limit answers the fallback ("degraded": true); the limit is
 * of running time (the wall clock less the time its thread waited for a processor, up to
 * 3 times the limit and at least 20 ms on the wall clock). A load over its time limit
 * (wall clock) fails. */
#define WW_DEFAULT_DECISION_TIMEOUT_MS 5
#define WW_DEFAULT_LOAD_TIMEOUT_MS 5000
typedef struct ww_limits {
  size_t memory_bytes;         /* memory cap of the Lua state; default 32 MiB */
  unsigned long instructions;  /* instruction budget per decision; default 2,000,000 */
  unsigned decision_timeout_ms;   /* per decision; default 5 */
  unsigned load_timeout_ms;    /* per load (all files), and for the rule tests
                                  together; default 5000 */
  int strict;                  /* 1: the load's warnings (ww_rules_warnings) are errors */
} ww_limits;

typedef struct ww_rules ww_rules;   /* opaque: one loaded rule set in one Lua state */

/* Load, validate and compile the rule set in directory 'dir' (channels.lua,
 * services.lua, steering/ *.lua, tests/ *.lua). Returns new, or NULL with 'err' filled
 * (err->code "ruleset_invalid", err->file/line naming the place). 'lim' may be NULL. */
WW_EXPORT ww_rules *ww_rules_load(const char *dir, const ww_limits *lim, ww_err *err);
WW_EXPORT void ww_rules_free(ww_rules *rules);   /* NULL-safe */

/* First 12 hex digits of the sha256 over the rule set's files (borrowed). */
WW_EXPORT const char *ww_rules_version(const ww_rules *rules);

/* What the load warns about and loaded anyway: a JSON array of "FILE:LINE: message"
 * texts in Dutch (a field one slip from a known one, "bedoelt u ...?"; a rule condition
 * that matches no service), possibly empty. Borrowed, valid as long as 'rules'. */
WW_EXPORT const json_t *ww_rules_warnings(const ww_rules *rules);

/* {version, files: [...], rules: N, channels: N, services: N, cases: N}. New. */
WW_EXPORT json_t *ww_rules_info(const ww_rules *rules);

/* What the rule set says in time: every rule, service and channel with from / until, and
 * every planned closure, as [{kind: "rule"|"service"|"channel"|"closure", name, source?,
 * from?, until?, reason?}] (times as ISO 8601 in Dutch time; `wegwijzer check` prints
 * them). New. */
WW_EXPORT json_t *ww_rules_calendar(const ww_rules *rules);

/* Does the catalogue have this service / channel id? */
WW_EXPORT int ww_rules_has_service(const ww_rules *rules, const char *id);
WW_EXPORT int ww_rules_has_channel(const ww_rules *rules, const char *id);

/* The channel catalogue with effective 'open' and 'waitSeconds' at 'now' (epoch
 * seconds), as GET /v1/channels answers it: {"channels": [...]}. 'status' (borrowed,
 * may be NULL) holds overrides {id: {open, reason, from?, until?, waitSeconds?}}, each
 * applied when from <= now < until. New. */
WW_EXPORT json_t *ww_rules_channels(ww_rules *rules, int64_t now, const json_t *status);

/* Options of one decision. Zero-initialise, then set what applies. */
typedef struct ww_decide_opts {
  const unsigned char *secret;   /* key of citizenRef = HMAC-SHA256(secret, citizen.id) */
  size_t secret_len;
  int64_t now;                   /* epoch seconds used when context.time is absent; 0 = clock */
  int route;                     /* 1: POST /v1/route answer (target, alternatives, reasons);
                                    context.origin defaults to "ivr" */
  const json_t *session;         /* borrowed: the session object (docs/openapi.json,
                                    Session) or NULL */
  const json_t *status;          /* borrowed: channel overrides as for ww_rules_channels */
  const char *advice_id;         /* adviceId to put in the answer; NULL = generate one */
} ww_decide_opts;

/* Validate 'request' (borrowed; an AdviceRequest or RouteRequest of docs/openapi.json)
 * and decide.
 * On success returns 0 and '*out' is a new reference to the answer object:
 *   advice: {adviceId, service, channels, excluded, notes, ruleset, degraded[, trace]}
 *   route:  {target, alternatives, reasons, ruleset, degraded}
 * The caller adds sessionId / agentContext (top-level keys may be added freely; nested
 * objects such as "service" and "contact" are shared with the rule set, so do not modify
 * them). With "explain": true the answer has "trace" (route answers too). If the rules
 * fail at run time (an error, or over a limit) the answer is the rule set's fallback
 * with "degraded": true (still 0).
 * On invalid input returns WW_EINVAL with err->code "invalid_param" or
 * "unknown_service" and err->invalid_params naming the fields. */
WW_EXPORT int ww_decide(ww_rules *rules, const json_t *request, const ww_decide_opts *opts,
                        json_t **out, ww_err *err);

/* Same, from JSON text; malformed text gives WW_EINVAL with code "invalid_json". */
WW_EXPORT int ww_decide_text(ww_rules *rules, const char *json, size_t len,
                             const ww_decide_opts *opts, json_t **out, ww_err *err);

#ifdef __cplusplus
}
#endif
#endif
