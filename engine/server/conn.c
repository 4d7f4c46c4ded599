/* One HTTP/1.1 connection: bytes -> http_parser -> route -> handler -> response.
 *
 * Requests are handled strictly one at a time: on message complete the parser is paused
 * and the request dispatched; bytes of pipelined requests stay buffered until the
 * handler answered (ww__conn_request_done). The same path serves sockets (read_cb) and
 * socket-less connections (ww__conn_feed, for tests and fuzzing).
 *
 * Deadlines (one timer): a request must arrive whole within header_timeout_ms of its
 * first byte (also the wait for the first request); between keep-alive requests the
 * connection may idle idle_timeout_ms. Either expiry closes the connection without an
 * answer (as nginx does). After a final "Connection: close" response the write side is
 * shut down and input is drained for up to LINGER_MS, so the client reads the answer
 * instead of a reset. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log/log.h"
#include "server/internal.h"

#define IN_MAX (64 * 1024)          /* unparsed input kept per connection */
/* Output backpressure: above WRITE_HIGH bytes of answers held for the socket (queued, or
 * written but not yet freed) a connection is neither read nor parsed until under
 * WRITE_LOW. It also bounds what one pipelining connection makes the loop do per turn
 * (about 20 advice answers), so the others, /healthz too, are not kept waiting. */
#define WRITE_HIGH (64 * 1024)
#define WRITE_LOW (16 * 1024)
#define SNDBUF (256 * 1024)         /* SO_SNDBUF of a client socket (the kernel doubles it) */
#define LINGER_MS 2000
#define HBUF_INIT 2048

static int on_message_begin(http_parser *p);
static int on_url(http_parser *p, const char *at, size_t len);
static int on_header_field(http_parser *p, const char *at, size_t len);
static int on_header_value(http_parser *p, const char *at, size_t len);
static int on_headers_complete(http_parser *p);
static int on_body(http_parser *p, const char *at, size_t len);
static int on_message_complete(http_parser *p);

static const http_parser_settings settings = {
  .on_message_begin = on_message_begin,
  .on_url = on_url,
  .on_header_field = on_header_field,
  .on_header_value = on_header_value,
  .on_headers_complete = on_headers_complete,
  .on_body = on_body,
  .on_message_complete = on_message_complete,
};

static void conn_close_now(ww_conn *c);
static void conn_process(ww_conn *c);
static void start_shutdown(ww_conn *c);

/* ------------------------------------------------------------------ lifetime */

static void conn_free(ww_conn *c) {
  ww__worker *w = c->w;
  if (c->prev) c->prev->next = c->next; else w->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  free(c->hbuf);
  free(c->req.hdrs);
  free(c->req.xh);
  free(c->body);
  free(c->in);
  free(c);
  ww__worker_conn_freed(w);
}

static void conn_unref(ww_conn *c) {
  if (--c->refs == 0) conn_free(c);
}

static void on_handle_closed(uv_handle_t *h) {
  ww_conn *c = h->data;
  if (--c->handles == 0) {
    c->w->nlive--;
    if (c->refs > 1) ww__worker_conn_freed_check(c->w);   /* still owed an answer */
  }
  conn_unref(c);
}

/* The body limit of the request whose headers are in: a large_body route's own. */
static size_t body_limit(const ww_conn *c) {
  const ww__route *rt = c->req.match.route;
  const ww_server_opts *o = &c->w->srv->opts;
  return rt && rt->large_body ? o->max_large_body : o->max_body;
}

static void req_reset(ww_conn *c) {
  ww_req *r = &c->req;
  /* a large body's buffer is not kept for the connection's next requests */
  if (c->body_cap > c->w->srv->opts.max_body + 1) {
    free(c->body);
    c->body = NULL;
    c->body_cap = 0;
  }
  r->method = "";
  r->url = r->url_len = r->path_len = r->query = r->pcopy = 0;
  r->nhdrs = 0;
  r->hdrs_done = 0;
  memset(&r->match, 0, sizeof r->match);
  r->match.path_id = -1;
  r->body = NULL;
  r->body_len = 0;
  r->xh_len = 0;
  r->keep_alive = 0;
  r->responded = 0;
  r->status = 0;
  r->gate_ok = 0;
  r->cors_ok = 0;
  r->origin = r->origin_len = 0;
  r->note = NULL;
  c->hlen = 0;
  c->hcount = 0;
  c->last_cb = 0;
  c->gap_lf = 0;
  c->err_status = 0;
  c->err_code = c->err_detail = NULL;
  if (c->hcap) c->hbuf[0] = '\0';
}

