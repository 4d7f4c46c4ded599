/* engine/decision/render.c against answer.c: the text of a plain advice is the tree's
 * json_dumps(JSON_COMPACT) byte for byte, with and without extra members; and the route
 * answers' targets, the fallback route's too, are one route item. */
#include "fixture.h"

static ww_catalogue *cat;
static ww__frags frags;
static ww_chstate st[4];
static void setup(void) {
  cat = fx_catalogue();
  cr_assert_eq(ww__frags_prepare(&frags, cat), 0);
  memset(st, 0, sizeof st);
  ww__states_compute(cat, fx_time("2026-12-01T11:59:00+01:00"), NULL, st, NULL);
}
static void teardown(void) {
  for (int i = 0; i < 4; i++) free(st[i].reason);
  ww__frags_free(&frags);
  fx_catalogue_free(cat);
}

TestSuite(render, .init = setup, .fini = teardown);

static void same(const ww__answer *a, const json_t *extra) {
  json_t *tree = ww__answer_advice(a);
  const char *k;
  json_t *v;
  if (extra) json_object_foreach((json_t *)extra, k, v) json_object_set(tree, k, v);
  char *want = json_dumps(tree, JSON_COMPACT);
  json_decref(tree);
  ww__text t = {0};
  ww_decision_info info;
  memset(&info, 0, sizeof info);
  ww__render_advice(&t, &frags, a, extra, &info);
  cr_assert_eq(t.oom, 0);
  cr_assert_eq(t.len, strlen(want), "\n tree %s\n text %.*s", want, (int)t.len, t.s);
  cr_assert(memcmp(t.s, want, t.len) == 0, "\n tree %s\n text %.*s", want, (int)t.len, t.s);
  free(want);
  ww__text_free(&t);
}

Test(render, text_is_the_tree_byte_for_byte) {
  fx_verdict f;
  fx_verdict_init(&f, cat);
  ww__answer a = {cat, st, &f.v, 0, "00112233445566778899aabbccddeeff", 0};
  same(&a, NULL);
  f.v.score[0] = 12.5;                        /* a real */
  f.v.score[1] = -3;
  f.v.excluded[2] = 1;
  fx_reason(&f, 2, 1, "Alleen op afspraak");
  fx_reason(&f, 1, 0, "Persoonlijk \"advies\"\n");   /* escapes */
  fx_reason(&f, 3, 0, "Snel antwoord \xc3\xa9\xc3\xa9n");   /* UTF-8 */
  fx_reason(&f, 0, 0, "bad \xff UTF-8");
  fx_note(&f, "Neem uw paspoort mee");
  fx_note(&f, "Tab\there");
  st[0].open = 0;                             /* "Nu gesloten" */
  st[1].wait = 90;
  st[3].wait = 12.25;
  st[3].reason = strdup("Drukte");
  same(&a, NULL);
  json_t *extra = json_pack("{s:s, s:b, s:{s:s}, s:[]}", "sessionId", "abc", "degraded", 1,
                            "agentContext", "lastChannel", "web", "notes");
  same(&a, extra);   /* known keys keep their place, others follow */
  json_decref(extra);
  a.advice_id = "";                            /* no adviceId at all */
  same(&a, NULL);
}

Test(render, route_targets_and_the_fallback_route_are_one_item) {
  fx_verdict f;
  fx_verdict_init(&f, cat);
  ww__answer a = {cat, st, &f.v, 0, NULL, 0};
  json_t *r = ww__answer_route(&a);   /* telefoon: open, routable, best score of those */
  json_t *item = ww__answer_route_item(&cat->ch[1]);
  cr_assert(json_equal(json_object_get(r, "target"), item));
  cr_assert_str_eq(json_string_value(json_object_get(item, "queue")), "kcc");
  json_decref(r);
  ww__states_compute(cat, fx_time("2026-12-05T10:00:00+01:00"), NULL, st, NULL);   /* sat */
  r = ww__answer_route(&a);   /* nothing routable open: the fallback route */
  json_t *fb = json_object_get(r, "target");
  cr_assert(json_is_true(json_object_get(fb, "fallback")));
  json_object_set_new(item, "fallback", json_true());
  cr_assert(json_equal(fb, item));
  json_decref(r);
  json_decref(item);
}
