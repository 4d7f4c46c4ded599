/* Private to the rule engine (engine/rules/ and engine/decision/): the loaded rule set,
 * its precomputed catalogue and the per-decision scratch state.
 *
 * Ownership: everything hanging off a ww_rules is owned by it and released by
 * ww_rules_free(). Lua values are kept as registry refs (LUA_REGISTRYINDEX). */
#ifndef WW_RULES_PRIVATE_H
#define WW_RULES_PRIVATE_H

#include <lua.h>
#include <signal.h>
#include <stdint.h>

#include "util/crypto.h"
#include "wegwijzer/wegwijzer.h"

#define WW__MAX_SHIFTS 8
#define WW__MAX_CHANNELS 256
#define WW__EV_MAX 128              /* session events count_events indexes (more: not cached) */

/* Pre-rendered compact JSON text, owned. */
typedef struct ww__frag { char *s; size_t n; } ww__frag;

/* One catalogue channel, parsed once at load. */
typedef struct ww__channel {
  char *id, *name, *kind;     /* owned */
  int assisted;
  double base;
  int always;                 /* hours = "always" (holidays do not apply) */
  int nshift[7];              /* per weekday 0 = mon */
  int16_t from[7][WW__MAX_SHIFTS], to[7][WW__MAX_SHIFTS];   /* local minutes */
  json_t *contact;            /* owned object, shared (incref) into answers */
  json_t *route;              /* owned object or NULL: a /v1/route target */
  json_t *entry;              /* owned: {id, name, kind, assisted, base?, hours, contact,
                                 route?, extras} for GET /v1/channels */
  json_t *j_id, *j_name, *j_kind;   /* owned, shared into answers */
  int back_ref;               /* registry: the catalogue entry's backing table */
  char *source;               /* owned "channels.lua:3" */
  ww__frag f_head;            /* {"id":..,"name":..,"kind":..,"rank":        */
  ww__frag f_tail;            /* ,"contact":{..},"assisted":B,"reasons":[    */
  ww__frag f_excl;            /* {"id":..,"reasons":[                        */
} ww__channel;

typedef struct ww__service {
  char *id, *name;            /* owned */
  json_t *answer;             /* owned {id, name, upl?}, shared into answers */
  int proxy_ref, back_ref;    /* registry: read-only catalogue entry and its backing */
  char *source;
  ww__frag f_answer;          /* 'answer' rendered */
  uint8_t *applies;           /* owned, one per rule (sorted order): 1 if the rule's
                                 `service` filter holds for this service (decided at load) */
} ww__service;

typedef struct ww__rule {
  char *name;                 /* owned */
  char *source;               /* owned "steering/x.lua:12" */
  json_t *j_name, *j_source;  /* owned, shared into traces */
  lua_Integer priority;
  int seq;                    /* load order, for stable ties */
  int when_ref;               /* LUA_NOREF when absent (= always) */
  int advise_ref;
  int svc_ref;                /* `service`: a function, or conditions (filter.c) */
  int cit_ref, ctx_ref;       /* `citizen`, `context`: conditions; LUA_NOREF when absent */
  int line;                   /* of the rule call, for load errors */
} ww__rule;

typedef struct ww__case {
  char *name, *source;        /* owned */
  json_t *request;            /* owned */
  json_t *session, *status;   /* owned or NULL */
  int route;
  json_t *expect;             /* owned, validated at load */
} ww__case;

/* Effective state of the channels at one minute (hours, holidays, overrides). */
typedef struct ww__chstate {
  int open;
  double wait;                /* < 0: unknown */
  char *reason;               /* owned override reason or NULL */
} ww__chstate;

enum { WW__FX_PREFER = 1, WW__FX_AVOID, WW__FX_EXCLUDE, WW__FX_ONLY, WW__FX_NOTE, WW__FX_STOP };

typedef struct ww__reason { int16_t ch; uint8_t excl; uint32_t off, len; } ww__reason;
typedef struct ww__effect { uint8_t kind; int16_t ch; double pts; uint32_t off, len; } ww__effect;
typedef struct ww__trace { int rule; int matched; int fx_from, fx_to; } ww__trace;

/* Per-decision scratch, allocated once per ww_rules and grown as needed. */
typedef struct ww__dstate {
  double score[WW__MAX_CHANNELS];
  uint8_t excluded[WW__MAX_CHANNELS];
  ww__reason *reasons; size_t nreasons, creasons;
  ww__reason *notes; size_t nnotes, cnotes;   /* ch unused; distinct, first seen first */
  uint32_t *note_set; size_t note_slots;      /* open addressing: note index + 1, 0 free */
  int notes_hashed;           /* note_set holds this decision's notes (from 8 notes on) */
  ww__effect *fx; size_t nfx, cfx;
  ww__trace *trace; size_t ntrace, ctrace;
  char *arena; size_t alen, acap;
  int explain, stop, cur_rule;
  uint64_t gen;               /* bumped after each decision: older 'a' objects are dead */
  int active;
  uint64_t rand_gen;          /* gen + 1 of the decision that seeded math.random last */
  const char *advice_id;      /* borrowed (opts) or advice_id_buf; NULL until needed */
  char advice_id_buf[33];
  const void *a_cur;          /* the live 'a' userdata of the running decision */
  const json_t *session;      /* borrowed: the running decision's session, or NULL */
  const char *service;        /* borrowed: the running decision's service id */
  /* count_events: each event's type and service (the session's when it has none),
   * read from 'session' once per decision, at the first call */
  int nev;                    /* -1: not read yet in this decision */
  const char *ev_type[WW__EV_MAX], *ev_service[WW__EV_MAX];
} ww__dstate;

