/* The rule-set DSL: channel, service, holidays, fallback, targets, rule, case.
 * Each validates its table while the rule set loads and reports FILE:LINE: message in
 * plain words, where LINE is the line of the `channel "x" {` call. */
#include <ctype.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/load_private.h"
#include "util/ident.h"
#include "util/strlist.h"
#include "util/tztime.h"

static const char *const kinds[] = {"online", "portal", "phone", "desk", "chat", "email",
                                    "callback", "video", "post", "social", "other", NULL};
static const char *const complexities[] = {"low", "medium", "high", NULL};
static const char *const audiences[] = {"burger", "bedrijf", "beide", NULL};
static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};
static const char *const expect_keys[] = {"first", "excluded", "included", "order", "route",
                                          "open", "notes", "degraded", "reason", NULL};

static void join_list(const char *const *list, char *out, size_t n) {
  out[0] = '\0';
  for (int i = 0; list[i]; i++) {
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", i ? (list[i + 1] ? ", " : " or ") : "", list[i]);
  }
}

/* Raise "FILE:LINE: message" and remember the place for ww_err. */
static int dsl_err(lua_State *L, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int dsl_err(lua_State *L, int line, const char *fmt, ...) {
  ww__load *ld = ww__host_of(L)->ld;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (ld) {
    snprintf(ld->efile, sizeof ld->efile, "%s", ld->file);
    ld->eline = line;
    ld->has_err = 1;
  }
  lua_pushfstring(L, "%s:%d: %s", ld ? ld->file : "?", line, msg);
  return lua_error(L);
}

/* A DSL call whose mistake is one of the rule set's (dsl_err) is noted, and the file
 * goes on, so that one check lists every error; any other error (a limit, memory) or a
 * full list of errors ends the load. Upvalue 1: the DSL function. */
static int noop(lua_State *L) {
  (void)L;
  return 0;
}
/* Whether message 'm' starts with a place "FILE.lua:LINE: ". */
static int has_place(const char *m) {
  const char *p = strstr(m, ".lua:");
  if (p == NULL || memchr(m, ' ', (size_t)(p - m))) return 0;
  p += 5;
  if (!isdigit((unsigned char)*p)) return 0;
  while (isdigit((unsigned char)*p)) p++;
  return *p == ':';
}

static int guarded(lua_State *L) {
  ww_host *H = ww__host_of(L);
  ww__load *ld = H->ld;
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  if (ld) ld->has_err = 0;
  int rc = lua_pcall(L, n, LUA_MULTRET, 0);
  if (rc == LUA_OK) return lua_gettop(L);
  if (rc != LUA_ERRRUN || ld == NULL || !ld->has_err || H->lim.limit_hit) {
    const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (m && !has_place(m)) {
      luaL_where(L, 1);   /* raised in C under the guard: the place is the file's call */
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
    return lua_error(L);
  }
  const char *msg = lua_tostring(L, -1), *text = msg ? strstr(msg, ": ") : NULL;
  json_decref(ld->pending);
  ld->pending = NULL;
  if (ww__load_note(H, ld->efile, ld->eline, text ? text + 2 : "error") != 0) return lua_error(L);
  ld->has_err = 0;
  lua_settop(L, 0);
  lua_pushcfunction(L, noop);   /* `channel "x"` failed: its { ... } goes nowhere */
  return 1;
}

static void push_guarded(lua_State *L, lua_CFunction f, int nup) {
  lua_pushcclosure(L, f, nup);
  lua_pushcclosure(L, guarded, 1);
}

/* The line of the rule file's call (above the guard: the nearest Lua function). */
static int caller_line(lua_State *L) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++)
    if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) return ar.currentline;
  return 0;
}

static ww__load *loading(lua_State *L, const char *what) {
  ww__load *ld = ww__host_of(L)->ld;
  if (ld == NULL)
    luaL_error(L, "%s can only be used while the rule set loads, not inside a rule", what);
  return ld;
}

/* The copies and arrays below are kept outside the Lua state: they count against the
 * rule set's memory limit (ww__mem_charge), as 40 rule names of 1 MiB or 30,000 services
 * would otherwise grow the server without one. */
static char *xstrdup(lua_State *L, const char *s) {
  ww__mem_charge(L, strlen(s) + 1);
  char *d = strdup(s);
  if (d == NULL) luaL_error(L, "not enough memory");
  return d;
}

static void *grow(lua_State *L, void *p, int n, int *cap, size_t sz) {
  if (n < *cap) return p;
  int nc = *cap ? *cap * 2 : 16;
  ww__mem_charge(L, (size_t)(nc - *cap) * sz);
  void *q = realloc(p, (size_t)nc * sz);
  if (q == NULL) luaL_error(L, "not enough memory");
  memset((char *)q + (size_t)*cap * sz, 0, (size_t)(nc - *cap) * sz);
  *cap = nc;
  return q;
}

/* Notes that 'name' is taken by entry 'i', in the set '*names' (made on first use): the
 * check for a name defined twice is one lookup, not a walk of every earlier one (4,000
 * rules, 7,000 cases). */
static void name_seen(lua_State *L, json_t **names, const char *name, int i) {
  if (*names == NULL) *names = json_object();
  if (*names == NULL || json_object_setn_new_nocheck(*names, name, strlen(name), json_integer(i)) != 0)
    luaL_error(L, "not enough memory");
}

static char *source_of(lua_State *L, ww__load *ld, int line) {
  char buf[300];
  snprintf(buf, sizeof buf, "%s:%d", ld->file, line);
  return xstrdup(L, buf);
}

/* Stage 1 of `what "name" { ... }`: checks the name, returns stage 2 with (name, line). */
static int stage1(lua_State *L, const char *what, lua_CFunction stage2, int need_id) {
  loading(L, what);
  int line = caller_line(L);
  if (lua_type(L, 1) != LUA_TSTRING) {
    if (lua_istable(L, 1))
      return dsl_err(L, line, "%s needs a name first: write %s \"name\" { ... }", what, what);
    return dsl_err(L, line, "%s needs a name in quotes: write %s \"name\" { ... }", what, what);
  }
  const char *name = lua_tostring(L, 1);
  if (need_id && !ww_ident_valid(name))
    return dsl_err(L, line,
                   "%s id \"%s\" is not valid: use lowercase letters, digits and _ , starting "
                   "with a letter (for example \"%s\")", what, name,
                   need_id == 1 ? "telefoon" : "paspoort");
  if (!need_id && name[0] == '\0') return dsl_err(L, line, "%s name must not be empty", what);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, line);
  push_guarded(L, stage2, 2);
  return 1;
}

