/* The Redis store's connections, Sentinel and deadlines.
 *
 * Two connections per handle -- commands (pipelined: any number in flight) and the
 * SUBSCRIBE one that feeds the worker's copy of the status overrides (plus a full HGETALL
 * whenever either connection becomes ready). Each has a state, one uv_timer used as the
 * deadline of its oldest pending command (replies come in order, so that is the only one
 * that can be late first), of its connect+handshake, or as the reconnect backoff. A
 * missed deadline means Redis hangs: the connection is dropped, which hands every pending
 * command EUNAVAIL exactly once (hiredis calls each callback with a NULL reply), and it
 * reconnects after 50 ms, 100 ms, ... 2 s. hiredis 0.14.1 (Debian 12) has no async
 * timeouts itself, and its libuv adapter misses socket errors: hiredis_uv.h is that
 * adapter fixed. While not ready, operations fail at once with EUNAVAIL.
 *
 * Sentinel mode: before every connect of a data connection, a connection to a sentinel
 * asks for the master's address (SENTINEL get-master-addr-by-name), ROLE must say
 * "master" there, and a second sentinel connection follows +switch-master.
 *
 * Replies are read through redis_reply.c (here only the SCRIPT LOAD hash is taken as it
 * comes); this file moves commands and replies and keeps the connections' states. */
#include "store/redis_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "store/hiredis_uv.h"
#include "store/redis_reply.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000

/* What a connection is for (rconn.kind). */
enum { K_DATA = 0, K_SENT_QUERY = 1, K_SENT_SUB = 2 };

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

/* ---- commands ---- */

void ww__redis_unavailable(rstore *st, reply_fn fn, void *op) {
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
    c->argv[1] = c->eval ? ww__redis_scripts[c->script] : k->st->sha[c->script];
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
    ww__redis_unavailable(st, fn, op);
    return;
  }
  pcmd *c = cmd_new(argc, argv, lens);
  if (c == NULL) {
    ww__redis_unavailable(st, fn, op);
    return;
  }
  c->fn = fn;
  c->op = op;
  c->script = script;
  if (cmd_send(k, c) != 0) {
    free(c);
    ww__redis_unavailable(st, fn, op);
  }
}

void ww__redis_command(rstore *st, reply_fn fn, void *op, int argc, const char *const *argv,
                       const size_t *lens) {
  issue(st, &st->cmd, 0, -1, fn, op, argc, argv, lens);
}

