/* Answers as compact JSON text, byte for byte what jansson makes of answer.c's trees
 * (json_dumps(JSON_COMPACT)): the plain advice is composed from fragments rendered once
 * at load (per channel, per service, the ruleset) and the verdict, with no tree per
 * request. The other answers (route, fallback, explain) are rarer: their trees go
 * through ww__text_json. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision_private.h"
#include "util/strlist.h"
#include "util/utf8.h"

void ww__first_reason(ww_decision_info *info, const char *s, size_t len) {
  len = ww_utf8_cut(s, len, sizeof info->reason - 1);
  memcpy(info->reason, s, len);
  info->reason[len] = '\0';
}

void ww__text_put(ww__text *t, const char *s, size_t n) {
  if (t->len + n > t->cap) {
    size_t nc = t->cap ? t->cap : 4096;
    while (nc < t->len + n) nc *= 2;
    char *q = realloc(t->s, nc);
    if (q == NULL) {
      t->oom = 1;
      return;
    }
    t->s = q;
    t->cap = nc;
  }
  memcpy(t->s + t->len, s, n);
  t->len += n;
}

void ww__text_free(ww__text *t) {
  free(t->s);
  memset(t, 0, sizeof *t);
}

#define OUT_LIT(t, s) ww__text_put((t), (s), sizeof(s) - 1)

static int dump_cb(const char *buf, size_t size, void *data) {
  ww__text_put(data, buf, size);
  return 0;
}

void ww__text_json(ww__text *t, const json_t *j) {
  if (json_dump_callback(j, dump_cb, t, JSON_COMPACT | JSON_ENCODE_ANY) != 0) t->oom = 1;
}

/* A string as answer.c's arena_str() + jansson render it. Printable ASCII without '"' and '\\' is
 * the same text in quotes; anything else goes through jansson (escapes, UTF-8 check). */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define HASZERO(v) (((v) - ONES) & ~(v) & HIGHS)

static void out_str(ww__text *t, const char *s, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {   /* 8 bytes at a time: stop at non-ASCII, control, DEL, " or \ */
    uint64_t w;
    memcpy(&w, s + i, 8);
    if ((w & HIGHS) || (((w | HIGHS) - 0x2020202020202020ull) & HIGHS) != HIGHS ||
        HASZERO(w ^ 0x7f7f7f7f7f7f7f7full) || HASZERO(w ^ 0x2222222222222222ull) ||
        HASZERO(w ^ 0x5c5c5c5c5c5c5c5cull))
      break;   /* the byte loop below decides exactly */
  }
  while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f && s[i] != '"' &&
         s[i] != '\\')
    i++;
  if (i == n) {
    OUT_LIT(t, "\"");
    ww__text_put(t, s, n);
    OUT_LIT(t, "\"");
    return;
  }
  json_t *j = json_stringn(s, n);
  if (j == NULL) {
    OUT_LIT(t, "\"(not valid UTF-8)\"");
    return;
  }
  ww__text_json(t, j);
  json_decref(j);
}

static void out_int(ww__text *t, long long v) {
  char b[24];
  int i = sizeof b;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do b[--i] = (char)('0' + u % 10); while ((u /= 10) > 0);
  if (v < 0) b[--i] = '-';
  ww__text_put(t, b + i, sizeof b - (size_t)i);
}

/* As answer.c's num() renders: integers plainly, other values through jansson's real
 * format. */
static void out_num(ww__text *t, double v) {
  if (v == floor(v) && fabs(v) < 9e15) {
    out_int(t, (long long)v);
    return;
  }
  json_t *j = json_real(v);
  if (j == NULL) {
    t->oom = 1;
    return;
  }
  ww__text_json(t, j);
  json_decref(j);
}

/* The text so far as a fragment; the text starts anew. */
static int frag_take(ww__text *t, ww__frag *f) {
  if (t->oom) return -1;
  f->s = malloc(t->len ? t->len : 1);
  if (f->s == NULL) return -1;
  memcpy(f->s, t->s, t->len);
  f->n = t->len;
  t->len = 0;
  return 0;
}

