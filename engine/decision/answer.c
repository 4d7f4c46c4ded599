/* Answers as trees: the ranking, the advice (or, when the rules failed, the fallback
 * advice), the route answer, the trace, and the route item that every route target and
 * alternative is made of (the fallback route's too). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "decision/decision_private.h"

static const char CLOSED_REASON[] = "Nu gesloten";

int ww__rank(const ww_catalogue *cat, const ww_chstate *st, const ww_verdict *v, int *order) {
  int n = 0;
  for (int c = 0; c < cat->nch; c++) {
    if (v->excluded[c]) continue;
    int j = n++;
    /* insertion sort: open first, score desc, catalogue order (stable) */
    while (j > 0) {
      int p = order[j - 1];
      int better = (st[c].open != st[p].open) ? st[c].open : v->score[c] > v->score[p];
      if (!better) break;
      order[j] = p;
      j--;
    }
    order[j] = c;
  }
  return n;
}

static json_t *num(double v) {
  if (v == floor(v) && fabs(v) < 9e15) return json_integer((json_int_t)v);
  return json_real(v);
}

json_t *ww__answer_wait(const ww_chstate *s) { return s->wait >= 0 ? num(s->wait) : json_null(); }

static json_t *channel_item(const ww__answer *a, int c, int rank, double score, json_t *reasons) {
  const ww_channel *ch = &a->cat->ch[c];
  const ww_chstate *st = &a->st[c];
  if (st->reason) json_array_append_new(reasons, json_string(st->reason));
  if (!st->open) json_array_append_new(reasons, json_string(CLOSED_REASON));
  json_t *o = json_object();
  json_object_set_nocheck(o, "id", ch->j_id);
  json_object_set_nocheck(o, "name", ch->j_name);
  json_object_set_nocheck(o, "kind", ch->j_kind);
  json_object_set_new_nocheck(o, "rank", json_integer(rank));
  json_object_set_new_nocheck(o, "score", num(score));
  json_object_set_new_nocheck(o, "open", json_boolean(st->open));
  json_object_set_new_nocheck(o, "waitSeconds", ww__answer_wait(st));
  json_object_set_nocheck(o, "contact", ch->contact);
  json_object_set_new_nocheck(o, "assisted", json_boolean(ch->assisted));
  json_object_set_new_nocheck(o, "reasons", reasons);
  return o;
}

json_t *ww__answer_route_item(const ww_channel *ch) {
  json_t *o = json_object();
  json_object_set_nocheck(o, "id", ch->j_id);
  json_object_set_nocheck(o, "kind", json_object_get(ch->route, "kind"));
  const char *k;
  json_t *v;
  json_object_foreach(ch->route, k, v) if (strcmp(k, "kind") && strcmp(k, "id") && strcmp(k, "name"))
      json_object_set(o, k, v);
  json_object_set_nocheck(o, "name", ch->j_name);
  return o;
}

static json_t *ruleset_json(const ww_catalogue *cat) {
  return json_pack("{s:s}", "version", cat->version);
}

static json_t *arena_str(const ww_verdict *v, uint32_t off, uint32_t len) {
  json_t *s = json_stringn(v->arena + off, len);
  return s ? s : json_string("(not valid UTF-8)");
}

/* The trace: per rule looked at, whether it matched and what it did; 'error' (or NULL) on
 * the last one (the rule that failed). */
