/* The rule-set history (history.h). */
#include "api/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/rulefiles.h"
#include "log/log.h"
#include "store/store.h"
#include "util/tztime.h"

#define TICK_MS 200          /* worker 0 looks at its queue this often */
#define LOOK_MS 2000         /* and at the store's live version (Redis) */
#define QUEUE_MAX 64         /* commits waiting for the store; the oldest dropped beyond */

void ww_history_live(ww_app *app, char out[16]) {
  pthread_mutex_lock(&app->history_lock);
  memcpy(out, app->live_version, 16);
  pthread_mutex_unlock(&app->history_lock);
}

static void queue_push(ww_app *app, json_t *commit) {
  pthread_mutex_lock(&app->history_lock);
  if (json_array_size(app->history_queue) >= QUEUE_MAX) {
    json_array_remove(app->history_queue, 0);
    ww_log(WW_LOG_WARN, "rule-set history: the store was unreachable for many changes; the "
                        "oldest waiting one is not recorded", NULL);
  }
  json_array_append_new(app->history_queue, commit);
  pthread_mutex_unlock(&app->history_lock);
}

static json_t *queue_pop(ww_app *app) {
  pthread_mutex_lock(&app->history_lock);
  json_t *c = json_array_size(app->history_queue) ? json_incref(json_array_get(app->history_queue, 0)) : NULL;
  if (c) json_array_remove(app->history_queue, 0);
  pthread_mutex_unlock(&app->history_lock);
  return c;
}

static json_t *now_text(void) {
  char t[32];
  ww_time_format((int64_t)time(NULL), t);
  return json_string(t);
}

/* {record, audit} of a version going live. 'files' borrowed. New. */
static json_t *make_commit(const char *version, const char *loaded_at, json_t *tests,
                           const char *source, const char *action, const char *actor,
                           const char *approved_by, const char *from, const json_t *from_files,
                           const json_t *files) {
  json_t *record = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O}", "version", version, "loadedAt",
                             loaded_at, "source", source, "actor", actor, "tests", tests,
                             "files", files);
  json_t *audit = json_pack("{s:o, s:s, s:s, s:s?, s:s, s:o, s:O}", "time", now_text(),
                            "actor", actor, "action", action, "from", from && from[0] ? from : NULL,
                            "to", version, "files", ww_rulefiles_diff(from_files, files),
                            "tests", tests);
  if (audit && approved_by) json_object_set_new(audit, "approvedBy", json_string(approved_by));
  if (record == NULL || audit == NULL) {
    json_decref(record);
    json_decref(audit);
    return NULL;
  }
  /* one JSON log line per change */
  ww_log(WW_LOG_INFO, "rule set change", json_deep_copy(audit));
  return json_pack("{s:o, s:o}", "record", record, "audit", audit);
}

/* The reload hook: the set in 'dir' went live (under the reload lock). */
static void on_live(void *ud, ww_reload_why *why, const char *dir, const json_t *info) {
  ww_app *app = ud;
  const char *version = json_string_value(json_object_get(info, "version"));
  json_t *files = NULL;
  char whyr[300] = "";
  if (why->files) {
    files = json_deep_copy(why->files);
  } else {
    char v[16];
    files = ww_rulefiles_read(dir, v, whyr, sizeof whyr);
    if (files && strcmp(v, version) != 0) {
      json_decref(files);
      files = NULL;
      snprintf(whyr, sizeof whyr, "the files changed while they were loaded");
    }
  }
  pthread_mutex_lock(&app->history_lock);
  char from[16];
  memcpy(from, app->live_version, sizeof from);
  json_t *from_files = app->live_files;
  app->live_files = json_incref(files);
  snprintf(app->live_version, sizeof app->live_version, "%s", version);
  pthread_mutex_unlock(&app->history_lock);

  int adopt = strcmp(why->action, "adopt") == 0;
  if (adopt) {
    ww_log(WW_LOG_INFO, "rule set adopted from the store",
           json_pack("{s:s, s:s?, s:s, s:s}", "from", from[0] ? from : NULL, "to", version,
                     "source", why->source, "actor", why->actor));
  } else if (files == NULL) {
    ww_log(WW_LOG_WARN, "rule set is live but cannot be recorded in the history",
           json_pack("{s:s, s:s}", "rulesVersion", version, "why", whyr));
  } else if (!(strcmp(why->action, "reload") == 0 && strcmp(from, version) == 0)) {
    /* a reload of unchanged files changes nothing: no version, no audit entry */
    json_t *tests = json_object_get(info, "tests");
    json_t *c = make_commit(version, json_string_value(json_object_get(info, "loadedAt")),
                            tests, why->source, why->action, why->actor, why->approved_by, from,
                            from_files, files);
    if (c && why->wait) why->commit = c;
    else if (c) queue_push(app, c);
  }
  json_decref(from_files);
  json_decref(files);
}

