/* GET /werkbank/...: the workbench's files from the binary (werkbank/werkbank.h). */
#include "werkbank/werkbank.h"

#include <string.h>

#include "werkbank/assets.h"

/* The page holds a bearer token, so: no script or style but its own files, nothing
 * inline, no eval, no framing, no form posts, no referrer. CodeMirror sets element
 * styles through the CSSOM, which style-src 'self' allows. */
static const char CSP[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

static void page_headers(ww_req *req) {
  ww_req_add_header(req, "Content-Security-Policy", CSP);
  ww_req_add_header(req, "Referrer-Policy", "no-referrer");
}

static const ww_werkbank_asset *find(const char *name) {
  for (size_t i = 0; i < ww_werkbank_nassets; i++)
    if (strcmp(ww_werkbank_assets[i].name, name) == 0) return &ww_werkbank_assets[i];
  return NULL;
}

/* Does If-None-Match name this ETag (or "*")? A list "a", "b" and weak W/"a" count. */
static int etag_matches(const char *inm, const char *etag) {
  if (!inm) return 0;
  size_t n = strlen(etag);
  for (const char *p = inm; *p;) {
    while (*p == ' ' || *p == ',') p++;
    if (*p == '*') return 1;
    if (strncmp(p, "W/", 2) == 0) p += 2;
    if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ')) return 1;
    const char *comma = strchr(p, ',');
    if (!comma) break;
    p = comma;
  }
  return 0;
}

static void serve(ww_req *req, const char *name) {
  page_headers(req);
  const ww_werkbank_asset *a = find(name);
  if (!a) {
    ww_respond_problem(req, 404, "not_found", "The workbench has no such file.", NULL, NULL);
    return;
  }
  /* Revalidate each time: a new binary may bring new files under the same names. */
  ww_req_add_header(req, "Cache-Control", "no-cache");
  ww_req_add_header(req, "ETag", a->etag);
  if (etag_matches(ww_req_header(req, "If-None-Match"), a->etag)) {
    ww_respond_raw(req, 304, NULL, NULL, 0);
    return;
  }
  ww_respond_raw(req, 200, a->content_type, a->data, a->len);
}

static void werkbank_redirect(ww_req *req) {
  page_headers(req);
  ww_req_add_header(req, "Location", "/werkbank/");
  ww_respond_raw(req, 301, "text/plain; charset=utf-8", "/werkbank/\n", 11);
}

static void werkbank_index(ww_req *req) { serve(req, "index.html"); }

static void werkbank_asset(ww_req *req) { serve(req, ww_req_param(req, "asset")); }

static const ww_route routes[] = {
    {"GET", "/werkbank", werkbank_redirect, 0, 0},
    {"GET", "/werkbank/", werkbank_index, 0, 0},
    {"GET", "/werkbank/{asset}", werkbank_asset, 0, 0},
};

const ww_route *ww_werkbank_routes(size_t *n) {
  *n = sizeof routes / sizeof routes[0];
  return routes;
}