static ww_conn *conn_new(ww__worker *w) {
  ww_server *s = w->srv;
  ww_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->hbuf = malloc(HBUF_INIT);
  c->req.hdrs = malloc((size_t)s->opts.max_headers * sizeof *c->req.hdrs);
  if (!c->hbuf || !c->req.hdrs) {
    free(c->hbuf);
    free(c->req.hdrs);
    free(c);
    return NULL;
  }
  c->hcap = HBUF_INIT;
  c->w = w;
  c->req.conn = c;
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  req_reset(c);
  uv_timer_init(w->loop, &c->timer);
  c->timer.data = c;
  c->refs = 1;
  c->handles = 1;
  w->nlive++;
  c->next = w->conns;
  if (w->conns) w->conns->prev = c;
  w->conns = c;
  w->nconns++;
  return c;
}

static void on_timeout(uv_timer_t *t) {
  ww_conn *c = t->data;
  if (c->state == WW__P_HEADERS)
    ww_logf(WW_LOG_DEBUG, "closing %s: request not received within %u ms", c->peer,
            c->w->srv->opts.header_timeout_ms);
  conn_close_now(c);
}

static void arm(ww_conn *c, unsigned ms) {
  if (!c->closing) uv_timer_start(&c->timer, on_timeout, ms, 0);
}

static void conn_close_now(ww_conn *c) {
  if (c->closing) return;
  c->closing = 1;
  if (c->req.pending) c->req.gone = 1;
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
  if (c->has_tcp) {
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
  } else if (c->sink.close) {
    c->sink.close(c->sink.ud);
  }
}

static void on_shutdown(uv_shutdown_t *sr, int status) {
  ww_conn *c = sr->data;
  if (status < 0 || c->eof) conn_close_now(c);
}

/* The last response is queued: FIN after it, then drain input until EOF or linger. */
static void start_shutdown(ww_conn *c) {
  if (c->closing || c->shut) return;
  if (!c->has_tcp || c->eof) {
    if (c->writes == 0 || !c->has_tcp) {
      conn_close_now(c);
      return;
    }
  }
  c->shut = 1;
  c->shutdown.data = c;
  if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    conn_close_now(c);
    return;
  }
  arm(c, LINGER_MS);
}

/* ------------------------------------------------------------------ parser callbacks */

static void refuse(ww_conn *c, int status, const char *code, const char *detail) {
  if (c->err_status) return;
  c->err_status = status;
  c->err_code = code;
  c->err_detail = detail;
}

static int hbuf_reserve(ww_conn *c, size_t more) {
  const ww_server_opts *o = &c->w->srv->opts;
  size_t need = (size_t)c->hlen + more;
  if (need <= c->hcap) return 0;
  size_t max = 2 * o->max_header_bytes + 2 * (size_t)o->max_headers + 16;
  if (need > max) return -1;
  size_t cap = c->hcap;
  while (cap < need) cap *= 2;
  if (cap > max) cap = max;
  char *n = realloc(c->hbuf, cap);
  if (!n) return -1;
  c->hbuf = n;
  c->hcap = (uint32_t)cap;
  return 0;
}

static void hbuf_nul(ww_conn *c) { c->hbuf[c->hlen++] = '\0'; }

/* Close the item the previous callback was writing. 'next' is the kind coming. */
static int finish_item(ww_conn *c, int next) {
  ww_req *r = &c->req;
  if (c->last_cb == next) return 0;
  if (hbuf_reserve(c, 2) != 0) return -1;
  switch (c->last_cb) {
  case 1: hbuf_nul(c); break;                      /* url */
  case 2:                                          /* name */
    hbuf_nul(c);
    if (next != 3) {                               /* header without value */
      r->hdrs[r->nhdrs].value = c->hlen;
      r->hdrs[r->nhdrs].value_len = 0;
      hbuf_nul(c);
      r->nhdrs++;
    }
    break;
  case 3: hbuf_nul(c); r->nhdrs++; break;          /* value */
  default: break;
  }
  c->last_cb = next;
  return 0;
}

