/* The Redis store: its key layout and operations (the ww_store interface on Redis).
 *
 * Key layout (every script but SC_APPEND_CITIZEN touches one hash slot; "{...}" is the
 * Redis Cluster hash tag):
 *   ww:{<sid>}:s      hash    id, citizenRef, service, channel, createdAt, updatedAt,
 *                             expiresAt, data (JSON text), czAt (epoch ms of the last slide
 *                             of the citizen index), advised (JSON {at, channel, name,
 *                             reason}: what the latest advice advised, SC_ADVISED) and
 *                             advisedAt (its 'at' as epoch ms: what orders them), x:<nonce> (a "claimed" event of
 *                             handover <nonce> is in) -- TTL session_ttl, sliding. Scripts
 *                             read it with HMGET of META_FIELDS (never the x: fields)
 *   ww:{<sid>}:ev     list    the events, oldest first, at most max_events -- same TTL. An
 *                             event is PACKED: at, channel, type, service ('' = none),
 *                             detail JSON ('' = none), joined by 0x1f (codec.h), so
 *                             the reply needs no JSON parsing and Redis one string per
 *                             event; or a JSON object {at, channel, type, service, detail}
 *                             (first byte '{') when it cannot be packed exactly (a 0x1f in
 *                             a string, service "", the handover event whose channel the
 *                             script fills in) and for events written before packing.
 *                             Readers take both. (Older versions also wrote ww:{<sid>}:el,
 *                             a flat copy of the latest 10; it is no longer read or
 *                             written and expires by itself.)
 *   ww:cz:{<ref>}     string  the citizen's latest session id -- TTL session_ttl + margin
 *                             (margin = ttl/8 in [1 s, 1 h]). An append slides it (SC_TOUCH,
 *                             a second command; SC_APPEND_CITIZEN in the same script) only
 *                             when the script finds czAt margin/2
 *                             or more old (or in the future), and then sets czAt = now. So
 *                             the last slide is < margin/2 (+ clock skew between instances,
 *                             which must stay below margin/2) before the session's last
 *                             update, and the index never expires before its session.
 *   ww:{hc}:codes     hash    code -> "<sid> <nonce> <expiry ms>" of each handover code
 *   ww:{hc}:exp       zset    code scored by its expiry ms: counts the live codes (the cap
 *                             handover_max_live) and finds the expired ones to sweep
 *   ww:{hc}:sess      hash    sid -> the session's live code (one per session)
 *                             -- the three live until the latest code's lapse ends; codes
 *                             past their expiry are never claimable (the scripts compare
 *                             it), a claim of one says "expired" for the lapse
 *                             (opts handover_lapse), then the next SC_HANDOVER
 *                             sweeps it (up to 64 a call)
 *   ww:{hc}:f:<client> string failed claims of a client -- TTL claim_fail_window
 *   ww:{hc}:fc:<caller> string failed claims of a caller (callerRef's keyed hash), same
 *   ww:{st}           hash    channel id -> status override JSON
 *   ww:{st}:ends      zset    channel id scored by its override's 'until' (epoch ms):
 *                             ended overrides are removed by the next change
 *   ww:{st}:v         string  the version of ww:{st}, one up at every change: a worker
 *                             shares the newest copy with the others of its instance
 *   ww:decisions      stream  the decision log (XADD MAXLEN ~ N; XTRIM MINID with
 *                             --decision-log-days, at most once a minute per handle)
 *   ww:rules:v:<version>  string  a rule-set version record, JSON {version, loadedAt,
 *                             source, actor, tests, files} (files: path -> text)
 *   ww:rules:versions list    version ids, newest first, at most WW_STORE_RULES_KEEP (the
 *                             live one and the last 20); an id committed again moves to
 *                             the front; the records of ids trimmed off are deleted
 *   ww:rules:live     string  the live version id
 *   ww:rules:audit    list    audit entries (JSON), newest first, at most 1000
 *   ww:rules:draft:<id> string a draft (JSON), PEXPIREAT its expiry (7 days after creation;
 *                             an update keeps it)
 *   ww:rules:drafts   zset    draft id scored by its expiry ms: lists and counts the
 *                             live drafts (at most WW_STORE_DRAFTS_MAX)
 *   ww:rules:shadow   string  the shadow run every instance follows (JSON with the
 *                             candidate's files); absent when none runs
 *   pub/sub channel ww:st:<db>  a status override changed (payload: channel id)
 *   pub/sub channel ww:rules:changed  a new live version (payload: its id); not per db:
 *                             a receiver reads ww:rules:live of its own db, so a message
 *                             from another db only costs that read
 *                             ("shadow": ww:rules:shadow was set or removed)
 * The ww:rules:* keys carry no hash tag: SC_RULES_COMMIT, SC_RULES_VERSIONS and SC_DRAFTS
 * touch records whose names they build (one Redis or a primary with replicas, as the
 * store supports; not Redis Cluster). Each rule-set change is one script, so atomic.
 * All codes and failure counters share the slot {hc}, so the rate check, the lookup and
 * the single-use delete of a claim are one script, and so are the choice of a free code,
 * the cap on live codes and the end of the session's previous code. A session lives in
 * its own slot, so changes that span a code (or the citizen index) and a session take two
 * steps:
 *   create    SC_CREATE on the session (czAt = now) + SET of the index, pipelined (one
 *             round trip);
 *             an index without its session is never followed (lookups read the session).
 *   handover  SC_HANDOVER (a free code of 8 candidates, the previous one ended), then
 *             SC_APPEND of the "handover" event; if the second step fails the code is
 *             taken back (SC_CODE_DEL; it was never shown to anyone) -- the previous code
 *             stays ended.
 *   claim     SC_CLAIM on {hc}, then SC_APPEND of "claimed" with the code's nonce as a
 *             once-token (retries do not duplicate it). If Redis fails between the two,
 *             the code is spent and the claim answers 503: a code is never claimed twice.
 *   append    SC_APPEND on the session: one command; plus SC_TOUCH of the index when the
 *             script says so (at most every margin/2 per session).
 *   citizen   SC_APPEND_CITIZEN (an advice with a citizen.id): the index lookup, the
 *             append to the session it names and the index's slide in ONE script, one
 *             round trip. It builds the session's keys from the index's value, which a
 *             single primary allows (also behind Sentinel) and Redis Cluster does not: a
 *             Cluster client would GET the index, then send SC_APPEND to the session's
 *             slot (ww_store_session_latest_id + append; the layout stays as it is).
 * Nothing uses WATCH or MULTI (the connection is shared by all requests of a worker).
 *
 * The parts: redis_conn.c (connections, Sentinel, deadlines: the command pipeline this
 * file sends through), redis_reply.c (every reply into values or JSON), redis_scripts.c
 * (the scripts), codec.c (the stored form of events and decision-log entries). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "session/session.h"
#include "store/codec.h"
#include "store/logread.h"
#include "store/redis_conn.h"
#include "store/redis_reply.h"
#include "util/crypto.h"

#define CODE_TRIES 8

/* One operation in flight (several commands for some). */
typedef struct rop {
  ww_store_cb cb;
  void *ud;
  int flags;
  int pending;               /* create: replies still to come */
  int status;
  json_t *result;            /* owned until delivered */
  char sid[WW_SESSION_ID_LEN + 1];
  char code[WW_HANDOVER_CODE_LEN + 1];
  char nonce[17];
  char t_now[32], t_exp[32];
  int64_t now_ms;            /* the time of t_now */
  char *channel, *to, *client;   /* owned copies */
  char ref[72];
} rop;

