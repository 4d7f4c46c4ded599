/* wegwijzer report: counting the entries, and the figures both outputs show.
 * Counting uses jansson objects as hash maps: a report is a CLI run, not a hot path. */
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"
#include "store/codec.h"
#include "util/redis_url.h"
#include "util/tztime.h"

/* ---- helpers ---- */

const char *ww__report_str(const json_t *o, const char *key, const char *dflt) {
  const char *s = json_string_value(json_object_get(o, key));
  return s && s[0] ? s : dflt;
}

static void bump(json_t *obj, const char *key, long n) {
  json_t *v = json_object_get(obj, key);
  if (v) json_integer_set(v, json_integer_value(v) + n);
  else json_object_set_new(obj, key, json_integer(n));
}

static void bump_pair(json_t *obj, const char *k1, const char *k2) {
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

size_t ww__report_u8len(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

void ww__report_fmt_pct(char out[24], double pct) {
  snprintf(out, 24, "%.1f%%", pct);
  char *dot = strchr(out, '.');
  if (dot) *dot = ',';
}

double ww__report_share(long n, long total) {
  return total > 0 ? 100.0 * (double)n / (double)total : 0.0;
}

int ww__report_kv_cmp(const void *a, const void *b) {
  const ww__kv *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return strcmp(x->key, y->key);
}

ww__kv *ww__report_sorted(const json_t *obj, size_t *n) {
  *n = json_object_size(obj);
  ww__kv *a = calloc(*n ? *n : 1, sizeof *a);
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
  qsort(a, *n, sizeof *a, ww__report_kv_cmp);
  return a;
}

/* ---- counting ---- */

int ww__tally_init(ww__tally *t) {
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

void ww__tally_close(ww__tally *t) {
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

void ww__tally_add(ww__tally *t, const json_t *e, int64_t ms, int from_stream) {
  if (t->export_file) {
    char *line = json_dumps(e, JSON_COMPACT);
    if (line) {
      fputs(line, t->export_file);
      fputc('\n', t->export_file);
      free(line);
    }
  }
  const char *kind = ww__report_str(e, "kind", "advice");
  const char *channel = ww__report_str(e, "channel", WW_REPORT_NO_CHANNEL);
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
  bump_pair(t->by_service, ww__report_str(e, "service", WW_REPORT_UNKNOWN), channel);
  bump_pair(t->by_origin, ww__report_str(e, "origin", WW_REPORT_UNKNOWN), channel);
  bump(t->total, channel, 1);
  bump(t->rulesets, ww__report_str(e, "ruleset", WW_REPORT_UNKNOWN), 1);
  if (is_true(json_object_get(e, "degraded"))) t->degraded++;
}

/* ---- what the period and the source are called ---- */

void ww__report_period(const ww_report_opts *o, char out[96]) {
  char a[32], b[32];
  if (o->has_since) ww_time_format(o->since_ms / 1000, a);
  else snprintf(a, sizeof a, "begin van de log");
  if (o->has_until) ww_time_format(o->until_ms / 1000, b);
  else snprintf(b, sizeof b, "nu");
  snprintf(out, 96, "%s tot %s", a, b);
}

void ww__report_source(const ww_report_opts *o, char *buf, size_t size) {
  if (o->from) {
    snprintf(buf, size, "%s", o->from);
    return;
  }
  ww_redis_url u;
  if (ww_redis_url_parse(o->redis, &u, NULL) == 0)   /* never print the password */
    snprintf(buf, size, strchr(u.host, ':') ? "redis://[%s]:%d/%d (stream %s)"
                                            : "redis://%s:%d/%d (stream %s)",
             u.host, u.port, u.db, WW_CODEC_LOG_KEY);
  else snprintf(buf, size, "redis");
}
