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
};

#endif
