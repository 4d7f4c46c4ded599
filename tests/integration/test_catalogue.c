#define _GNU_SOURCE
/* Integration: what a web team builds a page from (issue 13 §5, §7), on the real binary with
 * the bundled rules over HTTP: the service catalogue (GET /v1/services[/{id}]) with its
 * ETag, Cache-Control and 304; excluded channels named as the catalogue names them; numbers
 * of the rule set printed as written. No store is involved (the embedded one runs). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "wegwijzer_proc.h"

static ww_proc srv;

static void setup(void) {
  memset(&srv, 0, sizeof srv);
  ww_test_serve(&srv, NULL);
}

static void teardown(void) {
  if (srv.pid > 0) ww_test_stop(&srv);
  ww_proc_cleanup(&srv);
}

TestSuite(catalogue, .init = setup, .fini = teardown, .timeout = 60);

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* GET 'path' with the extra header lines 'headers' (may be NULL); body as JSON (new). */
static json_t *get(const char *path, const char *headers, ww_http_resp *r) {
  cr_assert_eq(ww_http_request(srv.port, "GET", path, headers, NULL, r), 0, "GET %s", path);
  return ww_http_json(r);
}

/* The rule set's version, as GET /v1/rules shows it (into 'out'). */
static void rules_version(char out[16]) {
  ww_http_resp r;
  json_t *b = get("/v1/rules", NULL, &r);
  cr_assert_eq(r.status, 200);
  snprintf(out, 16, "%s", str(b, "version"));
  json_decref(b);
  ww_http_resp_free(&r);
}

static void check_catalogue_headers(const ww_http_resp *r, const char *version) {
  char etag[32];
  snprintf(etag, sizeof etag, "\"%s\"", version);
  cr_assert_str_eq(ww_http_header(r, "ETag"), etag);
  cr_assert_str_eq(ww_http_header(r, "Cache-Control"), "max-age=60");
  cr_assert_str_eq(ww_http_header(r, "API-Version"), "1.0.0");
  cr_assert_str_eq(ww_http_header(r, "X-Content-Type-Options"), "nosniff");
  int n = 0;   /* one Cache-Control, not no-store beside it */
  for (int i = 0; i < r->nheaders; i++) n += strcasecmp(r->name[i], "Cache-Control") == 0;
  cr_assert_eq(n, 1);
}

Test(catalogue, services_list_every_service_with_its_page_fields) {
  char version[16];
  rules_version(version);
  ww_http_resp r;
  json_t *b = get("/v1/services", NULL, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(ww_http_header(&r, "Content-Type"), "application/json");
  check_catalogue_headers(&r, version);
  json_t *list = json_object_get(b, "services");
  cr_assert_eq(json_array_size(list), 32, "the bundled rules have 32 services");
  size_t i;
  json_t *s;
  json_array_foreach(list, i, s) {
    cr_assert_not_null(str(s, "id"));
    cr_assert_not_null(str(s, "name"), "%s without a name", str(s, "id"));
    cr_assert(json_is_boolean(json_object_get(s, "presence")));
    cr_assert(json_is_array(json_object_get(s, "tags")));
    cr_assert_null(json_object_get(s, "source"), "no rule internals");
  }
  /* catalogue order, the known fields first, the rule set's own fields as written */
  json_t *pas = json_array_get(list, 0);
  cr_assert_str_eq(str(pas, "id"), "paspoort");
  cr_assert_str_eq(str(pas, "name"), "Paspoort aanvragen");
  cr_assert_str_eq(str(pas, "upl"), "paspoort");
  cr_assert_str_eq(str(pas, "auth"), "none");
  cr_assert(json_is_true(json_object_get(pas, "presence")));
  cr_assert(json_is_true(json_object_get(pas, "ophalen_balie")));
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(pas, "tags"), 0)),
                   "burgerzaken");
  cr_assert(strncmp(r.body, "{\"services\":[{\"id\":\"paspoort\",\"name\":", 37) == 0,
            "id and name first: %.80s", r.body);
  json_decref(b);
  ww_http_resp_free(&r);
}

