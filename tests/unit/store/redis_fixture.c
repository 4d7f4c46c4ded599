#include "redis_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static void nap_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int pings(int port) {
  struct timeval tv = {0, 200000};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
  int ok = 0;
  if (c && !c->err) {
    redisReply *r = redisCommand(c, "PING");
    ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
    if (r) freeReplyObject(r);
  }
  if (c) redisFree(c);
  return ok;
}

static int spawn(ww_test_redis *r) {
  char port[16];
  snprintf(port, sizeof port, "%d", r->port);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
           "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
           (char *)NULL);
    _exit(127);
  }
  r->pid = pid;
  /* Poll until it answers, it died (port taken) or 5 s passed. */
  for (int i = 0; i < 500; i++) {
    if (pings(r->port)) return 0;
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      r->pid = 0;
      return -1;
    }
    nap_ms(10);
  }
  ww_test_redis_kill(r);
  return -1;
}

int ww_test_redis_start(ww_test_redis *r) {
  memset(r, 0, sizeof *r);
  for (int attempt = 0; attempt < 5; attempt++) {
    r->port = free_port();
    if (r->port <= 0) continue;
    if (spawn(r) == 0) {
      snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d", r->port);
      return 0;
    }
  }
  return -1;
}

int ww_test_redis_restart(ww_test_redis *r) {
  ww_test_redis_kill(r);
  for (int attempt = 0; attempt < 50; attempt++) {   /* the port may linger briefly */
    if (spawn(r) == 0) return 0;
    nap_ms(20);
  }
  return -1;
}

void ww_test_redis_kill(ww_test_redis *r) {
  if (r == NULL || r->pid <= 0) return;
  kill(r->pid, SIGKILL);
  while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {}
  r->pid = 0;
}

void ww_test_redis_pause(ww_test_redis *r) {
  if (r->pid > 0) kill(r->pid, SIGSTOP);
}

void ww_test_redis_resume(ww_test_redis *r) {
  if (r->pid > 0) kill(r->pid, SIGCONT);
}

long long ww_test_redis_int(ww_test_redis *r, const char *fmt, ...) {
  struct timeval tv = {1, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
  long long out = -1;
  if (c && !c->err) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (rep && rep->type == REDIS_REPLY_INTEGER) out = rep->integer;
    if (rep) freeReplyObject(rep);
  }
  if (c) redisFree(c);
  return out;
}

int ww_test_redis_str(ww_test_redis *r, char *out, size_t size, const char *fmt, ...) {
  struct timeval tv = {1, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
  int rc = -1;
  if (size) out[0] = '\0';
  if (c && !c->err) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (rep && (rep->type == REDIS_REPLY_STRING || rep->type == REDIS_REPLY_STATUS) &&
        rep->len < size) {
      memcpy(out, rep->str, rep->len);
      out[rep->len] = '\0';
      rc = (int)rep->len;
    }
    if (rep) freeReplyObject(rep);
  }
  if (c) redisFree(c);
  return rc;
}

long long ww_test_redis_stat_calls(ww_test_redis *r, const char *command) {
  char info[8192], key[64];
  if (ww_test_redis_str(r, info, sizeof info, "INFO commandstats") < 0) return -1;
  snprintf(key, sizeof key, "cmdstat_%s:calls=", command);
  const char *p = strstr(info, key);
  return p ? strtoll(p + strlen(key), NULL, 10) : 0;
}
