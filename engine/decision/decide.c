/* The decision core: channel states (hours, holidays, overrides), building r, running the
 * rules in one protected call, ranking, and the advice / route / fallback answers. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log/log.h"
#include "rules/loader_private.h"
#include "util/crypto.h"
#include "util/tztime.h"

static const char CLOSED_REASON[] = "Nu gesloten";
static const char *const known_top[] = {"service", "citizen", "context", "sessionId",
                                        "explain", "handoverCode", "channel", NULL};

/* ---- channel states ---- */

static int is_holiday(const ww_rules *R, int64_t day) {
  int lo = 0, hi = R->nholidays - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (R->holidays[mid] == day) return 1;
    if (R->holidays[mid] < day) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

static int hours_open(const ww__channel *c, const ww_localtime *lt, int holiday) {
  if (c->always) return 1;
  if (holiday) return 0;
  int m = lt->hour * 60 + lt->minute;
  for (int i = 0; i < c->nshift[lt->weekday]; i++)
    if (m >= c->from[lt->weekday][i] && m < c->to[lt->weekday][i]) return 1;
  return 0;
}

void ww__chstate_compute(ww_rules *R, int64_t t, const json_t *status, ww__chstate *out,
                         int64_t *valid_until) {
  ww_localtime lt;
  ww_time_local(t, &lt);
  int hol = is_holiday(R, ww_days_from_civil(lt.year, lt.month, lt.day));
  int64_t until_all = t - (t % 60 + 60) % 60 + 60;
  for (int i = 0; i < R->nch; i++) {
    free(out[i].reason);
    out[i].reason = NULL;
    out[i].open = hours_open(&R->ch[i], &lt, hol);
    out[i].wait = -1;
  }
  if (json_is_object(status)) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)status, k, v) {
      int i = ww__channel_index(R, k);
      if (i < 0 || !json_is_object(v)) continue;
      json_t *u = json_object_get(v, "until");
      int64_t until = 0;
      if (json_is_integer(u)) until = (int64_t)json_integer_value(u);
      else if (json_is_real(u)) until = (int64_t)json_real_value(u);
      else if (json_is_string(u) && ww_time_parse(json_string_value(u), &until) != 0) until = 0;
      if (u && !json_is_null(u) && until <= t) continue;   /* expired */
      if (u && !json_is_null(u) && until < until_all) until_all = until;
      json_t *o = json_object_get(v, "open");
      if (json_is_boolean(o)) out[i].open = json_is_true(o);
      json_t *w = json_object_get(v, "waitSeconds");
      if (json_is_number(w) && json_number_value(w) >= 0) out[i].wait = json_number_value(w);
      json_t *r = json_object_get(v, "reason");
      if (json_is_string(r) && json_string_length(r) > 0) out[i].reason = strdup(json_string_value(r));
    }
  }
  if (valid_until) *valid_until = until_all;
}

/* ---- building r (inside the protected call) ---- */

/* Puts R->cst into the fixed channel state tables behind r.channels. A catalogue field
 * waitSeconds shows through when the state has none (as in a fresh copy of the entry). */
static void update_view(lua_State *L, ww_rules *R) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_chstate);
  int st = lua_gettop(L);
  for (int i = 0; i < R->nch; i++) {
    lua_rawgeti(L, st, i + 1);
    lua_pushboolean(L, R->cst[i].open);
    lua_setfield(L, -2, "open");
    if (R->cst[i].wait >= 0) {
      lua_pushnumber(L, R->cst[i].wait);
    } else {
      lua_rawgeti(L, LUA_REGISTRYINDEX, R->ch[i].back_ref);
      lua_getfield(L, -1, "waitSeconds");
      lua_remove(L, -2);
    }
    lua_setfield(L, -2, "waitSeconds");
    lua_pop(L, 1);
  }
  lua_settop(L, st - 1);
}

typedef struct dctx {
  const ww__input *in;
  const ww_decide_opts *opts;
  int rebuild;
} dctx;

static void set_str(lua_State *L, int t, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, t, k);
}