static rop *op_new(ww_store_cb cb, void *ud) {
  rop *o = calloc(1, sizeof *o);
  if (o) {
    o->cb = cb;
    o->ud = ud;
  }
  return o;
}

static void op_done(rop *o, int status, json_t *result) {
  ww_store_cb cb = o->cb;
  void *ud = o->ud;
  free(o->channel);
  free(o->to);
  free(o->client);
  json_decref(o->result);
  free(o);
  cb(ud, status, result);
}

#define NEW_OP(o, cb, ud)                        \
  rop *o = op_new((cb), (ud));                   \
  if (o == NULL) {                               \
    st->base.stats.errors++;                     \
    (cb)((ud), WW_STORE_EUNAVAIL, NULL);         \
    return;                                      \
  }

/* ww:{<sid>}:s and ww:{<sid>}:ev ('sid' is a valid session id: WW_SESSION_ID_LEN hex). */
static void session_keys(const char *sid, char ks[48], char kev[48]) {
  _Static_assert(WW_SESSION_ID_LEN + 8 <= 48, "session key buffers");
  memcpy(ks, "ww:{", 4);
  memcpy(ks + 4, sid, WW_SESSION_ID_LEN);
  memcpy(ks + 4 + WW_SESSION_ID_LEN, "}:s", 4);
  memcpy(kev, ks, 4 + WW_SESSION_ID_LEN);
  memcpy(kev + 4 + WW_SESSION_ID_LEN, "}:ev", 5);
}

static void times(rop *o, long ttl_s) {
  int64_t now = ww__store_now_ms();
  o->now_ms = now;
  ww_session_time(now, o->t_now);
  ww_session_time(now + (int64_t)ttl_s * 1000, o->t_exp);
}

/* The citizen index's margin in seconds for 'session_ttl': ttl/8, at least 1, at most 3600.
 * The index lives session_ttl + margin, and an append slides it only when its last slide
 * was margin/2 or more ago. */
static long cz_margin(long session_ttl) {
  long m = session_ttl / 8;
  return m < 1 ? 1 : m > 3600 ? 3600 : m;
}

/* The citizen index's TTL: the session's plus the margin (see the key layout). */
static void cz_ttl(const rstore *st, char out[24]) {
  long ttl = st->base.opts.session_ttl;
  snprintf(out, 24, "%ld", ttl + cz_margin(ttl));
}

/* -- create -- */

static void create_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  rop *o = op;
  if (status != 0) o->status = status;
  else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) o->status = WW_STORE_ECONFLICT;
  if (--o->pending > 0) return;
  if (o->status != 0) {
    op_done(o, o->status, NULL);
    return;
  }
  json_t *res = o->result;
  o->result = NULL;
  op_done(o, 0, res);
}

static void r_session_create(ww_store *s, const json_t *in, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  const json_t *data = json_object_get(in, "data");   /* limits checked in store.c */
  const char *channel = json_string_value(json_object_get(in, "channel"));
  NEW_OP(o, cb, ud);
  if (ww_session_new_id(o->sid) != 0) {
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  times(o, s->opts.session_ttl);
  const char *ref = json_string_value(json_object_get(in, "citizenRef"));
  const char *service = json_string_value(json_object_get(in, "service"));
  char *djson = json_is_object(data) ? json_dumps(data, JSON_COMPACT) : strdup("{}");
  char ks[48], kev[48], ttl[24], czttl[24], now_ms[24];
  session_keys(o->sid, ks, kev);
  snprintf(ttl, sizeof ttl, "%ld", s->opts.session_ttl);
  cz_ttl(st, czttl);
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)o->now_ms);
  o->result = ww_session_build(o->sid, ref, service, channel, o->t_now, o->t_now, o->t_exp,
                               json_array(), json_is_object(data) ? json_deep_copy(data) : NULL);
  if (djson == NULL || o->result == NULL) {
    free(djson);
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  int with_ref = ref && ref[0];
  o->pending = with_ref ? 2 : 1;
  const char *args[11] = {ks, kev, o->sid, ref ? ref : "", service ? service : "",
                          channel, o->t_now, o->t_exp, ttl, djson, now_ms};
  /* Both go out in one write; the index is set even if the script would fail, which is
   * harmless: a lookup reads the session it names. */
  char kcz[96];
  if (with_ref) {
    snprintf(kcz, sizeof kcz, "ww:cz:{%s}", ref);
    const char *argv[5] = {"SET", kcz, o->sid, "EX", czttl};
    ww__redis_script(st, SC_CREATE, create_step, o, 2, 9, args, NULL);
    /* 'o' is alive until both replies came (pending = 2) */
    ww__redis_command(st, create_step, o, 5, argv, NULL);
  } else {
    ww__redis_script(st, SC_CREATE, create_step, o, 2, 9, args, NULL);
  }
  free(djson);
}

