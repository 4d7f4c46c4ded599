/* The HTTP/1.1 server: N libuv loop threads sharing one port (SO_REUSEPORT), a routing
 * table of (method, path pattern) -> handler, and the response helpers every handler uses.
 *
 * The server knows nothing of rules or stores: the application gives it a routing table
 * and a per-worker init/fini pair; a handler reaches its worker's application state
 * through ww_req_app().
 *
 * Request lifetime: a handler is called once per request, on the worker's loop thread.
 * It answers by calling exactly one ww_respond_*() -- before it returns, or later from a
 * callback on the same loop (async: e.g. after a Redis reply). Until then the request is
 * pending; the connection reads no further request (pipelined ones wait in order). If the
 * client goes away meanwhile, ww_respond_*() still must be called: it then only frees.
 * At shutdown, once the grace is over, worker_fini must make pending handlers answer
 * (e.g. by cancelling their timers or disconnecting Redis, whose callbacks then run).
 *
 * Behaviour the server decides by itself (engine/server/conn.c):
 * - Routes are tried in table order; the first whose path and method fit wins. No
 *   trailing-slash matching; HEAD is not mapped to GET (405 unless routed).
 * - Problem codes it answers with: not_found (404), method_not_allowed (405, Allow),
 *   payload_too_large (413, then close), unsupported_media_type / invalid_json
 *   (ww_req_json), bad_request (400, malformed HTTP or not HTTP/1.x, then close) and
 *   headers_too_large (431: max_header_bytes or max_headers exceeded, then close).
 * - A request must arrive whole within header_timeout_ms of its first byte (and a new
 *   connection must start one within that time); a keep-alive connection may idle
 *   idle_timeout_ms. Either expiry closes the connection without an answer.
 * - OPTIONS on a known path: with an allowed Origin and Access-Control-Request-Method a
 *   CORS preflight 204; otherwise a 204 with Allow and no CORS headers. "Vary: Origin"
 *   goes on every response when cors_origins is set.
 * - on_complete is not called for a request whose client was gone before the answer.
 * - A route with a nonzero gate is checked by opts.authorize once its headers are in:
 *   for a request with "Expect: 100-continue" before 100 Continue is sent (a refused
 *   client never sends its body: the refusal goes out with Connection: close), else just
 *   before the handler. Authentication comes before the body.
 * - max_header_bytes is capped at 60000.
 * - Output backpressure: a connection with more than 64 KiB of answers not yet written
 *   to its socket is neither read nor parsed until it is under 16 KiB again (a pipelining
 *   client that does not read its answers stops itself). Client sockets get a 256 KiB
 *   SO_SNDBUF (Linux doubles it and does not grow it to tcp_wmem's 4 MiB). When all
 *   connections together hold more than max_output_bytes, the worker closes its paused
 *   connections that hold the most until the process is under the budget again (a warn
 *   log line each).
 */
#ifndef WW_SERVER_H
#define WW_SERVER_H

#include <stddef.h>
#include <jansson.h>
#include <uv.h>

#include "util/json_limits.h"

/* The version of the HTTP API (docs/openapi.json info.version), sent as API-Version on
 * every response. */
#define WW_API_VERSION "1.0.0"

typedef struct ww_req ww_req;          /* one HTTP request (private) */
typedef struct ww_server ww_server;    /* the running server (private) */

typedef void (*ww_handler_fn)(ww_req *req);

typedef struct ww_route {
  const char *method;     /* "GET", "POST", "PUT", ... */
  const char *pattern;    /* "/v1/sessions/{id}/events": "{name}" matches one segment */
  ww_handler_fn handler;
  int gate;               /* 0: open; else the application's access level for the route
                             (e.g. a role), given to opts.authorize */
  int large_body;         /* 1: a body up to opts.max_large_body (whole rule sets), read
                             only after the gate passed */
} ww_route;

/* Per-worker application state: init runs on the worker's thread before it accepts,
 * with that worker's loop; what it returns is ww_req_app() for the worker's requests.
 * fini runs on the same thread after the loop stopped. */
typedef void *(*ww_worker_init_fn)(void *app, uv_loop_t *loop, int worker_index);
typedef void (*ww_worker_fini_fn)(void *app, void *worker_state);

