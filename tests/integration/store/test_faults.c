#define _GNU_SOURCE
/* Integration: Redis faults under a real `wegwijzer serve`. redis-server is SIGKILLed
 * under load and restarted on the same port (appendonly + fsync always, so what Redis
 * acknowledged survives): wegwijzer never crashes, advice stays 200 (degraded while Redis
 * is down), session writes answer 503 store_unavailable, /readyz follows, it recovers
 * within 5 s, and every session whose create got 201 is whole afterwards. And Redis absent
 * from the start: wegwijzer starts, is alive but not ready, and recovers by itself. */
#include <pthread.h>
#include <stdatomic.h>

#include "store_test.h"

static ww_proc redis, srv;
static char dir[256];

static void setup(void) {
  memset(&redis, 0, sizeof redis);
  memset(&srv, 0, sizeof srv);
  dir[0] = '\0';
}

static void teardown(void) {
  ww_proc_cleanup(&srv);
  if (redis.pid > 0) ww_proc_stop(&redis, SIGTERM, 5000);
  ww_proc_cleanup(&redis);
  st_rmdir(dir);
}

TestSuite(faults, .init = setup, .fini = teardown, .timeout = 180);

/* ---- load threads ---- */

#define MAX_IDS 20000

typedef struct load {
  int port;
  char sid[64];                 /* the session advice runs on */
  atomic_int stop;
  /* advice with sessionId */
  atomic_int advice_ok, advice_degraded, advice_bad, advice_err;
  char bad_what[256];
  /* session creates */
  atomic_int created, create_503, create_bad;
  char ids[MAX_IDS][33];
  atomic_int nids;
} load;

static void *advice_loop(void *arg) {
  load *l = arg;
  char body[256];
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"sessionId\":\"%s\"}", l->sid);
  while (!atomic_load(&l->stop)) {
    ww_http_resp r;
    json_t *j = st_req(l->port, "POST", "/v1/advice", NULL, body, &r);
    if (r.status == 200 && j) {
      int degraded = json_is_true(json_object_get(j, "degraded"));
      int has_session = json_object_get(j, "sessionId") != NULL;
      if (degraded && !has_session) atomic_fetch_add(&l->advice_degraded, 1);
      else if (!degraded && has_session) atomic_fetch_add(&l->advice_ok, 1);
      else {
        atomic_fetch_add(&l->advice_bad, 1);
        snprintf(l->bad_what, sizeof l->bad_what, "degraded %d with session %d", degraded,
                 has_session);
      }
    } else if (r.status < 0) {
      atomic_fetch_add(&l->advice_err, 1);   /* could not even talk to wegwijzer */
    } else {
      atomic_fetch_add(&l->advice_bad, 1);
      snprintf(l->bad_what, sizeof l->bad_what, "status %d %.200s", r.status, r.body ? r.body : "");
    }
    json_decref(j);
    ww_http_resp_free(&r);
  }
  return NULL;
}

static void *create_loop(void *arg) {
  load *l = arg;
  while (!atomic_load(&l->stop)) {
    ww_http_resp r;
    json_t *j = st_req(l->port, "POST", "/v1/sessions", NULL,
                       "{\"service\":\"verhuizing\",\"channel\":\"website\",\"data\":{\"step\":3,"
                       "\"form\":\"verhuizing-1\"}}", &r);
    if (r.status == 201) {
      int n = atomic_fetch_add(&l->nids, 1);
      if (n < MAX_IDS) snprintf(l->ids[n], 33, "%s", st_str(json_object_get(j, "session"), "id"));
      atomic_fetch_add(&l->created, 1);
    } else if (r.status == 503 && st_str(j, "code") &&
               strcmp(st_str(j, "code"), "store_unavailable") == 0 &&
               strcmp(ww_http_header(&r, "Content-Type"), "application/problem+json") == 0) {
      atomic_fetch_add(&l->create_503, 1);
    } else {
      atomic_fetch_add(&l->create_bad, 1);
    }
    json_decref(j);
    ww_http_resp_free(&r);
  }
  return NULL;
}

/* ---- conditions to poll ---- */

static int readyz_is_503(void *ud) { return st_status(*(int *)ud, "/readyz") == 503; }
static int readyz_is_200(void *ud) { return st_status(*(int *)ud, "/readyz") == 200; }

typedef struct counter_at_least {
  atomic_int *c;
  int n;
} counter_at_least;
static int counter_reached(void *ud) {
  counter_at_least *x = ud;
  return atomic_load(x->c) >= x->n;
}

