/* The catalogue in plain C (catalogue.h): lookups, holidays, opening hours. */
#include "rules/catalogue.h"
#include "rules/verdict.h"

#include <stdlib.h>
#include <string.h>

const char *const ww_catalogue_origins[] = {"web", "app", "ivr", "kcc", "balie", "chat",
                                            "email", "post", "other", NULL};

const char *const ww_catalogue_auth_levels[] = {"none", "basis", "midden", "substantieel",
                                                "hoog", "eh2", "eh2+", "eh3", "eh4", NULL};

int ww_catalogue_channel(const ww_catalogue *cat, const char *id) {
  for (int i = 0; i < cat->nch; i++)
    if (strcmp(cat->ch[i].id, id) == 0) return i;
  return -1;
}

int ww_catalogue_service(const ww_catalogue *cat, const char *id) {
  if (cat->svc_ids) {
    json_t *i = json_object_getn(cat->svc_ids, id, strlen(id));
    return i ? (int)json_integer_value(i) : -1;
  }
  for (int i = 0; i < cat->nsvc; i++)
    if (strcmp(cat->svc[i].id, id) == 0) return i;
  return -1;
}

int ww_catalogue_is_holiday(const ww_catalogue *cat, int64_t day) {
  int lo = 0, hi = cat->nholidays - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (cat->holidays[mid] == day) return 1;
    if (cat->holidays[mid] < day) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

static int hhmm(const char *s, int *min) {
  if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] == ':' &&
        s[3] >= '0' && s[3] <= '9' && s[4] >= '0' && s[4] <= '9'))
    return -1;
  int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return -1;
  *min = h * 60 + m;
  return 0;
}

int ww_catalogue_hours_range(const char *s, int16_t *from, int16_t *to) {
  int a, b;
  if (strlen(s) != 11 || s[5] != '-' || hhmm(s, &a) || hhmm(s + 6, &b) || a >= 24 * 60)
    return -1;
  if (b <= a) return -2;
  *from = (int16_t)a;
  *to = (int16_t)b;
  return 0;
}

void ww_catalogue_clear(ww_catalogue *cat) {
  for (int i = 0; i < cat->nch; i++) {
    ww_channel *c = &cat->ch[i];
    free(c->id), free(c->name), free(c->kind), free(c->source);
    json_decref(c->contact), json_decref(c->route), json_decref(c->entry);
    json_decref(c->j_id), json_decref(c->j_name), json_decref(c->j_kind);
    for (int k = 0; k < c->nclosures; k++) free(c->closures[k].reason);
    free(c->closures);
  }
  json_decref(cat->svc_ids);
  cat->svc_ids = NULL;
  for (int i = 0; i < cat->nsvc; i++) {
    free(cat->svc[i].id), free(cat->svc[i].name), free(cat->svc[i].source);
    json_decref(cat->svc[i].answer), json_decref(cat->svc[i].entry);
  }
  for (int i = 0; i < cat->nrules; i++) {
    free(cat->rules[i].name), free(cat->rules[i].source);
    json_decref(cat->rules[i].j_name), json_decref(cat->rules[i].j_source);
    json_decref(cat->rules[i].j_from), json_decref(cat->rules[i].j_until);
  }
  for (int i = 0; i < cat->ncases; i++) {
    ww_case *c = &cat->cases[i];
    free(c->name), free(c->source);
    json_decref(c->request), json_decref(c->session), json_decref(c->status);
    json_decref(c->expect);
  }
  free(cat->ch), free(cat->svc), free(cat->rules), free(cat->cases), free(cat->holidays);
  json_decref(cat->files);
  json_decref(cat->targets);
  json_decref(cat->warnings);
  memset(cat, 0, sizeof *cat);
}

const char *ww_closed_by_name(ww_closed_by c) {
  static const char *const names[] = {NULL, "hours", "holiday", "period", "closure", "status"};
  return c >= WW_OPEN && c <= WW_CLOSED_STATUS ? names[c] : NULL;
}
