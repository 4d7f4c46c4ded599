/* The embedded store: all data in one ww_memstore behind a mutex, shared by every
 * worker's handle. Each operation runs whole under the lock, so it is atomic (SPEC 6)
 * and its callback runs before the operation returns.
 *
 * Layout (jansson objects as hash tables; "exp" is epoch ms, "b" the record's bytes):
 *   sessions  id   -> {"s": session object (SPEC 3.3 shape, "advised" once an advice's
 *                      outcome is written), "exp", "code": the session's
 *                      live handover code or null, "b"}
 *   citizens  ref  -> {"sid", "exp", "b"}     latest session of a citizenRef
 *   codes     code -> {"sid", "until", "exp", "b"}  handover codes (one live per session):
 *                      claimable until "until"; kept handover_lapse longer
 *                      ("exp") so that a claim of a lapsed code says so
 *   fails     client or "caller <ref>" -> {"n", "exp", "b"}  failed claims in the window
 *   status    id -> status override; the whole object is replaced on each change (and
 *             when an override's 'until' has passed: swept) and never
 *             changed in place, so handles share it by reference (jansson refcounts are
 *             atomic) and only compare a version counter per request.
 *   log       the decision log: a ring of the latest min(--decision-log N,
 *             WW_STORE_MEMORY_LOG_MAX) entries, decoded as the Redis stream's are read
 *             (codec.h), oldest dropped (and those older than --decision-log-days); not
 *             counted in 'bytes' (its bound is its length).
 *   versions  [version records, newest first], at most WW_STORE_RULES_KEEP; 'live' the
 *             live version id; audit [entries, newest first], at most WW_STORE_AUDIT_KEEP
 *             (both bounded by count, not in 'bytes')
 *   drafts    id -> {"d": draft, "exp", "b"}   counted in 'bytes' like sessions
 *   shadow    the shadow run (engine/api/shadow.c), or NULL (one, bounded by the rule
 *             files' cap, not in 'bytes')
 * Expired entries are dropped when met and swept every few seconds by each handle's
 * timer.
 *
 * Bound (--memory-store-max): 'bytes' is the sum of the records' "b", an estimate of what
 * jansson holds on the heap for them (cost()), kept exact under every change. A write that
 * would take it over memory_max fails with EFULL and changes nothing; nothing stored is
 * ever evicted for room (a citizen's session is worth more than a flood's). Writes that
 * free as much as they add (an append to a full event list, a claim) always go in. */
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "session/session.h"
#include "store/codec.h"
#include "store/store_impl.h"

#define SWEEP_MS 5000
#define CODE_TRIES 8

struct ww_memstore {
  pthread_mutex_t mu;
  json_t *sessions, *citizens, *codes, *fails;
  json_t *status;              /* immutable snapshot, replaced under mu */
  json_t *versions, *audit, *drafts;   /* rule-set history and drafts (see the layout) */
  json_t *shadow;                      /* the shadow run, or NULL */
  char live[16];               /* the live version id, or "" */
  atomic_ulong version;        /* bumped after each status replacement */
  size_t bytes;                /* sum of the records' "b", under mu */
  int64_t codes_swept_ms;      /* the last sweep of 'codes' at the cap */
  struct logent {
    int64_t ms;
    json_t *e;                 /* owned, never changed once in */
  } *log;                      /* the decision-log ring: log_cap slots, made at first use */
  size_t log_cap, log_head, log_n;   /* oldest at log_head */
};

typedef struct mstore {
  ww_store base;               /* first member */
  ww_memstore *m;              /* borrowed */
  uv_timer_t sweep;
  json_t *status;              /* owned ref to the snapshot of 'status_version' */
  unsigned long status_version;
} mstore;

ww_memstore *ww_memstore_new(void) {
  ww_memstore *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  if (pthread_mutex_init(&m->mu, NULL) != 0) goto fail_mutex;
  m->sessions = json_object();
  m->citizens = json_object();
  m->codes = json_object();
  m->fails = json_object();
  m->status = json_object();
  m->versions = json_array();
  m->audit = json_array();
  m->drafts = json_object();
  if (!m->sessions || !m->citizens || !m->codes || !m->fails || !m->status || !m->versions ||
      !m->audit || !m->drafts)
    goto fail;
  atomic_init(&m->version, 1);
  return m;
fail:
  json_decref(m->sessions);
  json_decref(m->citizens);
  json_decref(m->codes);
  json_decref(m->fails);
  json_decref(m->status);
  json_decref(m->versions);
  json_decref(m->audit);
  json_decref(m->drafts);
  pthread_mutex_destroy(&m->mu);
fail_mutex:
  free(m);
  return NULL;
}

void ww_memstore_free(ww_memstore *m) {
  if (m == NULL) return;
  for (size_t i = 0; i < m->log_n; i++) json_decref(m->log[(m->log_head + i) % m->log_cap].e);
  free(m->log);
  json_decref(m->sessions);
  json_decref(m->citizens);
  json_decref(m->codes);
  json_decref(m->fails);
  json_decref(m->status);
  json_decref(m->versions);
  json_decref(m->audit);
  json_decref(m->drafts);
  json_decref(m->shadow);
  pthread_mutex_destroy(&m->mu);
  free(m);
}

