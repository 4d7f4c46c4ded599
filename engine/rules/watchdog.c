/* The wall-clock watchdog of rule runs (decisions, loads).
 *
 * A run has a deadline on the monotonic clock. Two things enforce it:
 *  - the count hook (sandbox.c) reads the clock every 1000 Lua instructions (its coarse
 *    reading: a few nanoseconds, late by at most one tick of 1-4 ms);
 *  - this file's watchdog thread, for runs stuck in slow single instructions (a loop of
 *    `==` on long strings): once a deadline passes it sends WW__WATCHDOG_SIGNAL to the
 *    thread of that run, whose handler makes the hook fire at the next instruction.
 *    lua_sethook is signal-safe (the lua.c interpreter stops a script on Ctrl-C this
 *    way) but not thread-safe, hence the signal to the run's own thread rather than a
 *    call from the watchdog thread. The watchdog sleeps until the nearest deadline, and
 *    at most TICK_MS, so it sees a new run within TICK_MS and its end on time.
 *
 * Each thread that runs rules has a slot (thread-local, on a list the watchdog walks).
 * The hot path (arm / disarm once per run) only stores to the thread's own slot. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log/log.h"
#include "rules/rules_private.h"

#define TICK_MS 5   /* the longest the watchdog sleeps: how late it notices a new run */

typedef struct wd_slot {
  pthread_t thread;
  atomic_llong deadline;        /* of the armed run (ms); 0: none armed */
  atomic_uint seq;              /* bumped per arm, so each run is signalled once */
  unsigned kicked;              /* watchdog thread only: the seq last signalled */
  ww_rules *volatile running;   /* the owner thread and its signal handler only */
  struct wd_slot *prev, *next;  /* on 'slots', under 'lock' */
} wd_slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static wd_slot *slots;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static int ready;               /* set once by the pthread_once routine */
static _Thread_local wd_slot *tl_slot;

static int64_t ms_of(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ww__clock_ms(void) { return ms_of(CLOCK_MONOTONIC); }
int64_t ww__now_ms(void) { return ms_of(CLOCK_MONOTONIC_COARSE); }

/* On the thread of the run, between any two of its machine instructions. */
static void on_signal(int sig) {
  (void)sig;
  int saved = errno;
  wd_slot *s = tl_slot;
  ww_rules *R = s ? s->running : NULL;
  if (R && R->deadline && ww__clock_ms() >= R->deadline) {
    R->expired = 1;
    ww__budget_force(R);
  }
  errno = saved;
}

static void slot_free(void *p) {
  wd_slot *s = p;
  pthread_mutex_lock(&lock);
  if (s->prev) s->prev->next = s->next;
  else slots = s->next;
  if (s->next) s->next->prev = s->prev;
  pthread_mutex_unlock(&lock);
  tl_slot = NULL;
  free(s);
}

static void *watchdog_main(void *arg) {
  (void)arg;
  for (;;) {
    int64_t now = ww__clock_ms(), next = now + TICK_MS;
    pthread_mutex_lock(&lock);
    for (wd_slot *s = slots; s; s = s->next) {
      int64_t d = atomic_load_explicit(&s->deadline, memory_order_acquire);
      if (d == 0) continue;
      if (now < d) {
        if (d < next) next = d;
        continue;
      }
      unsigned seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
      if (s->kicked != seq) {
        s->kicked = seq;
        pthread_kill(s->thread, WW__WATCHDOG_SIGNAL);
      }
    }
    pthread_mutex_unlock(&lock);
    int64_t ms = next - now < 1 ? 1 : next - now;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  return NULL;
}

static void start(void) {
  if (pthread_key_create(&slot_key, slot_free) != 0) return;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;   /* a late signal must not fail a read or write */
  sigemptyset(&sa.sa_mask);
  if (sigaction(WW__WATCHDOG_SIGNAL, &sa, NULL) != 0) return;
  /* the watchdog itself never gets the signal; it sleeps, nothing else */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  int rc = pthread_create(&t, &attr, watchdog_main, NULL);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    ww_logf(WW_LOG_WARN, "rule watchdog thread not started (%s); the time limit of rules is "
                         "checked every 1000 Lua instructions only", strerror(rc));
    return;
  }
  ready = 1;
}

/* This thread's slot, made on its first run; NULL without a watchdog. */
static wd_slot *my_slot(void) {
  if (tl_slot) return tl_slot;
  pthread_once(&once, start);
  if (!ready) return NULL;
  wd_slot *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->thread = pthread_self();
  if (pthread_setspecific(slot_key, s) != 0) {
    free(s);
    return NULL;
  }
  pthread_mutex_lock(&lock);
  s->next = slots;
  if (slots) slots->prev = s;
  slots = s;
  pthread_mutex_unlock(&lock);
  tl_slot = s;
  return s;
}

void ww__watchdog_arm(ww_rules *R) {
  wd_slot *s = my_slot();
  if (s == NULL) return;
  s->running = R;
  atomic_signal_fence(memory_order_seq_cst);
  atomic_fetch_add_explicit(&s->seq, 1, memory_order_relaxed);
  atomic_store_explicit(&s->deadline, R->deadline, memory_order_release);
}

void ww__watchdog_disarm(void) {
  wd_slot *s = tl_slot;
  if (s == NULL) return;
  atomic_store_explicit(&s->deadline, 0, memory_order_relaxed);
  s->running = NULL;
  atomic_signal_fence(memory_order_seq_cst);
}
