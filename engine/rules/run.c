/* One run of the rules (ww_host_run): the facts into r, each rule whose conditions hold
 * advised through 'a' (advise.c), all in one protected call with the limits of a
 * decision; a failure is contained: logged, counted, the state made usable again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "rules/host_private.h"
#include "util/tztime.h"
#include "util/utf8.h"

/* r.context.time is the second of the question; every other field of r.context holds for
 * its whole minute. It reaches the backing on first read, so a verdict that did not read it
 * holds for the minute (ww_verdict.reusable). */
static void context_time_put(lua_State *L, int backing) {
  ww_host *H = ww__host_of(L);
  H->run.time_read = 1;
  lua_pushinteger(L, (lua_Integer)H->run.time);
  lua_setfield(L, backing, "time");   /* the backing's own: no metamethod */
}

static int context_lazy_index(lua_State *L) {   /* __index(backing, key) */
  if (lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), "time") == 0) {
    context_time_put(L, 1);
    lua_getfield(L, 1, "time");
    return 1;
  }
  lua_pushnil(L);
  return 1;
}

static int context_lazy_fill(lua_State *L) {    /* __fill(backing): pairs, copies */
  lua_pushliteral(L, "time");
  if (lua_rawget(L, 1) == LUA_TNIL) context_time_put(L, 1);
  return 0;
}

void ww__run_prepare(lua_State *L, ww_host *H) {
  const ww_catalogue *cat = &H->cat;
  lua_newtable(L);                         /* r's backing */
  int rb = lua_gettop(L);
  ww__view_wrap(L, rb, 2);
  H->ref.r = luaL_ref(L, LUA_REGISTRYINDEX);
  for (int k = 0; k < 2; k++) {             /* citizen, context: fixed proxies */
    lua_newtable(L);
    ww__view_wrap(L, -1, 2);
    lua_getmetatable(L, -1);
    if (k == 0) H->ref.citizen_mt = luaL_ref(L, LUA_REGISTRYINDEX);
    else H->ref.context_mt = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_setfield(L, rb, k == 0 ? "citizen" : "context");
    lua_pop(L, 1);
  }
  /* r.channels: fixed read-only proxies over per-channel state tables (copies of the
   * catalogue entries) whose open / waitSeconds each run updates when the states change */
  lua_createtable(L, cat->nch, 0);          /* the state tables, for updates */
  int st = lua_gettop(L);
  lua_createtable(L, 0, cat->nch);          /* T: id -> proxy */
  int T = lua_gettop(L);
  for (int i = 0; i < cat->nch; i++) {
    lua_createtable(L, 0, 12);
    int cb = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, H->ch_back[i]);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, cb);
    }
    lua_pop(L, 1);
    lua_pushboolean(L, 1);                  /* a real value from the first run on */
    lua_setfield(L, cb, "open");
    lua_pushvalue(L, cb);
    lua_rawseti(L, st, i + 1);
    ww__view_wrap(L, cb, 2);
    lua_setfield(L, T, cat->ch[i].id);
    lua_settop(L, T);
  }
  ww__view_wrap(L, T, 2);                   /* r.channels */
  lua_getmetatable(L, -1);
  lua_pushvalue(L, T);
  lua_setfield(L, -2, "__data");
  lua_pop(L, 1);
  lua_setfield(L, rb, "channels");
  ww__view_push_empty(L);                   /* r.extra, until a request has extras */
  lua_setfield(L, rb, "extra");
  lua_createtable(L, 0, 1);                 /* known ids stay in the VM; unknown ones raise */
  lua_pushcfunction(L, ww__view_unknown_channel);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, T);
  lua_settop(L, st);
  H->ref.chstate = luaL_ref(L, LUA_REGISTRYINDEX);
  H->run.view_ok = 0;

  lua_pushvalue(L, rb);
  H->ref.r_back = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, context_lazy_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, context_lazy_fill);
  lua_setfield(L, -2, "__fill");
  H->ref.context_lazy = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* ---- building r (inside the protected call) ---- */