/* -- get -- */

static void get_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  rop *o = op;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  json_t *sess = ww__redis_get_of(r);   /* NULL also for nil: unknown or expired */
  op_done(o, sess ? 0 : WW_STORE_ENOTFOUND, sess);
}

static void get_by_id(rstore *st, rop *o) {
  char ks[48], kev[48];
  session_keys(o->sid, ks, kev);
  const char *args[2] = {ks, kev};
  ww__redis_script(st, SC_GET, get_step, o, 2, 0, args, NULL);
}

static void r_session_get(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  if (!ww_session_id_valid(id)) {   /* also keeps odd bytes out of key names */
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  NEW_OP(o, cb, ud);
  memcpy(o->sid, id, WW_SESSION_ID_LEN + 1);
  get_by_id(st, o);
}

/* -- append -- */

/* Slide the citizen index; SC_APPEND says when (at most every margin/2 per session). */
static void touch_citizen(rstore *st, const char *ref, const char *sid) {
  char kcz[96], ttl[24];
  snprintf(kcz, sizeof kcz, "ww:cz:{%s}", ref);
  cz_ttl(st, ttl);
  const char *args[3] = {kcz, sid, ttl};
  ww__redis_script(st, SC_TOUCH, NULL, NULL, 1, 2, args, NULL);
}

/* Reply of SC_APPEND into the session (and slide the citizen index when the script says
 * so). New or NULL. */
static json_t *appended(rstore *st, rop *o, const redisReply *r) {
  long long count;
  int touch;
  json_t *sess = ww__redis_append_of(r, o->t_now, o->t_exp, &count, &touch);
  if (sess == NULL) return NULL;
  if (o->flags & WW_STORE_LEAN) json_object_set_new(sess, "eventCount", json_integer(count));
  if (touch) {
    const char *ref = json_string_value(json_object_get(sess, "citizenRef"));
    if (ref && ref[0]) touch_citizen(st, ref, o->sid);
  }
  return sess;
}

static void append_step(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  if (r->type == REDIS_REPLY_NIL) {
    op_done(o, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  json_t *sess = appended(st, o, r);
  op_done(o, sess ? 0 : WW_STORE_EUNAVAIL, sess);
}

/* SC_APPEND of 'ev' (borrowed input event) to o->sid, answered by 'fn'; or, with 'ref',
 * SC_APPEND_CITIZEN to the citizen's latest session (o->sid is set from the reply). */
static void append_cmd(rstore *st, rop *o, const json_t *in, int lean, const char *once,
                       int fill_channel, const char *ref, reply_fn fn) {
  json_t *ev = ww_session_event(o->t_now, in);
  if (fill_channel)   /* the script fills in the channel: it must read JSON */
    json_object_set_new(ev, "channel", json_string(""));
  char *evs = ww_codec_event_encode(ev, fill_channel ? WW_CODEC_JSON : WW_CODEC_PACK);
  json_decref(ev);
  if (evs == NULL) {
    ww__redis_unavailable(st, fn, o);
    return;
  }
  char ks[48], kev[48], kcz[96], czttl[24], n[16], now_ms[24];
  snprintf(n, sizeof n, "%d", lean ? WW_STORE_LEAN_EVENTS : 0);
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)o->now_ms);
  const char *args[13] = {ks, kev, evs, st->a_ttl, st->a_max, o->t_now, o->t_exp, n,
                          once ? once : "", fill_channel ? "1" : "0", now_ms, st->a_every,
                          czttl};
  if (ref) {   /* one key: the index; the script finds the session's */
    snprintf(kcz, sizeof kcz, "ww:cz:{%s}", ref);
    cz_ttl(st, czttl);
    args[1] = kcz;
    ww__redis_script(st, SC_APPEND_CITIZEN, fn, o, 1, 11, args + 1, NULL);
  } else {
    session_keys(o->sid, ks, kev);
    ww__redis_script(st, SC_APPEND, fn, o, 2, 10, args, NULL);
  }
  free(evs);
}

static void r_session_append(ww_store *s, const char *id, const json_t *event, int flags,
                             ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  if (!ww_session_id_valid(id)) {
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  NEW_OP(o, cb, ud);
  memcpy(o->sid, id, WW_SESSION_ID_LEN + 1);
  o->flags = flags;
  times(o, s->opts.session_ttl);
  append_cmd(st, o, event, flags & WW_STORE_LEAN, NULL, (flags & WW_STORE_FILL_CHANNEL) != 0,
             NULL, append_step);
}

/* The reply of SC_APPEND_CITIZEN: SC_APPEND's plus the session's id. */
static void append_citizen_step(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status == 0 && r->type == REDIS_REPLY_NIL) status = WW_STORE_ENOTFOUND;
  if (status == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements < 5 ||
                      r->element[4]->type != REDIS_REPLY_STRING ||
                      !ww_session_id_valid(r->element[4]->str)))
    status = WW_STORE_EUNAVAIL;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  memcpy(o->sid, r->element[4]->str, WW_SESSION_ID_LEN + 1);
  json_t *sess = appended(st, o, r);   /* touch is 0: the script slid the index */
  op_done(o, sess ? 0 : WW_STORE_EUNAVAIL, sess);
}

