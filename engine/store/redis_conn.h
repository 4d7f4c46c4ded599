/* Private to engine/store: the Redis store's connections, shared by redis_conn.c (which
 * keeps them) and redis.c (the operations, which send commands through them).
 *
 * Two connections per handle: commands (pipelined: any number in flight) and the
 * SUBSCRIBE one that feeds the worker's copy of the status overrides; in Sentinel mode
 * two more, to a sentinel. Each has a state, a deadline per command, reconnect with
 * backoff; while the command connection is not READY, commands fail at once with
 * EUNAVAIL. Everything runs on the handle's loop thread. */
#ifndef WW_STORE_REDIS_CONN_H
#define WW_STORE_REDIS_CONN_H

#include <stdint.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <uv.h>

#include "store/redis_scripts.h"
#include "store/store_impl.h"
#include "util/redis_url.h"

typedef enum {
  RC_IDLE,        /* not started */
  RC_CONNECTING,  /* TCP connect in progress */
  RC_HANDSHAKE,   /* AUTH / SELECT / SCRIPT LOAD or SUBSCRIBE sent */
  RC_READY,
  RC_BACKOFF,     /* waiting to reconnect */
  RC_CLOSED,
  RC_RESOLVING,   /* Sentinel mode: asking a sentinel for the master's address */
} rc_state;

#define WW_REDIS_MAX_SENTINELS 8

typedef struct rstore rstore;
typedef struct pcmd pcmd;

typedef struct rconn {
  rstore *st;
  redisAsyncContext *ac;     /* NULL when not connected; hiredis owns it */
  rc_state state;
  int sub;                   /* 1: the SUBSCRIBE connection (of the data) */
  int kind;                  /* data, or a connection to a sentinel (redis_conn.c) */
  int sidx;                  /* sentinel connections: which sentinel */
  int ever_ready;
  int handshake_left;
  int in_connect;            /* inside hiredis' connect callback: must not free there */
  int handshake_failed;
  unsigned backoff_ms;
  uint64_t connect_deadline; /* uv_now() ms */
  uv_timer_t timer;
  pcmd *head, *tail;         /* pending commands, oldest first */
} rconn;

/* One Redis-store handle. The connection fields are redis_conn.c's; the operations
 * (redis.c) read 'base', 'status' and the preformatted script arguments. */
struct rstore {
  ww_store base;             /* first member */
  uv_loop_t *loop;           /* borrowed */
  ww_redis_url addr;         /* the URL's; in Sentinel mode host and port are the master's */
  char pubsub[32];           /* ww:st:<db> */
  rconn cmd, subc;
  int open_timers;           /* closes pending before the last free */
  char sha[SC_COUNT][41];
  json_t *status;            /* owned, immutable snapshot of the overrides */
  uint64_t status_rank;      /* its version * 2, + 1 when read whole (ww_store_status_rank) */
  int reload_inflight, reload_again;
  /* Sentinel mode (nsent > 0): addr's host/port are the master's last known address. */
  int nsent;
  char sent_host[WW_REDIS_MAX_SENTINELS][256];
  int sent_port[WW_REDIS_MAX_SENTINELS];
  char master[128];
  rconn sq, ss;              /* query (SENTINEL get-master-addr-by-name), +switch-master */
  uint64_t oom_logged_ms;    /* uv_now() of the last "at maxmemory" log line */
  int64_t log_trimmed_ms;    /* the last XTRIM MINID of the decision log (--decision-log-days) */
  /* script arguments that only depend on the options, formatted once (redis.c) */
  char a_ttl[24], a_max[16], a_every[24];
};

/* Reply handler of one command: 'r' is borrowed (valid only during the call) and NULL
 * unless status is 0 (else EUNAVAIL, or EFULL when Redis is at maxmemory). 'op' is the
 * operation's state. */
typedef void (*reply_fn)(rstore *st, void *op, int status, redisReply *r);

/* "host:port,host:port,..." (borrowed) into st->sent_*; 0, or -1 when malformed or empty. */
int ww__redis_sentinels(rstore *st, const char *list);

/* Start the connections of 'st' (calloc'ed; base, loop and addr -- or the sentinels and
 * master -- set). Returns &st->base, or NULL (then 'st' is freed, now or in the close
 * callbacks of what was made: run the loop). */
ww_store *ww__redis_start(rstore *st);

/* Close every connection: pending commands get EUNAVAIL; 'st' is freed in the last close
 * callback. */
void ww__redis_close(rstore *st);

/* Is the command connection READY (connected, scripts loaded)? */
int ww__redis_ready(const rstore *st);

/* Send a command on the command connection (pipelined). 'fn' (NULL: fire and forget)
 * gets exactly one call, possibly before this returns (EUNAVAIL when not READY). 'argv'
 * and 'lens' (NULL: strlen) are copied. */
void ww__redis_command(rstore *st, reply_fn fn, void *op, int argc, const char *const *argv,
                       const size_t *lens);

/* EVALSHA of script 'sc' with 'nkeys' keys then 'nargs' arguments in 'args' (copied;
 * 'lens' may be NULL), retried with EVAL after NOSCRIPT; otherwise as above. */
void ww__redis_script(rstore *st, int sc, reply_fn fn, void *op, int nkeys, int nargs,
                      const char *const *args, const size_t *lens);

/* Count an operation failed with EUNAVAIL and tell 'fn' (may be NULL) so. */
void ww__redis_unavailable(rstore *st, reply_fn fn, void *op);

#endif