static const char *up_name(lua_State *L) { return lua_tostring(L, lua_upvalueindex(1)); }
static int up_line(lua_State *L) { return (int)lua_tointeger(L, lua_upvalueindex(2)); }

static void need_table(lua_State *L, const char *what) {
  if (!lua_istable(L, 1))
    dsl_err(L, up_line(L), "%s \"%s\" needs a table: write %s \"%s\" { ... }", what,
            up_name(L), what, up_name(L));
}

/* A field of a channel or service that the engine does not know is one of the rule
 * set's own; one slip from a known field it is most likely a typo: a warning. */
static void warn_near_fields(lua_State *L, json_t *entry, const char *what,
                             const char *const *known) {
  ww_host *H = ww__host_of(L);
  const char *k;
  json_t *v;
  json_object_foreach(entry, k, v) {
    const char *near = ww_strlist_index(known, k) < 0 ? ww__near(k, known) : NULL;
    if (near)
      ww__load_warn(H, H->ld->file, up_line(L), "%s \"%s\": onbekend veld \"%s\"; bedoelt u "
                    "\"%s\"?", what, up_name(L), k, near);
  }
}

/* Field 'k' of the spec table (index 1) pushed; returns its type. */
static int field(lua_State *L, const char *k) { return lua_getfield(L, 1, k); }

static json_t *spec_json(lua_State *L, const char *what) {
  char msg[300];
  json_t *j = ww__view_to_json(L, 1, msg, sizeof msg, 0);
  if (j == NULL) dsl_err(L, up_line(L), "%s \"%s\": %s", what, up_name(L), msg);
  if (!json_is_object(j)) {
    json_decref(j);
    dsl_err(L, up_line(L), "%s \"%s\" needs named fields like name = \"...\"", what,
            up_name(L));
  }
  return j;
}

/* ---- from / until ---- */

/* A time a rule set writes (a date, a local date and time, or a date-time with offset) at
 * the top of the stack into '*t'; raises FILE:LINE with 'what' and 'field' otherwise. */
static int64_t time_value(lua_State *L, int line, const char *what, const char *field) {
  int64_t t;
  if (lua_type(L, -1) != LUA_TSTRING || ww_time_parse_local(lua_tostring(L, -1), &t) != 0)
    dsl_err(L, line, "%s: %s must be a date like \"2027-01-01\" or a date and time like "
                     "\"2026-12-24 12:00\" (Dutch time)%s%s%s", what, field,
            lua_isstring(L, -1) ? " (got \"" : "", lua_isstring(L, -1) ? lua_tostring(L, -1) : "",
            lua_isstring(L, -1) ? "\")" : "");
  return t;
}

/* The field of the spec table (index 1) that says 'until' pushed, with its type: `until`
 * is a reserved word in Lua, so `to = ...` says the same (and ["until"] = ... works). */
static int until_field(lua_State *L, int line, const char *what) {
  int t = field(L, "until");
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return field(L, "to");
  }
  if (lua_getfield(L, 1, "to") != LUA_TNIL)
    dsl_err(L, line, "%s: give until or to, not both (they say the same)", what);
  lua_pop(L, 1);
  return t;
}

/* The optional from / until (or to) of the spec table (index 1) of 'what' (e.g.
 * `rule "x"`) into '*from' and '*until' (0 when absent). */
static void period(lua_State *L, int line, const char *what, int64_t *from, int64_t *until) {
  *from = *until = 0;
  if (field(L, "from") != LUA_TNIL) *from = time_value(L, line, what, "from");
  lua_pop(L, 1);
  if (until_field(L, line, what) != LUA_TNIL) *until = time_value(L, line, what, "until");
  lua_pop(L, 1);
  if (*from && *until && *until <= *from)
    dsl_err(L, line, "%s: until must be later than from", what);
}

/* ---- hours ---- */

static void parse_hours(lua_State *L, ww_channel *c, const char *what, json_t *hours) {
  int line = up_line(L);
  const char *id = up_name(L);
  if (hours == NULL || (json_is_string(hours) && strcmp(json_string_value(hours), "always") == 0)) {
    c->always = 1;
    return;
  }
  if (!json_is_object(hours))
    dsl_err(L, line, "%s \"%s\": hours must be \"always\" or a table like { mon = "
                     "\"08:30-17:00\", ... }", what, id);
  const char *k;
  json_t *v;
  json_object_foreach(hours, k, v) {
    int d = ww_strlist_index(days, k);
    if (d < 0)
      dsl_err(L, line, "%s \"%s\": hours has an unknown day '%s'; use mon, tue, wed, thu, "
                       "fri, sat or sun", what, id, k);
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (n > WW_MAX_SHIFTS)
      dsl_err(L, line, "%s \"%s\": hours.%s has more than %d time ranges", what, id, k,
              WW_MAX_SHIFTS);
    for (size_t i = 0; i < n; i++) {
      json_t *r = json_is_array(v) ? json_array_get(v, i) : v;
      if (!json_is_string(r))
        dsl_err(L, line, "%s \"%s\": hours.%s must be a time range like \"08:30-17:00\" or "
                         "a list of them", what, id, k);
      const char *s = json_string_value(r);
      int rc = ww_catalogue_hours_range(s, &c->from[d][i], &c->to[d][i]);
      if (rc == -1)
        dsl_err(L, line, "%s \"%s\": hours.%s \"%s\" is not a time range like "
                         "\"08:30-17:00\" (HH:MM-HH:MM, hours 00-24, minutes 00-59)", what, id,
                k, s);
      if (rc == -2)
        dsl_err(L, line, "%s \"%s\": hours.%s \"%s\" ends before it starts", what, id, k, s);
    }
    c->nshift[d] = (int)n;
  }
}

/* ---- channel ---- */

