/* Request validation: an advice or route request object (docs/openapi.json,
 * AdviceRequest and RouteRequest) -> a ww_decision_input, or invalid_param /
 * unknown_service with invalidParams naming every bad field. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decision/decision_private.h"
#include "util/crypto.h"
#include "util/json_limits.h"
#include "util/strlist.h"
#include "util/tztime.h"

static const char *const skills[] = {"low", "medium", "high", NULL};
static const char *const *const origins = ww_catalogue_origins;
static const char *const devices[] = {"desktop", "mobile", "tablet", "phone", "kiosk",
                                      "other", NULL};
static const char *const known_top[] = {"service", "citizen", "context", "sessionId",
                                        "explain", "handoverCode", "channel", "callerRef",
                                        "keepService", NULL};

/* What a request may hold before any of it reaches Lua (the server never crashes or hangs
 * on bad input): bounded nesting (the views of engine/rules/view.c recurse), values,
 * string sizes, and numbers a JavaScript client reads back exactly. */
static const ww_json_limits request_limits = {.depth = 16, .values = 1000, .string = 4096};

void ww_err_clear(ww_err *err) {
  if (err == NULL) return;
  json_decref(err->invalid_params);
  json_decref(err->errors);
  memset(err, 0, sizeof *err);
}

static void bad(json_t *params, const char *name, const char *reason) {
  json_array_append_new(params, json_pack("{s:s, s:s}", "name", name, "reason", reason));
}

static int in(const char *const *list, const char *s) { return ww_strlist_index(list, s) >= 0; }

static void check_enum(json_t *params, const json_t *obj, const char *key, const char *path,
                       const char *const *list, const char *say) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v)) return;
  if (!json_is_string(v) || !in(list, json_string_value(v))) bad(params, path, say);
}

static void check_string(json_t *params, const json_t *obj, const char *key, const char *path,
                         size_t max) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v)) return;
  char why[80];
  if (!json_is_string(v)) {
    bad(params, path, "must be a string");
  } else if (json_string_length(v) == 0 || json_string_length(v) > max) {
    snprintf(why, sizeof why, "must be 1 to %zu characters", max);
    bad(params, path, why);
  }
}

int ww_decision_parse(ww_rules *R, const json_t *req, const ww_parse_opts *o,
                      ww_decision_input *in_, ww_err *err) {
  memset(in_, 0, sizeof *in_);
  in_->req = req;
  in_->svc = -1;
  if (err) ww_err_clear(err);
  json_t *params = json_array();
  int unknown_service = 0, over_outer = 0;
  char why[200];
  if (!json_is_object(req)) {
    bad(params, "body", "must be a JSON object");
    goto done;
  }
  {
    char name[200], reason[120];
    int over = o && o->outer ? ww_json_check_both(req, &request_limits, o->outer, name,
                                                  sizeof name, reason, sizeof reason)
                             : ww_json_check(req, &request_limits, name, sizeof name, reason,
                                             sizeof reason) ? 1 : 0;
    if (over) {
      bad(params, name, reason);
      over_outer = over == 2;
      goto done;
    }
  }
  json_t *svc = json_object_get(req, "service");
  if (svc == NULL || json_is_null(svc)) {
    if (!(o && o->service_optional)) bad(params, "service", "is required");
  } else if (!json_is_string(svc)) {
    bad(params, "service", "must be a string (a service id)");
  } else {
    in_->svc = ww_catalogue_service(R->cat, json_string_value(svc));
    if (in_->svc < 0) {
      snprintf(why, sizeof why, "unknown service '%.100s'", json_string_value(svc));
      bad(params, "service", why);
      unknown_service = 1;
    }
  }

  json_t *cit = json_object_get(req, "citizen");
  if (cit && !json_is_null(cit)) {
    if (!json_is_object(cit)) {
      bad(params, "citizen", "must be an object");
    } else {
      in_->citizen = cit;
      json_t *id = json_object_get(cit, "id");
      if (id && !json_is_null(id)) {
        if (!json_is_string(id) || json_string_length(id) == 0 || json_string_length(id) > 64) {
          bad(params, "citizen.id", "must be a non-empty string of at most 64 characters");
        } else if (o) {
          ww_hmac_hex(&R->mac, o->secret, o->secret_len, json_string_value(id),
                      json_string_length(id), in_->ref);
          in_->has_ref = 1;
        }
      }
      check_enum(params, cit, "authLevel", "citizen.authLevel", ww_catalogue_auth_levels,
                 "must be one of none, basis, midden, substantieel, hoog, eh2, eh2+, eh3, eh4");
      check_enum(params, cit, "digitalSkills", "citizen.digitalSkills", skills,
                 "must be one of low, medium, high");
      json_t *lang = json_object_get(cit, "language");
      if (lang && !json_is_null(lang)) {
        const char *s = json_is_string(lang) ? json_string_value(lang) : "";
        if (strlen(s) != 3 || !(s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' &&
                                s[2] >= 'a' && s[2] <= 'z'))
          bad(params, "citizen.language", "must be an ISO 639-2 code of 3 lowercase letters, "
                                          "like nld");
      }
      json_t *needs = json_object_get(cit, "needs");
      if (needs && !json_is_null(needs)) {
        int ok = json_is_array(needs) || (json_is_object(needs) && json_object_size(needs) == 0);
        size_t i;
        json_t *v;
        if (json_is_array(needs)) json_array_foreach(needs, i, v) {
            if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 64)
              ok = 0;
          }
        if (!ok || json_array_size(needs) > 32)
          bad(params, "citizen.needs", "must be a list of strings, like [\"visual\"]");
      }
      json_t *age = json_object_get(cit, "age");
      if (age && !json_is_null(age)) {
        double a = json_is_number(age) ? json_number_value(age) : -1;
        if (!json_is_number(age) || a != floor(a)) bad(params, "citizen.age", "must be an integer");
        else if (a < 0 || a > 130) bad(params, "citizen.age", "must be between 0 and 130");
      }
    }
  }

  in_->origin = o && o->ivr ? "ivr" : "web";
  in_->time = o && o->now ? o->now : (int64_t)time(NULL);
  json_t *ctx = json_object_get(req, "context");
  if (ctx && !json_is_null(ctx)) {
    if (!json_is_object(ctx)) {
      bad(params, "context", "must be an object");
    } else {
      in_->context = ctx;
      json_t *o = json_object_get(ctx, "origin");
      check_enum(params, ctx, "origin", "context.origin", origins,
                 "must be one of web, app, ivr, kcc, balie, chat, email, post, other");
      if (json_is_string(o) && in(origins, json_string_value(o))) in_->origin = json_string_value(o);
      check_enum(params, ctx, "device", "context.device", devices,
                 "must be one of desktop, mobile, tablet, phone, kiosk, other");
      json_t *t = json_object_get(ctx, "time");
      if (t && !json_is_null(t)) {
        if (json_is_integer(t)) in_->time = (int64_t)json_integer_value(t);
        else if (!json_is_string(t) || ww_time_parse(json_string_value(t), &in_->time) != 0)
          bad(params, "context.time", "must be an ISO 8601 date-time with offset, like "
                                      "2026-12-01T10:15:00+01:00");
      }
      json_t *intent = json_object_get(ctx, "intent");
      if (intent && !json_is_null(intent) &&
          (!json_is_string(intent) || json_string_length(intent) > 200))
        bad(params, "context.intent", "must be a string of at most 200 characters");
    }
  }
  if (in_->svc >= 0) {   /* a service with from / until is offered in that window only */
    const ww_service *sv = &R->cat->svc[in_->svc];
    if (!ww_catalogue_within(in_->time, sv->from, sv->until)) {
      char when[32];
      int early = sv->from && in_->time < sv->from;
      ww_time_format(early ? sv->from : sv->until, when);
      snprintf(why, sizeof why, "'%s' is offered %s %s (judged on context.time)", sv->id,
               early ? "from" : "until", when);
      bad(params, "service", why);
      unknown_service = 1;
    }
  }
  check_string(params, req, "sessionId", "sessionId", 128);
  check_string(params, req, "handoverCode", "handoverCode", 32);
  check_string(params, req, "channel", "channel", 64);
  json_t *ex = json_object_get(req, "explain");
  if (ex && !json_is_null(ex) && !json_is_boolean(ex)) bad(params, "explain", "must be true or false");
  in_->explain = json_is_true(ex);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)req, k, v) if (!in(known_top, k) && !json_is_null(v)) in_->has_extras = 1;

