/* The Redis store: hiredis async on the worker's libuv loop.
 *
 * Key layout (every script touches one hash slot; "{...}" is the Redis Cluster hash tag):
 *   ww:{<sid>}:s      hash    id, citizenRef, service, channel, createdAt, updatedAt,
 *                             expiresAt, data (JSON text), czAt (epoch ms of the last slide
 *                             of the citizen index), x:<nonce> (a "claimed" event of
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
 *                             a second command) only when the script finds czAt margin/2
 *                             or more old (or in the future), and then sets czAt = now. So
 *                             the last slide is < margin/2 (+ clock skew between instances,
 *                             which must stay below margin/2) before the session's last
 *                             update, and the index never expires before its session.
 *   ww:{hc}:codes     hash    code -> "<sid> <nonce> <expiry ms>" of each handover code
 *   ww:{hc}:exp       zset    code scored by its expiry ms: counts the live codes (the cap
 *                             handover_max_live) and finds the expired ones to sweep
 *   ww:{hc}:sess      hash    sid -> the session's live code (one per session)
 *                             -- the three live until the latest code expires; expired
 *                             codes are swept by the next SC_HANDOVER (up to 64 a call)
 *                             and are never claimable (the scripts compare the expiry)
 *   ww:{hc}:f:<client> string failed claims of a client -- TTL claim_fail_window
 *   ww:{st}           hash    channel id -> status override JSON
 *   ww:decisions      stream  the decision log (XADD MAXLEN ~ N)
 *   pub/sub channel ww:st:<db>  a status override changed (payload: channel id)
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
 * Nothing uses WATCH or MULTI (the connection is shared by all requests of a worker).
 *
 * Connections: two per handle -- commands (pipelined: any number in flight) and the
 * SUBSCRIBE one that feeds the worker's copy of the status overrides (plus a full HGETALL
 * whenever either connection becomes ready). Each has a state, one uv_timer used as the
 * deadline of its oldest pending command (replies come in order, so that is the only one
 * that can be late first), of its connect+handshake, or as the reconnect backoff. A
 * missed deadline means Redis hangs: the connection is dropped, which hands every pending
 * command EUNAVAIL exactly once (hiredis calls each callback with a NULL reply), and it
 * reconnects after 50 ms, 100 ms, ... 2 s. hiredis 0.14.1 (Debian 12) has no async
 * timeouts itself, and its libuv adapter misses socket errors: hiredis_uv.h is that
 * adapter fixed. While not ready, operations fail at once with EUNAVAIL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "log/log.h"
#include "session/session.h"
#include "store/codec.h"
#include "store/hiredis_uv.h"
#include "store/redis_private.h"
#include "store/redis_scripts.h"
#include "store/store_impl.h"
#include "util/crypto.h"
#include "util/redis_url.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define CODE_TRIES 8

typedef enum {
  RC_IDLE,        /* not started */
  RC_CONNECTING,  /* TCP connect in progress */
  RC_HANDSHAKE,   /* AUTH / SELECT / SCRIPT LOAD or SUBSCRIBE sent */
  RC_READY,
  RC_BACKOFF,     /* waiting to reconnect */
  RC_CLOSED,
  RC_RESOLVING,   /* Sentinel mode: asking a sentinel for the master's address */
} rc_state;

/* What a connection is for. */
enum { K_DATA = 0, K_SENT_QUERY = 1, K_SENT_SUB = 2 };

#define MAX_SENTINELS 8

typedef struct rstore rstore;
typedef struct pcmd pcmd;

