/* hiredis <-> libuv glue, private to redis_conn.c. It is hiredis' own adapter
 * (hiredis/adapters/libuv.h) with two bugs of the Debian 12 version (0.14.1) fixed, as
 * upstream later did:
 *   - on a socket error (e.g. an RST from a killed redis-server) libuv stops the poll
 *     handle and calls back with status UV_EBADF; 0.14.1 ignored that, so hiredis never
 *     noticed and the connection hung. Here the error is handed to hiredis as a read (and
 *     write) event, so its read fails and it disconnects, failing every pending command.
 *   - 0.14.1 leaked its state when uv_poll_init failed.
 * And it restarts the poll only when the events it waits for change (see update). */
#ifndef WW_HIREDIS_UV_H
#define WW_HIREDIS_UV_H

#include <stdlib.h>
#include <uv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

typedef struct ww_redis_uv {
  redisAsyncContext *context;   /* NULL once hiredis cleaned up */
  uv_poll_t handle;
  int events;
} ww_redis_uv;

static void ww_redis_uv_poll(uv_poll_t *handle, int status, int events) {
  ww_redis_uv *p = handle->data;
  int ev = status < 0 ? p->events : events;
  if (status < 0) p->events = 0;   /* libuv stopped the handle: the next add restarts it */
  if (p->context != NULL && (ev & UV_READABLE)) redisAsyncHandleRead(p->context);
  if (p->context != NULL && (ev & UV_WRITABLE)) redisAsyncHandleWrite(p->context);
}

/* Only a change restarts the poll: hiredis asks for write interest at every command, and
 * uv_poll_start takes the fd out of epoll and puts it back (two epoll_ctl per command: 8 %
 * of the server's time with a session, issue 16). */
static void ww_redis_uv_update(ww_redis_uv *p, int events) {
  if (events == p->events) return;
  p->events = events;
  if (events) uv_poll_start(&p->handle, events, ww_redis_uv_poll);
  else uv_poll_stop(&p->handle);
}

static void ww_redis_uv_add_read(void *priv) {
  ww_redis_uv *p = priv;
  ww_redis_uv_update(p, p->events | UV_READABLE);
}

static void ww_redis_uv_del_read(void *priv) {
  ww_redis_uv *p = priv;
  ww_redis_uv_update(p, p->events & ~UV_READABLE);
}

static void ww_redis_uv_add_write(void *priv) {
  ww_redis_uv *p = priv;
  ww_redis_uv_update(p, p->events | UV_WRITABLE);
}

static void ww_redis_uv_del_write(void *priv) {
  ww_redis_uv *p = priv;
  ww_redis_uv_update(p, p->events & ~UV_WRITABLE);
}

static void ww_redis_uv_closed(uv_handle_t *handle) { free(handle->data); }

static void ww_redis_uv_cleanup(void *priv) {
  ww_redis_uv *p = priv;
  p->context = NULL;   /* the context may be gone when a poll callback is still due */
  uv_close((uv_handle_t *)&p->handle, ww_redis_uv_closed);
}

/* REDIS_OK, or REDIS_ERR (nothing attached; the caller frees the context). */
static int ww_redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop) {
  if (ac->ev.data != NULL) return REDIS_ERR;
  ww_redis_uv *p = calloc(1, sizeof *p);
  if (p == NULL) return REDIS_ERR;
  if (uv_poll_init(loop, &p->handle, ac->c.fd) != 0) {
    free(p);
    return REDIS_ERR;
  }
  p->handle.data = p;
  p->context = ac;
  ac->ev.addRead = ww_redis_uv_add_read;
  ac->ev.delRead = ww_redis_uv_del_read;
  ac->ev.addWrite = ww_redis_uv_add_write;
  ac->ev.delWrite = ww_redis_uv_del_write;
  ac->ev.cleanup = ww_redis_uv_cleanup;
  ac->ev.data = p;
  return REDIS_OK;
}

#endif
