/* Private to engine/server: the server, worker, connection and request structs, and the
 * socket-less entry points unit tests and fuzzers use (ww__conn_feed).
 *
 * Memory: one malloc per connection (struct + header buffer + header index), one body
 * buffer per connection that grows up to max_body and is reused, one block per response
 * write. Response blocks count against a process-wide output budget until their write
 * completes (conn.c: backpressure per connection, the worst readers closed). The request
 * is embedded in its connection; the connection is freed when its last reference goes:
 * one per open libuv handle and one while a handler has not yet answered, so
 * an async handler may answer after the client left. */
#ifndef WW_SERVER_INTERNAL_H
#define WW_SERVER_INTERNAL_H

#include <http_parser.h>
#include <stdatomic.h>
#include <stdint.h>

#include "server/server.h"

#define WW__MAX_PARAMS 8
#define WW__MAX_SEGMENTS 32

/* ---- router ---- */
typedef struct ww__seg {
  const char *text;        /* literal text or param name (points into the route's copy) */
  size_t len;
  int param;               /* 1: "{name}" */
} ww__seg;

typedef struct ww__route {
  const char *method;      /* borrowed from the opts' table */
  const char *pattern;     /* borrowed from the opts' table */
  ww_handler_fn handler;
  int gate;                /* the table's: 0 open, else passed to opts.authorize */
  int large_body;          /* the table's: the body may be up to opts.max_large_body */
  char *buf;               /* owned: segment texts */
  ww__seg segs[WW__MAX_SEGMENTS];
  int nsegs;
  int nparams;
  int path_id;             /* routes with the same path shape share an id (405, Allow) */
} ww__route;

typedef struct ww__router {
  ww__route *routes;       /* owned */
  size_t n;
  char **allow;            /* owned: per path_id, "GET, POST, OPTIONS" */
  int npaths;
} ww__router;

/* Result of matching a path: the route (NULL when the path is unknown or the method
 * does not fit), the path's id (-1: unknown path) and param values as offsets into the
 * path ('off' and 'len' pairs). */
typedef struct ww__match {
  const ww__route *route;
  int path_id;
  int nparams;
  uint16_t off[WW__MAX_PARAMS];
  uint16_t len[WW__MAX_PARAMS];
} ww__match;

/* Compile the routes; 0, or -1 with a message in err. */
int ww__router_init(ww__router *r, const ww_route *routes, size_t n, char *err,
                    size_t errlen);
void ww__router_free(ww__router *r);
/* 'path' (len bytes, no query) must start with '/'. */
void ww__router_match(const ww__router *r, const char *method, const char *path,
                      size_t len, ww__match *m);
/* "GET, POST, OPTIONS" for a path id (borrowed). */
const char *ww__router_allow(const ww__router *r, int path_id);

/* ---- server and workers ---- */
typedef struct ww_conn ww_conn;

typedef struct ww__worker {
  ww_server *srv;               /* borrowed */
  int index;
  uv_loop_t *loop;              /* the worker's loop (&own_loop, or a test's) */
  uv_loop_t own_loop;
  uv_tcp_t listener;
  uv_async_t stop_async;
  uv_timer_t grace;
  uv_thread_t thread;
  void *state;                  /* from worker_init */
  int listening;                /* listener handle initialised */
  int stopping;
  int ready_status;             /* 0 or negative uv error from listen */
  size_t nconns;                /* connections not yet freed */
  size_t nlive;                 /* connections whose handles are not all closed */
  int grace_over;
  ww_conn *conns;               /* intrusive list of open connections */
  int ended;
  atomic_int returned;          /* the thread is done (the main thread reads it) */
  long long date_sec;           /* second the cached Date line is for */
  char date[48];                /* "Date: Tue, 01 Dec 2026 10:15:00 GMT\r\n" */
  size_t date_len;
  char rbuf[65536];             /* shared read buffer: parsed in place when a connection
                                   has nothing buffered */
} ww__worker;

struct ww_server {
  ww_server_opts opts;          /* copy with defaults filled in */
  ww__router router;
  ww__worker *workers;          /* owned, opts.workers of them */
  int port;                     /* the bound port */
  size_t ncors;
  size_t *cors_len;             /* owned: strlen of each cors origin */
  uv_async_t *worker_returned;  /* the main loop's: a worker thread is done */
  atomic_size_t out_bytes;      /* response bytes held for the sockets, all workers */
};

/* Copy opts, fill defaults, compile routes. New; NULL with a message in err. */
ww_server *ww__server_new(const ww_server_opts *opts, char *err, size_t errlen);
void ww__server_free(ww_server *s);   /* after every worker ended; NULL-safe */

/* Set up worker 'index' of 's' on an existing loop without a listener (unit tests). */
ww__worker *ww__worker_attach(ww_server *s, int index, uv_loop_t *loop);

/* ---- connections ---- */
/* Where a socket-less connection writes and what it does on close. */
typedef struct ww__sink {
  void (*write)(void *ud, const char *data, size_t len);
  void (*close)(void *ud);    /* the server closed the connection; may be NULL */
  void *ud;
} ww__sink;

typedef struct ww__hdr {
  uint32_t name, name_len, value, value_len;   /* offsets into the header buffer */
} ww__hdr;