Test(catalogue, one_service_its_etag_and_not_modified) {
  char version[16], etag[40], header[120];
  rules_version(version);
  snprintf(etag, sizeof etag, "\"%s\"", version);
  ww_http_resp r;
  json_t *b = get("/v1/services/verhuizing", NULL, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  check_catalogue_headers(&r, version);
  cr_assert_str_eq(str(b, "id"), "verhuizing");
  cr_assert_str_eq(str(b, "name"), "Verhuizing doorgeven");
  cr_assert_str_eq(str(b, "auth"), "midden");
  cr_assert_not_null(strstr(str(b, "termijn"), "4 weken"), "the rule set's own page text");
  json_decref(b);
  ww_http_resp_free(&r);

  /* The same list entry: one service is the list's entry for it. */
  json_t *all = get("/v1/services", NULL, &r);
  ww_http_resp_free(&r);
  json_t *one = get("/v1/services/verhuizing", NULL, &r);
  size_t i;
  json_t *s;
  int found = 0;
  json_array_foreach(json_object_get(all, "services"), i, s)
      if (strcmp(str(s, "id"), "verhuizing") == 0) found = json_equal(s, one);
  cr_assert(found, "GET /v1/services/verhuizing is its entry in GET /v1/services");
  json_decref(all);
  json_decref(one);
  ww_http_resp_free(&r);

  /* If-None-Match with the ETag (alone, weak, in a list, or *): 304 without a body. */
  const char *forms[] = {"%s", "W/%s", "\"000000000000\", %s", "*"};
  const char *paths[] = {"/v1/services", "/v1/services/verhuizing"};
  for (size_t p = 0; p < 2; p++) {
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
      char value[80];
      snprintf(value, sizeof value, forms[k], etag);
      snprintf(header, sizeof header, "If-None-Match: %s\r\n", value);
      cr_assert_eq(ww_http_request(srv.port, "GET", paths[p], header, NULL, &r), 0);
      cr_assert_eq(r.status, 304, "%s with If-None-Match %s: %d", paths[p], value, r.status);
      cr_assert_eq(r.body_len, 0);
      check_catalogue_headers(&r, version);
      ww_http_resp_free(&r);
    }
    /* another version: the whole answer */
    cr_assert_eq(ww_http_request(srv.port, "GET", paths[p],
                                 "If-None-Match: \"000000000000\"\r\n", NULL, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert_gt(r.body_len, 0);
    ww_http_resp_free(&r);
  }
}

Test(catalogue, unknown_or_malformed_service_id) {
  ww_http_resp r;
  json_t *b = get("/v1/services/bestaat_niet", NULL, &r);
  cr_assert_eq(r.status, 404, "%s", r.body);
  cr_assert_str_eq(ww_http_header(&r, "Content-Type"), "application/problem+json");
  cr_assert_str_eq(str(b, "code"), "not_found");
  cr_assert_str_eq(ww_http_header(&r, "Cache-Control"), "no-store");
  cr_assert_null(ww_http_header(&r, "ETag"));
  json_decref(b);
  ww_http_resp_free(&r);
  const char *bad[] = {"/v1/services/Paspoort", "/v1/services/pas%20poort",
                       "/v1/services/1paspoort"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    b = get(bad[i], NULL, &r);
    cr_assert_eq(r.status, 400, "%s: %d", bad[i], r.status);
    cr_assert_str_eq(str(b, "code"), "invalid_param");
    json_t *p0 = json_array_get(json_object_get(b, "invalidParams"), 0);
    cr_assert_str_eq(str(p0, "name"), "id");
    json_decref(b);
    ww_http_resp_free(&r);
  }
}

Test(catalogue, other_answers_stay_no_store) {
  const char *paths[] = {"/v1/channels", "/v1/rules", "/healthz"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    ww_http_resp r;
    json_decref(get(paths[i], "If-None-Match: *\r\n", &r));
    cr_assert_eq(r.status, 200, "%s", paths[i]);
    cr_assert_str_eq(ww_http_header(&r, "Cache-Control"), "no-store", "%s", paths[i]);
    cr_assert_null(ww_http_header(&r, "ETag"), "%s", paths[i]);
    ww_http_resp_free(&r);
  }
}

/* Every excluded channel carries the name GET /v1/channels gives it. */
Test(catalogue, excluded_channels_carry_their_name) {
  ww_http_resp r;
  json_t *chs = get("/v1/channels", NULL, &r);
  ww_http_resp_free(&r);
  const char *bodies[] = {
      /* paspoort: only the desk and the phone; the rest excluded */
      "{\"service\":\"paspoort\",\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}",
      "{\"service\":\"verhuizing\",\"citizen\":{\"needs\":[\"hearing\"],"
      "\"digitalSkills\":\"low\"},\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}",
  };
  size_t seen = 0;
  for (size_t k = 0; k < sizeof bodies / sizeof bodies[0]; k++) {
    json_t *b = ww_test_post(srv.port, "/v1/advice", bodies[k], &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    size_t i, j;
    json_t *x, *c;
    json_array_foreach(json_object_get(b, "excluded"), i, x) {
      const char *want = NULL;
      json_array_foreach(json_object_get(chs, "channels"), j, c)
          if (strcmp(str(c, "id"), str(x, "id")) == 0) want = str(c, "name");
      cr_assert_not_null(want, "excluded %s is no catalogue channel", str(x, "id"));
      cr_assert_str_eq(str(x, "name"), want, "excluded %s", str(x, "id"));
      cr_assert_gt(json_array_size(json_object_get(x, "reasons")), 0);
      seen++;
    }
    json_decref(b);
    ww_http_resp_free(&r);
  }
  cr_assert_geq(seen, 3, "the requests exclude channels");
  json_decref(chs);
}

/* The rule set writes targets { balie = 0.08, ... }: GET /v1/rules says 0.08. */
Test(catalogue, numbers_print_as_written) {
  ww_http_resp r;
  json_t *b = get("/v1/rules", NULL, &r);
  cr_assert_eq(r.status, 200);
  cr_assert_not_null(strstr(r.body, "\"balie\":0.08"), "%s", r.body);
  cr_assert_not_null(strstr(r.body, "\"website\":0.55"), "%s", r.body);
  cr_assert_null(strstr(r.body, "0000000"), "a number with a binary tail: %s", r.body);
  cr_assert(json_real_value(json_object_get(json_object_get(b, "targets"), "telefoon")) == 0.20);
  json_decref(b);
  ww_http_resp_free(&r);
}