static int append(ww_conn *c, int kind, const char *at, size_t len) {
  ww_server *s = c->w->srv;
  ww_req *r = &c->req;
  c->hcount += (uint32_t)len;
  if (len > UINT32_MAX || c->hcount > s->opts.max_header_bytes) {
    refuse(c, 431, "headers_too_large", "request line and headers exceed the size limit");
    return -1;
  }
  int fresh = c->last_cb != kind;
  if (finish_item(c, kind) != 0) goto too_big;
  if (fresh) {
    if (kind == 1) {
      r->url = c->hlen;
      r->url_len = 0;
    } else if (kind == 2) {
      if (r->nhdrs >= s->opts.max_headers) {
        refuse(c, 431, "headers_too_large", "too many header fields");
        return -1;
      }
      r->hdrs[r->nhdrs].name = c->hlen;
      r->hdrs[r->nhdrs].name_len = 0;
    } else {
      r->hdrs[r->nhdrs].value = c->hlen;
      r->hdrs[r->nhdrs].value_len = 0;
    }
  }
  if (hbuf_reserve(c, len + 2) != 0) goto too_big;
  memcpy(c->hbuf + c->hlen, at, len);
  c->hlen += (uint32_t)len;
  if (kind == 1) r->url_len += (uint32_t)len;
  else if (kind == 2) r->hdrs[r->nhdrs].name_len += (uint32_t)len;
  else r->hdrs[r->nhdrs].value_len += (uint32_t)len;
  return 0;
too_big:
  refuse(c, 431, "headers_too_large", "request line and headers exceed the size limit");
  return -1;
}

static int on_message_begin(http_parser *p) {
  ww_conn *c = p->data;
  req_reset(c);
  c->req.start_ns = uv_hrtime();
  c->state = WW__P_HEADERS;
  arm(c, c->w->srv->opts.header_timeout_ms);
  return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
  return append(p->data, 1, at, len);
}

/* Debian builds http_parser lenient (HTTP_PARSER_STRICT=0): it takes a blank inside or
 * after a field name as part of the name, and it joins folded lines (obs-fold) into the
 * value. RFC 9112 5.1 and 5.2: a server answers 400 to both, so a proxy in front of us
 * and we never frame a request differently ("Transfer-Encoding : chunked"). */
static int on_header_field(http_parser *p, const char *at, size_t len) {
  ww_conn *c = p->data;
  if (memchr(at, ' ', len) || memchr(at, '\t', len)) {
    refuse(c, 400, "bad_request",
           "whitespace in a header field name or before its colon (RFC 9112 5.1)");
    return -1;
  }
  c->gap_from = at + len;
  c->gap_lf = 0;
  return append(c, 2, at, len);
}

/* A value's text after a line end is a folded line. (An empty piece carries nothing: a
 * fold of blanks only is the same as one space, which RFC 9112 5.2 allows.) */
static int on_header_value(http_parser *p, const char *at, size_t len) {
  ww_conn *c = p->data;
  int line_end = c->gap_lf ||
                 (at > c->gap_from && memchr(c->gap_from, '\n', (size_t)(at - c->gap_from)));
  if (len > 0 && line_end) {
    refuse(c, 400, "bad_request", "folded header line (obs-fold) not allowed (RFC 9112 5.2)");
    return -1;
  }
  c->gap_from = at + len;
  c->gap_lf = 0;
  return append(c, 3, at, len);
}

const char *ww__req_header(const ww_req *r, const char *name, size_t name_len) {
  const char *hb = r->conn->hbuf;
  for (int i = 0; i < r->nhdrs; i++) {
    const ww__hdr *h = &r->hdrs[i];
    if (h->name_len == name_len && strncasecmp(hb + h->name, name, name_len) == 0)
      return hb + h->value;
  }
  return NULL;
}

