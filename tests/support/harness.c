/* Integration test harness (see harness.h). */
#include "harness.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <http_parser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

double ww_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void nap_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------ ports */

int ww_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static int connect_to(const char *host, int port) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  char ps[16];
  snprintf(ps, sizeof ps, "%d", port);
  if (getaddrinfo(host, ps, &hints, &res) != 0 || !res) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  return fd;
}

int ww_wait_port(int port, int timeout_ms) {
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    int fd = connect_to("127.0.0.1", port);
    if (fd >= 0) {
      close(fd);
      return 1;
    }
    if (ww_now_ms() > end) return 0;
    nap_ms(10);   /* polling a condition with a deadline */
  }
}

/* ------------------------------------------------------------------ processes */

static int decode_status(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

int ww_proc_alive(ww_proc *p, int *status) {
  if (!p || p->pid <= 0) return 0;
  int st;
  pid_t r = waitpid(p->pid, &st, WNOHANG);
  if (r == 0) return 1;
  if (r == p->pid && status) *status = decode_status(st);
  p->pid = 0;
  return 0;
}

static int make_dir(ww_proc *p) {
  memset(p, 0, sizeof *p);
  const char *tmp = getenv("TMPDIR");
  snprintf(p->dir, sizeof p->dir, "%s/ww-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(p->dir)) {
    fprintf(stderr, "harness: mkdtemp %s: %s\n", p->dir, strerror(errno));
    p->dir[0] = '\0';
    return -1;
  }
  snprintf(p->log, sizeof p->log, "%s/out.log", p->dir);
  return 0;
}

static int spawn(ww_proc *p, char *const argv[], char *const env[], int port,
                 int timeout_ms) {
  int logfd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (logfd < 0) {
    fprintf(stderr, "harness: %s: %s\n", p->log, strerror(errno));
    return -1;
  }
  fflush(NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "harness: fork: %s\n", strerror(errno));
    close(logfd);
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(logfd, 1);
    dup2(logfd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    signal(SIGPIPE, SIG_DFL);
    for (size_t i = 0; env && env[i]; i++) putenv(env[i]);
    if (strchr(argv[0], '/'))
      execv(argv[0], argv);
    else
      execvp(argv[0], argv);
    fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(logfd);
  setpgid(pid, pid);
  p->pid = pid;
  p->port = port;
  if (port <= 0) return 0;
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    int st = 0;
    if (!ww_proc_alive(p, &st)) {
      fprintf(stderr, "harness: %s exited (%d) before listening on %d; log:\n", argv[0], st,
              port);
      ww_proc_dump_log(p);
      return -1;
    }
    int fd = connect_to("127.0.0.1", port);
    if (fd >= 0) {
      close(fd);
      return 0;
    }
    if (ww_now_ms() > end) break;
    nap_ms(10);
  }
  fprintf(stderr, "harness: %s not listening on %d after %d ms; log:\n", argv[0], port,
          timeout_ms);
  ww_proc_dump_log(p);
  ww_proc_stop(p, SIGKILL, 2000);
  return -1;
}

int ww_proc_start(ww_proc *p, char *const argv[], char *const env[], int port,
                  int timeout_ms) {
  if (make_dir(p) != 0) return -1;
  return spawn(p, argv, env, port, timeout_ms);
}

int ww_proc_stop(ww_proc *p, int sig, int timeout_ms) {
  if (!p || p->pid <= 0) return -1;
  if (sig) kill(p->pid, sig);
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    int st;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == p->pid) {
      p->pid = 0;
      return decode_status(st);
    }
    if (r < 0) {
      p->pid = 0;
      return -1;
    }
    if (ww_now_ms() > end) break;
    nap_ms(5);
  }
  fprintf(stderr, "harness: pid %d did not exit within %d ms; killing\n", (int)p->pid,
          timeout_ms);
  kill(-p->pid, SIGKILL);
  kill(p->pid, SIGKILL);
  waitpid(p->pid, NULL, 0);
  p->pid = 0;
  return -1;
}

char *ww_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  while (b) {
    size_t got = fread(b + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
    if (cap - n - 1 == 0) {
      char *nb = realloc(b, cap * 2);
      if (!nb) {
        free(b);
        b = NULL;
        break;
      }
      b = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!b) return NULL;
  b[n] = '\0';
  if (len) *len = n;
  return b;
}

int ww_proc_wait_log(ww_proc *p, const char *needle, int timeout_ms) {
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    char *s = ww_read_file(p->log, NULL);
    int found = s && strstr(s, needle);
    free(s);
    if (found) return 1;
    if (ww_now_ms() > end) return 0;
    nap_ms(10);
  }
}