typedef struct ww_server_opts {
  const char *host;             /* "127.0.0.1" */
  int port;                     /* 0 = any free port (on_listening tells which) */
  int workers;                  /* >= 1 */
  size_t max_body;              /* 413 above it; default 64 KiB */
  size_t max_large_body;        /* the same for large_body routes; default 4 MiB (at least
                                   max_body) */
  size_t max_header_bytes;      /* all header bytes of one request; default 16 KiB */
  int max_headers;              /* header count; default 64 */
  unsigned header_timeout_ms;   /* to receive a whole request once started; default 10 s */
  unsigned idle_timeout_ms;     /* keep-alive idle; default 60 s */
  unsigned shutdown_grace_ms;   /* SIGTERM: in-flight requests get this long; default 5 s */
  const char *const *cors_origins;  /* NULL-terminated, may be NULL */
  const ww_route *routes;
  size_t nroutes;
  ww_worker_init_fn worker_init;    /* may be NULL */
  ww_worker_fini_fn worker_fini;    /* may be NULL */
  void *app;
  void (*on_reload)(void *app);     /* SIGHUP, called on the main thread; may be NULL */
  void (*on_listening)(void *app, const char *host, int port);  /* after bind; may be NULL */
  /* As each response is handed to the socket, just before (metrics, request log): the worker
   * state, the request (ww_req_route() names the matched pattern), status, and seconds
   * since the request's first byte. Runs on the worker's thread; may be NULL. */
  void (*on_complete)(void *worker_state, const ww_req *req, int status, double seconds);
  int max_connections;          /* per worker; more are accepted and closed; default 10000 */
  /* The access check of a route with a nonzero gate, on the worker's thread, when the
   * request's headers are in (the body may not be: see above; ww_req_body is empty then).
   * Return 1 to let the request through, or answer it (a ww_respond_*) and return 0.
   * May be NULL: gates are then ignored. */
  int (*authorize)(ww_req *req, int gate);
  /* Response bytes the process may hold for clients that do not read them, all workers
   * together; above it the connections holding the most are closed. Default 64 MiB. */
  size_t max_output_bytes;
} ww_server_opts;

/* Bind, start the workers, run until SIGTERM/SIGINT, drain, return 0 (or a negative
 * error if binding failed, with a message on stderr). Blocks the calling thread. */
int ww_server_run(const ww_server_opts *opts);

/* ---- request accessors (all borrowed, valid until the response is sent) ---- */
const char *ww_req_method(const ww_req *req);
const char *ww_req_path(const ww_req *req);          /* without the query string */
const char *ww_req_query(const ww_req *req);         /* after '?', or "" */
const char *ww_req_route(const ww_req *req);         /* matched pattern, or NULL (404) */
const char *ww_req_param(const ww_req *req, const char *name);   /* "{name}" in pattern */
const char *ww_req_header(const ww_req *req, const char *name);  /* case-insensitive */
const char *ww_req_body(const ww_req *req, size_t *len);
const char *ww_req_peer(const ww_req *req);          /* client IP address text */
int ww_req_worker(const ww_req *req);                /* worker index */
void *ww_req_app(const ww_req *req);                 /* worker state from worker_init */
int ww_req_gone(const ww_req *req);                  /* 1 once the client disconnected */
/* What the handler wants its on_complete to see of this request (the application's own
 * type; borrowed: it must live until the response is sent). NULL until set. */
void ww_req_set_note(ww_req *req, const void *note);
const void *ww_req_note(const ww_req *req);

/* Does the request say its body is JSON (Content-Type application/json or +json)? */
int ww_req_is_json(const ww_req *req);
/* Parse the body as a JSON object. On a bad body answers the request itself (415 not
 * JSON, 400 invalid_json: malformed, not an object, or over the limits of any body --
 * nesting over 32, over 4096 values, a number beyond +-2^53 -- with invalidParams naming
 * the field) and returns NULL. Returns new. */
json_t *ww_req_json(ww_req *req);
/* The same without the limits, for a handler that checks ww_req_body_limits itself in one
 * walk with tighter limits of its own (ww_json_check_both); it must. */
json_t *ww_req_json_unchecked(ww_req *req);
extern const ww_json_limits ww_req_body_limits;

/* ---- responses: exactly one per request; each adds API-Version, the ADR security
 * headers (Cache-Control: no-store and Content-Security-Policy: frame-ancestors 'none',
 * each unless the handler set its own), CORS headers when the
 * Origin is allowed, Content-Length ---- */
void ww_respond_json(ww_req *req, int status, json_t *body);           /* steals body */
void ww_respond_raw(ww_req *req, int status, const char *content_type,
                    const char *body, size_t len);                      /* copies body */
/* RFC 9457 problem+json: {type, title, status, detail, code[, invalidParams]} plus any
 * fields of 'extra' (e.g. file, line). Steals invalid_params and extra (may be NULL). */
void ww_respond_problem(ww_req *req, int status, const char *code, const char *detail,
                        json_t *invalid_params, json_t *extra);
/* Add a response header to the coming response (copied). A Cache-Control or a
 * Content-Security-Policy given here replaces the default one. */
void ww_req_add_header(ww_req *req, const char *name, const char *value);

/* Reason phrase ("Not Found") for a status code. */
const char *ww_http_reason(int status);

#endif