/* Split the request target into path and query, NUL-terminating both in place. */
static int split_target(ww_conn *c) {
  ww_req *r = &c->req;
  char *u = c->hbuf + r->url;
  if (r->url_len == 0) return -1;
  if (u[0] == '/') {
    char *q = memchr(u, '?', r->url_len);
    char *h = memchr(u, '#', r->url_len);
    if (h && (!q || h < q)) q = NULL;
    if (h) *h = '\0';
    if (q) {
      *q = '\0';
      r->path_len = (uint32_t)(q - u);
      r->query = r->url + r->path_len + 1;
    } else {
      r->path_len = (uint32_t)(h ? h - u : r->url_len);
      r->query = r->url + r->path_len;   /* the NUL: "" */
    }
    return 0;
  }
  /* absolute-form (http://host/path?q): keep only path and query */
  struct http_parser_url pu;
  http_parser_url_init(&pu);
  if (http_parser_parse_url(u, r->url_len, 0, &pu) != 0 || !(pu.field_set & (1 << UF_PATH)))
    return -1;
  uint32_t po = pu.field_data[UF_PATH].off, pl = pu.field_data[UF_PATH].len;
  if (pu.field_set & (1 << UF_QUERY)) {
    uint32_t qo = pu.field_data[UF_QUERY].off, ql = pu.field_data[UF_QUERY].len;
    u[qo + ql] = '\0';
    r->query = r->url + qo;
  } else {
    r->query = r->url + r->url_len;
  }
  u[po + pl] = '\0';
  r->url += po;
  r->path_len = pl;
  return 0;
}

static void check_origin(ww_conn *c) {
  ww_server *s = c->w->srv;
  ww_req *r = &c->req;
  if (s->ncors == 0) return;
  const char *o = ww__req_header(r, "Origin", 6);
  if (!o) return;
  size_t len = strlen(o);
  for (size_t i = 0; i < s->ncors; i++) {
    if (s->cors_len[i] == len && memcmp(s->opts.cors_origins[i], o, len) == 0) {
      r->cors_ok = 1;
      r->origin = (uint32_t)(o - c->hbuf);
      r->origin_len = (uint32_t)len;
      return;
    }
  }
}

/* Match the route; for one with params, a copy of the path with each param
 * NUL-terminated, for ww_req_param. -1 when there is no room for the copy. */
static int route_request(ww_conn *c) {
  ww_req *r = &c->req;
  ww__router_match(&c->w->srv->router, r->method, c->hbuf + r->url, r->path_len, &r->match);
  if (!r->match.route || r->match.nparams == 0) return 0;
  if (hbuf_reserve(c, r->path_len + 1) != 0) return -1;
  r->pcopy = c->hlen;
  memcpy(c->hbuf + c->hlen, c->hbuf + r->url, r->path_len);
  c->hlen += r->path_len;
  hbuf_nul(c);
  for (int i = 0; i < r->match.nparams; i++)
    c->hbuf[r->pcopy + r->match.off[i] + r->match.len[i]] = '\0';
  return 0;
}

/* The route's access check (opts.authorize with its gate), once per request: 1 when the
 * request may go on, 0 when the hook answered it (the request may be reset already). */
static int gate_passes(ww_conn *c) {
  ww_req *r = &c->req;
  const ww_server_opts *o = &c->w->srv->opts;
  int gate = r->match.route ? r->match.route->gate : 0;
  if (gate == 0 || !o->authorize || r->gate_ok) return 1;
  if (!o->authorize(r, gate)) return 0;
  r->gate_ok = 1;
  return 1;
}

/* The gate while the body is still unread: refused, the answer goes out now and the unread
 * body ends the connection (the caller returns -1 to stop the parser; parse_some knows the
 * request was answered). 1: passed. */
static int gate_before_body(ww_conn *c) {
  ww_req *r = &c->req;
  int ka = r->keep_alive;
  r->keep_alive = 0;
  if (!gate_passes(c)) return 0;
  r->keep_alive = ka;
  return 1;
}

