/* wegwijzer report: the channel mix of a period, from the decision log.
 *
 * Input: the Redis stream ww:decisions that `serve --decision-log N` appends to (one entry
 * per answered advice or route: adviceId, kind, service, channel, origin, degraded,
 * sessionId?, ruleset; the entry id is the time in ms), read with XRANGE in batches; or a
 * JSON-lines file with the same fields plus "at" (ISO 8601 with offset), as written by
 * --export. Entries with kind "handover" / "claimed" count as handovers. When the stream
 * holds none (the server ran without --decision-log), handovers are counted from the event
 * lists of the sessions still in Redis (ww:{<sid>}:ev). Both are read through the store's
 * event codec (engine/store/codec.h), so packed events count as JSON ones do.
 *
 * Output: text tables on stdout (per service, per origin, totals against the rule set's
 * targets, handovers, degraded answers) and with --svg a stacked bar chart.
 * Counting uses jansson objects as hash maps: a report is a CLI run, not a hot path. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "cli/cli.h"
#include "store/codec.h"
#include "util/redis_url.h"
#include "util/tztime.h"
#include "wegwijzer/wegwijzer.h"

#define STREAM_KEY WW_CODEC_LOG_KEY
#define XRANGE_BATCH 1000
#define NO_CHANNEL "(geen)"
#define UNKNOWN "(onbekend)"

static const char report_usage[] =
    "usage: wegwijzer report [--redis URL | --from FILE.jsonl] [--since ISO|DATE|DURATION]\n"
    "                        [--until ISO|DATE] [--rules DIR] [--svg OUT.svg]\n"
    "                        [--export FILE.jsonl]\n"
    "  --redis URL     read the stream ww:decisions (redis://[[user]:password@]host[:port][/db];\n"
    "                  default $WEGWIJZER_REDIS)\n"
    "  --from FILE     read a JSON-lines export instead (one object per line with \"at\")\n"
    "  --since X       from this time on (2026-05-01T00:00:00+02:00, 2026-05-01 = midnight\n"
    "                  in Amsterdam, or a duration back from now: 90m, 24h, 7d, 4w)\n"
    "  --until X       up to (not including) this time; default: now\n"
    "  --rules DIR     rule set for targets and channel names (default $WEGWIJZER_RULES or\n"
    "                  ./rules, skipped when absent)\n"
    "  --svg OUT.svg   also write a stacked bar chart\n"
    "  --export FILE   also write the entries read as JSON lines (input for --from)\n";

typedef struct report_opts {
  const char *redis, *from, *rules, *svg, *export_path;
  int rules_explicit;
  int has_since, has_until;
  int64_t since_ms, until_ms;   /* since inclusive, until exclusive */
} report_opts;

/* Counters of one report. The json objects map key -> integer count (owned). */
typedef struct tally {
  json_t *by_service;   /* service -> {channel -> n} */
  json_t *by_origin;    /* origin -> {channel -> n} */
  json_t *total;        /* channel -> n */
  json_t *rulesets;     /* ruleset version -> n */
  json_t *made_ch;      /* channel -> handovers made there */
  json_t *claimed_ch;   /* channel -> handovers claimed there */
  long advice, route, degraded, other;
  long made, claimed;
  long stream_handovers;       /* handover/claimed entries that came from the stream */
  int handovers_from_sessions; /* 1: counted from session event lists */
  int64_t first_ms, last_ms;
  FILE *export_file;           /* borrowed, may be NULL */
} tally;

/* ---------------------------------------------------------------- helpers */

static const char *str_or(const json_t *o, const char *key, const char *dflt) {
  const char *s = json_string_value(json_object_get(o, key));
  return s && s[0] ? s : dflt;
}

static void bump(json_t *obj, const char *key, long n) {
  json_t *v = json_object_get(obj, key);
  if (v) json_integer_set(v, json_integer_value(v) + n);
  else json_object_set_new(obj, key, json_integer(n));
}

static void bump2(json_t *obj, const char *k1, const char *k2) {
  json_t *sub = json_object_get(obj, k1);
  if (sub == NULL) {
    sub = json_object();
    if (sub == NULL || json_object_set_new(obj, k1, sub) != 0) return;
  }
  bump(sub, k2, 1);
}

static long sum_counts(const json_t *obj) {
  long n = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) n += (long)json_integer_value(v);
  return n;
}

