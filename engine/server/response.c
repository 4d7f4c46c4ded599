/* Responses and request accessors.
 *
 * Every response is one write: a block holding the status line, the fixed headers
 * (API-Version, ADR security headers, CORS), the handler's extra headers and, for small
 * bodies, the body; a large JSON body goes as a second uv_buf without a copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log/log.h"
#include "server/internal.h"
#include "util/json_limits.h"

#define COPY_BODY_MAX 4096
#define XH_MAX 8192

const char *ww_http_reason(int status) {
  switch (status) {
  case 100: return "Continue";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 413: return "Content Too Large";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: break;
  }
  if (status >= 200 && status < 300) return "Success";
  if (status >= 400 && status < 500) return "Client Error";
  if (status >= 500 && status < 600) return "Server Error";
  return "Unknown";
}

static const char FIXED[] =
    "API-Version: " WW_API_VERSION "\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n";
static const char DEFAULT_CSP[] = "Content-Security-Policy: frame-ancestors 'none'\r\n";

static char *put(char *p, const char *s, size_t n) {
  memcpy(p, s, n);
  return p + n;
}
#define PUTS(p, lit) put((p), (lit), sizeof(lit) - 1)

static const char NO_STORE[] = "Cache-Control: no-store\r\n";

/* Did the handler set this header of its own (ww_req_add_header)? Then it replaces the
 * default (a catalogue a page may keep for a minute; the workbench's fuller
 * Content-Security-Policy). 'name' ends in ':'. */
static int own_header(const ww_req *req, const char *name) {
  size_t n = strlen(name);
  const char *p = req->xh, *end = req->xh + req->xh_len;
  while (p && p < end) {
    if ((size_t)(end - p) >= n && strncasecmp(p, name, n) == 0)
      return 1;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    p = nl ? nl + 1 : NULL;
  }
  return 0;
}

/* Decimal digits of v (snprintf costs more than the rest of the header together). */
static char *put_uint(char *p, size_t v) {
  char tmp[24];
  int n = 0;
  do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
  while (n) *p++ = tmp[--n];
  return p;
}

