/* Every sandbox escape (docs/rules.md 7.6, "De zandbak"): refused or contained, and the
 * next decision is served normally by the same state. */
#include "helpers.h"

static ww_rules *R;

static void setup(void) {
  /* the budget and the memory cap decide here, never the clock (a sanitizer build is slow) */
  ww_limits lim = {.memory_bytes = 8u << 20, .instructions = 2000000,
                   .decision_timeout_ms = 60000};
  R = load_fixture("escapes", &lim);
}
static void teardown(void) { ww_rules_free(R); }

/* The next, normal decision: not degraded and the probe sees an untouched world. */
static void assert_next_normal(void) {
  json_t *a = decide_json(R, "{\"service\":\"afval\",\"attack\":\"probe\","
                             "\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}", 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  cr_assert(has_note(a, "rep abab cc"), "string functions intact");
  cr_assert(has_note(a, "name Website https://www.example.nl Grofvuil ophalen 1 nil"),
            "catalogue and globals intact");
  cr_assert(has_note(a, "limit 3 seen 1 a"), "file-level data intact");
  cr_assert(has_note(a, "channels 3"));
  cr_assert(has_note(a, "time tue 10:15 2026-12-01 615 web"));
  json_decref(a);
}

static json_t *attack(const char *what) {
  char req[200];
  snprintf(req, sizeof req, "{\"service\":\"afval\",\"attack\":\"%s\"}", what);
  return decide_json(R, req, 0);
}

static void refused(const char *what, int n_expected) {
  json_t *a = attack(what);
  cr_assert(json_is_false(json_object_get(a, "degraded")), "%s degraded", what);
  cr_assert(!has_note(a, "ESCAPED"), "%s escaped", what);
  size_t i;
  json_t *v;
  int n = 0;
  json_array_foreach(json_object_get(a, "notes"), i, v) if (strstr(json_string_value(v), "refused")) n++;
  cr_assert_eq(n, n_expected, "%s: %d refusals", what, n);
  json_decref(a);
  assert_next_normal();
}

static void contained(const char *what, const char *why) {
  unsigned long f0, f1, budget, memory;
  ww_decision_failures(R, &f0, &budget, &memory);
  ww_decide_opts o = {0};
  /* a Tuesday morning: both fallback channels open (a closed one would come last) */
  json_t *req = json_pack("{s:s, s:s, s:b, s:{s:s}}", "service", "afval", "attack", what,
                          "explain", 1, "context", "time", "2026-12-01T10:00:00+01:00");
  json_t *a = NULL;
  ww_err err = {0};
  cr_assert_eq(ww_decide(R, req, &o, &a, &err), 0);
  json_decref(req);
  cr_assert(json_is_true(json_object_get(a, "degraded")), "%s not degraded", what);
  ww_decision_failures(R, &f1, &budget, &memory);
  cr_assert_eq(f1, f0 + 1);
  char ids[200];
  ids_of(a, "channels", ids, sizeof ids);
  cr_assert_str_eq(ids, "telefoon,website", "fallback channels in fallback order");
  json_t *tr = json_object_get(a, "trace");
  const char *err_text = json_string_value(json_object_get(json_array_get(tr, json_array_size(tr) - 1), "error"));
  cr_assert(err_text && strstr(err_text, why), "%s: error %s", what, err_text ? err_text : "(none)");
  cr_assert(strstr(err_text, "rule \"escape\" (steering/escapes.lua:13)"), "%s", err_text);
  json_decref(a);
  assert_next_normal();
}

TestSuite(sandbox, .init = setup, .fini = teardown, .timeout = 20);

Test(sandbox, os) { refused("os", 1); }
Test(sandbox, io) { refused("io", 1); }
Test(sandbox, require) { refused("require", 1); }
Test(sandbox, package) { refused("package", 1); }
Test(sandbox, load) { refused("load", 1); }
Test(sandbox, loadstring) { refused("loadstring", 1); }
Test(sandbox, dofile) { refused("dofile", 1); }
Test(sandbox, loadfile) { refused("loadfile", 1); }
Test(sandbox, string_dump) { refused("dump", 1); }
Test(sandbox, debug) { refused("debug", 1); }
Test(sandbox, collectgarbage) { refused("collectgarbage", 1); }
Test(sandbox, string_metatable) { refused("strmeta", 4); }
Test(sandbox, rawset_on_r) { refused("rawset", 1); }
Test(sandbox, rawset_on_catalogue) { refused("rawset_cat", 1); }
Test(sandbox, catalogue_writes) { refused("catalogue", 3); }
Test(sandbox, setmetatable_on_r) { refused("setmetatable", 1); }
Test(sandbox, pairs_state_is_not_the_backing) { refused("pairs_state", 3); }
Test(sandbox, write_service_name) { refused("servicename", 1); }
Test(sandbox, write_r) { refused("rwrite", 1); }
Test(sandbox, write_r_extra) { refused("extrawrite", 1); }
Test(sandbox, new_global) { refused("global", 1); }
Test(sandbox, gc_finalizer) { refused("gc", 1); }
Test(sandbox, string_rep_bomb) { refused("rep", 1); }
Test(sandbox, string_rep_sep_bomb) { refused("rep_sep", 1); }
Test(sandbox, catastrophic_pattern) {   /* costed: the budget ends it, pcall cannot hide it */
  contained("pattern", "instruction budget exceeded");
}

Test(sandbox, file_level_table_mutation) {
  for (int i = 0; i < 2; i++) {
    json_t *a = attack("table");
    cr_assert(has_note(a, "seen 1 true"), "mutation must not stick");
    cr_assert(!has_note(a, "ESCAPED"));
    json_decref(a);
  }
  assert_next_normal();
}

Test(sandbox, file_level_counter) {
  for (int i = 0; i < 3; i++) {
    json_t *a = attack("counter");
    cr_assert(has_note(a, "counter 1"), "a file-level counter must not survive a request");
    json_decref(a);
  }
  json_t *a = attack("reassign");
  cr_assert(has_note(a, "reassigned 3"));
  json_decref(a);
  assert_next_normal();   /* 'seen' is the load-time table again */
}

Test(sandbox, saved_a_used_later) {
  json_decref(attack("save_a"));
  json_t *a = attack("use_a");
  cr_assert(!has_note(a, "ESCAPED"));
  char ids[200];
  ids_of(a, "channels", ids, sizeof ids);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  json_decref(a);
  assert_next_normal();
}

Test(sandbox, infinite_loop) { contained("loop", "instruction budget exceeded"); }
Test(sandbox, infinite_loop_in_pcall) { contained("pcall_loop", "instruction budget exceeded"); }
Test(sandbox, infinite_loop_in_xpcall) { contained("xpcall_loop", "instruction budget exceeded"); }
Test(sandbox, memory_bomb) { contained("memory", "memory limit"); }
Test(sandbox, memory_bomb_in_pcall) { contained("memory_pcall", "budget"); }
Test(sandbox, throwing_rule) { contained("error", "steering/escapes.lua:78: boom"); }
Test(sandbox, unknown_channel_at_run_time) {
  contained("unknown_channel", "steering/escapes.lua:81: a:prefer: unknown channel \"nope\"");
}
Test(sandbox, unknown_channel_view_at_run_time) {
  contained("unknown_view", "steering/escapes.lua:84: unknown channel \"nope\" (r.channels)");
}

Test(sandbox, many_failures_then_normal) {
  for (int i = 0; i < 5; i++) {
    json_decref(attack("memory"));
    json_decref(attack("loop"));
  }
  unsigned long total, budget, memory;
  ww_decision_failures(R, &total, &budget, &memory);
  cr_assert_eq(total, 10);
  assert_next_normal();
}

Test(sandbox, citizen_ref_never_id) {   /* math.random per decision: test_random.c */
  const char *req = "{\"service\":\"afval\",\"attack\":\"probe\",\"citizen\":{\"id\":\"999993653\"}}";
  json_t *a = decide_json(R, req, 0);
  char ref[65], want[100];
  ww_hmac_sha256_hex(test_secret, sizeof test_secret - 1, "999993653", 9, ref);
  snprintf(want, sizeof want, "id nil ref %s", ref);
  cr_assert(has_note(a, want), "r.citizen has ref, never id");
  json_decref(a);
}

Test(sandbox, route_degraded_on_failure) {
  json_t *a = decide_json(R, "{\"service\":\"afval\",\"attack\":\"error\"}", 1);
  cr_assert(json_is_true(json_object_get(a, "degraded")));
  json_t *t = json_object_get(a, "target");
  cr_assert_str_eq(json_string_value(json_object_get(t, "id")), "telefoon");
  cr_assert(json_is_true(json_object_get(t, "fallback")));
  cr_assert_str_eq(json_string_value(json_object_get(t, "queue")), "kcc");
  json_decref(a);
}
