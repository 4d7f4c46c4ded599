/* engine/decision/channels.c: channel states from hours, holidays and overrides, and
 * their cache per minute. */
#include "fixture.h"

static ww_catalogue *cat;
static ww_chstate st[4];
static void setup(void) {
  cat = fx_catalogue();
  memset(st, 0, sizeof st);
}
static void teardown(void) {
  for (int i = 0; i < 4; i++) free(st[i].reason);
  fx_catalogue_free(cat);
}

TestSuite(channels, .init = setup, .fini = teardown);

static void opens(const char *want) {
  char got[8];
  for (int i = 0; i < 4; i++) got[i] = st[i].open ? '1' : '0';
  got[4] = '\0';
  cr_assert_str_eq(got, want);
}

Test(channels, hours_weekdays_and_holidays) {
  int64_t until;
  ww__states_compute(cat, fx_time("2026-12-01T10:15:00+01:00"), NULL, st, &until);   /* tue */
  opens("1111");
  cr_assert_eq(until, fx_time("2026-12-01T10:16:00+01:00"), "valid to the next minute");
  ww__states_compute(cat, fx_time("2026-12-01T12:00:00+01:00"), NULL, st, NULL);
  opens("1101");   /* balie 09:00-12:00: the end is not open */
  ww__states_compute(cat, fx_time("2026-12-01T19:59:00+01:00"), NULL, st, NULL);
  opens("1001");
  ww__states_compute(cat, fx_time("2026-12-05T10:00:00+01:00"), NULL, st, NULL);   /* sat */
  opens("1000");
  ww__states_compute(cat, fx_time("2026-12-25T10:00:00+01:00"), NULL, st, NULL);   /* holiday */
  opens("1000");
  cr_assert_eq(st[1].wait, -1);
}

Test(channels, overrides_open_close_wait_reason_until) {
  json_t *status = json_pack("{s:{s:b, s:s, s:i}, s:{s:b, s:s}, s:{s:b, s:s}, s:{s:b}}",
                             "telefoon", "open", 0, "reason", "Storing", "waitSeconds", 120,
                             "balie", "open", 1, "until", "2026-12-01T10:30:00+01:00",
                             "chat", "open", 0, "until", "2026-12-01T09:00:00+01:00",
                             "onbekend", "open", 0);
  int64_t t = fx_time("2026-12-01T10:15:00+01:00"), until;
  ww__states_compute(cat, fx_time("2026-12-01T19:00:00+01:00"), status, st, NULL);
  opens("1001");   /* balie forced open until 10:30 only: closed by its hours at 19:00 */
  ww__states_compute(cat, t, status, st, &until);
  opens("1011");   /* chat's override expired: its hours apply */
  cr_assert_str_eq(st[1].reason, "Storing");
  cr_assert_eq(st[1].wait, 120);
  cr_assert_null(st[0].reason);
  cr_assert_eq(until, fx_time("2026-12-01T10:16:00+01:00"));
  json_decref(status);
}

Test(channels, cached_for_the_minute_and_the_overrides_version) {
  ww__states s;
  memset(&s, 0, sizeof s);
  json_t *status = json_pack("{s:{s:b}}", "website", "open", 0);
  const ww_chstate *a = ww__states_at(&s, cat, fx_time("2026-12-01T10:15:00+01:00"), status, 7);
  uint64_t gen = s.gen;
  cr_assert_eq(a[0].open, 0);
  ww__states_at(&s, cat, fx_time("2026-12-01T10:15:59+01:00"), status, 7);
  cr_assert_eq(s.gen, gen, "same minute, same version: cached");
  ww__states_at(&s, cat, fx_time("2026-12-01T10:16:00+01:00"), status, 7);
  cr_assert_neq(s.gen, gen, "the next minute: anew");
  gen = s.gen;
  ww__states_at(&s, cat, fx_time("2026-12-01T10:16:00+01:00"), status, 8);
  cr_assert_neq(s.gen, gen, "another version: anew");
  gen = s.gen;
  ww__states_at(&s, cat, fx_time("2026-12-01T10:16:00+01:00"), status, 0);
  ww__states_at(&s, cat, fx_time("2026-12-01T10:16:00+01:00"), status, 0);
  cr_assert_eq(s.gen, gen + 2, "version 0 with overrides: never cached");
  a = ww__states_at(&s, cat, fx_time("2026-12-01T10:16:00+01:00"), NULL, 0);
  cr_assert_eq(a[0].open, 1);
  ww__states_clear(&s, cat->nch);
  json_decref(status);
}
