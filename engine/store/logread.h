/* Reading the decision log from outside the server (wegwijzer report, wegwijzer replay):
 * the Redis stream ww:decisions with XRANGE in batches on a blocking hiredis connection,
 * or a JSON-lines file of its entries (one object with "at" per line, as `wegwijzer
 * report --export` writes them). Each entry is decoded through the store's codec
 * (codec.h), the one that wrote it, into {"at": ISO time, field: value, ...}. */
#ifndef WW_STORE_LOGREAD_H
#define WW_STORE_LOGREAD_H

#include <stdint.h>
#include <jansson.h>

struct redisContext;
struct redisReply;

/* Called once per entry in the period, oldest first: 'entry' is borrowed (take a
 * reference to keep it), 'ms' its time in epoch milliseconds. Return 0 to go on, -1 to
 * stop the read (it then returns -1; the callback said why). */
typedef int (*ww_log_entry_fn)(void *ud, const json_t *entry, int64_t ms);

/* A period of entries: since_ms inclusive, until_ms exclusive; INT64_MIN / INT64_MAX for
 * open ends. */
typedef struct ww_log_period {
  int64_t since_ms, until_ms;
} ww_log_period;

/* One stream entry [id, [field, value, ...]] of an XRANGE reply as the decoded object
 * (new; '*ms' its id's milliseconds), or NULL when it has not that shape. */
json_t *ww_log_stream_entry(const struct redisReply *item, int64_t *ms);

/* Connect to the Redis of 'url' (redis://[[user]:password@]host[:port][/db]) with AUTH and
 * SELECT as it says. NULL after saying why on stderr, prefixed "<who>: ". */
struct redisContext *ww_log_redis_connect(const char *url, const char *who);
/* A reply that is not NULL nor an error; else says why on stderr and returns 0. */
int ww_log_reply_ok(const struct redisContext *c, const struct redisReply *r,
                    const char *who, const char *what);
/* Every entry of ww:decisions in 'p' to 'fn'. 0, or -1 after saying why on stderr. */
int ww_log_read_stream(struct redisContext *c, const ww_log_period *p, ww_log_entry_fn fn,
                       void *ud, const char *who);
/* Every entry of the JSON-lines file 'path' ("-": stdin) in 'p' to 'fn'. A line that is
 * not a JSON object with an ISO 8601 "at" stops the read: "<path>:<line>: why" on stderr.
 * 0, or -1. */
int ww_log_read_jsonl(const char *path, const ww_log_period *p, ww_log_entry_fn fn, void *ud,
                      const char *who);

#endif