void ww_proc_dump_log(const ww_proc *p) {
  char *s = ww_read_file(p->log, NULL);
  fprintf(stderr, "----- %s -----\n%s\n-----\n", p->log, s ? s : "(no log)");
  free(s);
}

/* The dir holds only plain files we or redis put there. */
static void rm_tree(const char *dir) {
  if (!strstr(dir, "ww-test-")) return;
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char path[600];
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  if (rmdir(dir) != 0) fprintf(stderr, "harness: could not remove %s: %s\n", dir, strerror(errno));
}

void ww_proc_cleanup(ww_proc *p) {
  if (!p) return;
  if (p->pid > 0) ww_proc_stop(p, SIGKILL, 2000);
  if (p->dir[0] && !getenv("WW_KEEP_LOGS")) rm_tree(p->dir);
  p->dir[0] = '\0';
}

int ww_redis_start(ww_proc *p, int timeout_ms) {
  int port = ww_free_port();
  if (port <= 0) return -1;
  char ps[16];
  snprintf(ps, sizeof ps, "%d", port);
  if (make_dir(p) != 0) return -1;
  char *argv[] = {"redis-server", "--port", ps, "--bind", "127.0.0.1", "--save", "",
                  "--appendonly", "no", "--dir", p->dir, "--daemonize", "no", NULL};
  return spawn(p, argv, NULL, port, timeout_ms);
}

/* ------------------------------------------------------------------ HTTP client */

struct ww_client {
  int fd;
  char *buf;
  size_t len, cap;
  int eof;
};

void ww_http_resp_free(ww_http_resp *r) {
  if (!r) return;
  for (int i = 0; i < r->nheaders; i++) {
    free(r->name[i]);
    free(r->value[i]);
  }
  free(r->body);
  memset(r, 0, sizeof *r);
}

const char *ww_http_header(const ww_http_resp *r, const char *name) {
  for (int i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->name[i], name) == 0) return r->value[i];
  return NULL;
}

json_t *ww_http_json(const ww_http_resp *r) {
  if (!r->body) return NULL;
  return json_loadb(r->body, r->body_len, 0, NULL);
}

ww_client *ww_client_connect_host(const char *host, int port) {
  int fd = connect_to(host, port);
  if (fd < 0) return NULL;
  ww_client *c = calloc(1, sizeof *c);
  if (!c) {
    close(fd);
    return NULL;
  }
  c->fd = fd;
  return c;
}

ww_client *ww_client_connect(int port) { return ww_client_connect_host("127.0.0.1", port); }

void ww_client_close(ww_client *c) {
  if (!c) return;
  close(c->fd);
  free(c->buf);
  free(c);
}

int ww_client_fd(const ww_client *c) { return c->fd; }

