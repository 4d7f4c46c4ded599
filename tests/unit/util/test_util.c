/* Unit tests of engine/util: Europe/Amsterdam time, the crypto helpers, file owners. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/crypto.h"
#include "util/linediff.h"
#include "util/owner.h"
#include "util/tztime.h"

static int64_t parse(const char *s) {
  int64_t t = 0;
  cr_assert_eq(ww_time_parse(s, &t), 0, "refused %s", s);
  return t;
}

Test(tztime, parses_iso8601_with_offset) {
  int64_t t = parse("2026-12-01T10:15:00+01:00");
  cr_assert_eq(t, parse("2026-12-01T09:15:00Z"));
  cr_assert_eq(t, parse("2026-12-01T10:15+01:00"), "seconds may be left out");
  cr_assert_eq(t, parse("2026-12-01T10:15:00.250+01:00"));
  cr_assert_eq(t, parse("2026-12-01T04:15:00-05:00"));
  int64_t x;
  const char *bad[] = {"2026-12-01T10:15:00", "2026-12-01", "2026-02-30T10:00:00Z",
                       "2026-12-01T24:00:00Z", "2026-12-01T10:15.5+01:00",
                       "2026-12-01T10:15:00+01", "x026-12-01T10:15:00Z", "", NULL};
  for (int i = 0; bad[i]; i++) cr_assert_eq(ww_time_parse(bad[i], &x), -1, "accepted %s", bad[i]);
}

Test(tztime, amsterdam_offsets_follow_the_eu_rule) {
  ww_localtime lt;
  /* 2026: summer time from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC */
  ww_time_local(parse("2026-03-29T00:59:59Z"), &lt);
  cr_assert_eq(lt.offset, 3600);
  cr_assert_eq(lt.hour, 1);
  ww_time_local(parse("2026-03-29T01:00:00Z"), &lt);
  cr_assert_eq(lt.offset, 7200);
  cr_assert_eq(lt.hour, 3, "02:00 local does not exist: it is 03:00");
  ww_time_local(parse("2026-10-25T00:59:59Z"), &lt);
  cr_assert_eq(lt.offset, 7200);
  cr_assert_eq(lt.hour, 2);
  ww_time_local(parse("2026-10-25T01:00:00Z"), &lt);
  cr_assert_eq(lt.offset, 3600);
  cr_assert_eq(lt.hour, 2, "02:00 local happens twice");
  ww_time_local(parse("2026-12-01T10:15:00+01:00"), &lt);
  cr_assert_str_eq(ww_time_weekday_name(lt.weekday), "tue");
  ww_time_local(parse("2026-12-24T23:30:00Z"), &lt);   /* Christmas Day in Amsterdam */
  cr_assert(lt.month == 12 && lt.day == 25 && lt.hour == 0 && lt.minute == 30);
  char out[32];
  ww_time_format(parse("2026-07-14T09:05:00Z"), out);
  cr_assert_str_eq(out, "2026-07-14T11:05:00+02:00");
}

