/* Zero-downtime rule reload (SPEC 3.4): load, validate and test a new rule set off the
 * request path, then swap it into every worker. Requests in flight finish on the set they
 * started with; the old set is freed when its last request ends. A bad set never replaces
 * a good one. Triggers: POST /v1/rules/reload (admin) and SIGHUP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "log/log.h"
#include "util/tztime.h"

static ww_ruleset *ruleset_new(ww_rules *rules, const char *loaded_at, int passed, int failed) {
  ww_ruleset *rs = calloc(1, sizeof *rs);
  if (rs == NULL) return NULL;
  rs->rules = rules;
  rs->refs = 1;
  snprintf(rs->loaded_at, sizeof rs->loaded_at, "%s", loaded_at);
  rs->tests_passed = passed;
  rs->tests_failed = failed;
  return rs;
}

void ww_ruleset_release(ww_ruleset *rs) {
  if (rs == NULL || --rs->refs > 0) return;
  ww_rules_free(rs->rules);
  free(rs);
}

json_t *ww_ruleset_info(const ww_ruleset *rs) {
  json_t *info = ww_rules_info(rs->rules);
  json_object_set_new(info, "loadedAt", json_string(rs->loaded_at));
  json_object_set_new(info, "tests", json_pack("{s:i, s:i}", "passed", rs->tests_passed,
                                               "failed", rs->tests_failed));
  return info;
}

void ww_app_rules_refresh(ww_app_worker *w) {
  ww_app *app = w->app;
  unsigned gen = atomic_load_explicit(&app->generation, memory_order_acquire);
  if (gen == w->generation) return;
  pthread_mutex_lock(&app->pending_lock);
  ww_ruleset *next = app->pending[w->index];
  app->pending[w->index] = NULL;
  gen = atomic_load_explicit(&app->generation, memory_order_acquire);
  pthread_mutex_unlock(&app->pending_lock);
  w->generation = gen;
  if (next == NULL) return;
  ww_ruleset_release(w->current);
  w->current = next;
  w->rules = next->rules;
  ww_logf(WW_LOG_INFO, "worker %d: rule set %s active", w->index, ww_rules_version(w->rules));
}

ww_ruleset *ww_app_rules_acquire(ww_app_worker *w) {
  ww_app_rules_refresh(w);
  if (w->current) w->current->refs++;
  return w->current;
}

typedef struct first_failure {
  char name[120];
  char why[240];
} first_failure;

static void on_case(void *ud, const char *name, int ok, const char *why) {
  first_failure *f = ud;
  if (ok || f->name[0]) return;
  snprintf(f->name, sizeof f->name, "%s", name);
  snprintf(f->why, sizeof f->why, "%s", why ? why : "");
}

/* "tests/x.lua:12: ..." in a failure text -> file and line. */
static void locate(const char *text, ww_err *err) {
  const char *colon = strstr(text, ".lua:");
  if (colon == NULL) return;
  const char *start = colon;
  while (start > text && start[-1] != ' ' && start[-1] != '(') start--;
  size_t n = (size_t)(colon + 4 - start);
  if (n >= sizeof err->file) return;
  memcpy(err->file, start, n);
  err->file[n] = '\0';
  err->line = atoi(colon + 5);
}

