/* wegwijzer report: the readers. A JSON-lines file (one entry per line, with "at"), or
 * Redis: the decision-log stream ww:decisions read with XRANGE in batches, and -- when
 * the stream holds no handovers (the server ran without --decision-log) -- the
 * "handover" and "claimed" events of the sessions still in Redis. Stream entries and
 * session events are read through the store's event codec (engine/store/codec.h), the
 * one that wrote them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "report/internal.h"
#include "store/codec.h"
#include "util/redis_url.h"
#include "util/tztime.h"

#define XRANGE_BATCH 1000

static int in_period(const ww_report_opts *o, int64_t ms) {
  return (!o->has_since || ms >= o->since_ms) && (!o->has_until || ms < o->until_ms);
}

/* ---- JSON lines ---- */

int ww__report_read_jsonl(const ww_report_opts *o, ww__tally *t) {
  FILE *f = strcmp(o->from, "-") == 0 ? stdin : fopen(o->from, "rb");
  if (f == NULL) {
    fprintf(stderr, "wegwijzer report: cannot read %s: %s\n", o->from, strerror(errno));
    return -1;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long lineno = 0;
  int rc = 0;
  while ((len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    if (strspn(line, " \t\r\n") == (size_t)len) continue;
    json_error_t je;
    json_t *e = json_loadb(line, (size_t)len, 0, &je);
    const char *why = NULL;
    int64_t epoch = 0;
    if (e == NULL) why = je.text;
    else if (!json_is_object(e)) why = "not a JSON object";
    else if (json_string_value(json_object_get(e, "at")) == NULL) why = "no \"at\" time";
    else if (ww_time_parse(json_string_value(json_object_get(e, "at")), &epoch) != 0)
      why = "\"at\" is not an ISO 8601 time with offset";
    if (why) {
      fprintf(stderr, "%s:%ld: %s\n", o->from, lineno, why);
      json_decref(e);
      rc = -1;
      break;
    }
    if (in_period(o, epoch * 1000)) ww__tally_add(t, e, epoch * 1000, 1);
    json_decref(e);
  }
  if (rc == 0 && ferror(f)) {
    fprintf(stderr, "wegwijzer report: reading %s failed\n", o->from);
    rc = -1;
  }
  free(line);
  if (f != stdin) fclose(f);
  return rc;
}

/* ---- Redis ---- */

/* A reply that is not the error the command may give; says why on stderr. */
static int reply_ok(const redisContext *c, const redisReply *r, const char *what) {
  if (r == NULL) {
    fprintf(stderr, "wegwijzer report: Redis %s: %s\n", what,
            c->errstr[0] ? c->errstr : "no reply");
    return 0;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    fprintf(stderr, "wegwijzer report: Redis %s: %s\n", what, r->str);
    return 0;
  }
  return 1;
}

static redisContext *redis_connect(const ww_redis_url *u) {
  struct timeval tv = {5, 0};
  redisContext *c = redisConnectWithTimeout(u->host, u->port, tv);
  if (c == NULL || c->err) {
    fprintf(stderr, "wegwijzer report: cannot connect to Redis at %s:%d: %s\n", u->host,
            u->port, c ? c->errstr : "out of memory");
    redisFree(c);
    return NULL;
  }
  struct timeval cmd_tv = {30, 0};
  redisSetTimeout(c, cmd_tv);
  redisReply *r = NULL;
  if (u->password[0]) {
    r = u->user[0] ? redisCommand(c, "AUTH %s %s", u->user, u->password)
                   : redisCommand(c, "AUTH %s", u->password);
    if (!reply_ok(c, r, "AUTH")) goto fail;
    freeReplyObject(r);
  }
  if (u->db) {
    r = redisCommand(c, "SELECT %d", u->db);
    if (!reply_ok(c, r, "SELECT")) goto fail;
    freeReplyObject(r);
  }
  return c;
fail:
  freeReplyObject(r);
  redisFree(c);
  return NULL;
}

/* One stream entry [id, [field, value, ...]] as the JSONL object. New, or NULL. */
static json_t *stream_entry(const redisReply *item, int64_t *ms) {
  if (item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
      item->element[0]->type != REDIS_REPLY_STRING || item->element[1]->type != REDIS_REPLY_ARRAY)
    return NULL;
  *ms = strtoll(item->element[0]->str, NULL, 10);
  json_t *e = ww_codec_entry_new(*ms);
  const redisReply *f = item->element[1];
  for (size_t i = 0; e && i + 1 < f->elements; i += 2) {
    const redisReply *k = f->element[i], *v = f->element[i + 1];
    if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING)
      ww_codec_entry_put(e, k->str, k->len, v->str, v->len);
  }
  return e;
}

static int read_stream(redisContext *c, const ww_report_opts *o, ww__tally *t) {
  char start[48], end[48];
  if (o->has_since)
    snprintf(start, sizeof start, "%lld", (long long)(o->since_ms < 0 ? 0 : o->since_ms));
  else snprintf(start, sizeof start, "-");
  if (o->has_until) {
    if (o->until_ms <= 0) return 0;
    snprintf(end, sizeof end, "%lld", (long long)(o->until_ms - 1));
  } else {
    snprintf(end, sizeof end, "+");
  }
  for (;;) {
    redisReply *r = redisCommand(c, "XRANGE %s %s %s COUNT %d", WW_CODEC_LOG_KEY, start, end,
                                 XRANGE_BATCH);
    if (!reply_ok(c, r, "XRANGE " WW_CODEC_LOG_KEY)) {
      freeReplyObject(r);
      return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY) {
      fprintf(stderr, "wegwijzer report: Redis XRANGE: unexpected reply\n");
      freeReplyObject(r);
      return -1;
    }
    size_t n = r->elements;
    for (size_t i = 0; i < n; i++) {
      int64_t ms;
      json_t *e = stream_entry(r->element[i], &ms);
      if (e == NULL) continue;
      ww__tally_add(t, e, ms, 1);
      json_decref(e);
    }
    if (n > 0) {
      const redisReply *last = r->element[n - 1];
      if (last->type == REDIS_REPLY_ARRAY && last->elements == 2 &&
          last->element[0]->type == REDIS_REPLY_STRING)
        snprintf(start, sizeof start, "(%s", last->element[0]->str);   /* exclusive: Redis 6.2+ */
      else n = 0;
    }
    freeReplyObject(r);
    if (n < XRANGE_BATCH) return 0;
  }
}

/* Count one stored session event ('len' bytes at 's', packed or JSON) of the session
 * 'sid' when it is a "handover" or "claimed" within the period, as the stream entry the
 * server would have logged for it. */
static void session_event(const char *s, size_t len, json_t *sid, const ww_report_opts *o,
                          ww__tally *t) {
  json_t *ev = ww_codec_event_decode(s, len, NULL);
  const char *type = ww__report_str(ev, "type", "");
  const char *at = ww__report_str(ev, "at", "");
  int64_t epoch;
  if ((strcmp(type, "handover") == 0 || strcmp(type, "claimed") == 0) &&
      ww_time_parse(at, &epoch) == 0 && in_period(o, epoch * 1000)) {
    json_t *e = json_pack("{s:s, s:s, s:s, s:s*, s:O*}", "at", at, "kind", type, "channel",
                          ww__report_str(ev, "channel", ""), "service",
                          json_string_value(json_object_get(ev, "service")), "sessionId", sid);
    if (e) {
      ww__tally_add(t, e, epoch * 1000, 0);
      json_decref(e);
    }
  }
  json_decref(ev);
}

/* Handovers from the sessions still in Redis: events "handover" / "claimed" in the lists
 * ww:{<sid>}:ev within the period. Sessions expire (7 days by default), so this sees
 * only recent ones; the report says so. */
static int read_session_events(redisContext *c, const ww_report_opts *o, ww__tally *t) {
  char cursor[32] = "0";
  do {
    redisReply *r =
        redisCommand(c, "SCAN %s MATCH %s COUNT %d", cursor, WW_CODEC_EVENTS_MATCH, 500);
    if (!reply_ok(c, r, "SCAN")) {
      freeReplyObject(r);
      return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
      freeReplyObject(r);
      return -1;
    }
    snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
    const redisReply *keys = r->element[1];
    for (size_t i = 0; i < keys->elements; i++) {
      const redisReply *k = keys->element[i];
      if (k->type != REDIS_REPLY_STRING) continue;
      redisReply *l = redisCommand(c, "LRANGE %b 0 -1", k->str, k->len);
      if (!reply_ok(c, l, "LRANGE")) {
        freeReplyObject(l);
        freeReplyObject(r);
        return -1;
      }
      /* ww:{<sid>}:ev -> <sid> (NULL when not UTF-8: then the entries have none) */
      json_t *sid = json_stringn(k->str + 4, k->len > 8 ? k->len - 8 : 0);
      for (size_t j = 0; l->type == REDIS_REPLY_ARRAY && j < l->elements; j++) {
        const redisReply *v = l->element[j];
        if (v->type == REDIS_REPLY_STRING) session_event(v->str, v->len, sid, o, t);
      }
      json_decref(sid);
      freeReplyObject(l);
    }
    freeReplyObject(r);
  } while (strcmp(cursor, "0") != 0);
  t->handovers_from_sessions = 1;
  return 0;
}

int ww__report_read_redis(const ww_report_opts *o, ww__tally *t) {
  ww_redis_url u;
  const char *why;
  if (ww_redis_url_parse(o->redis, &u, &why) != 0) {
    fprintf(stderr, "wegwijzer report: bad Redis URL: %s (want " WW_REDIS_URL_FORM ")\n", why);
    return -1;
  }
  redisContext *c = redis_connect(&u);
  if (c == NULL) return -1;
  int rc = read_stream(c, o, t);
  if (rc == 0 && t->stream_handovers == 0) rc = read_session_events(c, o, t);
  redisFree(c);
  return rc;
}