static int session_write_ok(void *ud) {
  char sid[64];
  return st_session_create(*(int *)ud, NULL, "{\"channel\":\"balie\"}", sid) == 201;
}

/* 'cond' holds for 8 fresh connections in a row: with SO_REUSEPORT spreading them, that
 * is every worker of the instance (each has its own Redis connection). */
typedef struct all_workers {
  int (*cond)(void *);
  int port;
} all_workers;
static int on_all_workers(void *ud) {
  all_workers *a = ud;
  for (int i = 0; i < 8; i++)
    if (!a->cond(&a->port)) return 0;
  return 1;
}

static int advice_not_degraded(void *ud) {
  ww_http_resp r;
  json_t *j = st_req(*(int *)ud, "POST", "/v1/advice", NULL,
                     "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"999993653\"}}", &r);
  int ok = r.status == 200 && json_is_false(json_object_get(j, "degraded"));
  json_decref(j);
  ww_http_resp_free(&r);
  return ok;
}

static void check_session_whole(int port, const char *sid) {
  char path[96];
  snprintf(path, sizeof path, "/v1/sessions/%s", sid);
  ww_http_resp r;
  json_t *j = st_req(port, "GET", path, NULL, NULL, &r);
  cr_assert_eq(r.status, 200, "session %s acknowledged but now %d %s", sid, r.status,
               r.body ? r.body : "");
  json_t *s = json_object_get(j, "session");
  cr_assert_str_eq(st_str(s, "id"), sid);
  cr_assert_str_eq(st_str(s, "channel"), "website");
  cr_assert_str_eq(st_str(s, "service"), "verhuizing");
  cr_assert_not_null(st_str(s, "createdAt"));
  cr_assert_not_null(st_str(s, "expiresAt"));
  cr_assert(json_is_array(json_object_get(s, "events")));
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(s, "data"), "step")), 3);
  cr_assert_str_eq(st_str(json_object_get(s, "data"), "form"), "verhuizing-1");
  json_decref(j);
  ww_http_resp_free(&r);
}

/* 3. SIGKILL redis under load, restart it on the same port with its data. */
Test(faults, redis_killed_under_load_and_restarted) {
  st_mkdtemp(dir);
  int rport = ww_free_port();
  cr_assert_eq(st_redis_start_on(&redis, rport, dir, 1, NULL), 0);
  const char *unlimited[] = {"--session-rate", "0", NULL};   /* the load is one client */
  st_serve(&srv, rport, unlimited);
  st_wait_ready(&srv);

  load *l = calloc(1, sizeof *l);
  l->port = srv.port;
  cr_assert_eq(st_session_create(srv.port, NULL, "{\"service\":\"verhuizing\",\"channel\":\"website\","
                                 "\"data\":{\"step\":3,\"form\":\"verhuizing-1\"}}", l->sid), 201);
  memcpy(l->ids[0], l->sid, 33);
  atomic_store(&l->nids, 1);
  pthread_t ta, tc;
  cr_assert_eq(pthread_create(&ta, NULL, advice_loop, l), 0);
  cr_assert_eq(pthread_create(&tc, NULL, create_loop, l), 0);

  /* healthy load first */
  counter_at_least c1 = {&l->advice_ok, 30}, c2 = {&l->created, 30};
  cr_assert(st_poll(counter_reached, &c1, 20000) && st_poll(counter_reached, &c2, 20000),
            "no healthy load: advice %d created %d", atomic_load(&l->advice_ok),
            atomic_load(&l->created));

  /* Redis dies */
  cr_assert_eq(ww_proc_stop(&redis, SIGKILL, 5000), 128 + SIGKILL);
  double killed = ww_now_ms();
  int degraded0 = atomic_load(&l->advice_degraded), c503 = atomic_load(&l->create_503);
  int sp = srv.port;
  cr_assert(st_poll(readyz_is_503, &sp, 5000), "/readyz not 503 with Redis down");
  counter_at_least d1 = {&l->advice_degraded, degraded0 + 20}, d2 = {&l->create_503, c503 + 20};
  cr_assert(st_poll(counter_reached, &d1, 10000), "no degraded advice while Redis is down");
  cr_assert(st_poll(counter_reached, &d2, 10000), "no 503 store_unavailable while Redis is down");
  cr_assert_eq(st_status(srv.port, "/healthz"), 200);
  /* let the backoff grow to its cap (2 s), the worst case for recovery */
  while (ww_now_ms() - killed < 4000) usleep(50000);
  cr_assert_eq(st_status(srv.port, "/readyz"), 503);
  cr_assert(ww_proc_alive(&srv, NULL), "wegwijzer died with Redis down");

  /* Redis comes back, same port, same data */
  ww_proc_cleanup(&redis);
  cr_assert_eq(st_redis_start_on(&redis, rport, dir, 1, NULL), 0, "redis did not restart");
  double restarted = ww_now_ms();
  all_workers aw = {session_write_ok, sp};
  cr_assert(st_poll(on_all_workers, &aw, 5000),
            "session writes not back on every worker within 5 s of the restart");
  double write_ok = ww_now_ms();
  aw.cond = readyz_is_200;
  cr_assert(st_poll(on_all_workers, &aw, 5000 - (int)(write_ok - restarted)),
            "/readyz not 200 within 5 s of the restart");
  double ready = ww_now_ms();
  int ok_after = atomic_load(&l->advice_ok);
  counter_at_least o1 = {&l->advice_ok, ok_after + 20};
  cr_assert(st_poll(counter_reached, &o1, 5000), "advice with sessions did not come back");

  atomic_store(&l->stop, 1);
  pthread_join(ta, NULL);
  pthread_join(tc, NULL);
  fprintf(stderr,
          "kill/restart: advice ok %d degraded %d; creates 201 %d, 503 %d; first session "
          "write %.0f ms and /readyz 200 %.0f ms after the restart\n",
          atomic_load(&l->advice_ok), atomic_load(&l->advice_degraded), atomic_load(&l->created),
          atomic_load(&l->create_503), write_ok - restarted, ready - restarted);
  cr_assert_eq(atomic_load(&l->advice_bad), 0, "advice answered wrongly: %s", l->bad_what);
  cr_assert_eq(atomic_load(&l->advice_err), 0, "advice requests failed at the socket");
  cr_assert_eq(atomic_load(&l->create_bad), 0, "a session create answered neither 201 nor 503");

  /* every acknowledged create is whole after the restart */
  int n = atomic_load(&l->nids);
  cr_assert_lt(n, MAX_IDS);
  for (int i = 0; i < n; i++) check_session_whole(srv.port, l->ids[i]);
  free(l);
  st_stop_ok(&srv);
}

