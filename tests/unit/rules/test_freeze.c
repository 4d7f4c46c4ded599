/* Nothing written during one decision is visible to the next (issue 19: the freeze could be
 * bypassed through a table's own metatable, which handed rules the writable table behind a
 * read-only view, and at load time through the environment's metatable into the table every
 * decision shares; request N's note showed the previous citizen's citizenRef).
 *
 * Each route of fixtures/leaks runs for three citizens in a row: what a decision sees must
 * be the same whatever came before, no earlier citizenRef may show, and the write must be
 * refused (an error the rule catches) rather than take effect. */
#include "helpers.h"

static ww_rules *R;

static void setup(void) { R = load_fixture("leaks", NULL); }
static void teardown(void) { ww_rules_free(R); }

TestSuite(freeze, .init = setup, .fini = teardown, .timeout = 20);

static const char *const citizens[3] = {"999993653", "111222333", "123456782"};

/* The notes of a decision for 'route' and citizen 'c', joined by " | " into 'out'. */
static void run(const char *route, int c, char *out, size_t n) {
  char req[300];
  snprintf(req, sizeof req, "{\"service\":\"afval\",\"context\":{\"intent\":\"%s\"},"
           "\"citizen\":{\"id\":\"%s\",\"needs\":[]}}", route, citizens[c]);
  json_t *a = decide_json(R, req, 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")), "%s degraded", route);
  out[0] = '\0';
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(a, "notes"), i, v) {
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", i ? " | " : "", json_string_value(v));
  }
  json_decref(a);
}

/* Runs 'route' for the three citizens; returns the first decision's notes in 'first'. */
static void no_carry(const char *route, char *first, size_t n) {
  char notes[3][2000], refs[3][65];
  for (int c = 0; c < 3; c++) {
    ww_hmac_sha256_hex(test_secret, sizeof test_secret - 1, citizens[c], strlen(citizens[c]),
                   refs[c]);
    run(route, c, notes[c], sizeof notes[c]);
  }
  for (int c = 1; c < 3; c++) {
    for (int e = 0; e < c; e++)
      cr_assert(strstr(notes[c], refs[e]) == NULL, "%s: decision %d shows citizen %d's ref: %s",
                route, c + 1, e + 1, notes[c]);
    /* what it saw before its own write is what the first one saw */
    const char *a = strstr(notes[0], "seen "), *b = strstr(notes[c], "seen ");
    if (a && b) {
      size_t la = strcspn(a, "|"), lb = strcspn(b, "|");
      cr_assert(la == lb && strncmp(a, b, la) == 0, "%s: decision %d saw '%.*s', the first "
                "'%.*s'", route, c + 1, (int)lb, b, (int)la, a);
    }
  }
  snprintf(first, n, "%s", notes[0]);
}

#define HAS(notes, text) cr_assert(strstr(notes, text), "'%s' not in: %s", text, notes)
#define HASNT(notes, text) cr_assert(strstr(notes, text) == NULL, "'%s' in: %s", text, notes)

Test(freeze, a_metatable_that_returns_its_table) {
  char n[2000];
  no_carry("meta_self", n, sizeof n);
  HAS(n, "seen table: ");   /* the view, handed back by the function */
  HAS(n, "refused meta_self: steering/leaks.lua:");
  HAS(n, "this table is read-only");
}

Test(freeze, the_environment_metatable_is_locked_at_load_and_after) {
  char n[2000];
  no_carry("env_stash", n, sizeof n);
  HAS(n, "seen false err false");   /* the load-time write failed; no stash; no metatable */
  HAS(n, "refused env_stash");
  no_carry("env_meta", n, sizeof n);
  HAS(n, "refused env_meta");
  HAS(n, "refused env_setmeta");
  HASNT(n, "wrote");
}

Test(freeze, metamethods_get_the_read_only_view_never_the_table) {
  static const char *const routes[] = {"via_index", "via_len", "via_call", "via_concat",
                                       "via_eq", "via_tostring", "via_close", "weak"};
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
    char n[2000], want[64];
    no_carry(routes[i], n, sizeof n);
    cr_assert(strstr(n, "seen nil") || strstr(n, "seen err"), "%s", n);
    snprintf(want, sizeof want, "refused %s", routes[i]);
    HAS(n, want);
    HAS(n, "this table is read-only");
  }
}

Test(freeze, raw_access_and_unreachable_libraries) {
  char n[2000];
  no_carry("raw_routes", n, sizeof n);
  HAS(n, "seen nil 0 nil nil nil nil");
}

Test(freeze, the_shared_empty_list_stays_empty) {
  char n[2000];
  no_carry("empty", n, sizeof n);
  HAS(n, "seen 0 nil nil");
  HAS(n, "refused empty insert");
  HAS(n, "refused empty set");
}

/* Frozen tables keep their metamethods (on the view), also as the metatable of an object a
 * rule makes; they stay read-only. */
Test(freeze, a_class_made_while_loading_still_works) {
  char n[2000];
  no_carry("class", n, sizeof n);
  HAS(n, "seen loaded made false");
  HAS(n, "refused class:");
  HAS(n, "refused class method");
}

/* string.gmatch's iterator keeps its position in C: one made while loading (or in an
 * earlier decision) would go on where the last decision stopped. */
Test(freeze, an_iterator_made_while_loading_cannot_be_used) {
  char n[2000];
  no_carry("gmatch_state", n, sizeof n);
  HAS(n, "seen err");
  HAS(n, "own a,b");
}
