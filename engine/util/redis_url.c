/* Redis URLs: redis://[[user]:password@]host[:port][/db]. */
#include "util/redis_url.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The decimal number at 'p' (digits only: no sign, no blank) if it is in [lo, hi], with
 * '*end' set past it; else -1. */
static long number(const char *p, long lo, long hi, const char **end) {
  if (*p < '0' || *p > '9') return -1;
  errno = 0;
  char *e;
  long v = strtol(p, &e, 10);
  if (errno != 0 || v < lo || v > hi) return -1;
  *end = e;
  return v;
}

static int fail(const char **why, const char *what) {
  if (why) *why = what;
  return -1;
}

int ww_redis_url_parse(const char *url, ww_redis_url *out, const char **why) {
  memset(out, 0, sizeof *out);
  out->port = 6379;
  if (url == NULL || url[0] == '\0') return fail(why, "empty");
  if (strncmp(url, "rediss://", 9) == 0) return fail(why, "TLS (rediss://) is not supported");
  if (strncmp(url, "redis://", 8) != 0) return fail(why, "must start with redis://");
  const char *p = url + 8;
  const char *at = strrchr(p, '@');
  if (at) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (colon == NULL) return fail(why, "user without ':password' before '@'");
    size_t ul = (size_t)(colon - p), pl = (size_t)(at - colon - 1);
    if (ul >= sizeof out->user) return fail(why, "user too long");
    if (pl >= sizeof out->password) return fail(why, "password too long");
    memcpy(out->user, p, ul);
    memcpy(out->password, colon + 1, pl);
    p = at + 1;
  }
  size_t hl;
  if (*p == '[') {   /* [IPv6] */
    const char *close = strchr(p, ']');
    if (close == NULL) return fail(why, "'[' of an IPv6 address without ']'");
    hl = (size_t)(close - p - 1);
    if (hl == 0 || strspn(p + 1, "0123456789abcdefABCDEF:.") < hl)
      return fail(why, "bad IPv6 address");
    if (hl >= sizeof out->host) return fail(why, "host too long");
    memcpy(out->host, p + 1, hl);
    p = close + 1;
  } else {
    hl = strcspn(p, ":/");
    if (hl == 0) return fail(why, "no host");
    if (hl >= sizeof out->host) return fail(why, "host too long");
    static const char name_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
    if (strspn(p, name_chars) < hl) return fail(why, "bad host name");
    memcpy(out->host, p, hl);
    p += hl;
  }
  if (*p == ':') {
    long port = number(p + 1, 1, 65535, &p);
    if (port < 0 || (*p != '\0' && *p != '/')) return fail(why, "port must be 1 to 65535");
    out->port = (int)port;
  }
  if (*p == '/' && p[1] != '\0') {
    long db = number(p + 1, 0, 1000000, &p);
    if (db < 0 || *p != '\0') return fail(why, "database must be a number 0 to 1000000");
    out->db = (int)db;
  } else if (*p != '\0' && strcmp(p, "/") != 0) {
    return fail(why, "unexpected text after the host");
  }
  return 0;
}
