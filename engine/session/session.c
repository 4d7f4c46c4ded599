/* The session model: ids, codes, event types, body checks, the session JSON shape. */
#include "session/session.h"

#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "util/tztime.h"

/* What a client may post; "handover" and "claimed" are written by the engine alone. */
static const char *const client_event_types[] = {
    "advice", "chosen", "contact", "step", "abandoned", "completed", "note",
};

int ww_session_new_id(char out[WW_SESSION_ID_LEN + 1]) {
  return ww_random_hex(out, WW_SESSION_ID_LEN / 2);
}

int ww_session_id_valid(const char *s) {
  if (s == NULL) return 0;
  size_t i = 0;
  for (; s[i]; i++) {
    char c = s[i];
    if (i >= WW_SESSION_ID_LEN || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return 0;
  }
  return i == WW_SESSION_ID_LEN;
}

int ww_handover_new_code(char out[WW_HANDOVER_CODE_LEN + 1]) {
  uint32_t n;
  if (ww_random_below(1000000u, &n) != 0) return -1;
  snprintf(out, WW_HANDOVER_CODE_LEN + 1, "%06u", (unsigned)n);
  return 0;
}

int ww_handover_code_valid(const char *s) {
  if (s == NULL) return 0;
  size_t i = 0;
  for (; s[i]; i++)
    if (i >= WW_HANDOVER_CODE_LEN || s[i] < '0' || s[i] > '9') return 0;
  return i == WW_HANDOVER_CODE_LEN;
}

int ww_session_client_event_type_valid(const char *type) {
  if (type == NULL) return 0;
  for (size_t i = 0; i < sizeof client_event_types / sizeof client_event_types[0]; i++)
    if (strcmp(type, client_event_types[i]) == 0) return 1;
  return 0;
}

const char *ww_session_client_event_types(void) {
  return "advice, chosen, contact, step, abandoned, completed, note";
}

int ww_session_token_valid(const char *s) {
  if (s == NULL || s[0] == '\0') return 0;
  size_t i = 0;
  for (; s[i]; i++) {
    char c = s[i];
    if (i >= WW_SESSION_TOKEN_MAX) return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

static int count_bytes(const char *buf, size_t size, void *data) {
  (void)buf;
  *(size_t *)data += size;
  return 0;
}

size_t ww_session_json_size(const json_t *v) {
  size_t n = 0;
  if (v) json_dump_callback(v, count_bytes, &n, JSON_COMPACT | JSON_ENCODE_ANY);
  return n;
}

void ww_session_invalid_param(json_t **params, const char *name, const char *reason) {
  if (*params == NULL) *params = json_array();
  json_array_append_new(*params, json_pack("{s:s, s:s}", "name", name, "reason", reason));
}

/* A required (or, with 'optional', absent-or-null allowed) id-like string field. */
static void check_token(json_t **bad, const json_t *body, const char *key, const char *name,
                        int optional) {
  const json_t *v = json_object_get(body, key);
  if (v == NULL || json_is_null(v)) {
    if (!optional) ww_session_invalid_param(bad, name, "is required");
    return;
  }
  if (!json_is_string(v))
    ww_session_invalid_param(bad, name, "must be a string");
  else if (!ww_session_token_valid(json_string_value(v)))
    ww_session_invalid_param(bad, name, "must be 1 to 64 of the characters A-Z a-z 0-9 _ - .");
}

json_t *ww_session_check_create(const json_t *body, size_t max_data) {
  json_t *bad = NULL;
  const json_t *citizen = json_object_get(body, "citizen");
  if (citizen && !json_is_null(citizen)) {
    if (!json_is_object(citizen)) {
      ww_session_invalid_param(&bad, "citizen", "must be an object");
    } else {
      const json_t *id = json_object_get(citizen, "id");
      if (id && !json_is_null(id) &&
          (!json_is_string(id) || json_string_length(id) == 0 || json_string_length(id) > 256))
        ww_session_invalid_param(&bad, "citizen.id",
                                 "must be a non-empty string of at most 256 bytes");
    }
  }
  check_token(&bad, body, "service", "service", 1);
  check_token(&bad, body, "channel", "channel", 0);
  const json_t *data = json_object_get(body, "data");
  if (data && !json_is_null(data)) {
    if (!json_is_object(data))
      ww_session_invalid_param(&bad, "data", "must be an object");
    else if (ww_session_json_size(data) > max_data) {
      char why[80];
      snprintf(why, sizeof why, "must be at most %zu bytes as JSON", max_data);
      ww_session_invalid_param(&bad, "data", why);
    }
  }
  return bad;
}

json_t *ww_session_check_event(const json_t *body, size_t max_detail) {
  json_t *bad = NULL;
  check_token(&bad, body, "channel", "channel", 0);
  const json_t *type = json_object_get(body, "type");
  if (type == NULL || json_is_null(type)) {
    ww_session_invalid_param(&bad, "type", "is required");
  } else if (!json_is_string(type) ||
             !ww_session_client_event_type_valid(json_string_value(type))) {
    char why[200];
    snprintf(why, sizeof why, "must be one of: %s (handover and claimed are made by the "
             "engine)", ww_session_client_event_types());
    ww_session_invalid_param(&bad, "type", why);
  }
  check_token(&bad, body, "service", "service", 1);
  const json_t *detail = json_object_get(body, "detail");
  if (detail && ww_session_json_size(detail) > max_detail) {
    char why[80];
    snprintf(why, sizeof why, "must be at most %zu bytes as JSON", max_detail);
    ww_session_invalid_param(&bad, "detail", why);
  }
  return bad;
}

json_t *ww_session_check_handover(const json_t *body) {
  json_t *bad = NULL;
  check_token(&bad, body, "to", "to", 1);
  check_token(&bad, body, "channel", "channel", 1);
  return bad;
}

json_t *ww_session_check_claim(const json_t *body) {
  json_t *bad = NULL;
  const json_t *code = json_object_get(body, "code");
  if (code == NULL || json_is_null(code))
    ww_session_invalid_param(&bad, "code", "is required");
  else if (!json_is_string(code) || !ww_handover_code_valid(json_string_value(code)))
    ww_session_invalid_param(&bad, "code", "must be a string of 6 digits");
  check_token(&bad, body, "channel", "channel", 0);
  return bad;
}

/* An optional date-time field: 1 with '*t' (epoch seconds), 0 when absent or null, -1
 * when malformed (noted in 'bad'). */
static int time_field(const json_t *body, const char *name, int64_t *t, json_t **bad) {
  const json_t *v = json_object_get(body, name);
  if (v == NULL || json_is_null(v)) return 0;
  if (json_is_string(v) && ww_time_parse(json_string_value(v), t) == 0) return 1;
  ww_session_invalid_param(bad, name, "must be an ISO 8601 date-time with offset");
  return -1;
}

int64_t ww_session_status_until(const json_t *status) {
  int64_t t;
  const char *s = json_string_value(json_object_get(status, "until"));
  return s && ww_time_parse(s, &t) == 0 ? t : INT64_MAX;
}

json_t *ww_session_check_status(const json_t *body, int64_t now) {
  json_t *bad = NULL;
  const json_t *open = json_object_get(body, "open");
  if (open == NULL)
    ww_session_invalid_param(&bad, "open", "is required");
  else if (!json_is_boolean(open))
    ww_session_invalid_param(&bad, "open", "must be a boolean");
  const json_t *reason = json_object_get(body, "reason");
  if (reason == NULL)
    ww_session_invalid_param(&bad, "reason", "is required");
  else if (!json_is_string(reason) || json_string_length(reason) > 500)
    ww_session_invalid_param(&bad, "reason", "must be a string of at most 500 bytes");
  /* [from, until): both optional; an override that has already ended is refused, since
   * it would be gone before anyone could see it */
  int64_t from = 0, until = 0;
  int has_from = time_field(body, "from", &from, &bad);
  int has_until = time_field(body, "until", &until, &bad);
  if (has_until == 1 && until <= now)
    ww_session_invalid_param(&bad, "until", "is in the past; the override would end at once");
  else if (has_from == 1 && has_until == 1 && until <= from)
    ww_session_invalid_param(&bad, "until", "must be later than from");
  const json_t *wait = json_object_get(body, "waitSeconds");
  if (wait && !json_is_null(wait) && (!json_is_integer(wait) || json_integer_value(wait) < 0))
    ww_session_invalid_param(&bad, "waitSeconds", "must be a non-negative integer or null");
  return bad;
}

static json_t *str_or_null(const char *s) {
  return s && s[0] ? json_string(s) : json_null();
}

json_t *ww_session_build(const char *id, const char *citizen_ref, const char *service,
                         const char *channel, const char *created_at, const char *updated_at,
                         const char *expires_at, json_t *events, json_t *data) {
  json_t *s = json_object();
  json_object_set_new(s, "id", json_string(id));
  json_object_set_new(s, "citizenRef", str_or_null(citizen_ref));
  json_object_set_new(s, "createdAt", json_string(created_at));
  json_object_set_new(s, "updatedAt", json_string(updated_at));
  json_object_set_new(s, "expiresAt", json_string(expires_at));
  json_object_set_new(s, "service", str_or_null(service));
  json_object_set_new(s, "channel", json_string(channel ? channel : ""));
  json_object_set_new(s, "events", events ? events : json_array());
  json_object_set_new(s, "data", data ? data : json_object());
  return s;
}

json_t *ww_session_event(const char *at, const json_t *in) {
  json_t *ev = json_object();
  const json_t *service = json_object_get(in, "service");
  const json_t *detail = json_object_get(in, "detail");
  json_object_set_new(ev, "at", json_string(at));
  json_object_set(ev, "channel", json_object_get(in, "channel"));
  json_object_set(ev, "type", json_object_get(in, "type"));
  json_object_set(ev, "service", service ? (json_t *)service : json_null());
  json_object_set(ev, "detail", detail ? (json_t *)detail : json_null());
  return ev;
}

void ww_session_time(int64_t epoch_ms, char out[32]) {
  ww_time_format(epoch_ms / 1000, out);
}

int64_t ww_session_time_ms(const char *at) {
  int64_t epoch;
  if (at == NULL || ww_time_parse(at, &epoch) != 0) return -1;
  return epoch * 1000;
}