static json_t *trace_json(const ww__answer *a, const char *error) {
  const ww_verdict *v = a->v;
  json_t *tr = json_array();
  char buf[600];
  for (size_t i = 0; i < v->ntrace; i++) {
    const ww_step *t = &v->trace[i];
    const ww_rule_info *ru = &a->cat->rules[t->rule];
    json_t *fx = json_array();
    for (int k = t->fx_from; k < t->fx_to; k++) {
      const ww_effect *e = &v->fx[k];
      const char *id = e->ch >= 0 ? a->cat->ch[e->ch].id : "";
      switch (e->kind) {
        case WW_FX_PREFER: snprintf(buf, sizeof buf, "prefer %s +%g", id, e->pts); break;
        case WW_FX_AVOID: snprintf(buf, sizeof buf, "avoid %s -%g", id, e->pts); break;
        case WW_FX_EXCLUDE: snprintf(buf, sizeof buf, "exclude %s", id); break;
        case WW_FX_ONLY: snprintf(buf, sizeof buf, "only %.*s", (int)e->len, v->arena + e->off); break;
        case WW_FX_NOTE: snprintf(buf, sizeof buf, "note %.*s", (int)e->len, v->arena + e->off); break;
        case WW_FX_FIRST: snprintf(buf, sizeof buf, "first %s", id); break;
        default: snprintf(buf, sizeof buf, "stop"); break;
      }
      json_t *s = json_string(buf);
      json_array_append_new(fx, s ? s : json_string("(effect)"));
    }
    json_t *o = json_object();
    json_object_set_nocheck(o, "rule", ru->j_name);
    json_object_set_nocheck(o, "source", ru->j_source);
    json_object_set_new_nocheck(o, "matched", json_boolean(t->matched));
    if (ru->j_from) json_object_set_nocheck(o, "from", ru->j_from);
    if (ru->j_until) json_object_set_nocheck(o, "until", ru->j_until);
    json_object_set_new_nocheck(o, "effects", fx);
    if (error && i + 1 == v->ntrace) {
      json_t *e = json_string(error);
      json_object_set_new_nocheck(o, "error", e ? e : json_string("(error)"));
    }
    json_array_append_new(tr, o);
  }
  return tr;
}

/* adviceId, service: the first members of an advice answer. */
static json_t *advice_head(const ww__answer *a) {
  json_t *o = json_object();
  if (a->advice_id && a->advice_id[0])
    json_object_set_new_nocheck(o, "adviceId", json_string(a->advice_id));
  json_object_set_nocheck(o, "service", a->cat->svc[a->service].answer);
  return o;
}

/* The rule set's fallback advice: its channels open before closed, each group in the
 * fallback's order. No rule scored them, so the score counts down from the number of
 * channels: the answer is sorted by score like every other (issue 13 §8). */
static json_t *fallback_advice(const ww__answer *a) {
  const ww_catalogue *cat = a->cat;
  json_t *chs = json_array();
  int rank = 0;
  for (int open = 1; open >= 0; open--)
    for (int k = 0; k < cat->nfb; k++) {
      int c = cat->fb_ch[k];
      if (!a->st[c].open != !open) continue;
      rank++;
      json_array_append_new(chs, channel_item(a, c, rank, cat->nfb - rank + 1, json_array()));
    }
  json_t *o = advice_head(a);
  json_object_set_new_nocheck(o, "channels", chs);
  json_object_set_new_nocheck(o, "excluded", json_array());
  json_object_set_new_nocheck(o, "notes", json_array());
  json_object_set_new_nocheck(o, "ruleset", ruleset_json(cat));
  json_object_set_new_nocheck(o, "degraded", json_true());
  if (a->explain) json_object_set_new_nocheck(o, "trace", trace_json(a, a->v->error));
  return o;
}

