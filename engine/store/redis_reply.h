/* Private to engine/store: the Redis store's reply parsing -- every redisReply the store
 * reads becomes plain values or JSON here, and nowhere else (redis_conn.c and redis.c
 * call it; so do the fuzz target tests/fuzz/fuzz_redis.c and tests/integration/limits).
 * Every 'r' is borrowed (a hiredis reply tree, e.g. from redisReaderGetReply) and only
 * read; none of this does I/O. */
#ifndef WW_STORE_REDIS_REPLY_H
#define WW_STORE_REDIS_REPLY_H

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "session/session.h"

/* An HGETALL of ww:{st} -> {channel id: status override} (new), or NULL when 'r' is not
 * an array. Fields that are not JSON are skipped. */
json_t *ww__redis_status_of(const redisReply *r);

/* A session from its meta (HMGET of META_FIELDS, redis_scripts.h: id, citizenRef,
 * service, channel, createdAt, updatedAt, expiresAt, data; nil = absent) and events (the
 * strings of ww:{sid}:ev, each packed or JSON: store/codec.h); 'updated'/'expires'
 * override the meta's when not NULL. Events the codec cannot read are skipped. New, or
 * NULL if malformed. */
json_t *ww__redis_session_of(const redisReply *meta, const redisReply *events,
                             const char *updated, const char *expires);

/* The SC_GET script's reply {meta, events} as the session (new); NULL when it is nil
 * (no such session) or malformed. */
json_t *ww__redis_get_of(const redisReply *r);

/* The SC_APPEND script's reply {meta, events, count, touch} as the session (new), its
 * event count after the append in '*count' (-1: the once-token was seen, nothing
 * changed, and the session is as stored: 'updated'/'expires' are then not applied) and
 * '*touch' (1: slide the citizen index). NULL when malformed. */
json_t *ww__redis_append_of(const redisReply *r, const char *updated, const char *expires,
                            long long *count, int *touch);

/* The SC_CLAIM script's reply: 1 claimed ('sid' and 'nonce' filled), 0 unknown code or
 * malformed reply, 2 a lapsed code, -1 rate limited ('*retry' = seconds to wait, >= 1). */
int ww__redis_claim_of(const redisReply *r, char sid[WW_SESSION_ID_LEN + 1], char nonce[17],
                       long long *retry);

/* The SC_HANDOVER script's reply: 1 (the new code in 'code'), 0 (every candidate taken),
 * -2 (the cap on live codes reached), -1 (malformed). */
int ww__redis_handover_of(const redisReply *r, char code[WW_HANDOVER_CODE_LEN + 1]);

/* What an error reply says, for the command pipeline (redis_conn.c). */
enum {
  WW_REDIS_OK = 0,          /* not an error reply */
  WW_REDIS_NOSCRIPT,        /* the script cache lost the script: retry with EVAL */
  WW_REDIS_OOM,             /* at maxmemory (also from inside a script): nothing changed */
  WW_REDIS_ERROR,           /* any other error */
};
int ww__redis_error_of(const redisReply *r);

/* A message on a SUBSCRIBEd connection: 1 the subscription is confirmed, 2 a message
 * ('*payload' its text, or NULL when it is not a string), 0 anything else. */
int ww__redis_pubsub_of(const redisReply *r, const char **payload);

/* Does a ROLE reply say "master"? */
int ww__redis_is_master(const redisReply *r);

/* A SENTINEL get-master-addr-by-name reply into 'host' and '*port': 1, or 0 when the
 * sentinel knows no such master (nil), or -1 when malformed (a port outside 1..65535, a
 * host too long). */
int ww__redis_master_addr_of(const redisReply *r, char host[256], int *port);

/* A +switch-master payload "<name> <old-ip> <old-port> <new-ip> <new-port>": 1 when it
 * is about 'master' (the new address in 'host' and '*port'; the old one, for the log, in
 * 'old' and '*old_port'), else 0. */
int ww__redis_switch_of(const char *payload, const char *master, char host[256], int *port,
                        char old[256], int *old_port);

/* Bound what one reply may make hiredis allocate (arrays of at most 65536 elements,
 * 2^20 in one reply). For every reader of the store (and the fuzz target's). */
void ww__redis_reader_limit(redisReader *r);

#endif
