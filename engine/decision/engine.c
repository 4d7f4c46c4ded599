/* The decision engine of one loaded rule set (the public ww_rules): the Lua host of the
 * rule set and the decision's own state, the flow of one decision -- channel states, the
 * rules run on the facts (engine/rules), the answer as a tree or as text -- and the
 * catalogue queries of the embedding API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision_private.h"
#include "util/tztime.h"

/* Fills 'err' (may be NULL) with 'code' and 'msg'. */
static void fail(ww_err *err, const char *code, const char *msg) {
  if (err == NULL) return;
  ww_err_clear(err);
  snprintf(err->code, sizeof err->code, "%s", code);
  snprintf(err->msg, sizeof err->msg, "%s", msg);
}

ww_rules *ww_rules_load(const char *dir, const ww_limits *lim, ww_err *err) {
  if (err) ww_err_clear(err);
  ww_rules *R = calloc(1, sizeof *R);
  if (R == NULL) {
    fail(err, "ruleset_invalid", "not enough memory");
    return NULL;
  }
  R->host = ww_host_load(dir, lim, err);
  if (R->host == NULL) {
    free(R);
    return NULL;
  }
  R->cat = ww_host_catalogue(R->host);
  if (ww__frags_prepare(&R->frags, R->cat) != 0) {
    ww_rules_free(R);
    fail(err, "ruleset_invalid", "not enough memory to load the rule set");
    return NULL;
  }
  return R;
}

const json_t *ww_rules_warnings(const ww_rules *R) { return R->cat->warnings; }

void ww_rules_free(ww_rules *R) {
  if (R == NULL) return;
  if (R->cat) ww__states_clear(&R->states, R->cat->nch);
  ww__frags_free(&R->frags);
  ww__text_free(&R->out);
  ww__memo_free(&R->memo);
  ww_hmac_close(&R->mac);
  ww_host_free(R->host);
  free(R);
}

/* ---- catalogue queries ---- */

const char *ww_rules_version(const ww_rules *R) { return R->cat->version; }

json_t *ww_rules_info(const ww_rules *R) {
  const ww_catalogue *cat = R->cat;
  json_t *o = json_pack("{s:s, s:O, s:i, s:i, s:i, s:i}", "version", cat->version, "files",
                        cat->files, "rules", cat->nrules, "channels", cat->nch, "services",
                        cat->nsvc, "cases", cat->ncases);
  if (o && cat->targets) json_object_set(o, "targets", cat->targets);
  return o;
}

/* {kind, name, source?, from?, until?} (new), or NULL when neither bound is set. */
static json_t *calendar_item(const char *kind, const char *name, const char *source,
                             int64_t from, int64_t until) {
  if (from == 0 && until == 0) return NULL;
  json_t *o = json_pack("{s:s, s:s}", "kind", kind, "name", name);
  if (source) json_object_set_new(o, "source", json_string(source));
  char t[32];
  if (from) ww_time_format(from, t), json_object_set_new(o, "from", json_string(t));
  if (until) ww_time_format(until, t), json_object_set_new(o, "until", json_string(t));
  return o;
}

json_t *ww_rules_calendar(const ww_rules *R) {
  const ww_catalogue *cat = R->cat;
  json_t *out = json_array();
  for (int i = 0; i < cat->nch; i++) {
    const ww_channel *c = &cat->ch[i];
    json_array_append_new(out, calendar_item("channel", c->id, c->source, c->period_from,
                                             c->period_until));
    for (int k = 0; k < c->nclosures; k++) {
      json_t *o = calendar_item("closure", c->id, NULL, c->closures[k].from,
                                c->closures[k].until);
      json_object_set_new(o, "reason", json_string(c->closures[k].reason));
      json_array_append_new(out, o);
    }
  }
  for (int i = 0; i < cat->nsvc; i++)
    json_array_append_new(out, calendar_item("service", cat->svc[i].id, cat->svc[i].source,
                                             cat->svc[i].from, cat->svc[i].until));
  for (int i = 0; i < cat->nrules; i++)
    json_array_append_new(out, calendar_item("rule", cat->rules[i].name, cat->rules[i].source,
                                             cat->rules[i].from, cat->rules[i].until));
  return out;
}

int ww_rules_has_service(const ww_rules *R, const char *id) {
  return ww_catalogue_service(R->cat, id) >= 0;
}

int ww_rules_has_channel(const ww_rules *R, const char *id) {
  return ww_catalogue_channel(R->cat, id) >= 0;
}

json_t *ww_rules_channels(ww_rules *R, int64_t now, const json_t *status) {
  const ww_catalogue *cat = R->cat;
  ww_chstate st[WW_MAX_CHANNELS];
  memset(st, 0, sizeof(ww_chstate) * (size_t)cat->nch);
  ww__states_compute(cat, now, status, st, NULL);
  json_t *arr = json_array();
  for (int i = 0; i < cat->nch; i++) {
    json_t *o = json_copy(cat->ch[i].entry);
    json_object_set_new_nocheck(o, "open", json_boolean(st[i].open));
    json_object_set_new_nocheck(o, "waitSeconds", ww__answer_wait(&st[i]));
    if (st[i].reason) json_object_set_new_nocheck(o, "reason", json_string(st[i].reason));
    json_array_append_new(arr, o);
    free(st[i].reason);
  }
  return json_pack("{s:o}", "channels", arr);
}

