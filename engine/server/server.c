/* Workers, listening sockets and signals.
 *
 * Each worker is a thread with its own uv_loop and its own listening socket on the
 * same port (SO_REUSEPORT: the kernel spreads connections). All sockets are bound on
 * the main thread before the workers start (with port 0, worker 0 picks the port and
 * the others bind to it); each worker then runs worker_init and listens, and once all
 * listen, on_listening is called. The main thread runs its own loop for signals:
 * SIGTERM/SIGINT wake every worker (uv_async_send), which closes its listener, closes
 * idle connections, lets in-flight requests finish for up to shutdown_grace_ms, then
 * ends its loop. SIGHUP calls on_reload on the main thread.
 *
 * A worker that does not come back (its thread stuck in C code: a handler or a rule that
 * never returns) must not keep the process alive: EXIT_AFTER_GRACE_MS after the grace
 * the main thread logs which worker hangs and ends the process with _exit(1). */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log/log.h"
#include "server/internal.h"

#define EXIT_AFTER_GRACE_MS 1000   /* worker_fini's time to close stores after the grace */

ww_server *ww__server_new(const ww_server_opts *opts, char *err, size_t errlen) {
  ww_server *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->opts = *opts;
  ww_server_opts *o = &s->opts;
  if (!o->host || !o->host[0]) o->host = "127.0.0.1";
  if (o->workers < 1) o->workers = 1;
  if (o->max_body == 0) o->max_body = 64 * 1024;
  if (o->max_large_body == 0) o->max_large_body = 4 * 1024 * 1024;
  if (o->max_large_body < o->max_body) o->max_large_body = o->max_body;
  if (o->max_header_bytes == 0) o->max_header_bytes = 16 * 1024;
  if (o->max_header_bytes > 60000) o->max_header_bytes = 60000;   /* offsets are 16-bit */
  if (o->max_headers <= 0) o->max_headers = 64;
  if (o->header_timeout_ms == 0) o->header_timeout_ms = 10000;
  if (o->idle_timeout_ms == 0) o->idle_timeout_ms = 60000;
  if (o->shutdown_grace_ms == 0) o->shutdown_grace_ms = 5000;
  if (o->max_connections <= 0) o->max_connections = 10000;
  if (o->max_output_bytes == 0) o->max_output_bytes = (size_t)64 << 20;
  if (o->cors_origins)
    while (o->cors_origins[s->ncors]) s->ncors++;
  if (s->ncors) {
    s->cors_len = calloc(s->ncors, sizeof *s->cors_len);
    if (!s->cors_len) {
      snprintf(err, errlen, "out of memory");
      goto fail;
    }
    for (size_t i = 0; i < s->ncors; i++) s->cors_len[i] = strlen(o->cors_origins[i]);
  }
  if (ww__router_init(&s->router, o->routes, o->nroutes, err, errlen) != 0) goto fail;
  for (size_t i = 0; i < o->nroutes && !o->authorize; i++) {
    if (o->routes[i].gate != 0) {   /* fail closed: a gate nobody checks would be open */
      snprintf(err, errlen, "route %s %s has a gate but the server no authorize hook",
               o->routes[i].method, o->routes[i].pattern);
      goto fail;
    }
  }
  s->workers = calloc((size_t)o->workers, sizeof *s->workers);
  if (!s->workers) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  for (int i = 0; i < o->workers; i++) {
    s->workers[i].srv = s;
    s->workers[i].index = i;
  }
  return s;
fail:
  ww__server_free(s);
  return NULL;
}

void ww__server_free(ww_server *s) {
  if (!s) return;
  ww__router_free(&s->router);
  free(s->cors_len);
  free(s->workers);
  free(s);
}

ww__worker *ww__worker_attach(ww_server *s, int index, uv_loop_t *loop) {
  if (index < 0 || index >= s->opts.workers) return NULL;
  ww__worker *w = &s->workers[index];
  w->loop = loop;
  return w;
}

/* ------------------------------------------------------------------ worker thread */

static uv_mutex_t ready_mu;
static uv_cond_t ready_cv;
static int ready_count;

/* End once every connection is gone; after the grace, connections closed while their
 * handler still owes an answer do not hold the loop (worker_fini must make those
 * handlers answer, which frees them). */
