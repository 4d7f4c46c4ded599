/* The watchdog of rule runs (decisions, loads): their time limits.
 *
 * A run is armed with a limit on the monotonic clock. A watchdog thread looks at every
 * armed run when its limit passes; when the run is over its limit it sends
 * WW__WATCHDOG_SIGNAL to the run's thread, whose handler makes Lua stop at the next
 * instruction (the count hook raises). lua_sethook is signal-safe (the lua.c interpreter
 * stops a script on Ctrl-C this way) but not thread-safe: hence a signal to the run's own
 * thread rather than a call from the watchdog thread. A run stuck in a slow instruction
 * (== on long strings) thus ends at its limit, not 1000 instructions later.
 *
 * Over its limit means, for a load, the wall clock; for a decision, the time it ran: the
 * wall-clock time before the watchdog first saw it (at most TICK_MS) plus the processor
 * time its thread used since (the thread's CPU clock). A decision that waited for a processor because the
 * machine was overloaded is not cut short for that, up to ww__hard_limit() on the wall
 * clock. The count hook checks the wall clock itself too (sandbox.c): at the hard
 * limit when this thread has a watchdog, at the limit without one.
 *
 * Each thread that runs rules has a slot (thread-local, on a list the watchdog walks). The
 * hot path (arm and disarm, once per run) only stores to the thread's own slot. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log/log.h"
#include "rules/host_private.h"

#define TICK_MS 2   /* the longest the watchdog sleeps: how late it sees a new run */

typedef struct wd_slot {
  pthread_t thread;
  clockid_t cpu;                /* the thread's CPU clock */
  /* written by the owner thread (arm), read by the watchdog */
  atomic_uint seq;              /* bumped per arm: a run's number */
  atomic_llong deadline;        /* of the armed run (ms); 0: none armed */
  atomic_llong armed_at;        /* when it was armed (ms) */
  atomic_int limit;             /* a decision's limit (ms); 0: the deadline is wall-clock */
  /* written by the watchdog, read by the owner's signal handler */
  atomic_uint stop_seq;         /* the run the watchdog stopped */
  /* the watchdog's own */
  unsigned seen_seq;            /* the run it last saw armed ... */
  int64_t seen_at, seen_cpu;    /* ... first seen when (ms), the thread's CPU time then (us) */
  /* the owner thread and its signal handler only: the armed run's state, its hook, and
   * where to say that it expired */
  lua_State *volatile running;
  lua_Hook hook;
  volatile sig_atomic_t *expired;
  struct wd_slot *prev, *next;  /* on 'slots', under 'lock' */
} wd_slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static wd_slot *slots;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static int ready;               /* set once by the pthread_once routine */
static _Thread_local wd_slot *tl_slot;

static int64_t us_of(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return 0;
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t ww__clock_ms(void) { return us_of(CLOCK_MONOTONIC) / 1000; }
int64_t ww__now_ms(void) { return us_of(CLOCK_MONOTONIC_COARSE) / 1000; }

/* On the thread of the run, between any two of its machine instructions. A signal that
 * arrives late (the run it was meant for ended) finds another run number, or none. */
static void on_signal(int sig) {
  (void)sig;
  int saved = errno;
  wd_slot *s = tl_slot;
  lua_State *L = s ? s->running : NULL;
  if (L && atomic_load_explicit(&s->stop_seq, memory_order_relaxed) ==
               atomic_load_explicit(&s->seq, memory_order_relaxed)) {
    *s->expired = 1;
    lua_sethook(L, s->hook, LUA_MASKCOUNT, 1);   /* async-signal-safe */
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

/* The armed run of slot 's' at 'now': 1 when it is over its limit; else 0, with '*next'
 * lowered to when to look again. */
static int over_limit(wd_slot *s, int64_t now, int64_t *next) {
  unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
  int64_t d = atomic_load_explicit(&s->deadline, memory_order_acquire);
  int64_t armed_at = atomic_load_explicit(&s->armed_at, memory_order_relaxed);
  int limit = atomic_load_explicit(&s->limit, memory_order_relaxed);
  if (d == 0 || seq != atomic_load_explicit(&s->seq, memory_order_acquire)) return 0;
  if (seq != s->seen_seq) {   /* a run not seen before: from here on its CPU time counts */
    s->seen_seq = seq;
    s->seen_at = now;
    s->seen_cpu = us_of(s->cpu);
  }
  if (now < d) {
    if (d < *next) *next = d;
    return 0;
  }
  if (limit == 0 || now >= armed_at + ww__hard_limit((unsigned)limit)) return 1;
  /* before it was first seen: counted as running, but no more than the watchdog's own
   * sleep (a watchdog that woke late on a busy machine must not count its delay) */
  int64_t before = s->seen_at - armed_at < TICK_MS ? s->seen_at - armed_at : TICK_MS;
  int64_t ran = before + (us_of(s->cpu) - s->seen_cpu) / 1000;
  if (ran >= limit) return 1;
  int64_t again = now + (limit - ran);   /* at the earliest, if it runs all the time */
  if (again < *next) *next = again;
  return 0;
}

static void *watchdog_main(void *arg) {
  (void)arg;
  for (;;) {
    int64_t now = ww__clock_ms(), next = now + TICK_MS;
    pthread_mutex_lock(&lock);
    for (wd_slot *s = slots; s; s = s->next) {
      if (!over_limit(s, now, &next)) continue;
      unsigned seq = s->seen_seq;
      if (atomic_load_explicit(&s->stop_seq, memory_order_relaxed) == seq) continue;
      atomic_store_explicit(&s->stop_seq, seq, memory_order_release);
      pthread_kill(s->thread, WW__WATCHDOG_SIGNAL);
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
  /* the watchdog itself never gets a signal; it sleeps, nothing else */
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
  if (pthread_getcpuclockid(s->thread, &s->cpu) != 0 || pthread_setspecific(slot_key, s) != 0) {
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

int ww__watchdog_arm(lua_State *L, lua_Hook hook, volatile sig_atomic_t *expired,
                     int64_t armed_at, int64_t deadline, unsigned limit_ms) {
  wd_slot *s = my_slot();
  if (s == NULL) return 0;
  s->hook = hook;
  s->expired = expired;
  s->running = L;
  atomic_signal_fence(memory_order_seq_cst);
  atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
  atomic_store_explicit(&s->armed_at, armed_at, memory_order_relaxed);
  atomic_store_explicit(&s->limit, (int)limit_ms, memory_order_relaxed);
  atomic_store_explicit(&s->deadline, deadline, memory_order_release);
  return 1;
}

void ww__watchdog_disarm(void) {
  wd_slot *s = tl_slot;
  if (s == NULL) return;
  atomic_store_explicit(&s->deadline, 0, memory_order_relaxed);
  s->running = NULL;
  atomic_signal_fence(memory_order_seq_cst);
}
