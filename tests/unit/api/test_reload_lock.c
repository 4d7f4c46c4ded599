/* A reload waits for the reload lock at most --load-timeout (engine/api/reload.c): a
 * reload that hangs must not block every later one (issue 19: after a rule file hung at
 * its top, every reload, by API and SIGHUP, hung too). Here another thread holds the lock
 * as a hung reload would; before the timeout ww_app_reload waited for ever. The limit is
 * 1 s: it is also the limit of the bundled rule tests in the second reload (300 ms was
 * too short for them under ASan on a busy machine). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>

#include "api/api.h"

static ww_config cfg;
static ww_app app;
static sem_t held, release;

static void *holder(void *arg) {
  (void)arg;
  pthread_mutex_lock(&app.reload_lock);
  sem_post(&held);
  sem_wait(&release);
  pthread_mutex_unlock(&app.reload_lock);
  return NULL;
}

Test(reload_lock, a_held_lock_gives_reload_busy_then_reloads_work_again, .timeout = 60) {
  char *argv[] = {"serve", "--rules", WW_RULES_DIR, "--workers", "1", "--load-timeout", "1000",
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
  cr_assert_eq(ww_app_reload(&app, &info, &err), -1);
  cr_assert_null(info);
  cr_assert_str_eq(err.code, "reload_busy");
  cr_assert(strstr(err.msg, "another rule reload is still running (waited 1000 ms, "
                            "--load-timeout); the active rule set stays"), "%s", err.msg);
  ww_err_clear(&err);

  sem_post(&release);
  pthread_join(t, NULL);
  cr_assert_eq(ww_app_reload(&app, &info, &err), 0, "%s", err.msg);
  cr_assert_not_null(json_object_get(info, "version"));
  json_decref(info);
  ww_err_clear(&err);
  ww_app_close(&app);
  ww_config_free(&cfg);
}