void ww__redis_script(rstore *st, int sc, reply_fn fn, void *op, int nkeys, int nargs,
                      const char *const *args, const size_t *lens) {
  const char *argv[24];
  size_t len[24];
  char nk[8];
  int n = nkeys + nargs;
  if (n + 3 > 24) {
    ww__redis_unavailable(st, fn, op);
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

static void on_reply(redisAsyncContext *ac, void *reply, void *priv) {
  (void)ac;
  pcmd *c = priv;
  rconn *k = c->conn;
  rstore *st = k->st;
  redisReply *r = reply;
  unlink_cmd(c);
  int err = r ? ww__redis_error_of(r) : WW_REDIS_OK;
  if (err == WW_REDIS_NOSCRIPT && c->script >= 0 && !c->eval) {
    c->eval = 1;                       /* EVAL caches the script again */
    if (cmd_send(k, c) == 0) return;
    r = NULL;
  }
  int status = 0;
  if (r == NULL) {
    status = WW_STORE_EUNAVAIL;
  } else if (err == WW_REDIS_OOM) {
    /* at maxmemory: the command changed nothing (redis_scripts.c); said once a minute */
    uint64_t now = uv_now(st->loop);
    if (st->oom_logged_ms == 0 || now - st->oom_logged_ms >= 60000) {
      st->oom_logged_ms = now;
      ww_logf(WW_LOG_WARN, "redis: at maxmemory, writes refused (answered 503 store_full): %s",
              r->str);
    }
    status = WW_STORE_EFULL;
    r = NULL;
  } else if (err != WW_REDIS_OK) {
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
  st->status_rank = 0;  /* Redis may have lost its keys (and the version) meanwhile */
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
  const char *payload;
  if (reply == NULL || k->ac != ac) return;
  const redisReply *r = reply;
  switch (ww__redis_pubsub_of(reply, &payload)) {
  case 1:
    if (k->state == RC_HANDSHAKE) {
      conn_ready(k);
      /* messages may have been missed while not subscribed: let the owner look */
      if (k->st->base.rules_fn) k->st->base.rules_fn(k->st->base.rules_ud, NULL);
    }
    break;
  case 2:
    if (r->element[1]->type == REDIS_REPLY_STRING &&
        strcmp(r->element[1]->str, WW_STORE_RULES_CHANNEL) == 0) {
      if (k->st->base.rules_fn && payload) k->st->base.rules_fn(k->st->base.rules_ud, payload);
    } else {
      reload_status(k->st);
    }
    break;
  default:
    break;
  }
}

/* Sentinel mode: the address the sentinels gave may be stale (a failover the sentinels
 * have not finished, an old master back as a replica): ROLE must say "master". */
static void on_role(rstore *st, void *op, int status, redisReply *r) {
  rconn *k = op;
  if (k->state != RC_HANDSHAKE) return;
  if (status == 0 && !ww__redis_is_master(r)) {
    ww_logf(WW_LOG_WARN, "redis %s:%d is not the master of %s yet; asking the sentinels again",
            st->addr.host, st->addr.port, st->master);
    conn_drop(k, "not the master");
    return;
  }
  on_handshake(st, op, status, r);
}

/* A +switch-master message on the sentinel subscription. */
static void on_sentinel_msg(redisAsyncContext *ac, void *reply, void *priv) {
  rconn *k = priv;
  rstore *st = k->st;
  const char *payload;
  if (reply == NULL || k->ac != ac) return;
  int kind = ww__redis_pubsub_of(reply, &payload);
  if (kind == 1 && k->state == RC_HANDSHAKE) conn_ready(k);
  char oldh[256], newh[256];
  int oldp, newp;
  if (kind != 2 || !ww__redis_switch_of(payload, st->master, newh, &newp, oldh, &oldp)) return;
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
    if (redisAsyncCommand(ac, on_pubsub, k, "SUBSCRIBE %s %s", st->pubsub,
                          WW_STORE_RULES_CHANNEL) != REDIS_OK)
      k->handshake_failed = 1;
  } else {
    memset(st->sha, 0, sizeof st->sha);
    for (int i = 0; i < SC_COUNT; i++) {
      const char *argv[3] = {"SCRIPT", "LOAD", ww__redis_scripts[i]};
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
            k->st->addr.port, k->sub ? "subscribe" : "command",
            cac->errstr ? cac->errstr : "closed");
  conn_backoff(k);
}

/* Sentinel mode: the master's address, asked before each connect of a data connection. */
static void conn_connect(rconn *k);

static void on_master_addr(rstore *st, void *op, int status, redisReply *r) {
  rconn *k = op;
  if (k->state != RC_RESOLVING) return;   /* closed meanwhile */
  char host[256];
  int port;
  int found = status == 0 ? ww__redis_master_addr_of(r, host, &port) : -1;
  if (found != 1) {
    if (found == 0)
      ww_logf(WW_LOG_WARN, "redis sentinel: no master named %s (check --redis-master)",
              st->master);
    conn_backoff(k);
    return;
  }
  if (strcmp(st->addr.host, host) != 0 || st->addr.port != port) {
    ww_logf(WW_LOG_INFO, "redis sentinel: master %s is %s:%d", st->master, host, port);
    snprintf(st->addr.host, sizeof st->addr.host, "%s", host);
    st->addr.port = port;
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

/* ---- status overrides ---- */

static void on_status_all(rstore *st, void *op, int status, redisReply *r) {
  (void)op;
  st->reload_inflight = 0;
  /* {version, HGETALL}: a full read ranks above this worker's own patch of the same
   * version, and an older read (one that crossed a newer change) is dropped */
  json_t *all = NULL;
  if (status == 0 && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
      r->element[0]->type == REDIS_REPLY_INTEGER)
    all = ww__redis_status_of(r->element[1]);
  uint64_t rank = all ? (uint64_t)r->element[0]->integer * 2 + 1 : 0;
  if (all && rank > st->status_rank) {
    json_decref(st->status);
    st->status = all;
    st->status_rank = rank;
  } else {
    json_decref(all);
  }
  if (st->reload_again) reload_status(st);
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
  const char *args[2] = {"ww:{st}", "ww:{st}:v"};
  ww__redis_script(st, SC_STATUS_ALL, on_status_all, NULL, 2, 0, args, NULL);
}

/* ---- lifecycle ---- */

int ww__redis_ready(const rstore *st) { return st->cmd.state == RC_READY; }

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

void ww__redis_close(rstore *st) {
  conn_close(&st->subc);
  conn_close(&st->cmd);
  if (st->nsent > 0) {
    conn_close(&st->ss);
    conn_close(&st->sq);
  }
}

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

int ww__redis_sentinels(rstore *st, const char *list) {
  const char *p = list;
  while (p && *p) {
    size_t n = strcspn(p, ",");
    const char *colon = memchr(p, ':', n);
    if (st->nsent >= WW_REDIS_MAX_SENTINELS || colon == NULL || colon == p ||
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

ww_store *ww__redis_start(rstore *st) {
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