size_t ww_memstore_bytes(ww_memstore *m) {
  pthread_mutex_lock(&m->mu);
  size_t n = m->bytes;
  pthread_mutex_unlock(&m->mu);
  return n;
}

/* ---- the byte count ---- */

/* About what jansson holds on the heap for 'v', malloc's chunk overhead included (jansson
 * 2.14: a string is a 32-byte struct plus its text, an object a 72-byte struct, a bucket
 * array and a 56-byte pair per member, ...; true, false and null are shared). Counted, not
 * measured: the figures in docs/operations.md compare it with the RSS. */
static size_t cost(const json_t *v) {
  size_t n = 0, i;
  const char *k;
  json_t *x;
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    n = 96 + 16 * (json_object_size(v) < 8 ? 8 : 2 * json_object_size(v));
    json_object_foreach((json_t *)v, k, x) n += 80 + strlen(k) + cost(x);
    return n;
  case JSON_ARRAY:
    n = 64 + 8 * (json_array_size(v) < 8 ? 8 : 2 * json_array_size(v));
    json_array_foreach(v, i, x) n += cost(x);
    return n;
  case JSON_STRING:
    return 64 + json_string_length(v);
  case JSON_INTEGER:
  case JSON_REAL:
    return 32;
  default:
    return 0;
  }
}

#define ENTRY_COST(key) (80 + strlen(key) + 32)   /* a map's pair and bucket share, "b" */

static int64_t exp_of(const json_t *rec) {
  return json_integer_value(json_object_get(rec, "exp"));
}

static size_t bytes_of(const json_t *rec) {
  return (size_t)json_integer_value(json_object_get(rec, "b"));
}

/* Does 'add' more bytes fit under the bound? (Call with the lock held, as all below.) */
static int fits(const ww_store_opts *o, const ww_memstore *m, size_t add) {
  return m->bytes + add <= o->memory_max;
}

/* map[key] = rec (stolen), counting its bytes ('b' = the estimate, or 0: compute). */
static void put(ww_memstore *m, json_t *map, const char *key, json_t *rec, size_t b) {
  json_t *old = json_object_get(map, key);
  if (old) m->bytes -= bytes_of(old);
  if (b == 0) b = cost(rec) + ENTRY_COST(key);
  json_object_set_new(rec, "b", json_integer((json_int_t)b));
  m->bytes += b;
  json_object_set_new(map, key, rec);
}

static void drop(ww_memstore *m, json_t *map, const char *key) {
  json_t *rec = json_object_get(map, key);
  if (rec == NULL) return;
  m->bytes -= bytes_of(rec);
  json_object_del(map, key);
}

/* The record grew (or shrank) by 'delta' bytes. */
static void grew(ww_memstore *m, json_t *rec, long delta) {
  json_object_set_new(rec, "b", json_integer((json_int_t)((long)bytes_of(rec) + delta)));
  m->bytes = (size_t)((long)m->bytes + delta);
}

/* The live entry 'key' of 'map', or NULL (an expired one is dropped). Borrowed. */
static json_t *live(ww_memstore *m, json_t *map, const char *key, int64_t now) {
  json_t *rec = json_object_get(map, key);
  if (rec && exp_of(rec) <= now) {
    drop(m, map, key);
    rec = NULL;
  }
  return rec;
}

/* Drop the records of 'map' whose field 'field' ("exp", or "until" for codes that lapsed)
 * is past. */
static void sweep_by(ww_memstore *m, json_t *map, const char *field, int64_t now) {
  const char *key;
  json_t *rec;
  void *tmp;
  json_object_foreach_safe(map, tmp, key, rec) {
    if (json_integer_value(json_object_get(rec, field)) <= now) drop(m, map, key);
  }
}

static void sweep_map(ww_memstore *m, json_t *map, int64_t now) {
  sweep_by(m, map, "exp", now);
}

/* Is the code record (may be NULL) still claimable? */
static int code_claimable(const json_t *c, int64_t now) {
  return c && json_integer_value(json_object_get(c, "until")) > now;
}

/* A copy of the session for a caller: all of it, or (lean) its meta and the latest
 * 'n' events. New. */
static json_t *session_copy(const json_t *sess, size_t lean_n) {
  if (lean_n == 0) return json_deep_copy(sess);
  json_t *out = json_object();
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)sess, key, v) {
    if (strcmp(key, "events") == 0) {
      json_t *evs = json_array();
      size_t n = json_array_size(v), from = n > lean_n ? n - lean_n : 0;
      for (size_t i = from; i < n; i++)
        json_array_append_new(evs, json_deep_copy(json_array_get(v, i)));
      json_object_set_new(out, key, evs);
    } else {
      json_object_set_new(out, key, json_deep_copy(v));
    }
  }
  return out;
}

/* The bytes an append of an event costing 'ev_cost' adds to 'rec' (negative when the
 * trim to max_events frees more). */
static long append_delta(const mstore *ms, const json_t *rec, size_t ev_cost) {
  const json_t *events = json_object_get(json_object_get(rec, "s"), "events");
  long d = (long)ev_cost;
  if (json_array_size(events) + 1 > (size_t)ms->base.opts.max_events)
    d -= (long)cost(json_array_get(events, 0));
  return d;
}