static int on_headers_complete(http_parser *p) {
  ww_conn *c = p->data;
  ww_req *r = &c->req;
  if (finish_item(c, 4) != 0) {
    refuse(c, 431, "headers_too_large", "request line and headers exceed the size limit");
    return -1;
  }
  r->hdrs_done = 1;
  /* http_parser keeps trailing blanks of a value; drop them */
  for (int i = 0; i < r->nhdrs; i++) {
    ww__hdr *h = &r->hdrs[i];
    while (h->value_len > 0 &&
           (c->hbuf[h->value + h->value_len - 1] == ' ' ||
            c->hbuf[h->value + h->value_len - 1] == '\t'))
      c->hbuf[h->value + --h->value_len] = '\0';
  }
  r->method = http_method_str((enum http_method)p->method);
  if (p->http_major != 1) {
    refuse(c, 400, "bad_request", "HTTP version not supported (HTTP/1.x only)");
    return -1;
  }
  if (split_target(c) != 0) {
    refuse(c, 400, "bad_request", "malformed request target");
    return -1;
  }
  check_origin(c);
  if (route_request(c) != 0) {
    refuse(c, 431, "headers_too_large", "request target too long");
    return -1;
  }
  r->keep_alive = http_should_keep_alive(p);
  int chunked = (p->flags & F_CHUNKED) != 0;
  int has_len = !chunked && p->content_length != ULLONG_MAX && p->content_length > 0;
  if (has_len && p->content_length > body_limit(c)) {
    refuse(c, 413, "payload_too_large", "request body exceeds the size limit");
    return -1;
  }
  if ((has_len || chunked) && r->match.route && r->match.route->large_body) {
    /* no large body is read for a client that may not send it */
    if (!gate_before_body(c)) return -1;
  }
  if (has_len && p->content_length + 1 > c->body_cap) {
    char *b = realloc(c->body, (size_t)p->content_length + 1);
    if (!b) {
      refuse(c, 503, "internal", "out of memory");
      return -1;
    }
    c->body = b;
    c->body_cap = (size_t)p->content_length + 1;
  }
  if ((has_len || chunked) && p->http_major == 1 && p->http_minor >= 1) {
    const char *e = ww__req_header(r, "Expect", 6);
    if (e && strcasecmp(e, "100-continue") == 0) {
      if (!gate_before_body(c)) return -1;
      ww__conn_send_continue(c);
    }
  }
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  ww_conn *c = p->data;
  ww_req *r = &c->req;
  size_t max = body_limit(c);
  if (len > max || r->body_len + len > max) {
    refuse(c, 413, "payload_too_large", "request body exceeds the size limit");
    return -1;
  }
  if (r->body_len + len + 1 > c->body_cap) {
    size_t cap = c->body_cap ? c->body_cap * 2 : 4096;
    while (cap < r->body_len + len + 1) cap *= 2;
    if (cap > max + 1) cap = max + 1;
    char *b = realloc(c->body, cap);
    if (!b) {
      refuse(c, 503, "internal", "out of memory");
      return -1;
    }
    c->body = b;
    c->body_cap = cap;
  }
  memcpy(c->body + r->body_len, at, len);
  r->body_len += len;
  return 0;
}

static int on_message_complete(http_parser *p) {
  ww_conn *c = p->data;
  c->ready = 1;
  http_parser_pause(p, 1);
  return 0;
}

/* ------------------------------------------------------------------ dispatch */

static void preflight(ww_req *r) {
  ww_conn *c = r->conn;
  const char *allow = ww__router_allow(&c->w->srv->router, r->match.path_id);
  if (ww__req_header(r, "Access-Control-Request-Method", 29) && r->cors_ok) {
    ww_req_add_header(r, "Access-Control-Allow-Methods", allow);
    ww_req_add_header(r, "Access-Control-Allow-Headers",
                      "Content-Type, Authorization, If-None-Match");
    ww_req_add_header(r, "Access-Control-Max-Age", "600");
  } else {
    ww_req_add_header(r, "Allow", allow);
  }
  ww__respond(r, 204, NULL, NULL, 0, 0);
}

static void dispatch(ww_conn *c) {
  ww_req *r = &c->req;
  ww_server *s = c->w->srv;
  c->state = WW__P_DISPATCHED;
  uv_timer_stop(&c->timer);
  if (!c->body) {
    c->body = malloc(1);
    c->body_cap = c->body ? 1 : 0;
  }
  r->body = c->body;
  if (r->body) r->body[r->body_len] = '\0';
  if (c->parser.upgrade) {     /* Upgrade / CONNECT: we speak only HTTP/1.1 */
    r->keep_alive = 0;
    c->upgrade_stop = 1;
  }
  if (c->w->stopping) r->keep_alive = 0;
  r->pending = 1;
  c->refs++;
  if (r->match.route) {
    if (gate_passes(c)) r->match.route->handler(r);
    return;
  }
  if (r->match.path_id >= 0 && strcmp(r->method, "OPTIONS") == 0) {
    preflight(r);
  } else if (r->match.path_id >= 0) {
    ww_req_add_header(r, "Allow", ww__router_allow(&s->router, r->match.path_id));
    ww_respond_problem(r, 405, "method_not_allowed", "method not allowed on this path",
                       NULL, NULL);
  } else {
    ww_respond_problem(r, 404, "not_found", "no such path", NULL, NULL);
  }
}