/* Stage 2 of `channel "id" { ... }`: the table. */
/* A channel's 'origin': the request origins (context.origin) it stands for in session
 * events, one or a list; each origin at most one channel's. Raises otherwise. */
static void check_origin(lua_State *L, const ww_catalogue *cat, const char *id, int line,
                         const json_t *origin) {
  if (origin == NULL) return;
  char list[200];
  join_list(ww_catalogue_origins, list, sizeof list);
  json_t *one = json_is_string(origin) ? json_pack("[O]", origin) : json_incref((json_t *)origin);
  size_t i;
  json_t *v;
  int ok = json_is_array(one) && json_array_size(one) > 0;
  json_array_foreach(one, i, v) {
    if (!ok) break;
    const char *o = json_string_value(v);
    if (o == NULL || ww_strlist_index(ww_catalogue_origins, o) < 0) {
      ok = 0;
      break;
    }
    for (int c = 0; c < cat->nch; c++) {
      const json_t *taken = cat->ch[c].origin;
      int same = json_is_string(taken) && strcmp(json_string_value(taken), o) == 0;
      size_t k;
      json_t *t;
      json_array_foreach(taken, k, t) same |= strcmp(json_string_value(t), o) == 0;
      if (same) {
        json_decref(one);
        dsl_err(L, line, "channel \"%s\": origin \"%s\" is already the origin of channel "
                         "\"%s\"; give each origin one channel", id, o, cat->ch[c].id);
      }
    }
  }
  json_decref(one);
  if (!ok)
    dsl_err(L, line, "channel \"%s\": origin must be one of %s, or a list of them, like "
                     "origin = \"web\"", id, list);
}