static int decide_main(lua_State *L) {
  ww_rules *R = ww__rules_of(L);
  const dctx *X = lua_touserdata(L, 1);
  const ww__input *in = X->in;
  lua_settop(L, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_r_back);   /* 1 */

  if (X->rebuild) {
    update_view(L, R);
    R->cache_ok = 1;
  }

  /* r.service: the catalogue entry only. r.extra: the request's fields the engine does
   * not know (never mixed into the catalogue: a request's "online": false must not read as
   * the service's). */
  const ww__service *s = &R->svc[in->svc];
  lua_rawgeti(L, LUA_REGISTRYINDEX, s->proxy_ref);
  lua_setfield(L, 1, "service");
  if (in->has_extras) {
    lua_createtable(L, 0, 4);
    int t = lua_gettop(L);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in->req, k, v) {
      if (ww__in_list(known_top, k) >= 0 || json_is_null(v)) continue;
      ww__push_json(L, v, 2);
      lua_setfield(L, t, k);
    }
    ww__ro_wrap(L, t, 2);
    lua_setfield(L, 1, "extra");
    lua_settop(L, 1);
    R->extra_set = 1;
  } else if (R->extra_set) {   /* r.extra is the empty view between requests with extras */
    ww__push_empty_view(L);
    lua_setfield(L, 1, "extra");
    R->extra_set = 0;
  }

  /* citizen: a new backing behind the fixed proxy */
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_citizen_mt);   /* 2 */
  lua_createtable(L, 0, 8);                               /* 3 */
  if (in->citizen) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in->citizen, k, v) {
      if (strcmp(k, "id") == 0 || strcmp(k, "ref") == 0 || json_is_null(v)) continue;
      ww__push_json(L, v, 2);
      lua_setfield(L, 3, k);
    }
  }
  if (in->has_ref) set_str(L, 3, "ref", in->ref);
  lua_setfield(L, 2, "__index");
  lua_settop(L, 1);

  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_context_mt);
  lua_createtable(L, 0, 10);
  if (in->context) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in->context, k, v) {
      if (strcmp(k, "time") == 0 || json_is_null(v)) continue;
      ww__push_json(L, v, 2);
      lua_setfield(L, 3, k);
    }
  }
  ww_localtime lt;
  ww_time_local(in->time, &lt);
  char date[10], hm[5];
  set_str(L, 3, "origin", in->origin);
  lua_pushinteger(L, (lua_Integer)in->time);
  lua_setfield(L, 3, "time");
  ww_time_put_date(date, &lt);
  lua_pushlstring(L, date, 10);
  lua_setfield(L, 3, "date");
  set_str(L, 3, "weekday", ww_time_weekday_name(lt.weekday));
  ww_time_put_hhmm(hm, &lt);
  lua_pushlstring(L, hm, 5);
  lua_setfield(L, 3, "hhmm");
  lua_pushinteger(L, lt.hour * 60 + lt.minute);
  lua_setfield(L, 3, "minutes");
  lua_setfield(L, 2, "__index");
  lua_settop(L, 1);

  R->d.service = s->id;
  R->d.session = NULL;
  R->d.nev = -1;
  if (X->opts && X->opts->session && json_is_object(X->opts->session)) {
    R->d.session = X->opts->session;
    ww__push_session(L, X->opts->session);
  } else {
    lua_pushnil(L);
  }
  lua_setfield(L, 1, "session");

  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_r);            /* 2: r */
  ww__push_a(L, R);                                       /* 3: a */
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_citizen_mt);   /* 4: r.citizen's backing */
  lua_getfield(L, 4, "__index");
  lua_replace(L, 4);
  lua_rawgeti(L, LUA_REGISTRYINDEX, R->ref_context_mt);   /* 5: r.context's backing */
  lua_getfield(L, 5, "__index");
  lua_replace(L, 5);
  R->d.active = 1;
  ww__dstate *d = &R->d;
  ww__budget_start(R, R->budget, 0);
  for (int i = 0; i < R->nrules; i++) {
    const ww__rule *ru = &R->rules[i];
    d->cur_rule = i;
    if (d->explain) {
      if (d->ntrace == d->ctrace) {
        size_t nc = d->ctrace ? d->ctrace * 2 : 64;
        ww__trace *q = realloc(d->trace, nc * sizeof *q);
        if (q == NULL) return luaL_error(L, "not enough memory");
        d->trace = q;
        d->ctrace = nc;
      }
      d->trace[d->ntrace] = (ww__trace){i, 0, (int)d->nfx, (int)d->nfx};
      d->ntrace++;
    }
    int matched = s->applies[i];   /* the rule's `service`, decided at load */
    if (matched && ru->cit_ref != LUA_NOREF) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, ru->cit_ref);
      matched = ww__conds_match(L, 6, 4);
      lua_settop(L, 5);
    }
    if (matched && ru->ctx_ref != LUA_NOREF) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, ru->ctx_ref);
      matched = ww__conds_match(L, 6, 5);
      lua_settop(L, 5);
    }
    if (matched && ru->when_ref != LUA_NOREF) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, ru->when_ref);
      lua_pushvalue(L, 2);
      lua_call(L, 1, 1);
      matched = lua_toboolean(L, -1);
      lua_settop(L, 5);
    }
    if (d->explain) d->trace[d->ntrace - 1].matched = matched;
    if (matched) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, ru->advise_ref);
      lua_pushvalue(L, 2);
      lua_pushvalue(L, 3);
      lua_call(L, 2, 0);
      lua_settop(L, 5);
    }
    if (d->explain) d->trace[d->ntrace - 1].fx_to = (int)d->nfx;
    if (d->stop) break;
  }
  ww__budget_stop(R);
  d->cur_rule = -1;
  ww__restore_upvalues(L);
  return 0;
}

/* ---- answers ---- */

static json_t *num(double v) {
  if (v == floor(v) && fabs(v) < 9e15) return json_integer((json_int_t)v);
  return json_real(v);
}

static json_t *wait_json(const ww__chstate *s) { return s->wait >= 0 ? num(s->wait) : json_null(); }

static json_t *channel_item(const ww_rules *R, int c, int rank, double score, json_t *reasons) {
  const ww__channel *ch = &R->ch[c];
  const ww__chstate *st = &R->cst[c];
  if (st->reason) json_array_append_new(reasons, json_string(st->reason));
  if (!st->open) json_array_append_new(reasons, json_string(CLOSED_REASON));
  json_t *o = json_object();
  json_object_set_nocheck(o, "id", ch->j_id);
  json_object_set_nocheck(o, "name", ch->j_name);
  json_object_set_nocheck(o, "kind", ch->j_kind);
  json_object_set_new_nocheck(o, "rank", json_integer(rank));
  json_object_set_new_nocheck(o, "score", num(score));
  json_object_set_new_nocheck(o, "open", json_boolean(st->open));
  json_object_set_new_nocheck(o, "waitSeconds", wait_json(st));
  json_object_set_nocheck(o, "contact", ch->contact);
  json_object_set_new_nocheck(o, "assisted", json_boolean(ch->assisted));
  json_object_set_new_nocheck(o, "reasons", reasons);
  return o;
}

static json_t *route_item(const ww_rules *R, int c) {
  const ww__channel *ch = &R->ch[c];
  json_t *o = json_object();
  json_object_set_nocheck(o, "id", ch->j_id);
  json_object_set_nocheck(o, "kind", json_object_get(ch->route, "kind"));
  const char *k;
  json_t *v;
  json_object_foreach(ch->route, k, v) if (strcmp(k, "kind") && strcmp(k, "id") && strcmp(k, "name"))
      json_object_set(o, k, v);
  json_object_set_nocheck(o, "name", ch->j_name);
  return o;
}

static json_t *ruleset_json(const ww_rules *R) { return json_pack("{s:s}", "version", R->version); }

static json_t *arena_str(const ww__dstate *d, uint32_t off, uint32_t len) {
  json_t *s = json_stringn(d->arena + off, len);
  return s ? s : json_string("(not valid UTF-8)");
}

