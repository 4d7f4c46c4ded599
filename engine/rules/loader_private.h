/* Private to the loader and the DSL (engine/rules/): state that exists only while a
 * rule set loads. */
#ifndef WW_LOADER_PRIVATE_H
#define WW_LOADER_PRIVATE_H

#include "rules/rules_private.h"

struct ww__load {
  const char *file;           /* relative path of the file being run (borrowed) */
  int in_tests;
  json_t *pending;            /* owned: released if a DSL call raises half-way */
  json_t *fallback, *targets; /* owned until ww__load_finish */
  char fb_file[256], tg_file[256];
  int fb_line, tg_line;
  int has_err;                /* a DSL call raised with efile:eline */
  char efile[256];
  int eline;
  int cch, csvc, crules, ccases, chol;   /* capacities */
};

extern const char *const ww__auth_levels[];
int ww__in_list(const char *const *list, const char *s);

#endif
