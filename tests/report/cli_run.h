/* tests/report: running a `wegwijzer` command line and reading its output, for the tests
 * of report and replay (each test file has its own temporary directory). */
#ifndef WW_TEST_CLI_RUN_H
#define WW_TEST_CLI_RUN_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "wegwijzer_proc.h"


static char tmpdir[256];

static void make_tmpdir(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/ww-cli-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void) {
  if (tmpdir[0] == '\0' || getenv("WW_KEEP_LOGS")) return;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  cr_expect_eq(system(cmd), 0);
}

static const char *tmp(const char *name) {
  static char path[4][512];
  static int slot;
  char *p = path[slot++ % 4];
  snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
  return p;
}

typedef struct run {
  int status;   /* exit code, or -1 */
  char *out, *err;
} run;

static void run_free(run *r) {
  free(r->out);
  free(r->err);
}

/* Run `wegwijzer CMD ARGS...` (NULL-terminated) and collect stdout, stderr and the exit
 * code; WEGWIJZER_REDIS / WEGWIJZER_RULES are dropped in the child. */
static run ww_cli_run(const char *cmd, const char *const *args) {
  run r = {-1, NULL, NULL};
  char outp[512], errp[512];
  snprintf(outp, sizeof outp, "%s/stdout", tmpdir);
  snprintf(errp, sizeof errp, "%s/stderr", tmpdir);
  char *argv[40];
  int n = 0;
  argv[n++] = (char *)ww_test_binary();
  argv[n++] = (char *)cmd;
  for (int i = 0; args[i] && n < 39; i++) argv[n++] = (char *)args[i];
  argv[n] = NULL;
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o < 0 || e < 0) _exit(126);
    dup2(o, 1);
    dup2(e, 2);
    unsetenv("WEGWIJZER_REDIS");
    unsetenv("WEGWIJZER_RULES");
    execv(argv[0], argv);
    _exit(127);
  }
  double deadline = ww_now_ms() + 60000;
  int st = 0;
  pid_t got = 0;
  while ((got = waitpid(pid, &st, WNOHANG)) == 0 && ww_now_ms() < deadline) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (got == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    cr_assert_fail("wegwijzer %s did not finish within 60 s", cmd);
  }
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = ww_read_file(outp, NULL);
  r.err = ww_read_file(errp, NULL);
  cr_assert_not_null(r.out);
  cr_assert_not_null(r.err);
  return r;
}


/* Does 'text' have a line equal to 'want' once runs of blanks are one space? */
static int has_line(const char *text, const char *want) {
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    char norm[1024];
    size_t n = 0;
    int sp = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof norm; i++) {
      if (p[i] == ' ' || p[i] == '\t') {
        sp = n > 0;
        continue;
      }
      if (sp) norm[n++] = ' ';
      sp = 0;
      norm[n++] = p[i];
    }
    norm[n] = '\0';
    if (strcmp(norm, want) == 0) return 1;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

#define EXPECT_LINE(text, line) \
  cr_expect(has_line((text), (line)), "missing line \"%s\" in:\n%s", (line), (text))


#endif
