/* A decision's record for the decision log, and back: what is needed to decide it again
 * (wegwijzer replay, the impact of a draft), pseudonymised (docs/decision-log.md,
 * docs/privacy.md). Only the fields rules can read are kept, never citizen.id, its
 * citizenRef, the session's data or any free text but context.intent. */
#include <string.h>

#include "decision/decision_private.h"
#include "util/tztime.h"

/* The citizen fields a rule can read (r.citizen), but ref. */
static const char *const citizen_fields[] = {"authLevel", "digitalSkills", "language", "needs",
                                             "age", NULL};
/* The context fields a request sends (r.context derives date, weekday, hhmm from time). */
static const char *const context_fields[] = {"device", "intent", NULL};

static void copy_fields(json_t *to, const json_t *from, const char *const *keys) {
  for (int i = 0; keys[i]; i++) {
    json_t *v = json_object_get(from, keys[i]);
    if (v && !json_is_null(v)) json_object_set(to, keys[i], v);
  }
}

/* The session as the rules saw it, less its id and data: service, channel, and per event
 * type, channel, service and at (no detail). */
static json_t *session_summary(const json_t *session) {
  json_t *out = json_object();
  if (out == NULL) return NULL;
  static const char *const top[] = {"service", "channel", NULL};
  static const char *const ev_fields[] = {"type", "channel", "service", "at", NULL};
  copy_fields(out, session, top);
  json_t *events = json_array();
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(session, "events"), i, e) {
    json_t *s = json_object();
    copy_fields(s, e, ev_fields);
    json_array_append_new(events, s);
  }
  json_object_set_new(out, "events", events);
  return out;
}

json_t *ww_decision_record(const ww_rules *R, const ww_decision_input *in,
                           const ww_decision_opts *o) {
  json_t *rec = json_object(), *citizen = json_object(), *context = json_object();
  if (rec == NULL || citizen == NULL || context == NULL) {
    json_decref(citizen);
    json_decref(context);
    json_decref(rec);
    return NULL;
  }
  copy_fields(citizen, in->citizen, citizen_fields);
  char at[32];
  ww_time_format(in->time, at);
  json_object_set_new(context, "origin", json_string(in->origin));
  copy_fields(context, in->context, context_fields);
  json_object_set_new(context, "time", json_string(at));
  json_object_set_new(rec, "citizen", citizen);
  json_object_set_new(rec, "context", context);
  if (o && o->session) json_object_set_new(rec, "session", session_summary(o->session));
  json_t *ov = o ? ww__states_overrides_at(R->cat, in->time, o->status) : NULL;
  if (json_object_size(ov) > 0) json_object_set_new(rec, "overrides", ov);
  else json_decref(ov);
  return rec;
}

/* A field of a decoded entry that holds JSON: as a string (the stream's), or already
 * parsed (a JSON-lines file may hold either). New, or NULL when absent or not 'type'. */
static json_t *json_field(const json_t *entry, const char *key, json_type type) {
  const json_t *v = json_object_get(entry, key);
  json_t *out = NULL;
  if (json_is_string(v))
    out = json_loadb(json_string_value(v), json_string_length(v), JSON_DECODE_ANY, NULL);
  else if (v) out = json_incref((json_t *)v);
  if (out && json_typeof(out) != type) {
    json_decref(out);
    out = NULL;
  }
  return out;
}

int ww_decision_record_read(const json_t *entry, json_t **request, json_t **session,
                            json_t **overrides) {
  *request = *session = *overrides = NULL;
  const char *service = json_string_value(json_object_get(entry, "service"));
  json_t *context = json_field(entry, "context", JSON_OBJECT);
  if (service == NULL || service[0] == '\0' || context == NULL) {
    json_decref(context);
    return -1;
  }
  json_t *citizen = json_field(entry, "citizen", JSON_OBJECT);
  *request = json_pack("{s:s, s:o, s:o}", "service", service, "citizen",
                       citizen ? citizen : json_object(), "context", context);
  if (*request == NULL) return -1;
  json_t *s = json_field(entry, "session", JSON_OBJECT);
  if (s) {   /* the rules see r.session.id: the entry's sessionId, or a stand-in */
    const char *sid = json_string_value(json_object_get(entry, "sessionId"));
    json_object_set_new(s, "id", json_string(sid ? sid : "replay"));
  }
  *session = s;
  *overrides = json_field(entry, "overrides", JSON_OBJECT);
  return 0;
}
