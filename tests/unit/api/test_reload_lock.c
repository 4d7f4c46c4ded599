/* A reload waits for the reload lock at most --load-timeout (engine/api/reload.c): a
 * reload that hangs must not block every later one (issue 19: after a rule file hung at
 * its top, every reload, by API and SIGHUP, hung too). Here another thread holds the lock
 * as a hung reload would; before the timeout a reload (ww_reload_run) waited for ever. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>

#include "api/app.h"

static ww_config cfg;
static ww_app app;
static sem_t held, release;

static void *holder(void *arg) {
  (void)arg;
  pthread_mutex_lock(&app.rules.lock);
  sem_post(&held);
  sem_wait(&release);
  pthread_mutex_unlock(&app.rules.lock);
  return NULL;
}

Test(reload_lock, a_held_lock_gives_reload_busy_then_reloads_work_again, .timeout = 60) {
  /* --load-timeout also bounds the rule tests of the reload that must succeed: 300 ms was
   * too little for the bundled rules' 230 cases under ASan on a busy machine. */
  char *argv[] = {"serve", "--rules", WW_RULES_DIR, "--workers", "1", "--load-timeout", "2000",
                  "--log-level", "error", NULL};
  cr_assert_eq(ww_config_parse(&cfg, 9, argv), 0);
  cr_assert_eq(ww_app_init(&app, &cfg), 0);
  sem_init(&held, 0, 0);
  sem_init(&release, 0, 0);
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, holder, NULL), 0);
  sem_wait(&held);

  json_t *info = NULL;
  ww_err err = {0};
  cr_assert_eq(ww_reload_run(&app.rules, &info, &err), -1);
  cr_assert_null(info);
  cr_assert_str_eq(err.code, "reload_busy");
  cr_assert(strstr(err.msg, "another rule reload is still running (waited 2000 ms, "
                            "--load-timeout); the active rule set stays"), "%s", err.msg);
  ww_err_clear(&err);

  sem_post(&release);
  pthread_join(t, NULL);
  cr_assert_eq(ww_reload_run(&app.rules, &info, &err), 0, "%s", err.msg);
  cr_assert_not_null(json_object_get(info, "version"));
  json_decref(info);
  ww_err_clear(&err);
  ww_app_close(&app);
  ww_config_free(&cfg);
}