static void worker_maybe_end(ww__worker *w) {
  if (!w->stopping || w->ended) return;
  if (w->nconns > 0 && !(w->grace_over && w->nlive == 0)) return;
  w->ended = 1;
  uv_close((uv_handle_t *)&w->grace, NULL);
  uv_close((uv_handle_t *)&w->stop_async, NULL);
  uv_stop(w->loop);
}

void ww__worker_conn_freed(ww__worker *w) {
  w->nconns--;
  worker_maybe_end(w);
}

void ww__worker_conn_freed_check(ww__worker *w) { worker_maybe_end(w); }

static void on_grace(uv_timer_t *t) {
  ww__worker *w = t->data;
  if (w->nconns > 0)
    ww_logf(WW_LOG_WARN, "worker %d: shutdown grace over, closing %zu connection(s)", w->index,
            w->nconns);
  w->grace_over = 1;
  ww__worker_close_all(w);
  worker_maybe_end(w);
}

static void on_stop(uv_async_t *a) {
  ww__worker *w = a->data;
  if (w->stopping) return;
  if (w->listening) uv_close((uv_handle_t *)&w->listener, NULL);
  w->listening = 0;
  ww__worker_drain(w);
  uv_timer_start(&w->grace, on_grace, w->srv->opts.shutdown_grace_ms, 0);
  worker_maybe_end(w);
}

static void on_connection(uv_stream_t *server, int status) {
  ww__worker *w = server->data;
  if (status < 0) {
    ww_logf(WW_LOG_WARN, "accept failed: %s", uv_strerror(status));
    return;
  }
  ww__conn_accept(w);
}

static void close_leftover(uv_handle_t *h, void *arg) {
  int *n = arg;
  if (!uv_is_closing(h)) {
    uv_close(h, NULL);
    (*n)++;
  }
}

static void worker_main(void *arg) {
  ww__worker *w = arg;
  ww_server *s = w->srv;
  if (s->opts.worker_init) w->state = s->opts.worker_init(s->opts.app, w->loop, w->index);
  int rc = uv_listen((uv_stream_t *)&w->listener, 1024, on_connection);
  uv_mutex_lock(&ready_mu);
  w->ready_status = rc;
  ready_count++;
  uv_cond_signal(&ready_cv);
  uv_mutex_unlock(&ready_mu);
  if (rc == 0) {
    uv_run(w->loop, UV_RUN_DEFAULT);
  } else {
    uv_close((uv_handle_t *)&w->listener, NULL);
    uv_close((uv_handle_t *)&w->grace, NULL);
    uv_close((uv_handle_t *)&w->stop_async, NULL);
  }
  if (s->opts.worker_fini) s->opts.worker_fini(s->opts.app, w->state);
  uv_run(w->loop, UV_RUN_NOWAIT);   /* close callbacks of what fini closed */
  int left = 0;
  uv_walk(w->loop, close_leftover, &left);
  if (left) ww_logf(WW_LOG_WARN, "worker %d: closed %d handle(s) left open after fini", w->index, left);
  uv_run(w->loop, UV_RUN_DEFAULT);
  if (w->nconns > 0)
    ww_logf(WW_LOG_ERROR, "worker %d: %zu request(s) never answered by their handler",
            w->index, w->nconns);
  if (uv_loop_close(w->loop) != 0)
    ww_logf(WW_LOG_ERROR, "worker %d: loop did not close cleanly", w->index);
  atomic_store(&w->returned, 1);
  uv_async_send(s->worker_returned);
}

/* ------------------------------------------------------------------ binding */

static int resolve(const char *host, int port, struct sockaddr_storage *ss) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  char ps[16];
  snprintf(ps, sizeof ps, "%d", port);
  int rc = getaddrinfo(host, ps, &hints, &res);
  if (rc != 0 || !res) {
    fprintf(stderr, "wegwijzer: cannot resolve listen host '%s': %s\n", host, gai_strerror(rc));
    return UV_EINVAL;
  }
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return 0;
}

static void set_port(struct sockaddr_storage *ss, int port) {
  if (ss->ss_family == AF_INET6)
    ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
  else
    ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/* SO_REUSEPORT lets our workers share the port, but it would also let a second wegwijzer
 * (an old instance, another rule set) silently share it and take part of the traffic.
 * A plain bind first, without the option, fails with EADDRINUSE when anybody listens. */
static int port_is_free(const struct sockaddr_storage *ss) {
  int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);   /* TIME_WAIT is no owner */
  socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                            : sizeof(struct sockaddr_in);
  int rc = bind(fd, (const struct sockaddr *)ss, len) == 0 ? 0 : -errno;
  close(fd);
  return rc;
}

