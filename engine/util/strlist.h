/* A NULL-terminated list of words (enum values, field names), looked up by text. */
#ifndef WW_UTIL_STRLIST_H
#define WW_UTIL_STRLIST_H

#include <string.h>

/* The index of 's' in 'list', or -1. */
static inline int ww_strlist_index(const char *const *list, const char *s) {
  for (int i = 0; list[i]; i++)
    if (strcmp(list[i], s) == 0) return i;
  return -1;
}

#endif