static void r_append_citizen(ww_store *s, const char *ref, const json_t *event, int flags,
                             ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  if (ref == NULL || ref[0] == '\0' || strlen(ref) > 64) {
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  NEW_OP(o, cb, ud);
  o->flags = flags;
  times(o, s->opts.session_ttl);
  append_cmd(st, o, event, flags & WW_STORE_LEAN, NULL, (flags & WW_STORE_FILL_CHANNEL) != 0,
             ref, append_citizen_step);
}

/* -- what an advice advised -- */

static void advised_step(rstore *st, void *op, int status, redisReply *r) {
  (void)op;
  (void)r;
  if (status != 0) st->base.stats.log_errors++;
}

static void r_session_advised(ww_store *s, const char *id, const json_t *advised) {
  rstore *st = (rstore *)s;
  char *js = json_dumps(advised, JSON_COMPACT);
  /* Not ready: lost and counted, as a decision-log write; the answer is already out. */
  if (js == NULL || !ww__redis_ready(st)) {
    st->base.stats.log_errors++;
    free(js);
    return;
  }
  char ks[48], kev[48], at_ms[24];
  session_keys(id, ks, kev);
  snprintf(at_ms, sizeof at_ms, "%lld",
           (long long)ww_session_time_ms(json_string_value(json_object_get(advised, "at"))));
  const char *args[3] = {ks, js, at_ms};
  ww__redis_script(st, SC_ADVISED, advised_step, NULL, 1, 2, args, NULL);
  free(js);
}

/* -- latest for citizen -- */

static void latest_step(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  if (r->type != REDIS_REPLY_STRING || !ww_session_id_valid(r->str)) {
    op_done(o, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  memcpy(o->sid, r->str, WW_SESSION_ID_LEN + 1);
  get_by_id(st, o);
}

/* GET the citizen index (the latest session id) and go on in 'step'. */
static void get_citizen_index(ww_store *s, const char *ref, reply_fn step, ww_store_cb cb,
                              void *ud) {
  rstore *st = (rstore *)s;
  if (ref == NULL || ref[0] == '\0' || strlen(ref) > 64) {
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  NEW_OP(o, cb, ud);
  char kcz[96];
  snprintf(kcz, sizeof kcz, "ww:cz:{%s}", ref);
  const char *argv[2] = {"GET", kcz};
  ww__redis_command(st, step, o, 2, argv, NULL);
}

static void r_latest_for_citizen(ww_store *s, const char *ref, ww_store_cb cb, void *ud) {
  get_citizen_index(s, ref, latest_step, cb, ud);
}

static void latest_id_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  rop *o = op;
  if (status != 0) {
    op_done(o, status, NULL);
  } else if (r->type != REDIS_REPLY_STRING || !ww_session_id_valid(r->str)) {
    op_done(o, WW_STORE_ENOTFOUND, NULL);
  } else {
    op_done(o, 0, json_pack("{s:s}", "id", r->str));
  }
}

static void r_latest_id(ww_store *s, const char *ref, ww_store_cb cb, void *ud) {
  get_citizen_index(s, ref, latest_id_step, cb, ud);
}

/* -- handover -- */

/* The keys of the handover codes, all in slot {hc} (see the key layout). */
static const char *const code_keys[3] = {"ww:{hc}:codes", "ww:{hc}:exp", "ww:{hc}:sess"};

static void handover_unreserve(rstore *st, rop *o) {
  const char *args[5] = {code_keys[0], code_keys[1], code_keys[2], o->code, o->sid};
  ww__redis_script(st, SC_CODE_DEL, NULL, NULL, 3, 2, args, NULL);
}

static void handover_appended(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status == 0 && r->type == REDIS_REPLY_NIL) status = WW_STORE_ENOTFOUND;
  if (status == 0) {
    json_t *sess = appended(st, o, r);
    if (sess == NULL) status = WW_STORE_EUNAVAIL;
    json_decref(sess);
  }
  if (status != 0) {
    handover_unreserve(st, o);   /* best effort: nobody was told the code */
    op_done(o, status, NULL);
    return;
  }
  op_done(o, 0, json_pack("{s:s, s:s, s:s}", "code", o->code, "expiresAt", o->ref,
                          "sessionId", o->sid));
}

static void handover_reserved(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  int verdict = ww__redis_handover_of(r, o->code);
  if (verdict != 1) {
    op_done(o, verdict == 0 ? WW_STORE_ECONFLICT : verdict == -2 ? WW_STORE_EFULL
                                                                 : WW_STORE_EUNAVAIL, NULL);
    return;
  }
  /* t_now/t_exp are for the session; the code's expiry was kept in o->ref */
  json_t *in = json_pack("{s:s, s:{s:s, s:o, s:s}}", "type", "handover", "detail", "code",
                         o->code, "to", o->to ? json_string(o->to) : json_null(), "expiresAt",
                         o->ref);
  if (o->channel) json_object_set_new(in, "channel", json_string(o->channel));
  append_cmd(st, o, in, 0, NULL, o->channel == NULL, NULL, handover_appended);
  json_decref(in);
}

static void r_handover_create(ww_store *s, const char *sid, const char *channel,
                              const char *to, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  if (!ww_session_id_valid(sid)) {
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  NEW_OP(o, cb, ud);
  memcpy(o->sid, sid, WW_SESSION_ID_LEN + 1);
  times(o, s->opts.session_ttl);
  int64_t exp = o->now_ms + (int64_t)s->opts.handover_ttl * 1000;
  ww_session_time(exp, o->ref);
  char cand[CODE_TRIES][WW_HANDOVER_CODE_LEN + 1];
  int ok = ww_random_hex(o->nonce, 8) == 0;
  for (int i = 0; i < CODE_TRIES && ok; i++) ok = ww_handover_new_code(cand[i]) == 0;
  if (!ok || (channel && (o->channel = strdup(channel)) == NULL) ||
      (to && (o->to = strdup(to)) == NULL)) {
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  char now_ms[24], exp_ms[24], max[24], ttl_ms[24], lapse_ms[24];
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)o->now_ms);
  snprintf(exp_ms, sizeof exp_ms, "%lld", (long long)exp);
  snprintf(max, sizeof max, "%ld", s->opts.handover_max_live);
  snprintf(ttl_ms, sizeof ttl_ms, "%lld",
           (long long)(s->opts.handover_ttl + s->opts.handover_lapse) * 1000);
  snprintf(lapse_ms, sizeof lapse_ms, "%lld", (long long)s->opts.handover_lapse * 1000);
  const char *args[10 + CODE_TRIES] = {code_keys[0], code_keys[1], code_keys[2], o->sid,
                                       o->nonce, now_ms, exp_ms, max, ttl_ms, lapse_ms};
  for (int i = 0; i < CODE_TRIES; i++) args[10 + i] = cand[i];
  ww__redis_script(st, SC_HANDOVER, handover_reserved, o, 3, 7 + CODE_TRIES, args, NULL);
}

/* -- claim -- */

static void claim_appended(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status == 0 && r->type == REDIS_REPLY_NIL) status = WW_STORE_ENOTFOUND;   /* expired */
  json_t *sess = status == 0 ? appended(st, o, r) : NULL;
  if (status == 0 && sess == NULL) status = WW_STORE_EUNAVAIL;
  op_done(o, status, sess);
}

static void claim_checked(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1) {
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  long long retry = 0;
  int verdict = ww__redis_claim_of(r, o->sid, o->nonce, &retry);
  if (verdict < 0) {
    op_done(o, WW_STORE_ELIMIT, json_pack("{s:I}", "retryAfter", (json_int_t)retry));
    return;
  }
  if (verdict == 0 || verdict == 2) {
    op_done(o, verdict == 2 ? WW_STORE_EEXPIRED : WW_STORE_ENOTFOUND, NULL);
    return;
  }
  times(o, st->base.opts.session_ttl);
  json_t *in = json_pack("{s:s?, s:s, s:{s:s}}", "channel", o->channel, "type", "claimed",
                         "detail", "code", o->code);
  /* no channel given: the session's */
  append_cmd(st, o, in, 0, o->nonce, o->channel == NULL, NULL, claim_appended);
  json_decref(in);
}

static void r_handover_claim(ww_store *s, const char *code, const char *channel,
                             const char *client, const char *caller, ww_store_cb cb,
                             void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  /* A malformed code is just an unknown one (and counts as a failure). */
  snprintf(o->code, sizeof o->code, "%s", ww_handover_code_valid(code) ? code : "x");
  if (channel && (o->channel = strdup(channel)) == NULL) {
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  char kf[300], kc[300], limit[16], window[24], now_ms[24], shared[16], lapse_ms[24];
  snprintf(kf, sizeof kf, "ww:{hc}:f:%.256s", client);
  snprintf(kc, sizeof kc, "ww:{hc}:fc:%.256s", caller ? caller : "");
  snprintf(limit, sizeof limit, "%d", s->opts.claim_fail_limit);
  snprintf(window, sizeof window, "%ld", s->opts.claim_fail_window);
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)ww__store_now_ms());
  snprintf(shared, sizeof shared, "%d", s->opts.claim_fail_shared_limit);
  snprintf(lapse_ms, sizeof lapse_ms, "%lld", (long long)s->opts.handover_lapse * 1000);
  const char *args[12] = {code_keys[0], code_keys[1], code_keys[2], kf, caller ? kc : kf,
                          limit, window, o->code, now_ms, shared, lapse_ms,
                          caller ? "1" : "0"};
  ww__redis_script(st, SC_CLAIM, claim_checked, o, 5, 7, args, NULL);
}