json_t *ww_decision_services(const ww_rules *R) {
  const ww_catalogue *cat = R->cat;
  json_t *arr = json_array();
  for (int i = 0; i < cat->nsvc; i++) json_array_append(arr, cat->svc[i].entry);
  return json_pack("{s:o}", "services", arr);
}

json_t *ww_decision_service(const ww_rules *R, const char *id) {
  int i = ww_catalogue_service(R->cat, id);
  return i < 0 ? NULL : json_incref(R->cat->svc[i].entry);
}

int ww_decision_cache(ww_rules *R, size_t entries) {
  return ww__memo_resize(&R->memo, entries) == 0 ? 0 : WW_ENOMEM;
}

void ww_decision_cache_counts(const ww_rules *R, unsigned long *hits, unsigned long *misses) {
  *hits = R->memo.hits;
  *misses = R->memo.misses;
}

void ww_decision_failures(const ww_rules *R, unsigned long *total, unsigned long *budget,
                          unsigned long *memory) {
  ww_host_failures(R->host, total, budget, memory);
}

/* ---- one decision ---- */

/* Runs the rules on 'in' and fills 'a' for the answer; -1 when the run could not start. */
static int run(ww_rules *R, const ww_decision_input *in, const ww_decision_opts *o,
               ww__answer *a) {
  const ww_chstate *st = ww__states_at(&R->states, R->cat, in->time, o->status,
                                       o->status_version);
  /* an advice answer names its adviceId; a route answer has none, so its math.random
   * needs one only when a rule asks (the host makes it then) */
  const char *advice_id = o->advice_id;
  if (advice_id == NULL && !o->route) {
    if (ww_random_hex(R->advice_id, 16) != 0) R->advice_id[0] = '\0';
    advice_id = R->advice_id;
  }
  json_t *extra = ww__request_extras(in);
  /* the cache: only without a session (the rules would read it) and with overrides that
   * have a version */
  int memo = !json_is_object(o->session) && (o->status == NULL || o->status_version != 0) &&
             ww__memo_key(&R->memo, in, R->states.sig, extra) == 0;
  R->last = memo ? ww__memo_get(&R->memo) : NULL;
  R->cache = memo ? (R->last ? 1 : 2) : 0;
  if (R->last == NULL) {
    ww_facts f = {0};
    f.service = in->svc;
    f.citizen = in->citizen;
    f.citizen_ref = in->has_ref ? in->ref : NULL;
    f.context = in->context;
    f.origin = in->origin;
    f.time = in->time;
    f.extra = extra;
    f.session = json_is_object(o->session) ? o->session : NULL;
    f.states = st;
    f.states_gen = R->states.gen;
    f.seed = advice_id;
    f.explain = in->explain;
    R->last = ww_host_run(R->host, &f);
    if (R->last && memo) ww__memo_put(&R->memo, R->last);
  }
  json_decref(extra);
  if (R->last == NULL) return -1;
  a->cat = R->cat;
  a->st = st;
  a->v = R->last;
  a->service = in->svc;
  a->advice_id = advice_id;
  a->explain = in->explain;
  return 0;
}

static const ww_decision_opts no_opts;

/* An input without a service (read with service_optional, none set since) cannot be
 * decided; else run(). */
static int start(ww_rules *R, const ww_decision_input *in, const ww_decision_opts *o,
                 ww__answer *a, ww_err *err) {
  if (in->svc < 0) {
    fail(err, "invalid_param", "service is required");
    return WW_EINVAL;
  }
  if (run(R, in, o, a) != 0) {
    fail(err, "internal", "the rule engine could not start the decision");
    return WW_ENOMEM;
  }
  return 0;
}

int ww_decision_json(ww_rules *R, const ww_decision_input *in, const ww_decision_opts *o,
                     json_t **out, ww_err *err) {
  *out = NULL;
  if (o == NULL) o = &no_opts;
  ww__answer a;
  int rc = start(R, in, o, &a, err);
  if (rc != 0) return rc;
  *out = o->route ? ww__answer_route(&a) : ww__answer_advice(&a);
  return *out ? 0 : WW_ENOMEM;
}