int ww_client_send(ww_client *c, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int ww_client_sends(ww_client *c, const char *s) { return ww_client_send(c, s, strlen(s)); }

/* Read more into c->buf; 1 got bytes, 0 EOF, -1 timeout/error. */
static int fill(ww_client *c, double end) {
  if (c->eof) return 0;
  double left = end - ww_now_ms();
  if (left <= 0) return -1;
  struct pollfd pf = {.fd = c->fd, .events = POLLIN};
  int pr = poll(&pf, 1, (int)left + 1);
  if (pr <= 0) return -1;
  if (c->cap - c->len < 4096) {
    size_t cap = c->cap ? c->cap * 2 : 16384;
    char *n = realloc(c->buf, cap);
    if (!n) return -1;
    c->buf = n;
    c->cap = cap;
  }
  ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
  if (n == 0 || (n < 0 && errno == ECONNRESET)) {
    c->eof = 1;
    return 0;
  }
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : -1;
  c->len += (size_t)n;
  return 1;
}

typedef struct rstate {
  ww_http_resp *r;
  int head;
  int done;
  int last;              /* 1 field, 2 value */
  size_t body_cap;
  int oom;
} rstate;

static char *append_str(char *s, const char *at, size_t len) {
  size_t old = s ? strlen(s) : 0;
  char *n = realloc(s, old + len + 1);
  if (!n) return s;
  memcpy(n + old, at, len);
  n[old + len] = '\0';
  return n;
}

static int r_field(http_parser *p, const char *at, size_t len) {
  rstate *st = p->data;
  ww_http_resp *r = st->r;
  if (st->last != 1) {
    if (r->nheaders == WW_HTTP_MAX_HEADERS) return 1;
    r->nheaders++;
    r->name[r->nheaders - 1] = NULL;
    r->value[r->nheaders - 1] = calloc(1, 1);
  }
  st->last = 1;
  r->name[r->nheaders - 1] = append_str(r->name[r->nheaders - 1], at, len);
  return 0;
}

static int r_value(http_parser *p, const char *at, size_t len) {
  rstate *st = p->data;
  ww_http_resp *r = st->r;
  st->last = 2;
  if (r->nheaders == 0) return 1;
  r->value[r->nheaders - 1] = append_str(r->value[r->nheaders - 1], at, len);
  return 0;
}

static int r_headers_complete(http_parser *p) {
  rstate *st = p->data;
  st->r->status = (int)p->status_code;
  st->r->http_major = p->http_major;
  st->r->http_minor = p->http_minor;
  for (int i = 0; i < st->r->nheaders; i++)
    if (!st->r->name[i]) st->r->name[i] = calloc(1, 1);
  return st->head ? 1 : 0;   /* 1: no body follows (HEAD) */
}

static int r_body(http_parser *p, const char *at, size_t len) {
  rstate *st = p->data;
  ww_http_resp *r = st->r;
  if (r->body_len + len + 1 > st->body_cap) {
    size_t cap = st->body_cap ? st->body_cap * 2 : 1024;
    while (cap < r->body_len + len + 1) cap *= 2;
    char *n = realloc(r->body, cap);
    if (!n) return 1;
    r->body = n;
    st->body_cap = cap;
  }
  memcpy(r->body + r->body_len, at, len);
  r->body_len += len;
  r->body[r->body_len] = '\0';
  return 0;
}

static int r_complete(http_parser *p) {
  rstate *st = p->data;
  st->r->keep_alive = http_should_keep_alive(p);
  st->done = 1;
  http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings rsettings = {
  .on_header_field = r_field,
  .on_header_value = r_value,
  .on_headers_complete = r_headers_complete,
  .on_body = r_body,
  .on_message_complete = r_complete,
};

int ww_client_read(ww_client *c, ww_http_resp *r, int head, int timeout_ms) {
  memset(r, 0, sizeof *r);
  http_parser p;
  http_parser_init(&p, HTTP_RESPONSE);
  rstate st = {.r = r, .head = head};
  p.data = &st;
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    if (c->len > 0) {
      size_t n = http_parser_execute(&p, &rsettings, c->buf, c->len);
      memmove(c->buf, c->buf + n, c->len - n);
      c->len -= n;
      if (st.done) {
        /* a 100 Continue is not the response: read on */
        if (r->status >= 100 && r->status < 200 && r->status != 101) {
          ww_http_resp_free(r);
          http_parser_init(&p, HTTP_RESPONSE);
          st = (rstate){.r = r, .head = head};
          p.data = &st;
          continue;
        }
        if (!r->body) r->body = calloc(1, 1);
        return 0;
      }
      if (HTTP_PARSER_ERRNO(&p) != HPE_OK) {
        fprintf(stderr, "harness: bad response: %s\n",
                http_errno_description(HTTP_PARSER_ERRNO(&p)));
        ww_http_resp_free(r);
        return -1;
      }
    }
    int f = fill(c, end);
    if (f == 0) {   /* EOF: ends a body without length */
      http_parser_execute(&p, &rsettings, NULL, 0);
      if (st.done) {
        if (!r->body) r->body = calloc(1, 1);
        return 0;
      }
      ww_http_resp_free(r);
      return -1;
    }
    if (f < 0) {
      ww_http_resp_free(r);
      return -1;
    }
  }
}

int ww_http_parse(const char *data, size_t len, int head, ww_http_resp *r, size_t *used) {
  memset(r, 0, sizeof *r);
  size_t off = 0;
  for (;;) {
    http_parser p;
    http_parser_init(&p, HTTP_RESPONSE);
    rstate st = {.r = r, .head = head};
    p.data = &st;
    size_t n = http_parser_execute(&p, &rsettings, data + off, len - off);
    off += n;
    if (st.done) {
      if (r->status >= 100 && r->status < 200 && r->status != 101) {
        ww_http_resp_free(r);
        continue;
      }
      if (!r->body) r->body = calloc(1, 1);
      if (used) *used = off;
      return 0;
    }
    int bad = HTTP_PARSER_ERRNO(&p) != HPE_OK;
    ww_http_resp_free(r);
    return bad ? -1 : 1;
  }
}

int ww_client_wait_closed(ww_client *c, int timeout_ms) {
  double end = ww_now_ms() + timeout_ms;
  for (;;) {
    c->len = 0;
    int f = fill(c, end);
    if (f == 0) return 1;
    if (f < 0) return 0;
  }
}

/* ------------------------------------------------------------------ traffic record */

/* 's' as a JSON string, or as {"hex": "..."} when it is not UTF-8 (a hostile-input test
 * may send any bytes). New. */
static json_t *text(const char *s, size_t len) {
  json_t *v = json_stringn(s, len);
  if (v) return v;
  char *hex = malloc(len * 2 + 1);
  if (!hex) abort();
  for (size_t i = 0; i < len; i++) snprintf(hex + 2 * i, 3, "%02x", (unsigned char)s[i]);
  v = json_pack("{s:s%}", "hex", hex, len * 2);
  free(hex);
  return v;
}

/* Append one exchange to $WW_OPENAPI_TRAFFIC/<pid>.jsonl: one write() per line, so test
 * threads and the processes of one test binary never interleave a record. A record that
 * cannot be written aborts: a check that silently misses traffic would pass for nothing. */
static void record_exchange(const char *method, const char *path, const char *headers,
                            const char *body, const ww_http_resp *r) {
  const char *dir = getenv("WW_OPENAPI_TRAFFIC");
  if (!dir || !*dir) return;
  json_t *o = json_object();
  const struct criterion_test *t = criterion_current_test;
  if (t && t->name)
    json_object_set_new(o, "test", json_sprintf("%s/%s", t->category ? t->category : "",
                                                t->name));
  json_object_set_new(o, "method", json_string(method));
  json_object_set_new(o, "target", text(path, strlen(path)));
  json_object_set_new(o, "requestHeaders", text(headers ? headers : "",
                                                headers ? strlen(headers) : 0));
  if (body) json_object_set_new(o, "requestBody", text(body, strlen(body)));
  json_object_set_new(o, "status", json_integer(r->status));
  json_t *h = json_array();
  for (int i = 0; i < r->nheaders; i++)
    json_array_append_new(h, json_pack("[o o]", text(r->name[i], strlen(r->name[i])),
                                       text(r->value[i], strlen(r->value[i]))));
  json_object_set_new(o, "responseHeaders", h);
  json_object_set_new(o, "responseBody", text(r->body ? r->body : "", r->body_len));
  char *line = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  char file[600];
  snprintf(file, sizeof file, "%s/%d.jsonl", dir, (int)getpid());
  int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  size_t len = line ? strlen(line) : 0;
  if (line) line[len] = '\n';   /* the NUL becomes the line's end: len + 1 bytes go out */
  if (!line || fd < 0 || write(fd, line, len + 1) != (ssize_t)(len + 1)) {
    fprintf(stderr, "harness: cannot record the exchange in %s: %s\n", file, strerror(errno));
    abort();
  }
  close(fd);
  free(line);
}

int ww_client_request(ww_client *c, const char *method, const char *path,
                      const char *headers, const char *body, ww_http_resp *r) {
  size_t blen = body ? strlen(body) : 0;
  size_t cap = strlen(method) + strlen(path) + (headers ? strlen(headers) : 0) + blen + 128;
  char *req = malloc(cap);
  if (!req) return -1;
  int n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s", method, path,
                   headers ? headers : "");
  if (body) n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", blen);
  n += snprintf(req + n, cap - (size_t)n, "\r\n");
  if (body) {
    memcpy(req + n, body, blen);
    n += (int)blen;
  }
  int rc = ww_client_send(c, req, (size_t)n);
  free(req);
  if (rc != 0) return -1;
  rc = ww_client_read(c, r, strcmp(method, "HEAD") == 0, WW_HARNESS_TIMEOUT_MS);
  if (rc == 0) record_exchange(method, path, headers, body, r);
  return rc;
}

int ww_http_request(int port, const char *method, const char *path, const char *headers,
                    const char *body, ww_http_resp *r) {
  ww_client *c = ww_client_connect(port);
  if (!c) {
    memset(r, 0, sizeof *r);
    return -1;
  }
  int rc = ww_client_request(c, method, path, headers, body, r);
  ww_client_close(c);
  return rc;
}