/* The Date header line, formatted once per second per worker. */
static void refresh_date(ww__worker *w) {
  time_t now = time(NULL);
  if ((long long)now == w->date_sec && w->date_len) return;
  struct tm tm;
  gmtime_r(&now, &tm);
  w->date_len = strftime(w->date, sizeof w->date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
  w->date_sec = (long long)now;
}

void ww__respond(ww_req *req, int status, const char *content_type, char *body,
                 size_t len, int owned) {
  ww_conn *c = req->conn;
  ww_server *s = c->w->srv;
  if (req->responded) {
    ww_logf(WW_LOG_ERROR, "second response (%d) for one request ignored", status);
    if (owned) free(body);
    return;
  }
  req->responded = 1;
  req->status = status;
  if (req->gone || c->closing) {
    if (owned) free(body);
    ww__conn_request_done(c);
    return;
  }
  if (c->w->stopping || c->upgrade_stop) req->keep_alive = 0;
  int no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
  int head = strcmp(req->method, "HEAD") == 0;
  size_t send_len = (no_body || head) ? 0 : len;
  if (no_body) len = 0;
  const char *origin = req->cors_ok ? c->hbuf + req->origin : NULL;
  const char *ctype = content_type && !no_body ? content_type : NULL;
  int http10_ka = req->keep_alive && c->parser.http_major == 1 && c->parser.http_minor == 0;

  refresh_date(c->w);
  size_t hsize = 64 + sizeof FIXED + sizeof DEFAULT_CSP + sizeof NO_STORE + c->w->date_len + req->xh_len + 2;
  if (ctype) hsize += 16 + strlen(ctype);
  if (s->ncors) hsize += 16;
  if (origin) hsize += 128 + req->origin_len;
  hsize += 32;   /* Connection */
  int copy = send_len > 0 && (!owned || send_len <= COPY_BODY_MAX);
  ww__wblock *b = malloc(sizeof *b + hsize + (copy ? send_len : 0));
  if (!b) {
    ww_logf(WW_LOG_ERROR, "out of memory writing a response; closing the connection");
    if (owned) free(body);
    ww__conn_close(c);
    ww__conn_request_done(c);
    return;
  }
  b->owned_body = NULL;
  char *p = b->data;
  const char *reason = ww_http_reason(status);
  p = PUTS(p, "HTTP/1.1 ");
  p = put_uint(p, (size_t)(status > 0 && status < 1000 ? status : 500));
  *p++ = ' ';
  p = put(p, reason, strnlen(reason, 40));
  p = PUTS(p, "\r\n");
  if (ctype) {
    p = PUTS(p, "Content-Type: ");
    p = put(p, ctype, strlen(ctype));
    p = PUTS(p, "\r\n");
  }
  if (!no_body) {
    p = PUTS(p, "Content-Length: ");
    p = put_uint(p, len);
    p = PUTS(p, "\r\n");
  }
  p = put(p, c->w->date, c->w->date_len);
  p = PUTS(p, FIXED);
  if (req->xh_len == 0 || !own_header(req, "Content-Security-Policy:")) p = PUTS(p, DEFAULT_CSP);
  if (req->xh_len == 0 || !own_header(req, "Cache-Control:")) p = PUTS(p, NO_STORE);
  if (s->ncors) p = PUTS(p, "Vary: Origin\r\n");
  if (origin) {
    p = PUTS(p, "Access-Control-Allow-Origin: ");
    p = put(p, origin, req->origin_len);
    p = PUTS(p, "\r\nAccess-Control-Expose-Headers: API-Version, ETag, Location, Retry-After\r\n");
  }
  if (!req->keep_alive) p = PUTS(p, "Connection: close\r\n");
  else if (http10_ka) p = PUTS(p, "Connection: keep-alive\r\n");
  if (req->xh_len) p = put(p, req->xh, req->xh_len);
  p = PUTS(p, "\r\n");
  b->nbufs = 1;
  if (copy) {
    p = put(p, body, send_len);
    if (owned) free(body);
  } else if (send_len > 0) {
    b->owned_body = body;
    b->bufs[1] = uv_buf_init(body, (unsigned)send_len);
    b->nbufs = 2;
  } else if (owned) {
    free(body);
  }
  b->bufs[0] = uv_buf_init(b->data, (unsigned)(p - b->data));
  /* Count and log before the bytes go out: a client that has its answer and then scrapes
   * /metrics (maybe on another worker) must find this request counted. */
  if (s->opts.on_complete)
    s->opts.on_complete(c->w->state, req, status,
                        (double)(uv_hrtime() - req->start_ns) / 1e9);
  ww__conn_send(c, b);
  ww__conn_request_done(c);
}

void ww_respond_raw(ww_req *req, int status, const char *content_type, const char *body,
                    size_t len) {
  ww__respond(req, status, content_type, (char *)body, len, 0);
}

void ww_respond_json(ww_req *req, int status, json_t *body) {
  char *s = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  json_decref(body);
  if (!s) {
    static const char oom[] =
        "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
        "\"detail\":\"response could not be encoded\",\"code\":\"internal\"}";
    ww__respond(req, 500, "application/problem+json", (char *)oom, sizeof oom - 1, 0);
    return;
  }
  ww__respond(req, status, "application/json", s, strlen(s), 1);
}

void ww_respond_problem(ww_req *req, int status, const char *code, const char *detail,
                        json_t *invalid_params, json_t *extra) {
  const char *title = ww_http_reason(status);
  json_t *o = json_object();
  if (o) {
    json_object_set_new(o, "type", json_string("about:blank"));
    json_object_set_new(o, "title", json_string(title));
    json_object_set_new(o, "status", json_integer(status));
    json_object_set_new(o, "detail", json_string(detail ? detail : title));
    json_object_set_new(o, "code", json_string(code ? code : "internal"));
    if (invalid_params) json_object_set(o, "invalidParams", invalid_params);
    if (extra && json_is_object(extra)) json_object_update_missing(o, extra);
  }
  json_decref(invalid_params);
  json_decref(extra);
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!s) {
    static const char oom[] =
        "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
        "\"detail\":\"out of memory\",\"code\":\"internal\"}";
    ww__respond(req, 500, "application/problem+json", (char *)oom, sizeof oom - 1, 0);
    return;
  }
  ww__respond(req, status, "application/problem+json", s, strlen(s), 1);
}

static int token_char(unsigned char ch) {
  return ch > 32 && ch < 127 && !strchr("()<>@,;:\\\"/[]?={}", ch);
}

void ww_req_add_header(ww_req *req, const char *name, const char *value) {
  size_t nl = strlen(name), vl = strlen(value);
  int ok = nl > 0;
  for (size_t i = 0; i < nl && ok; i++) ok = token_char((unsigned char)name[i]);
  for (size_t i = 0; i < vl && ok; i++)
    ok = value[i] != '\r' && value[i] != '\n';
  if (!ok) {
    ww_logf(WW_LOG_ERROR, "refusing an invalid response header %.40s", name);
    return;
  }
  size_t need = req->xh_len + nl + vl + 4;
  if (need > XH_MAX) {
    ww_logf(WW_LOG_ERROR, "response headers over %d bytes; dropping %.40s", XH_MAX, name);
    return;
  }
  if (need > req->xh_cap) {
    size_t cap = req->xh_cap ? req->xh_cap : 256;
    while (cap < need) cap *= 2;
    char *n = realloc(req->xh, cap);
    if (!n) {
      ww_logf(WW_LOG_ERROR, "out of memory adding a response header");
      return;
    }
    req->xh = n;
    req->xh_cap = cap;
  }
  char *p = req->xh + req->xh_len;
  p = put(p, name, nl);
  p = PUTS(p, ": ");
  p = put(p, value, vl);
  p = PUTS(p, "\r\n");
  req->xh_len = (size_t)(p - req->xh);
}

