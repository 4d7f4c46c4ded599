/* Private to engine/decision: the engine of one loaded rule set (struct ww_rules) and the
 * functions its files share. Nothing here includes Lua: the rules are reached through
 * rules/host.h (load, run), rules/catalogue.h and rules/verdict.h, all plain C.
 *
 * The files, each using only those listed after it:
 *   engine.c     the public handle: load, free, the flow of a decision, catalogue queries
 *   coverage.c   the rule tests' coverage (rules and steering-file lines)
 *   exhaustive.c the duty-of-care proof over every situation the rules tell apart
 *   ruletest.c   the rule tests and the duty-of-care check
 *   request.c    validation: a request object -> ww_decision_input
 *   memo.c       the decision cache: verdicts remembered for the same facts
 *   render.c     answers as text, from fragments rendered at load
 *   answer.c     answers as trees; ranking; the route item (also the fallback route's)
 *   channels.c   channel states from hours, holidays and overrides */
#ifndef WW_DECISION_PRIVATE_H
#define WW_DECISION_PRIVATE_H

#include "decision/decision.h"
#include "rules/host.h"
#include "util/crypto.h"

/* Compact JSON text. A fragment is owned; the output buffer grows and is reused. */
typedef struct ww__frag {
  char *s;
  size_t n;
} ww__frag;
typedef struct ww__text {
  char *s;
  size_t len, cap;
  int oom;                    /* an append failed: the text is incomplete */
} ww__text;

/* The fixed parts of text answers, rendered once at load (render.c). */
typedef struct ww__frags {
  ww__frag *head;             /* per channel: {"id":..,"name":..,"kind":..,"rank":   */
  ww__frag *tail;             /* per channel: ,"contact":{..},"assisted":B,"reasons":[ */
  ww__frag *excl;             /* per channel: {"id":..,"name":..,"reasons":[        */
  ww__frag *service;          /* per service: its answer object */
  ww__frag ruleset;           /* {"version":".."} */
  int nch, nsvc;
} ww__frags;

/* The channel states of one minute, kept while they hold (channels.c). */
typedef struct ww__states {
  ww_chstate st[WW_MAX_CHANNELS];
  int ok;                     /* st holds for [from, until) with overrides 'key' */
  int64_t from, until;
  uint64_t key;
  uint64_t gen;               /* bumped at every change (ww_facts.states_gen) */
  uint64_t sig;               /* what st is: the overrides' key and the window [from,
                                 until); equal when recomputed for the same minute, so the
                                 decision cache (memo.c) keys on it, not on gen, and
                                 questions about alternating times still hit */
} ww__states;

/* The decision cache (memo.c). */
typedef struct ww__memo_entry ww__memo_entry;
typedef struct ww__answer_entry ww__answer_entry;
typedef struct ww__memo {
  ww__memo_entry *slot;       /* [n]; n == 0: off */
  ww__answer_entry *answers;  /* [n]: the answer texts by request body */
  size_t n;
  ww__text key;               /* the running decision's key ... */
  uint64_t hash;              /* ... and its hash */
  unsigned long hits, misses;
} ww__memo;

struct ww_rules {
  ww_host *host;              /* owned: the Lua host with the rule set */
  const ww_catalogue *cat;    /* borrowed from 'host' */
  ww__states states;
  ww__frags frags;
  ww__text out;               /* text answers (ww_decision_text) */
  ww_hmac mac;                /* citizenRef */
  const ww_verdict *last;     /* borrowed from 'host' or 'memo': the last decision's, or NULL */
  ww__memo memo;
  int cache;                  /* the last decision's ww_decision_info.cache */
  char advice_id[33];         /* made for the running decision */
};

/* What one answer is made of (answer.c, render.c). */
typedef struct ww__answer {
  const ww_catalogue *cat;
  const ww_chstate *st;       /* [nch] */
  const ww_verdict *v;
  int service;                /* catalogue index */
  const char *advice_id;      /* NULL or "": none */
  int explain;
} ww__answer;

/* channels.c */
/* The states of every channel at 't' with 'status' (borrowed overrides or NULL) into
 * 'out' (its reasons replaced); '*valid_until' (may be NULL): when they may next change. */