/* Code points, for padding columns with names such as "bijstand (Participatiewet)". */
static size_t u8len(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static void pad(FILE *out, const char *s, size_t width) {
  fputs(s, out);
  for (size_t n = u8len(s); n < width; n++) fputc(' ', out);
}

/* "80,0%": one decimal, Dutch decimal comma (the table and the chart say the same). */
static void fmt_pct(char out[24], double pct) {
  snprintf(out, 24, "%.1f%%", pct);
  char *dot = strchr(out, '.');
  if (dot) *dot = ',';
}

static void fmt_pp(char out[24], double pp) {
  if (fabs(pp) < 0.05) pp = 0.0;   /* no "-0,0" */
  snprintf(out, 24, "%+.1f pp", pp);
  char *dot = strchr(out, '.');
  if (dot) *dot = ',';
}

static double share(long n, long total) { return total > 0 ? 100.0 * (double)n / (double)total : 0.0; }

typedef struct kv {
  const char *key;   /* borrowed from the json object */
  long n;
} kv;

static int kv_cmp(const void *a, const void *b) {
  const kv *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return strcmp(x->key, y->key);
}

/* The keys of 'obj' by count, largest first (ties by name). New array (free()); keys are
 * borrowed from 'obj'. 'obj' may hold integers or sub-objects (counted by their sum). */
static kv *sorted(const json_t *obj, size_t *n) {
  *n = json_object_size(obj);
  kv *a = calloc(*n ? *n : 1, sizeof *a);
  if (a == NULL) {
    *n = 0;
    return NULL;
  }
  size_t i = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    a[i].key = k;
    a[i].n = json_is_object(v) ? sum_counts(v) : (long)json_integer_value(v);
    i++;
  }
  qsort(a, *n, sizeof *a, kv_cmp);
  return a;
}

/* ------------------------------------------------------------- time flags */

/* ISO 8601 with offset, a date (midnight in Amsterdam), or (allow_dur) "90m", "24h", "7d",
 * "4w", "3600s" back from 'now_ms'. 0 or -1. */
static int parse_when(const char *s, int allow_dur, int64_t now_ms, int64_t *ms) {
  int64_t epoch;
  if (ww_time_parse(s, &epoch) == 0) {
    *ms = epoch * 1000;
    return 0;
  }
  int y, m, d;
  char tail;
  if (strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
      m <= 12 && d >= 1 && d <= 31) {
    int64_t utc = ww_days_from_civil(y, m, d) * 86400;
    ww_localtime lt;
    ww_time_local(utc - 3600, &lt);   /* midnight is never inside a DST switch (01:00 UTC) */
    *ms = (utc - lt.offset) * 1000;
    return 0;
  }
  if (!allow_dur) return -1;
  char *end;
  errno = 0;
  long long n = strtoll(s, &end, 10);
  if (end == s || n < 0 || errno != 0 || end[0] == '\0' || end[1] != '\0') return -1;
  long long unit;
  switch (end[0]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return -1;
  }
  if (n > 100LL * 365 * 86400 / unit) return -1;
  *ms = now_ms - n * unit * 1000;
  return 0;
}

static int in_period(const report_opts *o, int64_t ms) {
  return (!o->has_since || ms >= o->since_ms) && (!o->has_until || ms < o->until_ms);
}

/* -------------------------------------------------------------- counting */

static int tally_init(tally *t) {
  memset(t, 0, sizeof *t);
  t->by_service = json_object();
  t->by_origin = json_object();
  t->total = json_object();
  t->rulesets = json_object();
  t->made_ch = json_object();
  t->claimed_ch = json_object();
  t->first_ms = INT64_MAX;
  t->last_ms = INT64_MIN;
  return t->by_service && t->by_origin && t->total && t->rulesets && t->made_ch &&
                 t->claimed_ch
             ? 0
             : -1;
}

static void tally_close(tally *t) {
  json_decref(t->by_service);
  json_decref(t->by_origin);
  json_decref(t->total);
  json_decref(t->rulesets);
  json_decref(t->made_ch);
  json_decref(t->claimed_ch);
}

static int is_true(const json_t *v) {
  if (json_is_true(v)) return 1;
  const char *s = json_string_value(v);
  return s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
}

/* Count one entry (borrowed; has "at") at 'ms', and copy it to the export file. */
static void tally_add(tally *t, const json_t *e, int64_t ms, int from_stream) {
  if (t->export_file) {
    char *line = json_dumps(e, JSON_COMPACT);
    if (line) {
      fputs(line, t->export_file);
      fputc('\n', t->export_file);
      free(line);
    }
  }
  const char *kind = str_or(e, "kind", "advice");
  const char *channel = str_or(e, "channel", NO_CHANNEL);
  if (strcmp(kind, "handover") == 0 || strcmp(kind, "claimed") == 0) {
    int made = kind[0] == 'h';
    if (made) t->made++;
    else t->claimed++;
    bump(made ? t->made_ch : t->claimed_ch, channel, 1);
    t->stream_handovers += from_stream;
    return;
  }
  if (strcmp(kind, "advice") != 0 && strcmp(kind, "route") != 0) {
    t->other++;   /* a kind from a newer server: not part of the mix */
    return;
  }
  if (kind[0] == 'a') t->advice++;
  else t->route++;
  if (ms < t->first_ms) t->first_ms = ms;
  if (ms > t->last_ms) t->last_ms = ms;
  bump2(t->by_service, str_or(e, "service", UNKNOWN), channel);
  bump2(t->by_origin, str_or(e, "origin", UNKNOWN), channel);
  bump(t->total, channel, 1);
  bump(t->rulesets, str_or(e, "ruleset", UNKNOWN), 1);
  if (is_true(json_object_get(e, "degraded"))) t->degraded++;
}

/* ------------------------------------------------------------ JSON lines */

