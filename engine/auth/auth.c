#include "auth/auth.h"

#include "util/crypto.h"
#include "util/owner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_LEN 64      /* a label, not free text */
#define TOKEN_MAX_LEN 1024   /* longer headers are malformed: 401 without hashing */

typedef struct entry {
  char hash[65];             /* lowercase hex SHA-256 of the token */
  char name[NAME_MAX_LEN + 1];
  ww_role role;
} entry;

struct ww_auth {
  entry *entries;            /* owned */
  size_t n;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (err == NULL || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

int ww_role_parse(const char *s, ww_role *out) {
  if (s == NULL) return -1;
  if (strcmp(s, "advice") == 0) { *out = WW_ROLE_ADVICE; return 0; }
  if (strcmp(s, "author") == 0) { *out = WW_ROLE_AUTHOR; return 0; }
  if (strcmp(s, "admin") == 0) { *out = WW_ROLE_ADMIN; return 0; }
  return -1;
}

const char *ww_role_name(ww_role role) {
  return role == WW_ROLE_ADMIN ? "admin" : role == WW_ROLE_AUTHOR ? "author" : "advice";
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int valid_name(const char *s, size_t len) {
  if (len == 0 || len > NAME_MAX_LEN) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_' || c == '.'))
      return 0;
  }
  return 1;
}

/* Split 'line' in place into at most 'max' blank-separated fields; a field starting with
 * '#' ends the line. Returns the number of fields, or max + 1 if there are more. */
static int split(char *line, char **f, int max) {
  int n = 0;
  char *p = line;
  for (;;) {
    while (*p && is_blank(*p)) p++;
    if (*p == '\0' || *p == '#') return n;
    if (n == max) return max + 1;
    f[n++] = p;
    while (*p && !is_blank(*p)) p++;
    if (*p) *p++ = '\0';
  }
}

/* Parse one non-comment line into 'e'. 0, or -1 with the reason in 'why'. */
static int parse_line(char *line, entry *e, char *why, size_t whylen) {
  char *f[3];
  int n = split(line, f, 3);
  if (n == 0) return 1;   /* blank or comment */
  if (n != 3) {
    snprintf(why, whylen, "want 3 fields `ROLE NAME SHA256HEX`, found %s",
             n > 3 ? "more" : n == 1 ? "1" : "2");
    return -1;
  }
  if (ww_role_parse(f[0], &e->role) != 0) {
    snprintf(why, whylen, "unknown role \"%.32s\" (want advice, author or admin)", f[0]);
    return -1;
  }
  size_t nl = strlen(f[1]);
  if (!valid_name(f[1], nl)) {
    snprintf(why, whylen,
             "bad name \"%.32s%s\" (1-%d characters of A-Z a-z 0-9 . _ -)", f[1],
             nl > 32 ? "..." : "", NAME_MAX_LEN);
    return -1;
  }
  memcpy(e->name, f[1], nl + 1);
  size_t hl = strlen(f[2]);
  int hex = hl == 64;
  for (size_t i = 0; hex && i < hl; i++) hex = is_hex(f[2][i]);
  if (!hex) {
    snprintf(why, whylen,
             "the third field must be the SHA-256 of the token as 64 hex digits, not the "
             "token itself (scripts/wegwijzer-token makes a line)");
    return -1;
  }
  for (size_t i = 0; i < 64; i++) {
    char c = f[2][i];
    e->hash[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
  }
  e->hash[64] = '\0';
  return 0;
}

ww_auth *ww_auth_load(const char *path, char *err, size_t errlen) {
  ww_auth *a = NULL;
  FILE *fp = NULL;
  char *line = NULL;
  size_t cap = 0, lineno = 0, alloc = 0;
  int fd = -1;

  if (err && errlen) err[0] = '\0';
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    set_err(err, errlen, "%s: cannot open tokens file: %s", path, strerror(errno));
    goto fail;
  }
  /* fstat the opened file, not the path: no window to swap it. */
  struct stat st;
  if (fstat(fd, &st) != 0) {
    set_err(err, errlen, "%s: cannot stat tokens file: %s", path, strerror(errno));
    goto fail;
  }
  if (!S_ISREG(st.st_mode)) {
    set_err(err, errlen, "%s: tokens file is not a regular file", path);
    goto fail;
  }
  char owner[300];
  if (ww_file_owner_check(&st, path, owner, sizeof owner) != 0) {
    set_err(err, errlen, "%s: tokens file: %s", path, owner);
    goto fail;
  }
  if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
    set_err(err, errlen,
            "%s: tokens file permissions %04o are too open (%s); "
            "restrict them with: chmod 600 %s",
            path, (unsigned)(st.st_mode & 07777),
            (st.st_mode & S_IWOTH)   ? "anyone may write it"
            : (st.st_mode & S_IWGRP) ? "its group may write it"
                                     : "anyone may read it",
            path);
    goto fail;
  }
  fp = fdopen(fd, "r");
  if (fp == NULL) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    goto fail;
  }
  fd = -1;   /* fp owns it */

  a = calloc(1, sizeof *a);
  if (a == NULL) goto oom;

