/* The tokens file (--tokens, docs/tokens.md) while the server runs: read at start, read
 * again on every reload (POST /v1/rules/reload, SIGHUP), and a broken file keeps the
 * tokens in force. Each worker keeps a reference to the tokens it checks with and takes the
 * newest before it checks a request, so once a reload has answered every worker of the
 * instance uses the new file; the old tokens are freed when the last worker let go. */
#include <stdio.h>
#include <stdlib.h>

#include "api/app.h"
#include "log/log.h"

struct ww_tokens {
  ww_auth *auth;   /* owned */
  int refs;        /* app->tokens_lock */
};

static void tokens_release(struct ww_tokens *t) {   /* with tokens_lock held */
  if (t == NULL || --t->refs > 0) return;
  ww_auth_free(t->auth);
  free(t);
}

/* The file loaded anew (NULL with a message in 'err'). */
static struct ww_tokens *tokens_load(const char *path, char *err, size_t errlen) {
  struct ww_tokens *t = calloc(1, sizeof *t);
  if (t == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  t->auth = ww_auth_load(path, err, errlen);
  if (t->auth == NULL) {
    free(t);
    return NULL;
  }
  t->refs = 1;   /* the app's */
  return t;
}

int ww_app_tokens_init(ww_app *app) {
  atomic_store(&app->tokens_gen, 1);   /* workers start at 0: they adopt on first use */
  if (!app->cfg->tokens_file[0]) return 0;
  char err[512];
  app->tokens = tokens_load(app->cfg->tokens_file, err, sizeof err);
  if (app->tokens == NULL) {
    ww_logf(WW_LOG_ERROR, "--tokens: %s", err);
    return -1;
  }
  return 0;
}

void ww_app_tokens_reload(ww_app *app) {
  if (!app->cfg->tokens_file[0]) return;
  char err[512];
  struct ww_tokens *t = tokens_load(app->cfg->tokens_file, err, sizeof err);
  if (t == NULL) {
    ww_log(WW_LOG_ERROR, "tokens file not reloaded; the tokens in force stay",
           json_pack("{s:s}", "error", err));
    return;
  }
  size_t n = ww_auth_count(t->auth);
  pthread_mutex_lock(&app->tokens_lock);
  tokens_release(app->tokens);
  app->tokens = t;
  atomic_fetch_add_explicit(&app->tokens_gen, 1, memory_order_release);
  pthread_mutex_unlock(&app->tokens_lock);
  ww_log(WW_LOG_INFO, "tokens file reloaded", json_pack("{s:i}", "tokens", (int)n));
}

const ww_auth *ww_app_auth(ww_app_worker *w) {
  ww_app *app = w->app;
  if (atomic_load_explicit(&app->tokens_gen, memory_order_acquire) != w->tokens_gen) {
    pthread_mutex_lock(&app->tokens_lock);
    tokens_release(w->tokens);
    w->tokens = app->tokens;
    if (w->tokens) w->tokens->refs++;
    w->tokens_gen = atomic_load_explicit(&app->tokens_gen, memory_order_relaxed);
    pthread_mutex_unlock(&app->tokens_lock);
  }
  return w->tokens ? w->tokens->auth : NULL;
}

void ww_app_tokens_worker_fini(ww_app_worker *w) {
  pthread_mutex_lock(&w->app->tokens_lock);
  tokens_release(w->tokens);
  w->tokens = NULL;
  pthread_mutex_unlock(&w->app->tokens_lock);
}

void ww_app_tokens_close(ww_app *app) {
  tokens_release(app->tokens);   /* the workers have let go */
  app->tokens = NULL;
}
