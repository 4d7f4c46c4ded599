/* Exact decision memoization: the rules' verdict, remembered per rule set (so per worker,
 * and gone with a reload) and given again for the same facts.
 *
 * The key is every fact a reusable verdict can depend on (ww_verdict.reusable): the
 * service, the citizen (without id and ref), the context (without its time) and origin,
 * the minute, the request's extra fields and the signature of the channel states (what
 * the minute's hours, holidays and overrides make them: equal when the same states are
 * computed again, so questions about alternating moments keep their entries). Members keep their order: a rule
 * that walks r.citizen with pairs() sees them in that order. A verdict that read the
 * session, citizen.ref, r.context.time or math.random, or failed, is never stored; the
 * answer around it (adviceId, sessionId, ...) is rendered for each request.
 *
 * Bounded: 'n' slots, one entry each (direct-mapped on the key's hash); a new verdict
 * replaces what its slot held. Entries of a past minute never match again and go the same
 * way.
 *
 * The answer cache beside it (issue 16): the whole advice text of a request body whose
 * verdict was kept, keyed on the body's exact bytes, so a repeated question skips the JSON
 * parse, the validation, the key and the render; only its adviceId is made anew. The
 * bytes fix everything the answer depends on but the clock and the channel states: an
 * entry holds while the states' signature is the one it was decided with (a new minute's
 * hours, an override change) and, for a body without context.time, in the same minute and
 * while its service is still offered (the one check of the validation that reads the
 * clock). Same 'n' slots; bodies over WW__ANSWER_BODY_MAX bytes and answers over
 * WW__ANSWER_TEXT_MAX are not kept (at most 10 KiB a slot). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decision/decision_private.h"
#include "util/crypto.h"

#define WW__ANSWER_BODY_MAX 2048
#define WW__ANSWER_TEXT_MAX 8192   /* the bundled rules' answers: 2-4 KiB */
#define ADVICE_ID_AT 13          /* {"adviceId":" */
#define ADVICE_ID_LEN 32

struct ww__answer_entry {
  uint64_t hash;
  char *mem;                  /* owned: the body, then the answer text; NULL: free slot */
  size_t blen, tlen;
  int time_given;             /* the body has context.time: 'time' is it */
  int64_t time, minute;
  uint64_t gen;               /* the channel states' signature it was decided with */
  int svc;
  const char *first;          /* the catalogue's */
  char reason[256];
};

struct ww__memo_entry {
  uint64_t hash;
  char *key;                  /* owned; NULL: the slot is free */
  size_t klen;
  ww_verdict v;               /* reasons, notes and arena point into 'mem' */
  void *mem;                  /* owned */
};

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static void entry_clear(ww__memo_entry *e) {
  free(e->key);
  free(e->mem);
  memset(e, 0, sizeof *e);
}

int ww__memo_resize(ww__memo *m, size_t n) {
  for (size_t i = 0; i < m->n; i++) {
    entry_clear(&m->slot[i]);
    free(m->answers[i].mem);
  }
  free(m->slot);
  free(m->answers);
  m->slot = NULL;
  m->answers = NULL;
  m->n = 0;
  if (n == 0) return 0;
  m->slot = calloc(n, sizeof *m->slot);
  m->answers = calloc(n, sizeof *m->answers);
  if (m->slot == NULL || m->answers == NULL) {
    free(m->slot);
    free(m->answers);
    m->slot = NULL;
    m->answers = NULL;
    return -1;
  }
  m->n = n;
  return 0;
}

void ww__memo_free(ww__memo *m) {
  ww__memo_resize(m, 0);
  ww__text_free(&m->key);
}

/* The members of object 'o' but 'skip1' and 'skip2', each as "name":value, into the key. */
static void put_object(ww__text *t, const json_t *o, const char *skip1, const char *skip2) {
  ww__text_put(t, "{", 1);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)o, k, v) {
    if ((skip1 && strcmp(k, skip1) == 0) || (skip2 && strcmp(k, skip2) == 0)) continue;
    json_t *name = json_string(k);
    if (name == NULL) {
      t->oom = 1;
      return;
    }
    ww__text_json(t, name);
    json_decref(name);
    ww__text_put(t, ":", 1);
    ww__text_json(t, v);
    ww__text_put(t, ",", 1);
  }
  ww__text_put(t, "}", 1);
}

