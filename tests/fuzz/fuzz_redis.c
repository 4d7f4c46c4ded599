/* Fuzz target (d): Redis replies into the store's reply handling. The bytes go through
 * hiredis' own reader (RESP -> redisReply trees, as on the wire); every reply is handed
 * to each parser of engine/store/redis.c as the command callbacks do: channel status
 * (HGETALL), session (SC_GET / SC_APPEND: {meta (HMGET), events[, count, touch]}, each
 * event a JSON text or packed), claim (SC_CLAIM) and handover (SC_HANDOVER).
 * Results must encode as JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "store/redis_reply.h"

static void encodes(json_t *j) {
  if (j == NULL) return;
  char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  if (s == NULL) abort();
  free(s);
  json_decref(j);
}

static void parse(const redisReply *r) {
  encodes(ww__redis_status_of(r));
  if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2) {
    encodes(ww__redis_session_of(r->element[0], r->element[1], NULL, NULL));
    encodes(ww__redis_session_of(r->element[0], r->element[1], "2026-12-01T10:15:00+01:00",
                                 "2026-12-08T10:15:00+01:00"));
  }
  char sid[WW_SESSION_ID_LEN + 1], nonce[17];
  long long retry = 0;
  int v = ww__redis_claim_of(r, sid, nonce, &retry);
  if (v < 0 && retry < 1) abort();
  if (v > 0 && (strlen(sid) != WW_SESSION_ID_LEN || strlen(nonce) > 16)) abort();
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
