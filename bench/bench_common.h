/* Shared by the C benchmarks (one program each, so these definitions live once per
 * program): a heap allocation counter and a monotonic clock. */
#ifndef WW_BENCH_COMMON_H
#define WW_BENCH_COMMON_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

/* Every malloc/calloc/realloc of the process, counted; glibc's __libc_* allocate. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static atomic_ulong allocs;
void *malloc(size_t n) { atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed); return __libc_realloc(p, n); }

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
