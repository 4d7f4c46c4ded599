/* The live rule set holder (reload.h): each worker's rule set and the zero-downtime
 * reload that replaces it (docs/operations.md, 5). Triggers: POST /v1/rules/reload
 * (admin, engine/api/api.c), SIGHUP and --watch. */
#include "api/reload.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "log/log.h"
#include "util/tztime.h"

static ww_ruleset *ruleset_new(const ww_reload *h, ww_rules *rules, const char *loaded_at,
                               int passed, int failed) {
  ww_ruleset *rs = calloc(1, sizeof *rs);
  if (rs == NULL) return NULL;
  /* a worker's own rule set, so its own cache: a reload starts with an empty one */
  if (ww_decision_cache(rules, h->decision_cache) != 0)
    ww_logf(WW_LOG_WARN, "not enough memory for a decision cache of %zu entries; it is off",
            h->decision_cache);
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
  json_object_set_new(info, "warnings", json_deep_copy(ww_rules_warnings(rs->rules)));
  return info;
}

int ww_reload_adopt(ww_reload *h, int worker, unsigned *generation, ww_ruleset **current) {
  unsigned gen = atomic_load_explicit(&h->generation, memory_order_acquire);
  if (gen == *generation) return 0;
  pthread_mutex_lock(&h->pending_lock);
  ww_ruleset *next = h->pending[worker];
  h->pending[worker] = NULL;
  gen = atomic_load_explicit(&h->generation, memory_order_acquire);
  pthread_mutex_unlock(&h->pending_lock);
  *generation = gen;
  if (next == NULL) return 0;
  ww_ruleset_release(*current);
  *current = next;
  ww_logf(WW_LOG_INFO, "worker %d: rule set %s active", worker, ww_rules_version(next->rules));
  return 1;
}

ww_ruleset *ww_reload_first(ww_reload *h, int worker, unsigned *generation) {
  ww_err err = {0};
  *generation = atomic_load(&h->generation);
  ww_rules *rules = ww_rules_load(h->dir, &h->limits, &err);
  if (rules == NULL) {
    ww_logf(WW_LOG_ERROR, "worker %d: rule set %s failed to load: %s", worker, h->dir,
            err.msg);
    ww_err_clear(&err);
    return NULL;
  }
  ww_ruleset *rs = ruleset_new(h, rules, h->loaded_at, h->tests_passed, h->tests_failed);
  if (rs == NULL) ww_rules_free(rules);
  return rs;
}

int ww_reload_check(ww_reload *h, ww_err *err) {
  ww_rules *rules = ww_rules_load(h->dir, &h->limits, err);
  if (rules == NULL) return -1;
  ww_err gate = {0};   /* at the start a failing gate is said, not refused (as failing tests) */
  if (ww_reload_gate(h, NULL, rules, NULL, &h->tests_passed, &h->tests_failed, &gate) != 0 &&
      h->tests_failed == 0)
    ww_log(WW_LOG_WARN, "rule set does not pass the gate of a reload",
           json_pack("{s:s, s:s, s:s*, s:i}", "rulesVersion", ww_rules_version(rules), "error",
                     gate.msg, "file", gate.file[0] ? gate.file : NULL, "line", gate.line));
  ww_err_clear(&gate);
  if (json_array_size(ww_rules_warnings(rules)) > 0)   /* loaded anyway: say what looks wrong */
    ww_log(WW_LOG_WARN, "rule set loaded with warnings",
           json_pack("{s:s, s:O}", "rulesVersion", ww_rules_version(rules), "warnings",
                     ww_rules_warnings(rules)));
  snprintf(h->version, sizeof h->version, "%s", ww_rules_version(rules));
  ww_time_format((int64_t)time(NULL), h->loaded_at);
  if (h->tests_failed > 0)
    ww_logf(WW_LOG_WARN, "rule set %s: %d of its tests fail (wegwijzer test %s)", h->dir,
            h->tests_failed, h->dir);
  ww_rules_free(rules);
  return 0;
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

/* The line of 'needle' in 'dir'/'rel' (1-based), or 0. */
static int find_line(const char *dir, const char *rel, const char *needle) {
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *fp = fopen(path, "r");
  if (fp == NULL) return 0;
  char buf[1024];
  int line = 0, found = 0;
  while (!found && fgets(buf, sizeof buf, fp)) {
    line++;
    found = strstr(buf, needle) != NULL;
    /* a longer line continues: do not count its rest as lines */
    while (strchr(buf, '\n') == NULL && !feof(fp) && fgets(buf, sizeof buf, fp)) {
    }
  }
  fclose(fp);
  return found ? line : 0;
}

/* Where a failing test case is written: `case "NAME"` in tests/ *.lua, or for the
 * duty-of-care check ("zorgplicht SERVICE") the `service "SERVICE"` in services.lua. */
static void locate_case(const char *dir, const char *name, ww_err *err) {
  char needle[160];
  if (strncmp(name, "zorgplicht ", 11) == 0) {
    snprintf(needle, sizeof needle, "service \"%.130s\"", name + 11);
    int line = find_line(dir, "services.lua", needle);
    if (line > 0) {
      snprintf(err->file, sizeof err->file, "services.lua");
      err->line = line;
    }
    return;
  }
  snprintf(needle, sizeof needle, "case \"%.130s\"", name);
  char tests[1100];
  snprintf(tests, sizeof tests, "%s/tests", dir);
  DIR *d = opendir(tests);
  if (d == NULL) return;
  /* readdir order is arbitrary; take the first file name in sort order that has it */
  char best[300] = "";
  int best_line = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (n < 5 || strcmp(de->d_name + n - 4, ".lua") != 0 || n + 7 > sizeof best) continue;   /* "tests/" + name + NUL */
    char rel[300];
    snprintf(rel, sizeof rel, "tests/%s", de->d_name);
    int line = find_line(dir, rel, needle);
    if (line > 0 && (!best[0] || strcmp(rel, best) < 0)) {
      snprintf(best, sizeof best, "%s", rel);
      best_line = line;
    }
  }
  closedir(d);
  size_t blen = strlen(best);
  if (best_line > 0 && blen < sizeof err->file) {
    memcpy(err->file, best, blen + 1);
    err->line = best_line;
  }
}

