/* Line diff counts (linediff.h): Myers, "An O(ND) Difference Algorithm and Its
 * Variations" (1986), the greedy forward search for the length D of a shortest edit
 * script. With N and M lines and L the longest common subsequence, D = N + M - 2L, so the
 * script removes N - L = (D + N - M) / 2 lines and adds M - L = (D - N + M) / 2. */
#include "util/linediff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
  const char *s;
  size_t len;
  uint64_t hash;
} line;

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* The lines of 'text' (new array, '*n' of them), or NULL with '*n' 0 for none / OOM
 * ('*oom' set then). */
static line *split_lines(const char *text, size_t len, size_t *n, int *oom) {
  *n = 0;
  if (text == NULL || len == 0) return NULL;
  size_t count = 0;
  for (size_t i = 0; i < len; i++) count += text[i] == '\n';
  if (text[len - 1] != '\n') count++;
  line *v = malloc(count * sizeof *v);
  if (v == NULL) {
    *oom = 1;
    return NULL;
  }
  size_t start = 0, k = 0;
  for (size_t i = 0; i <= len && k < count; i++) {
    if (i == len || text[i] == '\n') {
      v[k].s = text + start;
      v[k].len = i - start;
      v[k].hash = fnv1a(v[k].s, v[k].len);
      k++;
      start = i + 1;
    }
  }
  *n = k;
  return v;
}

static int same(const line *x, const line *y) {
  return x->hash == y->hash && x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

/* D of a[0..n) -> b[0..m), or SIZE_MAX when it is over max_d or memory runs out. */
static size_t myers(const line *a, size_t n, const line *b, size_t m, size_t max_d) {
  size_t dmax = n + m < max_d ? n + m : max_d;
  if (dmax == 0) return 0;
  /* v[k + off] = the furthest x on diagonal k = x - y */
  size_t off = dmax + 1;
  long *v = malloc((2 * dmax + 3) * sizeof *v);
  if (v == NULL) return SIZE_MAX;
  v[off + 1] = 0;
  for (size_t d = 0; d <= dmax; d++) {
    for (long k = -(long)d; k <= (long)d; k += 2) {
      long x;
      if (k == -(long)d || (k != (long)d && v[off + k - 1] < v[off + k + 1]))
        x = v[off + k + 1];          /* down: an insertion */
      else
        x = v[off + k - 1] + 1;      /* right: a deletion */
      long y = x - k;
      while (x < (long)n && y < (long)m && same(&a[x], &b[y])) x++, y++;
      v[off + k] = x;
      if (x >= (long)n && y >= (long)m) {
        free(v);
        return d;
      }
    }
  }
  free(v);
  return SIZE_MAX;
}

int ww_linediff(const char *a, size_t alen, const char *b, size_t blen, size_t max_d,
                size_t *added, size_t *removed) {
  int oom = 0;
  size_t n, m;
  line *la = split_lines(a, alen, &n, &oom);
  line *lb = split_lines(b, blen, &m, &oom);
  size_t head = 0, tail = 0;
  if (!oom) {
    while (head < n && head < m && same(&la[head], &lb[head])) head++;
    while (tail < n - head && tail < m - head && same(&la[n - 1 - tail], &lb[m - 1 - tail]))
      tail++;
  }
  size_t rn = n - head - tail, rm = m - head - tail;
  size_t d = oom ? SIZE_MAX
                 : myers(la ? la + head : NULL, rn, lb ? lb + head : NULL, rm,
                         max_d ? max_d : 20000);
  if (d == SIZE_MAX) {   /* the bound: everything in between changed */
    *removed = rn;
    *added = rm;
  } else {
    *removed = (d + rn - rm) / 2;
    *added = (d + rm - rn) / 2;
  }
  free(la);
  free(lb);
  return oom ? -1 : 0;
}
