/* The walker of util/json_limits.h: one pass over a value, against one or two sets of
 * limits. Past the first value over the inner limits it goes on, for the outer ones. */
#include "util/json_limits.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

typedef enum { WHY_VALUES = 1, WHY_DEPTH, WHY_STRING, WHY_KEY, WHY_INT, WHY_REAL } why_t;

typedef struct walk {
  const ww_json_limits *lim[2];   /* [0] inner (may equal [1]), [1] outer */
  size_t values;
  int depth;
  const char *key[WW_JSON_MAX_DEPTH + 2];   /* per level: the member name, or NULL ... */
  size_t index[WW_JSON_MAX_DEPTH + 2];      /* ... and then the array index */
  int inner_over;                           /* the first value over the inner limits ... */
  char *name, *reason;                      /* ... described here */
  size_t namesz, reasonsz;
} walk;

/* The path of the value at the walk's depth (the container's, with 'at_container'). */
static void put_name(const walk *w, int depth, why_t why, char *name, size_t namesz) {
  size_t n = 0;
  name[0] = '\0';
  for (int d = 1; d <= depth && n + 1 < namesz; d++) {
    int r;
    if (w->key[d]) {
      size_t kl = strlen(w->key[d]), cut = ww_utf8_cut(w->key[d], kl, 64);
      r = snprintf(name + n, namesz - n, "%s%.*s%s", n ? "." : "", (int)cut, w->key[d],
                   cut < kl ? "..." : "");
    } else {
      r = snprintf(name + n, namesz - n, "[%zu]", w->index[d]);
    }
    if (r < 0) break;
    n += (size_t)r < namesz - n ? (size_t)r : namesz - n - 1;
  }
  if (name[0] == '\0' || why == WHY_VALUES) snprintf(name, namesz, "body");
}

static void put_reason(const ww_json_limits *lim, why_t why, char *reason, size_t n) {
  switch (why) {
    case WHY_VALUES:
      snprintf(reason, n, "the request has more than %zu values", lim->values);
      break;
    case WHY_DEPTH: snprintf(reason, n, "is nested more than %d levels deep", lim->depth); break;
    case WHY_STRING: snprintf(reason, n, "must be at most %zu bytes", lim->string); break;
    case WHY_KEY: snprintf(reason, n, "has a member name over %zu bytes", lim->string); break;
    case WHY_INT: snprintf(reason, n, "must be a number between -2^53 and 2^53"); break;
    case WHY_REAL: snprintf(reason, n, "must be a finite number between -2^53 and 2^53"); break;
  }
}

/* A value over limit set 'k' (0 inner, 1 outer) at 'depth': the outer ends the walk (-1);
 * the first over the inner is described and the walk goes on (0). */
static int over(walk *w, int k, int depth, why_t why) {
  if (k == 1 || w->lim[0] == w->lim[1]) {
    put_name(w, depth, why, w->name, w->namesz);
    put_reason(w->lim[1], why, w->reason, w->reasonsz);
    return -1;
  }
  if (!w->inner_over) {
    w->inner_over = 1;
    put_name(w, depth, why, w->name, w->namesz);
    put_reason(w->lim[0], why, w->reason, w->reasonsz);
  }
  return 0;
}

/* Checks a bound of both sets (the inner first: it is never looser). */
#define BOUND(w, exceeds, depth, why)                                      \
  do {                                                                     \
    for (int k_ = 0; k_ < 2; k_++) {                                       \
      const ww_json_limits *l_ = (w)->lim[k_];                             \
      if ((exceeds) && over((w), k_, (depth), (why)) != 0) return -1;      \
    }                                                                      \
  } while (0)

static int walk_value(walk *w, const json_t *j) {
  w->values++;
  BOUND(w, w->values > l_->values, w->depth, WHY_VALUES);
  switch (json_typeof(j)) {
    case JSON_OBJECT:
    case JSON_ARRAY: {
      int d = w->depth + 1;
      BOUND(w, d > l_->depth || d > WW_JSON_MAX_DEPTH, w->depth, WHY_DEPTH);
      w->depth = d;
      if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) {
          w->key[d] = k;
          size_t kl = strlen(k);
          BOUND(w, kl > l_->string, d, WHY_KEY);
          if (walk_value(w, v) != 0) return -1;
        }
      } else {
        size_t i;
        json_t *v;
        w->key[d] = NULL;
        json_array_foreach(j, i, v) {
          w->index[d] = i;
          if (walk_value(w, v) != 0) return -1;
        }
      }
      w->depth--;
      return 0;
    }
    case JSON_STRING:
      BOUND(w, json_string_length(j) > l_->string, w->depth, WHY_STRING);
      return 0;
    case JSON_INTEGER: {
      json_int_t v = json_integer_value(j);
      if (v > (json_int_t)WW_JSON_MAX_SAFE || v < -(json_int_t)WW_JSON_MAX_SAFE)
        return over(w, 1, w->depth, WHY_INT);
      return 0;
    }
    case JSON_REAL: {
      double v = json_real_value(j);
      if (!isfinite(v) || fabs(v) > WW_JSON_MAX_SAFE) return over(w, 1, w->depth, WHY_REAL);
      return 0;
    }
    default:
      return 0;
  }
}

int ww_json_check_both(const json_t *j, const ww_json_limits *inner,
                       const ww_json_limits *outer, char *name, size_t namesz, char *reason,
                       size_t reasonsz) {
  walk w;
  w.lim[0] = inner;
  w.lim[1] = outer;
  w.values = 0;
  w.depth = 0;
  w.inner_over = 0;
  w.name = name;
  w.namesz = namesz;
  w.reason = reason;
  w.reasonsz = reasonsz;
  if (walk_value(&w, j) != 0) return 2;
  return w.inner_over ? 1 : 0;
}

int ww_json_check(const json_t *j, const ww_json_limits *lim, char *name, size_t namesz,
                  char *reason, size_t reasonsz) {
  return ww_json_check_both(j, lim, lim, name, namesz, reason, reasonsz) ? -1 : 0;
}
