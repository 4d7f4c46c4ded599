/* The decision engine as the server and the command line use it, beyond the embedding
 * API (include/wegwijzer/wegwijzer.h): validate a request once into a ww_decision_input,
 * decide on it (as a tree or as compact text with extra members), the fallback route,
 * failure counts, and the rule tests.
 *
 * A ww_rules (the public handle) is the decision engine of one loaded rule set: the Lua
 * host (engine/rules) and the decision's own state. Same threading rules as wegwijzer.h. */
#ifndef WW_DECISION_H
#define WW_DECISION_H

#include <stdint.h>

#include "util/json_limits.h"
#include "wegwijzer/wegwijzer.h"

/* How to read a request (ww_decision_parse). Zero-initialise, then set what applies. */
typedef struct ww_parse_opts {
  const unsigned char *secret;    /* key of citizenRef = HMAC-SHA256(secret, citizen.id) */
  size_t secret_len;
  int64_t now;                    /* epoch seconds when context.time is absent; 0 = clock */
  int ivr;                        /* context.origin defaults to "ivr" (else "web") */
  int service_optional;           /* a missing service is no error (a /v1/route call with a
                                     handoverCode takes it from the claimed session) */
  const ww_json_limits *outer;    /* or NULL: limits checked in the same walk as the
                                     request's own (the server's body limits); a value over
                                     them is "invalid_json" */
} ww_parse_opts;

/* A validated advice or route request. Borrows from the request object, which must
 * outlive it. */
typedef struct ww_decision_input {
  const json_t *req;
  int svc;                        /* catalogue index; -1: none given (service_optional) */
  const json_t *citizen, *context;   /* objects or NULL */
  char ref[65];                   /* citizenRef of citizen.id, when has_ref */
  int has_ref;
  const char *origin;             /* context.origin, or the default */
  int64_t time;                   /* context.time, or 'now' */
  int explain;
  int has_extras;                 /* top-level fields the engine does not know (r.extra) */
} ww_decision_input;

/* Validates 'req' (borrowed) without running the rules: 0, or WW_EINVAL with err->code
 * "invalid_param", "unknown_service" or (over o->outer) "invalid_json", err->msg and
 * err->invalid_params naming the fields. 'o' may be NULL: then no citizenRef. */
int ww_decision_parse(ww_rules *rules, const json_t *req, const ww_parse_opts *o,
                      ww_decision_input *in, ww_err *err);
/* Sets the service of an input read with service_optional: 0, or -1 (left as it was)
 * when the rule set does not know 'id'. */
int ww_decision_set_service(const ww_rules *rules, ww_decision_input *in, const char *id);
/* The name of the catalogue's service 'id' (borrowed, as long as 'rules'), or NULL. */
const char *ww_decision_service_name(const ww_rules *rules, const char *id);
/* The name of the catalogue's channel 'id' (borrowed), or NULL. */
const char *ww_decision_channel_name(const ww_rules *rules, const char *id);
/* The catalogue channel that context.origin 'origin' stands for in session events (the
 * channel whose 'origin' field names it; borrowed), or NULL when none does. */
const char *ww_decision_origin_channel(const ww_rules *rules, const char *origin);
/* The input's service id (borrowed, as long as 'rules'), or NULL. */
const char *ww_decision_service_id(const ww_rules *rules, const ww_decision_input *in);

/* One decision on a validated input. Zero-initialise, then set what applies. */
typedef struct ww_decision_opts {
  int route;                      /* answer as POST /v1/route (target, alternatives, reasons) */
  const json_t *session;          /* borrowed: the session object or NULL */
  const json_t *status;           /* borrowed: channel overrides, as for ww_rules_channels */
  uint64_t status_version;        /* nonzero: 'status' has the same content as long as this
                                     value is the same (the channel states are then cached
                                     per minute); 0 with a non-NULL 'status' = no cache */
  const char *advice_id;          /* adviceId of the answer; NULL = made one */
} ww_decision_opts;

/* The decision as an answer tree (new), as ww_decide gives it. 0, WW_ENOMEM, or
 * WW_EINVAL for an input without a service. */
int ww_decision_json(ww_rules *rules, const ww_decision_input *in, const ww_decision_opts *o,
                     json_t **out, ww_err *err);

/* What a text answer says, for logs and metrics. */
typedef struct ww_decision_info {
  const char *first;              /* borrowed, valid like the text: id of the first channel
                                     (advice) or of the route target; NULL when none */
  int degraded;                   /* the answer says "degraded": true */
  char advice_id[33];             /* the adviceId ("" in route answers) */
  const char *service;            /* the catalogue's id of the service decided on */
  int cache;                      /* the decision cache: 0 not looked up (off, or a request
                                     it never keeps), 1 found, 2 not found */
  char reason[256];               /* advice: the first channel's first reason, as the answer
                                     gives it (cut at a character boundary); "" when none */
} ww_decision_info;