static int bind_worker(ww__worker *w, struct sockaddr_storage *ss) {
  int rc = uv_tcp_init_ex(w->loop, &w->listener, ss->ss_family);
  if (rc != 0) return rc;
  w->listener.data = w;
  w->listening = 1;
  uv_os_fd_t fd;
  rc = uv_fileno((uv_handle_t *)&w->listener, &fd);
  if (rc != 0) return rc;
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) return -errno;
  return uv_tcp_bind(&w->listener, (const struct sockaddr *)ss, 0);
}

/* ------------------------------------------------------------------ main thread */

typedef struct sigctx {
  ww_server *s;
  uv_signal_t term, intr, hup;
  uv_async_t returned;          /* s->worker_returned */
  uv_timer_t deadline;          /* the stop signal + grace + EXIT_AFTER_GRACE_MS */
  int nstarted;                 /* worker threads running */
  int stopped;
} sigctx;

static void close_signals(sigctx *x) {
  if (uv_is_closing((uv_handle_t *)&x->term)) return;
  uv_close((uv_handle_t *)&x->term, NULL);
  uv_close((uv_handle_t *)&x->intr, NULL);
  uv_close((uv_handle_t *)&x->hup, NULL);
}

/* A worker thread returned: once all have, the main loop may end (and join them). */
static void on_worker_returned(uv_async_t *a) {
  sigctx *x = a->data;
  int n = 0;
  for (int i = 0; i < x->nstarted; i++) n += atomic_load(&x->s->workers[i].returned);
  if (n < x->nstarted) return;
  close_signals(x);
  uv_close((uv_handle_t *)&x->returned, NULL);
  uv_close((uv_handle_t *)&x->deadline, NULL);
}

static void on_deadline(uv_timer_t *t) {
  sigctx *x = t->data;
  for (int i = 0; i < x->nstarted; i++) {
    if (!atomic_load(&x->s->workers[i].returned))
      ww_logf(WW_LOG_ERROR, "worker %d did not stop within the shutdown grace (%u ms): its "
              "thread is stuck in a request; exiting without it", i,
              x->s->opts.shutdown_grace_ms);
  }
  fflush(NULL);
  _exit(1);
}

static void on_signal(uv_signal_t *h, int signum) {
  sigctx *x = h->data;
  ww_server *s = x->s;
  if (signum == SIGHUP) {
    ww_logf(WW_LOG_INFO, "SIGHUP: reloading");
    if (s->opts.on_reload) s->opts.on_reload(s->opts.app);
    return;
  }
  if (x->stopped) return;
  x->stopped = 1;
  ww_logf(WW_LOG_INFO, "%s: stopping (grace %u ms)", signum == SIGTERM ? "SIGTERM" : "SIGINT",
          s->opts.shutdown_grace_ms);
  for (int i = 0; i < s->opts.workers; i++) uv_async_send(&s->workers[i].stop_async);
  close_signals(x);
  uv_timer_start(&x->deadline, on_deadline,
                 (uint64_t)s->opts.shutdown_grace_ms + EXIT_AFTER_GRACE_MS, 0);
}

