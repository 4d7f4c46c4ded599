/* Private to engine/rules: the Lua host's state and the functions its files share.
 *
 * Ownership: everything hanging off a ww_host is owned by it and released by
 * ww_host_free(). Lua values are kept as registry refs (LUA_REGISTRYINDEX).
 *
 * The files, each using only those listed after it:
 *   loader.c        ww_host_load/free: files, hash, load loop, checks at the end, freeze
 *   env.c           the environment rules see: allow-list, library copies, DSL, 'a'
 *   run.c           ww_host_run: building r, running the rules, containing failures
 *   probe.c         line coverage and read tracking, only when asked for (host.h)
 *   dsl.c           channel, service, holidays, fallback, targets, rule, case
 *   advise.c        the 'a' object: what the rules advise, into the verdict
 *   session_view.c  r.session and count_events
 *   freeze.c        after loading, everything a rule can reach becomes read-only
 *   filter.c        the declarative conditions of a rule
 *   costed.c, pattern.c   the C library as rules reach it, charged for its work
 *   view.c          read-only views, JSON <-> Lua
 *   sandbox.c       the capped allocator, the instruction budget and time limits
 *   watchdog.c      the time limits' own thread
 *   catalogue.c     plain C: lookups, holidays, hours */
#ifndef WW_RULES_HOST_PRIVATE_H
#define WW_RULES_HOST_PRIVATE_H

#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <stdint.h>

#include "rules/host.h"

#define WW__EV_MAX 128              /* session events count_events indexes (more: not cached) */

/* The Lua side of a catalogue service and of a rule (parallel to the catalogue's). */
typedef struct ww__service_lua {
  int proxy_ref, back_ref;    /* registry: read-only catalogue entry and its backing */
  uint8_t *applies;           /* owned, one per rule (run order): 1 if the rule's `service`
                                 filter holds for this service (decided at load) */
  int *run, nrun;             /* owned: the indexes of those rules, in run order (a decision
                                 without a trace visits only these: as cheap with 4,000
                                 rules as with 40 when few apply to one service) */
} ww__service_lua;

typedef struct ww__rule {
  lua_Integer priority;
  int seq;                    /* load order: the index of its ww_rule_info while loading */
  int line;                   /* of the rule call, for load errors */
  int when_ref;               /* LUA_NOREF when absent (= always) */
  int advise_ref;
  int svc_ref;                /* `service`: a function, or conditions (filter.c) */
  int cit_ref, ctx_ref;       /* `citizen`, `context`: conditions; LUA_NOREF when absent */
} ww__rule;

/* The limits of a run (sandbox.c, watchdog.c). */
typedef struct ww__limits {
  size_t mem_used, mem_cap;
  unsigned long budget;       /* instructions per decision */
  long budget_left;           /* of the running budget; C functions charge it too */
  int budget_on;              /* a run (decision, file, filters) has a budget */
  int run_load;               /* the running budget is a load's (for the messages) */
  int64_t tests_deadline;     /* while the rule tests run: every run's deadline; 0 otherwise */
  unsigned timeout_ms;        /* the time limit of one decision */
  unsigned load_timeout_ms;   /* of a load (all files), and of the rule tests together */
  int64_t load_deadline;      /* ww__clock_ms() deadline of the load in progress */
  int64_t deadline;           /* the hook's own time check (ww__now_ms); 0: none */
  volatile sig_atomic_t expired;   /* the watchdog saw the run pass its limit */
  int limit_hit;              /* the budget or the time limit raised in this run */
  long charged;               /* steps C functions charged since the clock was last read */
} ww__limits;

/* Registry refs of the environment and of r. */
typedef struct ww__refs {
  int env;                    /* the rule set's _ENV */
  int idmap;                  /* channel id -> index, for the 'a' methods */
  int a_mt;                   /* the metatable of 'a' */
  int randomseed;             /* math.randomseed */
  int upv;                    /* (function, value) pairs of every upvalue at load */
  int r, r_back;              /* r and its backing table */
  int citizen_mt, context_mt; /* the metatables of r.citizen / r.context (new backing per
                                 decision) */
  int context_lazy;           /* the metatable of r.context's backing: its time on first read */
  int chstate;                /* array of the per-channel state tables behind r.channels */
  int nupv;                   /* pairs in 'upv' */
  int *upv_n, cupv;           /* owned: the index of each of those upvalues in its function */
} ww__refs;

