/* Token buckets in a fixed table (see ratelimit.h). */
#include "util/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/crypto.h"

#define PROBES 8   /* slots a key may use, from its hash on */

typedef struct slot {
  char key[WW_RATELIMIT_KEY_MAX + 1];   /* "" = free */
  double tokens;
  int64_t at_ms;                        /* when 'tokens' was last brought up to date */
} slot;

struct ww_ratelimit {
  pthread_mutex_t mu;
  double rate, burst;
  size_t mask;
  uint64_t seed;
  slot *slots;
};

ww_ratelimit *ww_ratelimit_new(double rate, double burst, size_t slots) {
  if (!(rate > 0) || burst < 1) return NULL;
  size_t n = 16;
  while (n < slots && n < ((size_t)1 << 24)) n <<= 1;
  ww_ratelimit *rl = calloc(1, sizeof *rl);
  if (rl == NULL) return NULL;
  rl->slots = calloc(n, sizeof *rl->slots);
  if (rl->slots == NULL || pthread_mutex_init(&rl->mu, NULL) != 0 ||
      ww_random_bytes(&rl->seed, sizeof rl->seed) != 0) {
    free(rl->slots);
    free(rl);
    return NULL;
  }
  rl->rate = rate;
  rl->burst = burst;
  rl->mask = n - 1;
  return rl;
}

void ww_ratelimit_free(ww_ratelimit *rl) {
  if (rl == NULL) return;
  pthread_mutex_destroy(&rl->mu);
  free(rl->slots);
  free(rl);
}

/* FNV-1a, keyed by the seed: spreads keys, unpredictable to whoever picks them. */
static uint64_t hash(uint64_t seed, const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h ^ (h >> 29);
}

/* The bucket's tokens at 'now' (not above the burst). */
static double level(const ww_ratelimit *rl, const slot *sl, int64_t now) {
  double t = sl->tokens + (double)(now - sl->at_ms) / 1000.0 * rl->rate;
  return t > rl->burst ? rl->burst : t;
}

long ww_ratelimit_take(ww_ratelimit *rl, const char *key, int64_t now_ms) {
  if (rl == NULL) return 0;
  size_t n = strnlen(key, WW_RATELIMIT_KEY_MAX);
  uint64_t h = hash(rl->seed, key, n);
  pthread_mutex_lock(&rl->mu);
  slot *mine = NULL, *spare = NULL, *oldest = NULL;
  for (size_t i = 0; i < PROBES && mine == NULL; i++) {
    slot *sl = &rl->slots[(h + i) & rl->mask];
    if (sl->key[0] && strncmp(sl->key, key, n) == 0 && sl->key[n] == '\0') mine = sl;
    else if (spare == NULL && (sl->key[0] == '\0' || level(rl, sl, now_ms) >= rl->burst))
      spare = sl;
    else if (oldest == NULL || sl->at_ms < oldest->at_ms)
      oldest = sl;
  }
  if (mine == NULL) {   /* a new client: a full bucket */
    mine = spare ? spare : oldest;
    memcpy(mine->key, key, n);
    mine->key[n] = '\0';
    mine->tokens = rl->burst;
    mine->at_ms = now_ms;
  }
  double t = level(rl, mine, now_ms);
  mine->at_ms = now_ms;
  long wait = 0;
  if (t >= 1) {
    t -= 1;
  } else {
    wait = (long)ceil((1 - t) / rl->rate);
    if (wait < 1) wait = 1;
  }
  mine->tokens = t;
  pthread_mutex_unlock(&rl->mu);
  return wait;
}

int64_t ww_ratelimit_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
