/* Routing table: (method, pattern) with "{name}" segments, compiled once at start.
 *
 * Matching splits the path into segments once and compares them with each route of the
 * same segment count, in table order: the first route whose path and method fit wins.
 * Paths are matched as sent (percent-encoding kept, no query); a trailing slash is an
 * extra empty segment, so "/healthz/" does not match "/healthz" (ADR: no trailing
 * slashes). A "{name}" segment matches one non-empty segment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/internal.h"

static int segs_same_shape(const ww__route *a, const ww__route *b) {
  if (a->nsegs != b->nsegs) return 0;
  for (int i = 0; i < a->nsegs; i++) {
    const ww__seg *x = &a->segs[i], *y = &b->segs[i];
    if (x->param != y->param) return 0;
    if (!x->param && (x->len != y->len || memcmp(x->text, y->text, x->len) != 0)) return 0;
  }
  return 1;
}

static int compile(ww__route *rt, const ww_route *src, char *err, size_t errlen) {
  const char *p = src->pattern;
  if (!p || p[0] != '/' || !src->method || !src->handler) {
    snprintf(err, errlen, "route %s %s: pattern must start with '/', method and handler set",
             src->method ? src->method : "?", p ? p : "?");
    return -1;
  }
  rt->method = src->method;
  rt->pattern = p;
  rt->handler = src->handler;
  rt->gate = src->gate;
  rt->large_body = src->large_body;
  rt->buf = strdup(p + 1);
  if (!rt->buf) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  char *s = rt->buf;
  for (;;) {
    char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (rt->nsegs == WW__MAX_SEGMENTS) {
      snprintf(err, errlen, "route %s: more than %d segments", p, WW__MAX_SEGMENTS);
      return -1;
    }
    ww__seg *g = &rt->segs[rt->nsegs++];
    if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
      if (rt->nparams == WW__MAX_PARAMS) {
        snprintf(err, errlen, "route %s: more than %d params", p, WW__MAX_PARAMS);
        return -1;
      }
      g->param = 1;
      g->text = s + 1;
      g->len = len - 2;
      s[len - 1] = '\0';
      rt->nparams++;
    } else {
      g->param = 0;
      g->text = s;
      g->len = len;
    }
    if (!slash) break;
    *slash = '\0';
    s = slash + 1;
  }
  return 0;
}

int ww__router_init(ww__router *r, const ww_route *routes, size_t n, char *err,
                    size_t errlen) {
  memset(r, 0, sizeof *r);
  if (n == 0) return 0;
  r->routes = calloc(n, sizeof *r->routes);
  r->allow = calloc(n, sizeof *r->allow);
  if (!r->routes || !r->allow) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < n; i++) {
    r->n = i + 1;
    if (compile(&r->routes[i], &routes[i], err, errlen) != 0) goto fail;
    ww__route *rt = &r->routes[i];
    rt->path_id = -1;
    for (size_t j = 0; j < i; j++) {
      if (segs_same_shape(&r->routes[j], rt)) {
        rt->path_id = r->routes[j].path_id;
        break;
      }
    }
    if (rt->path_id < 0) rt->path_id = r->npaths++;
  }
  /* Allow lists: the methods of each path shape, in table order, plus OPTIONS. */
  for (int id = 0; id < r->npaths; id++) {
    size_t cap = 16;
    for (size_t i = 0; i < n; i++)
      if (r->routes[i].path_id == id) cap += strlen(r->routes[i].method) + 2;
    char *a = malloc(cap);
    if (!a) {
      snprintf(err, errlen, "out of memory");
      goto fail;
    }
    a[0] = '\0';
    size_t len = 0;
    int has_options = 0;
    for (size_t i = 0; i < n; i++) {
      const ww__route *rt = &r->routes[i];
      if (rt->path_id != id) continue;
      int dup = 0;
      for (size_t j = 0; j < i; j++)
        if (r->routes[j].path_id == id && strcmp(r->routes[j].method, rt->method) == 0) dup = 1;
      if (dup) continue;
      if (strcmp(rt->method, "OPTIONS") == 0) has_options = 1;
      len += (size_t)snprintf(a + len, cap - len, "%s%s", len ? ", " : "", rt->method);
    }
    if (!has_options) snprintf(a + len, cap - len, "%sOPTIONS", len ? ", " : "");
    r->allow[id] = a;
  }
  return 0;
fail:
  ww__router_free(r);
  return -1;
}

void ww__router_free(ww__router *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) free(r->routes[i].buf);
  if (r->allow)
    for (int i = 0; i < r->npaths; i++) free(r->allow[i]);
  free(r->routes);
  free(r->allow);
  memset(r, 0, sizeof *r);
}

void ww__router_match(const ww__router *r, const char *method, const char *path,
                      size_t len, ww__match *m) {
  memset(m, 0, sizeof *m);
  m->path_id = -1;
  if (len == 0 || path[0] != '/' || len > UINT16_MAX) return;
  /* Split once: segment i is path[so[i] .. so[i]+sl[i]). */
  uint16_t so[WW__MAX_SEGMENTS], sl[WW__MAX_SEGMENTS];
  int ns = 0;
  size_t start = 1;
  for (size_t i = 1; i <= len; i++) {
    if (i == len || path[i] == '/') {
      if (ns == WW__MAX_SEGMENTS) return;   /* longer than any route */
      so[ns] = (uint16_t)start;
      sl[ns] = (uint16_t)(i - start);
      ns++;
      start = i + 1;
    }
  }
  for (size_t i = 0; i < r->n; i++) {
    const ww__route *rt = &r->routes[i];
    if (rt->nsegs != ns) continue;
    int ok = 1;
    for (int k = 0; k < ns && ok; k++) {
      const ww__seg *g = &rt->segs[k];
      if (g->param)
        ok = sl[k] > 0;
      else
        ok = g->len == sl[k] && memcmp(g->text, path + so[k], sl[k]) == 0;
    }
    if (!ok) continue;
    if (m->path_id < 0) m->path_id = rt->path_id;
    if (strcmp(rt->method, method) != 0) continue;
    m->route = rt;
    m->path_id = rt->path_id;
    m->nparams = 0;
    for (int k = 0; k < ns; k++) {
      if (!rt->segs[k].param) continue;
      m->off[m->nparams] = so[k];
      m->len[m->nparams] = sl[k];
      m->nparams++;
    }
    return;
  }
}

const char *ww__router_allow(const ww__router *r, int path_id) {
  if (path_id < 0 || path_id >= r->npaths) return "";
  return r->allow[path_id];
}