void ww_reload_set_gate(ww_reload *h, int min_coverage, int exhaustive, unsigned budget_ms) {
  h->min_coverage = min_coverage;
  h->exhaustive = exhaustive;
  h->exhaustive_budget_ms = budget_ms;
}

/* The duty-of-care proof as part of the gate: 0, or -1 with 'err' naming the service. */
static int gate_exhaustive(ww_reload *h, const char *dir, ww_rules *rules, const json_t *texts,
                           ww_err *err) {
  json_t *own = texts ? NULL : ww_decision_rule_texts(rules, dir);
  ww_exhaustive_opts o = {0};
  o.budget_ms = h->exhaustive_budget_ms;
  o.max_examples = 1;
  ww_exhaustive_result res;
  int rc = ww_decision_exhaustive(rules, texts ? texts : own, &o, &res);
  json_decref(own);
  if (rc == 0 && !res.complete)
    ww_logf(WW_LOG_WARN, "--exhaustive: the duty-of-care proof checked %llu of %llu situations "
            "within %u ms (--exhaustive-budget); none of those breaks it", res.situations,
            res.total, h->exhaustive_budget_ms);
  if (rc == 0 && res.violations > 0) {
    const json_t *e = json_array_get(res.examples, 0);
    const json_t *req = json_object_get(e, "request");
    const char *svc = json_string_value(json_object_get(req, "service"));
    char example[330];   /* the message fits err->msg */
    ww_exhaustive_describe(e, example, sizeof example);
    snprintf(err->code, sizeof err->code, "ruleset_invalid");
    snprintf(err->msg, sizeof err->msg,
             "de zorgplicht is niet bewezen: %llu situaties houden alleen digitale kanalen; "
             "bijvoorbeeld: %s (wegwijzer check --exhaustive toont ze). The old rule set stays "
             "active.", res.violations, example);
    char needle[200];
    snprintf(needle, sizeof needle, "service \"%.150s\"", svc);
    int line = find_line(dir, "services.lua", needle);
    if (line > 0) {
      snprintf(err->file, sizeof err->file, "services.lua");
      err->line = line;
    }
    rc = -1;
  }
  ww_exhaustive_result_clear(&res);
  return rc;
}

