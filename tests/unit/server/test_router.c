/* Unit tests: engine/server/router.c */
#include <criterion/criterion.h>
#include <string.h>

#include "server/internal.h"

static void h(ww_req *r) { (void)r; }

static const ww_route routes[] = {
  {"GET", "/healthz", h, 0, 0},
  {"GET", "/v1/sessions/{id}", h, 0, 0},
  {"DELETE", "/v1/sessions/{sid}", h, 0, 0},
  {"POST", "/v1/sessions/{id}/events", h, 0, 0},
  {"POST", "/v1/handover/claim", h, 0, 0},
  {"GET", "/", h, 0, 0},
  {"GET", "/a/{x}/b/{y}", h, 0, 0},
};

static ww__router r;

static void setup(void) {
  char err[128];
  cr_assert_eq(ww__router_init(&r, routes, sizeof routes / sizeof routes[0], err, sizeof err), 0,
               "%s", err);
}
static void teardown(void) { ww__router_free(&r); }

static ww__match m;
static const ww__route *match(const char *method, const char *path) {
  ww__router_match(&r, method, path, strlen(path), &m);
  return m.route;
}

TestSuite(router, .init = setup, .fini = teardown);

Test(router, literal) {
  cr_assert_not_null(match("GET", "/healthz"));
  cr_assert_str_eq(m.route->pattern, "/healthz");
  cr_assert_eq(m.nparams, 0);
}

Test(router, params_offsets) {
  const char *p = "/a/12/b/xyz";
  cr_assert_not_null(match("GET", p));
  cr_assert_eq(m.nparams, 2);
  cr_assert_eq(m.off[0], 3);
  cr_assert_eq(m.len[0], 2);
  cr_assert_eq(m.off[1], 8);
  cr_assert_eq(m.len[1], 3);
}

Test(router, unknown_path_is_404) {
  cr_assert_null(match("GET", "/nope"));
  cr_assert_eq(m.path_id, -1);
  cr_assert_null(match("GET", "/v1/sessions"));
  cr_assert_eq(m.path_id, -1);
}

Test(router, wrong_method_keeps_path) {
  cr_assert_null(match("PUT", "/v1/sessions/abc"));
  cr_assert_geq(m.path_id, 0);
  cr_assert_str_eq(ww__router_allow(&r, m.path_id), "GET, DELETE, OPTIONS");
  cr_assert_null(match("GET", "/v1/handover/claim"));
  cr_assert_str_eq(ww__router_allow(&r, m.path_id), "POST, OPTIONS");
}

Test(router, same_shape_different_param_names) {
  cr_assert_not_null(match("DELETE", "/v1/sessions/abc"));
  cr_assert_str_eq(m.route->pattern, "/v1/sessions/{sid}");
}

Test(router, trailing_slash_does_not_match) {
  cr_assert_null(match("GET", "/healthz/"));
  cr_assert_eq(m.path_id, -1);
  cr_assert_null(match("GET", "/v1/sessions/abc/"));
}

Test(router, empty_segment_is_not_a_param) {
  cr_assert_null(match("GET", "/v1/sessions/"));
  cr_assert_null(match("POST", "/v1/sessions//events"));
}

Test(router, root) {
  cr_assert_not_null(match("GET", "/"));
  cr_assert_str_eq(m.route->pattern, "/");
}

Test(router, percent_encoding_kept) {
  cr_assert_not_null(match("GET", "/v1/sessions/a%2Fb"));
  cr_assert_eq(m.len[0], 5);
  cr_assert_null(match("GET", "/health%7A"));
}

Test(router, case_sensitive) {
  cr_assert_null(match("GET", "/HEALTHZ"));
  cr_assert_null(match("get", "/healthz"));
}

Test(router, too_many_segments) {
  char p[200] = "";
  for (int i = 0; i < 40; i++) strcat(p, "/x");
  cr_assert_null(match("GET", p));
}

Test(router, bad_patterns_refused) {
  ww__router r2;
  char err[128];
  ww_route bad[] = {{"GET", "healthz", h, 0, 0}};
  cr_assert_eq(ww__router_init(&r2, bad, 1, err, sizeof err), -1);
  cr_assert(strstr(err, "healthz"));
  ww_route nohandler[] = {{"GET", "/x", NULL, 0, 0}};
  cr_assert_eq(ww__router_init(&r2, nohandler, 1, err, sizeof err), -1);
}

Test(router, empty_table) {
  ww__router r2;
  char err[128];
  cr_assert_eq(ww__router_init(&r2, NULL, 0, err, sizeof err), 0);
  ww__router_match(&r2, "GET", "/", 1, &m);
  cr_assert_null(m.route);
  ww__router_free(&r2);
}