static int frags_prepare(ww__frags *f, const ww_catalogue *cat, ww__text *t) {
  f->head = calloc((size_t)cat->nch + 1, sizeof *f->head);
  f->tail = calloc((size_t)cat->nch + 1, sizeof *f->tail);
  f->excl = calloc((size_t)cat->nch + 1, sizeof *f->excl);
  f->service = calloc((size_t)cat->nsvc + 1, sizeof *f->service);
  if (!f->head || !f->tail || !f->excl || !f->service) return -1;
  f->nch = cat->nch;
  f->nsvc = cat->nsvc;
  for (int i = 0; i < cat->nch; i++) {
    const ww_channel *c = &cat->ch[i];
    OUT_LIT(t, "{\"id\":");
    ww__text_json(t, c->j_id);
    OUT_LIT(t, ",\"name\":");
    ww__text_json(t, c->j_name);
    OUT_LIT(t, ",\"kind\":");
    ww__text_json(t, c->j_kind);
    OUT_LIT(t, ",\"rank\":");
    if (frag_take(t, &f->head[i]) != 0) return -1;
    OUT_LIT(t, ",\"contact\":");
    ww__text_json(t, c->contact);
    if (c->assisted) OUT_LIT(t, ",\"assisted\":true,\"reasons\":[");
    else OUT_LIT(t, ",\"assisted\":false,\"reasons\":[");
    if (frag_take(t, &f->tail[i]) != 0) return -1;
    OUT_LIT(t, "{\"id\":");
    ww__text_json(t, c->j_id);
    OUT_LIT(t, ",\"name\":");
    ww__text_json(t, c->j_name);
    OUT_LIT(t, ",\"reasons\":[");
    if (frag_take(t, &f->excl[i]) != 0) return -1;
  }
  for (int i = 0; i < cat->nsvc; i++) {
    ww__text_json(t, cat->svc[i].answer);
    if (frag_take(t, &f->service[i]) != 0) return -1;
  }
  json_t *rs = json_pack("{s:s}", "version", cat->version);
  ww__text_json(t, rs);
  json_decref(rs);
  return frag_take(t, &f->ruleset);
}

int ww__frags_prepare(ww__frags *f, const ww_catalogue *cat) {
  ww__text scratch = {0};
  int rc = frags_prepare(f, cat, &scratch);
  ww__text_free(&scratch);
  return rc;
}

void ww__frags_free(ww__frags *f) {
  for (int i = 0; i < f->nch; i++) free(f->head[i].s), free(f->tail[i].s), free(f->excl[i].s);
  for (int i = 0; i < f->nsvc; i++) free(f->service[i].s);
  free(f->head), free(f->tail), free(f->excl), free(f->service);
  free(f->ruleset.s);
  memset(f, 0, sizeof *f);
}

/* One top-level member: extra's value when extra has the key (json_object_set keeps the
 * key's place), else NULL: ours. */
static const json_t *extra_for(const json_t *extra, const char *key) {
  return extra ? json_object_get(extra, key) : NULL;
}

static const char *const answer_keys[] = {"adviceId", "service", "channels", "excluded",
                                          "notes", "ruleset", "degraded", NULL};