int ww_history_init(ww_app *app) {
  pthread_mutex_init(&app->history_lock, NULL);
  app->history_ready = 1;
  app->history_queue = json_array();
  if (app->history_queue == NULL) return -1;
  app->rules.hook = on_live;
  app->rules.hook_ud = app;
  return 0;
}

void ww_history_close(ww_app *app) {
  if (!app->history_ready) return;
  json_decref(app->history_queue);
  json_decref(app->live_files);
  app->history_queue = app->live_files = NULL;
  pthread_mutex_destroy(&app->history_lock);
  app->history_ready = 0;
}

/* ---- changes through the gate, off the loop ---- */

typedef struct apply_job {
  uv_work_t work;
  ww_app_worker *w;
  json_t *files;             /* owned copy, or NULL */
  char action[16], source[16], actor[72], approved_by[72];
  int has_approved, reload_tokens, queue;
  ww_history_done done;
  void *ud;
  int rc;
  json_t *info, *commit;
  ww_err err;
} apply_job;

static void apply_work(uv_work_t *work) {
  apply_job *job = work->data;
  ww_app *app = job->w->app;
  if (job->reload_tokens) ww_app_tokens_reload(app);
  ww_reload_why why = {job->action, job->source, job->actor,
                       job->has_approved ? job->approved_by : NULL, job->files, !job->queue,
                       NULL};
  if (job->files == NULL) {
    job->rc = ww_reload_run_from(&app->rules, NULL, &why, &job->info, &job->err);
  } else {
    json_t *bad = ww_rulefiles_check(job->files);
    char dir[WW_RULEFILES_TMP_MAX];
    if (bad) {
      job->rc = -1;
      snprintf(job->err.code, sizeof job->err.code, "invalid_files");
      snprintf(job->err.msg, sizeof job->err.msg, "The rule files are not a rule set.");
      job->err.invalid_params = bad;
    } else if (ww_rulefiles_write(job->files, dir) != 0) {
      job->rc = -1;
      snprintf(job->err.code, sizeof job->err.code, "internal");
      snprintf(job->err.msg, sizeof job->err.msg, "The rule files could not be written to a "
               "temporary folder.");
    } else {
      job->rc = ww_reload_run_from(&app->rules, dir, &why, &job->info, &job->err);
      ww_rulefiles_remove(dir);
    }
  }
  job->commit = why.commit;
}

static void job_free(apply_job *job) {
  json_decref(job->files);
  json_decref(job->info);
  json_decref(job->commit);
  ww_err_clear(&job->err);
  free(job);
}

static void on_committed(void *ud, int status, json_t *result) {
  apply_job *job = ud;
  json_decref(result);
  if (status != 0) {   /* live here; the store gets it when it is back */
    ww_logf(WW_LOG_WARN, "rule-set history: the store did not take version %s (%s); retrying",
            json_string_value(json_object_get(json_object_get(job->commit, "record"), "version")),
            ww_store_strerror(status));
    queue_push(job->w->app, job->commit);
    job->commit = NULL;
  }
  job->done(job->ud, 0, job->info, status, NULL);
  job_free(job);
}

static void apply_after(uv_work_t *work, int status) {
  apply_job *job = work->data;
  if (status != 0 && job->rc == 0) job->rc = -1;
  if (job->rc != 0) {
    if (!job->err.code[0]) snprintf(job->err.code, sizeof job->err.code, "ruleset_invalid");
    job->done(job->ud, -1, NULL, 0, &job->err);
    job_free(job);
    return;
  }
  if (job->commit == NULL) {   /* nothing to record (adopted, or unchanged) */
    job->done(job->ud, 0, job->info, 0, NULL);
    job_free(job);
    return;
  }
  if (job->w->store == NULL) {
    on_committed(job, WW_STORE_EUNAVAIL, NULL);
    return;
  }
  ww_store_rules_commit(job->w->store, json_object_get(job->commit, "record"),
                        json_object_get(job->commit, "audit"), on_committed, job);
}

