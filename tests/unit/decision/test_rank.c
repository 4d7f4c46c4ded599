/* engine/decision/answer.c: the ranking -- open first, then score, then catalogue order;
 * excluded channels are not ranked. */
#include "fixture.h"

static ww_catalogue *cat;
static void setup(void) { cat = fx_catalogue(); }
static void teardown(void) { fx_catalogue_free(cat); }

TestSuite(rank, .init = setup, .fini = teardown);

static void ranked(const ww_chstate *st, const ww_verdict *v, const char *want) {
  int order[WW_MAX_CHANNELS];
  int n = ww__rank(cat, st, v, order);
  char got[200] = "";
  for (int k = 0; k < n; k++) {
    strcat(got, k ? "," : "");
    strcat(got, cat->ch[order[k]].id);
  }
  cr_assert_str_eq(got, want);
}

Test(rank, open_first_then_score) {
  ww_chstate st[4] = {{1, -1, NULL, WW_OPEN}, {1, -1, NULL, WW_OPEN}, {0, -1, NULL, WW_OPEN}, {1, -1, NULL, WW_OPEN}};
  fx_verdict f;
  fx_verdict_init(&f, cat);   /* 50, 30, 20, 25 */
  ranked(st, &f.v, "website,telefoon,chat,balie");
  f.v.score[2] = 99;   /* closed: still after every open one */
  ranked(st, &f.v, "website,telefoon,chat,balie");
  f.v.score[3] = 60;
  ranked(st, &f.v, "chat,website,telefoon,balie");
}

Test(rank, ties_keep_catalogue_order) {
  ww_chstate st[4] = {{1, -1, NULL, WW_OPEN}, {1, -1, NULL, WW_OPEN}, {1, -1, NULL, WW_OPEN}, {1, -1, NULL, WW_OPEN}};
  fx_verdict f;
  fx_verdict_init(&f, cat);
  for (int c = 0; c < 4; c++) f.v.score[c] = 10;
  ranked(st, &f.v, "website,telefoon,balie,chat");
  st[0].open = 0;
  st[2].open = 0;
  ranked(st, &f.v, "telefoon,chat,website,balie");
}

Test(rank, excluded_are_left_out) {
  ww_chstate st[4] = {{1, -1, NULL, WW_OPEN}, {1, -1, NULL, WW_OPEN}, {1, -1, NULL, WW_OPEN}, {1, -1, NULL, WW_OPEN}};
  fx_verdict f;
  fx_verdict_init(&f, cat);
  f.v.excluded[0] = f.v.excluded[3] = 1;
  ranked(st, &f.v, "telefoon,balie");
  for (int c = 0; c < 4; c++) f.v.excluded[c] = 1;
  ranked(st, &f.v, "");
}