/* The states into the fixed channel state tables behind r.channels: open, waitSeconds,
 * closedBy (why it is closed) and reason (of a closure or override). A catalogue field
 * waitSeconds shows through when the state has none (as in a fresh copy of the entry). */
static void update_view(lua_State *L, ww_host *H, const ww_chstate *states) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.chstate);
  int st = lua_gettop(L);
  for (int i = 0; i < H->cat.nch; i++) {
    lua_rawgeti(L, st, i + 1);
    lua_pushboolean(L, states[i].open);
    lua_setfield(L, -2, "open");
    if (states[i].wait >= 0) {
      lua_pushnumber(L, states[i].wait);
    } else {
      lua_rawgeti(L, LUA_REGISTRYINDEX, H->ch_back[i]);
      lua_getfield(L, -1, "waitSeconds");
      lua_remove(L, -2);
    }
    lua_setfield(L, -2, "waitSeconds");
    const char *by = ww_closed_by_name(states[i].closed_by);   /* nil when open */
    if (by) lua_pushstring(L, by);
    else lua_pushnil(L);
    lua_setfield(L, -2, "closedBy");
    if (states[i].reason) lua_pushstring(L, states[i].reason);
    else lua_pushnil(L);
    lua_setfield(L, -2, "reason");
    lua_pop(L, 1);
  }
  lua_settop(L, st - 1);
}

typedef struct run_call {
  const ww_facts *f;
  int update_view;
} run_call;

static void set_str(lua_State *L, int t, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, t, k);
}

/* The fields of object 'j' but 'skip1', 'skip2' and nulls, as views, into the table at 't'. */
static void set_fields(lua_State *L, int t, const json_t *j, const char *skip1,
                       const char *skip2) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)j, k, v) {
    if ((skip1 && strcmp(k, skip1) == 0) || (skip2 && strcmp(k, skip2) == 0) ||
        json_is_null(v))
      continue;
    ww__view_push_json(L, v, 2);
    lua_setfield(L, t, k);
  }
}

