/* Regression tests of hostile-input findings, in-process (no server): each feeds the
 * input that showed the problem (kept in tests/fuzz/corpus/<target>/regress-*) or the
 * limit's edge, and fails without the fix.
 *   redis: "*854775807" made hiredis 0.14.1 allocate 6.8 GB (fuzz_redis) -- the store's
 *          readers now refuse arrays over 65536 elements / 2^20 per reply.
 *   request: the JSON limits of ww_decide for embedders (depth 16, 1000 values, 4 KiB
 *          strings and names, numbers within +-2^53), before anything reaches Lua. */
#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "log/log.h"
#include "store/redis_reply.h"
#include "wegwijzer/wegwijzer.h"

static char *corpus_file(const char *rel, size_t *len) {
  char path[1200];
  const char *root = getenv("WW_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s", root ? root : ".", rel);
  char *s = ww_read_file(path, len);
  cr_assert_not_null(s, "missing %s", path);
  return s;
}

/* 1 when the reader refuses 'data' (error before any reply), 0 when it gives a reply. */
static int reader_refuses(const char *data, size_t len) {
  redisReader *rd = redisReaderCreate();
  cr_assert_not_null(rd);
  ww__redis_reader_limit(rd);
  void *reply = NULL;
  int rc = redisReaderFeed(rd, data, len);
  if (rc == REDIS_OK) rc = redisReaderGetReply(rd, &reply);
  int refused = rc != REDIS_OK;
  if (reply) freeReplyObject(reply);
  redisReaderFree(rd);
  return refused;
}

Test(findings, redis_huge_array_header_is_refused_not_allocated) {
  size_t len;
  char *s = corpus_file("redis/regress-oom-huge-array.resp", &len);
  cr_assert(reader_refuses(s, len), "the reader accepted *854775807");
  free(s);
  /* the per-array limit, and the per-reply total over nested arrays */
  cr_assert(reader_refuses("*65537\r\n", 8));
  char *nested = malloc(32 * 12 + 16);
  strcpy(nested, "*32\r\n");
  for (int i = 0; i < 32; i++) strcat(nested, "*65536\r\n");   /* 2^21 elements in total */
  cr_assert(reader_refuses(nested, strlen(nested)));
  free(nested);
  /* ordinary replies still parse, and a second reply starts a fresh budget */
  static const char ok[] = "*2\r\n$2\r\nid\r\n:1\r\n";
  cr_assert_not(reader_refuses(ok, sizeof ok - 1));
  redisReader *rd = redisReaderCreate();
  ww__redis_reader_limit(rd);
  char big[16];
  snprintf(big, sizeof big, "*%d\r\n", 60000);
  for (int r = 0; r < 20; r++) {   /* 20 x 60000 > 2^20 across replies: fine */
    cr_assert_eq(redisReaderFeed(rd, big, strlen(big)), REDIS_OK);
    for (int i = 0; i < 60000; i++) cr_assert_eq(redisReaderFeed(rd, ":1\r\n", 4), REDIS_OK);
    void *reply = NULL;
    cr_assert_eq(redisReaderGetReply(rd, &reply), REDIS_OK);
    cr_assert_not_null(reply, "reply %d", r);
    cr_assert_eq(((redisReply *)reply)->elements, 60000);
    freeReplyObject(reply);
  }
  redisReaderFree(rd);
}

Test(findings, redis_regress_inputs_parse_without_harm) {
  static const char *const files[] = {"redis/regress-oom-huge-array.resp",
                                      "redis/regress-nested-big-arrays.resp"};
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    size_t len;
    char *s = corpus_file(files[f], &len);
    redisReader *rd = redisReaderCreate();
    ww__redis_reader_limit(rd);
    if (redisReaderFeed(rd, s, len) == REDIS_OK) {
      void *reply = NULL;
      while (redisReaderGetReply(rd, &reply) == REDIS_OK && reply) {
        json_decref(ww__redis_status_of(reply));
        freeReplyObject(reply);
        reply = NULL;
      }
    }
    redisReaderFree(rd);
    free(s);
  }
}

