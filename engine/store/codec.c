/* The event codec: session events (packed or JSON) and decision-log entries; the layout
 * is described in codec.h. */
#include "store/codec.h"

#include <stdlib.h>
#include <string.h>

#include "util/tztime.h"

/* ---- session events ---- */

/* 'ev' packed, new; NULL when that would not be exact (and then it is stored as JSON):
 * anything but the five fields, or a string the packed form cannot hold. */
static char *pack(const json_t *ev) {
  const char *f[4];
  size_t n[4];
  static const char *const keys[4] = {"at", "channel", "type", "service"};
  if (json_object_size(ev) != 5) return NULL;
  for (int k = 0; k < 4; k++) {
    const json_t *v = json_object_get(ev, keys[k]);
    if (k == 3 && json_is_null(v)) {
      f[k] = "", n[k] = 0;
      continue;
    }
    if (!json_is_string(v)) return NULL;
    f[k] = json_string_value(v), n[k] = json_string_length(v);
    if (memchr(f[k], WW_CODEC_SEP, n[k]) || memchr(f[k], '\0', n[k]) || (k == 3 && n[k] == 0))
      return NULL;
  }
  if (n[0] == 0 || f[0][0] == '{') return NULL;   /* 'at' tells packed from JSON */
  const json_t *detail = json_object_get(ev, "detail");
  if (detail == NULL) return NULL;
  char *dj = !json_is_null(detail)
                 ? json_dumps(detail, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  if (!json_is_null(detail) && dj == NULL) return NULL;
  size_t dn = dj ? strlen(dj) : 0;
  char *out = malloc(n[0] + n[1] + n[2] + n[3] + dn + 5);
  if (out) {
    char *p = out;
    for (int k = 0; k < 4; k++) {
      memcpy(p, f[k], n[k]);
      p += n[k];
      *p++ = WW_CODEC_SEP;
    }
    if (dn) memcpy(p, dj, dn);
    p[dn] = '\0';
  }
  free(dj);
  return out;
}

char *ww_codec_event_encode(const json_t *ev, int how) {
  char *s = how == WW_CODEC_PACK ? pack(ev) : NULL;
  return s ? s : json_dumps(ev, JSON_COMPACT);
}

/* 'len' bytes as a new JSON string ('' -> null when 'empty_null'), or 'prev' (borrowed)
 * again when it holds the same bytes. NULL when not UTF-8. */
static json_t *flat_str(const char *p, size_t len, json_t *prev, int empty_null) {
  if (empty_null && len == 0) return json_null();
  if (prev && json_is_string(prev) && json_string_length(prev) == len &&
      memcmp(json_string_value(prev), p, len) == 0)
    return json_incref(prev);
  return json_stringn(p, len);
}

static json_t *unpack(const char *p, size_t len, ww_codec_reuse *reuse) {
  const char *end = p + len, *f[5];
  size_t n[5];
  for (int k = 0; k < 4; k++) {
    const char *sep = memchr(p, WW_CODEC_SEP, (size_t)(end - p));
    if (sep == NULL) return NULL;
    f[k] = p;
    n[k] = (size_t)(sep - p);
    p = sep + 1;
  }
  f[4] = p;
  n[4] = (size_t)(end - p);
  json_t *at = json_stringn(f[0], n[0]);
  json_t *v[3];
  for (int k = 0; k < 3; k++)
    v[k] = flat_str(f[1 + k], n[1 + k], reuse ? reuse->str[k] : NULL, k == 2);
  json_t *detail;
  if (n[4] == 0)
    detail = json_null();
  else if (reuse && reuse->detail_v && reuse->detail_len == n[4] &&
           memcmp(reuse->detail, f[4], n[4]) == 0)
    detail = json_incref(reuse->detail_v);
  else
    detail = json_loadb(f[4], n[4], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  json_t *ev = json_object();
  if (at == NULL || v[0] == NULL || v[1] == NULL || v[2] == NULL || detail == NULL ||
      ev == NULL) {
    json_decref(at), json_decref(v[0]), json_decref(v[1]), json_decref(v[2]);
    json_decref(detail), json_decref(ev);
    return NULL;
  }
  /* literal ASCII keys: no UTF-8 check; the order of ww_session_event */
  json_object_set_new_nocheck(ev, "at", at);
  json_object_set_new_nocheck(ev, "channel", v[0]);
  json_object_set_new_nocheck(ev, "type", v[1]);
  json_object_set_new_nocheck(ev, "service", v[2]);
  json_object_set_new_nocheck(ev, "detail", detail);
  if (reuse) {
    for (int k = 0; k < 3; k++) reuse->str[k] = v[k];
    if (n[4]) {
      reuse->detail = f[4];
      reuse->detail_len = n[4];
      reuse->detail_v = detail;
    }
  }
  return ev;
}

json_t *ww_codec_event_decode(const char *s, size_t len, ww_codec_reuse *reuse) {
  if (s == NULL || len == 0) return NULL;
  if (s[0] != '{') return unpack(s, len, reuse);
  /* an object (it starts with '{'); a NUL in a string reads back as the encoder wrote it */
  return json_loadb(s, len, JSON_ALLOW_NUL, NULL);
}

/* ---- decision-log entries ---- */

int ww_codec_entry_encode(const json_t *entry, ww_codec_entry *out) {
  out->argc = 0;
  out->nowned = 0;
  size_t n = json_object_size(entry);
  if (n == 0 || n > WW_CODEC_LOG_FIELDS) return -1;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)entry, key, v) {
    if (json_is_null(v)) continue;   /* absent, not the text "null" */
    const char *text = json_string_value(v);
    if (text == NULL) {
      char *j = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
      if (j == NULL) continue;
      out->owned[out->nowned++] = j;
      text = j;
    }
    out->argv[out->argc++] = key;
    out->argv[out->argc++] = text;
  }
  return 0;
}

void ww_codec_entry_release(ww_codec_entry *e) {
  for (int i = 0; i < e->nowned; i++) free(e->owned[i]);
  e->nowned = 0;
  e->argc = 0;
}

json_t *ww_codec_entry_new(int64_t ms) {
  char at[32];
  ww_time_format(ms / 1000, at);
  return json_pack("{s:s}", "at", at);
}

/* A JSON string of bytes that may not be UTF-8 (Redis values): bad bytes become '?'. */
static json_t *lenient_str(const char *s, size_t n) {
  json_t *j = json_stringn(s, n);
  if (j) return j;
  char *copy = malloc(n + 1);
  if (copy == NULL) return NULL;
  for (size_t i = 0; i < n; i++) copy[i] = (unsigned char)s[i] >= 0x80 || s[i] == 0 ? '?' : s[i];
  j = json_stringn(copy, n);
  free(copy);
  return j;
}

void ww_codec_entry_put(json_t *entry, const char *field, size_t flen, const char *value,
                        size_t vlen) {
  json_t *key = json_stringn(field, flen);   /* a valid UTF-8 name, without NUL */
  if (key == NULL || strlen(json_string_value(key)) != flen ||
      strcmp(json_string_value(key), "at") == 0) {
    json_decref(key);
    return;
  }
  json_t *v = strcmp(json_string_value(key), "degraded") == 0
                  ? json_boolean(vlen == 4 && memcmp(value, "true", 4) == 0)
                  : lenient_str(value, vlen);
  if (v) json_object_set_new(entry, json_string_value(key), v);
  json_decref(key);
}