static int read_jsonl(const report_opts *o, tally *t) {
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
    if (in_period(o, epoch * 1000)) tally_add(t, e, epoch * 1000, 1);
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

/* ----------------------------------------------------------------- Redis */

/* A reply that is not the error the command may give; says why on stderr. */
static int reply_ok(const redisContext *c, const redisReply *r, const char *what) {
  if (r == NULL) {
    fprintf(stderr, "wegwijzer report: Redis %s: %s\n", what, c->errstr[0] ? c->errstr : "no reply");
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

static int read_stream(redisContext *c, const report_opts *o, tally *t) {
  char start[48], end[48];
  if (o->has_since) snprintf(start, sizeof start, "%lld", (long long)(o->since_ms < 0 ? 0 : o->since_ms));
  else snprintf(start, sizeof start, "-");
  if (o->has_until) {
    if (o->until_ms <= 0) return 0;
    snprintf(end, sizeof end, "%lld", (long long)(o->until_ms - 1));
  } else {
    snprintf(end, sizeof end, "+");
  }
  for (;;) {
    redisReply *r = redisCommand(c, "XRANGE %s %s %s COUNT %d", STREAM_KEY, start, end,
                                 XRANGE_BATCH);
    if (!reply_ok(c, r, "XRANGE " STREAM_KEY)) {
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
      tally_add(t, e, ms, 1);
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

/* Handovers from the sessions still in Redis: events "handover" / "claimed" in the lists
 * ww:{<sid>}:ev within the period. Sessions expire (7 days by default), so this sees
 * only recent ones; the report says so. */
static int read_session_events(redisContext *c, const report_opts *o, tally *t) {
  char cursor[32] = "0";
  do {
    redisReply *r = redisCommand(c, "SCAN %s MATCH %s COUNT %d", cursor, WW_CODEC_EVENTS_MATCH, 500);
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
      /* ww:{<sid>}:ev -> <sid> */
      const char *sid = k->str + 4;
      size_t sidlen = k->len > 8 ? k->len - 8 : 0;
      for (size_t j = 0; l->type == REDIS_REPLY_ARRAY && j < l->elements; j++) {
        const redisReply *v = l->element[j];
        if (v->type != REDIS_REPLY_STRING) continue;
        json_t *ev = ww_codec_event_decode(v->str, v->len, NULL);   /* packed or JSON */
        const char *type = str_or(ev, "type", "");
        int64_t epoch;
        if ((strcmp(type, "handover") == 0 || strcmp(type, "claimed") == 0) &&
            ww_time_parse(str_or(ev, "at", ""), &epoch) == 0 && in_period(o, epoch * 1000)) {
          json_t *e = json_pack("{s:s, s:s, s:s}", "at", str_or(ev, "at", ""), "kind", type,
                                "channel", str_or(ev, "channel", ""));
          if (e) {
            const char *svc = json_string_value(json_object_get(ev, "service"));
            if (svc) json_object_set_new(e, "service", json_string(svc));
            json_t *js = json_stringn(sid, sidlen);
            if (js) json_object_set_new(e, "sessionId", js);
            tally_add(t, e, epoch * 1000, 0);
            json_decref(e);
          }
        }
        json_decref(ev);
      }
      freeReplyObject(l);
    }
    freeReplyObject(r);
  } while (strcmp(cursor, "0") != 0);
  t->handovers_from_sessions = 1;
  return 0;
}

static int read_redis(const report_opts *o, tally *t) {
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

/* ------------------------------------------------------ rule-set context */

/* Channel order, names and targets from the rule set (all may be NULL). */
typedef struct catalogue {
  json_t *channels;   /* new: [{id, name, ...}] in catalogue order, or NULL */
  json_t *targets;    /* new: {channel: share 0..1}, or NULL */
  char version[16];
} catalogue;

static int catalogue_load(const report_opts *o, catalogue *cat) {
  memset(cat, 0, sizeof *cat);
  struct stat sb;
  if (!o->rules_explicit && stat(o->rules, &sb) != 0) return 0;   /* no rule set here */
  ww_err err = {0};
  ww_rules *r = ww_rules_load(o->rules, NULL, &err);
  if (r == NULL) {
    fprintf(stderr, "wegwijzer report: rule set %s: %s\n", o->rules, err.msg);
    ww_err_clear(&err);
    return o->rules_explicit ? -1 : 0;
  }
  json_t *info = ww_rules_info(r);
  json_t *targets = json_object_get(info, "targets");
  if (json_is_object(targets) && json_object_size(targets) > 0) cat->targets = json_incref(targets);
  json_decref(info);
  json_t *ch = ww_rules_channels(r, (int64_t)time(NULL), NULL);
  cat->channels = json_incref(json_object_get(ch, "channels"));
  json_decref(ch);
  snprintf(cat->version, sizeof cat->version, "%s", ww_rules_version(r));
  ww_rules_free(r);
  return 0;
}

static void catalogue_close(catalogue *cat) {
  json_decref(cat->channels);
  json_decref(cat->targets);
}

static double target_of(const catalogue *cat, const char *channel, int *has) {
  json_t *v = json_object_get(cat->targets, channel);
  *has = json_is_number(v);
  return *has ? json_number_value(v) : 0.0;
}

/* One channel of the chart: id, label and colour slot. */
typedef struct chan {
  const char *id;     /* borrowed */
  const char *name;   /* borrowed */
  int slot;           /* palette index: catalogue position, stable across reports */
} chan;

static int chan_cmp(const void *a, const void *b) {
  const chan *x = a, *y = b;
  if (x->slot != y->slot) return x->slot < y->slot ? -1 : 1;
  return strcmp(x->id, y->id);
}

/* The channels seen in the period or named by a target: catalogue order first, then
 * unknown ones by name, "(geen)" last. New array (free()). */
static chan *chart_channels(const tally *t, const catalogue *cat, size_t *n) {
  size_t cap = json_object_size(t->total) + json_object_size(cat->targets) + 1;
  chan *a = calloc(cap, sizeof *a);
  size_t cnt = 0;
  if (a == NULL) {
    *n = 0;
    return NULL;
  }
  size_t ncat = json_array_size(cat->channels);
  for (int pass = 0; pass < 2; pass++) {
    const char *k;
    json_t *v;
    json_object_foreach(pass == 0 ? t->total : cat->targets, k, v) {
      int dup = 0;
      for (size_t i = 0; i < cnt && !dup; i++) dup = strcmp(a[i].id, k) == 0;
      if (dup || cnt == cap) continue;
      a[cnt].id = k;
      a[cnt].name = k;
      a[cnt].slot = strcmp(k, NO_CHANNEL) == 0 ? 1 << 20 : (1 << 19);
      for (size_t i = 0; i < ncat; i++) {
        const json_t *c = json_array_get(cat->channels, i);
        if (strcmp(str_or(c, "id", ""), k) == 0) {
          a[cnt].slot = (int)i;
          a[cnt].name = str_or(c, "name", k);
          break;
        }
      }
      cnt++;
    }
  }
  qsort(a, cnt, sizeof *a, chan_cmp);
  /* unknown channels get the slots after the catalogue, in name order */
  int next = (int)ncat;
  for (size_t i = 0; i < cnt; i++)
    if (a[i].slot == (1 << 19)) a[i].slot = next++;
  *n = cnt;
  return a;
}

/* ------------------------------------------------------------- text out */

static void print_period(FILE *out, const report_opts *o) {
  char a[32], b[32];
  if (o->has_since) ww_time_format(o->since_ms / 1000, a);
  else snprintf(a, sizeof a, "begin van de log");
  if (o->has_until) ww_time_format(o->until_ms / 1000, b);
  else snprintf(b, sizeof b, "nu");
  fprintf(out, "%s tot %s", a, b);
}

static void source_label(const report_opts *o, char *buf, size_t size) {
  if (o->from) {
    snprintf(buf, size, "%s", o->from);
    return;
  }
  ww_redis_url u;
  if (ww_redis_url_parse(o->redis, &u, NULL) == 0)   /* never print the password */
    snprintf(buf, size, "redis://%s:%d/%d (stream %s)", u.host, u.port, u.db, STREAM_KEY);
  else snprintf(buf, size, "redis");
}

/* A mix table: group (service or origin) -> channel, with a blank line between groups. */
static void print_mix(FILE *out, const char *title, const char *col, const json_t *groups) {
  fprintf(out, "\n%s\n", title);
  size_t ng;
  kv *g = sorted(groups, &ng);
  size_t w1 = u8len(col), w2 = strlen("kanaal");
  for (size_t i = 0; i < ng; i++) {
    if (u8len(g[i].key) > w1) w1 = u8len(g[i].key);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(groups, g[i].key), k, v)
      if (u8len(k) > w2) w2 = u8len(k);
  }
  pad(out, col, w1 + 2);
  pad(out, "kanaal", w2 + 2);
  fprintf(out, "%8s %8s\n", "aantal", "aandeel");
  if (ng == 0) fprintf(out, "(geen beslissingen)\n");
  for (size_t i = 0; i < ng; i++) {
    size_t nc;
    kv *c = sorted(json_object_get(groups, g[i].key), &nc);
    char p[24];
    for (size_t j = 0; j < nc; j++) {
      fmt_pct(p, share(c[j].n, g[i].n));
      pad(out, g[i].key, w1 + 2);
      pad(out, c[j].key, w2 + 2);
      fprintf(out, "%8ld %8s\n", c[j].n, p);
    }
    pad(out, g[i].key, w1 + 2);
    pad(out, "totaal", w2 + 2);
    fmt_pct(p, 100.0);
    fprintf(out, "%8ld %8s\n", g[i].n, p);
    if (i + 1 < ng) fputc('\n', out);
    free(c);
  }
  free(g);
}

static void print_totals(FILE *out, const tally *t, const catalogue *cat) {
  long all = t->advice + t->route;
  size_t nc;
  kv *c = sorted(t->total, &nc);
  /* target channels not seen in the period follow, biggest target first */
  size_t nt = 0;
  kv *extra = calloc(json_object_size(cat->targets) + 1, sizeof *extra);
  const char *k;
  json_t *v;
  json_object_foreach(cat->targets, k, v) {
    if (extra && json_object_get(t->total, k) == NULL) {
      extra[nt].key = k;
      extra[nt].n = (long)llround(json_number_value(v) * 1e6);
      nt++;
    }
  }
  if (extra) qsort(extra, nt, sizeof *extra, kv_cmp);
  int with_targets = cat->targets != NULL;
  size_t w = strlen("kanaal");
  for (size_t i = 0; i < nc; i++)
    if (u8len(c[i].key) > w) w = u8len(c[i].key);
  for (size_t i = 0; i < nt; i++)
    if (u8len(extra[i].key) > w) w = u8len(extra[i].key);

  fprintf(out, "\nTotaal per kanaal%s\n",
          with_targets ? " (doel uit de regelset; verschil in procentpunten)" : "");
  pad(out, "kanaal", w + 2);
  fprintf(out, "%8s %8s", "aantal", "aandeel");
  if (with_targets) fprintf(out, " %8s %10s", "doel", "verschil");
  fputc('\n', out);
  char p[24], tp[24], d[24];
  for (size_t i = 0; i < nc + nt; i++) {
    const char *id = i < nc ? c[i].key : extra[i - nc].key;
    long n = i < nc ? c[i].n : 0;
    double act = share(n, all);
    fmt_pct(p, act);
    pad(out, id, w + 2);
    fprintf(out, "%8ld %8s", n, p);
    if (with_targets) {
      int has;
      double tg = target_of(cat, id, &has) * 100.0;
      if (has) {
        fmt_pct(tp, tg);
        fmt_pp(d, act - tg);
        fprintf(out, " %8s %10s", tp, all > 0 ? d : "-");
      } else {
        fprintf(out, " %8s %10s", "-", "-");
      }
    }
    fputc('\n', out);
  }
  pad(out, "totaal", w + 2);
  fmt_pct(p, 100.0);
  fprintf(out, "%8ld %8s\n", all, all > 0 ? p : "-");
  if (!with_targets) fprintf(out, "(de regelset geeft geen doelen: targets { ... } in channels.lua)\n");
  free(extra);
  free(c);
}

static void print_by_channel(FILE *out, const char *label, const json_t *obj) {
  size_t n;
  kv *a = sorted(obj, &n);
  if (n == 0) {
    free(a);
    return;
  }
  fprintf(out, "  %s", label);
  for (size_t i = 0; i < n; i++) fprintf(out, "%s%s %ld", i ? ", " : " ", a[i].key, a[i].n);
  fputc('\n', out);
  free(a);
}

static void print_text(FILE *out, const report_opts *o, const tally *t, const catalogue *cat) {
  char src[400];
  source_label(o, src, sizeof src);
  long all = t->advice + t->route;
  fprintf(out, "Kanaalmix (wegwijzer report)\n");
  fprintf(out, "Periode:      ");
  print_period(out, o);
  fputc('\n', out);
  fprintf(out, "Bron:         %s\n", src);
  fprintf(out, "Beslissingen: %ld (advies %ld, route %ld)\n", all, t->advice, t->route);
  if (all > 0) {
    char a[32], b[32];
    ww_time_format(t->first_ms / 1000, a);
    ww_time_format(t->last_ms / 1000, b);
    fprintf(out, "Gezien:       %s tot en met %s\n", a, b);
    size_t n;
    kv *rs = sorted(t->rulesets, &n);
    fprintf(out, "Regelsets:   ");
    for (size_t i = 0; i < n; i++) fprintf(out, "%s %s (%ld)", i ? "," : "", rs[i].key, rs[i].n);
    fputc('\n', out);
    free(rs);
  }
  if (cat->version[0]) fprintf(out, "Doelen uit:   %s (regelset %s)\n", o->rules, cat->version);
  if (t->other) fprintf(out, "Overige regels in de log (niet meegeteld): %ld\n", t->other);

  print_mix(out, "Per dienst (eerste geadviseerde kanaal; bij route het doel)", "dienst",
            t->by_service);
  print_mix(out, "Per herkomst (waar de vraag vandaan kwam)", "herkomst", t->by_origin);
  print_totals(out, t, cat);

  fprintf(out, "\nOverdrachten (bron: %s)\n",
          t->handovers_from_sessions
              ? "sessies in Redis; verlopen sessies tellen niet meer mee"
              : o->from ? "bestand" : "beslissingenstroom");
  char p[24];
  fprintf(out, "  gemaakt    %6ld\n", t->made);
  fmt_pct(p, share(t->claimed, t->made));
  fprintf(out, "  opgehaald  %6ld", t->claimed);
  if (t->made > 0) fprintf(out, "  (%s van gemaakt)", p);
  fputc('\n', out);
  print_by_channel(out, "gemaakt via:", t->made_ch);
  print_by_channel(out, "opgehaald via:", t->claimed_ch);

  fmt_pct(p, share(t->degraded, all));
  fprintf(out, "\nTerugvaladvies (degraded): %ld van %ld beslissingen (%s)\n", t->degraded, all,
          all > 0 ? p : "-");
}

/* -------------------------------------------------------------- SVG out */

/* Okabe-Ito plus Paul Tol's muted colours: distinguishable with colour-blindness. */
static const char *const palette[] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#332288", "#44AA99", "#882255", "#999933", "#AA4499",
};
#define NPALETTE (sizeof palette / sizeof palette[0])

static const char *colour(int slot) {
  if (slot >= (1 << 20)) return "#BBBBBB";   /* (geen) */
  return palette[(size_t)slot % NPALETTE];
}

/* Black or white text on 'hex' (WCAG relative luminance). */
static const char *ink(const char *hex) {
  unsigned rgb = (unsigned)strtoul(hex + 1, NULL, 16);
  double ch[3] = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
  for (int i = 0; i < 3; i++) {
    double c = ch[i] / 255.0;
    ch[i] = c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
  }
  double l = 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#000000" : "#FFFFFF";
}

/* XML text: escapes markup and drops control characters XML 1.0 does not allow. */
static void xml(FILE *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
      case '&': fputs("&amp;", out); break;
      case '<': fputs("&lt;", out); break;
      case '>': fputs("&gt;", out); break;
      case '"': fputs("&quot;", out); break;
      case '\'': fputs("&apos;", out); break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n') fputc('?', out);
        else fputc(c, out);
    }
  }
}

/* At most 'max' code points of 's' into 'buf', with "…" when cut. */
static const char *clip(const char *s, size_t max, char *buf, size_t size) {
  if (u8len(s) <= max) return s;
  size_t n = 0, i = 0;
  for (; s[i] && i + 4 < size; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max - 1) break;
    buf[i] = s[i];
  }
  memcpy(buf + i, "\xE2\x80\xA6", 4);
  return buf;
}

#define SVG_W 1000
#define SVG_PAD 24
#define ROW_H 30
#define BAR_H 20
#define CHAR_W 7.4   /* average advance of a 13 px sans-serif glyph */

typedef struct svg_ctx {
  FILE *out;
  const chan *ch;
  size_t nch;
  double x0, bw;   /* bar area */
} svg_ctx;

/* One stacked bar: counts per channel of 'mix' (or target shares when 'targets'). */
static void svg_bar(svg_ctx *s, double y, const char *label, const json_t *mix, int targets,
                    const char *right) {
  FILE *out = s->out;
  char cut[256];
  fprintf(out, "<g class=\"bar\">\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"label\">",
          s->x0 - 8, y + BAR_H / 2.0 + 4.5);
  xml(out, clip(label, 34, cut, sizeof cut));
  fputs("<title>", out);
  xml(out, label);
  fputs("</title></text>\n", out);
  double total = 0;
  for (size_t i = 0; i < s->nch; i++) {
    json_t *v = json_object_get(mix, s->ch[i].id);
    total += targets ? json_number_value(v) : (double)json_integer_value(v);
  }
  double denom = targets ? 1.0 : total;
  double x = s->x0;
  fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
               "stroke=\"#888888\" stroke-width=\"0.5\"/>\n",
          s->x0, y, s->bw, BAR_H, targets ? "url(#rest)" : "#F2F2F2");
  for (size_t i = 0; denom > 0 && i < s->nch; i++) {
    json_t *v = json_object_get(mix, s->ch[i].id);
    double n = targets ? json_number_value(v) : (double)json_integer_value(v);
    if (v == NULL || n <= 0) continue;
    double f = n / denom, w = f * s->bw;
    const char *fill = colour(s->ch[i].slot);
    char p[24];
    fmt_pct(p, f * 100.0);
    fprintf(out, "<rect class=\"seg\" data-channel=\"");
    xml(out, s->ch[i].id);
    fprintf(out, "\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>", x, y,
            w, BAR_H, fill);
    xml(out, label);
    fputs(": ", out);
    xml(out, s->ch[i].name);
    if (targets) fprintf(out, " doel %s", p);
    else fprintf(out, " %ld (%s)", (long)n, p);
    fputs("</title></rect>\n", out);
    if (w >= 38) {
      snprintf(p, sizeof p, "%.0f%%", f * 100.0);
      fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"pct\" style=\"fill:%s\">%s</text>\n",
              x + w / 2, y + BAR_H / 2.0 + 4.5, ink(fill), p);
    }
    x += w;
  }
  if (right)
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"n\">%s</text>\n", s->x0 + s->bw + 8,
            y + BAR_H / 2.0 + 4.5, right);
  fputs("</g>\n", out);
}