static int channel_body(lua_State *L) {
  ww__load *ld = loading(L, "channel");
  ww_host *H = ww__host_of(L);
  ww_catalogue *cat = &H->cat;
  need_table(L, "channel");
  const char *id = up_name(L);
  int line = up_line(L);
  int dup = ww_catalogue_channel(cat, id);
  if (dup >= 0)
    return dsl_err(L, line, "channel \"%s\" is defined twice (first at %s); give each channel "
                            "its own id", id, cat->ch[dup].source);
  if (cat->nch >= WW_MAX_CHANNELS) return dsl_err(L, line, "too many channels (at most %d)",
                                                 WW_MAX_CHANNELS);
  if (field(L, "name") != LUA_TSTRING || lua_rawlen(L, -1) == 0)
    return dsl_err(L, line, "channel \"%s\" needs a name, e.g. name = \"Telefoon 14 020\"", id);
  lua_pop(L, 1);
  char list[200];
  join_list(kinds, list, sizeof list);
  if (field(L, "kind") != LUA_TSTRING || ww_strlist_index(kinds, lua_tostring(L, -1)) < 0)
    return dsl_err(L, line, "channel \"%s\": kind must be one of %s%s%s%s", id, list,
                   lua_isstring(L, -1) ? " (got \"" : "",
                   lua_isstring(L, -1) ? lua_tostring(L, -1) : "",
                   lua_isstring(L, -1) ? "\")" : "");
  lua_pop(L, 1);
  int t = field(L, "assisted");
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    return dsl_err(L, line, "channel \"%s\": assisted must be true or false", id);
  lua_pop(L, 1);
  t = field(L, "base");
  if (t != LUA_TNIL && t != LUA_TNUMBER)
    return dsl_err(L, line, "channel \"%s\": base must be a number (the starting score)", id);
  lua_pop(L, 1);
  t = field(L, "contact");
  if (t != LUA_TNIL) {
    if (t != LUA_TTABLE)
      return dsl_err(L, line, "channel \"%s\": contact must be a table like { phone = "
                              "\"14 020\" }", id);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        return dsl_err(L, line, "channel \"%s\": contact values must be text, like url = "
                                "\"https://...\"", id);
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  t = field(L, "route");
  if (t != LUA_TNIL) {
    if (t != LUA_TTABLE)
      return dsl_err(L, line, "channel \"%s\": route must be a table like { kind = \"queue\", "
                              "queue = \"kcc\" }", id);
    if (lua_getfield(L, -1, "kind") != LUA_TSTRING)
      return dsl_err(L, line, "channel \"%s\": route needs a kind (text), e.g. kind = "
                              "\"queue\"", id);
    lua_pop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      int vt = lua_type(L, -1);
      if (lua_type(L, -2) != LUA_TSTRING || (vt != LUA_TSTRING && vt != LUA_TNUMBER))
        return dsl_err(L, line, "channel \"%s\": route fields must be text or numbers", id);
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);

  json_t *entry = spec_json(L, "channel");
  ld->pending = entry;               /* released by the loader if we raise below */
  check_origin(L, cat, id, line, json_object_get(entry, "origin"));
  warn_near_fields(L, entry, "channel", ww__channel_fields);
  cat->ch = grow(L, cat->ch, cat->nch, &ld->cch, sizeof *cat->ch);
  H->ch_back = grow(L, H->ch_back, cat->nch, &ld->cch_back, sizeof *H->ch_back);
  int ci = cat->nch;
  ww_channel *c = &cat->ch[ci];
  memset(c, 0, sizeof *c);
  H->ch_back[ci] = LUA_NOREF;
  parse_hours(L, c, "channel", json_object_get(entry, "hours"));
  char what[100];
  snprintf(what, sizeof what, "channel \"%s\"", id);
  period(L, line, what, &c->period_from, &c->period_until);
  cat->nch++;
  c->id = xstrdup(L, id);
  c->source = source_of(L, ld, line);
  c->name = xstrdup(L, json_string_value(json_object_get(entry, "name")));
  c->kind = xstrdup(L, json_string_value(json_object_get(entry, "kind")));
  c->assisted = json_is_true(json_object_get(entry, "assisted"));
  json_t *b = json_object_get(entry, "base");
  c->base = b ? json_number_value(b) : 0;
  /* catalogue entry in a fixed field order, extras after */
  c->entry = json_object();
  json_object_set_new(c->entry, "id", json_string(id));
  json_object_set(c->entry, "name", json_object_get(entry, "name"));
  json_object_set(c->entry, "kind", json_object_get(entry, "kind"));
  json_object_set_new(c->entry, "assisted", json_boolean(c->assisted));
  if (b) json_object_set(c->entry, "base", b);
  json_t *h = json_object_get(entry, "hours");
  json_object_set_new(c->entry, "hours", h ? json_incref(h) : json_string("always"));
  json_t *ct = json_object_get(entry, "contact");
  json_object_set_new(c->entry, "contact", ct ? json_incref(ct) : json_object());
  json_t *route = json_object_get(entry, "route");
  if (route) json_object_set(c->entry, "route", route);
  const char *ek;
  json_t *ev;
  json_object_foreach(entry, ek, ev) if (!json_object_get(c->entry, ek))
      json_object_set(c->entry, ek, ev);
  ld->pending = NULL;
  json_decref(entry);
  c->contact = json_incref(json_object_get(c->entry, "contact"));
  c->route = route ? json_incref(json_object_get(c->entry, "route")) : NULL;
  c->origin = json_object_get(c->entry, "origin");
  c->j_id = json_string(c->id);
  c->j_name = json_string(c->name);
  c->j_kind = json_string(c->kind);
  ww__view_push_json(L, c->entry, 3);
  H->ch_back[ci] = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

static int l_channel(lua_State *L) { return stage1(L, "channel", channel_body, 1); }

/* ---- service ---- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A service as GET /v1/services shows it (and the rules see it): id, the known fields in a
 * fixed order, presence and tags always, then the rule set's own fields sorted by name, so
 * the same files give the same text (Lua's table order is not). New (NULL: no memory);
 * values shared with 'spec'. */
static json_t *service_entry(const char *id, json_t *spec) {
  static const char *const known[] = {"name", "upl", "audience", "presence", "auth",
                                      "complexity", "tags", NULL};
  size_t n = json_object_size(spec), k = 0;
  const char **extra = malloc((n ? n : 1) * sizeof *extra);
  json_t *o = json_object();
  if (extra == NULL || o == NULL) {
    free(extra);
    json_decref(o);
    return NULL;
  }
  json_object_set_new(o, "id", json_string(id));
  for (int i = 0; known[i]; i++) {
    json_t *v = json_object_get(spec, known[i]);
    if (v) json_object_set(o, known[i], v);
    else if (strcmp(known[i], "presence") == 0) json_object_set_new(o, known[i], json_false());
    else if (strcmp(known[i], "tags") == 0) json_object_set_new(o, known[i], json_array());
  }
  const char *key;
  json_t *v;
  json_object_foreach(spec, key, v) if (!json_object_get(o, key)) extra[k++] = key;
  qsort(extra, k, sizeof *extra, cmp_str);
  for (size_t i = 0; i < k; i++) json_object_set(o, extra[i], json_object_get(spec, extra[i]));
  free(extra);
  return o;
}

/* Stage 2 of `service "id" { ... }`: the table. */
static int service_body(lua_State *L) {
  ww__load *ld = loading(L, "service");
  ww_host *H = ww__host_of(L);
  ww_catalogue *cat = &H->cat;
  need_table(L, "service");
  const char *id = up_name(L);
  int line = up_line(L);
  int dup = ww_catalogue_service(cat, id);
  if (dup >= 0)
    return dsl_err(L, line, "service \"%s\" is defined twice (first at %s); give each service "
                            "its own id", id, cat->svc[dup].source);
  if (field(L, "name") != LUA_TSTRING || lua_rawlen(L, -1) == 0)
    return dsl_err(L, line, "service \"%s\" needs a name, e.g. name = \"Paspoort aanvragen\"",
                   id);
  lua_pop(L, 1);
  int t = field(L, "presence");
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    return dsl_err(L, line, "service \"%s\": presence must be true or false (must the "
                            "citizen come in person?)", id);
  lua_pop(L, 1);
  char list[200];
  t = field(L, "auth");
  if (t != LUA_TNIL && (t != LUA_TSTRING || ww_strlist_index(ww_catalogue_auth_levels, lua_tostring(L, -1)) < 0)) {
    join_list(ww_catalogue_auth_levels, list, sizeof list);
    if (t == LUA_TSTRING)
      return dsl_err(L, line, "service \"%s\": unknown DigiD/eHerkenning level \"%s\" in "
                              "auth; use %s", id, lua_tostring(L, -1), list);
    return dsl_err(L, line, "service \"%s\": auth must be a DigiD/eHerkenning level in "
                            "quotes: %s", id, list);
  }
  lua_pop(L, 1);
  t = field(L, "complexity");
  if (t != LUA_TNIL && (t != LUA_TSTRING || ww_strlist_index(complexities, lua_tostring(L, -1)) < 0))
    return dsl_err(L, line, "service \"%s\": complexity must be \"low\", \"medium\" or "
                            "\"high\"", id);
  lua_pop(L, 1);
  t = field(L, "audience");
  if (t != LUA_TNIL && (t != LUA_TSTRING || ww_strlist_index(audiences, lua_tostring(L, -1)) < 0))
    return dsl_err(L, line, "service \"%s\": audience must be \"burger\", \"bedrijf\" or "
                            "\"beide\"", id);
  lua_pop(L, 1);
  t = field(L, "upl");
  if (t != LUA_TNIL && t != LUA_TSTRING)
    return dsl_err(L, line, "service \"%s\": upl must be the product's name on the Uniforme "
                            "Productnamenlijst, in quotes", id);
  lua_pop(L, 1);
  t = field(L, "tags");
  if (t != LUA_TNIL) {
    int ok = t == LUA_TTABLE;
    if (ok) {
      lua_Integer n = (lua_Integer)lua_rawlen(L, -1), cnt = 0;
      lua_pushnil(L);
      while (lua_next(L, -2)) {
        cnt++;
        if (lua_type(L, -1) != LUA_TSTRING || !lua_isinteger(L, -2)) ok = 0;
        lua_pop(L, 1);
      }
      if (cnt != n) ok = 0;
    }
    if (!ok)
      return dsl_err(L, line, "service \"%s\": tags must be a list of text, like "
                              "{ \"burgerzaken\" }", id);
  }
  lua_pop(L, 1);

  char what[100];
  int64_t from, until;
  snprintf(what, sizeof what, "service \"%s\"", id);
  period(L, line, what, &from, &until);

  json_t *entry = spec_json(L, "service");
  ld->pending = entry;
  warn_near_fields(L, entry, "service", ww__service_fields);
  if (ld->svc_keys == NULL) ld->svc_keys = json_object();
  const char *sk;
  json_t *sv;
  json_object_foreach(entry, sk, sv) json_object_set_new(ld->svc_keys, sk, json_true());
  cat->svc = grow(L, cat->svc, cat->nsvc, &ld->csvc, sizeof *cat->svc);
  H->svc_lua = grow(L, H->svc_lua, cat->nsvc, &ld->csvc_lua, sizeof *H->svc_lua);
  ld->pending = NULL;
  ww__service_lua *sl = &H->svc_lua[cat->nsvc];
  ww_service *s = &cat->svc[cat->nsvc++];
  memset(s, 0, sizeof *s);
  memset(sl, 0, sizeof *sl);
  sl->proxy_ref = sl->back_ref = LUA_NOREF;
  s->entry = service_entry(id, entry);   /* the catalogue's from here, whatever raises */
  json_decref(entry);
  if (s->entry == NULL) luaL_error(L, "not enough memory");
  json_t *full = s->entry;
  s->from = from;
  s->until = until;
  s->id = xstrdup(L, id);
  if (cat->svc_ids == NULL) cat->svc_ids = json_object();
  if (cat->svc_ids == NULL ||
      json_object_setn_new_nocheck(cat->svc_ids, id, strlen(id), json_integer(cat->nsvc - 1)) != 0)
    luaL_error(L, "not enough memory");
  s->source = source_of(L, ld, line);
  s->name = xstrdup(L, json_string_value(json_object_get(full, "name")));
  s->answer = json_pack("{s:s, s:s}", "id", s->id, "name", s->name);
  json_t *upl = json_object_get(full, "upl");
  if (upl) json_object_set(s->answer, "upl", upl);
  ww__view_push_json(L, full, 3);
  lua_pushvalue(L, -1);
  sl->back_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  ww__view_wrap(L, -1, 2);
  sl->proxy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

static int l_service(lua_State *L) { return stage1(L, "service", service_body, 2); }

/* ---- holidays, fallback, targets ---- */

static int parse_date(const char *s, int64_t *day) {
  int64_t e;
  char buf[40];
  if (strlen(s) != 10) return -1;
  snprintf(buf, sizeof buf, "%sT12:00:00Z", s);
  if (ww_time_parse(buf, &e) != 0) return -1;
  *day = e / 86400;
  return 0;
}

static int l_holidays(lua_State *L) {
  ww__load *ld = loading(L, "holidays");
  ww_catalogue *cat = &ww__host_of(L)->cat;
  int line = caller_line(L);
  if (!lua_istable(L, 1))
    return dsl_err(L, line, "holidays needs a list of dates: holidays { \"2026-12-25\", ... }");
  lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
  ww__charge(L, (double)n * WW__VALUE_STEPS, "holidays");
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    int64_t day;
    if (lua_type(L, -1) != LUA_TSTRING || parse_date(lua_tostring(L, -1), &day) != 0)
      return dsl_err(L, line, "holidays: \"%s\" is not a date like \"2026-12-25\"",
                     lua_isstring(L, -1) ? lua_tostring(L, -1) : luaL_typename(L, -1));
    lua_pop(L, 1);
    cat->holidays = grow(L, cat->holidays, cat->nholidays, &ld->chol, sizeof *cat->holidays);
    cat->holidays[cat->nholidays++] = day;
  }
  return 0;
}

static int closure_cmp(const void *a, const void *b) {
  const ww_closure *x = a, *y = b;
  return (x->from > y->from) - (x->from < y->from);
}

/* closures { balie = { { "2026-12-24 12:00", "2026-12-25", "Kerstavond" }, ... }, ... }:
 * planned closures per channel, each [from, until) with a reason. May be given more than
 * once; the channels must be defined before. */
static int l_closures(lua_State *L) {
  loading(L, "closures");
  ww_catalogue *cat = &ww__host_of(L)->cat;
  int line = caller_line(L);
  static const char usage[] = "closures needs a table of channels, each with a list of "
                              "{ from, until, reason }, like closures { balie = { { "
                              "\"2026-12-24 12:00\", \"2026-12-25\", \"Kerstavond\" } } }";
  if (!lua_istable(L, 1)) return dsl_err(L, line, usage);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) return dsl_err(L, line, usage);
    const char *id = lua_tostring(L, -2);
    int ci = ww_catalogue_channel(cat, id);
    if (ci < 0)
      return dsl_err(L, line, "closures names unknown channel \"%s\" (define the channel "
                              "before its closures)", id);
    ww_channel *c = &cat->ch[ci];
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    ww__charge(L, (double)n * WW__VALUE_STEPS, "closures");
    json_t *shown = json_object_get(c->entry, "closures");
    if (shown == NULL) {
      shown = json_array();
      json_object_set_new(c->entry, "closures", shown);
    }
    for (lua_Integer i = 1; i <= n; i++) {
      char what[100];
      snprintf(what, sizeof what, "closures of \"%s\", item %lld", id, (long long)i);
      if (lua_rawgeti(L, -1, i) != LUA_TTABLE || lua_rawlen(L, -1) != 3)
        return dsl_err(L, line, "%s must be { from, until, reason }, like { \"2026-12-24 "
                                "12:00\", \"2026-12-25\", \"Kerstavond\" }", what);
      int64_t t[2];
      const char *text[2];
      for (int k = 0; k < 2; k++) {
        lua_rawgeti(L, -1, k + 1);
        t[k] = time_value(L, line, what, k == 0 ? "from" : "until");
        text[k] = lua_tostring(L, -1);
        lua_pop(L, 1);   /* the string stays alive in the table */
      }
      if (t[1] <= t[0]) return dsl_err(L, line, "%s: until must be later than from", what);
      if (lua_rawgeti(L, -1, 3) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
        return dsl_err(L, line, "%s needs a reason in words, like \"Kerstavond\"", what);
      const char *reason = lua_tostring(L, -1);
      ww__mem_charge(L, sizeof(ww_closure) + strlen(reason) + 1);
      ww_closure *q = realloc(c->closures, (size_t)(c->nclosures + 1) * sizeof *q);
      if (q == NULL) return luaL_error(L, "not enough memory");
      c->closures = q;
      q[c->nclosures] = (ww_closure){t[0], t[1], NULL};
      q[c->nclosures].reason = xstrdup(L, reason);
      c->nclosures++;
      json_array_append_new(shown, json_pack("{s:s, s:s, s:s}", "from", text[0], "until",
                                             text[1], "reason", reason));
      lua_pop(L, 2);
    }
    qsort(c->closures, (size_t)c->nclosures, sizeof *c->closures, closure_cmp);
    lua_pop(L, 1);
  }
  return 0;
}

static int l_fallback(lua_State *L) {
  ww__load *ld = loading(L, "fallback");
  int line = caller_line(L);
  if (ld->fallback)
    return dsl_err(L, line, "fallback is given twice (first at %s:%d); keep one", ld->fb_file,
                   ld->fb_line);
  if (!lua_istable(L, 1))
    return dsl_err(L, line, "fallback needs a table: fallback { channels = { \"telefoon\", "
                            "\"website\" }, route = \"telefoon\" }");
  char msg[300];
  json_t *j = ww__view_to_json(L, 1, msg, sizeof msg, 0);
  if (j == NULL) return dsl_err(L, line, "fallback: %s", msg);
  json_t *chs = json_object_get(j, "channels");
  json_t *route = json_object_get(j, "route");
  const char *k;
  json_t *v;
  int bad = !json_is_object(j) || !json_is_array(chs) || json_array_size(chs) == 0 ||
            !json_is_string(route);
  if (!bad) {
    size_t i;
    json_array_foreach(chs, i, v) if (!json_is_string(v)) bad = 1;
    json_object_foreach(j, k, v) if (strcmp(k, "channels") && strcmp(k, "route")) bad = 1;
  }
  if (bad) {
    json_decref(j);
    return dsl_err(L, line, "fallback needs channels (a list of channel ids) and route (one "
                            "channel id), e.g. fallback { channels = { \"telefoon\", "
                            "\"website\" }, route = \"telefoon\" }");
  }
  ld->fallback = j;
  snprintf(ld->fb_file, sizeof ld->fb_file, "%s", ld->file);
  ld->fb_line = line;
  return 0;
}

static int l_targets(lua_State *L) {
  ww__load *ld = loading(L, "targets");
  int line = caller_line(L);
  if (ld->targets)
    return dsl_err(L, line, "targets is given twice (first at %s:%d); keep one", ld->tg_file,
                   ld->tg_line);
  char msg[300];
  json_t *j = lua_istable(L, 1) ? ww__view_to_json(L, 1, msg, sizeof msg, 0) : NULL;
  const char *k;
  json_t *v;
  int bad = !json_is_object(j);
  double sum = 0;
  if (!bad) json_object_foreach(j, k, v) {
      if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) bad = 1;
      else sum += json_number_value(v);
    }
  if (bad) {
    json_decref(j);
    return dsl_err(L, line, "targets needs channel shares between 0 and 1, e.g. targets { "
                            "website = 0.60, telefoon = 0.25 }");
  }
  if (sum > 1 + 1e-9) {
    json_decref(j);
    return dsl_err(L, line, "targets: the shares add up to %.2f; together they may be at "
                            "most 1", sum);
  }
  ld->targets = j;
  snprintf(ld->tg_file, sizeof ld->tg_file, "%s", ld->file);
  ld->tg_line = line;
  return 0;
}