/* The running decision: the verdict being written and what its C functions need. */
typedef struct ww__run {
  ww_verdict v;               /* the scores and exclusions are written here; the lists
                                 below are handed to it when the run ends */
  ww_reason *reasons, *notes;
  size_t nreasons, creasons, nnotes, cnotes;
  ww_effect *fx;
  size_t nfx, cfx;
  ww_step *trace;
  size_t ntrace, ctrace;
  char *arena;
  size_t alen, acap;
  uint32_t *note_set;         /* open addressing: note index + 1, 0 free */
  size_t note_slots;
  int notes_hashed;           /* note_set holds this decision's notes (from 8 notes on) */
  int explain, stop, cur_rule;
  uint64_t gen;               /* bumped after each decision: older 'a' objects are dead */
  int active;
  uint64_t rand_gen;          /* gen + 1 of the decision that seeded math.random last */
  const char *seed;           /* the facts' seed, or seed_buf once made */
  char seed_buf[33];
  const void *a_cur;          /* the live 'a' userdata of the running decision */
  const json_t *session;      /* borrowed: the running decision's session, or NULL */
  const char *service;        /* borrowed: the running decision's service id */
  int64_t time;               /* r.context.time, put in its backing when first read ... */
  int time_read;              /* ... which makes the verdict not reusable at another second */
  /* count_events: each event's type and service (the session's when it has none), read
   * from 'session' once per decision, at the first call */
  int nev;                    /* -1: not read yet in this decision */
  const char *ev_type[WW__EV_MAX], *ev_service[WW__EV_MAX];
  int view_ok;                /* r.channels shows the states of ... */
  uint64_t view_gen;          /* ... this ww_facts.states_gen */
  int extra_set;              /* r.extra holds the last request's extras (else the empty view) */
  int16_t first[WW_MAX_CHANNELS];   /* a:first, in call order */
  uint8_t first_mark[WW_MAX_CHANNELS];
  int nfirst;
} ww__run;

typedef struct ww__load ww__load;

struct ww_host {
  lua_State *L;
  ww__limits lim;
  ww_catalogue cat;           /* plain C, read by the decision */
  int *ch_back;               /* [cat.nch] registry: each channel's catalogue table */
  ww__service_lua *svc_lua;   /* [cat.nsvc] */
  ww__rule *rules;            /* [cat.nrules], run order */
  ww__refs ref;
  ww__run run;
  unsigned long failures;
  unsigned long failures_budget, failures_memory;   /* of 'failures' (budget: the
                                                       instruction budget or the time limit) */
  ww__load *ld;               /* only while loading (loader.c, dsl.c) */
  struct ww__probe *probe;    /* owned: line coverage and read tracking (probe.c), or
                                 NULL: never asked for (then runs pay nothing for them) */
};

static inline ww_host *ww__host_of(lua_State *L) { return *(ww_host **)lua_getextraspace(L); }

/* sandbox.c */
void *ww__sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize);   /* lua_Alloc */
int ww__sandbox_panic(lua_State *L);
/* A run's instruction budget and time limit: the decision's (now + timeout_ms, or in the
 * rule tests the tests' tests_deadline) or, with 'load', the load's (load_deadline). Stop
 * is idempotent. */
void ww__budget_start(ww_host *H, unsigned long budget, int load);
void ww__budget_stop(ww_host *H);
/* Charges 'units' (instructions) of work done or about to be done by C function 'fn';
 * raises the sticky budget error when the budget does not cover it (or the time limit
 * passed). A no-op outside a run. */
void ww__charge(lua_State *L, double units, const char *fn);
/* Memory a load keeps outside the Lua state (JSON, names, arrays) counts against the rule
 * set's memory cap like the state's own. ww__mem_take: 0 when 'n' bytes fit (then they
 * are counted), else -1. ww__mem_charge: the same, raising WW__MEMORY_LIMIT when not. */
#define WW__MEMORY_LIMIT "memory limit of the rule set reached"
int ww__mem_take(ww_host *H, size_t n);
void ww__mem_charge(lua_State *L, size_t n);
/* Steps per value a C function takes or gives back in numbers (string.byte, table.unpack,
 * utf8.char, a:only, ...): measured, moving a value through the Lua stack and growing it
 * costs about as much as this many instructions. */
#define WW__VALUE_STEPS 8

/* watchdog.c: the wall clock of runs */
#define WW__WATCHDOG_SIGNAL SIGURG
int64_t ww__clock_ms(void);   /* CLOCK_MONOTONIC: deadlines are set and enforced on it */
int64_t ww__now_ms(void);     /* its coarse reading (may lag by a tick): the hook's check */
/* This thread runs L from 'armed_at' until 'deadline' (ms): wall-clock when 'limit_ms' is
 * 0, else a decision's running time of 'limit_ms' (at most ww__hard_limit() on the wall
 * clock). Over it, on this thread: '*expired' = 1 and L's count hook becomes 'hook' at
 * every instruction. Returns 1 when a watchdog looks after it, 0 when there is none. */
#define WW__HARD_FACTOR 3   /* measured: 8 let hostile rules on an overloaded machine keep
                               /healthz waiting; 1 cut ordinary decisions short there */
#define WW__HARD_MIN_MS 20
static inline int64_t ww__hard_limit(unsigned limit_ms) {   /* on the wall clock */
  int64_t h = (int64_t)WW__HARD_FACTOR * limit_ms;
  return h < WW__HARD_MIN_MS ? WW__HARD_MIN_MS : h;
}
int ww__watchdog_arm(lua_State *L, lua_Hook hook, volatile sig_atomic_t *expired,
                     int64_t armed_at, int64_t deadline, unsigned limit_ms);
