/* The form of a catalogue id (channel, service): lowercase letters, digits and _, starting
 * with a letter, at most 64 characters. The rule set's loader enforces it; the API checks a
 * path parameter against it before it looks the id up. */
#ifndef WW_UTIL_IDENT_H
#define WW_UTIL_IDENT_H

#include <stddef.h>

static inline int ww_ident_valid(const char *s) {
  if (!(s[0] >= 'a' && s[0] <= 'z')) return 0;
  size_t n = 0;
  for (const char *p = s; *p; p++, n++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
  return n <= 64;
}

#endif
