/* Exact decision memoization: the rules' verdict, remembered per rule set (so per worker,
 * and gone with a reload) and given again for the same facts.
 *
 * The key is every fact a reusable verdict can depend on (ww_verdict.reusable): the
 * service, the citizen (without id and ref), the context (without its time) and origin,
 * the minute, the request's extra fields and the generation of the channel states (the
 * minute's hours and holidays and the overrides' version). Members keep their order: a rule
 * that walks r.citizen with pairs() sees them in that order. A verdict that read the
 * session, citizen.ref, r.context.time or math.random, or failed, is never stored; the
 * answer around it (adviceId, sessionId, ...) is rendered for each request.
 *
 * Bounded: 'n' slots, one entry each (direct-mapped on the key's hash); a new verdict
 * replaces what its slot held. Entries of a past minute never match again and go the same
 * way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision_private.h"

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
  for (size_t i = 0; i < m->n; i++) entry_clear(&m->slot[i]);
  free(m->slot);
  m->slot = NULL;
  m->n = 0;
  if (n == 0) return 0;
  m->slot = calloc(n, sizeof *m->slot);
  if (m->slot == NULL) return -1;
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

int ww__memo_key(ww__memo *m, const ww_decision_input *in, uint64_t states_gen,
                 const json_t *extra) {
  if (m->n == 0 || in->has_ref || in->explain) return -1;
  ww__text *t = &m->key;
  t->len = 0;
  t->oom = 0;
  char head[96];
  int64_t minute = in->time >= 0 ? in->time / 60 : (in->time - 59) / 60;
  int n = snprintf(head, sizeof head, "%d|%lld|%llu|", in->svc, (long long)minute,
                   (unsigned long long)states_gen);
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