/* lua_CFunction: builds r from the facts and runs the rules. */
static int run_main(lua_State *L) {
  ww_host *H = ww__host_of(L);
  const run_call *X = lua_touserdata(L, 1);
  const ww_facts *f = X->f;
  ww__run *d = &H->run;
  lua_settop(L, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.r_back);   /* 1 */

  if (X->update_view) {
    update_view(L, H, f->states);
    d->view_ok = 1;
    d->view_gen = f->states_gen;
  }

  /* r.service: the catalogue entry only. r.extra: the request's fields the engine does
   * not know (never mixed into the catalogue: a request's "online": false must not read as
   * the service's). */
  const ww__service_lua *s = &H->svc_lua[f->service];
  lua_rawgeti(L, LUA_REGISTRYINDEX, s->proxy_ref);
  lua_setfield(L, 1, "service");
  if (f->extra) {
    lua_createtable(L, 0, 4);
    int t = lua_gettop(L);
    set_fields(L, t, f->extra, NULL, NULL);
    ww__view_wrap(L, t, 2);
    lua_setfield(L, 1, "extra");
    lua_settop(L, 1);
    d->extra_set = 1;
  } else if (d->extra_set) {   /* r.extra is the empty view between requests with extras */
    ww__view_push_empty(L);
    lua_setfield(L, 1, "extra");
    d->extra_set = 0;
  }

  /* citizen: a new backing behind the fixed proxy */
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.citizen_mt);   /* 2 */
  lua_createtable(L, 0, 8);                               /* 3 */
  if (f->citizen) set_fields(L, 3, f->citizen, "id", "ref");
  if (f->citizen_ref) set_str(L, 3, "ref", f->citizen_ref);
  if (H->probe) ww__probe_backing(L, H, 2, WW_READ_CITIZEN, -1);
  else lua_setfield(L, 2, "__index");
  lua_settop(L, 1);

  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.context_mt);
  lua_createtable(L, 0, 10);
  if (f->context) set_fields(L, 3, f->context, "time", NULL);
  ww_localtime lt;
  ww_time_local(f->time, &lt);
  char date[10], hm[5];
  set_str(L, 3, "origin", f->origin);
  d->time = f->time;              /* r.context.time: on first read (context_lazy_index) */
  d->time_read = 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.context_lazy);
  lua_setmetatable(L, 3);
  ww_time_put_date(date, &lt);
  lua_pushlstring(L, date, 10);
  lua_setfield(L, 3, "date");
  set_str(L, 3, "weekday", ww_time_weekday_name(lt.weekday));
  ww_time_put_hhmm(hm, &lt);
  lua_pushlstring(L, hm, 5);
  lua_setfield(L, 3, "hhmm");
  lua_pushinteger(L, lt.hour * 60 + lt.minute);
  lua_setfield(L, 3, "minutes");
  if (H->probe) ww__probe_backing(L, H, 2, WW_READ_CONTEXT, -1);
  else lua_setfield(L, 2, "__index");
  lua_settop(L, 1);

  d->service = H->cat.svc[f->service].id;
  d->session = NULL;
  d->nev = -1;
  if (json_is_object(f->session)) {
    d->session = f->session;
    ww__view_session_push(L, f->session);
  } else {
    lua_pushnil(L);
  }
  lua_setfield(L, 1, "session");

  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.r);            /* 2: r */
  ww__advise_push(L, H);                                  /* 3: a */
  const char *backing = H->probe ? ww__probe_backing_field(H) : "__index";
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.citizen_mt);   /* 4: r.citizen's backing */
  lua_getfield(L, 4, backing);
  lua_replace(L, 4);
  lua_rawgeti(L, LUA_REGISTRYINDEX, H->ref.context_mt);   /* 5: r.context's backing */
  lua_getfield(L, 5, backing);
  lua_replace(L, 5);
  d->active = 1;
  ww__budget_start(H, H->lim.budget, 0);
  if (H->probe) ww__probe_arm(H);
  /* with a trace (or the proof's probe) every rule shows, those whose `service` does not
   * hold as not matched; otherwise only the service's own list */
  int every = d->explain || H->probe;
  int nvisit = every ? H->cat.nrules : s->nrun;
  for (int k = 0; k < nvisit; k++) {
    int i = every ? k : s->run[k];
    const ww__rule *ru = &H->rules[i];
    d->cur_rule = i;
    if (d->explain) {
      if (d->ntrace == d->ctrace) {
        size_t nc = d->ctrace ? d->ctrace * 2 : 64;
        ww_step *q = realloc(d->trace, nc * sizeof *q);
        if (q == NULL) return luaL_error(L, "not enough memory");
        d->trace = q;
        d->ctrace = nc;
      }
      d->trace[d->ntrace] = (ww_step){i, 0, (int)d->nfx, (int)d->nfx};
      d->ntrace++;
    }
    /* the rule's `service`, decided at load; its from / until, on the question's time */
    const ww_rule_info *ri = &H->cat.rules[i];
    int matched = s->applies[i] && ww_catalogue_within(f->time, ri->from, ri->until);
    if (H->probe && s->applies[i] && (ri->from || ri->until))
      ww__probe_read(H, WW_READ_TIME, -1, NULL);
    if (matched && ru->cit_ref != LUA_NOREF) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, ru->cit_ref);
      if (H->probe) ww__probe_filter(L, H, 6, WW_READ_CITIZEN);
      matched = ww__filter_match(L, 6, 4);
      lua_settop(L, 5);
    }
    if (matched && ru->ctx_ref != LUA_NOREF) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, ru->ctx_ref);
      if (H->probe) ww__probe_filter(L, H, 6, WW_READ_CONTEXT);
      matched = ww__filter_match(L, 6, 5);
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
  ww__budget_stop(H);
  d->cur_rule = -1;
  ww__freeze_restore(L);
  return 0;
}

