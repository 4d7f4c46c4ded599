/* The session model: ids, codes, body checks (engine/session/session.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "session/session.h"

static int has_param(const json_t *bad, const char *name) {
  size_t i;
  json_t *p;
  json_array_foreach(bad, i, p) {
    if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0) return 1;
  }
  return 0;
}

static json_t *parse(const char *s) {
  json_t *v = json_loads(s, 0, NULL);
  cr_assert_not_null(v, "bad test JSON %s", s);
  return v;
}

Test(session, ids_and_codes) {
  char id[33], id2[33], code[7];
  cr_assert_eq(ww_session_new_id(id), 0);
  cr_assert_eq(ww_session_new_id(id2), 0);
  cr_assert(ww_session_id_valid(id));
  cr_assert_str_neq(id, id2);
  cr_assert(!ww_session_id_valid("0123456789ABCDEF0123456789abcdef"));
  cr_assert(!ww_session_id_valid("0123456789abcdef0123456789abcde"));
  cr_assert(!ww_session_id_valid("0123456789abcdef0123456789abcdef0"));
  cr_assert(!ww_session_id_valid(""));
  for (int i = 0; i < 1000; i++) {
    cr_assert_eq(ww_handover_new_code(code), 0);
    cr_assert(ww_handover_code_valid(code), "code %s", code);
  }
  cr_assert(!ww_handover_code_valid("12345"));
  cr_assert(!ww_handover_code_valid("1234567"));
  cr_assert(!ww_handover_code_valid("12a456"));
}

Test(session, event_types) {
  const char *ok[] = {"advice", "contact", "step", "abandoned", "completed", "note"};
  for (size_t i = 0; i < 6; i++) cr_assert(ww_session_client_event_type_valid(ok[i]));
  /* the engine's own: a client cannot forge a handover or a claim */
  cr_assert(!ww_session_client_event_type_valid("handover"));
  cr_assert(!ww_session_client_event_type_valid("claimed"));
  cr_assert(!ww_session_client_event_type_valid("Advice"));
  cr_assert(!ww_session_client_event_type_valid(""));
  cr_assert(!ww_session_client_event_type_valid(NULL));
}

Test(session, check_create) {
  json_t *b = parse("{\"channel\":\"web\",\"service\":\"verhuizing\",\"citizen\":{\"id\":\"999993653\"}}");
  cr_assert_null(ww_session_check_create(b, 16384));
  json_decref(b);
  b = parse("{\"citizen\":{\"id\":5},\"service\":7,\"data\":[]}");
  json_t *bad = ww_session_check_create(b, 16384);
  cr_assert(has_param(bad, "channel"));
  cr_assert(has_param(bad, "citizen.id"));
  cr_assert(has_param(bad, "service"));
  cr_assert(has_param(bad, "data"));
  json_decref(bad);
  json_decref(b);
  b = parse("{\"channel\":\"we b\",\"data\":{\"a\":\"0123456789\"}}");
  bad = ww_session_check_create(b, 10);
  cr_assert(has_param(bad, "channel"));
  cr_assert(has_param(bad, "data"));
  json_decref(bad);
  json_decref(b);
}