static void parse_error(ww_conn *c) {
  ww_req *r = &c->req;
  enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
  int status = c->err_status ? c->err_status : 400;
  const char *code = c->err_code ? c->err_code : "bad_request";
  const char *detail = c->err_detail ? c->err_detail : http_errno_description(e);
  if (!r->hdrs_done) {        /* half-parsed: answer without its headers */
    r->nhdrs = 0;
    r->cors_ok = 0;
    r->method = "";
  }
  if (!r->start_ns) r->start_ns = uv_hrtime();
  r->keep_alive = 0;
  c->state = WW__P_DISPATCHED;
  uv_timer_stop(&c->timer);
  ww_respond_problem(r, status, code, detail, NULL, NULL);
}

static int can_parse(const ww_conn *c) {
  return !c->closing && !c->close_after && !c->shut && c->state != WW__P_DISPATCHED &&
         !c->upgrade_stop && !c->write_blocked;
}

/* Parse 'data' until used up, a request waits for its handler, or the connection ends;
 * returns the bytes consumed. */
static size_t parse_some(ww_conn *c, const char *data, size_t len) {
  size_t off = 0;
  while (off < len && can_parse(c)) {
    c->gap_from = data + off;
    size_t n = http_parser_execute(&c->parser, &settings, data + off, len - off);
    /* inside the header lines: remember a line end after the last field or value */
    if ((c->last_cb == 2 || c->last_cb == 3) && c->gap_from < data + off + n &&
        memchr(c->gap_from, '\n', (size_t)(data + off + n - c->gap_from)))
      c->gap_lf = 1;
    off += n;
    if (c->ready) {
      c->ready = 0;
      http_parser_pause(&c->parser, 0);
      dispatch(c);
      continue;
    }
    if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK) {
      /* a refusal before 100 Continue stopped it: answered, nothing more to say */
      if (!c->close_after && !c->closing) parse_error(c);
      return len;
    }
    if (n == 0) break;
  }
  return off;
}

static int in_append(ww_conn *c, const char *data, size_t len) {
  if (c->in_len + len > c->in_cap) {
    size_t cap = c->in_cap ? c->in_cap : 4096;
    while (cap < c->in_len + len) cap *= 2;
    char *n = realloc(c->in, cap);
    if (!n) return -1;
    c->in = n;
    c->in_cap = cap;
  }
  memcpy(c->in + c->in_len, data, len);
  c->in_len += len;
  return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

/* Flow control: stop reading while IN_MAX bytes wait unparsed, or while the client does
 * not take its answers (write_blocked). */
static void flow(ww_conn *c) {
  if (!c->has_tcp || c->closing) return;
  int want = c->in_len < IN_MAX && !c->write_blocked;
  if (want && !c->reading) {
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = 1;
  } else if (!want && c->reading) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
  }
}

static void conn_process(ww_conn *c) {
  if (c->processing || c->closing) return;
  c->processing = 1;
  size_t n = parse_some(c, c->in, c->in_len);
  if (n >= c->in_len || c->closing) {
    c->in_len = 0;
  } else if (n > 0) {
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
  }
  c->processing = 0;
  flow(c);
}

/* New bytes from outside c->in: parse them in place when nothing is buffered. */
static void conn_input(ww_conn *c, const char *data, size_t len) {
  if (c->closing || len == 0) return;
  if (c->shut || c->close_after || c->upgrade_stop) return;   /* draining: discard */
  if (c->in_len > 0 || c->processing) {
    if (in_append(c, data, len) != 0) {
      conn_close_now(c);
      return;
    }
    conn_process(c);
    return;
  }
  c->processing = 1;
  size_t n = parse_some(c, data, len);
  if (n < len && !c->closing && in_append(c, data + n, len - n) != 0) conn_close_now(c);
  c->processing = 0;
  flow(c);
}

void ww__conn_request_done(ww_conn *c) {
  ww_req *r = &c->req;
  int had_ref = r->pending;
  r->pending = 0;
  c->state = WW__P_IDLE;
  if (!c->closing) {
    if (!r->keep_alive || c->w->stopping || c->upgrade_stop) {
      c->close_after = 1;
      start_shutdown(c);
    } else {
      arm(c, c->w->srv->opts.idle_timeout_ms);
      req_reset(c);
      conn_process(c);
    }
  }
  if (had_ref) conn_unref(c);
}

