/* Recorded decisions decided again on two rule sets, and the counts of what changes
 * (replay.h). */
#include "replay/replay.h"

#include <stdlib.h>
#include <string.h>

struct ww_replay {
  ww_rules *before, *after;     /* borrowed */
  int max_examples;
  long replayed, changed, errors_before, errors_after, skipped;
  json_t *by_service;           /* service -> [replayed, changed] */
  json_t *shifts;               /* "from\x1fto" -> {from, to, count, services: {svc: n}} */
  json_t *excluded;             /* channel -> newly excluded count */
  json_t *examples;             /* [{request, before, after}] */
};

ww_replay *ww_replay_new(ww_rules *before, ww_rules *after, int examples) {
  ww_replay *r = calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  r->before = before;
  r->after = after;
  r->max_examples = examples < 0 ? 0 : examples;
  r->by_service = json_object();
  r->shifts = json_object();
  r->excluded = json_object();
  r->examples = json_array();
  if (!r->by_service || !r->shifts || !r->excluded || !r->examples) {
    ww_replay_free(r);
    return NULL;
  }
  return r;
}

void ww_replay_free(ww_replay *r) {
  if (r == NULL) return;
  json_decref(r->by_service);
  json_decref(r->shifts);
  json_decref(r->excluded);
  json_decref(r->examples);
  free(r);
}

long ww_replay_skipped(const ww_replay *r) { return r->skipped; }

/* Adds 'n' to the integer at 'key' of 'obj' (made at 0). */
static void bump(json_t *obj, const char *key, long n) {
  json_t *v = json_object_get(obj, key);
  if (v) json_integer_set(v, json_integer_value(v) + n);
  else json_object_set_new(obj, key, json_integer(n));
}

/* One decision of 'request' on 'rules': 0 decided ('*out' filled), 1 an error (the
 * service is unknown there, the request invalid for it, or a rule failed). */
static int decide(ww_rules *rules, const json_t *request, const ww_decision_opts *o,
                  ww_decision_outcome *out) {
  ww_decision_input in;
  ww_err err = {0};
  out->first = NULL;
  out->nexcluded = 0;
  out->failed = 0;
  int rc = ww_decision_parse(rules, request, NULL, &in, &err);
  if (rc == 0) rc = ww_decision_outcome_of(rules, &in, o, out, &err);
  ww_err_clear(&err);
  return rc != 0 || out->failed;
}

static int same(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

/* {first, channels: [ids], trace} of the decision with explanation, or {error}. */
static json_t *explained(ww_rules *rules, const json_t *request, const ww_decision_opts *o) {
  json_t *req = json_copy((json_t *)request), *answer = NULL;
  json_object_set_new(req, "explain", json_true());
  ww_decision_input in;
  ww_err err = {0};
  int rc = ww_decision_parse(rules, req, NULL, &in, &err);
  if (rc == 0) rc = ww_decision_json(rules, &in, o, &answer, &err);
  json_t *side;
  if (rc != 0) {
    side = json_pack("{s:n, s:[], s:[], s:s}", "first", "channels", "trace", "error", err.msg);
  } else {
    json_t *ids = json_array();
    const json_t *target = json_object_get(answer, "target");
    const json_t *list = o->route ? json_object_get(answer, "alternatives")
                                  : json_object_get(answer, "channels");
    if (target) json_array_append(ids, json_object_get(target, "id"));
    size_t i;
    const json_t *c;
    json_array_foreach(list, i, c) json_array_append(ids, json_object_get(c, "id"));
    json_t *first = json_array_get(ids, 0);
    side = json_pack("{s:O, s:o, s:O}", "first", first ? first : json_null(), "channels", ids,
                     "trace", json_object_get(answer, "trace"));
  }
  ww_err_clear(&err);
  json_decref(answer);
  json_decref(req);
  return side;
}

static void add_example(ww_replay *r, const json_t *request, const json_t *session,
                        const json_t *overrides, const ww_decision_opts *o) {
  json_t *ex = json_pack("{s:O, s:o, s:o}", "request", request, "before",
                         explained(r->before, request, o), "after",
                         explained(r->after, request, o));
  if (ex == NULL) return;
  /* what the rules saw besides the request (wegwijzer eval takes the request alone) */
  if (session) json_object_set(ex, "session", (json_t *)session);
  if (overrides) json_object_set(ex, "overrides", (json_t *)overrides);
  if (o->route) json_object_set_new(ex, "route", json_true());
  json_array_append_new(r->examples, ex);
}

static int replay_one(ww_replay *r, const json_t *request, const json_t *session,
                      const json_t *overrides, int route, const char *seed) {
  ww_decision_opts o = {0};
  o.route = route;
  o.session = session;
  o.status = overrides;
  o.advice_id = seed && seed[0] ? seed : "replay";   /* math.random: the same on both */
  ww_decision_outcome b, a;
  int eb = decide(r->before, request, &o, &b);
  int ea = decide(r->after, request, &o, &a);
  const char *service = json_string_value(json_object_get(request, "service"));
  if (service == NULL) return 0;
  r->replayed++;
  r->errors_before += eb;
  r->errors_after += ea;
  int changed = !same(b.first, a.first);
  json_t *svc = json_object_get(r->by_service, service);
  if (svc == NULL) {
    svc = json_pack("[i, i]", 0, 0);
    if (svc == NULL || json_object_set_new(r->by_service, service, svc) != 0) return -1;
  }
  json_integer_set(json_array_get(svc, 0), json_integer_value(json_array_get(svc, 0)) + 1);
  for (int i = 0; i < a.nexcluded; i++) {
    int was = 0;
    for (int k = 0; k < b.nexcluded && !was; k++) was = strcmp(a.excluded[i], b.excluded[k]) == 0;
    if (!was) bump(r->excluded, a.excluded[i], 1);
  }
  if (!changed) return 1;
  r->changed++;
  json_integer_set(json_array_get(svc, 1), json_integer_value(json_array_get(svc, 1)) + 1);
  const char *from = b.first ? b.first : "", *to = a.first ? a.first : "";
  size_t lf = strlen(from), lt = strlen(to);
  char *key = malloc(lf + lt + 2);
  if (key == NULL) return -1;
  memcpy(key, from, lf);
  key[lf] = '\x1f';
  memcpy(key + lf + 1, to, lt + 1);
  json_t *shift = json_object_get(r->shifts, key);
  if (shift == NULL) {
    shift = json_pack("{s:s?, s:s?, s:i, s:{}}", "from", b.first, "to", a.first, "count", 0,
                      "services");
    if (shift) json_object_set_new(r->shifts, key, shift);
  }
  free(key);
  if (shift == NULL) return -1;
  bump(shift, "count", 1);
  bump(json_object_get(shift, "services"), service, 1);
  if ((int)json_array_size(r->examples) < r->max_examples)
    add_example(r, request, session, overrides, &o);
  return 1;
}

int ww_replay_add_request(ww_replay *r, const json_t *request, const json_t *session,
                          const json_t *overrides, int route) {
  return replay_one(r, request, session, overrides, route, NULL);
}

int ww_replay_add(ww_replay *r, const json_t *entry) {
  const char *kind = json_string_value(json_object_get(entry, "kind"));
  int route = kind && strcmp(kind, "route") == 0;
  json_t *request, *session, *overrides;
  if ((kind && !route && strcmp(kind, "advice") != 0) ||
      ww_decision_record_read(entry, &request, &session, &overrides) != 0) {
    r->skipped++;
    return 0;
  }
  int rc = replay_one(r, request, session, overrides, route,
                      json_string_value(json_object_get(entry, "adviceId")));
  if (rc == 0) r->skipped++;
  json_decref(request);
  json_decref(session);
  json_decref(overrides);
  return rc;
}

/* ---- the report ---- */

/* qsort order: count desc, then name. */
typedef struct item {
  const char *name;
  long count, second;
  json_t *v;
} item;

static int item_cmp(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  if (a->count != b->count) return a->count > b->count ? -1 : 1;
  if (a->second != b->second) return a->second > b->second ? -1 : 1;
  return strcmp(a->name, b->name);
}

static item *sorted(const json_t *obj, size_t *n, long (*count)(const json_t *),
                    long (*second)(const json_t *)) {
  *n = json_object_size(obj);
  item *it = calloc(*n ? *n : 1, sizeof *it);
  if (it == NULL) return NULL;
  size_t i = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    it[i].name = k;
    it[i].v = v;
    it[i].count = count(v);
    it[i].second = second ? second(v) : 0;
    i++;
  }
  qsort(it, *n, sizeof *it, item_cmp);
  return it;
}

