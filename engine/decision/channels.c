/* Channel states: open or closed at a minute by the opening hours and the holidays of the
 * catalogue, then the overrides of PUT /v1/channels/{id}/status (open, waitSeconds,
 * reason) that hold for the question's time: from <= t < until. Between the two, the
 * channel's own from / until and its planned closures (closures { ... }). Kept for the
 * minute (or until a closure or override starts or ends) while the overrides are the
 * same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision_private.h"
#include "util/tztime.h"

static int hours_open(const ww_channel *c, const ww_localtime *lt, int holiday) {
  if (c->always) return 1;
  if (holiday) return 0;
  int m = lt->hour * 60 + lt->minute;
  for (int i = 0; i < c->nshift[lt->weekday]; i++)
    if (m >= c->from[lt->weekday][i] && m < c->to[lt->weekday][i]) return 1;
  return 0;
}

/* An override's time field in epoch seconds: a date-time string (the API's), or a number
 * (a rule test's status); 'none' when absent or unreadable. */
static int64_t time_of(const json_t *v, int64_t none) {
  int64_t t;
  if (json_is_integer(v)) return (int64_t)json_integer_value(v);
  if (json_is_real(v)) return (int64_t)json_real_value(v);
  if (json_is_string(v) && ww_time_parse(json_string_value(v), &t) == 0) return t;
  return none;
}

/* Moves '*next' (when the states may change) earlier to 'at' when 'at' is after 't'. */
static void change_at(int64_t t, int64_t at, int64_t *next) {
  if (at > t && at < *next) *next = at;
}

static void close_for(ww_chstate *s, ww_closed_by why, const char *reason) {
  s->open = 0;
  s->closed_by = why;
  free(s->reason);
  s->reason = reason ? strdup(reason) : NULL;
}

/* The channel's own from / until, then its planned closures. */
static void apply_calendar(const ww_channel *c, int64_t t, ww_chstate *s, int64_t *next) {
  change_at(t, c->period_from, next);
  change_at(t, c->period_until, next);
  if (!ww_catalogue_within(t, c->period_from, c->period_until)) {
    char when[32], text[80];
    int early = c->period_from && t < c->period_from;
    ww_time_format(early ? c->period_from : c->period_until, when);
    snprintf(text, sizeof text, "%s %.10s", early ? "Dit kanaal is er vanaf"
                                                  : "Dit kanaal is er niet meer sinds", when);
    close_for(s, WW_CLOSED_PERIOD, text);
    return;
  }
  for (int k = 0; k < c->nclosures; k++) {
    const ww_closure *q = &c->closures[k];
    change_at(t, q->from, next);
    change_at(t, q->until, next);
    if (t >= q->from && t < q->until) {
      close_for(s, WW_CLOSED_CLOSURE, q->reason);
      return;
    }
  }
}

void ww__states_compute(const ww_catalogue *cat, int64_t t, const json_t *status,
                        ww_chstate *out, int64_t *valid_until) {
  ww_localtime lt;
  ww_time_local(t, &lt);
  int hol = ww_catalogue_is_holiday(cat, ww_days_from_civil(lt.year, lt.month, lt.day));
  int64_t until_all = t - (t % 60 + 60) % 60 + 60;
  for (int i = 0; i < cat->nch; i++) {
    free(out[i].reason);
    out[i].reason = NULL;
    out[i].open = hours_open(&cat->ch[i], &lt, hol);
    out[i].closed_by = out[i].open ? WW_OPEN : hol && !cat->ch[i].always ? WW_CLOSED_HOLIDAY
                                                                         : WW_CLOSED_HOURS;
    out[i].wait = -1;
    apply_calendar(&cat->ch[i], t, &out[i], &until_all);
  }
  if (json_is_object(status)) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)status, k, v) {
      int i = ww_catalogue_channel(cat, k);
      if (i < 0 || !json_is_object(v)) continue;
      /* it holds for questions about [from, until) */
      int64_t from = time_of(json_object_get(v, "from"), INT64_MIN);
      int64_t until = time_of(json_object_get(v, "until"), INT64_MAX);
      change_at(t, from, &until_all);
      change_at(t, until, &until_all);
      if (t < from || until <= t) continue;
      json_t *o = json_object_get(v, "open");
      if (json_is_boolean(o)) {
        out[i].open = json_is_true(o);
        out[i].closed_by = out[i].open ? WW_OPEN : WW_CLOSED_STATUS;
      }
      json_t *w = json_object_get(v, "waitSeconds");
      if (json_is_number(w) && json_number_value(w) >= 0) out[i].wait = json_number_value(w);
      json_t *r = json_object_get(v, "reason");
      if (json_is_string(r) && json_string_length(r) > 0) {
        free(out[i].reason);
        out[i].reason = strdup(json_string_value(r));
      }
    }
  }
  if (valid_until) *valid_until = until_all;
}

json_t *ww__states_overrides_at(const ww_catalogue *cat, int64_t t, const json_t *status) {
  json_t *out = json_object();
  const char *k;
  json_t *v;
  if (out == NULL || !json_is_object(status)) return out;
  json_object_foreach((json_t *)status, k, v) {
    if (ww_catalogue_channel(cat, k) < 0 || !json_is_object(v)) continue;
    if (t < time_of(json_object_get(v, "from"), INT64_MIN) ||
        time_of(json_object_get(v, "until"), INT64_MAX) <= t)
      continue;
    json_t *o = json_object_get(v, "open"), *w = json_object_get(v, "waitSeconds");
    json_t *e = json_object();
    if (json_is_boolean(o)) json_object_set(e, "open", o);
    if (json_is_number(w) && json_number_value(w) >= 0) json_object_set(e, "waitSeconds", w);
    if (json_object_size(e) > 0) json_object_set_new(out, k, e);
    else json_decref(e);
  }
  return out;
}

/* splitmix64's finaliser: a 64-bit mix for the states' signature */
static uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

const ww_chstate *ww__states_at(ww__states *s, const ww_catalogue *cat, int64_t t,
                                const json_t *status, uint64_t version) {
  uint64_t key = status == NULL ? 0 : version;
  int cacheable = status == NULL || version != 0;
  if (s->ok && cacheable && key == s->key && t >= s->from && t < s->until) return s->st;
  ww__states_compute(cat, t, status, s->st, &s->until);
  s->from = t - ((t % 60) + 60) % 60;
  s->key = key;
  s->ok = cacheable;
  s->gen++;
  s->sig = mix64(mix64(mix64(key) ^ (uint64_t)s->from) ^ (uint64_t)s->until);
  return s->st;
}

void ww__states_clear(ww__states *s, int nch) {
  for (int i = 0; i < nch; i++) free(s->st[i].reason);
  memset(s, 0, sizeof *s);
}
