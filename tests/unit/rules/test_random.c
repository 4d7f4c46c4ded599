/* math.random is seeded per decision from the decision's adviceId (issue 19: it gave the
 * same numbers in every decision). The same request with the same adviceId gets the same
 * numbers again, so a trace can be reproduced (wegwijzer eval --advice-id); other
 * adviceIds get other numbers; what one decision drew does not change the next one's. */
#include "helpers.h"

static ww_rules *R;

static void setup(void) { R = load_fixture("escapes", NULL); }
static void teardown(void) { ww_rules_free(R); }

TestSuite(random, .init = setup, .fini = teardown, .timeout = 20);

/* The "random N" note of the escapes probe, for adviceId 'id' (NULL: one is made). */
static long drawn(const char *id, char *got_id) {
  json_t *req = json_pack("{s:s, s:s}", "service", "afval", "attack", "probe");
  ww_decide_opts o = {0};
  o.advice_id = id;
  json_t *a = NULL;
  ww_err err = {0};
  cr_assert_eq(ww_decide(R, req, &o, &a, &err), 0);
  const char *note = NULL;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(a, "notes"), i, v)
      if (strncmp(json_string_value(v), "random ", 7) == 0) note = json_string_value(v);
  cr_assert_not_null(note);
  long n = atol(note + 7);
  if (got_id) snprintf(got_id, 33, "%s", json_string_value(json_object_get(a, "adviceId")));
  json_decref(a);
  json_decref(req);
  return n;
}

Test(random, same_advice_id_same_numbers_others_differ) {
  long a1 = drawn("0123456789abcdef0123456789abcdef", NULL);
  long b = drawn("fedcba9876543210fedcba9876543210", NULL);
  long a2 = drawn("0123456789abcdef0123456789abcdef", NULL);
  cr_assert_eq(a1, a2, "the same adviceId drew %ld, then %ld", a1, a2);
  cr_assert_neq(a1, b, "two adviceIds drew the same number");
  /* adviceIds the engine makes: different each time, and reproducible from the answer's */
  char id1[33], id2[33];
  long m1 = drawn(NULL, id1), m2 = drawn(NULL, id2);
  cr_assert_str_neq(id1, id2);
  long distinct = m1 != m2;
  for (int i = 0; i < 5 && !distinct; i++) distinct = drawn(NULL, NULL) != m1;
  cr_assert(distinct, "made adviceIds always drew %ld", m1);
  cr_assert_eq(drawn(id1, NULL), m1, "not reproducible from the answer's adviceId");
}
