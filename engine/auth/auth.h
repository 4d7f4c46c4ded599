/* Bearer tokens with roles (`--tokens FILE`, docs/tokens.md).
 *
 * The file holds one token per line, `ROLE NAME SHA256HEX`: the role (`advice`, `author` or
 * `admin`),
 * a label for logs (`website`, `ivr-vendor`) and the SHA-256 of the bearer token, so the
 * file never holds a token. `#` starts a comment; blank lines are allowed.
 *
 * Policy (docs/tokens.md), implemented by ww_auth_policy():
 *   - with a tokens file, every request to an advice, author or admin route needs a known
 *     token; a role includes the smaller ones: advice < author < admin;
 *   - without a tokens file, advice and author routes are open only when the server
 *     listens on loopback (the actor is then "local"), and admin routes are never open
 *     (401: no token can be valid).
 * Results: 0 allowed, 401 no/unknown/malformed token, 403 known token with too small a role.
 *
 * Threads: a loaded ww_auth is read-only; share it between workers freely. */
#ifndef WW_AUTH_H
#define WW_AUTH_H

#include <stddef.h>

typedef enum { WW_ROLE_ADVICE = 1, WW_ROLE_AUTHOR = 2, WW_ROLE_ADMIN = 3 } ww_role;

typedef struct ww_auth ww_auth;   /* opaque */

/* Load a tokens file. New (release with ww_auth_free()); NULL on error with a message in
 * 'err' such as "FILE:LINE: unknown role \"root\" (want advice, author or admin)". Refuses a file
 * that is not a regular file, that is owned by neither the user the process runs as nor
 * root (the message says whom to chown it to), that others may read or write, or that the
 * group may write (the message says to chmod 600), and a file without tokens. */
ww_auth *ww_auth_load(const char *path, char *err, size_t errlen);

void ww_auth_free(ww_auth *auth);           /* NULL-safe */
size_t ww_auth_count(const ww_auth *auth);  /* number of tokens loaded */

/* Check an Authorization header value ("Bearer TOKEN", scheme case-insensitive, extra
 * blanks allowed; may be NULL) against the tokens: hashes the token once and compares with
 * every entry in constant time. Returns 0, 401 or 403. '*who' (if 'who' is not NULL) is set
 * to the token's name on 0 and 403 (borrowed, valid while 'auth' lives), NULL on 401. */
int ww_auth_check(const ww_auth *auth, const char *authorization_header, ww_role need,
                  const char **who);

/* The whole policy above; 'auth' is NULL when the server runs without a tokens file.
 * Returns 0, 401 or 403; '*who' as for ww_auth_check(), or "local" for a request let
 * in without a tokens file. */
int ww_auth_policy(const ww_auth *auth, int listen_is_loopback, ww_role need,
                   const char *authorization_header, const char **who);

/* 1 if 'host' (a listen address: "127.0.0.1", "::1", "[::1]", "localhost") is loopback:
 * 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104, or localhost. 0 for anything else, "0.0.0.0",
 * "::" and NULL included. */
int ww_auth_is_loopback(const char *host);

/* Parse "ROLE" ("advice"/"author"/"admin"). 0 and '*out' set, or -1. */
int ww_role_parse(const char *s, ww_role *out);
const char *ww_role_name(ww_role role);     /* "advice", "author", "admin" (static) */

#endif
