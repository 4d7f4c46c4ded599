/* The catalogue of a loaded rule set, in plain C: channels with their opening hours,
 * services, holidays, the fallback, targets, the rules' names in run order and the rule
 * tests. The DSL fills it while the rule set loads (dsl.c); afterwards it is read-only and
 * lives as long as its ww_host (host.h). The decision reads it; the rules see views of
 * their own (loader.c, run.c).
 *
 * Ownership: everything in a ww_catalogue is owned by it. JSON values marked "shared" are
 * put into answers by reference (json_incref); nobody changes them. */
#ifndef WW_RULES_CATALOGUE_H
#define WW_RULES_CATALOGUE_H

#include <jansson.h>
#include <stdint.h>

#define WW_MAX_CHANNELS 256
#define WW_MAX_SHIFTS 8           /* time ranges per weekday */

/* A planned closure of a channel: closed for [from, until) (epoch seconds), with a
 * reason (closures { ... }). */
typedef struct ww_closure {
  int64_t from, until;
  char *reason;
} ww_closure;

typedef struct ww_channel {
  char *id, *name, *kind;
  int64_t period_from, period_until;   /* offered for [from, until) only (0: no bound) */
  ww_closure *closures;           /* sorted by 'from' */
  int nclosures;
  int assisted;
  double base;                    /* the starting score */
  int always;                     /* hours = "always" (holidays do not apply) */
  int nshift[7];                  /* time ranges per weekday, 0 = monday */
  int16_t from[7][WW_MAX_SHIFTS], to[7][WW_MAX_SHIFTS];   /* local minutes, to exclusive */
  json_t *contact;                /* object, shared */
  json_t *route;                  /* object or NULL: a /v1/route target */
  json_t *entry;                  /* GET /v1/channels entry: {id, name, kind, assisted,
                                     base?, hours, contact, route?, extras} */
  json_t *j_id, *j_name, *j_kind; /* shared */
  char *source;                   /* "channels.lua:3" */
  json_t *origin;                 /* the channel's 'origin': a string, an array of them, or
                                     NULL (borrowed from 'entry') */
} ww_channel;

typedef struct ww_service {
  char *id, *name;
  int64_t from, until;            /* offered for [from, until) only (0: no bound) */
  json_t *answer;                 /* {id, name, upl?}, shared */
  json_t *entry;                  /* GET /v1/services entry: {id, name, upl?, audience?,
                                     presence, auth?, complexity?, tags, extras}, shared */
  char *source;                   /* "services.lua:12" */
} ww_service;

/* A rule as traces name it; the catalogue lists them in run order (priority, then the
 * order of loading). */
typedef struct ww_rule_info {
  char *name;
  int64_t from, until;            /* applies to questions in [from, until) only (0: no bound) */
  json_t *j_from, *j_until;       /* shared: as written, or NULL (the trace shows them) */
  char *source;                   /* "steering/x.lua:12" */
  json_t *j_name, *j_source;      /* shared */
} ww_rule_info;

/* One rule test (tests/ *.lua: case "name" { request, session?, status?, route?, expect }). */
typedef struct ww_case {
  char *name, *source;
  json_t *request;
  json_t *session, *status;       /* or NULL */
  int route;                      /* decided as a /v1/route call (origin "ivr") */
  json_t *expect;                 /* validated at load */
} ww_case;

typedef struct ww_catalogue {
  char version[13];               /* first 12 hex digits of the sha256 of the files */
  json_t *files;                  /* array of the files' paths, relative to the rule set */
  ww_channel *ch;
  int nch;
  ww_service *svc;
  int nsvc;
  json_t *svc_ids;                /* object: service id -> index (a request names its
                                     service: one hash lookup among 1,000, not 1,000 compares) */
  ww_rule_info *rules;
  int nrules;
  ww_case *cases;
  int ncases;
  int64_t *holidays;              /* sorted day numbers (ww_days_from_civil) */
  int nholidays;
  int fb_ch[WW_MAX_CHANNELS];     /* the fallback advice: channels in order */
  int nfb;
  int fb_route;                   /* the fallback route: a channel with a route */
  json_t *targets;                /* object {channel id: share} or NULL */
  json_t *warnings;               /* array of "FILE:LINE: text" (after a load) */
} ww_catalogue;

/* Is 't' within [from, until), where a bound of 0 is none? */
static inline int ww_catalogue_within(int64_t t, int64_t from, int64_t until) {
  return (from == 0 || t >= from) && (until == 0 || t < until);
}

/* Index of the channel / service with this id, or -1. */
int ww_catalogue_channel(const ww_catalogue *cat, const char *id);
int ww_catalogue_service(const ww_catalogue *cat, const char *id);
/* Is 'day' (ww_days_from_civil) one of the rule set's holidays? */
int ww_catalogue_is_holiday(const ww_catalogue *cat, int64_t day);

/* "HH:MM-HH:MM" into local minutes: 0; -1 when it is no such range; -2 when it ends
 * before it starts. */
int ww_catalogue_hours_range(const char *s, int16_t *from, int16_t *to);

/* The DigiD / eHerkenning levels a service's auth and a citizen's authLevel name
 * (NULL-terminated). */
extern const char *const ww_catalogue_auth_levels[];
/* The values of a request's context.origin; a channel's 'origin' field names those it
 * stands for in session events (NULL-terminated). */
extern const char *const ww_catalogue_origins[];

/* Releases what 'cat' holds (not 'cat' itself) and zeroes it. */
void ww_catalogue_clear(ww_catalogue *cat);

#endif