struct ww_req {
  ww_conn *conn;                 /* the connection this request is embedded in */
  const char *method;            /* static string of http_parser */
  uint32_t url, url_len;         /* offsets into hbuf */
  uint32_t path_len;             /* of the path part of url */
  uint32_t query;                /* offset of the query text (NUL-terminated) */
  uint32_t pcopy;                /* offset of the NUL-split path copy for params */
  ww__hdr *hdrs;                 /* borrowed: the connection's index */
  int nhdrs;
  int hdrs_done;
  ww__match match;
  char *body;                    /* borrowed: the connection's body buffer */
  size_t body_len;
  char *xh;                      /* owned: extra response headers, "Name: v\r\n"... */
  size_t xh_len, xh_cap;
  uint64_t start_ns;             /* first byte */
  int keep_alive;
  int pending;                   /* handler called, no response yet */
  int responded;
  int gone;
  int status;
  int gate_ok;                   /* opts.authorize let it through (before 100 Continue) */
  int cors_ok;                   /* Origin is allowed */
  uint32_t origin, origin_len;   /* offsets of the Origin value when cors_ok */
  const void *note;              /* borrowed: the handler's, for on_complete (ww_req_set_note) */
};

typedef enum {
  WW__P_IDLE = 0,      /* between requests */
  WW__P_HEADERS,       /* receiving a request */
  WW__P_DISPATCHED,    /* waiting for the handler's answer */
} ww__pstate;

struct ww_conn {
  uv_tcp_t tcp;                  /* first member; unused for a sink connection */
  uv_timer_t timer;              /* header / idle / linger deadline */
  uv_shutdown_t shutdown;
  ww__worker *w;                 /* borrowed */
  ww_conn *prev, *next;          /* in w->conns */
  int refs;                      /* open handles + 1 while a handler owes an answer */
  int handles;                   /* open handles */
  int has_tcp;
  ww__sink sink;                 /* when !has_tcp */
  http_parser parser;
  ww__pstate state;
  ww_req req;
  char peer[48];
  /* request header bytes: url, names and values, NUL-terminated, then the path copy */
  char *hbuf;                    /* points after the struct */
  uint32_t hlen, hcap;
  uint32_t hcount;               /* header bytes counted against max_header_bytes */
  int last_cb;                   /* 0 none, 1 url, 2 field, 3 value */
  /* obs-fold detection: the raw bytes between two header callbacks must not hold a line
   * end before a value's text. 'gap_from' is where the bytes after the last field or
   * value start in the buffer being parsed; 'gap_lf' says a line end was among them in
   * an earlier buffer. */
  const char *gap_from;
  int gap_lf;
  char *body;                    /* owned, grows up to max_body, reused */
  size_t body_cap;
  /* bytes received but not parsed yet (the parser is paused on a pending request) */
  char *in;                      /* owned */
  size_t in_len, in_cap;
  size_t writes;                 /* uv_writes in flight */
  size_t out_bytes;              /* bytes of those writes' blocks, counted in the server's
                                    out_bytes until each write completes */
  int out_released;              /* closed for the budget: out_bytes already given back */
  int err_status;                /* set by a parser callback that refused the request */
  const char *err_code;
  const char *err_detail;
  int processing;                /* inside conn_process: do not recurse */
  int reading;                   /* uv_read_start active */
  int closing;                   /* uv_close called */
  int close_after;               /* close once the queued writes are out */
  int shut;                      /* uv_shutdown sent; lingering */
  int upgrade_stop;              /* parser stopped (Upgrade/CONNECT): no further requests */
  int eof;
  int ready;                     /* a complete request waits for dispatch */
  int write_blocked;             /* too much unsent output: reading and parsing paused */
};

/* A connection without a socket (tests, fuzzing). New; the server frees it after
 * ww__conn_close() (or its own close) once the loop ran the close callbacks. */
ww_conn *ww__conn_new_sink(ww__worker *w, const ww__sink *sink);
/* Feed received bytes through parse -> route -> handler -> respond. */
void ww__conn_feed(ww_conn *c, const char *data, size_t len);
/* The client went away: close now (pending handlers see ww_req_gone()). */
void ww__conn_close(ww_conn *c);

/* Accept one connection on w's listener. */
void ww__conn_accept(ww__worker *w);
/* Worker shutdown: close idle connections, mark the rest to close after answering. */
void ww__worker_drain(ww__worker *w);
/* Grace over: close every connection. */
void ww__worker_close_all(ww__worker *w);
/* Called when a connection's handles are closed (it may still wait for a handler) and
 * when it was freed: the worker ends once stopping and none is left. */
void ww__worker_conn_freed(ww__worker *w);
void ww__worker_conn_freed_check(ww__worker *w);

/* ---- responses (response.c) ---- */
/* Queue the response of 'req' with 'body' (owned by the call: freed with free() when
 * 'owned', else copied). Used by every ww_respond_*. */
void ww__respond(ww_req *req, int status, const char *content_type, char *body,
                 size_t len, int owned);
/* The connection's part of sending: hand bufs to the socket (conn.c). 'block' is a
 * malloc'd ww__wblock that the write completion frees. */
typedef struct ww__wblock {
  uv_write_t wr;
  ww_conn *conn;
  size_t charge;                 /* bytes it holds, counted in the output budget */
  char *owned_body;              /* freed with the block */
  uv_buf_t bufs[2];
  int nbufs;
  char data[];
} ww__wblock;
void ww__conn_send(ww_conn *c, ww__wblock *b);
/* After the response was queued: the request is done; go on with the next one. */
void ww__conn_request_done(ww_conn *c);

/* 100 Continue on the connection. */
void ww__conn_send_continue(ww_conn *c);

/* Case-insensitive header lookup on a request (borrowed). */
const char *ww__req_header(const ww_req *req, const char *name, size_t name_len);

#endif