int ww_reload_gate(ww_reload *h, const char *dir, ww_rules *rules, const json_t *texts,
                   int *passed, int *failed, ww_err *err) {
  if (dir == NULL) dir = h->dir;
  first_failure fail = {{0}, {0}};
  json_t *cov = NULL;
  *passed = *failed = 0;
  if (h->min_coverage >= 0) {
    if (ww_decision_test_coverage(rules, on_case, &fail, passed, failed, &cov) == WW_ENOMEM) {
      snprintf(err->code, sizeof err->code, "ruleset_invalid");
      snprintf(err->msg, sizeof err->msg, "not enough memory to measure the coverage");
      return -1;
    }
  } else {
    ww_decision_test(rules, on_case, &fail, passed, failed);
  }
  if (*failed > 0) {
    json_decref(cov);
    snprintf(err->code, sizeof err->code, "ruleset_invalid");
    snprintf(err->msg, sizeof err->msg,
             "%d of %d rule tests fail; the first: \"%s\": %s. The old rule set stays active.",
             *failed, *passed + *failed, fail.name, fail.why);
    locate(fail.why, err);
    if (!err->file[0]) locate_case(dir, fail.name, err);
    return -1;
  }
  char why[600];
  if (cov && ww_decision_coverage_below(cov, h->min_coverage, why, sizeof why)) {
    snprintf(err->code, sizeof err->code, "ruleset_invalid");
    snprintf(err->msg, sizeof err->msg, "%.440s. The old rule set stays active.", why);
    const json_t *u = json_array_get(json_object_get(cov, "uncovered"), 0);
    if (u) {
      snprintf(err->file, sizeof err->file, "%s", json_string_value(json_object_get(u, "file")));
      err->line = (int)json_integer_value(json_object_get(u, "line"));
    }
    json_decref(cov);
    return -1;
  }
  json_decref(cov);
  if (h->exhaustive && gate_exhaustive(h, dir, rules, texts, err) != 0) return -1;
  return 0;
}

/* The reload lock, waited for at most --load-timeout: a reload that hangs (it should not:
 * loads and rule tests have time limits) must not block every later one. */
static int lock_reload(ww_reload *h, ww_err *err) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  long ms = (long)h->load_timeout_ms;
  until.tv_sec += ms / 1000;
  until.tv_nsec += (ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  int rc = pthread_mutex_timedlock(&h->lock, &until);
  if (rc == 0) return 0;
  snprintf(err->code, sizeof err->code, "reload_busy");
  snprintf(err->msg, sizeof err->msg, "another rule reload is still running (waited %ld ms, "
           "--load-timeout); the active rule set stays; try again later", ms);
  return -1;
}

void ww_reload_case_place(const char *dir, const char *name, const char *why, ww_err *err) {
  locate(why, err);
  if (!err->file[0]) locate_case(dir, name, err);
}

int ww_reload_run(ww_reload *h, json_t **info, ww_err *err) {
  return ww_reload_run_from(h, NULL, NULL, info, err);
}

int ww_reload_run_from(ww_reload *h, const char *dir, ww_reload_why *why, json_t **info,
                       ww_err *err) {
  if (dir == NULL) dir = h->dir;
  int workers = h->workers;
  int rc = -1;
  *info = NULL;
  if (lock_reload(h, err) != 0) return -1;
  ww_rules **copies = calloc((size_t)workers, sizeof *copies);
  ww_ruleset **sets = calloc((size_t)workers, sizeof *sets);
  if (copies == NULL || sets == NULL) goto out;

  copies[0] = ww_rules_load(dir, &h->limits, err);
  if (copies[0] == NULL) goto out;
  int passed = 0, failed = 0;
  if (ww_reload_gate(h, dir, copies[0], NULL, &passed, &failed, err) != 0) goto out;
  /* Each worker has its own Lua state: one copy each, all from the same files. */
  for (int i = 1; i < workers; i++) {
    copies[i] = ww_rules_load(dir, &h->limits, err);
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
    sets[i] = ruleset_new(h, copies[i], now, passed, failed);
    if (sets[i] == NULL) goto out;
    copies[i] = NULL;
  }
  *info = ww_ruleset_info(sets[0]);   /* before workers may touch sets[0] */

  pthread_mutex_lock(&h->pending_lock);
  for (int i = 0; i < workers; i++) {
    ww_ruleset_release(h->pending[i]);   /* never adopted: an idle worker */
    h->pending[i] = sets[i];
    sets[i] = NULL;
  }
  snprintf(h->version, sizeof h->version, "%s",
           json_string_value(json_object_get(*info, "version")));
  snprintf(h->loaded_at, sizeof h->loaded_at, "%s", now);
  h->tests_passed = passed;
  h->tests_failed = failed;
  atomic_fetch_add_explicit(&h->generation, 1, memory_order_release);
  pthread_mutex_unlock(&h->pending_lock);
  ww_log(WW_LOG_INFO, "rule set reloaded",
         json_pack("{s:s, s:i, s:O}", "rulesVersion", h->version, "testsPassed", passed,
                   "warnings", json_object_get(*info, "warnings")));
  if (h->hook) {
    ww_reload_why files = {"reload", "files", "reload", NULL, NULL, 0, NULL};
    h->hook(h->hook_ud, why ? why : &files, dir, *info);
    json_decref(files.commit);   /* nobody asked for it */
  }
  rc = 0;
out:
  if (copies)
    for (int i = 0; i < workers; i++) ww_rules_free(copies[i]);
  if (sets)
    for (int i = 0; i < workers; i++) ww_ruleset_release(sets[i]);
  free(copies);
  free(sets);
  pthread_mutex_unlock(&h->lock);
  if (rc != 0 && !err->code[0]) snprintf(err->code, sizeof err->code, "ruleset_invalid");
  return rc;
}