/* ------------------------------------------------------------------ writes */

static void uncharge(ww_conn *c, size_t n) {
  if (c->out_released) return;   /* given back all at once when it was closed */
  c->out_bytes -= n;
  atomic_fetch_sub(&c->w->srv->out_bytes, n);
}

/* The process holds more answers than its budget: close this worker's paused connections
 * (clients that do not read) with the most output held, until it is under the budget or
 * none is left. Their memory is freed as the loop closes them; it is given back to the
 * budget now, so one overrun closes no more than it must. */
static void shed(ww__worker *w) {
  ww_server *s = w->srv;
  while (atomic_load(&s->out_bytes) > s->opts.max_output_bytes) {
    ww_conn *worst = NULL;
    for (ww_conn *c = w->conns; c; c = c->next)
      if (c->write_blocked && !c->closing && (!worst || c->out_bytes > worst->out_bytes))
        worst = c;
    if (!worst) return;
    ww_log(WW_LOG_WARN,
           "closing a connection that does not read its answers: over the output memory budget",
           json_pack("{s:s,s:I,s:I}", "peer", worst->peer, "heldBytes",
                     (json_int_t)worst->out_bytes, "budgetBytes",
                     (json_int_t)s->opts.max_output_bytes));
    atomic_fetch_sub(&s->out_bytes, worst->out_bytes);
    worst->out_bytes = 0;
    worst->out_released = 1;
    conn_close_now(worst);
  }
}

static void on_write(uv_write_t *wr, int status) {
  ww__wblock *b = wr->data;
  ww_conn *c = b->conn;
  c->writes--;
  uncharge(c, b->charge);
  if (status < 0 && !c->closing) {   /* a cancel after our own close says nothing new */
    ww_log(status == UV_ECANCELED ? WW_LOG_INFO : WW_LOG_WARN, "response write failed",
           json_pack("{s:s,s:s}", "peer", c->peer, "error", uv_strerror(status)));
    conn_close_now(c);
  }
  free(b->owned_body);
  free(b);
  if (c->closing) return;
  if (c->write_blocked && c->out_bytes < WRITE_LOW) {
    c->write_blocked = 0;
    conn_process(c);   /* and reads again (flow) */
  }
  if (c->eof && c->writes == 0 && !c->shut) conn_close_now(c);
}

void ww__conn_send(ww_conn *c, ww__wblock *b) {
  b->conn = c;
  if (c->closing) {
    free(b->owned_body);
    free(b);
    return;
  }
  if (!c->has_tcp) {
    for (int i = 0; i < b->nbufs; i++) c->sink.write(c->sink.ud, b->bufs[i].base, b->bufs[i].len);
    free(b->owned_body);
    free(b);
    return;
  }
  b->wr.data = b;
  b->charge = sizeof *b;
  for (int i = 0; i < b->nbufs; i++) b->charge += b->bufs[i].len;
  c->writes++;
  c->out_bytes += b->charge;
  size_t total = atomic_fetch_add(&c->w->srv->out_bytes, b->charge) + b->charge;
  int rc = uv_write(&b->wr, (uv_stream_t *)&c->tcp, b->bufs, (unsigned)b->nbufs, on_write);
  if (rc != 0) {
    c->writes--;
    uncharge(c, b->charge);
    ww_log(WW_LOG_WARN, "response write failed",
           json_pack("{s:s,s:s}", "peer", c->peer, "error", uv_strerror(rc)));
    free(b->owned_body);
    free(b);
    conn_close_now(c);
    return;
  }
  /* the block lives until on_write, also when the socket took it all at once */
  if (c->out_bytes > WRITE_HIGH && !c->write_blocked) {
    c->write_blocked = 1;
    flow(c);
    if (total > c->w->srv->opts.max_output_bytes) shed(c->w);
  }
}

void ww__conn_send_continue(ww_conn *c) {
  static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
  ww__wblock *b = calloc(1, sizeof *b);
  if (!b) return;
  b->bufs[0] = uv_buf_init((char *)msg, sizeof msg - 1);
  b->nbufs = 1;
  ww__conn_send(c, b);
}

