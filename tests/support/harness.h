/* Integration test harness: processes on free loopback ports, redis-server, and a small
 * HTTP/1.1 client (responses parsed with http_parser in response mode).
 *
 * Conventions: functions returning int give 0 on success and -1 on failure (with a
 * line on stderr saying why) unless said otherwise. Timeouts are in milliseconds; every
 * wait has a deadline, nothing sleeps for synchronisation. Strings are borrowed for the
 * call unless said otherwise. Not thread-safe; meant for one test process.
 *
 * Typical use:
 *   ww_proc srv;
 *   int port = ww_free_port();
 *   char ps[16]; snprintf(ps, sizeof ps, "%d", port);
 *   char *argv[] = {"./wegwijzer", "serve", "--listen", ..., NULL};
 *   cr_assert_eq(ww_proc_start(&srv, argv, NULL, port, 5000), 0);
 *   ww_http_resp r;
 *   cr_assert_eq(ww_http_request(port, "GET", "/healthz", NULL, NULL, &r), 0);
 *   cr_assert_eq(r.status, 200);
 *   ww_http_resp_free(&r);
 *   cr_assert_eq(ww_proc_stop(&srv, SIGTERM, 10000), 0);   // exit code 0
 *   ww_proc_cleanup(&srv);
 */
#ifndef WW_TEST_HARNESS_H
#define WW_TEST_HARNESS_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#define WW_HARNESS_TIMEOUT_MS 5000     /* used by the convenience functions */
#define WW_HTTP_MAX_HEADERS 64

/* ---- ports and processes ---- */

/* A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed). */
int ww_free_port(void);

/* 1 once 127.0.0.1:port accepts a connection within timeout_ms, else 0. */
int ww_wait_port(int port, int timeout_ms);

typedef struct ww_proc {
  pid_t pid;            /* 0 when not running */
  int port;             /* the port waited for (0: none) */
  char dir[256];        /* temp dir holding the log (and redis' dir) */
  char log[320];        /* dir/out.log: the child's stdout and stderr */
} ww_proc;

/* fork + exec argv[0] (searched in PATH when it has no '/') with argv, in its own process
 * group, stdout and stderr to p->log in a fresh temp dir. 'env' (NULL-terminated
 * "NAME=value" strings, may be NULL) is added to the inherited environment. The child
 * gets SIGKILL if the test process dies. When port > 0, waits until 127.0.0.1:port
 * accepts connections (fails if the child exits first or timeout_ms passes; the log is
 * printed to stderr then, and the child killed). */
int ww_proc_start(ww_proc *p, char *const argv[], char *const env[], int port,
                  int timeout_ms);

/* Send 'sig' (0: just wait) and wait up to timeout_ms for the exit. Returns the exit
 * code (0..255), 128+N when killed by signal N, or -1 on timeout (the process group is
 * then SIGKILLed and reaped). NULL-safe and idempotent (returns -1 when not running). */
int ww_proc_stop(ww_proc *p, int sig, int timeout_ms);

/* 1 while the child runs (not yet exited), else 0. Reaps it if it exited; then the
 * exit status is in '*status' like ww_proc_stop's result (may be NULL). */
int ww_proc_alive(ww_proc *p, int *status);

/* Wait until the child's log contains 'needle' (1) or timeout_ms passes (0). */
int ww_proc_wait_log(ww_proc *p, const char *needle, int timeout_ms);

/* Print the child's log to stderr (for failure diagnosis). */
void ww_proc_dump_log(const ww_proc *p);

/* Kill if still running, remove the log and temp dir (kept when WW_KEEP_LOGS is set). */
void ww_proc_cleanup(ww_proc *p);

/* Whole file as a NUL-terminated new buffer (free()), or NULL. 'len' may be NULL. */
char *ww_read_file(const char *path, size_t *len);

/* redis-server on a free port: --bind 127.0.0.1 --save '' --appendonly no, its dir in
 * p->dir; waits until it accepts. p->port is the port. Stop with ww_proc_stop(p,
 * SIGTERM, ms) and ww_proc_cleanup(p). */
int ww_redis_start(ww_proc *p, int timeout_ms);

/* ---- HTTP client ---- */

/* One parsed response; all strings owned by it (ww_http_resp_free). */
typedef struct ww_http_resp {
  int status;
  int http_major, http_minor;
  int keep_alive;                        /* http_should_keep_alive() of the response */
  int nheaders;
  char *name[WW_HTTP_MAX_HEADERS];
  char *value[WW_HTTP_MAX_HEADERS];
  char *body;                            /* NUL-terminated (chunked: decoded) */
  size_t body_len;
} ww_http_resp;

void ww_http_resp_free(ww_http_resp *r);    /* NULL-safe; zeroes it */
/* First header value by name, case-insensitive (borrowed), or NULL. */
const char *ww_http_header(const ww_http_resp *r, const char *name);
/* The body parsed as JSON: new, or NULL when it is not JSON. */
json_t *ww_http_json(const ww_http_resp *r);

/* Parse one response from 'data' (e.g. bytes a socket-less connection wrote): 0 and
 * '*used' (may be NULL) = its size, 1 when incomplete, -1 when malformed. A leading
 * "100 Continue" is skipped. */
int ww_http_parse(const char *data, size_t len, int head, ww_http_resp *r, size_t *used);

/* A client connection with its own read buffer, so pipelined responses are read one
 * at a time. */
typedef struct ww_client ww_client;

ww_client *ww_client_connect(int port);                 /* to 127.0.0.1; new or NULL */
ww_client *ww_client_connect_host(const char *host, int port);   /* "::1" works too */
void ww_client_close(ww_client *c);                     /* NULL-safe */
int ww_client_fd(const ww_client *c);
/* Send all 'len' bytes (blocking). */
int ww_client_send(ww_client *c, const void *data, size_t len);
int ww_client_sends(ww_client *c, const char *s);       /* strlen(s) bytes */
/* Read exactly one response (bytes after it stay buffered for the next call). 'head':
 * the request was HEAD (no body follows). Returns 0, or -1 on timeout, error or EOF
 * before a complete response. */
int ww_client_read(ww_client *c, ww_http_resp *r, int head, int timeout_ms);
/* 1 when the server closes the connection (EOF or reset) within timeout_ms, with no
 * more response bytes in between being required; 0 otherwise. Discards any input. */
int ww_client_wait_closed(ww_client *c, int timeout_ms);

/* Send "METHOD path HTTP/1.1" with Host, the extra 'headers' (raw lines each ending in
 * "\r\n", or NULL), Content-Length when 'body' (NUL-terminated) is not NULL, and read
 * the response (WW_HARNESS_TIMEOUT_MS). When WW_OPENAPI_TRAFFIC names a directory, the
 * exchange is appended to DIR/<pid>.jsonl for the OpenAPI traffic check
 * (tests/openapi/traffic/run.mjs validates it against docs/openapi.json). */
int ww_client_request(ww_client *c, const char *method, const char *path,
                      const char *headers, const char *body, ww_http_resp *r);
/* Same on a fresh connection to 127.0.0.1:port, closed afterwards. */
int ww_http_request(int port, const char *method, const char *path, const char *headers,
                    const char *body, ww_http_resp *r);

/* Monotonic milliseconds (for measuring). */
double ww_now_ms(void);

#endif