Test(crypto, hmac_sha256_known_vector) {
  /* RFC 4231 test case 2 */
  char hex[65];
  ww_hmac_sha256_hex((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, hex);
  cr_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  ww_sha256_hex("abc", 3, hex);
  cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(crypto, random_helpers) {
  char a[33], b[33];
  cr_assert_eq(ww_random_hex(a, 16), 0);
  cr_assert_eq(ww_random_hex(b, 16), 0);
  cr_assert_eq(strlen(a), 32);
  cr_assert_str_neq(a, b);
  uint32_t v;
  for (int i = 0; i < 1000; i++) {
    cr_assert_eq(ww_random_below(1000000, &v), 0);
    cr_assert_lt(v, 1000000u);
  }
  cr_assert(ww_ct_equal("abcd", "abcd", 4));
  cr_assert(!ww_ct_equal("abcd", "abce", 4));
}

/* Small requests come from a per-thread block refilled every 1 KiB: ids across several
 * refills never repeat, and both sizes (pooled and direct) fill every byte. */
Test(crypto, random_pool_refills_and_sizes) {
  enum { N = 300 };   /* 300 x 16 bytes: more than four refills */
  static char ids[N][33];
  for (int i = 0; i < N; i++) {
    cr_assert_eq(ww_random_hex(ids[i], 16), 0);
    for (int k = 0; k < i; k++) cr_assert_str_neq(ids[i], ids[k], "repeat at %d and %d", k, i);
  }
  unsigned char big[600];   /* beyond the pool's share: straight from the CSPRNG */
  memset(big, 0, sizeof big);
  cr_assert_eq(ww_random_bytes(big, sizeof big), 0);
  int zero_run = 0, longest = 0;
  for (size_t i = 0; i < sizeof big; i++) {
    zero_run = big[i] == 0 ? zero_run + 1 : 0;
    if (zero_run > longest) longest = zero_run;
  }
  cr_assert_lt(longest, 8, "600 random bytes with a run of %d zero bytes", longest);
}

/* ---- owner of a tokens or secret file ---- */

Test(owner, own_user_or_root_only) {
  struct stat st = {0};
  char why[300] = "";
  st.st_uid = geteuid();
  cr_assert_eq(ww_file_owner_check(&st, "/x/tokens", why, sizeof why), 0);
  st.st_uid = 0;
  cr_assert_eq(ww_file_owner_check(&st, "/x/tokens", why, sizeof why), 0, "root may own it");
  st.st_uid = geteuid() == 0 ? 65534 : geteuid() + 1;
  cr_assert_eq(ww_file_owner_check(&st, "/x/tokens", why, sizeof why), -1);
  char want[80];
  snprintf(want, sizeof want, "owned by uid %u", (unsigned)st.st_uid);
  cr_assert_not_null(strstr(why, want), "%s", why);
  snprintf(want, sizeof want, "run: chown %u /x/tokens", (unsigned)geteuid());
  cr_assert_not_null(strstr(why, want), "%s", why);
}

Test(crypto, hmac_with_a_kept_context_equals_the_one_shot) {
  ww_hmac h = {0};
  char a[65], b[65];
  const unsigned char *keys[] = {(const unsigned char *)"k1", (const unsigned char *)"other key",
                                 (const unsigned char *)"k1"};
  for (int i = 0; i < 3; i++) {   /* a new key rekeys; the same key again reuses */
    size_t kl = strlen((const char *)keys[i]);
    ww_hmac_sha256_hex(keys[i], kl, "999993653", 9, a);
    ww_hmac_hex(&h, keys[i], kl, "999993653", 9, b);
    cr_assert_str_eq(a, b);
    ww_hmac_hex(&h, keys[i], kl, "123456782", 9, b);
    ww_hmac_sha256_hex(keys[i], kl, "123456782", 9, a);
    cr_assert_str_eq(a, b);
  }
  ww_hmac_hex(&h, NULL, 0, "x", 1, b);   /* an empty key is a key too */
  ww_hmac_sha256_hex(NULL, 0, "x", 1, a);
  cr_assert_str_eq(a, b);
  ww_hmac_close(&h);
  cr_assert_null(h.ctx);
}

static void diff(const char *a, const char *b, size_t *added, size_t *removed) {
  cr_assert_eq(ww_linediff(a, a ? strlen(a) : 0, b, b ? strlen(b) : 0, 0, added, removed), 0);
}

/* A real line diff (shortest edit script), not a count of differing positions. */
Test(linediff, counts_added_and_removed_lines) {
  size_t ad, rm;
  diff("a\nb\nc\n", "a\nb\nc\n", &ad, &rm);
  cr_expect(ad == 0 && rm == 0);
  diff(NULL, "a\nb\n", &ad, &rm);
  cr_expect(ad == 2 && rm == 0);
  diff("a\nb\n", NULL, &ad, &rm);
  cr_expect(ad == 0 && rm == 2);
  /* one line inserted at the top shifts every position, yet is one added line */
  diff("b\nc\nd\ne\n", "a\nb\nc\nd\ne\n", &ad, &rm);
  cr_expect(ad == 1 && rm == 0, "%zu %zu", ad, rm);
  /* a changed line is one removed and one added */
  diff("a\nb\nc\n", "a\nB\nc\n", &ad, &rm);
  cr_expect(ad == 1 && rm == 1, "%zu %zu", ad, rm);
  /* abcabba -> cbabac: D = 5 (Myers' example): LCS 4, so 2 added, 3 removed */
  diff("a\nb\nc\na\nb\nb\na\n", "c\nb\na\nb\na\nc\n", &ad, &rm);
  cr_expect(ad == 2 && rm == 3, "%zu %zu", ad, rm);
  /* a last line without a newline is a line */
  diff("a\nb", "a\nb\nc", &ad, &rm);
  cr_expect(ad == 1 && rm == 0, "%zu %zu", ad, rm);
}

Test(linediff, over_the_bound_counts_the_changed_middle) {
  size_t ad, rm;
  cr_assert_eq(ww_linediff("x\na\nb\ny\n", 8, "x\nc\nd\ne\ny\n", 10, 2, &ad, &rm), 0);
  cr_expect(ad == 3 && rm == 2, "%zu %zu", ad, rm);
}
