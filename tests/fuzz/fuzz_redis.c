/* Fuzz target (d): Redis replies into the store's reply handling. The bytes go through
 * hiredis' own reader (RESP -> redisReply trees, as on the wire); every reply is handed
 * to each parser of engine/store/redis_reply.c as the command callbacks do: channel
 * status (HGETALL), session (SC_GET / SC_APPEND: {meta (HMGET), events[, count, touch]},
 * each event a JSON text or packed), claim (SC_CLAIM) and handover (SC_HANDOVER).
 * Results must encode as JSON. Every event the codec (engine/store/codec.c) reads must
 * read back the same after it is encoded again (how the store would write it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "store/codec.h"
#include "store/redis_reply.h"

static void encodes(json_t *j) {
  if (j == NULL) return;
  char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  if (s == NULL) abort();
  free(s);
  json_decref(j);
}

/* decode -> encode -> decode gives the same event, packed or as JSON. */
static void codec_round_trip(const redisReply *events) {
  for (size_t i = 0; i < events->elements; i++) {
    const redisReply *e = events->element[i];
    if (e->type != REDIS_REPLY_STRING) continue;
    json_t *ev = ww_codec_event_decode(e->str, e->len, NULL);
    if (ev == NULL) continue;
    for (int how = WW_CODEC_PACK; how <= WW_CODEC_JSON; how++) {
      char *s = ww_codec_event_encode(ev, how);
      json_t *back = s ? ww_codec_event_decode(s, strlen(s), NULL) : NULL;
      if (back == NULL || !json_equal(ev, back)) abort();
      json_decref(back);
      free(s);
    }
    json_decref(ev);
  }
}

static void parse(const redisReply *r) {
  encodes(ww__redis_status_of(r));
  if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2) {
    encodes(ww__redis_session_of(r->element[0], r->element[1], NULL, NULL));
    encodes(ww__redis_session_of(r->element[0], r->element[1], "2026-12-01T10:15:00+01:00",
                                 "2026-12-08T10:15:00+01:00"));
    if (r->element[1]->type == REDIS_REPLY_ARRAY) codec_round_trip(r->element[1]);
  }
  encodes(ww__redis_get_of(r));
  long long count;
  int touch;
  encodes(ww__redis_append_of(r, "2026-12-01T10:15:00+01:00", "2026-12-08T10:15:00+01:00",
                              &count, &touch));
  int err = ww__redis_error_of(r);
  if (err < WW_REDIS_OK || err > WW_REDIS_ERROR) abort();
  const char *payload;
  char host[256], old[256];
  int port, old_port;
  if (ww__redis_pubsub_of(r, &payload) == 2 && payload &&
      ww__redis_switch_of(payload, "mymaster", host, &port, old, &old_port) &&
      (port < 1 || port > 65535 || strlen(host) > 255))
    abort();
  (void)ww__redis_is_master(r);
  if (ww__redis_master_addr_of(r, host, &port) == 1 && (port < 1 || port > 65535))
    abort();
  char sid[WW_SESSION_ID_LEN + 1], nonce[17];
  long long retry = 0;
  int v = ww__redis_claim_of(r, sid, nonce, &retry);
  if (v < 0 && retry < 1) abort();
  if (v == 1 && (strlen(sid) != WW_SESSION_ID_LEN || strlen(nonce) > 16)) abort();
  if (v < -1 || v > 2) abort();   /* 2: a lapsed code */
  char code[WW_HANDOVER_CODE_LEN + 1];
  v = ww__redis_handover_of(r, code);
  if (v == 1 && !ww_handover_code_valid(code)) abort();
  if (v != 1 && v != 0 && v != -1 && v != -2) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  redisReader *rd = redisReaderCreate();
  if (rd == NULL) abort();
  ww__redis_reader_limit(rd);   /* as the store's connections */
  if (redisReaderFeed(rd, (const char *)data, size) == REDIS_OK) {
    for (int i = 0; i < 64; i++) {
      void *reply = NULL;
      if (redisReaderGetReply(rd, &reply) != REDIS_OK || reply == NULL) break;
      parse(reply);
      freeReplyObject(reply);
    }
  }
  redisReaderFree(rd);
  return 0;
}