/* -- status -- */

static const char *const ST_KEYS[3] = {"ww:{st}", "ww:{st}:ends", "ww:{st}:v"};

/* This worker sees its own change at once (its copy patched, ranked below a full read of
 * the same version); the others through pub/sub, and the workers of this instance at once
 * through the copy it shares (api/app.c). */
static void status_patch(rstore *st, const char *id, json_t *entry, long long version) {
  json_t *next = json_copy(st->status);
  if (next == NULL) return;
  if (entry) json_object_set(next, id, entry);
  else json_object_del(next, id);
  json_decref(st->status);
  st->status = next;
  uint64_t rank = (uint64_t)version * 2;
  if (rank > st->status_rank) st->status_rank = rank;
}

static void status_step(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  status_patch(st, o->channel, o->result, r->type == REDIS_REPLY_INTEGER ? r->integer : 0);
  json_t *res = json_deep_copy(o->result);
  op_done(o, 0, res);
}

static void r_status_set(ww_store *s, const char *id, const json_t *status, ww_store_cb cb,
                         void *ud) {
  rstore *st = (rstore *)s;
  if (!json_is_object(status) || id == NULL) {
    cb(ud, WW_STORE_EINVAL, NULL);
    return;
  }
  NEW_OP(o, cb, ud);
  times(o, 0);
  o->result = json_deep_copy(status);
  json_object_set_new(o->result, "channel", json_string(id));
  json_object_set_new(o->result, "updatedAt", json_string(o->t_now));
  char *j = json_dumps(o->result, JSON_COMPACT);
  if ((o->channel = strdup(id)) == NULL || j == NULL) {
    free(j);
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  char until[24] = "", now[24];
  int64_t u = ww_session_status_until(status);
  if (u != INT64_MAX) snprintf(until, sizeof until, "%lld", (long long)u * 1000);
  snprintf(now, sizeof now, "%lld", (long long)ww__store_now_ms());
  const char *args[8] = {ST_KEYS[0], ST_KEYS[1], ST_KEYS[2], id, j, st->pubsub, until, now};
  ww__redis_script(st, SC_STATUS, status_step, o, 3, 5, args, NULL);
  free(j);
}

static void status_del_step(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  if (status == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
                      r->element[0]->type != REDIS_REPLY_INTEGER ||
                      r->element[1]->type != REDIS_REPLY_INTEGER))
    status = WW_STORE_EUNAVAIL;
  if (status == 0 && r->element[0]->integer == 0) status = WW_STORE_ENOTFOUND;
  if (status == 0) status_patch(st, o->channel, NULL, r->element[1]->integer);
  op_done(o, status, NULL);
}

