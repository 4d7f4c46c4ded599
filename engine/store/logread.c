/* Reading the decision log from outside the server: Redis (XRANGE in batches) or JSON
 * lines (logread.h). */
#include "store/logread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "store/codec.h"
#include "util/redis_url.h"
#include "util/tztime.h"

#define XRANGE_BATCH 1000

static int in_period(const ww_log_period *p, int64_t ms) {
  return ms >= p->since_ms && ms < p->until_ms;
}

int ww_log_read_jsonl(const char *path, const ww_log_period *p, ww_log_entry_fn fn, void *ud,
                      const char *who) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "%s: cannot read %s: %s\n", who, path, strerror(errno));
    return -1;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long lineno = 0;
  int rc = 0;
  while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
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
      fprintf(stderr, "%s:%ld: %s\n", path, lineno, why);
      rc = -1;
    } else if (in_period(p, epoch * 1000)) {
      rc = fn(ud, e, epoch * 1000);
    }
    json_decref(e);
  }
  if (rc == 0 && ferror(f)) {
    fprintf(stderr, "%s: reading %s failed\n", who, path);
    rc = -1;
  }
  free(line);
  if (f != stdin) fclose(f);
  return rc;
}

int ww_log_reply_ok(const redisContext *c, const redisReply *r, const char *who,
                    const char *what) {
  if (r == NULL) {
    fprintf(stderr, "%s: Redis %s: %s\n", who, what, c->errstr[0] ? c->errstr : "no reply");
    return 0;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    fprintf(stderr, "%s: Redis %s: %s\n", who, what, r->str);
    return 0;
  }
  return 1;
}

redisContext *ww_log_redis_connect(const char *url, const char *who) {
  ww_redis_url u;
  const char *why;
  if (ww_redis_url_parse(url, &u, &why) != 0) {
    fprintf(stderr, "%s: bad Redis URL: %s (want " WW_REDIS_URL_FORM ")\n", who, why);
    return NULL;
  }
  struct timeval tv = {5, 0};
  redisContext *c = redisConnectWithTimeout(u.host, u.port, tv);
  if (c == NULL || c->err) {
    fprintf(stderr, "%s: cannot connect to Redis at %s:%d: %s\n", who, u.host, u.port,
            c ? c->errstr : "out of memory");
    redisFree(c);
    return NULL;
  }
  struct timeval cmd_tv = {30, 0};
  redisSetTimeout(c, cmd_tv);
  redisReply *r = NULL;
  if (u.password[0]) {
    r = u.user[0] ? redisCommand(c, "AUTH %s %s", u.user, u.password)
                  : redisCommand(c, "AUTH %s", u.password);
    if (!ww_log_reply_ok(c, r, who, "AUTH")) goto fail;
    freeReplyObject(r);
  }
  if (u.db) {
    r = redisCommand(c, "SELECT %d", u.db);
    if (!ww_log_reply_ok(c, r, who, "SELECT")) goto fail;
    freeReplyObject(r);
  }
  return c;
fail:
  freeReplyObject(r);
  redisFree(c);
  return NULL;
}

json_t *ww_log_stream_entry(const redisReply *item, int64_t *ms) {
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

int ww_log_read_stream(redisContext *c, const ww_log_period *p, ww_log_entry_fn fn, void *ud,
                       const char *who) {
  char start[48], end[48];
  if (p->since_ms != INT64_MIN)
    snprintf(start, sizeof start, "%lld", (long long)(p->since_ms < 0 ? 0 : p->since_ms));
  else snprintf(start, sizeof start, "-");
  if (p->until_ms != INT64_MAX) {
    if (p->until_ms <= 0) return 0;
    snprintf(end, sizeof end, "%lld", (long long)(p->until_ms - 1));
  } else {
    snprintf(end, sizeof end, "+");
  }
  for (;;) {
    redisReply *r = redisCommand(c, "XRANGE %s %s %s COUNT %d", WW_CODEC_LOG_KEY, start, end,
                                 XRANGE_BATCH);
    if (!ww_log_reply_ok(c, r, who, "XRANGE " WW_CODEC_LOG_KEY)) {
      freeReplyObject(r);
      return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY) {
      fprintf(stderr, "%s: Redis XRANGE: unexpected reply\n", who);
      freeReplyObject(r);
      return -1;
    }
    size_t n = r->elements;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
      int64_t ms;
      json_t *e = ww_log_stream_entry(r->element[i], &ms);
      if (e == NULL) continue;
      rc = fn(ud, e, ms);
      json_decref(e);
    }
    if (rc != 0) {
      freeReplyObject(r);
      return -1;
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