/* 6. Nothing listens on the Redis port at start; later a redis-server appears there. */
Test(faults, redis_down_from_the_start_then_appears) {
  int rport = ww_free_port();
  st_serve(&srv, rport, NULL);
  int sp = srv.port;
  cr_assert_eq(st_status(srv.port, "/healthz"), 200);
  cr_assert_eq(st_status(srv.port, "/readyz"), 503);

  ww_http_resp r;
  json_t *j = st_req(srv.port, "POST", "/v1/advice", NULL,
                     "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"999993653\"}}", &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(json_object_get(j, "degraded")), "%s", r.body);
  cr_assert_null(json_object_get(j, "sessionId"));
  cr_assert_gt(json_array_size(json_object_get(j, "channels")), 0);
  json_decref(j);
  ww_http_resp_free(&r);

  j = st_req(srv.port, "POST", "/v1/sessions", NULL, "{\"channel\":\"website\"}", &r);
  cr_assert_eq(r.status, 503, "%s", r.body);
  cr_assert_str_eq(st_str(j, "code"), "store_unavailable");
  json_decref(j);
  ww_http_resp_free(&r);

  /* Redis appears a while later (the reconnect backoff grows to its 2 s cap meanwhile) */
  double started = ww_now_ms();
  while (ww_now_ms() - started < 3000) usleep(50000);
  cr_assert_eq(st_status(srv.port, "/readyz"), 503);
  cr_assert(ww_proc_alive(&srv, NULL));
  cr_assert_eq(st_redis_start_on(&redis, rport, NULL, 0, NULL), 0);
  double up = ww_now_ms();
  /* the backoff is at its 2 s cap by now: every worker is back within ~2 s */
  all_workers aw = {readyz_is_200, sp};
  cr_assert(st_poll(on_all_workers, &aw, 5000), "/readyz not 200 within 5 s of Redis appearing");
  double ready = ww_now_ms();
  aw.cond = session_write_ok;
  cr_assert(st_poll(on_all_workers, &aw, 2000), "session writes not back on every worker");
  aw.cond = advice_not_degraded;
  cr_assert(st_poll(on_all_workers, &aw, 2000), "advice still degraded on some worker");
  fprintf(stderr, "redis appeared: every worker ready after %.0f ms\n", ready - up);
  st_stop_ok(&srv);
}