typedef struct rconn {
  rstore *st;
  redisAsyncContext *ac;     /* NULL when not connected; hiredis owns it */
  rc_state state;
  int sub;                   /* 1: the SUBSCRIBE connection (of the data) */
  int kind;                  /* K_*: data, or a connection to a sentinel */
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

struct rstore {
  ww_store base;             /* first member */
  uv_loop_t *loop;           /* borrowed */
  ww_redis_url addr;          /* the URL's; in Sentinel mode host and port are the master's */
  char pubsub[32];           /* ww:st:<db> */
  rconn cmd, subc;
  int open_timers;           /* closes pending before the last free */
  char sha[SC_COUNT][41];
  json_t *status;            /* owned, immutable snapshot of the overrides */
  int reload_inflight, reload_again;
  /* Sentinel mode (nsent > 0): host/port above are the master's last known address. */
  int nsent;
  char sent_host[MAX_SENTINELS][256];
  int sent_port[MAX_SENTINELS];
  char master[128];
  rconn sq, ss;              /* query (SENTINEL get-master-addr-by-name), +switch-master */
  uint64_t oom_logged_ms;     /* uv_now() of the last "at maxmemory" log line */
  /* script arguments that only depend on the options, formatted once */
  char a_ttl[24], a_max[16], a_every[24];
};

/* Reply handler of one command: 'r' is borrowed (valid only during the call) and NULL
 * unless status is 0. 'op' is the operation's state. */
typedef void (*reply_fn)(rstore *st, void *op, int status, redisReply *r);

struct pcmd {
  pcmd *prev, *next;
  rconn *conn;
  uint64_t deadline;
  reply_fn fn;               /* NULL: fire and forget */
  void *op;
  int script;                /* SC_* or -1 */
  int eval;                  /* 1 once retried with EVAL after NOSCRIPT */
  int argc;
  const char **argv;         /* into this block; argv[0..1] replaced for scripts */
  size_t *argvlen;
};

/* ---- small helpers ---- */

static void fail_status(rstore *st, reply_fn fn, void *op) {
  st->base.stats.errors++;
  if (fn) fn(st, op, WW_STORE_EUNAVAIL, NULL);
}

static pcmd *cmd_new(int argc, const char *const *argv, const size_t *lens) {
  size_t bytes = 0;
  for (int i = 0; i < argc; i++) bytes += (lens ? lens[i] : strlen(argv[i])) + 1;
  size_t head = sizeof(pcmd) + (size_t)argc * (sizeof(char *) + sizeof(size_t));
  pcmd *c = malloc(head + bytes);
  if (c == NULL) return NULL;
  memset(c, 0, sizeof *c);
  c->argc = argc;
  c->argv = (const char **)(c + 1);
  c->argvlen = (size_t *)(c->argv + argc);
  char *p = (char *)(c->argvlen + argc);
  for (int i = 0; i < argc; i++) {
    size_t n = lens ? lens[i] : strlen(argv[i]);
    memcpy(p, argv[i], n);
    p[n] = '\0';
    c->argv[i] = p;
    c->argvlen[i] = n;
    p += n + 1;
  }
  c->script = -1;
  return c;
}

static void unlink_cmd(pcmd *c) {
  rconn *k = c->conn;
  if (c->prev) c->prev->next = c->next; else k->head = c->next;
  if (c->next) c->next->prev = c->prev; else k->tail = c->prev;
  c->prev = c->next = NULL;
}

static void conn_drop(rconn *k, const char *why);
static void on_timer(uv_timer_t *t);
static void on_reply(redisAsyncContext *ac, void *reply, void *priv);

/* Hand 'c' to hiredis (it goes out with the next write: pipelined). Returns 0, or -1 if
 * the connection cannot take it (the caller still owns 'c'). */
static int cmd_send(rconn *k, pcmd *c) {
  if (c->script >= 0) {
    c->argv[0] = c->eval ? "EVAL" : "EVALSHA";
    c->argv[1] = c->eval ? script_src[c->script] : k->st->sha[c->script];
    c->argvlen[0] = strlen(c->argv[0]);
    c->argvlen[1] = strlen(c->argv[1]);
  }
  if (k->ac == NULL ||
      redisAsyncCommandArgv(k->ac, on_reply, c, c->argc, c->argv, c->argvlen) != REDIS_OK)
    return -1;
  c->conn = k;
  c->deadline = uv_now(k->st->loop) + k->st->base.opts.timeout_ms;
  c->prev = k->tail;
  if (k->tail) k->tail->next = c; else k->head = c;
  k->tail = c;
  if (k->state == RC_READY && !uv_is_active((uv_handle_t *)&k->timer))
    uv_timer_start(&k->timer, on_timer, k->st->base.opts.timeout_ms, 0);
  return 0;
}

/* Issue a command on 'k'. 'internal' commands (the handshake) go out before READY.
 * On any failure 'fn' gets EUNAVAIL at once. */
static void issue(rstore *st, rconn *k, int internal, int script, reply_fn fn, void *op,
                  int argc, const char *const *argv, const size_t *lens) {
  if (k->state != RC_READY && !(internal && k->state == RC_HANDSHAKE)) {
    fail_status(st, fn, op);
    return;
  }
  pcmd *c = cmd_new(argc, argv, lens);
  if (c == NULL) {
    fail_status(st, fn, op);
    return;
  }
  c->fn = fn;
  c->op = op;
  c->script = script;
  if (cmd_send(k, c) != 0) {
    free(c);
    fail_status(st, fn, op);
  }
}

/* EVALSHA script KEYS... ARGV... on the command connection. 'args' holds the keys, then
 * the arguments; 'lens' may be NULL (strlen). */
static void script(rstore *st, int sc, reply_fn fn, void *op, int nkeys, int nargs,
                   const char *const *args, const size_t *lens) {
  const char *argv[24];
  size_t len[24];
  char nk[8];
  int n = nkeys + nargs;
  if (n + 3 > 24) {
    fail_status(st, fn, op);
    return;
  }
  snprintf(nk, sizeof nk, "%d", nkeys);
  argv[0] = "EVALSHA";
  argv[1] = "";            /* set by cmd_send */
  argv[2] = nk;
  len[0] = 7;
  len[1] = 0;
  len[2] = strlen(nk);
  for (int i = 0; i < n; i++) {
    argv[3 + i] = args[i];
    len[3 + i] = lens ? lens[i] : strlen(args[i]);
  }
  issue(st, &st->cmd, 0, sc, fn, op, n + 3, argv, len);
}

static int is_noscript(const redisReply *r) {
  return r->type == REDIS_REPLY_ERROR && r->str && strncmp(r->str, "NOSCRIPT", 8) == 0;
}

/* "OOM command not allowed when used memory > 'maxmemory'" (also from inside a script). */
static int is_oom(const redisReply *r) {
  return r->type == REDIS_REPLY_ERROR && r->str &&
         (strncmp(r->str, "OOM ", 4) == 0 || strstr(r->str, "OOM command not allowed"));
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv) {
  (void)ac;
  pcmd *c = priv;
  rconn *k = c->conn;
  rstore *st = k->st;
  redisReply *r = reply;
  unlink_cmd(c);
  if (r && is_noscript(r) && c->script >= 0 && !c->eval) {
    c->eval = 1;                       /* EVAL caches the script again */
    if (cmd_send(k, c) == 0) return;
    r = NULL;
  }
  int status = 0;
  if (r == NULL) {
    status = WW_STORE_EUNAVAIL;
  } else if (is_oom(r)) {
    /* at maxmemory: the command changed nothing (redis_scripts.h); said once a minute */
    uint64_t now = uv_now(st->loop);
    if (st->oom_logged_ms == 0 || now - st->oom_logged_ms >= 60000) {
      st->oom_logged_ms = now;
      ww_logf(WW_LOG_WARN, "redis: at maxmemory, writes refused (answered 503 store_full): %s",
              r->str);
    }
    status = WW_STORE_EFULL;
    r = NULL;
  } else if (r->type == REDIS_REPLY_ERROR) {
    ww_logf(WW_LOG_WARN, "redis: command %s failed: %s",
            c->script >= 0 ? "script" : c->argv[0], r->str ? r->str : "?");
    status = WW_STORE_EUNAVAIL;
    r = NULL;
  }
  if (status != 0) st->base.stats.errors++;
  if (c->fn) c->fn(st, c->op, status, r);
  free(c);
}

/* ---- connection life ---- */

static void conn_start(rconn *k);
static void reload_status(rstore *st);

/* Where a connection goes: a data connection to the URL's host and port, or in Sentinel
 * mode to the master's address the sentinels gave last (conn_start asks them again before
 * every connect); a sentinel connection to its sentinel. */
static void target_addr(rconn *k, const char **host, int *port) {
  rstore *st = k->st;
  if (k->kind != K_DATA) {
    *host = st->sent_host[k->sidx];
    *port = st->sent_port[k->sidx];
    return;
  }
  *host = st->addr.host;
  *port = st->addr.port;
}

static const char *conn_what(const rconn *k) {
  if (k->kind == K_SENT_QUERY) return "sentinel query";
  if (k->kind == K_SENT_SUB) return "sentinel subscribe";
  return k->sub ? "subscribe" : "command";
}

static void conn_backoff(rconn *k) {
  if (k->st->base.closing) {
    k->state = RC_CLOSED;
    return;
  }
  k->state = RC_BACKOFF;
  /* a sentinel that failed: try the next one (each is asked in turn) */
  if (k->kind != K_DATA && k->st->nsent > 0) k->sidx = (k->sidx + 1) % k->st->nsent;
  uv_timer_start(&k->timer, on_timer, k->backoff_ms, 0);
  k->backoff_ms = k->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : k->backoff_ms * 2;
}

/* Drop the connection (never from inside hiredis' connect callback): every pending
 * command gets EUNAVAIL, now or -- when called from a reply callback -- as soon as that
 * returns; then reconnect with backoff. */
static void conn_drop(rconn *k, const char *why) {
  redisAsyncContext *ac = k->ac;
  const char *host;
  int port;
  target_addr(k, &host, &port);
  if (k->state == RC_READY)
    ww_logf(WW_LOG_WARN, "redis %s:%d (%s connection) unavailable: %s", host, port,
            conn_what(k), why);
  else
    ww_logf(WW_LOG_DEBUG, "redis %s:%d: %s", host, port, why);
  k->ac = NULL;
  uv_timer_stop(&k->timer);
  conn_backoff(k);
  if (ac) redisAsyncFree(ac);
}

static void data_kick(rconn *k);

static void conn_ready(rconn *k) {
  rstore *st = k->st;
  k->state = RC_READY;
  k->backoff_ms = BACKOFF_MIN_MS;
  uv_timer_stop(&k->timer);
  if (k->kind != K_DATA) {
    if (!k->ever_ready)
      ww_logf(WW_LOG_INFO, "redis sentinel %s:%d (%s connection) ready",
              st->sent_host[k->sidx], st->sent_port[k->sidx], conn_what(k));
    k->ever_ready = 1;
    if (k->head) uv_timer_start(&k->timer, on_timer, st->base.opts.timeout_ms, 0);
    if (k->kind == K_SENT_QUERY) {   /* data connections waiting for an address */
      data_kick(&st->cmd);
      data_kick(&st->subc);
    }
    return;
  }
  if (k->ever_ready) st->base.stats.reconnects++;
  if (!k->ever_ready || k->sub == 0)
    ww_logf(WW_LOG_INFO, "redis %s:%d (%s connection) ready", st->addr.host, st->addr.port,
            k->sub ? "subscribe" : "command");
  k->ever_ready = 1;
  if (k->head) uv_timer_start(&k->timer, on_timer, st->base.opts.timeout_ms, 0);
  reload_status(st);   /* on every (re)connect of either connection */
}

static void on_timer(uv_timer_t *t) {
  rconn *k = t->data;
  uint64_t now = uv_now(k->st->loop);
  switch (k->state) {
  case RC_BACKOFF:
    conn_start(k);
    break;
  case RC_CONNECTING:
  case RC_HANDSHAKE:
    if (now >= k->connect_deadline) {
      k->st->base.stats.timeouts++;
      if (k->state == RC_CONNECTING && k->ac) {
        /* still inside connect(2): hiredis has not called back; free it ourselves */
        redisAsyncContext *ac = k->ac;
        k->ac = NULL;
        uv_timer_stop(&k->timer);
        conn_backoff(k);
        ac->onConnect = NULL;
        redisAsyncFree(ac);
      } else {
        conn_drop(k, "handshake timed out");
      }
    } else {
      uv_timer_start(&k->timer, on_timer, k->connect_deadline - now, 0);
    }
    break;
  case RC_READY:
    if (k->head == NULL) break;
    if (now >= k->head->deadline) {
      k->st->base.stats.timeouts++;
      conn_drop(k, "command timed out");
      /* A hung Redis hangs both connections; let the subscriber find out too. */
      if (k->kind == K_DATA && !k->sub && k->st->subc.state == RC_READY)
        conn_drop(&k->st->subc, "command timed out");
    } else {
      uv_timer_start(&k->timer, on_timer, k->head->deadline - now, 0);
    }
    break;
  default:
    break;
  }
}

static void on_handshake(rstore *st, void *op, int status, redisReply *r) {
  rconn *k = op;
  if (k->state != RC_HANDSHAKE) return;   /* dropped meanwhile */
  if (status != 0) {
    if (k->in_connect) k->handshake_failed = 1;   /* on_connect schedules the drop */
    else conn_drop(k, "handshake failed");
    return;
  }
  if (!k->sub && r->type == REDIS_REPLY_STRING && r->len == 40) {
    /* SCRIPT LOAD replies come in the order they were sent */
    for (int i = 0; i < SC_COUNT; i++)
      if (st->sha[i][0] == '\0') {
        memcpy(st->sha[i], r->str, 40);
        st->sha[i][40] = '\0';
        break;
      }
  }
  if (--k->handshake_left == 0 && !k->sub) conn_ready(k);
}

static void on_pubsub(redisAsyncContext *ac, void *reply, void *priv) {
  rconn *k = priv;
  redisReply *r = reply;
  if (r == NULL || k->ac != ac || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  const redisReply *kind = r->element[0];
  if (kind->type != REDIS_REPLY_STRING) return;
  if (strcmp(kind->str, "subscribe") == 0) {
    if (k->state == RC_HANDSHAKE) conn_ready(k);
  } else if (strcmp(kind->str, "message") == 0) {
    reload_status(k->st);
  }
}

/* Sentinel mode: the address the sentinels gave may be stale (a failover the sentinels
 * have not finished, an old master back as a replica): ROLE must say "master". */
static void on_role(rstore *st, void *op, int status, redisReply *r) {
  rconn *k = op;
  if (k->state != RC_HANDSHAKE) return;
  if (status == 0 && !(r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                       r->element[0]->type == REDIS_REPLY_STRING &&
                       strcmp(r->element[0]->str, "master") == 0)) {
    ww_logf(WW_LOG_WARN, "redis %s:%d is not the master of %s yet; asking the sentinels again",
            st->addr.host, st->addr.port, st->master);
    conn_drop(k, "not the master");
    return;
  }
  on_handshake(st, op, status, r);
}

/* A +switch-master message: "<name> <old-ip> <old-port> <new-ip> <new-port>". */
static void on_sentinel_msg(redisAsyncContext *ac, void *reply, void *priv) {
  rconn *k = priv;
  rstore *st = k->st;
  redisReply *r = reply;
  if (r == NULL || k->ac != ac || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  const redisReply *kind = r->element[0];
  if (kind->type != REDIS_REPLY_STRING) return;
  if (strcmp(kind->str, "subscribe") == 0) {
    if (k->state == RC_HANDSHAKE) conn_ready(k);
    return;
  }
  if (strcmp(kind->str, "message") != 0 || r->element[2]->type != REDIS_REPLY_STRING) return;
  char name[128], oldh[256], newh[256];
  int oldp, newp;
  if (sscanf(r->element[2]->str, "%127s %255s %d %255s %d", name, oldh, &oldp, newh, &newp) != 5 ||
      strcmp(name, st->master) != 0 || newp <= 0 || newp > 65535)
    return;
  ww_logf(WW_LOG_WARN, "redis sentinel: failover of %s: master %s:%d -> %s:%d", st->master, oldh,
          oldp, newh, newp);
  snprintf(st->addr.host, sizeof st->addr.host, "%s", newh);
  st->addr.port = newp;
  rconn *data[2] = {&st->cmd, &st->subc};
  for (int i = 0; i < 2; i++) {
    if (data[i]->state == RC_READY || data[i]->state == RC_HANDSHAKE)
      conn_drop(data[i], "the sentinels switched the master");
    data[i]->backoff_ms = BACKOFF_MIN_MS;
    data_kick(data[i]);
  }
}

static void on_connect(const redisAsyncContext *cac, int status) {
  redisAsyncContext *ac = (redisAsyncContext *)cac;
  rconn *k = ac->data;
  rstore *st = k->st;
  if (k->ac != ac) return;
  if (status != REDIS_OK) {
    /* hiredis frees the context after this callback */
    const char *host;
    int port;
    target_addr(k, &host, &port);
    k->ac = NULL;
    uv_timer_stop(&k->timer);
    ww_logf(WW_LOG_DEBUG, "redis %s:%d: connect failed: %s", host, port,
            ac->errstr ? ac->errstr : "?");
    conn_backoff(k);
    return;
  }
  k->state = RC_HANDSHAKE;
  k->handshake_left = 0;
  k->handshake_failed = 0;
  if (k->kind == K_SENT_QUERY) {   /* no handshake: commands go out as they come */
    conn_ready(k);
    return;
  }
  if (k->kind == K_SENT_SUB) {
    if (redisAsyncCommand(ac, on_sentinel_msg, k, "SUBSCRIBE +switch-master") != REDIS_OK) {
      k->connect_deadline = uv_now(st->loop);
      uv_timer_start(&k->timer, on_timer, 0, 0);
    }
    return;
  }
  k->in_connect = 1;
  const ww_redis_url *a = &st->addr;
  if (a->password[0]) {
    const char *argv[3] = {"AUTH", a->user[0] ? a->user : a->password, a->password};
    issue(st, k, 1, -1, on_handshake, k, a->user[0] ? 3 : 2, argv, NULL);
    k->handshake_left++;
  }
  if (a->db != 0 && !k->sub) {
    char db[16];
    snprintf(db, sizeof db, "%d", a->db);
    const char *argv[2] = {"SELECT", db};
    issue(st, k, 1, -1, on_handshake, k, 2, argv, NULL);
    k->handshake_left++;
  }
  if (st->nsent > 0) {
    const char *argv[1] = {"ROLE"};
    issue(st, k, 1, -1, on_role, k, 1, argv, NULL);
    k->handshake_left++;
  }
  if (k->sub) {
    if (redisAsyncCommand(ac, on_pubsub, k, "SUBSCRIBE %s", st->pubsub) != REDIS_OK)
      k->handshake_failed = 1;
  } else {
    memset(st->sha, 0, sizeof st->sha);
    for (int i = 0; i < SC_COUNT; i++) {
      const char *argv[3] = {"SCRIPT", "LOAD", script_src[i]};
      issue(st, k, 1, -1, on_handshake, k, 3, argv, NULL);
      k->handshake_left++;
    }
  }
  k->in_connect = 0;
  if (k->handshake_failed) {   /* drop it from the timer, outside hiredis' callback */
    k->connect_deadline = uv_now(st->loop);
    uv_timer_start(&k->timer, on_timer, 0, 0);
  }
}

static void on_disconnect(const redisAsyncContext *cac, int status) {
  (void)status;
  rconn *k = cac->data;
  if (k->ac != cac) return;    /* we dropped it ourselves */
  k->ac = NULL;                /* hiredis frees the context after this callback */
  uv_timer_stop(&k->timer);
  if (k->state == RC_READY)
    ww_logf(WW_LOG_WARN, "redis %s:%d (%s connection) lost: %s", k->st->addr.host,
            k->st->addr.port, k->sub ? "subscribe" : "command", cac->errstr ? cac->errstr : "closed");
  conn_backoff(k);
}

/* Sentinel mode: the master's address, asked before each connect of a data connection. */
static void conn_connect(rconn *k);

static void on_master_addr(rstore *st, void *op, int status, redisReply *r) {
  rconn *k = op;
  if (k->state != RC_RESOLVING) return;   /* closed meanwhile */
  if (status != 0 || r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
      r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
    if (status == 0)
      ww_logf(WW_LOG_WARN, "redis sentinel: no master named %s (check --redis-master)",
              st->master);
    conn_backoff(k);
    return;
  }
  long port = strtol(r->element[1]->str, NULL, 10);
  if (port <= 0 || port > 65535 || r->element[0]->len >= sizeof st->addr.host) {
    conn_backoff(k);
    return;
  }
  if (strcmp(st->addr.host, r->element[0]->str) != 0 || st->addr.port != (int)port) {
    ww_logf(WW_LOG_INFO, "redis sentinel: master %s is %s:%ld", st->master, r->element[0]->str,
            port);
    snprintf(st->addr.host, sizeof st->addr.host, "%s", r->element[0]->str);
    st->addr.port = (int)port;
  }
  conn_connect(k);
}

static void conn_start(rconn *k) {
  rstore *st = k->st;
  if (k->kind == K_DATA && st->nsent > 0) {
    if (st->sq.state != RC_READY) {   /* conn_ready of the query connection kicks us */
      conn_backoff(k);
      return;
    }
    k->state = RC_RESOLVING;
    const char *argv[3] = {"SENTINEL", "get-master-addr-by-name", st->master};
    issue(st, &st->sq, 0, -1, on_master_addr, k, 3, argv, NULL);
    return;
  }
  conn_connect(k);
}

/* A data connection waiting in backoff tries again now (an address may be known). */
static void data_kick(rconn *k) {
  if (k->state == RC_BACKOFF && !k->st->base.closing) uv_timer_start(&k->timer, on_timer, 0, 0);
}

static void conn_connect(rconn *k) {
  rstore *st = k->st;
  const char *host;
  int port;
  target_addr(k, &host, &port);
  redisAsyncContext *ac = redisAsyncConnect(host, port);
  if (ac == NULL || ac->err) {
    ww_logf(WW_LOG_DEBUG, "redis %s:%d: %s", host, port, ac && ac->errstr ? ac->errstr : "OOM");
    if (ac) redisAsyncFree(ac);
    conn_backoff(k);
    return;
  }
  ac->data = k;
  ww__redis_reader_limit(ac->c.reader);
  if (ww_redis_uv_attach(ac, st->loop) != REDIS_OK) {
    redisAsyncFree(ac);
    conn_backoff(k);
    return;
  }
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  k->ac = ac;
  k->state = RC_CONNECTING;
  k->connect_deadline = uv_now(st->loop) + st->base.opts.connect_timeout_ms;
  uv_timer_start(&k->timer, on_timer, st->base.opts.connect_timeout_ms, 0);
}

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

/* ---- status overrides ---- */

static void on_status_all(rstore *st, void *op, int status, redisReply *r) {
  (void)op;
  st->reload_inflight = 0;
  json_t *all = status == 0 ? ww__redis_status_of(r) : NULL;
  if (all) {
    json_decref(st->status);
    st->status = all;
  }
  if (st->reload_again) reload_status(st);
}

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

/* Re-read every override; coalesced: at most one HGETALL in flight, plus one more if a
 * change was announced meanwhile (so the last read is newer than the last message). */
static void reload_status(rstore *st) {
  if (st->cmd.state != RC_READY) return;   /* conn_ready of the command conn reloads */
  if (st->reload_inflight) {
    st->reload_again = 1;
    return;
  }
  st->reload_inflight = 1;
  st->reload_again = 0;
  const char *argv[2] = {"HGETALL", "ww:{st}"};
  issue(st, &st->cmd, 0, -1, on_status_all, NULL, 2, argv, NULL);
}

/* ---- parsing replies into sessions ---- */

/* The meta of a session reply is HMGET of META_FIELDS (redis_scripts.h), in this order. */
enum { META_ID, META_REF, META_SERVICE, META_CHANNEL, META_CREATED, META_UPDATED,
       META_EXPIRES, META_DATA, META_N };

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
  json_t *reuse[3] = {NULL, NULL, NULL};   /* borrowed from the last packed event */
  for (size_t i = 0; evs && i < events->elements; i++) {
    const redisReply *e = events->element[i];
    if (e->type != REDIS_REPLY_STRING) continue;
    json_t *v = ww_codec_event_decode(e->str, e->len, reuse);
    if (v) json_array_append_new(evs, v);
  }
  return ww_session_build(id, mstr(meta, META_REF), mstr(meta, META_SERVICE),
                          mstr(meta, META_CHANNEL), mstr(meta, META_CREATED),
                          updated ? updated : mstr(meta, META_UPDATED),
                          expires ? expires : mstr(meta, META_EXPIRES), evs, meta_data(meta));
}

/* ---- operations ---- */

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

long ww__redis_cz_margin(long session_ttl) {
  long m = session_ttl / 8;
  return m < 1 ? 1 : m > 3600 ? 3600 : m;
}

/* The citizen index's TTL: the session's plus the margin (see the key layout). */
static void cz_ttl(const rstore *st, char out[24]) {
  long ttl = st->base.opts.session_ttl;
  snprintf(out, 24, "%ld", ttl + ww__redis_cz_margin(ttl));
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
    script(st, SC_CREATE, create_step, o, 2, 9, args, NULL);
    /* 'o' is alive until both replies came (pending = 2) */
    issue(st, &st->cmd, 0, -1, create_step, o, 5, argv, NULL);
  } else {
    script(st, SC_CREATE, create_step, o, 2, 9, args, NULL);
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
  if (r->type == REDIS_REPLY_NIL) {
    op_done(o, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  json_t *sess = NULL;
  if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2)
    sess = ww__redis_session_of(r->element[0], r->element[1], NULL, NULL);
  op_done(o, sess ? 0 : WW_STORE_ENOTFOUND, sess);
}

static void get_by_id(rstore *st, rop *o) {
  char ks[48], kev[48];
  session_keys(o->sid, ks, kev);
  const char *args[2] = {ks, kev};
  script(st, SC_GET, get_step, o, 2, 0, args, NULL);
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
  script(st, SC_TOUCH, NULL, NULL, 1, 2, args, NULL);
}

/* Reply of SC_APPEND into the session (and slide the citizen index when the script says
 * so). New or NULL. */
static json_t *appended(rstore *st, rop *o, const redisReply *r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 4 ||
      r->element[2]->type != REDIS_REPLY_INTEGER || r->element[3]->type != REDIS_REPLY_INTEGER)
    return NULL;
  long long count = r->element[2]->integer;
  json_t *sess = count < 0 ? ww__redis_session_of(r->element[0], r->element[1], NULL, NULL)
                           : ww__redis_session_of(r->element[0], r->element[1], o->t_now,
                                                  o->t_exp);
  if (sess == NULL) return NULL;
  if (o->flags & WW_STORE_LEAN) json_object_set_new(sess, "eventCount", json_integer(count));
  if (count >= 0 && r->element[3]->integer == 1) {
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

/* SC_APPEND of 'ev' (borrowed input event) to o->sid, answered by 'fn'. */
static void append_cmd(rstore *st, rop *o, const json_t *in, int lean, const char *once,
                       int fill_channel, reply_fn fn) {
  json_t *ev = ww_session_event(o->t_now, in);
  if (fill_channel)   /* the script fills in the channel: it must read JSON */
    json_object_set_new(ev, "channel", json_string(""));
  char *evs = ww_codec_event_encode(ev, fill_channel ? WW_CODEC_JSON : WW_CODEC_PACK);
  json_decref(ev);
  if (evs == NULL) {
    fail_status(st, fn, o);
    return;
  }
  char ks[48], kev[48], n[16], now_ms[24];
  session_keys(o->sid, ks, kev);
  snprintf(n, sizeof n, "%d", lean ? WW_STORE_LEAN_EVENTS : 0);
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)o->now_ms);
  const char *args[12] = {ks, kev, evs, st->a_ttl, st->a_max, o->t_now, o->t_exp, n,
                          once ? once : "", fill_channel ? "1" : "0", now_ms, st->a_every};
  script(st, SC_APPEND, fn, o, 2, 10, args, NULL);
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
  append_cmd(st, o, event, flags & WW_STORE_LEAN, NULL, 0, append_step);
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
  issue(st, &st->cmd, 0, -1, step, o, 2, argv, NULL);
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
  script(st, SC_CODE_DEL, NULL, NULL, 3, 2, args, NULL);
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
  append_cmd(st, o, in, 0, NULL, o->channel == NULL, handover_appended);
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
  char now_ms[24], exp_ms[24], max[24], ttl_ms[24];
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)o->now_ms);
  snprintf(exp_ms, sizeof exp_ms, "%lld", (long long)exp);
  snprintf(max, sizeof max, "%ld", s->opts.handover_max_live);
  snprintf(ttl_ms, sizeof ttl_ms, "%lld", (long long)s->opts.handover_ttl * 1000);
  const char *args[9 + CODE_TRIES] = {code_keys[0], code_keys[1], code_keys[2], o->sid,
                                      o->nonce, now_ms, exp_ms, max, ttl_ms};
  for (int i = 0; i < CODE_TRIES; i++) args[9 + i] = cand[i];
  script(st, SC_HANDOVER, handover_reserved, o, 3, 6 + CODE_TRIES, args, NULL);
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
  if (verdict == 0) {
    op_done(o, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  times(o, st->base.opts.session_ttl);
  json_t *in = json_pack("{s:s, s:s, s:{s:s}}", "channel", o->channel, "type", "claimed",
                         "detail", "code", o->code);
  append_cmd(st, o, in, 0, o->nonce, 0, claim_appended);
  json_decref(in);
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
  const redisReply *v = r->elements > 1 ? r->element[1] : NULL;
  if (verdict == 0 || v == NULL || v->type != REDIS_REPLY_STRING ||
      sscanf(v->str, "%32s %16s", sid, nonce) != 2 || !ww_session_id_valid(sid))
    return 0;
  return 1;
}

static void r_handover_claim(ww_store *s, const char *code, const char *channel,
                             const char *client, ww_store_cb cb, void *ud) {
  rstore *st = (rstore *)s;
  if (channel == NULL) {
    cb(ud, WW_STORE_EINVAL, NULL);
    return;
  }
  NEW_OP(o, cb, ud);
  /* A malformed code is just an unknown one (and counts as a failure). */
  snprintf(o->code, sizeof o->code, "%s", ww_handover_code_valid(code) ? code : "x");
  if ((o->channel = strdup(channel)) == NULL) {
    op_done(o, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  char kf[300], limit[16], window[24], now_ms[24];
  snprintf(kf, sizeof kf, "ww:{hc}:f:%.256s", client);
  snprintf(limit, sizeof limit, "%d", s->opts.claim_fail_limit);
  snprintf(window, sizeof window, "%ld", s->opts.claim_fail_window);
  snprintf(now_ms, sizeof now_ms, "%lld", (long long)ww__store_now_ms());
  const char *args[8] = {code_keys[0], code_keys[1], code_keys[2], kf, limit, window,
                         o->code, now_ms};
  script(st, SC_CLAIM, claim_checked, o, 4, 4, args, NULL);
}

/* -- status -- */

static void status_step(rstore *st, void *op, int status, redisReply *r) {
  (void)r;
  rop *o = op;
  if (status != 0) {
    op_done(o, status, NULL);
    return;
  }
  /* This worker sees its own change at once; the others through pub/sub. */
  json_t *next = json_copy(st->status);
  json_object_set(next, o->channel, o->result);
  json_decref(st->status);
  st->status = next;
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
  const char *args[4] = {"ww:{st}", id, j, st->pubsub};
  script(st, SC_STATUS, status_step, o, 1, 3, args, NULL);
  free(j);
}

static const json_t *r_status(ww_store *s) { return ((rstore *)s)->status; }

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
  if (st->cmd.state != RC_READY) st->base.stats.log_errors++;
  else issue(st, &st->cmd, 0, -1, log_step, NULL, argc, argv, NULL);
  ww_codec_entry_release(&e);
}

/* -- lifecycle -- */

static int r_ready(const ww_store *s) { return ((const rstore *)s)->cmd.state == RC_READY; }

static void on_timer_closed(uv_handle_t *h) {
  rconn *k = h->data;
  rstore *st = k->st;
  if (--st->open_timers == 0) {
    json_decref(st->status);
    free(st);
  }
}

static void conn_close(rconn *k) {
  redisAsyncContext *ac = k->ac;
  k->ac = NULL;
  k->state = RC_CLOSED;
  uv_timer_stop(&k->timer);
  if (ac) {
    /* A context still in connect(2) has had no callbacks yet; either way hiredis hands
     * pending commands a NULL reply (-> EUNAVAIL) and frees the context. */
    ac->onConnect = NULL;
    redisAsyncFree(ac);
  }
  uv_close((uv_handle_t *)&k->timer, on_timer_closed);
}

static void r_close(ww_store *s) {
  rstore *st = (rstore *)s;
  conn_close(&st->subc);
  conn_close(&st->cmd);
  if (st->nsent > 0) {
    conn_close(&st->ss);
    conn_close(&st->sq);
  }
}

static const ww_store_vt redis_vt = {
    .kind = "redis",
    .session_create = r_session_create,
    .session_get = r_session_get,
    .session_append = r_session_append,
    .latest_for_citizen = r_latest_for_citizen,
    .latest_id = r_latest_id,
    .handover_create = r_handover_create,
    .handover_claim = r_handover_claim,
    .status_set = r_status_set,
    .status = r_status,
    .decision_log = r_decision_log,
    .ready = r_ready,
    .close = r_close,
};

static int conn_init(rstore *st, rconn *k, int sub, int kind) {
  k->st = st;
  k->sub = sub;
  k->kind = kind;
  k->state = RC_IDLE;
  k->backoff_ms = BACKOFF_MIN_MS;
  if (uv_timer_init(st->loop, &k->timer) != 0) return -1;
  k->timer.data = k;
  st->open_timers++;
  return 0;
}

/* "host:port,host:port,..." into st->sent_*; -1 when malformed or empty. */
static int parse_sentinels(rstore *st, const char *list) {
  const char *p = list;
  while (p && *p) {
    size_t n = strcspn(p, ",");
    const char *colon = memchr(p, ':', n);
    if (st->nsent >= MAX_SENTINELS || colon == NULL || colon == p ||
        (size_t)(colon - p) >= sizeof st->sent_host[0])
      return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end != p + n || port <= 0 || port > 65535) return -1;
    memcpy(st->sent_host[st->nsent], p, (size_t)(colon - p));
    st->sent_host[st->nsent][colon - p] = '\0';
    st->sent_port[st->nsent] = (int)port;
    st->nsent++;
    p += n;
    if (*p == ',') p++;
  }
  return st->nsent > 0 ? 0 : -1;
}

/* Shared by both open functions; 'st' has its address (or sentinels) set. */
static ww_store *rstore_start(rstore *st) {
  snprintf(st->pubsub, sizeof st->pubsub, "ww:st:%d", st->addr.db);
  st->status = json_object();
  if (st->status == NULL) {
    free(st);
    return NULL;
  }
  rconn *conns[4] = {&st->cmd, &st->subc, &st->sq, &st->ss};
  const int sub[4] = {0, 1, 0, 0}, kind[4] = {K_DATA, K_DATA, K_SENT_QUERY, K_SENT_SUB};
  int n = st->nsent > 0 ? 4 : 2;
  for (int i = 0; i < n; i++) {
    if (conn_init(st, conns[i], sub[i], kind[i]) != 0) {
      /* the timers made so far must still be closed before the free */
      st->base.closing = 1;
      if (i == 0) {
        json_decref(st->status);
        free(st);
      }
      for (int j = 0; j < i; j++) uv_close((uv_handle_t *)&conns[j]->timer, on_timer_closed);
      return NULL;
    }
  }
  if (st->nsent > 0) {
    conn_start(&st->sq);
    conn_start(&st->ss);
  }
  conn_start(&st->cmd);
  conn_start(&st->subc);
  return &st->base;
}

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
           ww__redis_cz_margin(st->base.opts.session_ttl) * 500);
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
  return rstore_start(st);
}

ww_store *ww_store_sentinel_open(uv_loop_t *loop, const char *sentinels, const char *master,
                                 const char *url, const ww_store_opts *opts) {
  rstore *st = rstore_new(loop, opts);
  if (st == NULL) return NULL;
  if (sentinels == NULL || parse_sentinels(st, sentinels) != 0) {
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
  return rstore_start(st);
}