static json_t *trace_json(const ww_rules *R, const char *error) {
  const ww__dstate *d = &R->d;
  json_t *tr = json_array();
  char buf[600];
  for (size_t i = 0; i < d->ntrace; i++) {
    const ww__trace *t = &d->trace[i];
    const ww__rule *ru = &R->rules[t->rule];
    json_t *fx = json_array();
    for (int k = t->fx_from; k < t->fx_to; k++) {
      const ww__effect *e = &d->fx[k];
      const char *id = e->ch >= 0 ? R->ch[e->ch].id : "";
      switch (e->kind) {
        case WW__FX_PREFER: snprintf(buf, sizeof buf, "prefer %s +%g", id, e->pts); break;
        case WW__FX_AVOID: snprintf(buf, sizeof buf, "avoid %s -%g", id, e->pts); break;
        case WW__FX_EXCLUDE: snprintf(buf, sizeof buf, "exclude %s", id); break;
        case WW__FX_ONLY: snprintf(buf, sizeof buf, "only %.*s", (int)e->len, d->arena + e->off); break;
        case WW__FX_NOTE: snprintf(buf, sizeof buf, "note %.*s", (int)e->len, d->arena + e->off); break;
        default: snprintf(buf, sizeof buf, "stop"); break;
      }
      json_t *s = json_string(buf);
      json_array_append_new(fx, s ? s : json_string("(effect)"));
    }
    json_t *o = json_object();
    json_object_set_nocheck(o, "rule", ru->j_name);
    json_object_set_nocheck(o, "source", ru->j_source);
    json_object_set_new_nocheck(o, "matched", json_boolean(t->matched));
    json_object_set_new_nocheck(o, "effects", fx);
    if (error && i + 1 == d->ntrace) {
      json_t *e = json_string(error);
      json_object_set_new_nocheck(o, "error", e ? e : json_string("(error)"));
    }
    json_array_append_new(tr, o);
  }
  return tr;
}

const char *ww__advice_id(ww_rules *R) {
  ww__dstate *d = &R->d;
  if (d->advice_id == NULL) {
    if (ww_random_hex(d->advice_id_buf, 16) != 0) d->advice_id_buf[0] = '\0';
    d->advice_id = d->advice_id_buf;
  }
  return d->advice_id;
}

static void add_ids(json_t *o, ww_rules *R) {
  const char *id = ww__advice_id(R);
  if (id[0]) json_object_set_new_nocheck(o, "adviceId", json_string(id));
}

/* Ranked non-excluded channels into order[]; returns how many. */
static int rank_channels(const ww_rules *R, int *order) {
  const ww__dstate *d = &R->d;
  int n = 0;
  for (int c = 0; c < R->nch; c++) {
    if (d->excluded[c]) continue;
    int j = n++;
    /* insertion sort: open first, score desc, catalogue order (stable) */
    while (j > 0) {
      int p = order[j - 1];
      int better = (R->cst[c].open != R->cst[p].open) ? R->cst[c].open
                                                       : d->score[c] > d->score[p];
      if (!better) break;
      order[j] = p;
      j--;
    }
    order[j] = c;
  }
  return n;
}

static json_t *advice_answer(ww_rules *R, const ww__input *in) {
  const ww__dstate *d = &R->d;
  json_t *rs[WW__MAX_CHANNELS], *xs[WW__MAX_CHANNELS];
  for (int c = 0; c < R->nch; c++) rs[c] = json_array(), xs[c] = json_array();
  for (size_t i = 0; i < d->nreasons; i++) {
    const ww__reason *r = &d->reasons[i];
    json_array_append_new(r->excl ? xs[r->ch] : rs[r->ch], arena_str(d, r->off, r->len));
  }
  int order[WW__MAX_CHANNELS];
  int n = rank_channels(R, order);
  json_t *chs = json_array(), *exc = json_array(), *notes = json_array();
  for (int k = 0; k < n; k++) {
    int c = order[k];
    json_array_append_new(chs, channel_item(R, c, k + 1, d->score[c], rs[c]));
    rs[c] = NULL;
  }
  for (int c = 0; c < R->nch; c++) {
    if (d->excluded[c]) {
      json_t *o = json_object();
      json_object_set_nocheck(o, "id", R->ch[c].j_id);
      json_object_set_new_nocheck(o, "reasons", xs[c]);
      json_array_append_new(exc, o);
    } else {
      json_decref(xs[c]);
    }
    json_decref(rs[c]);
  }
  for (size_t i = 0; i < d->nnotes; i++)   /* distinct already (a:note) */
    json_array_append_new(notes, arena_str(d, d->notes[i].off, d->notes[i].len));
  json_t *o = json_object();
  add_ids(o, R);
  json_object_set_nocheck(o, "service", R->svc[in->svc].answer);
  json_object_set_new_nocheck(o, "channels", chs);
  json_object_set_new_nocheck(o, "excluded", exc);
  json_object_set_new_nocheck(o, "notes", notes);
  json_object_set_new_nocheck(o, "ruleset", ruleset_json(R));
  json_object_set_new_nocheck(o, "degraded", json_false());
  if (in->explain) json_object_set_new_nocheck(o, "trace", trace_json(R, NULL));
  return o;
}

static json_t *route_answer(const ww_rules *R, const ww__input *in, int degraded,
                            const char *error) {
  const ww__dstate *d = &R->d;
  int order[WW__MAX_CHANNELS];
  int n = 0;
  if (!degraded) n = rank_channels(R, order);
  json_t *target = NULL, *alts = json_array(), *reasons = json_array();
  for (int k = 0; k < n; k++) {
    int c = order[k];
    if (!R->cst[c].open || R->ch[c].route == NULL) continue;
    if (target == NULL) {
      target = route_item(R, c);
      for (size_t i = 0; i < d->nreasons; i++)
        if (d->reasons[i].ch == c && !d->reasons[i].excl)
          json_array_append_new(reasons, arena_str(d, d->reasons[i].off, d->reasons[i].len));
      if (R->cst[c].reason) json_array_append_new(reasons, json_string(R->cst[c].reason));
    } else if (json_array_size(alts) < 3) {
      json_array_append_new(alts, route_item(R, c));
    }
  }
  if (target == NULL) {
    target = route_item(R, R->fb_route);
    json_object_set_new_nocheck(target, "fallback", json_true());
    json_array_append_new(reasons, json_string(degraded ? "Storing in de regels; standaardroute"
                                                        : "Geen open kanaal; standaardroute"));
  }
  json_t *o = json_object();
  json_object_set_new_nocheck(o, "target", target);
  json_object_set_new_nocheck(o, "alternatives", alts);
  json_object_set_new_nocheck(o, "reasons", reasons);
  json_object_set_new_nocheck(o, "ruleset", ruleset_json(R));
  json_object_set_new_nocheck(o, "degraded", json_boolean(degraded));
  if (in->explain) json_object_set_new_nocheck(o, "trace", trace_json(R, error));
  return o;
}