static void r_status_delete(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  if ((o->channel = strdup(id)) == NULL) {
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  char now[24];
  snprintf(now, sizeof now, "%lld", (long long)ww__store_now_ms());
  const char *args[6] = {ST_KEYS[0], ST_KEYS[1], ST_KEYS[2], id, st->pubsub, now};
  ww__redis_script(st, SC_STATUS_DEL, status_del_step, o, 3, 3, args, NULL);
}

static const json_t *r_status(ww_store *s) { return ((rstore *)s)->status; }
static uint64_t r_status_rank(ww_store *s) { return ((rstore *)s)->status_rank; }

/* -- decision log -- */

static void log_step(rstore *st, void *op, int status, redisReply *r) {
  (void)op;
  (void)r;
  if (status != 0) st->base.stats.log_errors++;
}

static void r_decision_log(ww_store *s, const json_t *fields) {
  rstore *st = (rstore *)s;
  ww_codec_entry e;
  if (ww_codec_entry_encode(fields, &e) != 0) return;
  if (e.argc == 0) {
    ww_codec_entry_release(&e);
    return;
  }
  const char *argv[6 + 2 * WW_CODEC_LOG_FIELDS];
  char maxlen[24];
  snprintf(maxlen, sizeof maxlen, "%ld", s->opts.decision_log_maxlen);
  int argc = 0;
  argv[argc++] = "XADD";
  argv[argc++] = WW_CODEC_LOG_KEY;
  argv[argc++] = "MAXLEN";
  argv[argc++] = "~";
  argv[argc++] = maxlen;
  argv[argc++] = "*";
  for (int i = 0; i < e.argc; i++) argv[argc++] = e.argv[i];
  /* Not ready: the write is lost, counted, and the request never waits for it. */
  if (!ww__redis_ready(st)) st->base.stats.log_errors++;
  else ww__redis_command(st, log_step, NULL, argc, argv, NULL);
  ww_codec_entry_release(&e);
  /* Retention by age: XADD trims by one strategy only, so MINID is a command of its own. */
  int64_t now = ww__store_now_ms();
  if (s->opts.decision_log_days > 0 && ww__redis_ready(st) && now - st->log_trimmed_ms >= 60000) {
    char minid[24];
    snprintf(minid, sizeof minid, "%lld",
             (long long)(now - (int64_t)s->opts.decision_log_days * 86400 * 1000));
    /* exact, not "~": approximate trimming keeps a node with one young entry whole */
    const char *trim[4] = {"XTRIM", WW_CODEC_LOG_KEY, "MINID", minid};
    ww__redis_command(st, log_step, NULL, 4, trim, NULL);
    st->log_trimmed_ms = now;
  }
}

static void log_since_step(rstore *st, void *op, int status, redisReply *r) {
  rop *o = op;
  (void)st;
  if (status == 0 && r->type != REDIS_REPLY_ARRAY) status = WW_STORE_EUNAVAIL;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  json_t *list = json_array();
  for (size_t i = 0; list && i < r->elements; i++) {
    int64_t ms;
    json_t *e = ww_log_stream_entry(r->element[i], &ms);
    if (e) json_array_append_new(list, e);
  }
  /* one more than asked was read: its presence says there is more */
  int truncated = list && (long)json_array_size(list) > o->flags;
  if (truncated) json_array_remove(list, json_array_size(list) - 1);
  json_t *out = list ? json_pack("{s:o, s:b}", "entries", list, "truncated", truncated) : NULL;
  op_done(o, out ? 0 : WW_STORE_EUNAVAIL, out);
}

static void r_decision_log_since(ww_store *s, int64_t since_ms, size_t max, ww_store_cb cb,
                                 void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  if (max > 1000000) max = 1000000;
  o->flags = (int)max;   /* the ask, for the step */
  int64_t from = since_ms < 0 ? 0 : since_ms;
  if (s->opts.decision_log_days > 0) {   /* what is past retention but not yet trimmed */
    int64_t keep = ww__store_now_ms() - (int64_t)s->opts.decision_log_days * 86400 * 1000;
    if (keep > from) from = keep;
  }
  char start[24], count[24];
  snprintf(start, sizeof start, "%lld", (long long)from);
  snprintf(count, sizeof count, "%zu", max + 1);
  const char *argv[6] = {"XRANGE", WW_CODEC_LOG_KEY, start, "+", "COUNT", count};
  ww__redis_command(st, log_since_step, o, 6, argv, NULL);
}

/* -- rule-set history and drafts -- */

#define RULES_VERSIONS "ww:rules:versions"
#define RULES_LIVE "ww:rules:live"
#define RULES_AUDIT "ww:rules:audit"
#define RULES_V_PREFIX "ww:rules:v:"
#define DRAFT_PREFIX "ww:rules:draft:"
#define DRAFT_INDEX "ww:rules:drafts"

/* A bulk string reply as JSON (new), or NULL. */
static json_t *json_of(const redisReply *r) {
  if (r == NULL || r->type != REDIS_REPLY_STRING) return NULL;
  return json_loadb(r->str, r->len, JSON_ALLOW_NUL, NULL);
}

static void done_null(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  (void)r;
  op_done(op, status, NULL);
}

static void r_rules_commit(ww_store *s, const char *version, const json_t *record,
                           const json_t *audit, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  char *rj = json_dumps(record, JSON_COMPACT);
  char *aj = audit ? json_dumps(audit, JSON_COMPACT) : strdup("");
  if (rj == NULL || aj == NULL) {
    free(rj);
    free(aj);
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  char kv[48], keep[16], akeep[16];
  snprintf(kv, sizeof kv, RULES_V_PREFIX "%s", version);
  snprintf(keep, sizeof keep, "%d", WW_STORE_RULES_KEEP);
  snprintf(akeep, sizeof akeep, "%d", WW_STORE_AUDIT_KEEP);
  const char *args[11] = {RULES_VERSIONS, RULES_LIVE, RULES_AUDIT, kv, version, rj, aj,
                          keep, akeep, WW_STORE_RULES_CHANNEL, RULES_V_PREFIX};
  ww__redis_script(st, SC_RULES_COMMIT, done_null, o, 4, 7, args, NULL);
  free(rj);
  free(aj);
}

static void versions_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  if (status == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
                      r->element[0]->type != REDIS_REPLY_STRING ||
                      r->element[1]->type != REDIS_REPLY_ARRAY))
    status = WW_STORE_EUNAVAIL;
  if (status != 0) {
    op_done(op, status, NULL);
    return;
  }
  json_t *list = json_array();
  for (size_t i = 0; i < r->element[1]->elements; i++) {
    json_t *rec = json_of(r->element[1]->element[i]);
    if (rec) json_array_append_new(list, ww__store_without_files(rec));
    json_decref(rec);
  }
  const char *live = r->element[0]->str;
  op_done(op, 0, json_pack("{s:s?, s:o}", "live", live[0] ? live : NULL, "versions", list));
}