/* Append an event to a live session record: trim, slide the TTL. 'ev' stolen. */
static void append_locked(mstore *ms, json_t *rec, json_t *ev, int64_t now) {
  ww_memstore *m = ms->m;
  json_t *sess = json_object_get(rec, "s");
  json_t *events = json_object_get(sess, "events");
  long delta = (long)cost(ev);
  json_array_append_new(events, ev);
  while (json_array_size(events) > (size_t)ms->base.opts.max_events) {
    delta -= (long)cost(json_array_get(events, 0));
    json_array_remove(events, 0);
  }
  grew(m, rec, delta);
  int64_t exp = now + ms->base.opts.session_ttl * 1000;
  char t[32];
  ww_session_time(now, t);
  json_object_set_new(sess, "updatedAt", json_string(t));
  ww_session_time(exp, t);
  json_object_set_new(sess, "expiresAt", json_string(t));
  json_object_set_new(rec, "exp", json_integer(exp));
  /* The citizen index slides with its session while it still points to it. */
  const char *ref = json_string_value(json_object_get(sess, "citizenRef"));
  if (ref) {
    json_t *ix = json_object_get(m->citizens, ref);
    const char *sid = json_string_value(json_object_get(sess, "id"));
    if (ix && sid && strcmp(json_string_value(json_object_get(ix, "sid")), sid) == 0)
      json_object_set_new(ix, "exp", json_integer(exp));
  }
}

static void lock(mstore *ms) { pthread_mutex_lock(&ms->m->mu); }
static void unlock(mstore *ms) { pthread_mutex_unlock(&ms->m->mu); }

/* Answer EFULL (after unlocking). */
static void full(mstore *ms, ww_store_cb cb, void *ud) {
  unlock(ms);
  cb(ud, WW_STORE_EFULL, NULL);
}

/* ---- operations ---- */

