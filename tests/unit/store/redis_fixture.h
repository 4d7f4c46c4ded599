/* A private redis-server for one test: a free port, no persistence, killed with the test
 * process (PR_SET_PDEATHSIG). Also pause/resume (SIGSTOP/SIGCONT), kill and restart on
 * the same port for the fault tests. */
#ifndef WW_TEST_REDIS_FIXTURE_H
#define WW_TEST_REDIS_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct ww_test_redis {
  pid_t pid;
  int port;
  char url[64];      /* redis://127.0.0.1:PORT */
} ww_test_redis;

/* Start on a free port and wait until it answers PING (5 s). 0 or -1. */
int ww_test_redis_start(ww_test_redis *r);
/* Start again on r->port (after kill). 0 or -1. */
int ww_test_redis_restart(ww_test_redis *r);
/* SIGKILL and reap (NULL-safe, idempotent). */
void ww_test_redis_kill(ww_test_redis *r);
void ww_test_redis_pause(ww_test_redis *r);
void ww_test_redis_resume(ww_test_redis *r);

/* Run one command synchronously on a fresh connection (for checks from the test side);
 * the reply as an integer, or -1 on error. 'fmt' as for redisCommand. */
long long ww_test_redis_int(ww_test_redis *r, const char *fmt, ...);
/* The same for a string (or status) reply: copied into 'out' (NUL-terminated); its length,
 * or -1 on error, another type or when it does not fit in 'size'. */
int ww_test_redis_str(ww_test_redis *r, char *out, size_t size, const char *fmt, ...);
/* 'calls' of INFO commandstats for 'command' (lower case: "get", "evalsha"), counting
 * commands that scripts run too; 0 when never called, -1 on error. */
long long ww_test_redis_stat_calls(ww_test_redis *r, const char *command);

#endif