int ww__memo_key(ww__memo *m, const ww_decision_input *in, uint64_t states_sig,
                 const json_t *extra) {
  if (m->n == 0 || in->has_ref || in->explain) return -1;
  ww__text *t = &m->key;
  t->len = 0;
  t->oom = 0;
  char head[96];
  int64_t minute = in->time >= 0 ? in->time / 60 : (in->time - 59) / 60;
  int n = snprintf(head, sizeof head, "%d|%lld|%llu|", in->svc, (long long)minute,
                   (unsigned long long)states_sig);
  ww__text_put(t, head, (size_t)n);
  ww__text_put(t, in->origin, strlen(in->origin));
  ww__text_put(t, "|", 1);
  if (in->citizen) put_object(t, in->citizen, "id", "ref");
  ww__text_put(t, "|", 1);
  if (in->context) put_object(t, in->context, "time", NULL);
  ww__text_put(t, "|", 1);
  if (extra) put_object(t, extra, NULL, NULL);
  if (t->oom) return -1;
  m->hash = fnv1a(t->s, t->len);
  return 0;
}

const ww_verdict *ww__memo_get(ww__memo *m) {
  ww__memo_entry *e = &m->slot[m->hash % m->n];
  if (e->key && e->hash == m->hash && e->klen == m->key.len &&
      memcmp(e->key, m->key.s, e->klen) == 0) {
    m->hits++;
    return &e->v;
  }
  m->misses++;
  return NULL;
}

/* The arena bytes the verdict's texts use. */
static size_t arena_used(const ww_verdict *v) {
  size_t end = 0;
  for (size_t i = 0; i < v->nreasons; i++)
    if (v->reasons[i].off + v->reasons[i].len > end) end = v->reasons[i].off + v->reasons[i].len;
  for (size_t i = 0; i < v->nnotes; i++)
    if (v->notes[i].off + v->notes[i].len > end) end = v->notes[i].off + v->notes[i].len;
  return end;
}

void ww__memo_put(ww__memo *m, const ww_verdict *v) {
  if (!v->reusable || v->failed) return;
  ww__memo_entry *e = &m->slot[m->hash % m->n];
  size_t rs = v->nreasons * sizeof *v->reasons, ns = v->nnotes * sizeof *v->notes;
  size_t as = arena_used(v);
  char *key = malloc(m->key.len ? m->key.len : 1);
  char *mem = malloc(rs + ns + as + 1);
  if (key == NULL || mem == NULL) {   /* not remembered: the next one decides again */
    free(key);
    free(mem);
    return;
  }
  entry_clear(e);
  memcpy(key, m->key.s, m->key.len);
  if (rs) memcpy(mem, v->reasons, rs);
  if (ns) memcpy(mem + rs, v->notes, ns);
  if (as) memcpy(mem + rs + ns, v->arena, as);
  e->hash = m->hash;
  e->key = key;
  e->klen = m->key.len;
  e->mem = mem;
  e->v = *v;
  e->v.reasons = (const ww_reason *)(void *)mem;
  e->v.notes = (const ww_reason *)(void *)(mem + rs);
  e->v.arena = mem + rs + ns;
  e->v.fx = NULL, e->v.nfx = 0;
  e->v.trace = NULL, e->v.ntrace = 0;
}

/* ---- the answer cache ---- */

static int64_t minute_of(int64_t t) { return t >= 0 ? t / 60 : (t - 59) / 60; }

