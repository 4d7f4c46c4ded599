/* Unit tests of engine/store/codec.c: session events packed and as JSON, decision-log
 * entries; round trips and malformed input. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "session/session.h"
#include "store/codec.h"

#define AT "2026-12-01T10:15:00+01:00"

/* The stored event of an input event at AT, as the store makes it. */
static json_t *event(const char *in_json) {
  json_error_t je;
  json_t *in = json_loads(in_json, 0, &je);
  cr_assert_not_null(in, "%s: %s", in_json, je.text);
  json_t *ev = ww_session_event(AT, in);
  json_decref(in);
  return ev;
}

static int is_packed(const char *s) {
  int seps = 0;
  for (const char *p = s; *p; p++) seps += *p == WW_CODEC_SEP;
  return s[0] != '{' && seps >= 4;
}

/* encode -> decode gives the event back; returns the stored string (free()). */
static char *round_trip(const json_t *ev, int how) {
  char *s = ww_codec_event_encode(ev, how);
  cr_assert_not_null(s);
  json_t *back = ww_codec_event_decode(s, strlen(s), NULL);
  cr_assert_not_null(back, "did not decode: %s", s);
  char *want = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
  char *got = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
  cr_expect(json_equal(ev, back), "round trip of %s gave %s", want, got);
  free(want);
  free(got);
  json_decref(back);
  return s;
}

Test(codec, packs_what_the_api_writes) {
  static const char *const in[] = {
      "{\"channel\":\"website\",\"type\":\"advice\",\"service\":\"verhuizing\"}",
      "{\"channel\":\"website\",\"type\":\"step\",\"detail\":{\"n\":1,\"s\":\"\\u00e9\"}}",
      "{\"channel\":\"telefoon\",\"type\":\"claimed\",\"detail\":{\"code\":\"123456\"}}",
      "{\"channel\":\"website\",\"type\":\"handover\",\"detail\":{\"code\":\"042000\","
      "\"to\":\"telefoon\",\"expiresAt\":\"" AT "\"}}",
      "{\"channel\":\"balie\",\"type\":\"note\",\"detail\":\"vrije tekst\"}",
      "{\"channel\":\"balie\",\"type\":\"note\",\"detail\":[1,2.5,null,true]}",
      "{\"channel\":\"balie\",\"type\":\"note\",\"detail\":{\"sep\":\"a\\u001fb\"}}",
  };
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    json_t *ev = event(in[i]);
    char *s = round_trip(ev, WW_CODEC_PACK);
    cr_expect(is_packed(s), "not packed: %s", s);
    free(s);
    json_decref(ev);
  }
}

Test(codec, the_packed_layout) {
  json_t *ev = event("{\"channel\":\"web\",\"type\":\"advice\",\"service\":\"paspoort\","
                     "\"detail\":{\"n\":1}}");
  char *s = ww_codec_event_encode(ev, WW_CODEC_PACK);
  cr_expect_str_eq(s, AT "\x1fweb\x1f" "advice\x1fpaspoort\x1f{\"n\":1}");
  free(s);
  json_decref(ev);
  ev = event("{\"channel\":\"web\",\"type\":\"step\"}");
  s = ww_codec_event_encode(ev, WW_CODEC_PACK);
  cr_expect_str_eq(s, AT "\x1fweb\x1fstep\x1f\x1f", "no service, no detail: empty fields");
  free(s);
  json_decref(ev);
}

