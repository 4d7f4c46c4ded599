/* The one parser of Redis URLs, for every command that connects to Redis (serve, report):
 *
 *   redis://[[user]:password@]host[:port][/db]
 *
 * host is a name, an IPv4 address or an IPv6 address in brackets ([::1]); port 6379 and
 * db 0 when left out. No percent-decoding: a password may hold any byte but none of the
 * user may be ':' (the last '@' ends the password). Plain C, no I/O. */
#ifndef WW_REDIS_URL_H
#define WW_REDIS_URL_H

/* The accepted form, for error messages and usage texts. */
#define WW_REDIS_URL_FORM "redis://[[user]:password@]host[:port][/db]"

typedef struct ww_redis_url {
  char host[256];       /* without the brackets of an IPv6 address */
  int port;             /* 1..65535; 6379 when not given */
  int db;               /* 0..1000000; 0 when not given */
  char user[128];       /* "" when not given (AUTH with the password only) */
  char password[256];   /* "" when not given (no AUTH) */
} ww_redis_url;

/* Parse 'url' (borrowed) into 'out'. 0, or -1 when malformed; then '*why' (when 'why' is
 * not NULL) says what is wrong in a few words (static storage; it never repeats the URL,
 * which may hold a password). */
int ww_redis_url_parse(const char *url, ww_redis_url *out, const char **why);

#endif