void ww_decision_text_keep(ww_rules *R, const char *body, size_t len,
                           const ww_decision_input *in, const ww_decision_opts *o,
                           const json_t *extra, const ww_decision_info *info) {
  ww__memo *m = &R->memo;
  const ww__text *t = &R->out;
  /* only what ww_decision_text just answered from a kept (or keepable) verdict, without a
   * session, citizen.id, explain or anything added around it */
  if (m->n == 0 || R->cache == 0 || R->last == NULL || !R->last->reusable || R->last->failed ||
      o->route || o->session || extra || in->has_ref || in->explain || len > WW__ANSWER_BODY_MAX)
    return;
  const json_t *sid = json_object_get(in->req, "sessionId");
  const json_t *code = json_object_get(in->req, "handoverCode");
  const json_t *cid = json_object_get(in->citizen, "id");
  if ((sid && !json_is_null(sid)) || (code && !json_is_null(code)) || (cid && !json_is_null(cid)))
    return;
  /* the adviceId is spliced in at a fixed place */
  if (t->len > WW__ANSWER_TEXT_MAX) return;
  if (strlen(info->advice_id) != ADVICE_ID_LEN || t->len < ADVICE_ID_AT + ADVICE_ID_LEN + 1 ||
      memcmp(t->s, "{\"adviceId\":\"", ADVICE_ID_AT) != 0 ||
      memcmp(t->s + ADVICE_ID_AT, info->advice_id, ADVICE_ID_LEN) != 0 ||
      t->s[ADVICE_ID_AT + ADVICE_ID_LEN] != '"')
    return;
  uint64_t h = fnv1a(body, len);
  ww__answer_entry *e = &m->answers[h % m->n];
  char *mem = malloc(len + t->len);
  if (mem == NULL) return;
  free(e->mem);
  memcpy(mem, body, len);
  memcpy(mem + len, t->s, t->len);
  const json_t *ctime = json_object_get(in->context, "time");
  e->hash = h;
  e->mem = mem;
  e->blen = len;
  e->tlen = t->len;
  e->time_given = ctime && !json_is_null(ctime);
  e->time = in->time;
  e->minute = minute_of(in->time);
  e->gen = R->states.sig;
  e->svc = in->svc;
  e->first = info->first;
  snprintf(e->reason, sizeof e->reason, "%s", info->reason);
}

int ww_decision_text_cached(ww_rules *R, const char *body, size_t len,
                            const ww_decision_opts *o, const char **text, size_t *tlen,
                            ww_decision_info *info) {
  ww__memo *m = &R->memo;
  if (m->n == 0 || o->route || o->session || (o->status && o->status_version == 0) ||
      len > WW__ANSWER_BODY_MAX)
    return -1;
  if (o->advice_id && strlen(o->advice_id) != ADVICE_ID_LEN) return -1;
  uint64_t h = fnv1a(body, len);
  ww__answer_entry *e = &m->answers[h % m->n];
  if (e->mem == NULL || e->hash != h || e->blen != len || memcmp(e->mem, body, len) != 0)
    return -1;
  int64_t t = e->time;
  if (!e->time_given) {   /* decided on the clock: the same minute, the service still offered */
    t = (int64_t)time(NULL);
    const ww_service *sv = &R->cat->svc[e->svc];
    if (minute_of(t) != e->minute || !ww_catalogue_within(t, sv->from, sv->until)) return -1;
  }
  ww__states_at(&R->states, R->cat, t, o->status, o->status_version);
  if (R->states.sig != e->gen) return -1;
  const char *aid = o->advice_id;
  if (aid == NULL) {
    if (ww_random_hex(R->advice_id, ADVICE_ID_LEN / 2) != 0) return -1;
    aid = R->advice_id;
  }
  char *s = e->mem + e->blen;
  memcpy(s + ADVICE_ID_AT, aid, ADVICE_ID_LEN);
  *text = s;
  *tlen = e->tlen;
  m->hits++;
  R->cache = 1;
  if (info) {
    memset(info, 0, sizeof *info);
    info->first = e->first;
    info->service = R->cat->svc[e->svc].id;
    info->cache = 1;
    memcpy(info->advice_id, aid, ADVICE_ID_LEN + 1);
    memcpy(info->reason, e->reason, sizeof info->reason);
  }
  return 0;
}