int ww_history_apply(ww_app_worker *w, const ww_history_change *c, ww_history_done done,
                     void *ud) {
  apply_job *job = calloc(1, sizeof *job);
  if (job == NULL) return -1;
  job->w = w;
  job->work.data = job;
  job->done = done;
  job->ud = ud;
  job->reload_tokens = c->reload_tokens;
  job->queue = c->queue;
  snprintf(job->action, sizeof job->action, "%s", c->action);
  snprintf(job->source, sizeof job->source, "%s", c->source);
  snprintf(job->actor, sizeof job->actor, "%s", c->actor ? c->actor : "unknown");
  if (c->approved_by) {
    job->has_approved = 1;
    snprintf(job->approved_by, sizeof job->approved_by, "%s", c->approved_by);
  }
  if (c->files && (job->files = json_deep_copy(c->files)) == NULL) {
    free(job);
    return -1;
  }
  if (uv_queue_work(w->loop, &job->work, apply_work, apply_after) != 0) {
    json_decref(job->files);
    free(job);
    return -1;
  }
  return 0;
}

/* ---- worker 0: in step with the store ---- */

static void tick(uv_timer_t *t);

static void idle(ww_app_worker *w) { w->history_busy = 0; }

static void on_adopted(void *ud, int rc, const json_t *info, int store_status, ww_err *err) {
  (void)info;
  (void)store_status;
  ww_app_worker *w = ud;
  if (rc != 0) {   /* refused here (limits, a test that fails on this host): not again */
    ww_log(WW_LOG_ERROR, "rule set from the store refused; this instance keeps its own",
           json_pack("{s:s, s:s, s:s*, s:i}", "rulesVersion", w->history_refused, "error",
                     err->msg, "file", err->file[0] ? err->file : NULL, "line", err->line));
  } else {
    w->history_refused[0] = '\0';
  }
  w->history_synced = 1;
  idle(w);
}

/* Make the store's 'record' (borrowed) live here. */
static void adopt(ww_app_worker *w, const json_t *record) {
  const char *v = json_string_value(json_object_get(record, "version"));
  snprintf(w->history_refused, sizeof w->history_refused, "%s", v ? v : "");
  ww_history_change c = {json_object_get(record, "files"), "adopt",
                         json_string_value(json_object_get(record, "source")),
                         json_string_value(json_object_get(record, "actor")), NULL, 0, 0};
  if (c.source == NULL) c.source = "files";
  if (!json_is_object(c.files) || ww_history_apply(w, &c, on_adopted, w) != 0) {
    ww_logf(WW_LOG_ERROR, "rule set %s from the store cannot be adopted", v ? v : "?");
    w->history_synced = 1;
    idle(w);
  }
}

/* At start: the store's live record (or none) against this instance's files. */
static void on_start_live(void *ud, int status, json_t *rec) {
  ww_app_worker *w = ud;
  ww_app *app = w->app;
  if (status != 0 && status != WW_STORE_ENOTFOUND) {
    idle(w);
    return;
  }
  const char *sv = json_string_value(json_object_get(rec, "version"));
  const char *src = json_string_value(json_object_get(rec, "source"));
  char mine[16];
  ww_history_live(app, mine);
  if (sv && strcmp(sv, mine) == 0) {
    w->history_synced = 1;
    idle(w);
  } else if (sv && src && strcmp(src, "files") != 0) {
    /* a publish or rollback is live: a restart must not undo it */
    adopt(w, rec);
  } else {
    pthread_mutex_lock(&app->history_lock);
    json_t *files = json_incref(app->live_files);
    pthread_mutex_unlock(&app->history_lock);
    json_t *tests = json_pack("{s:i, s:i}", "passed", app->rules.tests_passed, "failed",
                              app->rules.tests_failed);
    json_t *c = files ? make_commit(mine, app->rules.loaded_at, tests, "files", "start",
                                    "start", NULL, sv, json_object_get(rec, "files"), files)
                      : NULL;
    json_decref(tests);
    json_decref(files);
    if (c) queue_push(app, c);   /* written by the next tick, in order with the rest */
    w->history_synced = 1;
    idle(w);
  }
  json_decref(rec);
}

