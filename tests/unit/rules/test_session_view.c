/* r.session is filled into views that are kept per Lua state and reused between decisions
 * (engine/rules/session_view.c ww__view_session_push): what a rule sees must be exactly this
 * request's session, read-only, with nothing left over from an earlier, larger one. */
#include "helpers.h"

static char note[4096];

static void probe(ww_rules *R, const char *session_json) {
  json_t *req = json_loads("{\"service\":\"verhuizing\","
                           "\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}", 0, NULL);
  json_t *s = session_json ? json_loads(session_json, 0, NULL) : NULL;
  cr_assert(session_json == NULL || s != NULL, "bad test JSON");
  ww_decide_opts o = {0};
  o.session = s;
  json_t *out = NULL;
  ww_err err = {0};
  cr_assert_eq(ww_decide(R, req, &o, &out, &err), 0, "%s", err.msg);
  cr_assert(json_is_false(json_object_get(out, "degraded")), "the probe rule failed");
  snprintf(note, sizeof note, "%s",
           json_string_value(json_array_get(json_object_get(out, "notes"), 0)));
  json_decref(out);
  json_decref(req);
  json_decref(s);
}

#define HAS(text) cr_assert(strstr(note, text) != NULL, "'%s' not in: %s", text, note)
#define HASNT(text) cr_assert(strstr(note, text) == NULL, "'%s' in: %s", text, note)

Test(session_view, exactly_this_request_and_read_only) {
  ww_rules *R = load_fixture("session", NULL);
  probe(R, "{\"id\":\"a\",\"service\":\"verhuizing\",\"events\":["
           "{\"type\":\"advice\",\"channel\":\"web\"},{\"type\":\"advice\",\"channel\":\"web\"},"
           "{\"type\":\"handover\",\"channel\":\"web\",\"detail\":{\"code\":\"123\"}},"
           "{\"type\":\"note\",\"channel\":\"app\",\"extra\":5}],\"data\":{\"k\":\"v\"}}");
  HAS("keys=data,events,id,service |");
  HAS("c=2/0 |");
    HAS("the first argument must be r");
  HAS("n=4");
  HAS("3:channel=web,detail={123},type=handover");
  HAS("4:channel=app,extra=5,type=note");
  HAS("data=v");
  HAS("svc=verhuizing");
  /* writes are refused, rawset is not there at all, the metatable is hidden */
  HASNT("w1=ok");
  HASNT("w2=ok");
  HASNT("w3=ok");
  HASNT("w4=ok");
  HASNT("w5=ok");
  HASNT("w6=ok");
  HASNT("w7=ok");

  /* a smaller session right after: no event, field or data of the first one stays */
  probe(R, "{\"id\":\"b\",\"events\":[{\"type\":\"step\",\"channel\":\"kcc\"},"
           "{\"type\":\"advice\",\"channel\":\"kcc\",\"service\":\"paspoort\"}],\"data\":{}}");
  HAS("keys=data,events,id |");
  HAS("c=0/1 |");
  HAS("n=2");
  HAS("1:channel=kcc,type=step;2:channel=kcc,service=paspoort,type=advice |");
  HASNT("extra");
  HASNT("detail");
  HAS("data=nil");
  HAS("svc=nil");

  probe(R, NULL);
  cr_assert_str_eq(note, "nosession");

  /* an event of an unusual shape after the plain ones */
  probe(R, "{\"id\":\"c\",\"events\":[{\"type\":\"a\",\"channel\":\"k\",\"zz\":1},"
           "{\"type\":\"b\",\"channel\":\"k\"}]}");
  HAS("n=2");
  HAS("1:channel=k,type=a,zz=1;2:channel=k,type=b |");
  ww_rules_free(R);
}

/* A fresh state whose first session has an event that is not an object: that event takes
 * no view, but the views behind it must all exist for the next, longer session. */
Test(session_view, views_complete_behind_an_odd_event) {
  ww_rules *R = load_fixture("session", NULL);
  probe(R, "{\"id\":\"d\",\"events\":[{\"type\":\"a\",\"channel\":\"k\"},5,"
           "{\"type\":\"c\",\"channel\":\"k\"}]}");
  HAS("n=3");
  HAS("1:channel=k,type=a;2:(5);3:channel=k,type=c |");
  probe(R, "{\"id\":\"e\",\"events\":[{\"type\":\"e1\",\"channel\":\"k\"},"
           "{\"type\":\"e2\",\"channel\":\"k\"},{\"type\":\"e3\",\"channel\":\"k\"},"
           "{\"type\":\"e4\",\"channel\":\"k\"}]}");
  HAS("n=4");
  HAS("1:channel=k,type=e1;2:channel=k,type=e2;3:channel=k,type=e3;4:channel=k,type=e4 |");
  probe(R, "{\"id\":\"f\",\"events\":[{\"type\":\"f1\",\"channel\":\"k\"}]}");
  HAS("n=1");
  HAS("1:channel=k,type=f1 |");
  ww_rules_free(R);
}