static void r_rules_versions(ww_store *s, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  const char *args[3] = {RULES_VERSIONS, RULES_LIVE, RULES_V_PREFIX};
  ww__redis_script(st, SC_RULES_VERSIONS, versions_step, o, 2, 1, args, NULL);
}

/* GET of one JSON value: ENOTFOUND for nil. */
static void get_json_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  if (status != 0) {
    op_done(op, status, NULL);
    return;
  }
  json_t *j = json_of(r);
  op_done(op, j ? 0 : WW_STORE_ENOTFOUND, j);
}

static void get_json(rstore *st, const char *prefix, const char *id, ww_store_cb cb,
                     void *ud) {
  NEW_OP(o, cb, ud);
  char key[64];
  snprintf(key, sizeof key, "%s%s", prefix, id);
  const char *argv[2] = {"GET", key};
  ww__redis_command(st, get_json_step, o, 2, argv, NULL);
}

static void r_rules_version(ww_store *s, const char *version, ww_store_cb cb, void *ud) {
  get_json((rstore *)s, RULES_V_PREFIX, version, cb, ud);
}

static void live_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  if (status != 0) {
    op_done(op, status, NULL);
    return;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
      r->element[0]->type != REDIS_REPLY_STRING) {
    op_done(op, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  json_t *out = r->elements > 1 ? json_of(r->element[1])
                                : json_pack("{s:s}", "version", r->element[0]->str);
  op_done(op, out ? 0 : WW_STORE_ENOTFOUND, out);
}

static void r_rules_live(ww_store *s, int full, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  const char *args[3] = {RULES_LIVE, RULES_V_PREFIX, full ? "1" : "0"};
  ww__redis_script(st, SC_RULES_LIVE, live_step, o, 1, 2, args, NULL);
}

/* An array of JSON strings into {name: [values]} (the unparsable skipped; 'strip': without
 * their "files"). */
static json_t *json_list_of(const redisReply *r, const char *name, int strip) {
  json_t *list = json_array();
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
    json_t *j = json_of(r->element[i]);
    if (j) json_array_append_new(list, strip ? ww__store_without_files(j) : json_incref(j));
    json_decref(j);
  }
  return json_pack("{s:o}", name, list);
}

static void audit_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  op_done(op, status, status == 0 ? json_list_of(r, "entries", 0) : NULL);
}

static void r_rules_audit(ww_store *s, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  const char *argv[4] = {"LRANGE", RULES_AUDIT, "0", "-1"};
  ww__redis_command(st, audit_step, o, 4, argv, NULL);
}

static void draft_put_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  if (status == 0 && r->type != REDIS_REPLY_INTEGER) status = WW_STORE_EUNAVAIL;
  if (status == 0 && r->integer != 1)
    status = r->integer < 0 ? WW_STORE_ECONFLICT : WW_STORE_ENOTFOUND;
  op_done(op, status, NULL);
}