/* What cannot be packed exactly is stored as JSON, and still reads back the same. */
Test(codec, json_when_packing_is_not_exact) {
  static const char *const in[] = {
      "{\"channel\":\"we\\u001fb\",\"type\":\"advice\"}",
      "{\"channel\":\"web\",\"type\":\"advice\",\"service\":\"\"}",
      "{\"channel\":\"web\",\"type\":\"advice\",\"service\":\"x\\u001f\"}",
  };
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    json_t *ev = event(in[i]);
    char *s = round_trip(ev, WW_CODEC_PACK);
    cr_expect_eq(s[0], '{', "packed although not exact: %s", in[i]);
    free(s);
    json_decref(ev);
  }
  /* an 'at' that could be taken for JSON, or none */
  json_t *ev = json_pack("{s:s, s:s, s:s, s:n, s:n}", "at", "{x", "channel", "web", "type",
                         "advice", "service", "detail");
  char *s = round_trip(ev, WW_CODEC_PACK);
  cr_expect_eq(s[0], '{');
  free(s);
  json_object_set_new(ev, "at", json_string(""));
  s = round_trip(ev, WW_CODEC_PACK);
  cr_expect_eq(s[0], '{');
  free(s);
  json_object_set_new(ev, "at", json_string(AT));
  json_object_set_new(ev, "type", json_stringn("a\0b", 3));   /* NUL: never through the API */
  s = round_trip(ev, WW_CODEC_PACK);
  cr_expect_eq(s[0], '{');
  free(s);
  json_object_del(ev, "type");   /* a field missing: JSON, as it is */
  s = round_trip(ev, WW_CODEC_PACK);
  cr_expect_eq(s[0], '{');
  free(s);
  json_decref(ev);
  /* no detail field, or one field more: the packed form would not say the same */
  ev = json_pack("{s:s, s:s, s:s, s:n}", "at", AT, "channel", "web", "type", "advice",
                 "service");
  s = round_trip(ev, WW_CODEC_PACK);
  cr_expect_eq(s[0], '{');
  free(s);
  json_object_set_new(ev, "detail", json_null());
  json_object_set_new(ev, "extra", json_true());
  s = round_trip(ev, WW_CODEC_PACK);
  cr_expect_eq(s[0], '{');
  free(s);
  json_decref(ev);
}

Test(codec, json_on_request) {
  json_t *ev = event("{\"channel\":\"\",\"type\":\"handover\",\"detail\":{\"code\":\"1\"}}");
  char *s = round_trip(ev, WW_CODEC_JSON);
  cr_expect_eq(s[0], '{');
  free(s);
  json_decref(ev);
}

/* Events as older versions wrote them (JSON objects) read the same as packed ones. */
Test(codec, reads_both_forms_alike) {
  const char *packed = AT "\x1fweb\x1f" "claimed\x1f\x1f{\"code\":\"123456\"}";
  const char *json = "{\"at\":\"" AT "\",\"channel\":\"web\",\"type\":\"claimed\","
                     "\"service\":null,\"detail\":{\"code\":\"123456\"}}";
  json_t *a = ww_codec_event_decode(packed, strlen(packed), NULL);
  json_t *b = ww_codec_event_decode(json, strlen(json), NULL);
  cr_assert(a && b);
  cr_expect(json_equal(a, b));
  json_decref(a);
  json_decref(b);
}

Test(codec, malformed_events) {
  static const struct {
    const char *s;
    size_t n;
  } bad[] = {
      {"", 0},
      {"a", 1},
      {"a\x1f" "b\x1f" "c", 5},             /* 2 separators */
      {"a\x1f" "b\x1f" "c\x1f" "d", 7},     /* 3 */
      {"a\x1f" "b\x1f" "c\x1f" "d\x1f{bad", 12},
      {"a\x1f" "b\x1f" "c\x1f" "d\x1f" "1 2", 11},
      {"a\x1f\xff\xfe\x1f" "c\x1f" "d\x1f", 9},   /* channel not UTF-8 */
      {"\xc3\x1f" "b\x1f" "c\x1f" "d\x1f", 8},    /* at cut inside a character */
      {"a\x1f" "b\x1f" "c\x1f\xed\xa0\x80\x1f", 10},   /* service: a surrogate */
      {"a\x1f" "b\x1f" "c\x1f" "d\x1f\"\x1f\"", 11},   /* raw 0x1f inside the detail */
      {"{", 1},
      {"{\"at\":", 6},
      {"{\"at\":\"x\"}x", 11},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *v = ww_codec_event_decode(bad[i].s, bad[i].n, NULL);
    cr_expect_null(v, "decoded bad input %zu", i);
    json_decref(v);
  }
  cr_expect_null(ww_codec_event_decode(NULL, 0, NULL));
  /* the bytes after the fourth separator are all detail: bounded by 'len', not NUL */
  const char ok[] = "a\x1f" "b\x1f" "c\x1f" "d\x1f" "12";
  json_t *v = ww_codec_event_decode(ok, sizeof ok - 2, NULL);
  cr_assert_not_null(v);
  cr_expect_eq(json_integer_value(json_object_get(v, "detail")), 1);
  json_decref(v);
}