/* ---- rule ---- */

/* A rule's `service`, `citizen` or `context` conditions (at the top of the stack),
 * replaced by their normalized form (filter.c). */
static void rule_conds(lua_State *L, const char *name, int line, const char *what) {
  const char *bad;
  if (ww__filter_build(L, -1, &bad) != 0) {
    if (bad)
      dsl_err(L, line, "rule \"%s\": %s.%s must be a text, a number, true/false or a list of "
                       "those, like %s = { %s = { \"a\", \"b\" } }", name, what, bad, what, bad);
    dsl_err(L, line, "rule \"%s\": %s = { ... } needs field names, like %s", name, what,
            strcmp(what, "service") == 0 ? "service = { presence = true }"
            : strcmp(what, "citizen") == 0 ? "citizen = { digitalSkills = \"low\" }"
                                           : "context = { intent = \"status\" }");
  }
  lua_remove(L, -2);
}

static const char *const rule_fields[] = {"priority", "service", "citizen", "context",
                                          "from", "until", "to", "when", "advise", NULL};

/* The fields of a rule's condition table (on top of the stack) that no service, or no
 * request, can have: a warning, "bedoelt u ...?" when one slip from one that can. */
static void warn_cond_fields(lua_State *L, const char *name, int line, const char *what) {
  ww_host *H = ww__host_of(L);
  ww__load *ld = H->ld;
  int svc = what[0] == 's', cit = what[1] == 'i';
  const char *const *known = svc ? ww__service_fields : cit ? ww__citizen_fields
                                                           : ww__context_fields;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) continue;
    const char *k = lua_tostring(L, -1);
    if (ww_strlist_index(known, k) >= 0 || (svc && json_object_get(ld->svc_keys, k))) continue;
    const char *near = ww__near(k, known);
    if (near == NULL && svc) {   /* one of the rule set's own service fields? */
      const char *sk;
      json_t *sv;
      json_object_foreach(ld->svc_keys, sk, sv) if (ww__near(k, (const char *const[]){sk, NULL}))
          near = sk;
    }
    if (near)
      ww__load_warn(H, ld->file, line, "rule \"%s\": %s = { %s = ... }: onbekend veld \"%s\"; "
                    "bedoelt u \"%s\"?", name, what, k, k, near);
    else if (svc)
      ww__load_warn(H, ld->file, line, "rule \"%s\": service = { %s = ... }: geen dienst in "
                    "services.lua heeft het veld \"%s\"; de regel geldt nooit", name, k, k);
    else if (cit)
      ww__load_warn(H, ld->file, line, "rule \"%s\": citizen = { %s = ... }: geen verzoek heeft "
                    "het veld \"%s\"; de regel geldt nooit", name, k, k);
  }
}