/* The length of 's' cut to at most 'max' bytes at a character boundary: a rule's error
 * text is as long as the rule makes it (error(("x"):rep(2^20)) logged 1 MiB per request),
 * and half a UTF-8 character makes jansson refuse the whole text. */
static int text_cut(const char *s, size_t max) { return (int)ww_utf8_cut(s, strlen(s), max); }

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

/* A run that raised (rc): what went wrong into the verdict, logged and counted; the
 * state made usable for the next run. */
static void contain(ww_host *H, int rc) {
  lua_State *L = H->L;
  ww__run *d = &H->run;
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  if (msg == NULL || rc == LUA_ERRMEM)
    msg = rc == LUA_ERRMEM ? "memory limit of the rule set reached" : "error (not a text message)";
  int cr = d->cur_rule;
  const ww_rule_info *ru = cr >= 0 ? &H->cat.rules[cr] : NULL;
  if (ru)
    snprintf(d->v.error, sizeof d->v.error, "rule \"%s\" (%s): %.*s", ru->name, ru->source,
             text_cut(msg, 300), msg);
  else
    snprintf(d->v.error, sizeof d->v.error, "%.*s", text_cut(msg, 300), msg);
  d->v.failed = 1;
  H->failures++;
  if (rc == LUA_ERRMEM) H->failures_memory++;
  else if (H->lim.limit_hit) H->failures_budget++;   /* the instruction budget or the time limit */
  ww_log(WW_LOG_WARN, "rule failed; fallback advice given",
         json_pack("{s:o, s:s, s:o, s:s}", "rule", log_text(ru ? ru->name : ""), "source",
                   ru ? ru->source : "", "error", log_text(msg), "rulesVersion",
                   H->cat.version));
  lua_settop(L, 0);
  ww__budget_stop(H);
  lua_pushcfunction(L, ww__freeze_restore);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) lua_settop(L, 0);
  /* memory back at once after the cap was hit; after a budget or time failure the garbage
   * goes with the next collections (a full one here would add to every hostile answer) */
  if (rc == LUA_ERRMEM) lua_gc(L, LUA_GCCOLLECT, 0);
  d->view_ok = 0;                       /* the view may be half updated */
}

const ww_verdict *ww_host_run(ww_host *H, const ww_facts *f) {
  lua_State *L = H->L;
  ww__run *d = &H->run;
  ww__advise_reset(d, &H->cat, f->explain);
  d->seed = f->seed;                    /* made on first use when NULL (env.c) */
  d->v.failed = 0;
  d->v.error[0] = '\0';
  if (!lua_checkstack(L, 8)) return NULL;
  run_call X = {f, !(d->view_ok && f->states_gen != 0 && f->states_gen == d->view_gen)};
  lua_pushcfunction(L, run_main);
  lua_pushlightuserdata(L, &X);
  H->lim.limit_hit = 0;
  int rc = lua_pcall(L, 1, 0, 0);
  d->active = 0;
  d->v.reusable = rc == LUA_OK && !f->explain && f->session == NULL && f->citizen_ref == NULL &&
                  d->rand_gen != d->gen + 1 && !d->time_read;
  d->session = NULL;
  d->seed = NULL;
  d->gen++;
  if (rc == LUA_OK) {
    lua_settop(L, 0);
    ww__advise_finish(d, &H->cat);
  } else {
    contain(H, rc);
  }
  d->v.reasons = d->reasons;
  d->v.nreasons = d->nreasons;
  d->v.notes = d->notes;
  d->v.nnotes = d->nnotes;
  d->v.fx = d->fx;
  d->v.nfx = d->nfx;
  d->v.trace = d->trace;
  d->v.ntrace = d->ntrace;
  d->v.arena = d->arena;
  return &d->v;
}
