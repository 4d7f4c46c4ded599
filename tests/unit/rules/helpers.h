/* Shared helpers for the rule-engine unit tests. */
#ifndef WW_TEST_RULES_HELPERS_H
#define WW_TEST_RULES_HELPERS_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decision/decision.h"
#include "util/crypto.h"

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

/* Decides 'req' as the server does (one validation, then the decision with the internal
 * options 'o'); asserts success. New reference. */
static inline json_t *decide_with(ww_rules *r, const json_t *req, const ww_decision_opts *o) {
  ww_parse_opts po = {0};
  po.secret = test_secret;
  po.secret_len = sizeof test_secret - 1;
  po.ivr = o->route;
  ww_decision_input in;
  ww_err err = {0};
  cr_assert_eq(ww_decision_parse(r, req, &po, &in, &err), 0, "%s", err.msg);
  json_t *out = NULL;
  cr_assert_eq(ww_decision_json(r, &in, o, &out, &err), 0, "%s", err.msg);
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

/* ---- a rule set written file by file into a temporary directory ---- */

/* Writes 'text' to dir/rel (steering/ and tests/ made as needed). */
static inline void scratch_put(const char *dir, const char *rel, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/steering", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/tests", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fwrite(text, 1, strlen(text), f);
  fclose(f);
}

/* A small catalogue for scratch rule sets: two channels and a fallback, one service. */
static const char SCRATCH_CHANNELS[] =
    "channel \"website\" { name = \"Website\", kind = \"online\", base = 50 }\n"
    "channel \"telefoon\" { name = \"Telefoon\", kind = \"phone\", assisted = true,\n"
    "                     route = { kind = \"queue\", queue = \"kcc\" } }\n"
    "fallback { channels = { \"telefoon\", \"website\" }, route = \"telefoon\" }\n";
static const char SCRATCH_SERVICES[] = "service \"afval\" { name = \"Grofvuil ophalen\" }\n";

/* A new temporary 'dir' (size 'n') with channels.lua and services.lua. */
static inline void scratch_new(char *dir, size_t n, const char *channels, const char *services) {
  snprintf(dir, n, "/tmp/ww-rules-test-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  scratch_put(dir, "channels.lua", channels);
  scratch_put(dir, "services.lua", services);
}

/* Loads the scratch rule set in 'dir' with 'lim' (may be NULL); asserts it loads. */
static inline ww_rules *scratch_load(const char *dir, const ww_limits *lim) {
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, lim, &err);
  cr_assert_not_null(r, "%s", err.msg);
  return r;
}

static inline void scratch_remove(const char *dir) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

/* Loads 'dir' expecting failure at file:line (line 0: no line) with a message that
 * contains 'text' (and 'text2' when not NULL). */
static inline void scratch_fails_at(const char *dir, const char *file, int line,
                                    const char *text, const char *text2) {
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, NULL, &err);
  if (r) ww_rules_free(r);
  cr_assert_null(r, "expected a load error at %s:%d", file, line);
  cr_assert_str_eq(err.code, "ruleset_invalid");
  cr_assert_str_eq(err.file, file, "file %s (msg %s)", err.file, err.msg);
  cr_assert_eq(err.line, line, "line %d (msg %s)", err.line, err.msg);
  char prefix[300];
  snprintf(prefix, sizeof prefix, line ? "%s:%d: " : "%s: ", file, line);
  cr_assert(strncmp(err.msg, prefix, strlen(prefix)) == 0, "msg %s", err.msg);
  cr_assert(strstr(err.msg, text), "msg %s lacks %s", err.msg, text);
  if (text2) cr_assert(strstr(err.msg, text2), "msg %s lacks %s", err.msg, text2);
  ww_err_clear(&err);
}

/* Runs a rule command (cli/cli.h) with its stdout caught in 'out' (through dir/out.txt). */
static inline int scratch_run_cli(const char *dir, int (*fn)(int, char **), int argc, char **argv,
                                  char *out, size_t n) {
  fflush(stdout);
  char path[300];
  snprintf(path, sizeof path, "%s/out.txt", dir);
  int saved = dup(1);
  FILE *f = fopen(path, "w");
  dup2(fileno(f), 1);
  int rc = fn(argc, argv);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  fclose(f);
  f = fopen(path, "r");
  size_t got = fread(out, 1, n - 1, f);
  out[got] = '\0';
  fclose(f);
  return rc;
}

#endif