void ww__watchdog_disarm(void);

/* view.c: read-only views of tables, JSON <-> Lua */
/* Pushes a read-only proxy of the table at 'idx'. 'rmsg': a write says "r is read-only"
 * (1), or names the catalogue and rule-file data (0). */
void ww__view_wrap(lua_State *L, int idx, int rmsg);
int ww__view_is(lua_State *L, int idx);                  /* a proxy of ww__view_wrap? */
/* The table behind proxy 'idx'. A backing with lazy fields (r.context's time) has them
 * filled first: whoever reads it all (pairs, a copy) reads those too. */
void ww__view_push_backing(lua_State *L, int idx);
/* Pushes the three values of pairs(proxy) over 'backing': an iterator that keeps the
 * backing to itself, the proxy, nil (for __pairs of read-only views). */
void ww__view_push_pairs(lua_State *L, int backing, int proxy);
void ww__view_push_empty(lua_State *L);   /* the shared empty view of r (as r.extra) */
int ww__view_unknown_channel(lua_State *L);   /* lua_CFunction: __index behind r.channels */
/* ro: 0 plain tables, 1 read-only (data), 2 read-only ("r is read-only"); 3/4: as 1/2
 * but the top-level table itself is left raw (a backing table). Deep. */
void ww__view_push_json(lua_State *L, const json_t *j, int ro);
/* Lua value at idx -> new JSON (plain data only); NULL with msg on bad data or when it
 * does not fit the memory limit (ww__mem_take). Charges the budget for its values. */
json_t *ww__view_to_json(lua_State *L, int idx, char *msg, size_t msgsz, int depth);

/* costed.c: the C library as rules reach it, every function charged for its work */
void ww__costed_open(lua_State *L, int base, int string, int table, int utf8, int math);
/* pattern.c: string.find, match, gmatch, gsub with the matcher's steps charged */
int ww__pattern_find(lua_State *L);
int ww__pattern_match(lua_State *L);
int ww__pattern_gmatch(lua_State *L);
int ww__pattern_gsub(lua_State *L);

/* filter.c: the declarative conditions of a rule */
/* Pushes the conditions of the table at idx, normalized: {key1, value or {values}, ...}.
 * -1 (nothing pushed) when a key is not a text or, with *bad_key set, when a value is not
 * a text, number, boolean or list of those. */
int ww__filter_build(lua_State *L, int idx, const char **bad_key);
/* Do the conditions at 'conds' hold for the plain table at 'from'? Both absolute indexes. */
int ww__filter_match(lua_State *L, int conds, int from);

/* freeze.c */
int ww__freeze(lua_State *L);              /* lua_CFunction: after load */
int ww__freeze_restore(lua_State *L);      /* lua_CFunction: every upvalue back to its value
                                              at load */

/* advise.c: the 'a' object and the verdict it writes */
void ww__advise_open(lua_State *L, ww_host *H);          /* a's metatable, the id map */
void ww__advise_push(lua_State *L, ww_host *H);          /* this decision's 'a' */
void ww__advise_reset(ww__run *run, const ww_catalogue *cat, int explain);
void ww__advise_free(ww__run *run);
void ww__advise_finish(ww__run *run, const ww_catalogue *cat);   /* a:first, after a run */

/* session_view.c */
/* lua_CFunction: count_events(r, type [, service]) */
int ww__view_session_count_events(lua_State *L);
/* Pushes r.session: a read-only view of 'sess' (borrowed object), as
 * ww__view_push_json(L, sess, 2) but built from views reused across decisions. */
void ww__view_session_push(lua_State *L, const json_t *sess);

/* dsl.c */
void ww__dsl_open(lua_State *L, int base_idx);          /* DSL functions into base table */

/* env.c */
/* The environment of a new state (lua_CFunction, in a protected call): the allow-list
 * with library copies, the DSL, the 'a' metatable; H->ref.env is the rule set's _ENV. */
int ww__env_open(lua_State *L);

/* probe.c: line coverage and read tracking (host.h), the parts run.c calls */
typedef struct ww__probe ww__probe;
void ww__probe_arm(ww_host *H);          /* after the budget's hook is set: add the line hook */
void ww__probe_read(ww_host *H, ww_read_kind kind, int channel, const char *key);
/* The backing at the top into view metatable 'mt' (absolute): __index, or while reads are
 * tracked __data plus a tracking __index. Pops it. */
void ww__probe_backing(lua_State *L, ww_host *H, int mt, ww_read_kind kind, int channel);
const char *ww__probe_backing_field(const ww_host *H);   /* where that backing is */
void ww__probe_filter(lua_State *L, ww_host *H, int conds, ww_read_kind kind);

/* run.c */
/* In a protected call, after the freeze: the fixed parts of r (citizen, context,
 * channels, extra) and their registry refs. */
void ww__run_prepare(lua_State *L, ww_host *H);

#endif