done:
  if (json_array_size(params) == 0) {
    json_decref(params);
    return 0;
  }
  if (err) {
    size_t n = json_array_size(params);
    int only_service = unknown_service && n == 1;
    snprintf(err->code, sizeof err->code, "%s",
             over_outer ? "invalid_json" : only_service ? "unknown_service" : "invalid_param");
    json_t *p0 = json_array_get(params, 0);
    snprintf(err->msg, sizeof err->msg, "%s %s%s",
             json_string_value(json_object_get(p0, "name")),
             json_string_value(json_object_get(p0, "reason")),
             n > 1 ? " (and more, see invalidParams)" : "");
    if (only_service)
      snprintf(err->msg, sizeof err->msg, "%s", json_string_value(json_object_get(p0, "reason")));
    err->invalid_params = params;
  } else {
    json_decref(params);
  }
  return WW_EINVAL;
}

int ww_decision_set_service(const ww_rules *R, ww_decision_input *in, const char *id) {
  int svc = ww_catalogue_service(R->cat, id);
  if (svc < 0) return -1;
  in->svc = svc;
  return 0;
}

const char *ww_decision_service_name(const ww_rules *R, const char *id) {
  int svc = id ? ww_catalogue_service(R->cat, id) : -1;
  return svc >= 0 ? R->cat->svc[svc].name : NULL;
}

const char *ww_decision_channel_name(const ww_rules *R, const char *id) {
  int ch = id ? ww_catalogue_channel(R->cat, id) : -1;
  return ch >= 0 ? R->cat->ch[ch].name : NULL;
}

const char *ww_decision_origin_channel(const ww_rules *R, const char *origin) {
  for (int i = 0; origin && i < R->cat->nch; i++) {
    const json_t *o = R->cat->ch[i].origin;
    if (json_is_string(o) && strcmp(json_string_value(o), origin) == 0) return R->cat->ch[i].id;
    size_t k;
    json_t *v;
    json_array_foreach(o, k, v) if (strcmp(json_string_value(v), origin) == 0)
        return R->cat->ch[i].id;
  }
  return NULL;
}

const char *ww_decision_service_id(const ww_rules *R, const ww_decision_input *in) {
  return in->svc >= 0 ? R->cat->svc[in->svc].id : NULL;
}

json_t *ww__request_extras(const ww_decision_input *in_) {
  if (!in_->has_extras) return NULL;
  json_t *x = json_object();
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)in_->req, k, v) if (!in(known_top, k) && !json_is_null(v))
      json_object_set_nocheck(x, k, v);
  return x;
}
