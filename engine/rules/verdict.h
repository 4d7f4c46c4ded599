/* What one run of the rules takes and gives, in plain C: the facts the rules see as r,
 * and the verdict they leave (scores, exclusions, reasons, notes, trace). The decision
 * fills the facts and reads the verdict (engine/decision); run.c runs the rules between.
 * Channels are catalogue indexes (catalogue.h). */
#ifndef WW_RULES_VERDICT_H
#define WW_RULES_VERDICT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/catalogue.h"

/* A channel's effective state at one minute: its hours, the holidays and the overrides
 * (engine/decision/channels.c). */
typedef enum ww_closed_by {       /* why a channel is closed (r.channels[id].closedBy) */
  WW_OPEN = 0,
  WW_CLOSED_HOURS,                /* outside its opening hours: "hours" */
  WW_CLOSED_HOLIDAY,              /* a holiday: "holiday" */
  WW_CLOSED_PERIOD,               /* outside the channel's from / until: "period" */
  WW_CLOSED_CLOSURE,              /* a planned closure: "closure" */
  WW_CLOSED_STATUS,               /* a status override: "status" */
} ww_closed_by;

typedef struct ww_chstate {
  int open;
  double wait;                    /* seconds; < 0: unknown */
  char *reason;                   /* owned: the closure's or override's reason, or NULL */
  ww_closed_by closed_by;         /* WW_OPEN when open */
} ww_chstate;

/* "hours", "holiday", "period", "closure", "status", or NULL when open. */
const char *ww_closed_by_name(ww_closed_by c);

/* The facts of one run, all borrowed for the run. */
typedef struct ww_facts {
  int service;                    /* catalogue index: r.service */
  const json_t *citizen;          /* object or NULL: r.citizen (without id) */
  const char *citizen_ref;        /* r.citizen.ref (64 hex digits) or NULL */
  const json_t *context;          /* object or NULL: r.context (its time replaced by ...) */
  const char *origin;             /* ... r.context.origin ... */
  int64_t time;                   /* ... and time (epoch seconds), date, weekday, hhmm,
                                     minutes (Europe/Amsterdam) */
  const json_t *extra;            /* object of the request's fields the engine does not
                                     know (r.extra), or NULL */
  const json_t *session;          /* object or NULL: r.session */
  const ww_chstate *states;       /* [nch]: r.channels[id].open and .waitSeconds */
  uint64_t states_gen;            /* changes whenever 'states' do (0: take them anew) */
  const char *seed;               /* seeds math.random: the adviceId, so a trace can be
                                     reproduced; NULL: random */
  int explain;                    /* record the trace */
} ww_facts;

enum { WW_FX_PREFER = 1, WW_FX_AVOID, WW_FX_EXCLUDE, WW_FX_ONLY, WW_FX_NOTE, WW_FX_STOP,
       WW_FX_FIRST };

/* Texts are 'len' bytes at 'arena + off' (not NUL-terminated; any bytes a rule gave). */
typedef struct ww_reason {
  int16_t ch;
  uint8_t excl;                   /* a reason for an exclusion */
  uint32_t off, len;
} ww_reason;
typedef struct ww_effect {        /* what one a:... call did, for the trace */
  uint8_t kind;                   /* WW_FX_* */
  int16_t ch;                     /* or -1 */
  double pts;
  uint32_t off, len;              /* only: the channel list; note: the text */
} ww_effect;
typedef struct ww_step {          /* the trace: one per rule looked at, in run order */
  int rule;                       /* catalogue rule index */
  int matched;
  int fx_from, fx_to;             /* its effects */
} ww_step;

typedef struct ww_verdict {
  double score[WW_MAX_CHANNELS];  /* base score plus what the rules gave */
  uint8_t excluded[WW_MAX_CHANNELS];
  const ww_reason *reasons;       /* in the order given */
  size_t nreasons;
  const ww_reason *notes;         /* distinct, first noted first ('ch' unused) */
  size_t nnotes;
  const ww_effect *fx;            /* with explain only */
  size_t nfx;
  const ww_step *trace;           /* with explain only */
  size_t ntrace;
  const char *arena;
  int failed;                     /* a rule raised or ran over a limit: the decision
                                     answers the fallback */
  int reusable;                   /* the same facts give the same verdict again: it did
                                     not fail and had no trace, no session, no citizen.ref;
                                     no rule used math.random or read r.context.time (the
                                     second). Then it depends on the service, citizen,
                                     context (its minute), extra and the states only. */
  char error[400];                /* then: which rule, where and why */
} ww_verdict;

#endif
