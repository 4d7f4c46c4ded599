/* The store interface: defaults, dispatch to the implementation, shared helpers. */
#include "store/store_impl.h"
#include "session/session.h"

#include <string.h>
#include <time.h>

const char *ww_store_strerror(int status) {
  switch (status) {
  case WW_STORE_OK: return "ok";
  case WW_STORE_ENOTFOUND: return "not found";
  case WW_STORE_EUNAVAIL: return "store unavailable";
  case WW_STORE_ECONFLICT: return "conflict";
  case WW_STORE_ELIMIT: return "rate limited";
  case WW_STORE_EINVAL: return "invalid input";
  case WW_STORE_EFULL: return "store full";
  case WW_STORE_EEXPIRED: return "expired";
  default: return "unknown store error";
  }
}

void ww_store_opts_defaults(ww_store_opts *o) {
  if (o->session_ttl <= 0) o->session_ttl = WW_STORE_DEFAULT_SESSION_TTL;
  if (o->handover_ttl <= 0) o->handover_ttl = WW_STORE_DEFAULT_HANDOVER_TTL;
  if (o->handover_lapse <= 0) o->handover_lapse = WW_STORE_DEFAULT_HANDOVER_LAPSE;
  if (o->timeout_ms == 0) o->timeout_ms = 500;
  if (o->connect_timeout_ms == 0) o->connect_timeout_ms = 1000;
  if (o->decision_log_maxlen < 0) o->decision_log_maxlen = 0;
  if (o->decision_log_days < 0) o->decision_log_days = 0;
  if (o->max_events <= 0) o->max_events = 100;
  if (o->max_data == 0) o->max_data = 16 * 1024;
  if (o->max_detail == 0) o->max_detail = 4 * 1024;
  if (o->claim_fail_limit <= 0) o->claim_fail_limit = 10;
  if (o->claim_fail_window <= 0) o->claim_fail_window = 300;
  if (o->claim_fail_shared_limit <= 0) o->claim_fail_shared_limit = 20 * o->claim_fail_limit;
  if (o->memory_max == 0) o->memory_max = WW_STORE_DEFAULT_MEMORY_MAX;
  if (o->handover_max_live <= 0) o->handover_max_live = WW_STORE_DEFAULT_HANDOVER_MAX_LIVE;
}

int64_t ww__store_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Every operation counts once and forwards; a closing handle fails fast so a callback
 * that starts a new operation during close cannot revive it. */
#define START(s, cb, ud)                                     \
  do {                                                       \
    (s)->stats.ops++;                                        \
    if ((s)->closing) {                                      \
      (s)->stats.errors++;                                   \
      (cb)((ud), WW_STORE_EUNAVAIL, NULL);                   \
      return;                                                \
    }                                                        \
  } while (0)

void ww_store_session_create(ww_store *s, const json_t *in, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  /* The store's own limits, the same for both implementations. */
  const json_t *data = json_object_get(in, "data");
  if (!json_is_string(json_object_get(in, "channel")) ||
      (data && !json_is_null(data) && !json_is_object(data)) ||
      ww_session_json_size(data) > s->opts.max_data ||
      json_string_length(json_object_get(in, "citizenRef")) > 64) {
    cb(ud, WW_STORE_EINVAL, NULL);
    return;
  }
  s->vt->session_create(s, in, cb, ud);
}

void ww_store_session_get(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->session_get(s, id, cb, ud);
}

/* An event the store takes (the same limits for both implementations). */
static int event_ok(const ww_store *s, const json_t *event, int flags) {
  return (json_is_string(json_object_get(event, "channel")) || (flags & WW_STORE_FILL_CHANNEL)) &&
         json_is_string(json_object_get(event, "type")) &&
         ww_session_json_size(json_object_get(event, "detail")) <= s->opts.max_detail;
}

void ww_store_session_append(ww_store *s, const char *id, const json_t *event, int flags,
                             ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  if (!event_ok(s, event, flags)) {
    cb(ud, WW_STORE_EINVAL, NULL);
    return;
  }
  s->vt->session_append(s, id, event, flags, cb, ud);
}

void ww_store_session_append_citizen(ww_store *s, const char *citizen_ref,
                                     const json_t *event, int flags, ww_store_cb cb,
                                     void *ud) {
  START(s, cb, ud);
  if (!event_ok(s, event, flags)) {
    cb(ud, WW_STORE_EINVAL, NULL);
    return;
  }
  s->vt->append_citizen(s, citizen_ref, event, flags, cb, ud);
}

void ww_store_session_latest_for_citizen(ww_store *s, const char *citizen_ref,
                                         ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->latest_for_citizen(s, citizen_ref, cb, ud);
}

void ww_store_session_latest_id(ww_store *s, const char *citizen_ref, ww_store_cb cb,
                                void *ud) {
  START(s, cb, ud);
  s->vt->latest_id(s, citizen_ref, cb, ud);
}

void ww_store_session_advised(ww_store *s, const char *id, const json_t *advised) {
  s->stats.ops++;
  if (s->closing || !ww_session_id_valid(id) ||
      ww_session_time_ms(json_string_value(json_object_get(advised, "at"))) < 0 ||
      !json_is_string(json_object_get(advised, "channel"))) {
    s->stats.log_errors++;
    return;
  }
  s->vt->session_advised(s, id, advised);
}