Test(session, check_event_claim_status) {
  json_t *b = parse("{\"channel\":\"telefoon\",\"type\":\"contact\",\"detail\":{\"x\":1}}");
  cr_assert_null(ww_session_check_event(b, 4096));
  json_decref(b);
  b = parse("{\"type\":\"bogus\",\"detail\":\"0123456789\"}");
  json_t *bad = ww_session_check_event(b, 5);
  cr_assert(has_param(bad, "channel"));
  cr_assert(has_param(bad, "type"));
  cr_assert(has_param(bad, "detail"));
  json_decref(bad);
  json_decref(b);

  b = parse("{\"code\":\"012345\",\"channel\":\"ivr\"}");
  cr_assert_null(ww_session_check_claim(b));
  json_decref(b);
  b = parse("{\"code\":12345}");
  bad = ww_session_check_claim(b);
  cr_assert(has_param(bad, "code"));
  cr_assert(has_param(bad, "channel"));
  json_decref(bad);
  json_decref(b);

  b = parse("{\"open\":false,\"reason\":\"storing\",\"until\":\"2026-12-01T12:00:00+01:00\",\"waitSeconds\":30}");
  const int64_t before = 1796115600;   /* 2026-12-01T10:00:00+01:00 */
  cr_assert_null(ww_session_check_status(b, before));
  bad = ww_session_check_status(b, before + 7200);   /* ended already */
  cr_assert(has_param(bad, "until"));
  json_decref(bad);
  json_decref(b);
  b = parse("{\"open\":false,\"reason\":\"x\",\"from\":\"2026-12-01T12:00:00+01:00\","
            "\"until\":\"2026-12-01T11:00:00+01:00\"}");
  bad = ww_session_check_status(b, before);   /* until before from */
  cr_assert(has_param(bad, "until"));
  json_decref(bad);
  json_decref(b);
  b = parse("{\"open\":false,\"reason\":\"x\",\"from\":\"soon\"}");
  bad = ww_session_check_status(b, before);
  cr_assert(has_param(bad, "from"));
  json_decref(bad);
  json_decref(b);
  b = parse("{\"open\":\"no\",\"until\":\"tomorrow\",\"waitSeconds\":-1}");
  bad = ww_session_check_status(b, before);
  cr_assert(has_param(bad, "open"));
  cr_assert(has_param(bad, "reason"));
  cr_assert(has_param(bad, "until"));
  cr_assert(has_param(bad, "waitSeconds"));
  json_decref(bad);
  json_decref(b);

  b = parse("{\"to\":\"telefoon\"}");
  cr_assert_null(ww_session_check_handover(b));
  json_decref(b);
  b = parse("{\"to\":\"\"}");
  bad = ww_session_check_handover(b);
  cr_assert(has_param(bad, "to"));
  json_decref(bad);
  json_decref(b);
}

Test(session, event_shape) {
  json_t *in = parse("{\"channel\":\"web\",\"type\":\"note\"}");
  json_t *ev = ww_session_event("2026-12-01T10:00:00+01:00", in);
  cr_assert_eq(json_object_size(ev), 5);
  cr_assert(json_is_null(json_object_get(ev, "service")));
  cr_assert(json_is_null(json_object_get(ev, "detail")));
  json_decref(ev);
  json_decref(in);
}

/* Issue 16: outcomes of advices are ordered by their time, not their text: in the hour
 * repeated when the clocks go back the text sorts the wrong way. */
Test(session, time_ms_orders_the_repeated_hour) {
  const char *cest = "2026-10-25T02:30:00+02:00";   /* 00:30 UTC */
  const char *cet = "2026-10-25T02:10:00+01:00";    /* 01:10 UTC: 40 minutes later */
  cr_assert_gt(strcmp(cest, cet), 0, "the text puts the later time first");
  cr_assert_eq(ww_session_time_ms(cet) - ww_session_time_ms(cest), 40 * 60 * 1000);
  /* what ww_session_time writes reads back to the second */
  char t[32];
  int64_t ms = 1792888200000;   /* 2026-10-25T00:30:00Z, in the repeated hour */
  ww_session_time(ms, t);
  cr_assert_str_eq(t, cest);
  cr_assert_eq(ww_session_time_ms(t), ms);
  ww_session_time(ms + 40 * 60 * 1000, t);
  cr_assert_str_eq(t, cet);
  cr_assert_eq(ww_session_time_ms(NULL), -1);
  cr_assert_eq(ww_session_time_ms("gisteren"), -1);
  cr_assert_eq(ww_session_time_ms("2026-10-25T02:10:00"), -1, "no offset: not a session time");
}