/* The plain advice answer, exactly as advice_answer() + json_dumps(JSON_COMPACT). */
void ww__render_advice(ww__text *t, const ww__frags *f, const ww__answer *a,
                       const json_t *extra, ww_decision_info *info) {
  const ww_verdict *d = a->v;
  const ww_catalogue *cat = a->cat;
  const json_t *x;
  const char *aid = a->advice_id && a->advice_id[0] ? a->advice_id : NULL;
  OUT_LIT(t, "{");
  int comma = 0;
  if ((x = extra_for(extra, "adviceId"))) {
    OUT_LIT(t, "\"adviceId\":");
    ww__text_json(t, x);
    comma = 1;
  } else if (aid) {
    OUT_LIT(t, "\"adviceId\":");
    out_str(t, aid, strlen(aid));
    comma = 1;
  }
  if (info && aid && !x) snprintf(info->advice_id, sizeof info->advice_id, "%s", aid);
  if (comma) OUT_LIT(t, ",");
  OUT_LIT(t, "\"service\":");
  if ((x = extra_for(extra, "service"))) ww__text_json(t, x);
  else ww__text_put(t, f->service[a->service].s, f->service[a->service].n);

  int order[WW_MAX_CHANNELS];
  int n = ww__rank(cat, a->st, d, order);
  OUT_LIT(t, ",\"channels\":");
  if ((x = extra_for(extra, "channels"))) {
    ww__text_json(t, x);
  } else {
    OUT_LIT(t, "[");
    for (int k = 0; k < n; k++) {
      int c = order[k];
      const ww_chstate *st = &a->st[c];
      if (k) OUT_LIT(t, ",");
      ww__text_put(t, f->head[c].s, f->head[c].n);
      out_int(t, k + 1);
      OUT_LIT(t, ",\"score\":");
      out_num(t, d->score[c]);
      if (st->open) OUT_LIT(t, ",\"open\":true,\"waitSeconds\":");
      else OUT_LIT(t, ",\"open\":false,\"waitSeconds\":");
      if (st->wait >= 0) out_num(t, st->wait);
      else OUT_LIT(t, "null");
      ww__text_put(t, f->tail[c].s, f->tail[c].n);
      int m = 0;
      for (size_t i = 0; i < d->nreasons; i++) {
        const ww_reason *r = &d->reasons[i];
        if (r->ch != c || r->excl) continue;
        if (info && k == 0 && m == 0) ww__first_reason(info, d->arena + r->off, r->len);
        if (m++) OUT_LIT(t, ",");
        out_str(t, d->arena + r->off, r->len);
      }
      if (info && k == 0 && m == 0) {   /* no rule gave one: the next the answer shows */
        const char *why = st->reason ? st->reason : st->open ? "" : "Nu gesloten";
        ww__first_reason(info, why, strlen(why));
      }
      if (st->reason) {   /* json_string() of invalid UTF-8 is NULL: not appended */
        json_t *j = json_string(st->reason);
        if (j) {
          if (m++) OUT_LIT(t, ",");
          ww__text_json(t, j);
          json_decref(j);
        }
      }
      if (!st->open) {
        if (m++) OUT_LIT(t, ",");
        OUT_LIT(t, "\"Nu gesloten\"");
      }
      OUT_LIT(t, "]}");
    }
    OUT_LIT(t, "]");
  }
  if (info) info->first = n > 0 ? cat->ch[order[0]].id : NULL;

  OUT_LIT(t, ",\"excluded\":");
  if ((x = extra_for(extra, "excluded"))) {
    ww__text_json(t, x);
  } else {
    OUT_LIT(t, "[");
    int k = 0;
    for (int c = 0; c < cat->nch; c++) {
      if (!d->excluded[c]) continue;
      if (k++) OUT_LIT(t, ",");
      ww__text_put(t, f->excl[c].s, f->excl[c].n);
      int m = 0;
      for (size_t i = 0; i < d->nreasons; i++) {
        const ww_reason *r = &d->reasons[i];
        if (r->ch != c || !r->excl) continue;
        if (m++) OUT_LIT(t, ",");
        out_str(t, d->arena + r->off, r->len);
      }
      OUT_LIT(t, "]}");
    }
    OUT_LIT(t, "]");
  }

  OUT_LIT(t, ",\"notes\":");
  if ((x = extra_for(extra, "notes"))) {
    ww__text_json(t, x);
  } else {
    OUT_LIT(t, "[");
    for (size_t i = 0; i < d->nnotes; i++) {   /* distinct already (a:note) */
      if (i) OUT_LIT(t, ",");
      out_str(t, d->arena + d->notes[i].off, d->notes[i].len);
    }
    OUT_LIT(t, "]");
  }
  OUT_LIT(t, ",\"ruleset\":");
  if ((x = extra_for(extra, "ruleset"))) ww__text_json(t, x);
  else ww__text_put(t, f->ruleset.s, f->ruleset.n);
  OUT_LIT(t, ",\"degraded\":");
  if ((x = extra_for(extra, "degraded"))) ww__text_json(t, x);
  else OUT_LIT(t, "false");
  if (info) info->degraded = x ? json_is_true(x) : 0;

  if (extra) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)extra, k, v) {
      if (ww_strlist_index(answer_keys, k) >= 0) continue;
      OUT_LIT(t, ",");
      out_str(t, k, strlen(k));
      OUT_LIT(t, ":");
      ww__text_json(t, v);
    }
  }
  OUT_LIT(t, "}");
}