json_t *ww__answer_advice(const ww__answer *a) {
  const ww_catalogue *cat = a->cat;
  const ww_verdict *v = a->v;
  if (v->failed) return fallback_advice(a);
  json_t *rs[WW_MAX_CHANNELS], *xs[WW_MAX_CHANNELS];
  for (int c = 0; c < cat->nch; c++) rs[c] = json_array(), xs[c] = json_array();
  for (size_t i = 0; i < v->nreasons; i++) {
    const ww_reason *r = &v->reasons[i];
    json_array_append_new(r->excl ? xs[r->ch] : rs[r->ch], arena_str(v, r->off, r->len));
  }
  int order[WW_MAX_CHANNELS];
  int n = ww__rank(cat, a->st, v, order);
  json_t *chs = json_array(), *exc = json_array(), *notes = json_array();
  for (int k = 0; k < n; k++) {
    int c = order[k];
    json_array_append_new(chs, channel_item(a, c, k + 1, v->score[c], rs[c]));
    rs[c] = NULL;
  }
  for (int c = 0; c < cat->nch; c++) {
    if (v->excluded[c]) {
      json_t *o = json_object();
      json_object_set_nocheck(o, "id", cat->ch[c].j_id);
      json_object_set_nocheck(o, "name", cat->ch[c].j_name);   /* pages show it, not the id */
      json_object_set_new_nocheck(o, "reasons", xs[c]);
      json_array_append_new(exc, o);
    } else {
      json_decref(xs[c]);
    }
    json_decref(rs[c]);
  }
  for (size_t i = 0; i < v->nnotes; i++)   /* distinct already (a:note) */
    json_array_append_new(notes, arena_str(v, v->notes[i].off, v->notes[i].len));
  json_t *o = advice_head(a);
  json_object_set_new_nocheck(o, "channels", chs);
  json_object_set_new_nocheck(o, "excluded", exc);
  json_object_set_new_nocheck(o, "notes", notes);
  json_object_set_new_nocheck(o, "ruleset", ruleset_json(cat));
  json_object_set_new_nocheck(o, "degraded", json_false());
  if (a->explain) json_object_set_new_nocheck(o, "trace", trace_json(a, NULL));
  return o;
}

/* {target, alternatives, reasons, ruleset, degraded}: the frame of every route answer. */
static json_t *route_frame(const ww_catalogue *cat, json_t *target, json_t *alts,
                           json_t *reasons, int degraded) {
  json_t *o = json_object();
  json_object_set_new_nocheck(o, "target", target);
  json_object_set_new_nocheck(o, "alternatives", alts);
  json_object_set_new_nocheck(o, "reasons", reasons);
  json_object_set_new_nocheck(o, "ruleset", ruleset_json(cat));
  json_object_set_new_nocheck(o, "degraded", json_boolean(degraded));
  return o;
}

/* The fallback route's target: {id, kind, route fields, name, fallback: true}. */
static json_t *fallback_target(const ww_catalogue *cat) {
  json_t *t = ww__answer_route_item(&cat->ch[cat->fb_route]);
  json_object_set_new_nocheck(t, "fallback", json_true());
  return t;
}

json_t *ww__answer_route(const ww__answer *a) {
  const ww_catalogue *cat = a->cat;
  const ww_verdict *v = a->v;
  int degraded = v->failed;
  int order[WW_MAX_CHANNELS];
  int n = degraded ? 0 : ww__rank(cat, a->st, v, order);
  json_t *target = NULL, *alts = json_array(), *reasons = json_array();
  for (int k = 0; k < n; k++) {
    int c = order[k];
    if (!a->st[c].open || cat->ch[c].route == NULL) continue;
    if (target == NULL) {
      target = ww__answer_route_item(&cat->ch[c]);
      for (size_t i = 0; i < v->nreasons; i++)
        if (v->reasons[i].ch == c && !v->reasons[i].excl)
          json_array_append_new(reasons, arena_str(v, v->reasons[i].off, v->reasons[i].len));
      if (a->st[c].reason) json_array_append_new(reasons, json_string(a->st[c].reason));
    } else if (json_array_size(alts) < 3) {
      json_array_append_new(alts, ww__answer_route_item(&cat->ch[c]));
    }
  }
  if (target == NULL) {
    target = fallback_target(cat);
    json_array_append_new(reasons, json_string(degraded ? "Storing in de regels; standaardroute"
                                                        : "Geen open kanaal; standaardroute"));
  }
  json_t *o = route_frame(cat, target, alts, reasons, degraded);
  if (a->explain)
    json_object_set_new_nocheck(o, "trace", trace_json(a, degraded ? v->error : NULL));
  return o;
}

json_t *ww_decision_fallback_route(const ww_rules *R, const char *reason) {
  return route_frame(R->cat, fallback_target(R->cat), json_array(),
                     json_pack("[s]", reason), 0);
}