void ww__states_compute(const ww_catalogue *cat, int64_t t, const json_t *status,
                        ww_chstate *out, int64_t *valid_until);
/* The states at 't', from the cache while the minute and the overrides' version
 * ('version' 0 with a status: not cacheable) are the same. */
const ww_chstate *ww__states_at(ww__states *s, const ww_catalogue *cat, int64_t t,
                                const json_t *status, uint64_t version);
void ww__states_clear(ww__states *s, int nch);
/* The overrides of 'status' (borrowed) that hold at 't' for channels of the catalogue, as
 * {id: {open?, waitSeconds?}} without from, until or reason (the decision log's record of
 * them: they decide the same at 't'). New; NULL on OOM. */
json_t *ww__states_overrides_at(const ww_catalogue *cat, int64_t t, const json_t *status);

/* request.c */
/* The request's top-level fields the engine does not know (r.extra): a new object, or
 * NULL when it has none. */
json_t *ww__request_extras(const ww_decision_input *in);

/* answer.c */
/* The channels that are not excluded into 'order', best first: open first, then score,
 * then catalogue order. Returns how many. */
int ww__rank(const ww_catalogue *cat, const ww_chstate *st, const ww_verdict *v, int *order);
/* The answer trees (new; NULL on no memory). A failed verdict gives the fallback advice,
 * or a route answer that is degraded. */
json_t *ww__answer_advice(const ww__answer *a);
json_t *ww__answer_route(const ww__answer *a);
/* A /v1/route target or alternative for channel 'c' (new). */
json_t *ww__answer_route_item(const ww_channel *c);
/* A channel's waitSeconds: a number, or null when unknown (new). */
json_t *ww__answer_wait(const ww_chstate *s);

/* engine.c: info->reason = the first 'len' bytes at 's' (borrowed), cut to fit at a character
 * boundary. */
void ww__first_reason(ww_decision_info *info, const char *s, size_t len);

/* ruletest.c: ww_decision_test, with 'seen' (may be NULL) called with each case's verdict
 * (its first decision, with a trace) and once with NULL after the last case. */
typedef void (*ww__case_seen)(void *ud, const ww_verdict *v);
int ww__decision_test(ww_rules *R, ww_case_fn line, void *ud, int *passed, int *failed,
                      ww__case_seen seen, void *sud);

/* Can a channel of 'kind' help a citizen with 'need' (NULL: none)? (the duty of care) */
int ww__reachable(const char *kind, const char *need);
/* memo.c */
/* Sets the cache to 'n' entries (0: off), emptying it: 0, or -1 (no memory: off). */
int ww__memo_resize(ww__memo *m, size_t n);
void ww__memo_free(ww__memo *m);
/* The key of 'in' with the states of 'states_gen' and the request's 'extra' fields (or
 * NULL): 0, or -1 when the cache is off or the request is never cached (citizen.id,
 * explain). Then ww__memo_get (NULL on a miss) and, after a run, ww__memo_put (keeps the
 * verdict when it is reusable). */
int ww__memo_key(ww__memo *m, const ww_decision_input *in, uint64_t states_sig,
                 const json_t *extra);
const ww_verdict *ww__memo_get(ww__memo *m);
void ww__memo_put(ww__memo *m, const ww_verdict *v);

/* render.c */
void ww__text_put(ww__text *t, const char *s, size_t n);
void ww__text_json(ww__text *t, const json_t *j);     /* as json_dumps(JSON_COMPACT) */
void ww__text_free(ww__text *t);
int ww__frags_prepare(ww__frags *f, const ww_catalogue *cat);   /* 0 or -1 (no memory) */
void ww__frags_free(ww__frags *f);
/* The plain advice answer (not failed, no explain) into 't', exactly as
 * json_dumps(ww__answer_advice(a) + extra, JSON_COMPACT). 'info' may be NULL. */
void ww__render_advice(ww__text *t, const ww__frags *f, const ww__answer *a,
                       const json_t *extra, ww_decision_info *info);

#endif