static void m_session_create(ww_store *s, const json_t *in, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  const json_t *data = json_object_get(in, "data");   /* limits checked in store.c */
  const char *channel = json_string_value(json_object_get(in, "channel"));
  char id[WW_SESSION_ID_LEN + 1];
  if (ww_session_new_id(id) != 0) {
    s->stats.errors++;
    cb(ud, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  int64_t now = ww__store_now_ms(), exp = now + s->opts.session_ttl * 1000;
  char t_now[32], t_exp[32];
  ww_session_time(now, t_now);
  ww_session_time(exp, t_exp);
  const char *ref = json_string_value(json_object_get(in, "citizenRef"));
  json_t *sess = ww_session_build(id, ref, json_string_value(json_object_get(in, "service")),
                                  channel, t_now, t_now, t_exp, json_array(),
                                  json_is_object(data) ? json_deep_copy(data) : NULL);
  json_t *out = json_deep_copy(sess);
  json_t *rec = json_pack("{s:o, s:I, s:n}", "s", sess, "exp", (json_int_t)exp, "code");
  json_t *ix = ref && ref[0] ? json_pack("{s:s, s:I}", "sid", id, "exp", (json_int_t)exp) : NULL;
  size_t b = cost(rec) + ENTRY_COST(id), bx = ix ? cost(ix) + ENTRY_COST(ref) : 0;
  lock(ms);
  if (!fits(&s->opts, ms->m, b + bx)) {
    json_decref(rec);
    json_decref(ix);
    json_decref(out);
    full(ms, cb, ud);
    return;
  }
  put(ms->m, ms->m->sessions, id, rec, b);
  if (ix) put(ms->m, ms->m->citizens, ref, ix, bx);
  unlock(ms);
  cb(ud, 0, out);
}

static void m_session_get(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  lock(ms);
  json_t *rec = live(ms->m, ms->m->sessions, id, ww__store_now_ms());
  json_t *out = rec ? json_deep_copy(json_object_get(rec, "s")) : NULL;
  unlock(ms);
  cb(ud, out ? 0 : WW_STORE_ENOTFOUND, out);
}

/* Under the lock: append 'event' (borrowed input) to the live session record 'rec' (NULL:
 * none, ENOTFOUND), unlock, and answer as ww_store_session_append with 'flags'. */
static void append_unlock(mstore *ms, json_t *rec, const json_t *event, int flags,
                          int64_t now, ww_store_cb cb, void *ud) {
  if (rec == NULL) {
    unlock(ms);
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  char at[32];
  ww_session_time(now, at);
  json_t *ev = ww_session_event(at, event);
  if (flags & WW_STORE_FILL_CHANNEL)
    json_object_set(ev, "channel", json_object_get(json_object_get(rec, "s"), "channel"));
  size_t ev_cost = cost(ev);
  long delta = append_delta(ms, rec, ev_cost);
  if (delta > 0 && !fits(&ms->base.opts, ms->m, (size_t)delta)) {
    json_decref(ev);
    full(ms, cb, ud);
    return;
  }
  json_t *out = NULL;
  if (flags & WW_STORE_LEAN) out = session_copy(json_object_get(rec, "s"), WW_STORE_LEAN_EVENTS);
  append_locked(ms, rec, ev, now);
  json_t *sess = json_object_get(rec, "s");
  if (out) {
    /* meta after the append, events from before it */
    json_object_set(out, "updatedAt", json_object_get(sess, "updatedAt"));
    json_object_set(out, "expiresAt", json_object_get(sess, "expiresAt"));
    json_object_set_new(out, "eventCount",
                        json_integer((json_int_t)json_array_size(json_object_get(sess, "events"))));
  } else {
    out = json_deep_copy(sess);
  }
  unlock(ms);
  cb(ud, 0, out);
}

static void m_session_append(ww_store *s, const char *id, const json_t *event, int flags,
                             ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  int64_t now = ww__store_now_ms();
  lock(ms);
  append_unlock(ms, live(ms->m, ms->m->sessions, id, now), event, flags, now, cb, ud);
}

static void m_session_advised(ww_store *s, const char *id, const json_t *advised) {
  mstore *ms = (mstore *)s;
  json_t *copy = json_pack("{s:O, s:O, s:O?, s:O?}", "at", json_object_get(advised, "at"),
                           "channel", json_object_get(advised, "channel"), "name",
                           json_object_get(advised, "name"), "reason",
                           json_object_get(advised, "reason"));
  if (copy == NULL) {
    s->stats.log_errors++;
    return;
  }
  lock(ms);
  json_t *rec = live(ms->m, ms->m->sessions, id, ww__store_now_ms());
  json_t *sess = json_object_get(rec, "s");
  const json_t *old = json_object_get(sess, "advised");
  int64_t old_ms = ww_session_time_ms(json_string_value(json_object_get(old, "at")));
  long delta = (long)cost(copy) - (old ? (long)cost(old) : 0);
  int over = rec && delta > 0 && !fits(&s->opts, ms->m, (size_t)delta);
  /* gone, full, or a later advice's outcome (written first by another worker) stays */
  if (rec == NULL || over ||
      old_ms > ww_session_time_ms(json_string_value(json_object_get(copy, "at")))) {
    unlock(ms);
    json_decref(copy);
    if (over) s->stats.log_errors++;
    return;
  }
  json_object_set_new(sess, "advised", copy);
  grew(ms->m, rec, delta);
  unlock(ms);
}

/* The live session record a citizen's index points to (borrowed, under the lock), and
 * its id in *sid; NULL when there is none. */
static json_t *citizen_session(mstore *ms, const char *ref, int64_t now, const char **sid) {
  json_t *ix = live(ms->m, ms->m->citizens, ref, now);
  *sid = ix ? json_string_value(json_object_get(ix, "sid")) : NULL;
  return *sid ? live(ms->m, ms->m->sessions, *sid, now) : NULL;
}

static void m_append_citizen(ww_store *s, const char *ref, const json_t *event, int flags,
                             ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  int64_t now = ww__store_now_ms();
  const char *sid;
  lock(ms);
  append_unlock(ms, ref ? citizen_session(ms, ref, now, &sid) : NULL, event, flags, now, cb,
                ud);
}

static void m_latest_for_citizen(ww_store *s, const char *ref, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  const char *sid;
  lock(ms);
  json_t *rec = citizen_session(ms, ref, ww__store_now_ms(), &sid);
  json_t *out = rec ? json_deep_copy(json_object_get(rec, "s")) : NULL;
  unlock(ms);
  cb(ud, out ? 0 : WW_STORE_ENOTFOUND, out);
}

static void m_latest_id(ww_store *s, const char *ref, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  const char *sid;
  lock(ms);
  json_t *out = citizen_session(ms, ref, ww__store_now_ms(), &sid)
                    ? json_pack("{s:s}", "id", sid) : NULL;
  unlock(ms);
  cb(ud, out ? 0 : WW_STORE_ENOTFOUND, out);
}

/* End the session record's live code, if it still is one of its own. */
static void end_code(ww_memstore *m, json_t *rec, const char *sid) {
  const char *code = json_string_value(json_object_get(rec, "code"));
  if (code == NULL) return;
  json_t *c = json_object_get(m->codes, code);
  if (c && strcmp(json_string_value(json_object_get(c, "sid")), sid) == 0)
    drop(m, m->codes, code);
  grew(m, rec, -(long)cost(json_object_get(rec, "code")));
  json_object_set_new(rec, "code", json_null());
}

static void m_handover_create(ww_store *s, const char *sid, const char *channel,
                              const char *to, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  ww_memstore *m = ms->m;
  int64_t now = ww__store_now_ms(), exp = now + s->opts.handover_ttl * 1000;
  char t_exp[32], at[32], code[WW_HANDOVER_CODE_LEN + 1];
  ww_session_time(exp, t_exp);
  ww_session_time(now, at);
  lock(ms);
  json_t *rec = live(m, m->sessions, sid, now);
  if (rec == NULL) {
    unlock(ms);
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  /* the cap on live codes keeps the 10^6 space sparse; lapsed ones do not count, but
   * sweeping them costs a walk over all codes: at most once a second */
  if (json_object_size(m->codes) >= (size_t)s->opts.handover_max_live &&
      now - m->codes_swept_ms >= 1000) {
    m->codes_swept_ms = now;
    sweep_by(m, m->codes, "until", now);
  }
  if (json_object_size(m->codes) >= (size_t)s->opts.handover_max_live) {
    full(ms, cb, ud);
    return;
  }
  int found = 0;
  for (int i = 0; i < CODE_TRIES && !found; i++) {
    if (ww_handover_new_code(code) != 0) break;
    found = !code_claimable(live(m, m->codes, code, now), now);
  }
  if (!found) {
    unlock(ms);
    cb(ud, WW_STORE_ECONFLICT, NULL);
    return;
  }
  json_t *crec = json_pack("{s:s, s:I, s:I}", "sid", sid, "until", (json_int_t)exp, "exp",
                           (json_int_t)(exp + s->opts.handover_lapse * 1000));
  json_t *sess = json_object_get(rec, "s");
  json_t *ch = channel ? json_string(channel) : json_incref(json_object_get(sess, "channel"));
  json_t *in = json_pack("{s:o, s:s, s:{s:s, s:o, s:s}}", "channel", ch, "type", "handover",
                         "detail", "code", code, "to", to ? json_string(to) : json_null(),
                         "expiresAt", t_exp);
  json_t *ev = ww_session_event(at, in);
  json_decref(in);
  json_t *cv = json_string(code);   /* the record's "code" */
  size_t code_bytes = cost(crec) + ENTRY_COST(code);
  long add = (long)code_bytes + (long)cost(cv) + append_delta(ms, rec, cost(ev));
  if (add > 0 && !fits(&s->opts, m, (size_t)add)) {
    json_decref(crec);
    json_decref(cv);
    json_decref(ev);
    full(ms, cb, ud);
    return;
  }
  /* one live code per session: a new one ends the previous (SPEC 3.3) */
  end_code(m, rec, sid);
  put(m, m->codes, code, crec, code_bytes);
  grew(m, rec, (long)cost(cv));
  json_object_set_new(rec, "code", cv);
  append_locked(ms, rec, ev, now);
  unlock(ms);
  cb(ud, 0, json_pack("{s:s, s:s, s:s}", "code", code, "expiresAt", t_exp, "sessionId", sid));
}

static json_int_t fails_of(const json_t *f) {
  return f ? json_integer_value(json_object_get(f, "n")) : 0;
}

/* One more failed claim of 'key' (its record 'f' or NULL: a new window). The caller has
 * made sure a new record fits. */
static void count_fail(ww_store *s, ww_memstore *m, const char *key, json_t *f, int64_t now) {
  if (f) {
    json_object_set_new(f, "n", json_integer(fails_of(f) + 1));
    return;
  }
  f = json_pack("{s:i, s:I}", "n", 1, "exp", (json_int_t)(now + s->opts.claim_fail_window * 1000));
  put(m, m->fails, key, f, 0);
}

static void m_handover_claim(ww_store *s, const char *code, const char *channel,
                             const char *client, const char *caller, ww_store_cb cb,
                             void *ud) {
  mstore *ms = (mstore *)s;
  ww_memstore *m = ms->m;
  int64_t now = ww__store_now_ms();
  char caller_key[160];
  if (caller) snprintf(caller_key, sizeof caller_key, "caller %.128s", caller);
  lock(ms);
  json_t *fail = live(m, m->fails, client, now);
  json_t *cfail = caller ? live(m, m->fails, caller_key, now) : NULL;
  /* with a caller, its own count decides; the address only at the much higher limit */
  json_t *over = NULL;
  if (caller && fails_of(cfail) >= s->opts.claim_fail_limit) over = cfail;
  else if (fails_of(fail) >= (caller ? s->opts.claim_fail_shared_limit : s->opts.claim_fail_limit))
    over = fail;
  if (over) {
    int64_t retry = (exp_of(over) - now + 999) / 1000;
    unlock(ms);
    cb(ud, WW_STORE_ELIMIT, json_pack("{s:I}", "retryAfter", (json_int_t)retry));
    return;
  }
  json_t *c = live(m, m->codes, code, now);
  int lapsed = c && !code_claimable(c, now);
  json_t *rec = c && !lapsed
                    ? live(m, m->sessions, json_string_value(json_object_get(c, "sid")), now)
                    : NULL;
  if (c && !lapsed && rec == NULL) {   /* its session expired first */
    drop(m, m->codes, code);
    unlock(ms);
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  if (rec == NULL) {   /* a failed claim: counted, or refused when it cannot be */
    json_t *probe = json_pack("{s:i, s:I}", "n", 1, "exp", (json_int_t)now);
    size_t one = cost(probe);
    json_decref(probe);
    size_t need = (fail ? 0 : one + ENTRY_COST(client)) +
                  (caller && !cfail ? one + ENTRY_COST(caller_key) : 0);
    if (need > 0 && !fits(&s->opts, m, need)) {
      full(ms, cb, ud);
      return;
    }
    count_fail(s, m, client, fail, now);
    if (caller) count_fail(s, m, caller_key, cfail, now);
    unlock(ms);
    cb(ud, lapsed ? WW_STORE_EEXPIRED : WW_STORE_ENOTFOUND, NULL);
    return;
  }
  /* single use: the code goes, its "claimed" event comes (always: it frees as much) */
  drop(m, m->codes, code);
  end_code(m, rec, json_string_value(json_object_get(json_object_get(rec, "s"), "id")));
  json_t *ch = channel ? json_string(channel)   /* NULL: the session's channel */
                       : json_incref(json_object_get(json_object_get(rec, "s"), "channel"));
  json_t *in = json_pack("{s:o, s:s, s:{s:s}}", "channel", ch, "type", "claimed", "detail",
                         "code", code);
  char at[32];
  ww_session_time(now, at);
  append_locked(ms, rec, ww_session_event(at, in), now);
  json_decref(in);
  json_t *out = json_deep_copy(json_object_get(rec, "s"));
  unlock(ms);
  cb(ud, 0, out);
}

/* Replace the snapshot by 'next' (stolen). Under the lock. */
static void status_replace(ww_memstore *m, json_t *next) {
  json_decref(m->status);
  m->status = next;
  atomic_fetch_add(&m->version, 1);
}

/* The snapshot without the overrides that have ended by 'now' (epoch s), or NULL when
 * none has. New. Under the lock. */
static json_t *status_live(ww_memstore *m, int64_t now) {
  json_t *next = NULL;
  const char *k;
  json_t *v;
  json_object_foreach(m->status, k, v) {
    if (ww_session_status_until(v) > now) continue;
    if (next == NULL && (next = json_copy(m->status)) == NULL) return NULL;
    json_object_del(next, k);
  }
  return next;
}

static void sweep_status(ww_memstore *m, int64_t now_ms) {
  json_t *next = status_live(m, now_ms / 1000);
  if (next) status_replace(m, next);
}

static void m_status_set(ww_store *s, const char *id, const json_t *status, ww_store_cb cb,
                         void *ud) {
  mstore *ms = (mstore *)s;
  if (!json_is_object(status)) {
    cb(ud, WW_STORE_EINVAL, NULL);
    return;
  }
  int64_t now = ww__store_now_ms();
  char t[32];
  ww_session_time(now, t);
  json_t *st = json_deep_copy(status);
  json_object_set_new(st, "channel", json_string(id));
  json_object_set_new(st, "updatedAt", json_string(t));
  json_t *out = json_deep_copy(st);
  lock(ms);
  sweep_status(ms->m, now);
  json_t *next = json_copy(ms->m->status);   /* shallow: entries are immutable too */
  json_object_set_new(next, id, st);
  status_replace(ms->m, next);
  unlock(ms);
  cb(ud, 0, out);
}

static void m_status_delete(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  lock(ms);
  sweep_status(ms->m, ww__store_now_ms());
  int found = json_object_get(ms->m->status, id) != NULL;
  if (found) {
    json_t *next = json_copy(ms->m->status);
    json_object_del(next, id);
    status_replace(ms->m, next);
  }
  unlock(ms);
  cb(ud, found ? 0 : WW_STORE_ENOTFOUND, NULL);
}

static const json_t *m_status(ww_store *s) {
  mstore *ms = (mstore *)s;
  unsigned long v = atomic_load(&ms->m->version);
  if (v != ms->status_version) {
    lock(ms);
    json_t *snap = json_incref(ms->m->status);
    v = atomic_load(&ms->m->version);
    unlock(ms);
    json_decref(ms->status);
    ms->status = snap;
    ms->status_version = v;
  }
  return ms->status;
}

/* Every handle reads the one shared snapshot: its version is its rank. */
static uint64_t m_status_rank(ww_store *s) { return ((mstore *)s)->status_version; }

/* ---- rule-set history and drafts ---- */

/* The index of 'version' in the history, or -1. Under the lock. */
static long version_at(ww_memstore *m, const char *version) {
  size_t i;
  json_t *r;
  json_array_foreach(m->versions, i, r) {
    if (strcmp(json_string_value(json_object_get(r, "version")), version) == 0) return (long)i;
  }
  return -1;
}

static void m_rules_commit(ww_store *s, const char *version, const json_t *record,
                           const json_t *audit, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  json_t *rec = json_deep_copy(record);
  json_t *au = audit ? json_deep_copy(audit) : NULL;
  if (rec == NULL || (audit && au == NULL)) {
    json_decref(rec);
    json_decref(au);
    cb(ud, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  lock(ms);
  ww_memstore *m = ms->m;
  long at = version_at(m, version);
  if (at >= 0) json_array_remove(m->versions, (size_t)at);   /* moves to the front */
  json_array_insert_new(m->versions, 0, rec);
  while (json_array_size(m->versions) > WW_STORE_RULES_KEEP)
    json_array_remove(m->versions, json_array_size(m->versions) - 1);
  snprintf(m->live, sizeof m->live, "%s", version);
  if (au) {
    json_array_insert_new(m->audit, 0, au);
    while (json_array_size(m->audit) > WW_STORE_AUDIT_KEEP)
      json_array_remove(m->audit, json_array_size(m->audit) - 1);
  }
  unlock(ms);
  cb(ud, 0, NULL);
}

static void m_rules_versions(ww_store *s, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  json_t *list = json_array();
  lock(ms);
  size_t i;
  json_t *r;
  json_array_foreach(ms->m->versions, i, r) json_array_append_new(list, ww__store_without_files(r));
  json_t *out = json_pack("{s:s?, s:o}", "live", ms->m->live[0] ? ms->m->live : NULL,
                          "versions", list);
  unlock(ms);
  cb(ud, out ? 0 : WW_STORE_EUNAVAIL, out);
}

static void m_rules_version(ww_store *s, const char *version, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  lock(ms);
  long at = version_at(ms->m, version);
  json_t *out = at >= 0 ? json_deep_copy(json_array_get(ms->m->versions, (size_t)at)) : NULL;
  unlock(ms);
  cb(ud, out ? 0 : WW_STORE_ENOTFOUND, out);
}

static void m_rules_live(ww_store *s, int full, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  json_t *out = NULL;
  lock(ms);
  if (ms->m->live[0]) {
    long at = full ? version_at(ms->m, ms->m->live) : -1;
    out = at >= 0 ? json_deep_copy(json_array_get(ms->m->versions, (size_t)at))
                  : full ? NULL : json_pack("{s:s}", "version", ms->m->live);
  }
  unlock(ms);
  cb(ud, out ? 0 : WW_STORE_ENOTFOUND, out);
}

static void m_rules_audit(ww_store *s, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  lock(ms);
  json_t *out = json_pack("{s:O}", "entries", ms->m->audit);   /* entries are never changed */
  json_t *copy = json_deep_copy(out);
  unlock(ms);
  json_decref(out);
  cb(ud, copy ? 0 : WW_STORE_EUNAVAIL, copy);
}

static void m_draft_put(ww_store *s, const char *id, const json_t *draft, int create,
                        ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  int64_t now = ww__store_now_ms();
  json_t *d = json_deep_copy(draft);
  if (d == NULL) {
    cb(ud, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  lock(ms);
  ww_memstore *m = ms->m;
  sweep_map(m, m->drafts, now);
  json_t *old = json_object_get(m->drafts, id);
  int status = 0;
  int64_t exp = now + WW_STORE_DRAFT_TTL * 1000;
  if (create && json_object_size(m->drafts) >= WW_STORE_DRAFTS_MAX) status = WW_STORE_ECONFLICT;
  else if (!create && old == NULL) status = WW_STORE_ENOTFOUND;
  json_t *rec = NULL;
  if (status == 0) {
    if (old) exp = exp_of(old);
    rec = json_pack("{s:o, s:I}", "d", d, "exp", (json_int_t)exp);
    d = NULL;
    size_t b = cost(rec) + ENTRY_COST(id), was = old ? bytes_of(old) : 0;
    if (b > was && !fits(&s->opts, m, b - was)) status = WW_STORE_EFULL;
    else put(m, m->drafts, id, rec, b), rec = NULL;
  }
  unlock(ms);
  json_decref(d);
  json_decref(rec);
  cb(ud, status, NULL);
}

static void m_draft_get(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  lock(ms);
  json_t *rec = live(ms->m, ms->m->drafts, id, ww__store_now_ms());
  json_t *out = rec ? json_deep_copy(json_object_get(rec, "d")) : NULL;
  unlock(ms);
  cb(ud, out ? 0 : WW_STORE_ENOTFOUND, out);
}

static void m_shadow_set(ww_store *s, const json_t *shadow, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  json_t *copy = shadow ? json_deep_copy(shadow) : NULL;
  if (shadow && copy == NULL) {
    cb(ud, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  lock(ms);
  json_t *old = ms->m->shadow;
  ms->m->shadow = copy;
  unlock(ms);
  json_decref(old);
  cb(ud, 0, NULL);
}

static void m_shadow_get(ww_store *s, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  lock(ms);
  json_t *out = ms->m->shadow ? json_deep_copy(ms->m->shadow) : NULL;
  unlock(ms);
  cb(ud, out ? 0 : WW_STORE_ENOTFOUND, out);
}

static int by_created_desc(const void *a, const void *b) {
  const char *x = json_string_value(json_object_get(*(json_t *const *)a, "createdAt"));
  const char *y = json_string_value(json_object_get(*(json_t *const *)b, "createdAt"));
  return strcmp(y ? y : "", x ? x : "");
}

static void m_drafts(ww_store *s, ww_store_cb cb, void *ud) {
  mstore *ms = (mstore *)s;
  lock(ms);
  sweep_map(ms->m, ms->m->drafts, ww__store_now_ms());
  size_t n = json_object_size(ms->m->drafts), k = 0;
  json_t **v = calloc(n ? n : 1, sizeof *v);
  const char *key;
  json_t *rec;
  if (v)
    json_object_foreach(ms->m->drafts, key, rec) v[k++] = ww__store_without_files(json_object_get(rec, "d"));
  unlock(ms);
  if (v == NULL) {
    cb(ud, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  qsort(v, k, sizeof *v, by_created_desc);   /* ISO times of one format sort as text */
  json_t *list = json_array();
  for (size_t i = 0; i < k; i++) json_array_append_new(list, v[i]);
  free(v);
  cb(ud, 0, json_pack("{s:o}", "drafts", list));
}

/* ---- the decision log ---- */

/* Drop the oldest entry of the ring (lock held). */
static void log_drop(ww_memstore *m) {
  json_decref(m->log[m->log_head].e);
  m->log_head = (m->log_head + 1) % m->log_cap;
  m->log_n--;
}

static void m_decision_log(ww_store *s, const json_t *fields) {
  mstore *ms = (mstore *)s;
  ww_codec_entry enc;
  if (ww_codec_entry_encode(fields, &enc) != 0) return;
  int64_t now = ww__store_now_ms();
  /* the entry as a reader of the Redis stream decodes it: the same on both stores */
  json_t *e = ww_codec_entry_new(now);
  for (int i = 0; e && i + 1 < enc.argc; i += 2)
    ww_codec_entry_put(e, enc.argv[i], strlen(enc.argv[i]), enc.argv[i + 1],
                       strlen(enc.argv[i + 1]));
  ww_codec_entry_release(&enc);
  if (e == NULL) {
    s->stats.log_errors++;
    return;
  }
  lock(ms);
  ww_memstore *m = ms->m;
  if (m->log == NULL) {
    long n = s->opts.decision_log_maxlen;
    m->log_cap = (size_t)(n < WW_STORE_MEMORY_LOG_MAX ? n : WW_STORE_MEMORY_LOG_MAX);
    m->log = calloc(m->log_cap, sizeof *m->log);
    if (m->log == NULL) m->log_cap = 0;
  }
  if (m->log_cap == 0) {
    unlock(ms);
    json_decref(e);
    s->stats.log_errors++;
    return;
  }
  if (m->log_n == m->log_cap) log_drop(m);
  int64_t keep_ms = (int64_t)s->opts.decision_log_days * 86400 * 1000;
  while (keep_ms > 0 && m->log_n > 0 && m->log[m->log_head].ms < now - keep_ms) log_drop(m);
  m->log[(m->log_head + m->log_n) % m->log_cap] = (struct logent){now, e};
  m->log_n++;
  unlock(ms);
}

static void m_decision_log_since(ww_store *s, int64_t since_ms, size_t max, ww_store_cb cb,
                                 void *ud) {
  mstore *ms = (mstore *)s;
  json_t *list = json_array();
  int truncated = 0;
  lock(ms);
  ww_memstore *m = ms->m;
  int64_t keep_ms = (int64_t)s->opts.decision_log_days * 86400 * 1000;
  int64_t from = keep_ms > 0 ? ww__store_now_ms() - keep_ms : INT64_MIN;
  if (since_ms > from) from = since_ms;
  for (size_t i = 0; list && i < m->log_n; i++) {
    const struct logent *le = &m->log[(m->log_head + i) % m->log_cap];
    if (le->ms < from) continue;
    if (json_array_size(list) == max) {
      truncated = 1;
      break;
    }
    json_array_append(list, le->e);
  }
  unlock(ms);
  json_t *out = list ? json_pack("{s:o, s:b}", "entries", list, "truncated", truncated) : NULL;
  cb(ud, out ? 0 : WW_STORE_EUNAVAIL, out);
}

static int m_ready(const ww_store *s) {
  (void)s;
  return 1;
}

static void on_sweep(uv_timer_t *t) {
  mstore *ms = t->data;
  if (pthread_mutex_trylock(&ms->m->mu) != 0) return;   /* another worker is sweeping */
  int64_t now = ww__store_now_ms();
  sweep_map(ms->m, ms->m->sessions, now);
  sweep_map(ms->m, ms->m->citizens, now);
  sweep_map(ms->m, ms->m->codes, now);
  sweep_map(ms->m, ms->m->fails, now);
  sweep_map(ms->m, ms->m->drafts, now);
  sweep_status(ms->m, now);
  unlock(ms);
}

static void on_closed(uv_handle_t *h) {
  mstore *ms = h->data;
  json_decref(ms->status);
  free(ms);
}

static void m_close(ww_store *s) {
  mstore *ms = (mstore *)s;
  uv_close((uv_handle_t *)&ms->sweep, on_closed);
}

static const ww_store_vt memory_vt = {
    .kind = "memory",
    .session_create = m_session_create,
    .session_get = m_session_get,
    .session_append = m_session_append,
    .append_citizen = m_append_citizen,
    .latest_for_citizen = m_latest_for_citizen,
    .latest_id = m_latest_id,
    .session_advised = m_session_advised,
    .handover_create = m_handover_create,
    .handover_claim = m_handover_claim,
    .status_set = m_status_set,
    .status_delete = m_status_delete,
    .status = m_status,
    .status_rank = m_status_rank,
    .decision_log = m_decision_log,
    .decision_log_since = m_decision_log_since,
    .rules_commit = m_rules_commit,
    .rules_versions = m_rules_versions,
    .rules_version = m_rules_version,
    .rules_live = m_rules_live,
    .rules_audit = m_rules_audit,
    .draft_put = m_draft_put,
    .draft_get = m_draft_get,
    .drafts = m_drafts,
    .shadow_set = m_shadow_set,
    .shadow_get = m_shadow_get,
    .ready = m_ready,
    .close = m_close,
};

ww_store *ww_store_memory_open(ww_memstore *shared, uv_loop_t *loop, const ww_store_opts *opts) {
  mstore *ms = calloc(1, sizeof *ms);
  if (ms == NULL) return NULL;
  ms->base.vt = &memory_vt;
  if (opts) ms->base.opts = *opts;
  ww_store_opts_defaults(&ms->base.opts);
  ms->m = shared;
  ms->status = json_object();
  if (ms->status == NULL || uv_timer_init(loop, &ms->sweep) != 0) {
    json_decref(ms->status);
    free(ms);
    return NULL;
  }
  ms->sweep.data = ms;
  uv_timer_start(&ms->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
  uv_unref((uv_handle_t *)&ms->sweep);   /* the sweep alone keeps no loop alive */
  return &ms->base;
}