/* Normalized, validated request (request.c). Pointers borrowed from the request. */
typedef struct ww__input {
  const json_t *req;
  int svc;
  const json_t *citizen, *context;   /* objects or NULL */
  char ref[65];
  int has_ref;
  const char *origin;
  int64_t time;
  int explain;
  int has_extras;             /* unknown top-level fields -> r.extra */
} ww__input;

typedef struct ww__load ww__load;

struct ww_rules {
  lua_State *L;
  size_t mem_used, mem_cap;
  unsigned long budget;
  long budget_left;           /* of the running budget; C functions charge it too */
  int budget_on;              /* a run (decision, file, filters) has a budget */
  int run_load;               /* the running budget is a load's (for the messages) */
  int64_t tests_deadline;     /* while ww_rules_test runs: every case's deadline (the
                                 tests' together); 0 otherwise */
  unsigned timeout_ms;        /* wall-clock limit of one decision */
  unsigned load_timeout_ms;   /* of a load (all files), and of the rule tests together */
  int64_t load_deadline;      /* ww__now_ms() deadline of the load in progress */
  int64_t deadline;           /* the hook's own time check (ww__clock_ms); 0: none */
  volatile sig_atomic_t expired;   /* the watchdog saw 'deadline' pass (signal handler) */
  int limit_hit;              /* the budget or the time limit raised in this run */
  long charged;               /* steps C functions charged since the clock was last read */

  char *dir;                  /* owned */
  char version[13];
  json_t *files;              /* owned array of relative paths */
  ww__channel *ch; int nch;
  ww__service *svc; int nsvc;
  ww__rule *rules; int nrules;
  ww__case *cases; int ncases;
  int64_t *holidays; int nholidays;   /* sorted day numbers */
  int fb_ch[WW__MAX_CHANNELS]; int nfb; int fb_route;
  json_t *targets;            /* owned object or NULL */
  unsigned long failures;
  unsigned long failures_budget, failures_memory;   /* of 'failures' (budget: the instruction
                                                       budget or the time limit) */
  char last_error[400];      /* the last run-time failure, for ww_rules_test */

  /* registry refs */
  int ref_env, ref_idmap, ref_a_mt, ref_randomseed, ref_upv, ref_svc_mt;
  int ref_r, ref_r_back, ref_citizen_mt, ref_context_mt;
  int extra_set;              /* r.extra holds the last request's extras (else the empty view) */
  int nupv;                   /* (function, value) pairs in ref_upv */
  int *upv_n, cupv;           /* owned: the index of each of those upvalues in its function */

  /* channels view: built once at load (r.channels); per channel a state table (a copy of
   * the catalogue entry) whose open / waitSeconds are updated when cst[] changes */
  int cache_ok;
  int64_t cache_from, cache_until;
  uint64_t cache_key;
  int ref_chstate;            /* registry: array of the per-channel state tables */
  ww__chstate cst[WW__MAX_CHANNELS];

  ww__dstate d;
  ww__frag f_ruleset;         /* {"version":".."} */
  char *out; size_t olen, ocap; int ooom;   /* text answers (ww_decide_text_out) */
  ww_hmac mac;                /* citizenRef (ww_rules_citizen_ref) */
  ww__load *ld;               /* only while loading */
};

/* sandbox.c */
lua_State *ww__sandbox_new(ww_rules *R);               /* new state with the safe env */
ww_rules *ww__rules_of(lua_State *L);
/* A run's instruction budget and time limit: the decision's (now + timeout_ms, or in the
 * rule tests the tests' tests_deadline) or, with 'load', the load's (load_deadline). Stop
 * is idempotent. */
void ww__budget_start(ww_rules *R, unsigned long budget, int load);
void ww__budget_stop(ww_rules *R);
/* Makes the hook fire at the next instruction (async-signal-safe: lua_sethook only). */
void ww__budget_force(ww_rules *R);
/* Charges 'units' (instructions) of work done or about to be done by C function 'fn';
 * raises the sticky budget error when the budget does not cover it (or the time limit
 * passed). A no-op outside a run. */
void ww__charge(lua_State *L, double units, const char *fn);
/* Steps per value a C function takes or gives back in numbers (string.byte, table.unpack,
 * utf8.char, a:only, ...): measured, moving a value through the Lua stack and growing it
 * costs about as much as this many instructions. */
#define WW__VALUE_STEPS 8