static void on_live_record(void *ud, int status, json_t *rec) {
  ww_app_worker *w = ud;
  if (status != 0) {
    idle(w);
    return;
  }
  const char *v = json_string_value(json_object_get(rec, "version"));
  char mine[16];
  ww_history_live(w->app, mine);
  if (v && strcmp(v, mine) != 0 && strcmp(v, w->history_refused) != 0) adopt(w, rec);
  else idle(w);
  json_decref(rec);
}

static void on_live_id(void *ud, int status, json_t *res) {
  ww_app_worker *w = ud;
  const char *v = status == 0 ? json_string_value(json_object_get(res, "version")) : NULL;
  char mine[16];
  ww_history_live(w->app, mine);
  if (v && strcmp(v, mine) != 0 && strcmp(v, w->history_refused) != 0)
    ww_store_rules_live(w->store, 1, on_live_record, w);   /* still busy */
  else
    idle(w);
  json_decref(res);
}

static void on_queued_committed(void *ud, int status, json_t *result) {
  json_t **slot = ud;
  ww_app_worker *w = (ww_app_worker *)slot[0];
  json_t *commit = slot[1];
  free(slot);
  json_decref(result);
  if (status != 0) {   /* back in front: the order of changes is kept */
    pthread_mutex_lock(&w->app->history_lock);
    json_array_insert(w->app->history_queue, 0, commit);
    pthread_mutex_unlock(&w->app->history_lock);
  }
  json_decref(commit);
  idle(w);
}

static void tick(uv_timer_t *t) {
  ww_app_worker *w = t->data;
  if (w->history_busy || w->store == NULL || !ww_store_ready(w->store)) return;
  w->history_busy = 1;
  if (!w->history_synced) {
    ww_store_rules_live(w->store, 1, on_start_live, w);
    return;
  }
  json_t *commit = queue_pop(w->app);
  if (commit) {
    json_t **slot = malloc(2 * sizeof *slot);
    if (slot == NULL) {
      queue_push(w->app, commit);
      idle(w);
      return;
    }
    slot[0] = (json_t *)w;
    slot[1] = commit;
    ww_store_rules_commit(w->store, json_object_get(commit, "record"),
                          json_object_get(commit, "audit"), on_queued_committed, slot);
    return;
  }
  uint64_t now = uv_now(w->loop);
  int redis = strcmp(ww_store_kind(w->store), "redis") == 0;
  if (w->history_check || (redis && now - w->history_looked >= LOOK_MS)) {
    w->history_check = 0;
    w->history_looked = now;
    ww_store_rules_live(w->store, 0, on_live_id, w);
    return;
  }
  idle(w);
}

/* Another instance published a live version (or the subscription was renewed). */
static void on_rules_changed(void *ud, const char *version) {
  ww_app_worker *w = ud;
  /* the channel also announces shadow runs (shadow.h); a renewed subscription (NULL) may
   * have missed either kind */
  int shadow = version && strcmp(version, WW_STORE_SHADOW_MESSAGE) == 0;
  if ((shadow || version == NULL) && w->app->on_rules_message) w->app->on_rules_message(w);
  if (shadow) return;
  /* the version itself is read from this db's ww:rules:live: the channel is not per db */
  w->history_check = 1;
  tick(&w->history_timer);
}

void ww_history_worker_init(ww_app_worker *w) {
  ww_app *app = w->app;
  if (w->index != 0) return;
  /* What this instance starts with: its files, as the check at start loaded them. */
  char v[16], why[300];
  json_t *files = ww_rulefiles_read(app->rules.dir, v, why, sizeof why);
  pthread_mutex_lock(&app->history_lock);
  if (app->live_version[0] == '\0') {
    snprintf(app->live_version, sizeof app->live_version, "%s", app->rules.version);
    if (files && strcmp(v, app->rules.version) == 0) app->live_files = json_incref(files);
  }
  pthread_mutex_unlock(&app->history_lock);
  json_decref(files);
  if (w->store == NULL) return;
  uv_timer_init(w->loop, &w->history_timer);
  w->history_timer.data = w;
  w->history_timer_on = 1;
  uv_timer_start(&w->history_timer, tick, 0, TICK_MS);
  uv_unref((uv_handle_t *)&w->history_timer);
  ww_store_on_rules_changed(w->store, on_rules_changed, w);
}

void ww_history_worker_fini(ww_app_worker *w) {
  if (w->store) ww_store_on_rules_changed(w->store, NULL, NULL);
  if (w->history_timer_on) uv_close((uv_handle_t *)&w->history_timer, NULL);
  w->history_timer_on = 0;
}
