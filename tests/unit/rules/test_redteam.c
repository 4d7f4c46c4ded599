/* The red team's second pass over issue 19 (a rule set written by an attacker, as the
 * rule sets uploaded over HTTP will be): holes the first fixes left open, one section
 * each. Each test failed (or ran until the suite's timeout) before its fix. */
#include "helpers.h"

static char dir[64];

static void setup(void) { scratch_new(dir, sizeof dir, SCRATCH_CHANNELS, SCRATCH_SERVICES); }
static void teardown(void) { scratch_remove(dir); }

/* Before the fixes the hangs below ran until this timeout. */
TestSuite(redteam, .init = setup, .fini = teardown, .timeout = 60);

static ww_rules *load_ok(const ww_limits *lim) {
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, lim, &err);
  cr_assert_not_null(r, "the rule set did not load: %s", err.msg);
  ww_err_clear(&err);
  return r;
}

/* Loads 'dir' expecting failure with a message containing 'text'. */
static void load_fails(const ww_limits *lim, const char *text) {
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, lim, &err);
  if (r) ww_rules_free(r);
  cr_assert_null(r, "the rule set loaded; expected: %s", text);
  cr_assert(strstr(err.msg, text), "message: %s\nexpected: %s", err.msg, text);
  ww_err_clear(&err);
}

/* The error of the (degraded) answer's last trace entry, or NULL when not degraded. */
static char *degraded_error(ww_rules *r, const char *intent) {
  char req[300];
  snprintf(req, sizeof req, "{\"service\":\"afval\",\"explain\":true,\"context\":{\"intent\":"
           "\"%s\"}}", intent);
  json_t *a = decide_json(r, req, 0);
  char *e = NULL;
  if (json_is_true(json_object_get(a, "degraded"))) {
    json_t *tr = json_object_get(a, "trace");
    const char *s = json_string_value(
        json_object_get(json_array_get(tr, json_array_size(tr) - 1), "error"));
    e = strdup(s ? s : "");
  }
  json_decref(a);
  return e;
}

/* ---- xpcall ----
 * Lua calls the message handler where the error is raised. A limit error is raised from
 * the count hook, and inside a hook Lua runs no hooks: a handler that looped then looped
 * for ever, with neither budget nor time limit (two such requests stopped the server;
 * at the top of a file, the reload). */

static const char XPCALL_RULES[] =
    "local function spin() while true do end end\n"
    "local big = (\"x\"):rep(1 << 20)\n"
    "local A = {\n"
    "  -- the body loops (the hook raises), the handler loops\n"
    "  both = function() return xpcall(spin, spin) end,\n"
    "  -- the body raises, the handler loops until the hook raises in it\n"
    "  handler = function() return xpcall(function() error(\"e\") end, spin) end,\n"
    "  -- a C function raises the limit (its charge), the handler loops\n"
    "  charged = function()\n"
    "    return xpcall(function() while true do local s = big:upper() end end, spin)\n"
    "  end,\n"
    "  -- nested: the inner handler swallows nothing, the outer one loops\n"
    "  nested = function()\n"
    "    return xpcall(function() return xpcall(spin, function(m) return m end) end, spin)\n"
    "  end,\n"
    "}\n"
    "rule \"xpcall\" {\n"
    "  when = function(r) return A[r.context.intent] ~= nil end,\n"
    "  advise = function(r, a) A[r.context.intent]() a:note(\"survived\") end,\n"
    "}\n"
    "rule \"normal\" {\n"
    "  context = { intent = \"normal\" },\n"
    "  advise = function(r, a)\n"
    "    local ok, m = xpcall(function(x, y) error(\"boom \" .. x .. y, 0) end,\n"
    "                         function(m) return \"handled: \" .. m end, 1, 2)\n"
    "    a:note(tostring(ok) .. \" \" .. m)\n"
    "    local ok2, v = xpcall(function(x) return x * 2 end, error, 21)\n"
    "    a:note(tostring(ok2) .. \" \" .. v)\n"
    "  end,\n"
    "}\n";

Test(redteam, an_xpcall_handler_that_loops_cannot_hang_a_decision) {
  scratch_put(dir, "steering/xpcall.lua", XPCALL_RULES);
  ww_limits lim = {.decision_timeout_ms = 60000};   /* the budget ends them */
  ww_rules *r = load_ok(&lim);
  static const char *const intents[] = {"both", "handler", "charged", "nested"};
  for (int i = 0; i < 4; i++) {
    char *e = degraded_error(r, intents[i]);
    cr_assert_not_null(e, "%s: not degraded", intents[i]);
    cr_assert(strstr(e, "instruction budget exceeded"), "%s: %s", intents[i], e);
    free(e);
  }
  json_t *a = decide_json(r, "{\"service\":\"afval\",\"context\":{\"intent\":\"normal\"}}", 0);
  cr_assert(json_is_false(json_object_get(a, "degraded")));
  cr_assert(has_note(a, "false handled: boom 12"), "xpcall's handler and arguments");
  cr_assert(has_note(a, "true 42"), "xpcall without an error");
  json_decref(a);
  ww_rules_free(r);

  lim = (ww_limits){.decision_timeout_ms = 5};   /* the time limit ends them too */
  r = load_ok(&lim);
  char *e = degraded_error(r, "both");
  cr_assert(e && strstr(e, "the rules ran longer than 5 ms"), "%s", e ? e : "not degraded");
  free(e);
  ww_rules_free(r);
}

Test(redteam, an_xpcall_handler_that_loops_cannot_hang_a_load) {
  scratch_put(dir, "steering/xpcall.lua",
              "-- hangs while loading\n"
              "local function spin() while true do end end\n"
              "xpcall(spin, spin)\n");
  ww_limits lim = {.load_timeout_ms = 300};
  load_fails(&lim, "steering/xpcall.lua:3: instruction budget exceeded");
}

/* ---- the freeze ----
 * After loading, the freeze walked the globals and table keys in quadratic time, outside
 * every limit, with the reload lock held. */

/* 2^19 globals: the freeze emptied the environment by looking for its first entry again
 * after each removal (100 s before). */
Test(redteam, many_globals_freeze_in_linear_time, .timeout = 20) {
  scratch_put(dir, "steering/globals.lua",
              "for i = 1, 1 << 19 do _ENV[i] = i end\n"
              "rule \"g\" { advise = function(r, a) a:note(\"g \" .. _ENV[12345]) end }\n");
  ww_rules *r = load_ok(NULL);
  json_t *a = decide_json(r, "{\"service\":\"afval\"}", 0);
  cr_assert(has_note(a, "g 12345"));
  json_decref(a);
  ww_rules_free(r);
}

/* 2^15 tables as keys of one full table: each key replaced by its view made the table
 * rehash once per key (39 s before). */
Test(redteam, many_table_keys_freeze_in_linear_time, .timeout = 20) {
  scratch_put(dir, "steering/keys.lua",
              "local t, first = {}, {}\n"
              "t[first] = 0\n"
              "for i = 2, 1 << 15 do t[{}] = i end\n"
              "rule \"k\" { advise = function(r, a)\n"
              "  local n = 0 for k, v in pairs(t) do n = n + 1 end\n"
              "  a:note(\"keys \" .. n .. \" \" .. tostring(t[first]))\n"
              "end }\n");
  ww_limits lim = {.instructions = 10000000};
  ww_rules *r = load_ok(&lim);
  json_t *a = decide_json(r, "{\"service\":\"afval\"}", 0);
  cr_assert(has_note(a, "keys 32768 0"));
  json_decref(a);
  ww_rules_free(r);
}