/* Stage 2 of `rule "name" { ... }`: the table. */
static int rule_body(lua_State *L) {
  ww__load *ld = loading(L, "rule");
  ww_host *H = ww__host_of(L);
  ww_catalogue *cat = &H->cat;
  need_table(L, "rule");
  const char *name = up_name(L);
  int line = up_line(L);
  json_t *first = ld->rule_names ? json_object_getn(ld->rule_names, name, strlen(name)) : NULL;
  if (first)
    return dsl_err(L, line, "rule \"%s\" is defined twice (first at %s); give each rule its "
                            "own name", name, cat->rules[json_integer_value(first)].source);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    if (!k || ww_strlist_index(rule_fields, k) < 0) {
      const char *near = ww__near(k, rule_fields);
      if (near)
        return dsl_err(L, line, "rule \"%s\": unknown field '%s'; a rule has priority, "
                                "service, citizen, context, from, to, when and advise; bedoelt u \"%s\"?",
                       name, k, near);
      return dsl_err(L, line, "rule \"%s\": unknown field '%s'; a rule has priority, service, "
                              "citizen, context, from, to, when and advise", name, k ? k : "?");
    }
    lua_pop(L, 1);
  }
  lua_Integer prio = 0;
  int t = field(L, "priority");
  if (t != LUA_TNIL) {
    if (!lua_isinteger(L, -1)) {
      lua_Number n = lua_tonumber(L, -1);
      if (t != LUA_TNUMBER || n != (lua_Number)(lua_Integer)n)
        return dsl_err(L, line, "rule \"%s\": priority must be a whole number (higher runs "
                                "first)", name);
      prio = (lua_Integer)n;
    } else {
      prio = lua_tointeger(L, -1);
    }
  }
  lua_pop(L, 1);
  t = field(L, "when");
  if (t != LUA_TNIL && t != LUA_TFUNCTION)
    return dsl_err(L, line, "rule \"%s\": when must be a function: when = function(r) return "
                            "... end", name);
  lua_pop(L, 1);
  t = field(L, "service");
  if (t != LUA_TNIL && t != LUA_TTABLE && t != LUA_TFUNCTION)
    return dsl_err(L, line, "rule \"%s\": service must be a table of catalogue fields, like "
                            "service = { presence = true }, or a function: service = "
                            "function(s) return s.presence end", name);
  lua_pop(L, 1);
  for (int k = 0; k < 2; k++) {
    const char *what = k == 0 ? "citizen" : "context";
    t = field(L, what);
    if (t != LUA_TNIL && t != LUA_TTABLE)
      return dsl_err(L, line, "rule \"%s\": %s must be a table of fields, like %s", name, what,
                     k == 0 ? "citizen = { digitalSkills = \"low\" }"
                            : "context = { intent = \"status\" }");
    lua_pop(L, 1);
  }
  if (field(L, "advise") != LUA_TFUNCTION)
    return dsl_err(L, line, "rule \"%s\" needs advise = function(r, a) ... end", name);
  lua_pop(L, 1);
  char what[300];
  int64_t from, until;
  snprintf(what, sizeof what, "rule \"%s\"", name);
  period(L, line, what, &from, &until);
  cat->rules = grow(L, cat->rules, cat->nrules, &ld->crules, sizeof *cat->rules);
  H->rules = grow(L, H->rules, cat->nrules, &ld->crules_lua, sizeof *H->rules);
  ww_rule_info *info = &cat->rules[cat->nrules];
  ww__rule *ru = &H->rules[cat->nrules];
  memset(info, 0, sizeof *info);
  memset(ru, 0, sizeof *ru);
  ru->when_ref = ru->advise_ref = ru->svc_ref = ru->cit_ref = ru->ctx_ref = LUA_NOREF;
  ru->line = line;
  ru->seq = cat->nrules;
  info->name = xstrdup(L, name);
  cat->nrules++;
  name_seen(L, &ld->rule_names, name, cat->nrules - 1);
  info->source = source_of(L, ld, line);
  info->j_name = json_string(name);
  info->j_source = json_string(info->source);
  info->from = from;
  info->until = until;
  if (from) {   /* as written, for the trace (a string: period() checked it) */
    field(L, "from");
    info->j_from = json_string(lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  if (until) {
    until_field(L, line, what);
    info->j_until = json_string(lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  ru->priority = prio;
  if (field(L, "when") == LUA_TFUNCTION) ru->when_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  else lua_pop(L, 1);
  field(L, "advise");
  ru->advise_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  int *refs[3] = {&ru->svc_ref, &ru->cit_ref, &ru->ctx_ref};
  const char *whats[3] = {"service", "citizen", "context"};
  for (int k = 0; k < 3; k++) {
    t = field(L, whats[k]);
    if (t == LUA_TNIL) {
      lua_pop(L, 1);
      continue;
    }
    if (t == LUA_TTABLE) {
      warn_cond_fields(L, name, line, whats[k]);
      rule_conds(L, name, line, whats[k]);
    }
    *refs[k] = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  return 0;
}

static int l_rule(lua_State *L) { return stage1(L, "rule", rule_body, 0); }

/* ---- case ---- */

static void check_ids(lua_State *L, json_t *list, const char *name, const char *key) {
  const ww_catalogue *cat = &ww__host_of(L)->cat;
  if (!json_is_array(list) || json_array_size(list) == 0)
    dsl_err(L, up_line(L), "case \"%s\": expect.%s must be a list of channel ids", name, key);
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    if (!json_is_string(v))
      dsl_err(L, up_line(L), "case \"%s\": expect.%s must be a list of channel ids", name, key);
    if (ww_catalogue_channel(cat, json_string_value(v)) < 0)
      dsl_err(L, up_line(L), "case \"%s\": expect.%s names unknown channel \"%s\"", name, key,
              json_string_value(v));
  }
}

static void check_expect(lua_State *L, json_t *e, const char *name) {
  const ww_catalogue *cat = &ww__host_of(L)->cat;
  int line = up_line(L);
  const char *k;
  json_t *v;
  if (!json_is_object(e) || json_object_size(e) == 0)
    dsl_err(L, line, "case \"%s\" needs expect = { ... } with at least one check (first, "
                     "excluded, included, order, route, open, notes, degraded, reason)", name);
  json_object_foreach(e, k, v) {
    int which = ww_strlist_index(expect_keys, k);
    if (which < 0)
      dsl_err(L, line, "case \"%s\": expect has unknown check '%s'; use first, excluded, "
                       "included, order, route, open, notes, degraded or reason", name, k);
    switch (which) {
      case 0: case 4:
        if (!json_is_string(v) || ww_catalogue_channel(cat, json_string_value(v)) < 0)
          dsl_err(L, line, "case \"%s\": expect.%s must be a known channel id%s%s%s", name, k,
                  json_is_string(v) ? " (unknown: \"" : "",
                  json_is_string(v) ? json_string_value(v) : "", json_is_string(v) ? "\")" : "");
        break;
      case 1: case 2: case 3:
        check_ids(L, v, name, k);
        break;
      case 5: case 8: {
        if (!json_is_object(v) || json_object_size(v) == 0)
          dsl_err(L, line, "case \"%s\": expect.%s must be a table like { telefoon = %s }",
                  name, k, which == 5 ? "true" : "\"some words\"");
        const char *ck;
        json_t *cv;
        json_object_foreach(v, ck, cv) {
          if (ww_catalogue_channel(cat, ck) < 0)
            dsl_err(L, line, "case \"%s\": expect.%s names unknown channel \"%s\"", name, k, ck);
          if (which == 5 ? !json_is_boolean(cv) : !json_is_string(cv))
            dsl_err(L, line, "case \"%s\": expect.%s.%s must be %s", name, k, ck,
                    which == 5 ? "true or false" : "text");
        }
        break;
      }
      case 6:
        if (!json_is_string(v)) dsl_err(L, line, "case \"%s\": expect.notes must be text", name);
        break;
      case 7:
        if (!json_is_boolean(v))
          dsl_err(L, line, "case \"%s\": expect.degraded must be true or false", name);
        break;
    }
  }
}

/* Stage 2 of `case "name" { ... }`: the table. */
static int case_body(lua_State *L) {
  ww__load *ld = loading(L, "case");
  ww_catalogue *cat = &ww__host_of(L)->cat;
  need_table(L, "case");
  const char *name = up_name(L);
  int line = up_line(L);
  if (!ld->in_tests)
    return dsl_err(L, line, "case \"%s\" belongs in a file under tests/, not in %s", name,
                   ld->file);
  json_t *first = ld->case_names ? json_object_getn(ld->case_names, name, strlen(name)) : NULL;
  if (first)
    return dsl_err(L, line, "case \"%s\" is defined twice (first at %s); give each case its "
                            "own name", name, cat->cases[json_integer_value(first)].source);
  json_t *spec = spec_json(L, "case");
  ld->pending = spec;
  const char *k;
  json_t *v;
  json_object_foreach(spec, k, v) {
    if (strcmp(k, "request") && strcmp(k, "session") && strcmp(k, "status") &&
        strcmp(k, "route") && strcmp(k, "expect"))
      return dsl_err(L, line, "case \"%s\": unknown field '%s'; a case has request, session, "
                              "status, route and expect", name, k);
  }
  json_t *req = json_object_get(spec, "request");
  if (!json_is_object(req))
    return dsl_err(L, line, "case \"%s\" needs request = { service = \"...\", ... }", name);
  json_t *svc = json_object_get(req, "service");
  if (!json_is_string(svc))
    return dsl_err(L, line, "case \"%s\": request needs service = \"...\"", name);
  if (ww_catalogue_service(cat, json_string_value(svc)) < 0)
    return dsl_err(L, line, "case \"%s\": unknown service \"%s\"", name, json_string_value(svc));
  json_t *sess = json_object_get(spec, "session"), *st = json_object_get(spec, "status");
  json_t *route = json_object_get(spec, "route");
  if (sess && !json_is_object(sess))
    return dsl_err(L, line, "case \"%s\": session must be a table", name);
  if (st && !json_is_object(st))
    return dsl_err(L, line, "case \"%s\": status must be a table like { telefoon = { open = "
                            "false } }", name);
  if (st) json_object_foreach(st, k, v) {
      if (ww_catalogue_channel(cat, k) < 0)
        return dsl_err(L, line, "case \"%s\": status names unknown channel \"%s\"", name, k);
      if (!json_is_object(v) || !json_is_boolean(json_object_get(v, "open")))
        return dsl_err(L, line, "case \"%s\": status.%s needs open = true or false", name, k);
    }
  if (route && !json_is_boolean(route))
    return dsl_err(L, line, "case \"%s\": route must be true or false", name);
  check_expect(L, json_object_get(spec, "expect"), name);
  cat->cases = grow(L, cat->cases, cat->ncases, &ld->ccases, sizeof *cat->cases);
  ld->pending = NULL;
  ww_case *c = &cat->cases[cat->ncases++];
  memset(c, 0, sizeof *c);
  c->request = json_incref(req);
  c->session = sess ? json_incref(sess) : NULL;
  c->status = st ? json_incref(st) : NULL;
  c->route = json_is_true(route);
  c->expect = json_incref(json_object_get(spec, "expect"));
  json_decref(spec);
  c->name = xstrdup(L, name);
  c->source = source_of(L, ld, line);
  name_seen(L, &ld->case_names, name, cat->ncases - 1);
  return 0;
}

static int l_case(lua_State *L) { return stage1(L, "case", case_body, 0); }

void ww__dsl_open(lua_State *L, int base) {
  static const luaL_Reg fns[] = {{"channel", l_channel}, {"service", l_service},
                                 {"holidays", l_holidays}, {"fallback", l_fallback},
                                 {"targets", l_targets}, {"rule", l_rule},
                                 {"case", l_case}, {"closures", l_closures},
                                 {NULL, NULL}};
  base = lua_absindex(L, base);
  for (int i = 0; fns[i].name; i++) {
    push_guarded(L, fns[i].func, 0);
    lua_setfield(L, base, fns[i].name);
  }
}
