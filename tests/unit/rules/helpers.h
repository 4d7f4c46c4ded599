/* Shared helpers for the rule-engine unit tests. */
#ifndef WW_TEST_RULES_HELPERS_H
#define WW_TEST_RULES_HELPERS_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "wegwijzer/wegwijzer.h"

#ifndef WW_FIXTURES
#error "WW_FIXTURES must name tests/unit/rules/fixtures"
#endif

static inline ww_rules *load_fixture(const char *name, const ww_limits *lim) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", WW_FIXTURES, name);
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, lim, &err);
  cr_assert_not_null(r, "fixture %s: %s", name, err.msg);
  ww_err_clear(&err);
  return r;
}

static const unsigned char test_secret[] = "test-secret";

/* Decides the request given as JSON text; asserts success. New reference. */
static inline json_t *decide_json(ww_rules *r, const char *text, int route) {
  ww_decide_opts o = {0};
  o.secret = test_secret;
  o.secret_len = sizeof test_secret - 1;
  o.route = route;
  json_t *out = NULL;
  ww_err err = {0};
  int rc = ww_decide_text(r, text, strlen(text), &o, &out, &err);
  cr_assert_eq(rc, 0, "decide %s: %s", text, err.msg);
  ww_err_clear(&err);
  return out;
}

static inline const char *first_id(const json_t *ans) {
  return json_string_value(json_object_get(json_array_get(json_object_get(ans, "channels"), 0), "id"));
}

static inline int has_note(const json_t *ans, const char *sub) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(ans, "notes"), i, v) if (strstr(json_string_value(v), sub)) return 1;
  return 0;
}

/* Channel ids of the answer joined by ",". */
static inline void ids_of(const json_t *ans, const char *key, char *out, size_t n) {
  out[0] = '\0';
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(ans, key), i, v) {
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", i ? "," : "", json_string_value(json_object_get(v, "id")));
  }
}

#endif
