/* Private to the loader and the DSL (engine/rules/loader.c, dsl.c): the state that exists
 * only while a rule set loads. */
#ifndef WW_RULES_LOAD_PRIVATE_H
#define WW_RULES_LOAD_PRIVATE_H

#include "rules/host_private.h"

struct ww__load {
  const char *file;           /* relative path of the file being run (borrowed) */
  int in_tests;
  json_t *pending;            /* owned: released if a DSL call raises half-way */
  json_t *fallback, *targets; /* owned until the end of the load */
  char fb_file[256], tg_file[256];
  int fb_line, tg_line;
  int has_err;                /* a DSL call raised with efile:eline */
  char efile[256];
  int eline;
  int cch, csvc, crules, ccases, chol;            /* capacities of the catalogue's arrays */
  int cch_back, csvc_lua, crules_lua;             /* ... and of the host's */
  ww_err *err;                /* every error of the load (loader.c) */
  json_t *warnings;           /* owned: "FILE:LINE: text" of each warning */
  json_t *svc_keys;           /* owned: every field any service has (a set) */
  json_t *rule_names, *case_names;   /* owned: name -> index, to find a name used twice */
};

/* Notes an error of the load at file:line; the load goes on to find the others. Returns
 * -1 when the list is full (then end the load). */
int ww__load_note(ww_host *H, const char *file, int line, const char *text);
/* Notes a warning at file:line (an error with ww_limits.strict). */
void ww__load_warn(ww_host *H, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* typo.c: the known word one slip away from 'word' (a letter more, less, another, two
 * swapped, or another case), or NULL. */
const char *ww__near(const char *word, const char *const *known);
/* The fields the engine knows (NULL-terminated): of a channel and a service in the
 * catalogue, and of r.citizen and r.context (the request's documented fields). */
extern const char *const ww__channel_fields[], *const ww__service_fields[],
    *const ww__citizen_fields[], *const ww__context_fields[];

#endif