int ww_server_run(const ww_server_opts *opts) {
  char err[256];
  int rc = 0;
  int nbound = 0, nstarted = 0;
  signal(SIGPIPE, SIG_IGN);
  ww_server *s = ww__server_new(opts, err, sizeof err);
  if (!s) {
    fprintf(stderr, "wegwijzer: %s\n", err);
    return UV_EINVAL;
  }
  const ww_server_opts *o = &s->opts;
  struct sockaddr_storage ss;
  if ((rc = resolve(o->host, o->port, &ss)) != 0) goto done;
  if (o->port != 0 && (rc = port_is_free(&ss)) != 0) {
    fprintf(stderr, "wegwijzer: cannot listen on %s:%d: %s (is another wegwijzer running?)\n",
            o->host, o->port, uv_strerror(rc));
    goto done;
  }
  for (int i = 0; i < o->workers; i++) {
    ww__worker *w = &s->workers[i];
    if ((rc = uv_loop_init(&w->own_loop)) != 0) break;
    w->loop = &w->own_loop;
    nbound++;
    uv_async_init(w->loop, &w->stop_async, on_stop);
    w->stop_async.data = w;
    uv_timer_init(w->loop, &w->grace);
    w->grace.data = w;
    if (i > 0) set_port(&ss, s->port);
    if ((rc = bind_worker(w, &ss)) != 0) break;
    if (i == 0) {
      struct sockaddr_storage got;
      int len = sizeof got;
      if ((rc = uv_tcp_getsockname(&w->listener, (struct sockaddr *)&got, &len)) != 0) break;
      s->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                                : ((struct sockaddr_in *)&got)->sin_port);
    }
  }
  if (rc != 0) {
    fprintf(stderr, "wegwijzer: cannot listen on %s:%d: %s\n", o->host, o->port, uv_strerror(rc));
    for (int i = 0; i < nbound; i++) {
      ww__worker *w = &s->workers[i];
      int n = 0;
      uv_walk(w->loop, close_leftover, &n);
      uv_run(w->loop, UV_RUN_DEFAULT);
      uv_loop_close(w->loop);
    }
    goto done;
  }

  /* Signals are caught from before the first worker listens: a SIGTERM that arrives as
   * soon as the port accepts must still mean "drain and exit 0". libuv queues it until
   * the main loop runs. */
  uv_loop_t main_loop;
  sigctx x = {.s = s};
  uv_loop_init(&main_loop);
  uv_signal_init(&main_loop, &x.term);
  uv_signal_init(&main_loop, &x.intr);
  uv_signal_init(&main_loop, &x.hup);
  x.term.data = x.intr.data = x.hup.data = &x;
  uv_async_init(&main_loop, &x.returned, on_worker_returned);
  uv_timer_init(&main_loop, &x.deadline);
  x.returned.data = x.deadline.data = &x;
  s->worker_returned = &x.returned;
  uv_signal_start(&x.term, on_signal, SIGTERM);
  uv_signal_start(&x.intr, on_signal, SIGINT);
  uv_signal_start(&x.hup, on_signal, SIGHUP);

  uv_mutex_init(&ready_mu);
  uv_cond_init(&ready_cv);
  ready_count = 0;
  for (int i = 0; i < o->workers; i++) {
    if ((rc = uv_thread_create(&s->workers[i].thread, worker_main, &s->workers[i])) != 0) break;
    nstarted++;
  }
  x.nstarted = nstarted;
  uv_mutex_lock(&ready_mu);
  while (ready_count < nstarted) uv_cond_wait(&ready_cv, &ready_mu);
  uv_mutex_unlock(&ready_mu);
  for (int i = 0; i < nstarted && rc == 0; i++) rc = s->workers[i].ready_status;
  for (int i = nstarted; i < o->workers; i++) {   /* never started: tidy their loops */
    ww__worker *w = &s->workers[i];
    int n = 0;
    uv_walk(w->loop, close_leftover, &n);
    uv_run(w->loop, UV_RUN_DEFAULT);
    uv_loop_close(w->loop);
  }

  if (rc == 0) {
    if (o->on_listening) o->on_listening(o->app, o->host, s->port);
    uv_run(&main_loop, UV_RUN_DEFAULT);
  } else {
    fprintf(stderr, "wegwijzer: cannot listen on %s:%d: %s\n", o->host, s->port, uv_strerror(rc));
    for (int i = 0; i < nstarted; i++)
      if (s->workers[i].ready_status == 0) uv_async_send(&s->workers[i].stop_async);
    close_signals(&x);
    uv_timer_start(&x.deadline, on_deadline, (uint64_t)o->shutdown_grace_ms + EXIT_AFTER_GRACE_MS,
                   0);
    uv_async_send(&x.returned);   /* counts those already back (or none started) */
    uv_run(&main_loop, UV_RUN_DEFAULT);
  }
  uv_loop_close(&main_loop);
  for (int i = 0; i < nstarted; i++) uv_thread_join(&s->workers[i].thread);
  uv_cond_destroy(&ready_cv);
  uv_mutex_destroy(&ready_mu);
done:
  ww__server_free(s);
  return rc;
}
