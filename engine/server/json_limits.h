/* Structural limits of untrusted JSON, checked after parsing and before anything else
 * looks at the value: nesting depth, total values, string (and key) bytes, and numbers
 * beyond +-2^53 (not exact in a double: I-JSON, RFC 7493) or not finite.
 *
 * Header-only so both the server (ww_req_json: every request body) and the decision
 * core (engine/decision/request.c: what reaches Lua, also for embedders) use one
 * walker without a link dependency between those modules. */
#ifndef WW_SERVER_JSON_LIMITS_H
#define WW_SERVER_JSON_LIMITS_H

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define WW_JSON_MAX_SAFE 9007199254740992.0   /* 2^53 */
#define WW__JSON_MAX_DEPTH 64                 /* hard cap of any ww_json_limits.depth */

typedef struct ww_json_limits {
  int depth;           /* the top-level value is depth 1 */
  size_t values;       /* every value counts: object members, array elements, the root */
  size_t string;       /* bytes of one string or object key */
} ww_json_limits;

typedef struct ww__json_walk {
  const ww_json_limits *lim;
  size_t values;
  int depth;
  const char *key[WW__JSON_MAX_DEPTH + 1];   /* per level: the member name, or NULL ... */
  size_t index[WW__JSON_MAX_DEPTH + 1];      /* ... and then the array index */
  const char *why;
} ww__json_walk;

static inline int ww__json_walk_value(ww__json_walk *w, const json_t *j) {
  if (++w->values > w->lim->values) {
    w->why = "too many values";
    return -1;
  }
  switch (json_typeof(j)) {
  case JSON_OBJECT:
  case JSON_ARRAY:
    if (w->depth + 1 > w->lim->depth || w->depth + 1 > WW__JSON_MAX_DEPTH) {
      w->why = "nested too deeply";
      return -1;
    }
    w->depth++;
    if (json_is_object(j)) {
      const char *k;
      json_t *v;
      json_object_foreach((json_t *)j, k, v) {
        w->key[w->depth] = k;
        if (strlen(k) > w->lim->string) {
          w->why = "has a member name that is too long";
          return -1;
        }
        if (ww__json_walk_value(w, v) != 0) return -1;
      }
    } else {
      size_t i;
      json_t *v;
      w->key[w->depth] = NULL;
      json_array_foreach(j, i, v) {
        w->index[w->depth] = i;
        if (ww__json_walk_value(w, v) != 0) return -1;
      }
    }
    w->depth--;
    return 0;
  case JSON_STRING:
    if (json_string_length(j) > w->lim->string) {
      w->why = "is too long";
      return -1;
    }
    return 0;
  case JSON_INTEGER: {
    json_int_t v = json_integer_value(j);
    if (v > (json_int_t)WW_JSON_MAX_SAFE || v < -(json_int_t)WW_JSON_MAX_SAFE) {
      w->why = "must be a number between -2^53 and 2^53";
      return -1;
    }
    return 0;
  }
  case JSON_REAL: {
    double v = json_real_value(j);
    if (!isfinite(v) || fabs(v) > WW_JSON_MAX_SAFE) {
      w->why = "must be a finite number between -2^53 and 2^53";
      return -1;
    }
    return 0;
  }
  default:
    return 0;
  }
}

/* 0 when 'j' (borrowed) is within 'lim'; else -1 with the dotted path of the first
 * offending value in 'name' ("body" for the top level; array elements as "needs[2]";
 * long member names cut) and the reason in 'reason'. */
static inline int ww_json_check(const json_t *j, const ww_json_limits *lim, char *name,
                                size_t namesz, char *reason, size_t reasonsz) {
  ww__json_walk w;
  w.lim = lim;
  w.values = 0;
  w.depth = 0;
  w.why = NULL;
  if (ww__json_walk_value(&w, j) == 0) return 0;
  size_t n = 0;
  name[0] = '\0';
  for (int d = 1; d <= w.depth && n + 1 < namesz; d++) {
    int r;
    if (w.key[d]) {
      size_t kl = strlen(w.key[d]), cut = kl > 64 ? 64 : kl;
      while (cut < kl && cut > 0 && ((unsigned char)w.key[d][cut] & 0xC0) == 0x80) cut--;
      r = snprintf(name + n, namesz - n, "%s%.*s%s", n ? "." : "", (int)cut, w.key[d],
                   cut < kl ? "..." : "");
    } else {
      r = snprintf(name + n, namesz - n, "[%zu]", w.index[d]);
    }
    if (r < 0) break;
    n += (size_t)r < namesz - n ? (size_t)r : namesz - n - 1;
  }
  if (name[0] == '\0' || strcmp(w.why, "too many values") == 0) snprintf(name, namesz, "body");
  if (strcmp(w.why, "too many values") == 0)
    snprintf(reason, reasonsz, "the request has more than %zu values", lim->values);
  else if (strcmp(w.why, "nested too deeply") == 0)
    snprintf(reason, reasonsz, "is nested more than %d levels deep", lim->depth);
  else if (strcmp(w.why, "is too long") == 0)
    snprintf(reason, reasonsz, "must be at most %zu bytes", lim->string);
  else if (strcmp(w.why, "has a member name that is too long") == 0)
    snprintf(reason, reasonsz, "has a member name over %zu bytes", lim->string);
  else
    snprintf(reason, reasonsz, "%s", w.why);
  return -1;
}

#endif