void ww_store_handover_create(ww_store *s, const char *session_id, const char *channel,
                              const char *to, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->handover_create(s, session_id, channel, to, cb, ud);
}

void ww_store_handover_claim(ww_store *s, const char *code, const char *channel,
                             const char *client_key, const char *caller_key, ww_store_cb cb,
                             void *ud) {
  START(s, cb, ud);
  s->vt->handover_claim(s, code, channel, client_key ? client_key : "",
                        caller_key && caller_key[0] ? caller_key : NULL, cb, ud);
}

void ww_store_status_set(ww_store *s, const char *id, const json_t *status, ww_store_cb cb,
                         void *ud) {
  START(s, cb, ud);
  s->vt->status_set(s, id, status, cb, ud);
}

void ww_store_status_delete(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->status_delete(s, id, cb, ud);
}

const json_t *ww_store_status(ww_store *s) { return s->vt->status(s); }
uint64_t ww_store_status_rank(ww_store *s) { return s->vt->status_rank(s); }

int ww_store_decision_log_on(const ww_store *s) {
  return !s->closing && s->opts.decision_log_maxlen > 0 && s->vt->decision_log != NULL;
}

void ww_store_decision_log(ww_store *s, const json_t *fields) {
  if (ww_store_decision_log_on(s)) s->vt->decision_log(s, fields);
}

/* ---- rule-set history and drafts ---- */

static int lower_hex(const char *s, size_t n) {
  if (s == NULL || strlen(s) != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  return 1;
}

int ww_store_version_id_valid(const char *s) { return lower_hex(s, 12); }
int ww_store_draft_id_valid(const char *s) { return lower_hex(s, 16); }

json_t *ww__store_without_files(const json_t *obj) {
  json_t *c = json_copy((json_t *)obj);   /* shallow: the members are shared, not changed */
  if (c) json_object_del(c, "files");
  return c;
}

void ww_store_rules_commit(ww_store *s, const json_t *record, const json_t *audit,
                           ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  const char *v = json_string_value(json_object_get(record, "version"));
  if (!ww_store_version_id_valid(v) || !json_is_object(json_object_get(record, "files")) ||
      (audit && !json_is_object(audit))) {
    cb(ud, WW_STORE_EINVAL, NULL);
    return;
  }
  s->vt->rules_commit(s, v, record, audit, cb, ud);
}

void ww_store_rules_versions(ww_store *s, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->rules_versions(s, cb, ud);
}

void ww_store_rules_version(ww_store *s, const char *version, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  if (!ww_store_version_id_valid(version)) {   /* also keeps odd bytes out of key names */
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  s->vt->rules_version(s, version, cb, ud);
}

void ww_store_rules_live(ww_store *s, int full, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->rules_live(s, full, cb, ud);
}

void ww_store_rules_audit(ww_store *s, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->rules_audit(s, cb, ud);
}

void ww_store_draft_put(ww_store *s, const json_t *draft, int create, ww_store_cb cb,
                        void *ud) {
  START(s, cb, ud);
  const char *id = json_string_value(json_object_get(draft, "id"));
  if (!ww_store_draft_id_valid(id)) {
    cb(ud, WW_STORE_EINVAL, NULL);
    return;
  }
  s->vt->draft_put(s, id, draft, create, cb, ud);
}

void ww_store_draft_get(ww_store *s, const char *id, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  if (!ww_store_draft_id_valid(id)) {
    cb(ud, WW_STORE_ENOTFOUND, NULL);
    return;
  }
  s->vt->draft_get(s, id, cb, ud);
}

void ww_store_drafts(ww_store *s, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->drafts(s, cb, ud);
}

void ww_store_shadow_set(ww_store *s, const json_t *shadow, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->shadow_set(s, shadow, cb, ud);
}

void ww_store_shadow_get(ww_store *s, ww_store_cb cb, void *ud) {
  START(s, cb, ud);
  s->vt->shadow_get(s, cb, ud);
}

void ww_store_on_rules_changed(ww_store *s, ww_store_rules_fn fn, void *ud) {
  s->rules_fn = fn;
  s->rules_ud = ud;
}

void ww_store_decision_log_since(ww_store *s, int64_t since_ms, size_t max, ww_store_cb cb,
                                 void *ud) {
  START(s, cb, ud);
  if (!ww_store_decision_log_on(s) || max == 0) {
    cb(ud, 0, json_pack("{s:[], s:b}", "entries", "truncated", 0));
    return;
  }
  s->vt->decision_log_since(s, since_ms, max, cb, ud);
}

const char *ww_store_kind(const ww_store *s) { return s->vt->kind; }

int ww_store_ready(const ww_store *s) { return !s->closing && s->vt->ready(s); }

const ww_store_opts *ww_store_get_opts(const ww_store *s) { return &s->opts; }

void ww_store_get_stats(const ww_store *s, ww_store_stats *out) { *out = s->stats; }

void ww_store_close(ww_store *s) {
  if (s == NULL || s->closing) return;
  s->closing = 1;
  s->vt->close(s);
}