/* ------------------------------------------------------------------ sockets */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  ww_conn *c = h->data;
  (void)suggested;
  if (c->in_len == 0 && !c->processing) {
    *buf = uv_buf_init(c->w->rbuf, sizeof c->w->rbuf);
    return;
  }
  if (c->in_cap - c->in_len < 4096 && c->in_cap < IN_MAX) {
    size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
    if (cap > IN_MAX) cap = IN_MAX;
    char *n = realloc(c->in, cap);
    if (n) {
      c->in = n;
      c->in_cap = cap;
    }
  }
  *buf = uv_buf_init(c->in + c->in_len, (unsigned)(c->in_cap - c->in_len));
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  ww_conn *c = st->data;
  if (nread == 0) return;
  if (nread < 0) {
    if (nread == UV_ENOBUFS) {
      uv_read_stop(st);
      c->reading = 0;
      return;
    }
    c->reading = 0;
    if (nread != UV_EOF) {
      conn_close_now(c);
      return;
    }
    c->eof = 1;
    /* a client gone with a request pending or half sent: nothing to answer */
    if (c->state != WW__P_IDLE || c->writes == 0 || c->shut) conn_close_now(c);
    return;
  }
  if (buf->base == c->w->rbuf) {
    conn_input(c, buf->base, (size_t)nread);
  } else {
    c->in_len += (size_t)nread;
    if (c->shut || c->close_after || c->upgrade_stop) c->in_len = 0;   /* draining */
    conn_process(c);
  }
}

void ww__conn_accept(ww__worker *w) {
  ww_server *s = w->srv;
  ww_conn *c = conn_new(w);
  if (!c) {
    ww_logf(WW_LOG_ERROR, "out of memory accepting a connection");
    uv_tcp_t *t = malloc(sizeof *t);
    if (t && uv_tcp_init(w->loop, t) == 0) {
      (void)uv_accept((uv_stream_t *)&w->listener, (uv_stream_t *)t);   /* then drop it */
      uv_close((uv_handle_t *)t, (uv_close_cb)free);
    } else {
      free(t);
    }
    return;
  }
  c->has_tcp = 1;
  uv_tcp_init(w->loop, &c->tcp);
  c->tcp.data = c;
  c->refs = 2;
  c->handles = 2;
  if (uv_accept((uv_stream_t *)&w->listener, (uv_stream_t *)&c->tcp) != 0) {
    conn_close_now(c);
    return;
  }
  if (w->nconns > (size_t)s->opts.max_connections) {
    ww_logf(WW_LOG_WARN, "worker %d: over %d connections, refusing one", w->index,
            s->opts.max_connections);
    conn_close_now(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  /* Linux grows a socket's send buffer up to tcp_wmem's maximum (4 MiB by default) for a
   * client that does not read: kernel memory and copying per such client beyond our own
   * budget. A fixed buffer (the kernel doubles it) holds plenty of answers. */
  int sndbuf = SNDBUF;
  uv_send_buffer_size((uv_handle_t *)&c->tcp, &sndbuf);
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
    if (ss.ss_family == AF_INET6)
      uv_ip6_name((struct sockaddr_in6 *)&ss, c->peer, sizeof c->peer);
    else
      uv_ip4_name((struct sockaddr_in *)&ss, c->peer, sizeof c->peer);
  }
  arm(c, s->opts.header_timeout_ms);
  flow(c);
}

/* ------------------------------------------------------------------ sinks and workers */

ww_conn *ww__conn_new_sink(ww__worker *w, const ww__sink *sink) {
  ww_conn *c = conn_new(w);
  if (!c) return NULL;
  c->sink = *sink;
  snprintf(c->peer, sizeof c->peer, "test");
  arm(c, w->srv->opts.header_timeout_ms);
  return c;
}

void ww__conn_feed(ww_conn *c, const char *data, size_t len) {
  conn_input(c, data, len);
}

void ww__conn_close(ww_conn *c) { conn_close_now(c); }

void ww__worker_drain(ww__worker *w) {
  w->stopping = 1;
  for (ww_conn *c = w->conns; c; c = c->next) {
    if (c->closing) continue;
    if (c->state == WW__P_IDLE && c->in_len == 0) {
      if (c->writes == 0) {
        conn_close_now(c);
      } else {
        c->close_after = 1;
        start_shutdown(c);
      }
    }
  }
}

void ww__worker_close_all(ww__worker *w) {
  for (ww_conn *c = w->conns; c; c = c->next) conn_close_now(c);
}
