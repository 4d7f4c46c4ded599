/* The Redis store's reply parsing: replies into sessions, claims, codes, status
 * overrides, errors, pub/sub and Sentinel answers, and the bound on what a reply may
 * allocate. */
#include "store/redis_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "store/codec.h"

/* ---- reply size limit ---- */

/* hiredis 0.14.1 allocates a multi-bulk's element array as soon as it reads "*N", for
 * any N: one line from a broken or hostile peer ("*854775807") asked for 6.8 GB (found by
 * tests/fuzz/fuzz_redis). Our replies are small (a session's <= max_events events, the
 * status hash), so refuse arrays over these sizes; the reader then fails with an error,
 * the connection drops and its commands answer EUNAVAIL. */
#define MAX_ARRAY_ELEMENTS (1 << 16)
#define MAX_REPLY_ELEMENTS (1 << 20)

static redisReplyObjectFunctions limited_fns;
static const redisReplyObjectFunctions *hiredis_fns;
static uv_once_t limited_once = UV_ONCE_INIT;
static _Thread_local size_t reply_elements;   /* in the reply being read on this thread */

static void *limited_array(const redisReadTask *task, int elements) {
  if (task->parent == NULL) reply_elements = 0;   /* a new top-level reply */
  if (elements < 0 || elements > MAX_ARRAY_ELEMENTS) return NULL;
  reply_elements += (size_t)elements;
  if (reply_elements > MAX_REPLY_ELEMENTS) return NULL;
  return hiredis_fns->createArray(task, elements);
}

/* hiredis' own table (static in libhiredis) is what any new reader points to. */
static void limited_init(void) {
  redisReader *tmp = redisReaderCreate();
  if (tmp == NULL) return;
  hiredis_fns = tmp->fn;
  redisReaderFree(tmp);
  limited_fns = *hiredis_fns;
  limited_fns.createArray = limited_array;
}

void ww__redis_reader_limit(redisReader *r) {
  uv_once(&limited_once, limited_init);
  if (r && hiredis_fns && r->fn == hiredis_fns) r->fn = &limited_fns;
}

/* ---- errors, pub/sub, Sentinel ---- */

int ww__redis_error_of(const redisReply *r) {
  if (r->type != REDIS_REPLY_ERROR) return WW_REDIS_OK;
  if (r->str && strncmp(r->str, "NOSCRIPT", 8) == 0) return WW_REDIS_NOSCRIPT;
  /* "OOM command not allowed when used memory > 'maxmemory'", also inside a script's */
  if (r->str && (strncmp(r->str, "OOM ", 4) == 0 || strstr(r->str, "OOM command not allowed")))
    return WW_REDIS_OOM;
  return WW_REDIS_ERROR;
}

int ww__redis_pubsub_of(const redisReply *r, const char **payload) {
  *payload = NULL;
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
      r->element[0]->type != REDIS_REPLY_STRING)
    return 0;
  const char *kind = r->element[0]->str;
  if (strcmp(kind, "subscribe") == 0) return 1;
  if (strcmp(kind, "message") != 0) return 0;
  if (r->element[2]->type == REDIS_REPLY_STRING) *payload = r->element[2]->str;
  return 2;
}

int ww__redis_is_master(const redisReply *r) {
  return r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
         r->element[0]->type == REDIS_REPLY_STRING && strcmp(r->element[0]->str, "master") == 0;
}

int ww__redis_master_addr_of(const redisReply *r, char host[256], int *port) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
      r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
    return 0;
  long p = strtol(r->element[1]->str, NULL, 10);
  if (p <= 0 || p > 65535 || r->element[0]->len >= 256) return -1;
  memcpy(host, r->element[0]->str, r->element[0]->len + 1);
  *port = (int)p;
  return 1;
}

int ww__redis_switch_of(const char *payload, const char *master, char host[256], int *port,
                        char old[256], int *old_port) {
  char name[128];
  if (payload == NULL ||
      sscanf(payload, "%127s %255s %d %255s %d", name, old, old_port, host, port) != 5 ||
      strcmp(name, master) != 0 || *port <= 0 || *port > 65535)
    return 0;
  return 1;
}

/* ---- status overrides ---- */

json_t *ww__redis_status_of(const redisReply *r) {
  if (r->type != REDIS_REPLY_ARRAY) return NULL;
  json_t *all = json_object();
  for (size_t i = 0; all && i + 1 < r->elements; i += 2) {
    const redisReply *key = r->element[i], *val = r->element[i + 1];
    if (key->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING) continue;
    json_t *v = json_loadb(val->str, val->len, 0, NULL);
    if (v) json_object_set_new(all, key->str, v);
  }
  return all;
}

/* ---- sessions ---- */