/* ---- request limits of the embedding API ---- */

static ww_rules *rules;

static void load(void) {
  char dir[1200];
  const char *root = getenv("WW_SOURCE_ROOT");
  snprintf(dir, sizeof dir, "%s/examples/rules/minimaal", root ? root : ".");
  ww_log_set_level(WW_LOG_ERROR);
  ww_err err = {0};
  rules = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(rules, "%s", err.msg);
}

static void unload(void) {
  ww_rules_free(rules);
  rules = NULL;
}

/* Decide on 'text'; returns the first invalidParams name (static) or NULL when valid. */
static const char *refused_field(const char *text) {
  static char name[256];
  ww_decide_opts o = {0};
  o.now = 1796116500;
  json_t *out = NULL;
  ww_err err = {0};
  int rc = ww_decide_text(rules, text, strlen(text), &o, &out, &err);
  json_decref(out);
  if (rc == 0) return NULL;
  cr_assert_eq(rc, WW_EINVAL);
  cr_assert_str_eq(err.code, "invalid_param", "%s: %s", text, err.msg);
  const char *n = json_string_value(json_object_get(json_array_get(err.invalid_params, 0), "name"));
  snprintf(name, sizeof name, "%s", n ? n : "");
  ww_err_clear(&err);
  return name;
}

static char *with_x(const char *value) {
  char *s = malloc(strlen(value) + 64);
  sprintf(s, "{\"service\":\"uittreksel_brp\",\"x\":%s}", value);
  return s;
}

Test(findings, request_limits_hold_for_embedders, .init = load, .fini = unload) {
  char v[256];
  /* depth: object + 15 arrays fine, 16 arrays refused */
  memset(v, '[', 15), v[15] = '1', memset(v + 16, ']', 15), v[31] = '\0';
  char *s = with_x(v);
  cr_assert_null(refused_field(s));
  free(s);
  memset(v, '[', 16), v[16] = '1', memset(v + 17, ']', 16), v[33] = '\0';
  s = with_x(v);
  cr_assert_not_null(refused_field(s));
  cr_assert(strncmp(refused_field(s), "x[0]", 4) == 0);
  free(s);
  /* values */
  char *many = malloc(1100 * 2 + 8);
  strcpy(many, "[0");
  for (int i = 1; i < 1100; i++) strcat(many, ",0");
  strcat(many, "]");
  s = with_x(many);
  cr_assert_str_eq(refused_field(s), "body");
  free(s);
  free(many);
  /* strings */
  char *big = malloc(4100 + 3);
  big[0] = '"';
  memset(big + 1, 'a', 4097);
  strcpy(big + 4098, "\"");
  s = with_x(big);
  cr_assert_str_eq(refused_field(s), "x");
  free(s);
  big[4097] = '"', big[4098] = '\0';   /* exactly 4096 bytes: fine */
  s = with_x(big);
  cr_assert_null(refused_field(s));
  free(s);
  free(big);
  /* numbers */
  s = with_x("9007199254740993");
  cr_assert_str_eq(refused_field(s), "x");
  free(s);
  s = with_x("[1.5e300]");
  cr_assert_str_eq(refused_field(s), "x[0]");
  free(s);
  s = with_x("9007199254740992");
  cr_assert_null(refused_field(s));
  free(s);
  /* a value built by an embedder (no text): the same walk */
  json_t *req = json_pack("{s:s, s:{s:I}}", "service", "uittreksel_brp", "citizen", "age",
                          (json_int_t)1 << 60);
  json_t *out = NULL;
  ww_err err = {0};
  cr_assert_eq(ww_decide(rules, req, NULL, &out, &err), WW_EINVAL);
  ww_err_clear(&err);
  json_decref(req);
}