/* ---- SIGHUP: reload on a thread of its own ---- */

static void *sighup_thread(void *hv) {
  ww_reload *h = hv;
  json_t *info = NULL;
  ww_err err = {0};
  ww_reload_why why = {"reload", "files", "signal", NULL, NULL, 0, NULL};
  if (ww_reload_run_from(h, NULL, &why, &info, &err) != 0)
    ww_logf(WW_LOG_WARN, "SIGHUP: rule reload refused, the old rule set stays: %s", err.msg);
  json_decref(info);
  ww_err_clear(&err);
  atomic_fetch_sub(&h->running, 1);   /* last: ww_reload_close waits for it */
  return NULL;
}

void ww_reload_in_background(ww_reload *h) {
  pthread_t t;
  atomic_fetch_add(&h->running, 1);
  if (pthread_create(&t, NULL, sighup_thread, h) == 0) {
    pthread_detach(t);
  } else {
    atomic_fetch_sub(&h->running, 1);
    ww_log(WW_LOG_ERROR, "SIGHUP: cannot start the reload", NULL);
  }
}

/* ---- --watch: inotify (uv_fs_event) on the rules dir and its steering/ and tests/, on a
 * thread with its own loop, so a reload blocks no worker. Editors write a file in several
 * steps (truncate, write, rename): events restart a 300 ms timer and only its expiry
 * reloads. inotify is not recursive, hence one watch per folder; the folder watches are
 * renewed after each burst, in case a folder was replaced (git checkout). */

#define WATCH_DEBOUNCE_MS 300
static const char *const watch_subdirs[] = {"", "steering", "tests"};
#define NWATCH (sizeof watch_subdirs / sizeof watch_subdirs[0])

struct ww_watcher {
  ww_reload *h;         /* borrowed */
  uv_loop_t loop;
  uv_async_t stop;
  uv_timer_t debounce;
  uv_fs_event_t ev[NWATCH];
  int ev_started[NWATCH];
  pthread_t thread;
  int thread_started;
};

static void on_fs_event(uv_fs_event_t *h, const char *name, int events, int status);

/* (Re)start the watch on each folder that exists; a missing one is skipped quietly. */
static void watch_arm(struct ww_watcher *wt) {
  for (size_t i = 0; i < NWATCH; i++) {
    char path[1100];
    snprintf(path, sizeof path, "%s%s%s", wt->h->dir,
             watch_subdirs[i][0] ? "/" : "", watch_subdirs[i]);
    if (wt->ev_started[i]) uv_fs_event_stop(&wt->ev[i]);
    wt->ev_started[i] = uv_fs_event_start(&wt->ev[i], on_fs_event, path, 0) == 0;
    if (!wt->ev_started[i] && i == 0)
      ww_logf(WW_LOG_WARN, "--watch: cannot watch %s", path);
  }
}

static void on_debounced(uv_timer_t *t) {
  struct ww_watcher *wt = t->data;
  watch_arm(wt);
  json_t *info = NULL;
  ww_err err = {0};
  ww_reload_why why = {"reload", "files", "watch", NULL, NULL, 0, NULL};
  if (ww_reload_run_from(wt->h, NULL, &why, &info, &err) != 0) {
    ww_log(WW_LOG_WARN, "--watch: rule reload refused, the old rule set stays",
           json_pack("{s:s, s:s*, s:i}", "error", err.msg, "file",
                     err.file[0] ? err.file : NULL, "line", err.line));
  }
  json_decref(info);
  ww_err_clear(&err);
}