/* The meta of a session reply is HMGET of META_FIELDS (redis_scripts.h), in this order. */
enum { META_ID, META_REF, META_SERVICE, META_CHANNEL, META_CREATED, META_UPDATED,
       META_EXPIRES, META_DATA, META_ADVISED, META_N };

static const char *mstr(const redisReply *meta, int i) {
  const redisReply *v = meta->element[i];
  return v->type == REDIS_REPLY_STRING ? v->str : NULL;
}

/* The meta's 'data' (JSON text) as a new object, or NULL. "{}" (most sessions) is not
 * parsed. */
static json_t *meta_data(const redisReply *meta) {
  const redisReply *d = meta->element[META_DATA];
  if (d->type != REDIS_REPLY_STRING) return NULL;
  if (d->len == 2 && d->str[0] == '{' && d->str[1] == '}') return json_object();
  json_t *data = json_loadb(d->str, d->len, 0, NULL);
  if (data && !json_is_object(data)) {
    json_decref(data);
    data = NULL;
  }
  return data;
}

json_t *ww__redis_session_of(const redisReply *meta, const redisReply *events,
                             const char *updated, const char *expires) {
  if (meta->type != REDIS_REPLY_ARRAY || meta->elements < META_N ||
      events->type != REDIS_REPLY_ARRAY)
    return NULL;
  const char *id = mstr(meta, META_ID);
  if (id == NULL) return NULL;
  json_t *evs = json_array();
  ww_codec_reuse reuse = {0};   /* borrowed from the last packed event and the reply */
  for (size_t i = 0; evs && i < events->elements; i++) {
    const redisReply *e = events->element[i];
    if (e->type != REDIS_REPLY_STRING) continue;
    json_t *v = ww_codec_event_decode(e->str, e->len, &reuse);
    if (v) json_array_append_new(evs, v);
  }
  json_t *sess = ww_session_build(id, mstr(meta, META_REF), mstr(meta, META_SERVICE),
                                  mstr(meta, META_CHANNEL), mstr(meta, META_CREATED),
                                  updated ? updated : mstr(meta, META_UPDATED),
                                  expires ? expires : mstr(meta, META_EXPIRES), evs,
                                  meta_data(meta));
  /* what the latest advice advised (SC_ADVISED), when written; skipped if unreadable */
  const redisReply *adv = meta->element[META_ADVISED];
  json_t *advised = adv->type == REDIS_REPLY_STRING ? json_loadb(adv->str, adv->len, 0, NULL)
                                                    : NULL;
  if (json_is_object(advised)) json_object_set_new(sess, "advised", advised);
  else json_decref(advised);
  return sess;
}

json_t *ww__redis_get_of(const redisReply *r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) return NULL;
  return ww__redis_session_of(r->element[0], r->element[1], NULL, NULL);
}

json_t *ww__redis_append_of(const redisReply *r, const char *updated, const char *expires,
                            long long *count, int *touch) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 4 ||
      r->element[2]->type != REDIS_REPLY_INTEGER || r->element[3]->type != REDIS_REPLY_INTEGER)
    return NULL;
  *count = r->element[2]->integer;
  *touch = *count >= 0 && r->element[3]->integer == 1;
  return *count < 0 ? ww__redis_session_of(r->element[0], r->element[1], NULL, NULL)
                    : ww__redis_session_of(r->element[0], r->element[1], updated, expires);
}

/* ---- handover codes ---- */

int ww__redis_handover_of(const redisReply *r, char code[WW_HANDOVER_CODE_LEN + 1]) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
      r->element[0]->type != REDIS_REPLY_INTEGER)
    return -1;
  long long verdict = r->element[0]->integer;
  if (verdict == 0 || verdict == -2) return (int)verdict;
  if (verdict != 1 || r->elements < 2 || r->element[1]->type != REDIS_REPLY_STRING ||
      !ww_handover_code_valid(r->element[1]->str))
    return -1;
  memcpy(code, r->element[1]->str, WW_HANDOVER_CODE_LEN + 1);
  return 1;
}

int ww__redis_claim_of(const redisReply *r, char sid[WW_SESSION_ID_LEN + 1], char nonce[17],
                       long long *retry) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1) return 0;
  long long verdict = r->element[0]->integer;
  if (verdict < 0) {
    long long ttl = r->elements > 1 ? r->element[1]->integer : 1;
    *retry = ttl > 0 ? ttl : 1;
    return -1;
  }
  if (verdict == 2) return 2;
  const redisReply *v = r->elements > 1 ? r->element[1] : NULL;
  if (verdict == 0 || v == NULL || v->type != REDIS_REPLY_STRING ||
      sscanf(v->str, "%32s %16s", sid, nonce) != 2 || !ww_session_id_valid(sid))
    return 0;
  return 1;
}