/* The same decision, answered as compact JSON text: byte-identical to
 * json_dumps(answer, JSON_COMPACT) of ww_decision_json's answer after json_object_set()
 * of each member of 'extra' (borrowed object or NULL, e.g. {sessionId, agentContext}; a
 * key the answer has keeps its place, others follow in extra's order). Plain advice
 * answers are composed from JSON fragments rendered once at load (no tree per request).
 * '*text' is borrowed: valid until the next call on 'rules'. 'info' may be NULL.
 * Errors as ww_decision_json (then '*text' is NULL). */
int ww_decision_text(ww_rules *rules, const ww_decision_input *in, const ww_decision_opts *o,
                     const json_t *extra, const char **text, size_t *len,
                     ww_decision_info *info, ww_err *err);

/* What a decision comes to, without an answer: for comparing two rule sets (replay). */
#define WW_DECISION_OUTCOME_MAX 256   /* = WW_MAX_CHANNELS of the catalogue */
typedef struct ww_decision_outcome {
  const char *first;              /* borrowed (the catalogue's, as long as 'rules'): the
                                     first channel of the advice, or the route's target;
                                     the fallback's when the rules failed; NULL: none */
  int failed;                     /* a rule failed: the answer is the fallback (degraded) */
  int nexcluded;
  const char *excluded[WW_DECISION_OUTCOME_MAX];   /* borrowed: excluded channel ids */
} ww_decision_outcome;
/* The decision on 'in' as ww_decision_json makes it, as an outcome. Errors as it. */
int ww_decision_outcome_of(ww_rules *rules, const ww_decision_input *in,
                           const ww_decision_opts *o, ww_decision_outcome *out, ww_err *err);

/* What the decision log keeps of a decision to decide it again (record.c;
 * docs/decision-log.md): {"citizen": the fields rules read but ref, "context": {origin,
 * device?, intent?, time (ISO 8601, the input's)}, "session"?: {service?, channel?,
 * events: [{type, channel, service, at}]} (no id, no data, no detail), "overrides"?:
 * {channel: {open?, waitSeconds?}} of o->status holding at the input's time}. Never
 * citizen.id nor its citizenRef. New; NULL on OOM. */
json_t *ww_decision_record(const ww_rules *rules, const ww_decision_input *in,
                           const ww_decision_opts *o);
/* A decoded decision-log entry (borrowed; its "citizen", "context", "session" and
 * "overrides" as JSON text or values) back into an advice request {service, citizen,
 * context} (new), the session the rules saw (new, with id = the entry's sessionId; NULL
 * when none) and the overrides (new or NULL), for ww_decision_parse / ww_decision_opts.
 * 0, or -1 when the entry holds no service or context (an entry written before records,
 * a handover entry, a route without a service): nothing to replay, all NULL. */
int ww_decision_record_read(const json_t *entry, json_t **request, json_t **session,
                            json_t **overrides);

/* The rule set's fallback route as a /v1/route answer {target (with "fallback": true),
 * alternatives: [], reasons: [reason], ruleset, degraded: false}, for a call that cannot be
 * decided (no service known). New. */
json_t *ww_decision_fallback_route(const ww_rules *rules, const char *reason);

/* The service catalogue for pickers and page texts (GET /v1/services): {"services": [...]}
 * in catalogue order, each {id, name, upl?, audience?, presence, auth?, complexity?, tags,
 * the rule set's own fields}; no rules, no sources. New. ww_decision_service: one entry
 * (new; shared values, do not change it), or NULL when the catalogue has no such id. */
json_t *ww_decision_services(const ww_rules *rules);
json_t *ww_decision_service(const ww_rules *rules, const char *id);

/* The decision cache of 'rules' (engine/decision/memo.c): 'entries' verdicts remembered
 * and given again to a request with the same facts (0: off, the default; it starts
 * empty). Exact: only verdicts that read nothing but the service, citizen, context (to the
 * minute), extra fields and channel states are kept; adviceId and the rest of the answer
 * are made per request. 0, or WW_ENOMEM (then off). Counts: lookups that found a verdict,
 * and lookups that did not (requests that are never cached are not counted). */
int ww_decision_cache(ww_rules *rules, size_t entries);
/* The answer cache beside it (same 'entries'): ww_decision_text_keep remembers the text
 * ww_decision_text just gave for the request body 'body' ('len' bytes, the bytes 'in' was
 * parsed from) when its verdict is kept and nothing was added around it (no session,
 * citizen.id, explain, sessionId, handoverCode or 'extra', not a route; 'o' and 'extra' as
 * given to ww_decision_text). ww_decision_text_cached gives that text again for the same
 * bytes while the channel states ('o''s overrides, the minute) and, for a body without
 * context.time, the minute are the same, with a fresh adviceId (o->advice_id when set):
 * 0 ('*text' borrowed like ww_decision_text's, 'info' filled as it would be, counted as a
 * hit), or -1: decide as usual. A body the rule set would refuse is never kept. */
