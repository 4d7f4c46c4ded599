/* Token buckets per client, the brake on floods of writes (issue 19): each key may take
 * 'rate' tokens a second on average and 'burst' at once.
 *
 * The table has a fixed number of slots, whatever the number of clients, so a flood from
 * many addresses cannot grow it: a key takes its own slot, or a free or refilled one near
 * its hash (a refilled bucket is the same as none), or else the least recently used slot
 * of its neighbourhood (that client then starts again with a full bucket). The hash is
 * keyed with a random seed, so nobody can aim keys at one neighbourhood.
 *
 * Thread-safe: one mutex per table (writes are not the hot path). */
#ifndef WW_RATELIMIT_H
#define WW_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ww_ratelimit ww_ratelimit;

/* A table of 'slots' buckets (rounded up to a power of two, at least 16). 'rate' > 0
 * tokens a second, 'burst' >= 1. New; NULL on OOM. */
ww_ratelimit *ww_ratelimit_new(double rate, double burst, size_t slots);
void ww_ratelimit_free(ww_ratelimit *rl);   /* NULL-safe */

#define WW_RATELIMIT_KEY_MAX 64   /* longer keys are cut */

/* Take one token for 'key' at 'now_ms' (a monotonic clock). Returns 0 when taken, else
 * the whole seconds until one is there (>= 1). NULL 'rl': always 0 (no limit). */
long ww_ratelimit_take(ww_ratelimit *rl, const char *key, int64_t now_ms);

/* Monotonic milliseconds, for 'now_ms'. */
int64_t ww_ratelimit_now_ms(void);

#endif