static json_t *fallback_answer(ww_rules *R, const ww__input *in, const char *error) {
  json_t *chs = json_array();
  for (int k = 0; k < R->nfb; k++) {
    int c = R->fb_ch[k];
    json_array_append_new(chs, channel_item(R, c, k + 1, R->ch[c].base, json_array()));
  }
  json_t *o = json_object();
  add_ids(o, R);
  json_object_set_nocheck(o, "service", R->svc[in->svc].answer);
  json_object_set_new_nocheck(o, "channels", chs);
  json_object_set_new_nocheck(o, "excluded", json_array());
  json_object_set_new_nocheck(o, "notes", json_array());
  json_object_set_new_nocheck(o, "ruleset", ruleset_json(R));
  json_object_set_new_nocheck(o, "degraded", json_true());
  if (in->explain) json_object_set_new_nocheck(o, "trace", trace_json(R, error));
  return o;
}

/* ---- the decision ---- */

/* The length of 's' cut to at most 'max' bytes at a character boundary: a rule's error
 * text is as long as the rule makes it (error(("x"):rep(2^20)) logged 1 MiB per request),
 * and half a UTF-8 character makes jansson refuse the whole text. */
static int text_cut(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n <= max) return (int)n;
  n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  return (int)n;
}

/* A rule's error text (or name) as a log field: cut, and with bytes that are not UTF-8 as
 * '?' (else the field would be dropped). */
static json_t *log_text(const char *s) {
  char buf[301];
  int n = text_cut(s, sizeof buf - 1);
  json_t *j = json_stringn(s, (size_t)n);
  if (j) return j;
  for (int i = 0; i < n; i++) buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
  return json_stringn(buf, (size_t)n);
}

/* Validates and runs the rules. 0: the state is in R->d / R->cst and '*failed' says
 * whether the rules failed at run time (then 'error' names the rule). */
static int run(ww_rules *R, const json_t *request, const ww_decide_opts *opts, int ivr_origin,
               ww__input *in, int *failed, char *error, size_t esz, ww_err *err) {
  *failed = 0;
  error[0] = '\0';
  if (err) ww_err_clear(err);
  int rc = ww__request_parse(R, request, opts, ivr_origin, in, err);
  if (rc != 0) return rc;
  lua_State *L = R->L;

  /* the channels view is read-only and the same for every request in a minute */
  const json_t *status = opts ? opts->status : NULL;
  uint64_t key = status == NULL ? 0 : opts->status_version;
  int cacheable = status == NULL || opts->status_version != 0;
  dctx X = {in, opts, 0};
  if (!(R->cache_ok && cacheable && key == R->cache_key && in->time >= R->cache_from &&
        in->time < R->cache_until)) {
    R->cache_ok = 0;
    ww__chstate_compute(R, in->time, status, R->cst, &R->cache_until);
    R->cache_from = in->time - ((in->time % 60) + 60) % 60;
    R->cache_key = key;
    if (!cacheable) R->cache_until = R->cache_from;   /* rebuild next time */
    X.rebuild = 1;
  }

  ww__dstate_reset(&R->d, R, in->explain);
  R->d.advice_id = opts ? opts->advice_id : NULL;   /* made on first use when NULL */
  if (!lua_checkstack(L, 8)) {
    ww__load_error(err, "", 0, "the rule engine is out of stack");
    return WW_ENOMEM;
  }
  lua_pushcfunction(L, decide_main);
  lua_pushlightuserdata(L, &X);
  R->limit_hit = 0;
  rc = lua_pcall(L, 1, 0, 0);
  R->d.active = 0;
  R->d.session = NULL;
  R->d.gen++;
  if (rc == LUA_OK) {
    lua_settop(L, 0);
    return 0;
  }

  /* run-time failure: contain it, keep the state usable, answer the fallback */
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  if (msg == NULL) msg = rc == LUA_ERRMEM ? "memory limit of the rule set reached"
                                          : "error (not a text message)";
  if (rc == LUA_ERRMEM) msg = "memory limit of the rule set reached";
  int cr = R->d.cur_rule;
  {
    char tmp[400];
    if (cr >= 0)
      snprintf(tmp, sizeof tmp, "rule \"%s\" (%s): %.*s", R->rules[cr].name,
               R->rules[cr].source, text_cut(msg, 300), msg);
    else
      snprintf(tmp, sizeof tmp, "%.*s", text_cut(msg, 300), msg);
    memcpy(R->last_error, tmp, sizeof tmp);
  }
  R->failures++;
  if (rc == LUA_ERRMEM) R->failures_memory++;
  else if (R->limit_hit) R->failures_budget++;   /* the instruction budget or the time limit */
  ww_log(WW_LOG_WARN, "rule failed; fallback advice given",
         json_pack("{s:o, s:s, s:o, s:s}", "rule",
                   log_text(cr >= 0 ? R->rules[cr].name : ""), "source",
                   cr >= 0 ? R->rules[cr].source : "", "error", log_text(msg),
                   "rulesVersion", R->version));
  snprintf(error, esz, "%s", R->last_error);
  lua_settop(L, 0);
  ww__budget_stop(R);
  lua_pushcfunction(L, ww__restore_upvalues);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) lua_settop(L, 0);
  /* memory back at once after the cap was hit; after a budget or time failure the garbage
   * goes with the next collections (a full one here would add to every hostile answer) */
  if (rc == LUA_ERRMEM) lua_gc(L, LUA_GCCOLLECT, 0);
  R->cache_ok = 0;                      /* the view may not have been updated */
  *failed = 1;
  return 0;
}

