/* wegwijzer report: the readers. A JSON-lines file (one entry per line, with "at"), or
 * Redis: the decision-log stream ww:decisions read with XRANGE in batches, and -- when
 * the stream holds no handovers (the server ran without --decision-log) -- the
 * "handover" and "claimed" events of the sessions still in Redis. Stream entries and
 * session events are read through the store's event codec (engine/store/codec.h), the
 * one that wrote them. */
#include <stdint.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "report/internal.h"
#include "store/codec.h"
#include "store/logread.h"
#include "util/tztime.h"

#define WHO "wegwijzer report"

static ww_log_period period_of(const ww_report_opts *o) {
  ww_log_period p = {o->has_since ? o->since_ms : INT64_MIN,
                     o->has_until ? o->until_ms : INT64_MAX};
  return p;
}

static int in_period(const ww_report_opts *o, int64_t ms) {
  return (!o->has_since || ms >= o->since_ms) && (!o->has_until || ms < o->until_ms);
}

static int tally_entry(void *ud, const json_t *e, int64_t ms) {
  ww__tally_add(ud, e, ms, 1);
  return 0;
}

int ww__report_read_jsonl(const ww_report_opts *o, ww__tally *t) {
  ww_log_period p = period_of(o);
  return ww_log_read_jsonl(o->from, &p, tally_entry, t, WHO);
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
    if (!ww_log_reply_ok(c, r, WHO, "SCAN")) {
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
      if (!ww_log_reply_ok(c, l, WHO, "LRANGE")) {
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
  redisContext *c = ww_log_redis_connect(o->redis, WHO);
  if (c == NULL) return -1;
  ww_log_period p = period_of(o);
  int rc = ww_log_read_stream(c, &p, tally_entry, t, WHO);
  if (rc == 0 && t->stream_handovers == 0) rc = read_session_events(c, o, t);
  redisFree(c);
  return rc;
}