static void on_fs_event(uv_fs_event_t *h, const char *name, int events, int status) {
  (void)events;
  struct ww_watcher *wt = h->data;
  if (status != 0) return;
  /* Editor droppings (.x.lua.swp, x.lua~, 4913) change nothing the loader reads, but a
   * reload of unchanged files is harmless; skip only the obvious ones. */
  if (name && name[0] && (name[0] == '.' || name[strlen(name) - 1] == '~')) return;
  uv_timer_start(&wt->debounce, on_debounced, WATCH_DEBOUNCE_MS, 0);
}

static void on_stop(uv_async_t *a) {
  struct ww_watcher *wt = a->data;
  for (size_t i = 0; i < NWATCH; i++) uv_close((uv_handle_t *)&wt->ev[i], NULL);
  uv_close((uv_handle_t *)&wt->debounce, NULL);
  uv_close((uv_handle_t *)&wt->stop, NULL);
}

static void *watch_thread(void *wtv) {
  struct ww_watcher *wt = wtv;
  uv_run(&wt->loop, UV_RUN_DEFAULT);   /* until on_stop closed every handle */
  return NULL;
}

static int watch_start(ww_reload *h) {
  struct ww_watcher *wt = calloc(1, sizeof *wt);
  if (wt == NULL) return -1;
  wt->h = h;
  if (uv_loop_init(&wt->loop) != 0) {
    free(wt);
    return -1;
  }
  h->watcher = wt;
  /* From here on watch_stop undoes it, whatever failed. */
  uv_async_init(&wt->loop, &wt->stop, on_stop);
  wt->stop.data = wt;
  uv_timer_init(&wt->loop, &wt->debounce);
  wt->debounce.data = wt;
  for (size_t i = 0; i < NWATCH; i++) {
    uv_fs_event_init(&wt->loop, &wt->ev[i]);
    wt->ev[i].data = wt;
  }
  watch_arm(wt);
  if (!wt->ev_started[0]) return -1;
  if (pthread_create(&wt->thread, NULL, watch_thread, wt) != 0) {
    ww_log(WW_LOG_ERROR, "--watch: cannot start the watcher thread", NULL);
    return -1;
  }
  wt->thread_started = 1;
  ww_logf(WW_LOG_INFO, "--watch: reloading %s when its files change", h->dir);
  return 0;
}

static void watch_stop(ww_reload *h) {
  struct ww_watcher *wt = h->watcher;
  if (wt == NULL) return;
  if (wt->thread_started) {
    uv_async_send(&wt->stop);
    pthread_join(wt->thread, NULL);
  } else {
    on_stop(&wt->stop);                  /* never ran: close here */
    uv_run(&wt->loop, UV_RUN_DEFAULT);
  }
  uv_loop_close(&wt->loop);
  free(wt);
  h->watcher = NULL;
}

int ww_reload_init(ww_reload *h, const char *dir, int workers, const ww_limits *limits,
                   int watch) {
  memset(h, 0, sizeof *h);
  h->dir = dir;
  h->workers = workers;
  h->limits = *limits;
  h->load_timeout_ms = limits->load_timeout_ms;
  pthread_mutex_init(&h->lock, NULL);
  pthread_mutex_init(&h->pending_lock, NULL);
  h->pending = calloc((size_t)workers, sizeof *h->pending);
  if (h->pending == NULL) return -1;
  return watch ? watch_start(h) : 0;
}

/* A SIGHUP reload thread uses the holder: wait for it (a reload takes well under this). */
static void wait_reloads(ww_reload *h) {
  for (int i = 0; i < 3000 && atomic_load(&h->running) > 0; i++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

void ww_reload_close(ww_reload *h) {
  if (h->dir == NULL) return;   /* closed already, or never set up */
  watch_stop(h);
  wait_reloads(h);
  if (h->pending) {
    for (int i = 0; i < h->workers; i++) ww_ruleset_release(h->pending[i]);
    free(h->pending);
    h->pending = NULL;
  }
  pthread_mutex_destroy(&h->lock);
  pthread_mutex_destroy(&h->pending_lock);
  h->dir = NULL;
}