static json_t *answer_json(ww_rules *R, const ww__input *in, int route, int failed,
                           const char *error) {
  if (route) return route_answer(R, in, failed, failed ? error : NULL);
  return failed ? fallback_answer(R, in, error) : advice_answer(R, in);
}

int ww__decide(ww_rules *R, const json_t *request, const ww_decide_opts *opts,
               int route_answer_, int ivr_origin, json_t **out, ww_err *err) {
  *out = NULL;
  ww__input in;
  int failed;
  char error[400];
  int rc = run(R, request, opts, ivr_origin, &in, &failed, error, sizeof error, err);
  if (rc != 0) return rc;
  *out = answer_json(R, &in, route_answer_, failed, error);
  return *out ? 0 : WW_ENOMEM;
}

/* ---- answers as text: fragments rendered once at load, composed per request ---- */

static void out_put(ww_rules *R, const char *s, size_t n) {
  if (R->olen + n > R->ocap) {
    size_t nc = R->ocap ? R->ocap : 4096;
    while (nc < R->olen + n) nc *= 2;
    char *q = realloc(R->out, nc);
    if (q == NULL) {
      R->ooom = 1;
      return;
    }
    R->out = q;
    R->ocap = nc;
  }
  memcpy(R->out + R->olen, s, n);
  R->olen += n;
}

#define OUT_LIT(R, s) out_put((R), (s), sizeof(s) - 1)

static int dump_cb(const char *buf, size_t size, void *data) {
  out_put(data, buf, size);
  return 0;
}

/* JSON value as jansson renders it with JSON_COMPACT. */
static void out_json(ww_rules *R, const json_t *j) {
  if (json_dump_callback(j, dump_cb, R, JSON_COMPACT | JSON_ENCODE_ANY) != 0) R->ooom = 1;
}

/* A string as arena_str() + jansson render it. Printable ASCII without '"' and '\\' is
 * the same text in quotes; anything else goes through jansson (escapes, UTF-8 check). */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define HASZERO(v) (((v) - ONES) & ~(v) & HIGHS)

static void out_str(ww_rules *R, const char *s, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {   /* 8 bytes at a time: stop at non-ASCII, control, DEL, " or \ */
    uint64_t w;
    memcpy(&w, s + i, 8);
    if ((w & HIGHS) || (((w | HIGHS) - 0x2020202020202020ull) & HIGHS) != HIGHS ||
        HASZERO(w ^ 0x7f7f7f7f7f7f7f7full) || HASZERO(w ^ 0x2222222222222222ull) ||
        HASZERO(w ^ 0x5c5c5c5c5c5c5c5cull))
      break;   /* the byte loop below decides exactly */
  }
  while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f && s[i] != '"' &&
         s[i] != '\\')
    i++;
  if (i == n) {
    OUT_LIT(R, "\"");
    out_put(R, s, n);
    OUT_LIT(R, "\"");
    return;
  }
  json_t *j = json_stringn(s, n);
  if (j == NULL) {
    OUT_LIT(R, "\"(not valid UTF-8)\"");
    return;
  }
  out_json(R, j);
  json_decref(j);
}

static void out_int(ww_rules *R, long long v) {
  char b[24];
  int i = sizeof b;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do b[--i] = (char)('0' + u % 10); while ((u /= 10) > 0);
  if (v < 0) b[--i] = '-';
  out_put(R, b + i, sizeof b - (size_t)i);
}

/* As num() renders: integers plainly, other values through jansson's real format. */
static void out_num(ww_rules *R, double v) {
  if (v == floor(v) && fabs(v) < 9e15) {
    out_int(R, (long long)v);
    return;
  }
  json_t *j = json_real(v);
  if (j == NULL) {
    R->ooom = 1;
    return;
  }
  out_json(R, j);
  json_decref(j);
}

static int frag_take(ww_rules *R, ww__frag *f) {
  if (R->ooom) return -1;
  f->s = malloc(R->olen ? R->olen : 1);
  if (f->s == NULL) return -1;
  memcpy(f->s, R->out, R->olen);
  f->n = R->olen;
  R->olen = 0;
  return 0;
}

int ww__render_prepare(ww_rules *R) {
  R->olen = 0;
  R->ooom = 0;
  for (int i = 0; i < R->nch; i++) {
    ww__channel *c = &R->ch[i];
    OUT_LIT(R, "{\"id\":");
    out_json(R, c->j_id);
    OUT_LIT(R, ",\"name\":");
    out_json(R, c->j_name);
    OUT_LIT(R, ",\"kind\":");
    out_json(R, c->j_kind);
    OUT_LIT(R, ",\"rank\":");
    if (frag_take(R, &c->f_head) != 0) return -1;
    OUT_LIT(R, ",\"contact\":");
    out_json(R, c->contact);
    if (c->assisted) OUT_LIT(R, ",\"assisted\":true,\"reasons\":[");
    else OUT_LIT(R, ",\"assisted\":false,\"reasons\":[");
    if (frag_take(R, &c->f_tail) != 0) return -1;
    OUT_LIT(R, "{\"id\":");
    out_json(R, c->j_id);
    OUT_LIT(R, ",\"reasons\":[");
    if (frag_take(R, &c->f_excl) != 0) return -1;
  }
  for (int i = 0; i < R->nsvc; i++) {
    out_json(R, R->svc[i].answer);
    if (frag_take(R, &R->svc[i].f_answer) != 0) return -1;
  }
  json_t *rs = ruleset_json(R);
  out_json(R, rs);
  json_decref(rs);
  return frag_take(R, &R->f_ruleset);
}

void ww__render_free(ww_rules *R) {
  for (int i = 0; i < R->nch; i++)
    free(R->ch[i].f_head.s), free(R->ch[i].f_tail.s), free(R->ch[i].f_excl.s);
  for (int i = 0; i < R->nsvc; i++) free(R->svc[i].f_answer.s);
  free(R->f_ruleset.s);
  free(R->out);
  R->out = NULL;
  R->olen = R->ocap = 0;
}

/* One top-level member: extra's value when extra has the key (json_object_set keeps the
 * key's place), else ours via 'lit' (already rendered, may be NULL = caller renders). */