static int write_svg(const char *path, const report_opts *o, const tally *t,
                     const catalogue *cat) {
  FILE *out = fopen(path, "w");
  if (out == NULL) {
    fprintf(stderr, "wegwijzer report: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t nch;
  chan *ch = chart_channels(t, cat, &nch);
  size_t nsvc;
  kv *svc = sorted(t->by_service, &nsvc);
  long all = t->advice + t->route;

  /* label column from the longest service id, clipped at 34 code points */
  size_t maxlab = strlen("Alle diensten");
  for (size_t i = 0; i < nsvc; i++) {
    size_t l = u8len(svc[i].key);
    if (l > maxlab) maxlab = l > 34 ? 34 : l;
  }
  svg_ctx s = {out, ch, nch, 0, 0};
  s.x0 = SVG_PAD + maxlab * CHAR_W + 12;
  s.bw = SVG_W - SVG_PAD - 80 - s.x0;

  /* legend layout: items flow left to right, wrapping */
  double lx = SVG_PAD, ly = 84;
  double *itx = calloc(nch + 2, sizeof *itx), *ity = calloc(nch + 2, sizeof *ity);
  for (size_t i = 0; itx && ity && i <= nch; i++) {
    const char *name = i < nch ? ch[i].name : "doel: grens per kanaal";
    double w = 14 + 6 + u8len(name) * 7.0 + 18;
    if (lx + w > SVG_W - SVG_PAD && lx > SVG_PAD) {
      lx = SVG_PAD;
      ly += 22;
    }
    itx[i] = lx;
    ity[i] = ly;
    lx += w;
  }
  int with_targets = cat->targets != NULL;
  double top = ly + 40;
  size_t rows = (with_targets ? 1 : 0) + 1 + nsvc;
  double height = top + 18 + rows * ROW_H + 14 + 60;

  char period[96], a[32], b[32];
  if (o->has_since) ww_time_format(o->since_ms / 1000, a);
  else snprintf(a, sizeof a, "begin van de log");
  if (o->has_until) ww_time_format(o->until_ms / 1000, b);
  else snprintf(b, sizeof b, "nu");
  snprintf(period, sizeof period, "%s tot %s", a, b);

  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%.0f\" "
          "viewBox=\"0 0 %d %.0f\" role=\"img\" aria-labelledby=\"title desc\" lang=\"nl\">\n",
          SVG_W, height, SVG_W, height);
  fputs("<title id=\"title\">Kanaalmix per dienst</title>\n<desc id=\"desc\">", out);
  fprintf(out, "Gestapelde staven: per dienst het aandeel van elk kanaal als eerste advies "
               "(bij route het doel), periode %s, %ld beslissingen. ", period, all);
  if (all > 0) {
    size_t nt;
    kv *tot = sorted(t->total, &nt);
    fputs("Alle diensten samen:", out);
    for (size_t i = 0; i < nt; i++) {
      char p[24];
      fmt_pct(p, share(tot[i].n, all));
      fputs(i ? ", " : " ", out);
      xml(out, tot[i].key);
      fprintf(out, " %s", p);
      int has;
      double tg = target_of(cat, tot[i].key, &has);
      if (has) {
        fmt_pct(p, tg * 100.0);
        fprintf(out, " (doel %s)", p);
      }
    }
    fputs(".", out);
    free(tot);
  }
  fputs("</desc>\n", out);
  fputs("<defs><pattern id=\"rest\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#FFFFFF\"/>"
        "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#CCCCCC\" stroke-width=\"2\"/>"
        "</pattern></defs>\n"
        "<style>text{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;"
        "font-size:13px;fill:#1A1A1A}.h1{font-size:20px;font-weight:bold}"
        ".sub{font-size:13px;fill:#404040}.pct{font-size:12px;font-weight:bold}"
        ".n{font-size:12px;fill:#404040}.axis{font-size:11px;fill:#595959}</style>\n",
        out);
  fprintf(out, "<rect width=\"%d\" height=\"%.0f\" fill=\"#FFFFFF\"/>\n", SVG_W, height);
  fprintf(out, "<text x=\"%d\" y=\"36\" class=\"h1\">Kanaalmix per dienst</text>\n", SVG_PAD);
  fprintf(out, "<text x=\"%d\" y=\"60\" class=\"sub\">", SVG_PAD);
  xml(out, period);
  fprintf(out, " · %ld beslissingen · eerste geadviseerde kanaal (route: het doel)</text>\n", all);

  /* legend */
  fputs("<g class=\"legend\">\n", out);
  for (size_t i = 0; itx && ity && i < nch + (with_targets ? 1 : 0); i++) {
    if (i < nch) {
      fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>", itx[i],
              ity[i] - 11, colour(ch[i].slot));
      fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", itx[i] + 20, ity[i]);
      xml(out, ch[i].name);
      fputs("<title>", out);
      xml(out, ch[i].id);
      fputs("</title></text>\n", out);
    } else {
      fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" "
                   "stroke-width=\"2\"/>",
              itx[i] + 7, ity[i] - 13, itx[i] + 7, ity[i] + 3);
      fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">doel: grens per kanaal</text>\n", itx[i] + 20,
              ity[i]);
    }
  }
  fputs("</g>\n", out);

  /* axis: 0..100% with grid lines under the bars */
  double gy0 = top, gy1 = top + 18 + rows * ROW_H + 14;
  for (int pct = 0; pct <= 100; pct += 25) {
    double x = s.x0 + s.bw * pct / 100.0;
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#DDDDDD\"/>"
                 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">%d%%</text>\n",
            x, gy0 + 6, x, gy1, x, gy0, pct);
  }

  double y = top + 14;
  if (with_targets) {
    svg_bar(&s, y, "Doel (regelset)", cat->targets, 1, NULL);
    y += ROW_H;
  }
  if (all == 0)
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">Geen beslissingen in deze periode.</text>\n", s.x0,
            y + BAR_H / 2.0 + 4.5);
  char nbuf[48];
  if (all > 0) {
    snprintf(nbuf, sizeof nbuf, "n = %ld", all);
    svg_bar(&s, y, "Alle diensten", t->total, 0, nbuf);
    if (with_targets) {   /* markers: where each channel's target share ends, so the eye
                             can follow the Doel bar's boundaries into this one */
      double cum = 0;
      for (size_t i = 0; i < nch; i++) {
        int has;
        double tg = target_of(cat, ch[i].id, &has);
        if (!has) continue;
        cum += tg;
        double x = s.x0 + s.bw * (cum > 1 ? 1 : cum);
        char p[24];
        fmt_pct(p, tg * 100.0);
        fprintf(out, "<line class=\"target\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
                     "stroke=\"#000000\" stroke-width=\"2\"><title>doel ",
                x, y - 9, x, y + 5);   /* above the labels: points into the bar */
        xml(out, ch[i].name);
        fprintf(out, " %s</title></line>\n", p);
      }
    }
    y += ROW_H + 14;
  }
  for (size_t i = 0; i < nsvc; i++) {
    snprintf(nbuf, sizeof nbuf, "n = %ld", svc[i].n);
    svg_bar(&s, y, svc[i].key, json_object_get(t->by_service, svc[i].key), 0, nbuf);
    y += ROW_H;
  }

  char p[24];
  fmt_pct(p, share(t->degraded, all));
  fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"sub\">Overdrachten: %ld gemaakt, %ld opgehaald"
               " · terugvaladvies (degraded): %ld (%s)</text>\n",
          SVG_PAD, height - 36, t->made, t->claimed, t->degraded, all > 0 ? p : "-");
  char src[400];
  source_label(o, src, sizeof src);
  fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"axis\">Bron: ", SVG_PAD, height - 16);
  xml(out, src);
  if (cat->version[0]) fprintf(out, " · doelen uit regelset %s", cat->version);
  fputs(" · wegwijzer report</text>\n</svg>\n", out);

  free(itx);
  free(ity);
  free(svc);
  free(ch);
  int rc = ferror(out) ? -1 : 0;
  if (fclose(out) != 0) rc = -1;
  if (rc != 0) fprintf(stderr, "wegwijzer report: writing %s failed\n", path);
  return rc;
}

