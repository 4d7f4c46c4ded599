/* C library calls a rule can reach are charged for their work (issue 19): each call that
 * ran unbounded (string.rep("", 2^40, ""), table.move({}, 1, 2^40, 1, {}), ...) or for
 * seconds within the instruction budget (back-references, %b, .-, a plain find of
 * 512 KiB in 2 MiB, loops of utf8.len on 1 MiB) now ends the decision on its budget, with
 * the function named; a loop of == on long strings (no C function to charge) ends on the
 * time limit. Before the fix each of these ran past the test's timeout. */
#include "helpers.h"

static ww_rules *R;

/* The budget decides, not the clock (a slow sanitizer build must not change the outcome). */
static void setup(void) {
  ww_limits lim = {.decision_timeout_ms = 60000};
  R = load_fixture("costs", &lim);
}
static void teardown(void) { ww_rules_free(R); }

TestSuite(costs, .init = setup, .fini = teardown, .timeout = 30);

/* The error of the last rule in the trace of a decision with intent 'what' (degraded). */
static void ends_with(ww_rules *r, const char *what, const char *want) {
  char req[200];
  snprintf(req, sizeof req, "{\"service\":\"afval\",\"explain\":true,\"context\":"
           "{\"intent\":\"%s\"}}", what);
  json_t *a = decide_json(r, req, 0);
  cr_assert(json_is_true(json_object_get(a, "degraded")), "%s was not stopped", what);
  json_t *tr = json_object_get(a, "trace");
  const char *err = json_string_value(
      json_object_get(json_array_get(tr, json_array_size(tr) - 1), "error"));
  cr_assert(err && strstr(err, want), "%s: error %s lacks '%s'", what, err ? err : "(none)",
            want);
  json_decref(a);
  /* the same Lua state serves the next request normally */
  a = decide_json(r, "{\"service\":\"afval\",\"context\":{\"intent\":\"ok\"}}", 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")), "after %s", what);
  json_decref(a);
}

#define BUDGET(fn) fn ": instruction budget exceeded"

/* string.rep("", 2^40, "") looped 2^40 times for its empty result: now it is "" at once */
Test(costs, string_rep_of_nothing_many_times) {
  json_t *a = decide_json(R, "{\"service\":\"afval\",\"context\":{\"intent\":\"rep_empty\"}}", 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "notes"), 0)),
                   "survived rep_empty");
  json_decref(a);
  ends_with(R, "rep_big", "string.rep: result too large (2097151 bytes; at most 1048576)");
  ends_with(R, "rep_loop", "instruction budget exceeded");   /* (making 1 MiB strings) */
}
Test(costs, table_move_huge_range) { ends_with(R, "move", BUDGET("table.move")); }
Test(costs, table_concat_huge_range) { ends_with(R, "concat", BUDGET("table.concat")); }
Test(costs, table_insert_remove_with_huge_length) {
  ends_with(R, "insert", BUDGET("table.insert"));
  ends_with(R, "remove", BUDGET("table.remove"));
}
Test(costs, table_sort_huge_length) { ends_with(R, "sort", BUDGET("table.sort")); }
/* (the stack growing for the values may be what spends the budget) */
Test(costs, table_unpack_loop) { ends_with(R, "unpack", "instruction budget exceeded"); }
Test(costs, utf8_over_big_ranges) {
  ends_with(R, "utf8_len", BUDGET("utf8.len"));
  ends_with(R, "utf8_codes", BUDGET("utf8.codes"));
  ends_with(R, "utf8_offset", BUDGET("utf8.offset"));
  ends_with(R, "utf8_codepoint", "instruction budget exceeded");
  ends_with(R, "utf8_char", "instruction budget exceeded");
}
Test(costs, string_functions_over_long_texts) {
  ends_with(R, "byte", "instruction budget exceeded");
  ends_with(R, "upper", "instruction budget exceeded");
  ends_with(R, "format_q", BUDGET("string.format"));
  ends_with(R, "tonumber", BUDGET("tonumber"));
  ends_with(R, "sub", "instruction budget exceeded");
  ends_with(R, "concat_op", "instruction budget exceeded");
}
/* One call runs to its end before the time limit can stop it: no call may do more than
 * 1,000,000 steps (a few ms), whatever the budget has left. */
Test(costs, one_call_has_a_ceiling) {
  ww_limits lim = {.decision_timeout_ms = 60000, .instructions = 100000000};
  ww_rules *r = load_fixture("costs", &lim);
  ends_with(r, "one_call", "utf8.len: instruction budget exceeded (this call alone is more "
                           "work than one call may do");
  ww_rules_free(r);
}
Test(costs, a_only_with_a_long_list) { ends_with(R, "only", BUDGET("a:only")); }
Test(costs, pattern_backreference) { ends_with(R, "backref", BUDGET("string.find")); }
Test(costs, pattern_balance) { ends_with(R, "balance", BUDGET("string.find")); }
Test(costs, pattern_lazy_repetition) { ends_with(R, "lazy", BUDGET("string.find")); }
Test(costs, plain_find_of_a_long_text) { ends_with(R, "plain", BUDGET("string.find")); }
Test(costs, gsub_and_gmatch_over_a_long_text) {
  ends_with(R, "gsub", BUDGET("string.gsub"));
  ends_with(R, "gmatch", BUDGET("string.gmatch"));
}

/* == on two long strings compares them in the VM: no C function to charge. The time limit
 * ends it, at the next instruction (the watchdog's signal), whatever the budget. */
Test(costs, equality_loop_on_long_texts_ends_on_the_time_limit) {
  ww_limits lim = {.decision_timeout_ms = 50, .instructions = 100000000};
  ww_rules *r = load_fixture("costs", &lim);
  ends_with(r, "eq", "the rules ran longer than 50 ms (the time limit of one decision");
  unsigned long total = 0, budget = 0, memory = 0;   /* counted (metrics) as a budget hit */
  ww_decision_failures(r, &total, &budget, &memory);
  cr_assert_eq(budget, 1);
  cr_assert_eq(memory, 0);
  ww_rules_free(r);
}

Test(costs, ordinary_use_is_unchanged) {
  json_t *a = decide_json(R, "{\"service\":\"afval\",\"context\":{\"intent\":\"ok\"}}", 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  json_t *notes = json_object_get(a, "notes");
  /* the values Lua's own functions give (checked against Lua 5.4 without the wrappers) */
  cr_assert_str_eq(json_string_value(json_array_get(notes, 0)),
                   "12 1234 AB 5 98 KERK 3 é u v");
  cr_assert_str_eq(json_string_value(json_array_get(notes, 1)), "m,0,1,2");
  cr_assert_str_eq(json_string_value(json_array_get(notes, 2)),
                   "een+twee+drie (a(b)c) 1 nil");
  json_decref(a);
}