static const json_t *extra_for(const json_t *extra, const char *key) {
  return extra ? json_object_get(extra, key) : NULL;
}

static const char *const answer_keys[] = {"adviceId", "service", "channels", "excluded",
                                          "notes", "ruleset", "degraded", NULL};

/* The plain advice answer, exactly as advice_answer() + json_dumps(JSON_COMPACT). */
static void render_advice(ww_rules *R, const ww__input *in, const json_t *extra,
                          ww_answer_info *info) {
  const ww__dstate *d = &R->d;
  const json_t *x;
  const char *aid = ww__advice_id(R);
  if (!aid[0]) aid = NULL;
  OUT_LIT(R, "{");
  int comma = 0;
  if ((x = extra_for(extra, "adviceId"))) {
    OUT_LIT(R, "\"adviceId\":");
    out_json(R, x);
    comma = 1;
  } else if (aid) {
    OUT_LIT(R, "\"adviceId\":");
    out_str(R, aid, strlen(aid));
    comma = 1;
  }
  if (info && aid && !x) snprintf(info->advice_id, sizeof info->advice_id, "%s", aid);
  if (comma) OUT_LIT(R, ",");
  OUT_LIT(R, "\"service\":");
  if ((x = extra_for(extra, "service"))) out_json(R, x);
  else out_put(R, R->svc[in->svc].f_answer.s, R->svc[in->svc].f_answer.n);

  int order[WW__MAX_CHANNELS];
  int n = rank_channels(R, order);
  OUT_LIT(R, ",\"channels\":");
  if ((x = extra_for(extra, "channels"))) {
    out_json(R, x);
  } else {
    OUT_LIT(R, "[");
    for (int k = 0; k < n; k++) {
      int c = order[k];
      const ww__channel *ch = &R->ch[c];
      const ww__chstate *st = &R->cst[c];
      if (k) OUT_LIT(R, ",");
      out_put(R, ch->f_head.s, ch->f_head.n);
      out_int(R, k + 1);
      OUT_LIT(R, ",\"score\":");
      out_num(R, d->score[c]);
      if (st->open) OUT_LIT(R, ",\"open\":true,\"waitSeconds\":");
      else OUT_LIT(R, ",\"open\":false,\"waitSeconds\":");
      if (st->wait >= 0) out_num(R, st->wait);
      else OUT_LIT(R, "null");
      out_put(R, ch->f_tail.s, ch->f_tail.n);
      int m = 0;
      for (size_t i = 0; i < d->nreasons; i++) {
        const ww__reason *r = &d->reasons[i];
        if (r->ch != c || r->excl) continue;
        if (m++) OUT_LIT(R, ",");
        out_str(R, d->arena + r->off, r->len);
      }
      if (st->reason) {   /* json_string() of invalid UTF-8 is NULL: not appended */
        json_t *j = json_string(st->reason);
        if (j) {
          if (m++) OUT_LIT(R, ",");
          out_json(R, j);
          json_decref(j);
        }
      }
      if (!st->open) {
        if (m++) OUT_LIT(R, ",");
        OUT_LIT(R, "\"Nu gesloten\"");
      }
      OUT_LIT(R, "]}");
    }
    OUT_LIT(R, "]");
  }
  if (info) info->first = n > 0 ? R->ch[order[0]].id : NULL;

  OUT_LIT(R, ",\"excluded\":");
  if ((x = extra_for(extra, "excluded"))) {
    out_json(R, x);
  } else {
    OUT_LIT(R, "[");
    int k = 0;
    for (int c = 0; c < R->nch; c++) {
      if (!d->excluded[c]) continue;
      if (k++) OUT_LIT(R, ",");
      out_put(R, R->ch[c].f_excl.s, R->ch[c].f_excl.n);
      int m = 0;
      for (size_t i = 0; i < d->nreasons; i++) {
        const ww__reason *r = &d->reasons[i];
        if (r->ch != c || !r->excl) continue;
        if (m++) OUT_LIT(R, ",");
        out_str(R, d->arena + r->off, r->len);
      }
      OUT_LIT(R, "]}");
    }
    OUT_LIT(R, "]");
  }

  OUT_LIT(R, ",\"notes\":");
  if ((x = extra_for(extra, "notes"))) {
    out_json(R, x);
  } else {
    OUT_LIT(R, "[");
    for (size_t i = 0; i < d->nnotes; i++) {   /* distinct already (a:note) */
      if (i) OUT_LIT(R, ",");
      out_str(R, d->arena + d->notes[i].off, d->notes[i].len);
    }
    OUT_LIT(R, "]");
  }
  OUT_LIT(R, ",\"ruleset\":");
  if ((x = extra_for(extra, "ruleset"))) out_json(R, x);
  else out_put(R, R->f_ruleset.s, R->f_ruleset.n);
  OUT_LIT(R, ",\"degraded\":");
  if ((x = extra_for(extra, "degraded"))) out_json(R, x);
  else OUT_LIT(R, "false");
  if (info) info->degraded = x ? json_is_true(x) : 0;

  if (extra) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)extra, k, v) {
      if (ww__in_list(answer_keys, k) >= 0) continue;
      OUT_LIT(R, ",");
      out_str(R, k, strlen(k));
      OUT_LIT(R, ":");
      out_json(R, v);
    }
  }
  OUT_LIT(R, "}");
}