/* ---- accessors ---- */

const char *ww_req_method(const ww_req *req) { return req->method; }
const char *ww_req_path(const ww_req *req) { return req->conn->hbuf + req->url; }
const char *ww_req_query(const ww_req *req) { return req->conn->hbuf + req->query; }
const char *ww_req_route(const ww_req *req) {
  return req->match.route ? req->match.route->pattern : NULL;
}
const char *ww_req_peer(const ww_req *req) { return req->conn->peer; }
int ww_req_worker(const ww_req *req) { return req->conn->w->index; }
void *ww_req_app(const ww_req *req) { return req->conn->w->state; }
int ww_req_gone(const ww_req *req) { return req->gone; }
void ww_req_set_note(ww_req *req, const void *note) { req->note = note; }
const void *ww_req_note(const ww_req *req) { return req->note; }

const char *ww_req_header(const ww_req *req, const char *name) {
  return ww__req_header(req, name, strlen(name));
}

const char *ww_req_body(const ww_req *req, size_t *len) {
  if (len) *len = req->body_len;
  return req->body ? req->body : "";
}

const char *ww_req_param(const ww_req *req, const char *name) {
  const ww__route *rt = req->match.route;
  if (!rt) return NULL;
  size_t nl = strlen(name);
  int k = 0;
  for (int i = 0; i < rt->nsegs; i++) {
    const ww__seg *g = &rt->segs[i];
    if (!g->param) continue;
    if (g->len == nl && memcmp(g->text, name, nl) == 0)
      return req->conn->hbuf + req->pcopy + req->match.off[k];
    k++;
  }
  return NULL;
}

/* application/json or application/<x>+json, parameters (charset=utf-8) allowed. */
static int is_json_type(const char *ct) {
  if (!ct) return 0;
  size_t n = strcspn(ct, "; \t");
  if (n == 16 && strncasecmp(ct, "application/json", 16) == 0) return 1;
  return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
         strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* Every JSON body (sessions data and event details too, which later reach rules through
 * r.session): bounded nesting and size, numbers exact in a double. Advice and route
 * requests get the tighter limits of engine/decision/request.c on top, in the same walk. */
const ww_json_limits ww_req_body_limits = {.depth = 32, .values = 4096, .string = 64 * 1024};

int ww_req_is_json(const ww_req *req) {
  return is_json_type(ww_req_header(req, "Content-Type"));
}

json_t *ww_req_json_unchecked(ww_req *req) {
  if (!ww_req_is_json(req)) {
    ww_respond_problem(req, 415, "unsupported_media_type",
                       "the body must be JSON (Content-Type: application/json)", NULL, NULL);
    return NULL;
  }
  json_error_t e;
  json_t *j = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &e);
  if (!j) {
    /* jansson quotes the text it stopped at ("near '\"999993653\"'"): that may be a
     * citizen.id, which must never leave the request (docs/privacy.md), so only say where. */
    char *near = strstr(e.text, " near ");
    if (near) *near = '\0';
    char *flag = strstr(e.text, " without JSON_ALLOW_NUL");   /* jansson's own flag name */
    if (flag) *flag = '\0';
    char detail[256];
    snprintf(detail, sizeof detail, "malformed JSON: %s (line %d, column %d)", e.text, e.line,
             e.column);
    ww_respond_problem(req, 400, "invalid_json", detail, NULL, NULL);
    return NULL;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    ww_respond_problem(req, 400, "invalid_json", "the body must be a JSON object", NULL, NULL);
    return NULL;
  }
  return j;
}

json_t *ww_req_json(ww_req *req) {
  json_t *j = ww_req_json_unchecked(req);
  if (j == NULL) return NULL;
  char name[200], reason[120], detail[340];
  if (ww_json_check(j, &ww_req_body_limits, name, sizeof name, reason, sizeof reason) != 0) {
    json_decref(j);
    snprintf(detail, sizeof detail, "%s %s", name, reason);
    ww_respond_problem(req, 400, "invalid_json", detail,
                       json_pack("[{s:s, s:s}]", "name", name, "reason", reason), NULL);
    return NULL;
  }
  return j;
}