void ww_decision_text_keep(ww_rules *rules, const char *body, size_t len,
                           const ww_decision_input *in, const ww_decision_opts *o,
                           const json_t *extra, const ww_decision_info *info);
int ww_decision_text_cached(ww_rules *rules, const char *body, size_t len,
                            const ww_decision_opts *o, const char **text, size_t *tlen,
                            ww_decision_info *info);
void ww_decision_cache_counts(const ww_rules *rules, unsigned long *hits, unsigned long *misses);

/* Run-time rule failures since load (each answered with the fallback); of those, over the
 * instruction budget or time limit, and over the memory cap (the rest are rule errors). */
void ww_decision_failures(const ww_rules *rules, unsigned long *total, unsigned long *budget,
                          unsigned long *memory);

/* Runs the rule set's test cases (tests/ *.lua), then the duty-of-care check (Wmebv,
 * Awb 2:1): for every service, an anonymous request, one with digitalSkills "low" and one
 * with needs ["visual"] on a weekday at 10:00 keep at least one channel with
 * assisted = true; one line "zorgplicht <service>" each. 'line' (may be NULL) is called
 * once per line with its name, pass/fail and, on failure, why (borrowed strings). The
 * cases together have the time limit of a load. Returns the failed count (0 = all
 * passed); '*passed' and '*failed' get the counts when not NULL. */
typedef void (*ww_case_fn)(void *ud, const char *name, int ok, const char *why);
int ww_decision_test(ww_rules *rules, ww_case_fn line, void *ud, int *passed, int *failed);

/* The same tests, measuring what the cases (not the duty-of-care check) cover: returns as
 * ww_decision_test (or WW_ENOMEM, then no tests ran) and '*coverage' (new) the coverage
 * object of docs/openapi.json (RuleCoverage), as `wegwijzer test --coverage --json` prints
 * it: {rules: {covered, total}, lines: {covered, total}, uncovered: [{rule, file, line}],
 * perRule: [{rule, file, line, matched, fired}], files: {"steering/x.lua": {run: [lines],
 * notRun: [lines]}}}. A rule is covered when a case matched it (its conditions held, its
 * advise ran); it fired when its advise had an effect. Lines: those of the functions the
 * rules can reach (see ww_host_lines). */
int ww_decision_test_coverage(ww_rules *rules, ww_case_fn line, void *ud, int *passed,
                              int *failed, json_t **coverage);
/* Is either share of 'cov' (rules, lines) below 'min_pct' percent? 1 with 'why' (plain
 * words, naming the first rule no case reaches), else 0. */
int ww_decision_coverage_below(const json_t *cov, double min_pct, char *why, size_t n);

/* The duty-of-care proof (engine/decision/exhaustive.c; docs/rules.md says what it covers):
 * every service x citizen class x moment of a week and a holiday where a channel opens or
 * closes x each open channel closed by an override keeps an open assisted channel the
 * citizen can reach, or when none is open a way without a computer. */
typedef struct ww_exhaustive_opts {
  unsigned budget_ms;             /* stop after this long (then not complete); 0: no limit */
  int max_examples;               /* counterexamples kept; 0: 10 */
  int max_examples_per_service;   /* and of one service at most; 0: no such cap */
  int64_t week;                   /* epoch seconds in the week to prove (0: this week); the
                                     first holiday from its Monday on is added */
} ww_exhaustive_opts;
typedef struct ww_exhaustive_result {
  unsigned long long total;       /* situations in the space */
  unsigned long long situations;  /* of those proved (each checked, most through the trees) */
  unsigned long runs;             /* decisions actually run */
  unsigned long long violations;  /* situations that break the duty of care */
  int complete;                   /* 1: every situation checked within the budget */
  double seconds;
  json_t *examples;               /* new: [{request (a /v1/advice body), status (overrides
                                     as `wegwijzer eval --status` takes them, or null), why}] */
  json_t *scope;                  /* new: {services, classes, moments, states, values:
                                     {field: [values; null = absent]}} */
} ww_exhaustive_result;
/* 'texts' (borrowed): the rule set's files {path: text}, whose steering files are scanned
 * for the constants rules compare citizen fields with. 0, or WW_ENOMEM. Tracks reads on
 * 'rules' while it runs. Release the result with ww_exhaustive_result_clear. */
int ww_decision_exhaustive(ww_rules *rules, const json_t *texts, const ww_exhaustive_opts *o,
                           ww_exhaustive_result *res);
void ww_exhaustive_result_clear(ww_exhaustive_result *res);
/* One counterexample of res.examples in plain Dutch into 'out': the service, the citizen,
 * the moment, the outage (the override) and why it breaks the duty of care. */
void ww_exhaustive_describe(const json_t *example, char *out, size_t n);
/* The files of the rule set loaded from 'dir', read again: {path: text} (new). */
json_t *ww_decision_rule_texts(const ww_rules *rules, const char *dir);

#endif