int ww_decide_text_out(ww_rules *R, const json_t *request, const ww_decide_opts *opts,
                       const json_t *extra, const char **text, size_t *len,
                       ww_answer_info *info, ww_err *err) {
  *text = NULL;
  *len = 0;
  if (info) memset(info, 0, sizeof *info);
  int route = opts && opts->route;
  ww__input in;
  int failed;
  char error[400];
  int rc = run(R, request, opts, route, &in, &failed, error, sizeof error, err);
  if (rc != 0) return rc;
  R->olen = 0;
  R->ooom = 0;
  if (!route && !failed && !in.explain) {
    render_advice(R, &in, extra, info);
  } else {   /* rarer answers: the tree, then jansson renders it */
    json_t *o = answer_json(R, &in, route, failed, error);
    if (o == NULL) return WW_ENOMEM;
    const char *k;
    json_t *v;
    if (extra) json_object_foreach((json_t *)extra, k, v) json_object_set(o, k, v);
    out_json(R, o);
    if (info) {
      const json_t *first = route ? json_object_get(o, "target")
                                  : json_array_get(json_object_get(o, "channels"), 0);
      const char *fid = json_string_value(json_object_get(first, "id"));
      int c = fid ? ww__channel_index(R, fid) : -1;
      info->first = c >= 0 ? R->ch[c].id : NULL;
      info->degraded = json_is_true(json_object_get(o, "degraded"));
      const char *aid = json_string_value(json_object_get(o, "adviceId"));
      snprintf(info->advice_id, sizeof info->advice_id, "%s", aid ? aid : "");
    }
    json_decref(o);
  }
  if (R->ooom) {
    R->olen = 0;
    return WW_ENOMEM;
  }
  *text = R->out;
  *len = R->olen;
  return 0;
}

int ww_decide(ww_rules *rules, const json_t *request, const ww_decide_opts *opts,
              json_t **out, ww_err *err) {
  int route = opts && opts->route;
  return ww__decide(rules, request, opts, route, route, out, err);
}

int ww_decide_text(ww_rules *rules, const char *text, size_t len, const ww_decide_opts *opts,
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
  int rc = ww_decide(rules, req, opts, out, err);
  json_decref(req);
  return rc;
}

json_t *ww_rules_channels(ww_rules *R, int64_t now, const json_t *status) {
  ww__chstate st[WW__MAX_CHANNELS];
  memset(st, 0, sizeof(ww__chstate) * (size_t)R->nch);
  ww__chstate_compute(R, now, status, st, NULL);
  json_t *arr = json_array();
  for (int i = 0; i < R->nch; i++) {
    json_t *o = json_copy(R->ch[i].entry);
    json_object_set_new_nocheck(o, "open", json_boolean(st[i].open));
    json_object_set_new_nocheck(o, "waitSeconds", wait_json(&st[i]));
    if (st[i].reason) json_object_set_new_nocheck(o, "reason", json_string(st[i].reason));
    json_array_append_new(arr, o);
    free(st[i].reason);
  }
  return json_pack("{s:o}", "channels", arr);
}

/* ---- rule tests ---- */

static const unsigned char TEST_SECRET[] = "wegwijzer-rule-tests";

static int find_id(const json_t *arr, const char *id) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
      return (int)i;
  return -1;
}

static int any_contains(const json_t *arr, const char *sub) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) if (json_is_string(v) && strstr(json_string_value(v), sub)) return 1;
  return 0;
}

static void list_ids(const json_t *arr, size_t max, char *out, size_t n) {
  out[0] = '\0';
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (i >= max) break;
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", i ? ", " : "",
             json_string_value(json_object_get(v, "id")));
  }
  if (json_array_size(arr) == 0) snprintf(out, n, "nothing");
}

/* Checks one case; returns 1 if it passes, else 0 with 'why'. */
static int run_case(ww_rules *R, const ww__case *c, char *why, size_t n) {
  ww_decide_opts o = {0};
  o.secret = TEST_SECRET;
  o.secret_len = sizeof TEST_SECRET - 1;
  o.session = c->session;
  o.status = c->status;
  o.advice_id = "00000000000000000000000000000000";
  json_t *ans = NULL, *rans = NULL;
  ww_err err = {0};
  int ok = 0;
  const json_t *e = c->expect;
  if (ww__decide(R, c->request, &o, 0, c->route, &ans, &err) != 0) {
    snprintf(why, n, "the request is invalid: %s", err.msg);
    goto out;
  }
  int degraded = json_is_true(json_object_get(ans, "degraded"));
  json_t *xd = json_object_get(e, "degraded");
  if (xd) {
    if (json_is_true(xd) != degraded) {
      snprintf(why, n, degraded ? "expected a normal advice, but the rules failed: %s"
                                : "expected a degraded (fallback) advice, got a normal one%s",
               degraded ? R->last_error : "");
      goto out;
    }
  } else if (degraded) {
    snprintf(why, n, "the rules failed at run time: %s", R->last_error);
    goto out;
  }
  json_t *chs = json_object_get(ans, "channels"), *exc = json_object_get(ans, "excluded");
  char got[300];
  json_t *v;
  if ((v = json_object_get(e, "first"))) {
    json_t *f = json_array_get(chs, 0);
    const char *fid = f ? json_string_value(json_object_get(f, "id")) : NULL;
    if (!fid || strcmp(fid, json_string_value(v)) != 0) {
      snprintf(why, n, "expected first \"%s\", got %s%s%s", json_string_value(v),
               fid ? "\"" : "no channel at all", fid ? fid : "", fid ? "\"" : "");
      goto out;
    }
  }
  size_t i;
  json_t *id;
  if ((v = json_object_get(e, "excluded"))) json_array_foreach(v, i, id) {
      int r = find_id(chs, json_string_value(id));
      if (find_id(exc, json_string_value(id)) < 0) {
        snprintf(why, n, "expected \"%s\" to be excluded, but it is in the advice at rank %d",
                 json_string_value(id), r + 1);
        goto out;
      }
    }
  if ((v = json_object_get(e, "included"))) json_array_foreach(v, i, id) {
      if (find_id(chs, json_string_value(id)) < 0) {
        snprintf(why, n, "expected \"%s\" in the advice, but it is excluded",
                 json_string_value(id));
        goto out;
      }
    }
  if ((v = json_object_get(e, "order"))) {
    int bad = json_array_size(chs) < json_array_size(v);
    json_array_foreach(v, i, id) {
      json_t *ci = json_array_get(chs, i);
      if (!ci || strcmp(json_string_value(json_object_get(ci, "id")), json_string_value(id)))
        bad = 1;
    }
    if (bad) {
      char want[300] = "";
      json_array_foreach(v, i, id) {
        size_t l = strlen(want);
        snprintf(want + l, sizeof want - l, "%s%s", i ? ", " : "", json_string_value(id));
      }
      list_ids(chs, json_array_size(v) + 2, got, sizeof got);
      snprintf(why, n, "expected the advice to start with %s; got %s", want, got);
      goto out;
    }
  }
  if ((v = json_object_get(e, "open"))) {
    const char *k;
    json_t *b;
    json_object_foreach(v, k, b) {
      int ci = ww__channel_index(R, k);
      if (R->cst[ci].open != json_is_true(b)) {
        snprintf(why, n, "expected \"%s\" to be %s, but it is %s", k,
                 json_is_true(b) ? "open" : "closed", R->cst[ci].open ? "open" : "closed");
        goto out;
      }
    }
  }
  if ((v = json_object_get(e, "notes"))) {
    if (!any_contains(json_object_get(ans, "notes"), json_string_value(v))) {
      snprintf(why, n, "expected a note containing \"%s\", but no note says that",
               json_string_value(v));
      goto out;
    }
  }
  if ((v = json_object_get(e, "reason"))) {
    const char *k;
    json_t *s;
    json_object_foreach(v, k, s) {
      int r = find_id(chs, k);
      json_t *item = r >= 0 ? json_array_get(chs, r) : json_array_get(exc, find_id(exc, k));
      if (!any_contains(json_object_get(item, "reasons"), json_string_value(s))) {
        snprintf(why, n, "expected a reason for \"%s\" containing \"%s\", but none does", k,
                 json_string_value(s));
        goto out;
      }
    }
  }
  if ((v = json_object_get(e, "route"))) {
    if (ww__decide(R, c->request, &o, 1, 1, &rans, &err) != 0) {
      snprintf(why, n, "the request is invalid: %s", err.msg);
      goto out;
    }
    const char *tid = json_string_value(json_object_get(json_object_get(rans, "target"), "id"));
    if (!tid || strcmp(tid, json_string_value(v)) != 0) {
      snprintf(why, n, "expected route to \"%s\", got \"%s\"%s", json_string_value(v),
               tid ? tid : "",
               json_is_true(json_object_get(json_object_get(rans, "target"), "fallback"))
                   ? " (the fallback route: no open routable channel)" : "");
      goto out;
    }
  }
  ok = 1;
out:
  json_decref(ans);
  json_decref(rans);
  ww_err_clear(&err);
  return ok;
}