  ssize_t got;
  while (errno = 0, (got = getline(&line, &cap, fp)) >= 0) {
    lineno++;
    if (memchr(line, '\0', (size_t)got) != NULL) {
      set_err(err, errlen, "%s:%zu: NUL byte in line", path, lineno);
      goto fail;
    }
    if (a->n == alloc) {
      size_t na = alloc ? alloc * 2 : 8;
      entry *ne = realloc(a->entries, na * sizeof *ne);
      if (ne == NULL) goto oom;
      a->entries = ne;
      alloc = na;
    }
    entry *e = &a->entries[a->n];
    char why[200];
    int rc = parse_line(line, e, why, sizeof why);
    if (rc < 0) {
      set_err(err, errlen, "%s:%zu: %s", path, lineno, why);
      goto fail;
    }
    if (rc > 0) continue;
    for (size_t i = 0; i < a->n; i++) {
      if (strcmp(a->entries[i].hash, e->hash) == 0) {
        set_err(err, errlen, "%s:%zu: the same token hash is already listed (for \"%s\")",
                path, lineno, a->entries[i].name);
        goto fail;
      }
    }
    a->n++;
  }
  if (ferror(fp)) {
    set_err(err, errlen, "%s: read error: %s", path, strerror(errno ? errno : EIO));
    goto fail;
  }
  if (a->n == 0) {
    set_err(err, errlen, "%s: no tokens in the file (want lines `ROLE NAME SHA256HEX`)",
            path);
    goto fail;
  }
  free(line);
  fclose(fp);
  return a;

oom:
  set_err(err, errlen, "%s: out of memory", path);
fail:
  free(line);
  if (fp) fclose(fp);
  if (fd >= 0) close(fd);
  ww_auth_free(a);
  return NULL;
}

void ww_auth_free(ww_auth *auth) {
  if (auth == NULL) return;
  free(auth->entries);
  free(auth);
}

size_t ww_auth_count(const ww_auth *auth) { return auth ? auth->n : 0; }

/* The token of "Bearer TOKEN" (scheme case-insensitive, blanks around), or NULL. */
static const char *bearer_token(const char *h, size_t *len) {
  if (h == NULL) return NULL;
  while (*h == ' ' || *h == '\t') h++;
  if (strncasecmp(h, "bearer", 6) != 0) return NULL;
  h += 6;
  if (*h != ' ' && *h != '\t') return NULL;   /* "Bearerx", "Bearer" alone */
  while (*h == ' ' || *h == '\t') h++;
  const char *start = h;
  while (*h && *h != ' ' && *h != '\t') {
    /* RFC 6750 b64token: visible ASCII only */
    if ((unsigned char)*h <= 0x20 || (unsigned char)*h >= 0x7f) return NULL;
    h++;
  }
  size_t n = (size_t)(h - start);
  while (*h == ' ' || *h == '\t') h++;
  if (*h != '\0' || n == 0 || n > TOKEN_MAX_LEN) return NULL;   /* two words, empty, huge */
  *len = n;
  return start;
}

int ww_auth_check(const ww_auth *auth, const char *authorization_header, ww_role need,
                  const char **who) {
  if (who) *who = NULL;
  size_t len = 0;
  const char *tok = bearer_token(authorization_header, &len);
  if (tok == NULL || auth == NULL) return 401;
  char hash[65];
  ww_sha256_hex(tok, len, hash);
  /* Compare with every entry, whatever matched before, and pick the match with masks so
   * the time does not depend on which entry (if any) it is. Hashes are unique (load). */
  size_t found = 0, idx = 0;
  for (size_t i = 0; i < auth->n; i++) {
    size_t eq = (size_t)(ww_ct_equal(hash, auth->entries[i].hash, 64) != 0);
    size_t mask = (size_t)0 - eq;
    idx = (idx & ~mask) | (i & mask);
    found |= eq;
  }
  if (!found) return 401;
  const entry *e = &auth->entries[idx];
  if (who) *who = e->name;
  if (e->role < need) return 403;   /* a role includes the smaller ones */
  return 0;
}

int ww_auth_policy(const ww_auth *auth, int listen_is_loopback, ww_role need,
                   const char *authorization_header, const char **who) {
  if (auth != NULL) return ww_auth_check(auth, authorization_header, need, who);
  if (who) *who = NULL;
  if (need <= WW_ROLE_AUTHOR && listen_is_loopback) {
    if (who) *who = "local";
    return 0;
  }
  return 401;   /* no tokens file: no token can be valid */
}

int ww_auth_is_loopback(const char *host) {
  if (host == NULL || *host == '\0') return 0;
  if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0) return 1;
  char buf[INET6_ADDRSTRLEN + 2];
  size_t n = strlen(host);
  if (host[0] == '[') {   /* "[::1]" as in URLs */
    if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof buf) return 0;
    memcpy(buf, host + 1, n - 2);
    buf[n - 2] = '\0';
    host = buf;
  }
  struct in_addr a4;
  if (inet_pton(AF_INET, host, &a4) == 1)
    return (ntohl(a4.s_addr) >> 24) == 127;
  struct in6_addr a6;
  if (inet_pton(AF_INET6, host, &a6) == 1) {
    static const unsigned char lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a6.s6_addr, lo, 16) == 0) return 1;
    return memcmp(a6.s6_addr, mapped, 12) == 0 && a6.s6_addr[12] == 127;
  }
  return 0;
}
