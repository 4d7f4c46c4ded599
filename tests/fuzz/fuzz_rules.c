/* Fuzz target (c): rule-set source text into the loader and the sandbox. The input is
 * written as steering/fuzz.lua of a copy of examples/rules/minimaal (made once, in a temp
 * dir); if the set loads, a decision runs on it and its tests run. Small budgets and time
 * limits keep runaway rules quick; the seeds (tests/fuzz/corpus/rules) include each hole of
 * issue 19: C library calls over huge ranges, slow patterns, slow single instructions,
 * routes around the freeze, many notes, request extras. */
#define _XOPEN_SOURCE 700   /* nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decision/decision.h"
#include "log/log.h"

static char dir[256];
static char target[320];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

static void cleanup(void) {
  if (dir[0]) nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void copy(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  if (!in || !out) abort();
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  fclose(in);
  if (fclose(out) != 0) abort();
}

static void setup(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/ww-fuzz-rules-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) abort();
  atexit(cleanup);
  char a[1400], b[400];
  snprintf(b, sizeof b, "%s/steering", dir);
  if (mkdir(b, 0700) != 0) abort();
  static const char *const files[] = {"channels.lua", "services.lua", "steering/basis.lua"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(a, sizeof a, "%s/examples/rules/minimaal/%s", WW_FUZZ_SOURCE_ROOT, files[i]);
    snprintf(b, sizeof b, "%s/%s", dir, files[i]);
    copy(a, b);
  }
  snprintf(target, sizeof target, "%s/steering/fuzz.lua", dir);
  ww_log_set_level(WW_LOG_ERROR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) setup();
  FILE *f = fopen(target, "wb");
  if (f == NULL) abort();
  if (size) fwrite(data, 1, size, f);
  if (fclose(f) != 0) abort();
  /* short time limits too: a hostile input ends on them, not on libFuzzer's -timeout */
  ww_limits lim = {.memory_bytes = 8u << 20, .instructions = 200000,
                   .decision_timeout_ms = 50, .load_timeout_ms = 1000};
  ww_err err = {0};
  ww_rules *R = ww_rules_load(dir, &lim, &err);
  if (R == NULL) {
    if (err.msg[0] == '\0') abort();   /* a refusal must say why */
    ww_err_clear(&err);
    return 0;
  }
  static const char req[] =
      "{\"service\":\"uittreksel_brp\",\"citizen\":{\"id\":\"999993653\",\"digitalSkills\":"
      "\"low\",\"age\":81},\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"},"
      "\"explain\":true,\"extra\":{\"a\":[1,2,3]}}";
  ww_decide_opts o = {0};
  for (int route = 0; route < 2; route++) {
    json_t *out = NULL;
    o.route = route;
    if (ww_decide_text(R, req, sizeof req - 1, &o, &out, &err) != 0) abort();
    char *s = json_dumps(out, JSON_COMPACT);
    if (s == NULL) abort();
    free(s);
    json_decref(out);
  }
  ww_decision_test(R, NULL, NULL, NULL, NULL);
  ww_rules_free(R);
  return 0;
}