static void r_draft_put(ww_store *s, const char *id, const json_t *draft, int create,
                        ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  char *dj = json_dumps(draft, JSON_COMPACT);
  if (dj == NULL) {
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  int64_t now = ww__store_now_ms();
  char key[64], exp[24], now_ms[24], max[16];
  snprintf(key, sizeof key, DRAFT_PREFIX "%s", id);
  snprintf(exp, sizeof exp, "%lld", (long long)(now + WW_STORE_DRAFT_TTL * 1000));
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)now);
  snprintf(max, sizeof max, "%d", WW_STORE_DRAFTS_MAX);
  const char *args[8] = {key, DRAFT_INDEX, id, dj, exp, now_ms, create ? "1" : "0", max};
  ww__redis_script(st, SC_DRAFT_PUT, draft_put_step, o, 2, 6, args, NULL);
  free(dj);
}

static void r_draft_get(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  get_json((rstore *)s, DRAFT_PREFIX, id, cb, ud);
}

static void drafts_step(rstore *st, void *op, int status, redisReply *r) {
  (void)st;
  op_done(op, status, status == 0 ? json_list_of(r, "drafts", 1) : NULL);
}

static void r_drafts(ww_store *s, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  char now_ms[24];
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)ww__store_now_ms());
  const char *args[3] = {DRAFT_INDEX, now_ms, DRAFT_PREFIX};
  ww__redis_script(st, SC_DRAFTS, drafts_step, o, 1, 2, args, NULL);
}

#define SHADOW_KEY "ww:rules:shadow"

static void r_shadow_set(ww_store *s, const json_t *shadow, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  NEW_OP(o, cb, ud);
  char *j = shadow ? json_dumps(shadow, JSON_COMPACT) : strdup("");
  if (j == NULL) {
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  const char *args[3] = {SHADOW_KEY, j, WW_STORE_RULES_CHANNEL};
  ww__redis_script(st, SC_SHADOW, done_null, o, 1, 2, args, NULL);
  free(j);
}

static void r_shadow_get(ww_store *s, ww_store_cb cb, void *ud) {
  get_json((rstore *)s, SHADOW_KEY, "", cb, ud);
}

/* -- lifecycle -- */

static int r_ready(const ww_store *s) { return ww__redis_ready((const rstore *)s); }

static void r_close(ww_store *s) { ww__redis_close((rstore *)s); }

static const ww_store_vt redis_vt = {
    .kind = "redis",
    .session_create = r_session_create,
    .session_get = r_session_get,
    .session_append = r_session_append,
    .append_citizen = r_append_citizen,
    .latest_for_citizen = r_latest_for_citizen,
    .latest_id = r_latest_id,
    .session_advised = r_session_advised,
    .handover_create = r_handover_create,
    .handover_claim = r_handover_claim,
    .status_set = r_status_set,
    .status_delete = r_status_delete,
    .status = r_status,
    .status_rank = r_status_rank,
    .decision_log = r_decision_log,
    .rules_commit = r_rules_commit,
    .rules_versions = r_rules_versions,
    .rules_version = r_rules_version,
    .rules_live = r_rules_live,
    .rules_audit = r_rules_audit,
    .draft_put = r_draft_put,
    .draft_get = r_draft_get,
    .drafts = r_drafts,
    .shadow_set = r_shadow_set,
    .shadow_get = r_shadow_get,
    .decision_log_since = r_decision_log_since,
    .ready = r_ready,
    .close = r_close,
};

static rstore *rstore_new(uv_loop_t *loop, const ww_store_opts *opts) {
  rstore *st = calloc(1, sizeof *st);
  if (st == NULL) return NULL;
  st->base.vt = &redis_vt;
  if (opts) st->base.opts = *opts;
  ww_store_opts_defaults(&st->base.opts);
  st->loop = loop;
  snprintf(st->a_ttl, sizeof st->a_ttl, "%ld", st->base.opts.session_ttl);
  snprintf(st->a_max, sizeof st->a_max, "%d", st->base.opts.max_events);
  snprintf(st->a_every, sizeof st->a_every, "%ld",
           cz_margin(st->base.opts.session_ttl) * 500);
  return st;
}

ww_store *ww_store_redis_open(uv_loop_t *loop, const char *url, const ww_store_opts *opts) {
  rstore *st = rstore_new(loop, opts);
  if (st == NULL) return NULL;
  const char *why = "empty";
  if (url == NULL || ww_redis_url_parse(url, &st->addr, &why) != 0) {
    ww_logf(WW_LOG_ERROR, "bad Redis URL: %s (want " WW_REDIS_URL_FORM ")", why);
    free(st);
    return NULL;
  }
  return ww__redis_start(st);
}

ww_store *ww_store_sentinel_open(uv_loop_t *loop, const char *sentinels, const char *master,
                                 const char *url, const ww_store_opts *opts) {
  rstore *st = rstore_new(loop, opts);
  if (st == NULL) return NULL;
  if (sentinels == NULL || ww__redis_sentinels(st, sentinels) != 0) {
    ww_logf(WW_LOG_ERROR, "bad --redis-sentinel (want HOST:PORT,HOST:PORT,...)");
    free(st);
    return NULL;
  }
  if (master == NULL || master[0] == '\0' || strlen(master) >= sizeof st->master ||
      strpbrk(master, " \t\r\n")) {
    ww_logf(WW_LOG_ERROR, "bad --redis-master (want the name the sentinels monitor)");
    free(st);
    return NULL;
  }
  snprintf(st->master, sizeof st->master, "%s", master);
  /* the URL gives only the password and db; its host is ignored */
  const char *why;
  if (url && url[0] && ww_redis_url_parse(url, &st->addr, &why) != 0) {
    ww_logf(WW_LOG_ERROR, "bad Redis URL: %s (want " WW_REDIS_URL_FORM ")", why);
    free(st);
    return NULL;
  }
  snprintf(st->addr.host, sizeof st->addr.host, "%s", "(unknown master)");
  st->addr.port = 0;
  return ww__redis_start(st);
}
