/* Notes, reasons and effects per decision (issue 19: 32,760 distinct a:note texts gave a
 * 1.7 MB answer in 2.1 s: the limit of 20,000 items was checked only when an array grew,
 * and repeated notes were found by walking the list for each note). The limit now holds at
 * every add; a repeated note is found in one step and kept once, where it was first noted. */
#include "helpers.h"


/* context.intent "N D": N a:note calls over D distinct texts ("n1", "n2", ... "nD", again) */
static const char RULE[] =
    "rule \"notes\" {\n"
    "  advise = function(r, a)\n"
    "    local n, d = r.context.intent:match(\"(%d+) (%d+)\")\n"
    "    for i = 1, tonumber(n) do a:note(\"n\" .. ((i - 1) % tonumber(d) + 1)) end\n"
    "    a:prefer(\"website\", 1, \"x\")\n"
    "  end,\n"
    "}\n";

static char dir[64];
static ww_rules *R;

static void setup(void) {
  scratch_new(dir, sizeof dir, SCRATCH_CHANNELS, SCRATCH_SERVICES);
  scratch_put(dir, "steering/notes.lua", RULE);
  ww_limits lim = {.instructions = 50000000, .decision_timeout_ms = 60000};
  R = scratch_load(dir, &lim);
}
static void teardown(void) {
  ww_rules_free(R);
  scratch_remove(dir);
}

TestSuite(notes, .init = setup, .fini = teardown, .timeout = 30);

/* The answer to 'calls' notes over 'distinct' texts: as a tree (ww_decide) with a trace,
 * or as text (ww_decision_text, the server's way) without. */
static json_t *notes_of(int calls, int distinct, int text) {
  char req[200];
  snprintf(req, sizeof req, "{\"service\":\"afval\",\"explain\":%s,\"context\":{\"intent\":"
           "\"%d %d\"}}", text ? "false" : "true", calls, distinct);
  if (!text) return decide_json(R, req, 0);
  const char *out;
  size_t len;
  ww_err err = {0};
  json_t *rq = json_loads(req, 0, NULL);
  ww_decision_input in;
  cr_assert_eq(ww_decision_parse(R, rq, NULL, &in, &err), 0);
  cr_assert_eq(ww_decision_text(R, &in, NULL, NULL, &out, &len, NULL, &err), 0);
  json_decref(rq);
  return json_loadb(out, len, 0, NULL);
}

Test(notes, the_item_limit_holds_at_every_add) {
  json_t *a = notes_of(32760, 32760, 0);
  cr_assert(json_is_true(json_object_get(a, "degraded")), "32,760 notes were taken");
  json_t *tr = json_object_get(a, "trace");
  const char *e = json_string_value(json_object_get(json_array_get(tr, 0), "error"));
  cr_assert(e && strstr(e, "too many reasons, notes or effects in one decision"), "%s", e);
  json_decref(a);
  a = notes_of(20000, 20000, 1);   /* the limit itself is fine */
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  cr_assert_eq(json_array_size(json_object_get(a, "notes")), 20000);
  json_decref(a);
}

Test(notes, repeated_notes_once_in_first_order) {
  static const int distinct[] = {3, 8, 9, 40};   /* a list walk up to 8, a hash set from 9 */
  for (int k = 0; k < 4; k++)
    for (int text = 0; text < 2; text++) {   /* the tree and the text answer alike */
      int d = distinct[k];
      json_t *a = notes_of(text ? 60000 : 9000, d, text);   /* (a trace: effects count) */
      cr_assert(json_is_false(json_object_get(a, "degraded")));
      json_t *n = json_object_get(a, "notes");
      cr_assert_eq((int)json_array_size(n), d);
      for (int i = 0; i < d; i++) {
        char want[16];
        snprintf(want, sizeof want, "n%d", i + 1);
        cr_assert_str_eq(json_string_value(json_array_get(n, (size_t)i)), want);
      }
      json_decref(a);
    }
  /* and the next decision starts with none */
  json_t *a = notes_of(1, 1, 1);
  cr_assert_eq(json_array_size(json_object_get(a, "notes")), 1);
  json_decref(a);
}