/* Consecutive packed events share equal channel/type/service strings and details. */
Test(codec, reuse_shares_equal_strings) {
  const char *e1 = AT "\x1fweb\x1f" "advice\x1fpaspoort\x1f";
  const char *e2 = AT "\x1fweb\x1f" "advice\x1fpaspoort\x1f{}";
  const char *e3 = AT "\x1ftel\x1f" "advice\x1f\x1f";
  ww_codec_reuse reuse = {0};
  json_t *a = ww_codec_event_decode(e1, strlen(e1), &reuse);
  json_t *b = ww_codec_event_decode(e2, strlen(e2), &reuse);
  json_t *c = ww_codec_event_decode(e3, strlen(e3), &reuse);
  cr_assert(a && b && c);
  cr_expect_eq(json_object_get(a, "channel"), json_object_get(b, "channel"));
  cr_expect_eq(json_object_get(a, "service"), json_object_get(b, "service"));
  cr_expect_eq(json_object_get(b, "type"), json_object_get(c, "type"));
  cr_expect_str_eq(json_string_value(json_object_get(c, "channel")), "tel");
  cr_expect(json_is_null(json_object_get(c, "service")));
  json_decref(a);
  json_decref(b);
  json_decref(c);
}

/* A detail repeated (with an event without one in between) is parsed once and shared;
 * one that differs is its own. */
Test(codec, reuse_shares_equal_details) {
  const char *d1 = AT "\x1fweb\x1f" "advice\x1fpaspoort\x1f{\"needs\":[\"visual\"],\"language\":\"nld\"}";
  const char *d0 = AT "\x1fweb\x1f" "step\x1fpaspoort\x1f";
  const char *d2 = AT "\x1fweb\x1f" "advice\x1fpaspoort\x1f{\"needs\":[\"visual\"],\"language\":\"nld\"}";
  const char *d3 = AT "\x1fweb\x1f" "advice\x1fpaspoort\x1f{\"needs\":[\"visual\"],\"language\":\"eng\"}";
  ww_codec_reuse reuse = {0};
  json_t *a = ww_codec_event_decode(d1, strlen(d1), &reuse);
  json_t *z = ww_codec_event_decode(d0, strlen(d0), &reuse);
  json_t *b = ww_codec_event_decode(d2, strlen(d2), &reuse);
  json_t *c = ww_codec_event_decode(d3, strlen(d3), &reuse);
  cr_assert(a && z && b && c);
  cr_expect(json_is_null(json_object_get(z, "detail")));
  cr_expect_eq(json_object_get(a, "detail"), json_object_get(b, "detail"));
  cr_expect_neq(json_object_get(b, "detail"), json_object_get(c, "detail"));
  cr_expect_str_eq(json_string_value(json_object_get(json_object_get(c, "detail"), "language")),
                   "eng");
  json_t *plain = ww_codec_event_decode(d2, strlen(d2), NULL);
  cr_expect(json_equal(plain, b));
  json_decref(plain);
  json_decref(a);
  json_decref(z);
  json_decref(b);
  json_decref(c);
}

/* ---- decision-log entries ---- */

