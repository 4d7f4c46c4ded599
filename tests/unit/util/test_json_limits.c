/* Unit tests of engine/util/json_limits.c: one set of limits, and two in one walk. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/json_limits.h"

static const ww_json_limits inner = {.depth = 3, .values = 10, .string = 8};
static const ww_json_limits outer = {.depth = 5, .values = 20, .string = 16};

static json_t *parse(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  cr_assert_not_null(j, "%s", text);
  return j;
}

/* ww_json_check_both must say what the two separate walks say, in one. */
static void same_as_two_walks(const char *text) {
  json_t *j = parse(text);
  char n1[100], r1[100], n2[100], r2[100], n[100], r[100];
  int o = ww_json_check(j, &outer, n1, sizeof n1, r1, sizeof r1);
  int i = ww_json_check(j, &inner, n2, sizeof n2, r2, sizeof r2);
  int both = ww_json_check_both(j, &inner, &outer, n, sizeof n, r, sizeof r);
  if (o != 0) {
    cr_assert_eq(both, 2, "%s", text);
    cr_assert_str_eq(n, n1, "%s", text);
    cr_assert_str_eq(r, r1, "%s", text);
  } else if (i != 0) {
    cr_assert_eq(both, 1, "%s", text);
    cr_assert_str_eq(n, n2, "%s", text);
    cr_assert_str_eq(r, r2, "%s", text);
  } else {
    cr_assert_eq(both, 0, "%s", text);
  }
  json_decref(j);
}

Test(json_limits, one_set_names_the_first_value_over_it) {
  char n[100], r[100];
  json_t *j = parse("{\"a\":{\"b\":[1,[2,[3]]]}}");
  cr_assert_eq(ww_json_check(j, &inner, n, sizeof n, r, sizeof r), -1);
  cr_assert_str_eq(n, "a.b[1]");
  cr_assert_str_eq(r, "is nested more than 3 levels deep");
  json_decref(j);
  j = parse("{\"list\":[\"ok\",\"far too long\"]}");
  cr_assert_eq(ww_json_check(j, &inner, n, sizeof n, r, sizeof r), -1);
  cr_assert_str_eq(n, "list[1]");
  cr_assert_str_eq(r, "must be at most 8 bytes");
  json_decref(j);
  j = parse("[1,2,3,4,5,6,7,8,9,10]");
  cr_assert_eq(ww_json_check(j, &inner, n, sizeof n, r, sizeof r), -1);
  cr_assert_str_eq(n, "body");
  cr_assert_str_eq(r, "the request has more than 10 values");
  json_decref(j);
  j = parse("{\"x\":9007199254740993}");
  cr_assert_eq(ww_json_check(j, &outer, n, sizeof n, r, sizeof r), -1);
  cr_assert_str_eq(n, "x");
  json_decref(j);
  j = parse("{\"a\":[1,2],\"b\":\"short\"}");
  cr_assert_eq(ww_json_check(j, &inner, n, sizeof n, r, sizeof r), 0);
  json_decref(j);
}

Test(json_limits, two_sets_in_one_walk_say_what_two_walks_say) {
  static const char *const texts[] = {
      "{}",
      "{\"a\":[1,2],\"b\":\"short\"}",
      "{\"a\":{\"b\":[1,[2,[3]]]}}",                     /* over inner depth only */
      "{\"a\":[[[[[[1]]]]]]}",                           /* over both depths */
      "{\"a\":[[[1]]],\"b\":\"this is far too long text\"}",   /* inner first, outer later */
      "{\"a\":\"nine byte\",\"b\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}",
      "{\"a\":\"nine byte\",\"n\":9007199254740993}",
      "{\"ninebytes\":1}",
      "{\"a much longer key than sixteen\":1}",
      "[1,2,3,4,5,6,7,8,9,10,11]",
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) same_as_two_walks(texts[i]);
}