int ww_decision_text(ww_rules *R, const ww_decision_input *in, const ww_decision_opts *o,
                     const json_t *extra, const char **text, size_t *len,
                     ww_decision_info *info, ww_err *err) {
  *text = NULL;
  *len = 0;
  if (info) memset(info, 0, sizeof *info);
  if (o == NULL) o = &no_opts;
  ww__answer a;
  int rc = start(R, in, o, &a, err);
  if (rc != 0) return rc;
  if (info) {
    info->cache = R->cache;
    info->service = R->cat->svc[in->svc].id;
  }
  ww__text *t = &R->out;
  t->len = 0;
  t->oom = 0;
  if (!o->route && !a.v->failed && !a.explain) {
    ww__render_advice(t, &R->frags, &a, extra, info);
  } else {   /* rarer answers: the tree, then jansson renders it */
    json_t *tree = o->route ? ww__answer_route(&a) : ww__answer_advice(&a);
    if (tree == NULL) {
      fail(err, "internal", "not enough memory for the answer");
      return WW_ENOMEM;
    }
    const char *k;
    json_t *v;
    if (extra) json_object_foreach((json_t *)extra, k, v) json_object_set(tree, k, v);
    ww__text_json(t, tree);
    if (info) {
      const json_t *first = o->route ? json_object_get(tree, "target")
                                     : json_array_get(json_object_get(tree, "channels"), 0);
      const char *fid = json_string_value(json_object_get(first, "id"));
      const json_t *why = json_array_get(json_object_get(first, "reasons"), 0);
      if (!o->route && json_is_string(why))
        ww__first_reason(info, json_string_value(why), json_string_length(why));
      int c = fid ? ww_catalogue_channel(R->cat, fid) : -1;
      info->first = c >= 0 ? R->cat->ch[c].id : NULL;
      info->degraded = json_is_true(json_object_get(tree, "degraded"));
      const char *aid = json_string_value(json_object_get(tree, "adviceId"));
      snprintf(info->advice_id, sizeof info->advice_id, "%s", aid ? aid : "");
    }
    json_decref(tree);
  }
  if (t->oom) {
    t->len = 0;
    fail(err, "internal", "not enough memory for the answer");
    return WW_ENOMEM;
  }
  *text = t->s;
  *len = t->len;
  return 0;
}

_Static_assert(WW_DECISION_OUTCOME_MAX == WW_MAX_CHANNELS, "one bound for both");

/* The first channel of the fallback advice: its first open channel, else its first. */
static int fallback_first(const ww_catalogue *cat, const ww_chstate *st) {
  for (int k = 0; k < cat->nfb; k++)
    if (st[cat->fb_ch[k]].open) return cat->fb_ch[k];
  return cat->nfb > 0 ? cat->fb_ch[0] : -1;
}

int ww_decision_outcome_of(ww_rules *R, const ww_decision_input *in, const ww_decision_opts *o,
                           ww_decision_outcome *out, ww_err *err) {
  out->first = NULL;
  out->failed = 0;
  out->nexcluded = 0;
  if (o == NULL) o = &no_opts;
  ww__answer a;
  int rc = start(R, in, o, &a, err);
  if (rc != 0) return rc;
  const ww_catalogue *cat = R->cat;
  int first = -1;
  if (a.v->failed) {
    out->failed = 1;
    first = o->route ? cat->fb_route : fallback_first(cat, a.st);
  } else {
    int order[WW_MAX_CHANNELS];
    int n = ww__rank(cat, a.st, a.v, order);
    if (!o->route) first = n > 0 ? order[0] : -1;
    for (int k = 0; o->route && k < n && first < 0; k++)   /* as ww__answer_route */
      if (a.st[order[k]].open && cat->ch[order[k]].route) first = order[k];
    if (o->route && first < 0) first = cat->fb_route;
    for (int c = 0; c < cat->nch; c++)
      if (a.v->excluded[c]) out->excluded[out->nexcluded++] = cat->ch[c].id;
  }
  out->first = first >= 0 ? cat->ch[first].id : NULL;
  return 0;
}

/* ---- the embedding API ---- */

int ww_decide(ww_rules *R, const json_t *request, const ww_decide_opts *opts, json_t **out,
              ww_err *err) {
  *out = NULL;
  ww_parse_opts po = {0};
  ww_decision_opts o = {0};
  if (opts) {
    po.secret = opts->secret;
    po.secret_len = opts->secret_len;
    po.now = opts->now;
    po.ivr = opts->route;
    o.route = opts->route;
    o.session = opts->session;
    o.status = opts->status;
    o.advice_id = opts->advice_id;
  }
  ww_decision_input in;
  int rc = ww_decision_parse(R, request, opts ? &po : NULL, &in, err);
  if (rc != 0) return rc;
  return ww_decision_json(R, &in, &o, out, err);
}

int ww_decide_text(ww_rules *R, const char *text, size_t len, const ww_decide_opts *opts,
                   json_t **out, ww_err *err) {
  *out = NULL;
  if (err) ww_err_clear(err);
  json_error_t je;
  json_t *req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (req == NULL) {
    if (err) {
      snprintf(err->code, sizeof err->code, "invalid_json");
      snprintf(err->msg, sizeof err->msg, "the body is not valid JSON: %s (line %d, column %d)",
               je.text, je.line, je.column);
    }
    return WW_EINVAL;
  }
  int rc = ww_decide(R, req, opts, out, err);
  json_decref(req);
  return rc;
}
