/* Cutting UTF-8 text to a byte limit without splitting a character (jansson refuses a
 * string that ends in half a character, and so would a client). */
#ifndef WW_UTIL_UTF8_H
#define WW_UTIL_UTF8_H

#include <stddef.h>

/* The length of the first 'len' bytes of 's' cut to at most 'max' bytes, at a character
 * boundary. */
static inline size_t ww_utf8_cut(const char *s, size_t len, size_t max) {
  if (len <= max) return len;
  size_t n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;   /* a continuation byte */
  return n;
}

#endif