/* watchdog.c: the wall clock of runs */
#define WW__WATCHDOG_SIGNAL SIGURG
int64_t ww__clock_ms(void);   /* CLOCK_MONOTONIC: deadlines are set and enforced on it */
int64_t ww__now_ms(void);     /* its coarse reading (may lag by a tick): the hook's check */
/* This thread runs R from 'armed_at' until 'deadline' (ms): wall-clock when 'limit_ms' is
 * 0, else a decision's running time of 'limit_ms' (at most ww__hard_limit() on the wall
 * clock). Returns 1 when a watchdog looks after it, 0 when there is none. */
#define WW__HARD_FACTOR 3   /* measured: 8 let hostile rules on an overloaded machine keep
                               /healthz waiting; 1 cut ordinary decisions short there */
#define WW__HARD_MIN_MS 20
static inline int64_t ww__hard_limit(unsigned limit_ms) {   /* on the wall clock */
  int64_t h = (int64_t)WW__HARD_FACTOR * limit_ms;
  return h < WW__HARD_MIN_MS ? WW__HARD_MIN_MS : h;
}
int ww__watchdog_arm(ww_rules *R, int64_t armed_at, int64_t deadline, unsigned limit_ms);
void ww__watchdog_disarm(void);

/* costed.c: the C library as rules reach it, every function charged for its work */
void ww__costed_open(lua_State *L, int base, int string, int table, int utf8, int math);
/* pattern.c: string.find, match, gmatch, gsub with the matcher's steps charged */
int ww__str_find(lua_State *L);
int ww__str_match(lua_State *L);
int ww__str_gmatch(lua_State *L);
int ww__str_gsub(lua_State *L);
void ww__ro_wrap(lua_State *L, int idx, int rmsg);       /* pushes a read-only proxy */
int ww__freeze(lua_State *L);                            /* lua_CFunction: after load */
/* Pushes the three values of pairs(proxy) over 'backing': an iterator that keeps the
 * backing to itself, the proxy, nil (for __pairs of read-only views). */
void ww__push_pairs(lua_State *L, int backing, int proxy);
int ww__unknown_channel(lua_State *L);   /* lua_CFunction: __index behind r.channels */
void ww__push_json(lua_State *L, const json_t *j, int rmsg);   /* deep, read-only */
void ww__push_empty_view(lua_State *L);   /* the shared empty view of r (as r.extra) */
/* Lua value at idx -> new JSON (plain data only); NULL with msg on bad data. */
json_t *ww__to_json(lua_State *L, int idx, char *msg, size_t msgsz, int depth);
int ww__restore_upvalues(lua_State *L);                  /* lua_CFunction */

/* filter.c: the declarative conditions of a rule */
/* Pushes the conditions of the table at idx, normalized: {key1, value or {values}, ...}.
 * -1 (nothing pushed) when a key is not a text or, with *bad_key set, when a value is not
 * a text, number, boolean or list of those. */
int ww__conds_build(lua_State *L, int idx, const char **bad_key);
/* Do the conditions at 'conds' hold for the plain table at 'from'? Both absolute indexes. */
int ww__conds_match(lua_State *L, int conds, int from);

/* loader.c / dsl.c */
void ww__dsl_open(lua_State *L, int base_idx);          /* DSL functions into base table */
int ww__load_finish(ww_rules *R, ww_err *err);           /* post-checks after all files */
int ww__scan_source(ww_rules *R, const char *file, const char *src, size_t len, ww_err *err);
int ww__channel_index(const ww_rules *R, const char *id);
int ww__service_index(const ww_rules *R, const char *id);
int ww__parse_hours_range(const char *s, int16_t *from, int16_t *to);
void ww__load_error(ww_err *err, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* api.c: the 'a' object and per-decision recording */
void ww__api_open(lua_State *L, ww_rules *R);            /* a metatable, idmap */
void ww__push_a(lua_State *L, ww_rules *R);
int ww__count_events(lua_State *L);   /* lua_CFunction: count_events(r, type [, service]) */
void ww__dstate_reset(ww__dstate *d, const ww_rules *R, int explain);
/* The running decision's adviceId: the caller's (ww_decide_opts.advice_id) or one made on
 * first use (32 hex digits; "" if no random bytes could be had). Borrowed. */
const char *ww__advice_id(ww_rules *R);
void ww__dstate_free(ww__dstate *d);
/* Pushes r.session: a read-only view of 'sess' (borrowed object), as
 * ww__push_json(L, sess, 2) but built from views reused across decisions. */
void ww__push_session(lua_State *L, const json_t *sess);

/* request.c */
int ww__request_parse(ww_rules *R, const json_t *req, const ww_decide_opts *opts,
                      int route, ww__input *in, ww_err *err);

/* decide.c */
void ww__chstate_compute(ww_rules *R, int64_t t, const json_t *status, ww__chstate *out,
                         int64_t *valid_until);
int ww__decide(ww_rules *R, const json_t *request, const ww_decide_opts *opts,
               int route_answer, int ivr_origin, json_t **out, ww_err *err);
int ww__render_prepare(ww_rules *R);                     /* fragments; after load */
void ww__render_free(ww_rules *R);

#endif
