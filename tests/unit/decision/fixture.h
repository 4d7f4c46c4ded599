/* A catalogue and verdicts made by hand, in plain C: the decision's logic tested without
 * Lua (no rule set is loaded; engine/rules' Lua host is not even linked). */
#ifndef WW_TEST_DECISION_FIXTURE_H
#define WW_TEST_DECISION_FIXTURE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision_private.h"
#include "util/tztime.h"

/* Channel 'id' of kind 'kind' with one time range every weekday (or always), an optional
 * route {kind, queue}, and contact {phone: ...}. */
static inline void fx_channel(ww_catalogue *cat, const char *id, const char *name,
                              const char *kind, int assisted, double base, const char *hours,
                              const char *queue) {
  ww_channel *c = &cat->ch[cat->nch++];
  memset(c, 0, sizeof *c);
  c->id = strdup(id);
  c->name = strdup(name);
  c->kind = strdup(kind);
  c->assisted = assisted;
  c->base = base;
  if (hours == NULL) {
    c->always = 1;
  } else {
    for (int d = 0; d < 5; d++) {
      cr_assert_eq(ww_catalogue_hours_range(hours, &c->from[d][0], &c->to[d][0]), 0);
      c->nshift[d] = 1;
    }
  }
  c->contact = json_pack("{s:s}", "phone", "14 020");
  c->route = queue ? json_pack("{s:s, s:s}", "kind", "queue", "queue", queue) : NULL;
  c->entry = json_pack("{s:s, s:s, s:s, s:b}", "id", id, "name", name, "kind", kind,
                       "assisted", assisted);
  c->j_id = json_string(id);
  c->j_name = json_string(name);
  c->j_kind = json_string(kind);
  c->source = strdup("channels.lua:1");
}

/* website (always), telefoon (08:00-17:00, queue kcc), balie (09:00-12:00), chat
 * (08:00-20:00, queue chat); service "verhuizing"; 2026-12-25 a holiday; fallback
 * telefoon, website; fallback route telefoon. */
static inline ww_catalogue *fx_catalogue(void) {
  ww_catalogue *cat = calloc(1, sizeof *cat);
  memcpy(cat->version, "0123456789ab", 13);
  cat->files = json_array();
  cat->ch = calloc(8, sizeof *cat->ch);
  fx_channel(cat, "website", "Website", "online", 0, 50, NULL, NULL);
  fx_channel(cat, "telefoon", "Telefoon 14 020", "phone", 1, 30, "08:00-17:00", "kcc");
  fx_channel(cat, "balie", "Balie", "desk", 1, 20, "09:00-12:00", NULL);
  fx_channel(cat, "chat", "Chat \"live\"", "chat", 1, 25, "08:00-20:00", "chat");
  cat->svc = calloc(1, sizeof *cat->svc);
  cat->nsvc = 1;
  cat->svc[0].id = strdup("verhuizing");
  cat->svc[0].name = strdup("Verhuizing doorgeven");
  cat->svc[0].answer = json_pack("{s:s, s:s}", "id", "verhuizing", "name", "Verhuizing doorgeven");
  cat->svc[0].source = strdup("services.lua:1");
  cat->holidays = malloc(sizeof *cat->holidays);
  cat->holidays[0] = ww_days_from_civil(2026, 12, 25);
  cat->nholidays = 1;
  cat->fb_ch[0] = 1, cat->fb_ch[1] = 0;
  cat->nfb = 2;
  cat->fb_route = 1;
  return cat;
}

static inline void fx_catalogue_free(ww_catalogue *cat) {
  ww_catalogue_clear(cat);
  free(cat);
}

static inline int64_t fx_time(const char *iso) {
  int64_t t = 0;
  cr_assert_eq(ww_time_parse(iso, &t), 0, "%s", iso);
  return t;
}

/* A verdict: base scores, nothing excluded, reasons and notes in its own arena. */
typedef struct fx_verdict {
  ww_verdict v;
  ww_reason reasons[16], notes[8];
  char arena[1024];
  size_t alen;
} fx_verdict;

static inline void fx_verdict_init(fx_verdict *f, const ww_catalogue *cat) {
  memset(f, 0, sizeof *f);
  for (int c = 0; c < cat->nch; c++) f->v.score[c] = cat->ch[c].base;
  f->v.reasons = f->reasons;
  f->v.notes = f->notes;
  f->v.arena = f->arena;
}

static inline uint32_t fx_text(fx_verdict *f, const char *s) {
  size_t n = strlen(s);
  memcpy(f->arena + f->alen, s, n);
  f->alen += n;
  return (uint32_t)(f->alen - n);
}

static inline void fx_reason(fx_verdict *f, int ch, int excl, const char *s) {
  ww_reason *r = &f->reasons[f->v.nreasons++];
  r->ch = (int16_t)ch;
  r->excl = (uint8_t)excl;
  r->off = fx_text(f, s);
  r->len = (uint32_t)strlen(s);
}

static inline void fx_note(fx_verdict *f, const char *s) {
  ww_reason *r = &f->notes[f->v.nnotes++];
  r->ch = -1;
  r->off = fx_text(f, s);
  r->len = (uint32_t)strlen(s);
}

#endif