static long int_value(const json_t *v) { return (long)json_integer_value(v); }
static long svc_changed(const json_t *v) { return (long)json_integer_value(json_array_get(v, 1)); }
static long svc_replayed(const json_t *v) { return (long)json_integer_value(json_array_get(v, 0)); }
static long shift_count(const json_t *v) { return int_value(json_object_get(v, "count")); }

json_t *ww_replay_report(const ww_replay *r) {
  json_t *by = json_array(), *shifts = json_array(), *excl = json_array();
  size_t n, i;
  item *it = sorted(r->by_service, &n, svc_changed, svc_replayed);
  for (i = 0; it && i < n; i++)
    json_array_append_new(by, json_pack("{s:s, s:I, s:I}", "service", it[i].name, "replayed",
                                        (json_int_t)svc_replayed(it[i].v), "changed",
                                        (json_int_t)svc_changed(it[i].v)));
  free(it);
  it = sorted(r->shifts, &n, shift_count, NULL);
  for (i = 0; it && i < n; i++) json_array_append(shifts, it[i].v);
  free(it);
  it = sorted(r->excluded, &n, int_value, NULL);
  for (i = 0; it && i < n; i++)
    json_array_append_new(excl, json_pack("{s:s, s:I}", "channel", it[i].name, "count",
                                          (json_int_t)it[i].count));
  free(it);
  return json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:O}", "replayed",
                   (json_int_t)r->replayed, "changed", (json_int_t)r->changed, "errorsBefore",
                   (json_int_t)r->errors_before, "errorsAfter", (json_int_t)r->errors_after,
                   "from", ww_rules_version(r->before), "to", ww_rules_version(r->after),
                   "byService", by, "shifts", shifts, "newlyExcluded", excl, "examples",
                   r->examples);
}

json_t *ww_replay_entries(ww_rules *before, ww_rules *after, const json_t *entries) {
  ww_replay *r = ww_replay_new(before, after, 5);
  if (r == NULL) return NULL;
  size_t i;
  const json_t *e;
  json_array_foreach(entries, i, e) if (ww_replay_add(r, e) < 0) break;
  json_t *report = ww_replay_report(r);
  ww_replay_free(r);
  return report;
}

double ww_replay_changed_share(const json_t *report) {
  json_int_t n = json_integer_value(json_object_get(report, "replayed"));
  return n > 0 ? (double)json_integer_value(json_object_get(report, "changed")) / (double)n : 0;
}
