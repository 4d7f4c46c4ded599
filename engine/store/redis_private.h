/* Private to engine/store: the Redis store's reply parsing, exposed for the fuzz target
 * (tests/fuzz/fuzz_redis.c). Every 'r' is borrowed (a hiredis reply tree, e.g. from
 * redisReaderGetReply) and only read. */
#ifndef WW_STORE_REDIS_PRIVATE_H
#define WW_STORE_REDIS_PRIVATE_H

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "session/session.h"

/* An HGETALL of ww:{st} -> {channel id: status override} (new), or NULL when 'r' is not
 * an array. Fields that are not JSON are skipped. */
json_t *ww__redis_status_of(const redisReply *r);

/* A session from its meta hash (HGETALL array) and events (array of JSON strings);
 * 'updated'/'expires' override the meta's when not NULL. New, or NULL if malformed. */
json_t *ww__redis_session_of(const redisReply *meta, const redisReply *events,
                             const char *updated, const char *expires);

/* As ww__redis_session_of, but 'flat' is the lean list ww:{sid}:el: 5 strings per event
 * (at, channel, type, service or '', detail JSON or ''); events with a non-string
 * element, text that is not UTF-8 or an incomplete tail are skipped. New, or NULL. */
json_t *ww__redis_session_flat_of(const redisReply *meta, const redisReply *flat,
                                  const char *updated, const char *expires);

/* The SC_CLAIM script's reply: 1 claimed ('sid' and 'nonce' filled), 0 unknown code or
 * malformed reply, -1 rate limited ('*retry' = seconds to wait, >= 1). */
int ww__redis_claim_of(const redisReply *r, char sid[WW_SESSION_ID_LEN + 1], char nonce[17],
                       long long *retry);

/* Bound what one reply may make hiredis allocate (arrays of at most 65536 elements,
 * 2^20 in one reply). For every reader of the store (and the fuzz target's). */
void ww__redis_reader_limit(redisReader *r);

#endif