int ww_app_reload(ww_app *app, json_t **info, ww_err *err) {
  const char *dir = app->cfg->rules_dir;
  int workers = app->cfg->workers;
  int rc = -1;
  *info = NULL;
  pthread_mutex_lock(&app->reload_lock);
  ww_rules **copies = calloc((size_t)workers, sizeof *copies);
  ww_ruleset **sets = calloc((size_t)workers, sizeof *sets);
  if (copies == NULL || sets == NULL) goto out;

  copies[0] = ww_rules_load(dir, NULL, err);
  if (copies[0] == NULL) goto out;
  first_failure fail = {{0}, {0}};
  int passed = 0, failed = 0;
  ww_rules_test(copies[0], on_case, &fail, &passed, &failed);
  if (failed > 0) {
    snprintf(err->code, sizeof err->code, "ruleset_invalid");
    snprintf(err->msg, sizeof err->msg,
             "%d of %d rule tests fail; the first: \"%s\": %s. The old rule set stays active.",
             failed, passed + failed, fail.name, fail.why);
    locate(fail.why, err);
    goto out;
  }
  /* Each worker has its own Lua state: one copy each, all from the same files. */
  for (int i = 1; i < workers; i++) {
    copies[i] = ww_rules_load(dir, NULL, err);
    if (copies[i] == NULL) goto out;
    if (strcmp(ww_rules_version(copies[i]), ww_rules_version(copies[0])) != 0) {
      snprintf(err->code, sizeof err->code, "ruleset_invalid");
      snprintf(err->msg, sizeof err->msg,
               "the rule files changed while they were loaded; reload again");
      goto out;
    }
  }
  char now[32];
  ww_time_format((int64_t)time(NULL), now);
  for (int i = 0; i < workers; i++) {
    sets[i] = ruleset_new(copies[i], now, passed, failed);
    if (sets[i] == NULL) goto out;
    copies[i] = NULL;
  }
  *info = ww_ruleset_info(sets[0]);   /* before workers may touch sets[0] */

  pthread_mutex_lock(&app->pending_lock);
  for (int i = 0; i < workers; i++) {
    ww_ruleset_release(app->pending[i]);   /* never adopted: an idle worker */
    app->pending[i] = sets[i];
    sets[i] = NULL;
  }
  snprintf(app->rules_version, sizeof app->rules_version, "%s",
           json_string_value(json_object_get(*info, "version")));
  snprintf(app->loaded_at, sizeof app->loaded_at, "%s", now);
  app->tests_passed = passed;
  app->tests_failed = failed;
  atomic_fetch_add_explicit(&app->generation, 1, memory_order_release);
  pthread_mutex_unlock(&app->pending_lock);
  ww_log(WW_LOG_INFO, "rule set reloaded",
         json_pack("{s:s, s:i}", "rulesVersion", app->rules_version, "testsPassed", passed));
  rc = 0;
out:
  if (copies)
    for (int i = 0; i < workers; i++) ww_rules_free(copies[i]);
  if (sets)
    for (int i = 0; i < workers; i++) ww_ruleset_release(sets[i]);
  free(copies);
  free(sets);
  pthread_mutex_unlock(&app->reload_lock);
  if (rc != 0 && !err->code[0]) snprintf(err->code, sizeof err->code, "ruleset_invalid");
  return rc;
}

/* ---- POST /v1/rules/reload: the work runs in libuv's thread pool ---- */

typedef struct reload_job {
  uv_work_t work;
  ww_req *req;
  ww_app *app;
  json_t *info;
  ww_err err;
  int rc;
} reload_job;

static void reload_work(uv_work_t *work) {
  reload_job *job = work->data;
  job->rc = ww_app_reload(job->app, &job->info, &job->err);
}

static void reload_done(uv_work_t *work, int status) {
  reload_job *job = work->data;
  ww_req *req = job->req;
  if (status != 0 && job->rc == 0) job->rc = -1;
  if (job->rc == 0) {
    ww_respond_json(req, 200, job->info);
  } else {
    ww_logf(WW_LOG_WARN, "rule reload refused: %s", job->err.msg);
    json_t *extra = json_pack("{s:s?, s:i}", "file", job->err.file[0] ? job->err.file : NULL,
                              "line", job->err.line);
    ww_respond_problem(req, 422, "ruleset_invalid", job->err.msg, NULL, extra);
    json_decref(job->info);
  }
  ww_err_clear(&job->err);
  free(job);
}

void ww_api_rules_reload(ww_req *req) {
  if (!ww_api_authorize(req, WW_ROLE_ADMIN)) return;
  ww_app_worker *w = ww_req_app(req);
  reload_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  job->req = req;
  job->app = w->app;
  job->work.data = job;
  if (uv_queue_work(w->loop, &job->work, reload_work, reload_done) != 0) {
    free(job);
    ww_respond_problem(req, 500, "internal", "the reload could not be started", NULL, NULL);
  }
}

/* ---- SIGHUP: the server calls this on its main thread; reload on a thread of its own ---- */

static void *sighup_thread(void *appv) {
  json_t *info = NULL;
  ww_err err = {0};
  if (ww_app_reload(appv, &info, &err) != 0)
    ww_logf(WW_LOG_WARN, "SIGHUP: rule reload refused, the old rule set stays: %s", err.msg);
  json_decref(info);
  ww_err_clear(&err);
  return NULL;
}

void ww_app_on_reload(void *app) {
  pthread_t t;
  if (pthread_create(&t, NULL, sighup_thread, app) == 0) pthread_detach(t);
  else ww_log(WW_LOG_ERROR, "SIGHUP: cannot start the reload", NULL);
}
