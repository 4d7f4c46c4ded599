/* The channel-status overrides as this instance's decisions see them (SPEC 3.4).
 *
 * Each worker has its own store handle, and a Redis handle learns of another worker's
 * change only through pub/sub, a moment later. So a worker that changed an override
 * shares its copy with the other workers of the instance before it answers: each worker
 * takes the newer of its store's copy and the shared one (ww_store_status_rank), the
 * shared one only for a second after it was shared (long enough for pub/sub, short enough
 * that a Redis that lost its keys cannot be outvoted for long).
 *
 * An override ends for everyone once the wall clock passes its 'until': the view leaves
 * it out from then on, whatever time a question is about (the store removes it at its
 * next change). */
#include "api/app.h"

#include <stdlib.h>
#include <time.h>

#include "session/session.h"
#include "store/store.h"

#define SHARED_MS 1000

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ww_app_status_init(ww_app *app) {
  pthread_mutex_init(&app->status_lock, NULL);
  app->status_shared = NULL;
  atomic_init(&app->status_shared_rank, 0);
}

void ww_app_status_fini(ww_app *app) {
  json_decref(app->status_shared);
  app->status_shared = NULL;
  pthread_mutex_destroy(&app->status_lock);
}

void ww_app_worker_status_fini(ww_app_worker *w) {
  json_decref(w->status);
  json_decref(w->status_view);
  json_decref(w->status_shared);
}

/* The newer of the store's copy ('mine', of rank 'rank') and the shared one: shares
 * 'mine' when it is newer, or when the shared one is older than SHARED_MS. */
static const json_t *newest(ww_app_worker *w, const json_t *mine, uint64_t rank) {
  ww_app *app = w->app;
  uint64_t shared = atomic_load(&app->status_shared_rank);
  if (rank == shared) return mine;
  int64_t now = mono_ms();
  if (rank < shared && w->status_shared_rank != shared) {   /* take the newer one */
    pthread_mutex_lock(&app->status_lock);
    json_decref(w->status_shared);
    w->status_shared = json_incref(app->status_shared);
    w->status_shared_rank = atomic_load(&app->status_shared_rank);
    w->status_shared_at = app->status_shared_at;
    pthread_mutex_unlock(&app->status_lock);
  }
  if (rank < shared && w->status_shared && now - w->status_shared_at < SHARED_MS)
    return w->status_shared;
  if (rank > shared || now - w->status_shared_at >= SHARED_MS) {   /* share mine */
    pthread_mutex_lock(&app->status_lock);
    if (rank > atomic_load(&app->status_shared_rank) ||
        now - app->status_shared_at >= SHARED_MS) {
      json_decref(app->status_shared);
      app->status_shared = json_incref((json_t *)mine);
      app->status_shared_at = now;
      atomic_store(&app->status_shared_rank, rank);
    }
    pthread_mutex_unlock(&app->status_lock);
  }
  return mine;
}

/* 'all' without the overrides that have ended by 'now' (a new reference), and in '*ends'
 * when the next of those left ends. */
static json_t *live_view(const json_t *all, int64_t now, int64_t *ends) {
  json_t *view = NULL;
  *ends = INT64_MAX;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)all, k, v) {
    int64_t until = ww_session_status_until(v);
    if (until > now) {
      if (until < *ends) *ends = until;
      continue;
    }
    if (view == NULL) view = json_copy((json_t *)all);
    if (view) json_object_del(view, k);
  }
  return view ? view : json_incref((json_t *)all);
}

/* The store never changes a status object in place: a new pointer means new content.
 * Holding a reference to the last one keeps its address from being reused, so pointer
 * identity is a safe version test. */
const json_t *ww_app_status(ww_app_worker *w, uint64_t *version) {
  const json_t *all = NULL;
  if (w->store) {
    all = ww_store_status(w->store);   /* first: it may bring the rank up to date */
    all = newest(w, all, ww_store_status_rank(w->store));
  }
  int64_t now = (int64_t)time(NULL);
  if (all != w->status || now >= w->status_ends) {
    json_decref(w->status);
    json_decref(w->status_view);
    w->status = json_incref((json_t *)all);
    w->status_view = all ? live_view(all, now, &w->status_ends) : NULL;
    if (all == NULL) w->status_ends = INT64_MAX;
    w->status_version++;
  }
  if (version) *version = w->status_version + 1;   /* never 0: 0 means "do not cache" */
  return w->status_view;
}