static json_t *entry_round_trip(const json_t *entry, int64_t ms) {
  ww_codec_entry e;
  cr_assert_eq(ww_codec_entry_encode(entry, &e), 0);
  json_t *back = ww_codec_entry_new(ms);
  for (int i = 0; i < e.argc; i += 2)
    ww_codec_entry_put(back, e.argv[i], strlen(e.argv[i]), e.argv[i + 1], strlen(e.argv[i + 1]));
  ww_codec_entry_release(&e);
  return back;
}

Test(codec, decision_log_entry_round_trip) {
  json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "adviceId", "a1",
                            "kind", "advice", "service", "paspoort", "channel", "website",
                            "origin", "web", "degraded", 1, "sessionId", "s1", "ruleset", "r1");
  json_t *back = entry_round_trip(entry, 1777874400123LL);   /* 2026-05-04T08:00:00.123+02 */
  cr_expect_str_eq(json_string_value(json_object_get(back, "at")), "2026-05-04T08:00:00+02:00");
  json_object_del(back, "at");
  cr_expect(json_equal(entry, back));
  json_object_set_new(entry, "degraded", json_false());
  json_decref(back);
  back = entry_round_trip(entry, 0);
  cr_expect(json_is_false(json_object_get(back, "degraded")));
  json_decref(back);
  json_decref(entry);
}

/* A field that is null is left out (not written as the text "null"): a handover entry
 * without a channel reads back without one. */
Test(codec, decision_log_entry_null_is_absent) {
  json_t *entry = json_pack("{s:s, s:s, s:n, s:n}", "kind", "handover", "sessionId", "s1",
                            "service", "channel");
  ww_codec_entry e;
  cr_assert_eq(ww_codec_entry_encode(entry, &e), 0);
  cr_expect_eq(e.argc, 4);
  for (int i = 0; i < e.argc; i++) cr_expect_str_neq(e.argv[i], "null");
  ww_codec_entry_release(&e);
  json_t *back = entry_round_trip(entry, 0);
  json_object_del(back, "at");
  json_object_del(entry, "service");
  json_object_del(entry, "channel");
  cr_expect(json_equal(entry, back), "null fields must be absent");
  json_decref(back);
  json_decref(entry);
}

Test(codec, decision_log_entry_limits) {
  ww_codec_entry e;
  json_t *entry = json_object();
  cr_expect_eq(ww_codec_entry_encode(entry, &e), -1, "nothing to write");
  for (int i = 0; i <= WW_CODEC_LOG_FIELDS; i++) {
    char k[16];
    snprintf(k, sizeof k, "f%d", i);
    json_object_set_new(entry, k, json_integer(i));
  }
  cr_expect_eq(ww_codec_entry_encode(entry, &e), -1, "over the field limit");
  json_object_del(entry, "f0");
  cr_assert_eq(ww_codec_entry_encode(entry, &e), 0);
  cr_expect_eq(e.argc, 2 * WW_CODEC_LOG_FIELDS);
  cr_expect_eq(e.nowned, WW_CODEC_LOG_FIELDS, "integers are written as JSON");
  ww_codec_entry_release(&e);
  json_decref(entry);
}

/* What a reader gets from Redis is bytes: bad UTF-8 becomes '?', "at" comes from the id. */
Test(codec, decision_log_entry_from_odd_bytes) {
  json_t *e = ww_codec_entry_new(0);
  ww_codec_entry_put(e, "channel", 7, "we\xff" "b", 4);
  ww_codec_entry_put(e, "at", 2, "1999-01-01T00:00:00Z", 20);
  ww_codec_entry_put(e, "\xff", 1, "x", 1);
  ww_codec_entry_put(e, "a\0b", 3, "x", 1);
  ww_codec_entry_put(e, "degraded", 8, "yes", 3);
  cr_expect_str_eq(json_string_value(json_object_get(e, "channel")), "we?b");
  cr_expect_str_eq(json_string_value(json_object_get(e, "at")), "1970-01-01T01:00:00+01:00");
  cr_expect(json_is_false(json_object_get(e, "degraded")));
  cr_expect_eq(json_object_size(e), 3);
  json_decref(e);
}