/* --------------------------------------------------------------- command */

static int usage_error(const char *fmt, const char *arg) {
  fputs("wegwijzer report: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(report_usage, stderr);
  return 2;
}

int ww_cli_report(int argc, char **argv) {
  report_opts o = {0};
  const char *since = NULL, *until = NULL;
  o.rules = getenv("WEGWIJZER_RULES");
  if (o.rules && o.rules[0]) o.rules_explicit = 1;
  else o.rules = "rules";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(report_usage, stdout);
      return 0;
    }
    static const char *const names[] = {"--redis", "--from", "--since", "--until",
                                        "--rules", "--svg", "--export"};
    const char **slot[] = {&o.redis, &o.from, &since, &until, &o.rules, &o.svg, &o.export_path};
    size_t k, nl = 0;
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
      nl = strlen(names[k]);
      if (strncmp(a, names[k], nl) == 0 && (a[nl] == '\0' || a[nl] == '=')) break;
    }
    if (k == sizeof names / sizeof names[0]) return usage_error("unknown option %s", a);
    const char *val = a[nl] == '=' ? a + nl + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (val == NULL || val[0] == '\0') return usage_error("%s needs a value", names[k]);
    *slot[k] = val;
    if (k == 4) o.rules_explicit = 1;
  }
  if (o.redis && o.from) return usage_error("%s", "give --redis or --from, not both");
  if (o.redis == NULL && o.from == NULL) {
    const char *env = getenv("WEGWIJZER_REDIS");
    if (env && env[0]) o.redis = env;
    else return usage_error("%s", "give --redis URL or --from FILE.jsonl");
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
  if (since) {
    if (parse_when(since, 1, now_ms, &o.since_ms) != 0)
      return usage_error("--since %s: want 2026-05-01T00:00:00+02:00, 2026-05-01 or 7d", since);
    o.has_since = 1;
  }
  if (until) {
    if (parse_when(until, 0, now_ms, &o.until_ms) != 0)
      return usage_error("--until %s: want 2026-05-08T00:00:00+02:00 or 2026-05-08", until);
    o.has_until = 1;
  }
  if (o.has_since && o.has_until && o.until_ms <= o.since_ms)
    return usage_error("%s", "--until must be later than --since");

  catalogue cat;
  if (catalogue_load(&o, &cat) != 0) return 1;
  tally t;
  int rc = 1;
  FILE *exp = NULL;
  if (tally_init(&t) != 0) goto out;
  if (o.export_path) {
    exp = fopen(o.export_path, "w");
    if (exp == NULL) {
      fprintf(stderr, "wegwijzer report: cannot write %s: %s\n", o.export_path, strerror(errno));
      goto out;
    }
    t.export_file = exp;
  }
  if ((o.from ? read_jsonl(&o, &t) : read_redis(&o, &t)) != 0) goto out;
  print_text(stdout, &o, &t, &cat);
  if (o.svg && write_svg(o.svg, &o, &t, &cat) != 0) goto out;
  rc = 0;
out:
  if (exp && fclose(exp) != 0) {
    fprintf(stderr, "wegwijzer report: writing %s failed\n", o.export_path);
    rc = 1;
  }
  tally_close(&t);
  catalogue_close(&cat);
  return fflush(stdout) == 0 ? rc : 1;
}
