/* engine/util/ratelimit: token buckets in a fixed table. Times are given, never measured. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "util/ratelimit.h"

Test(ratelimit, burst_then_rate) {
  ww_ratelimit *rl = ww_ratelimit_new(2, 5, 64);   /* 2 a second, 5 at once */
  cr_assert_not_null(rl);
  int64_t t = 1000000;
  for (int i = 0; i < 5; i++) cr_assert_eq(ww_ratelimit_take(rl, "a", t), 0, "take %d", i);
  long wait = ww_ratelimit_take(rl, "a", t);
  cr_assert_eq(wait, 1, "the 6th waits for the next token: %ld", wait);
  /* another key has its own bucket */
  cr_assert_eq(ww_ratelimit_take(rl, "b", t), 0);
  /* half a second gives one token back (2 a second) */
  cr_assert_eq(ww_ratelimit_take(rl, "a", t + 500), 0);
  cr_assert_gt(ww_ratelimit_take(rl, "a", t + 500), 0);
  /* refused takes cost nothing: after 10 s the bucket is full again, not beyond */
  for (int i = 0; i < 100; i++) ww_ratelimit_take(rl, "a", t + 600);
  int ok = 0;
  for (int i = 0; i < 20; i++) ok += ww_ratelimit_take(rl, "a", t + 11000) == 0;
  cr_assert_eq(ok, 5, "a full bucket holds the burst: %d", ok);
  ww_ratelimit_free(rl);
}

Test(ratelimit, retry_after_follows_the_rate) {
  ww_ratelimit *rl = ww_ratelimit_new(0.1, 1, 16);   /* one per 10 s */
  cr_assert_eq(ww_ratelimit_take(rl, "x", 0), 0);
  cr_assert_eq(ww_ratelimit_take(rl, "x", 0), 10);
  cr_assert_eq(ww_ratelimit_take(rl, "x", 4000), 6);
  cr_assert_eq(ww_ratelimit_take(rl, "x", 10000), 0);
  ww_ratelimit_free(rl);
}

/* 100,000 distinct keys in a table of 16 slots: every key still gets a bucket (the
 * table does not grow; ASan would see a write past it). */
Test(ratelimit, many_keys_fixed_table) {
  ww_ratelimit *rl = ww_ratelimit_new(1, 3, 16);
  int64_t t = 0;
  for (int i = 0; i < 3; i++) cr_assert_eq(ww_ratelimit_take(rl, "victim", t), 0);
  cr_assert_gt(ww_ratelimit_take(rl, "victim", t), 0);
  char k[32];
  for (int i = 0; i < 100000; i++) {
    snprintf(k, sizeof k, "10.0.%d.%d", i / 256, i % 256);
    ww_ratelimit_take(rl, k, t);
  }
  cr_assert_eq(ww_ratelimit_take(rl, "10.0.0.1", t + 100000), 0);
  ww_ratelimit_free(rl);
}

Test(ratelimit, no_table_no_limit) {
  cr_assert_eq(ww_ratelimit_take(NULL, "a", 0), 0);
  cr_assert_null(ww_ratelimit_new(0, 5, 16));
  cr_assert_null(ww_ratelimit_new(1, 0.5, 16));
}