/* A weekday at 10:00 local that is no holiday, from 2026-12-01 on. */
static int64_t duty_time(const ww_rules *R) {
  int64_t t;
  ww_time_parse("2026-12-01T10:00:00+01:00", &t);
  for (int i = 0; i < 60; i++, t += 86400) {
    ww_localtime lt;
    ww_time_local(t, &lt);
    if (lt.weekday < 5 && !is_holiday(R, ww_days_from_civil(lt.year, lt.month, lt.day)))
      break;
  }
  return t;
}

/* The rule tests together have the time limit of a load, and no case a limit of its own: a
 * test must not fail because the machine was busy for 10 ms (a reload under load), and a
 * rule set of many slow cases must not hold a reload (and its lock) for longer. */
static int tests_too_long(const ww_rules *R, int64_t end, char *why, size_t n) {
  if (ww__clock_ms() < end) return 0;
  snprintf(why, n, "not run: the rule tests took longer than %u ms together (the time "
           "limit for loading); look for rules that are slow for these cases",
           R->load_timeout_ms);
  return 1;
}

int ww_rules_test(ww_rules *R, ww_case_fn line, void *ud, int *passed, int *failed) {
  int np = 0, nf = 0;
  char why[600];
  int64_t end = ww__clock_ms() + (int64_t)R->load_timeout_ms;
  R->tests_deadline = end;
  for (int i = 0; i < R->ncases; i++) {
    why[0] = '\0';
    int ok = !tests_too_long(R, end, why, sizeof why) &&
             run_case(R, &R->cases[i], why, sizeof why);
    ok ? np++ : nf++;
    if (line) line(ud, R->cases[i].name, ok, ok ? NULL : why);
  }
  /* duty of care (Wmebv, Awb 2:1): every service keeps a channel where a person helps */
  static const char *const who[] = {"anoniem", "weinig digitale vaardigheden",
                                    "visuele beperking"};
  int64_t t = duty_time(R);
  ww_decide_opts o = {0};
  o.secret = TEST_SECRET;
  o.secret_len = sizeof TEST_SECRET - 1;
  o.now = t;
  o.advice_id = "00000000000000000000000000000000";
  for (int s = 0; s < R->nsvc; s++) {
    why[0] = '\0';
    int ok = !tests_too_long(R, end, why, sizeof why);
    for (int k = 0; k < 3 && ok; k++) {
      json_t *req = json_pack("{s:s}", "service", R->svc[s].id);
      if (k == 1) json_object_set_new(req, "citizen", json_pack("{s:s}", "digitalSkills", "low"));
      if (k == 2) json_object_set_new(req, "citizen", json_pack("{s:[s]}", "needs", "visual"));
      json_t *ans = NULL;
      ww_err err = {0};
      if (ww__decide(R, req, &o, 0, 0, &ans, &err) != 0) {
        ok = 0;
        snprintf(why, sizeof why, "%s: the request is invalid: %s", who[k], err.msg);
      } else if (json_is_true(json_object_get(ans, "degraded"))) {
        ok = 0;
        snprintf(why, sizeof why, "%s: the rules failed at run time: %s", who[k], R->last_error);
      } else {
        int found = 0;
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(ans, "channels"), i, c)
            if (json_is_true(json_object_get(c, "assisted"))) found = 1;
        if (!found) {
          ok = 0;
          snprintf(why, sizeof why, "no channel where a person helps is left for: %s "
                   "(weekday 10:00); keep telefoon, balie or another assisted channel", who[k]);
        }
      }
      json_decref(ans);
      json_decref(req);
      ww_err_clear(&err);
    }
    char name[200];
    snprintf(name, sizeof name, "zorgplicht %s", R->svc[s].id);
    ok ? np++ : nf++;
    if (line) line(ud, name, ok, ok ? NULL : why);
  }
  R->tests_deadline = 0;
  if (passed) *passed = np;
  if (failed) *failed = nf;
  return nf;
}
