/* The store contract: one suite, compiled once per backend (WW_TEST_REDIS 0 or 1).
 * The Redis build starts its own redis-server per test (tests/unit/store/redis_fixture.c)
 * and adds the fault tests at the end. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "session/session.h"
#include "store/store.h"
#include "util/tztime.h"

#if WW_TEST_REDIS
#include "redis_fixture.h"
#define SUITE store_redis
static ww_test_redis rds;
#else
#define SUITE store_memory
#endif

static uv_loop_t loop;
static ww_memstore *mem;

/* ---- loop helpers ---- */

static int timed_out;
static void on_deadline(uv_timer_t *t) {
  (void)t;
  timed_out = 1;
}

/* Run the loop until cond(arg) holds or 'ms' passed; returns cond's last value. */
static int run_until(int (*cond)(void *), void *arg, unsigned ms) {
  uv_timer_t deadline;
  timed_out = 0;
  uv_timer_init(&loop, &deadline);
  uv_timer_start(&deadline, on_deadline, ms, 0);
  int ok = cond(arg);
  while (!ok && !timed_out) {
    uv_run(&loop, UV_RUN_ONCE);
    ok = cond(arg);
  }
  uv_close((uv_handle_t *)&deadline, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  return ok;
}

static void on_tick(uv_timer_t *t) { (void)t; }

/* Same, with a 5 ms ticker waking the loop so conditions that change without an event
 * on this loop (time, another thread) are re-checked. */
static int poll_until(int (*cond)(void *), void *arg, unsigned ms) {
  uv_timer_t tick;
  uv_timer_init(&loop, &tick);
  uv_timer_start(&tick, on_tick, 5, 5);
  int ok = run_until(cond, arg, ms);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  return ok;
}

static int never(void *arg) {
  (void)arg;
  return 0;
}

/* Let 'ms' pass with the loop running (for TTLs, which nothing can be polled for without
 * changing the state under test). */
static void run_for(unsigned ms) { poll_until(never, NULL, ms); }

/* ---- one result ---- */

typedef struct res {
  int calls;
  int status;
  json_t *v;
} res;

static void on_res(void *ud, int status, json_t *v) {
  res *r = ud;
  r->calls++;
  r->status = status;
  json_decref(r->v);
  r->v = v;
}

static int res_done(void *arg) { return ((res *)arg)->calls > 0; }

static void wait_res(res *r) {
  cr_assert(run_until(res_done, r, 3000), "no callback within 3 s");
  cr_assert_eq(r->calls, 1, "callback called %d times", r->calls);
}

static void res_clear(res *r) {
  json_decref(r->v);
  memset(r, 0, sizeof *r);
}

/* ---- opening ---- */

static int is_ready(void *arg) { return ww_store_ready(arg); }

static int64_t ww__test_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ww_store *open_on(uv_loop_t *lp, const ww_store_opts *o) {
#if WW_TEST_REDIS
  return ww_store_redis_open(lp, rds.url, o);
#else
  return ww_store_memory_open(mem, lp, o);
#endif
}

static ww_store *open_store(const ww_store_opts *o) {
  ww_store *s = open_on(&loop, o);
  cr_assert_not_null(s);
  cr_assert(poll_until(is_ready, s, 5000), "store not ready within 5 s");
  return s;
}

/* Close; the handles finish closing in the next loop iterations (teardown runs the loop
 * dry and checks that nothing was left open). Other stores may still be open. */
static void close_store(ww_store *s) {
  ww_store_close(s);
  uv_run(&loop, UV_RUN_NOWAIT);
  uv_run(&loop, UV_RUN_NOWAIT);
}

static void setup(void) {
  cr_assert_eq(uv_loop_init(&loop), 0);
  mem = ww_memstore_new();
  cr_assert_not_null(mem);
#if WW_TEST_REDIS
  cr_assert_eq(ww_test_redis_start(&rds), 0, "cannot start redis-server");
#endif
}

static void teardown(void) {
  uv_run(&loop, UV_RUN_DEFAULT);
  cr_assert_eq(uv_loop_close(&loop), 0, "handles left open on the loop");
  ww_memstore_free(mem);
#if WW_TEST_REDIS
  ww_test_redis_kill(&rds);
#endif
}

/* ---- synchronous wrappers (each checks the one-callback rule) ---- */

static json_t *create(ww_store *s, const char *ref, const char *service, int *status) {
  json_t *in = json_pack("{s:s}", "channel", "website");
  if (ref) json_object_set_new(in, "citizenRef", json_string(ref));
  if (service) json_object_set_new(in, "service", json_string(service));
  res r = {0};
  ww_store_session_create(s, in, on_res, &r);
  json_decref(in);
  wait_res(&r);
  if (status) *status = r.status;
  else cr_assert_eq(r.status, 0, "create: %s", ww_store_strerror(r.status));
  return r.v;
}

static json_t *get(ww_store *s, const char *id, int *status) {
  res r = {0};
  ww_store_session_get(s, id, on_res, &r);
  wait_res(&r);
  *status = r.status;
  return r.v;
}

static json_t *append(ww_store *s, const char *id, const char *type, json_t *detail, int flags,
                      int *status) {
  json_t *ev = json_pack("{s:s, s:s}", "channel", "telefoon", "type", type);
  if (detail) json_object_set_new(ev, "detail", detail);
  res r = {0};
  ww_store_session_append(s, id, ev, flags, on_res, &r);
  json_decref(ev);
  wait_res(&r);
  *status = r.status;
  return r.v;
}

static const char *sid_of(const json_t *sess) {
  return json_string_value(json_object_get(sess, "id"));
}

static int64_t time_of(const json_t *o, const char *key) {
  int64_t t = -1;
  const char *s = json_string_value(json_object_get(o, key));
  cr_assert_not_null(s, "%s missing", key);
  cr_assert_eq(ww_time_parse(s, &t), 0, "%s is not ISO 8601 with offset: %s", key, s);
  return t;
}

/* ---- sessions ---- */

Test(SUITE, create_and_get, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.session_ttl = 3600};
  ww_store *s = open_store(&o);
  json_t *in = json_pack("{s:s, s:s, s:s, s:{s:i, s:[s]}}", "channel", "website", "service",
                         "verhuizing", "citizenRef", "abc123", "data", "step", 2, "tags", "x");
  res r = {0};
  ww_store_session_create(s, in, on_res, &r);
  json_decref(in);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  json_t *c = r.v;
  cr_assert(ww_session_id_valid(sid_of(c)), "id: %s", sid_of(c));
  cr_assert_str_eq(json_string_value(json_object_get(c, "citizenRef")), "abc123");
  cr_assert_str_eq(json_string_value(json_object_get(c, "service")), "verhuizing");
  cr_assert_str_eq(json_string_value(json_object_get(c, "channel")), "website");
  cr_assert_eq(json_array_size(json_object_get(c, "events")), 0);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(c, "data"), "step")), 2);
  int64_t created = time_of(c, "createdAt");
  cr_assert_eq(time_of(c, "updatedAt"), created);
  cr_assert_eq(time_of(c, "expiresAt") - created, 3600);

  int st;
  json_t *g = get(s, sid_of(c), &st);
  cr_assert_eq(st, 0);
  cr_assert(json_equal(g, c), "get differs from create:\n%s\n%s", json_dumps(g, 0),
            json_dumps(c, 0));
  json_decref(g);

  /* a session without citizen or service has nulls there */
  json_t *bare = create(s, NULL, NULL, NULL);
  cr_assert(json_is_null(json_object_get(bare, "citizenRef")));
  cr_assert(json_is_null(json_object_get(bare, "service")));
  cr_assert(json_is_object(json_object_get(bare, "data")));
  json_decref(bare);
  json_decref(c);
  close_store(s);
}

Test(SUITE, get_unknown, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  int st;
  json_t *g = get(s, "0123456789abcdef0123456789abcdef", &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  cr_assert_null(g);
  g = get(s, "not-an-id}{", &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  g = append(s, "0123456789abcdef0123456789abcdef", "note", NULL, 0, &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  close_store(s);
}

Test(SUITE, append_full_and_lean, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, "paspoort", NULL);
  int st;
  json_t *a = append(s, sid_of(c), "advice", json_pack("{s:s}", "first", "balie"), 0, &st);
  cr_assert_eq(st, 0);
  json_t *evs = json_object_get(a, "events");
  cr_assert_eq(json_array_size(evs), 1);
  json_t *e = json_array_get(evs, 0);
  cr_assert_str_eq(json_string_value(json_object_get(e, "type")), "advice");
  cr_assert_str_eq(json_string_value(json_object_get(e, "channel")), "telefoon");
  cr_assert(json_is_null(json_object_get(e, "service")));
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "detail"), "first")),
                   "balie");
  time_of(e, "at");
  cr_assert_geq(time_of(a, "updatedAt"), time_of(c, "createdAt"));
  json_decref(a);

  for (int i = 2; i <= 12; i++) {
    a = append(s, sid_of(c), "step", json_pack("{s:i}", "n", i), 0, &st);
    cr_assert_eq(st, 0);
    json_decref(a);
  }
  /* lean: the latest 10 events from before this append, and the count after it */
  a = append(s, sid_of(c), "advice", json_pack("{s:i}", "n", 13), WW_STORE_LEAN, &st);
  cr_assert_eq(st, 0);
  evs = json_object_get(a, "events");
  cr_assert_eq(json_array_size(evs), WW_STORE_LEAN_EVENTS);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(evs, 9), "detail"), "n")), 12);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(evs, 0), "detail"), "n")), 3);
  cr_assert_eq(json_integer_value(json_object_get(a, "eventCount")), 13);
  cr_assert_str_eq(json_string_value(json_object_get(a, "service")), "paspoort");
  json_decref(a);

  json_t *g = get(s, sid_of(c), &st);
  cr_assert_eq(json_array_size(json_object_get(g, "events")), 13);
  json_decref(g);
  json_decref(c);
  close_store(s);
}

Test(SUITE, limits, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, NULL, NULL);
  int st;
  for (int i = 1; i <= 105; i++) {
    json_t *a = append(s, sid_of(c), "step", json_pack("{s:i}", "n", i), 0, &st);
    cr_assert_eq(st, 0);
    json_decref(a);
  }
  json_t *g = get(s, sid_of(c), &st);
  json_t *evs = json_object_get(g, "events");
  cr_assert_eq(json_array_size(evs), 100, "kept %zu events", json_array_size(evs));
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(evs, 0), "detail"), "n")), 6);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(evs, 99), "detail"), "n")), 105);
  json_decref(g);

  /* data: exactly 16 KiB is fine, one byte more is EINVAL */
  char *big = malloc(16384);
  memset(big, 'a', 16384);
  size_t n = 16384 - strlen("{\"x\":\"\"}");
  json_t *data = json_object();
  json_object_set_new(data, "x", json_stringn(big, n));
  cr_assert_eq(ww_session_json_size(data), 16384);
  json_t *in = json_pack("{s:s, s:O}", "channel", "web", "data", data);
  res r = {0};
  ww_store_session_create(s, in, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  res_clear(&r);
  json_decref(in);
  json_object_set_new(data, "x", json_stringn(big, n + 1));
  in = json_pack("{s:s, s:o}", "channel", "web", "data", data);
  ww_store_session_create(s, in, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_EINVAL);
  cr_assert_null(r.v);
  json_decref(in);

  /* event detail over 4 KiB */
  json_t *a = append(s, sid_of(c), "note", json_stringn(big, 5000), 0, &st);
  cr_assert_eq(st, WW_STORE_EINVAL);
  cr_assert_null(a);
  free(big);
  json_decref(c);
  close_store(s);
}

typedef struct gone_ctx {
  ww_store *s;
  const char *id;
} gone_ctx;

static int session_gone(void *arg) {
  gone_ctx *g = arg;
  res r = {0};
  ww_store_session_get(g->s, g->id, on_res, &r);
  while (r.calls == 0) uv_run(&loop, UV_RUN_ONCE);
  json_decref(r.v);
  return r.status == WW_STORE_ENOTFOUND;
}

Test(SUITE, ttl_expiry_and_sliding, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store_opts o = {.session_ttl = 2};
  ww_store *s = open_store(&o);
  json_t *c = create(s, "ref-ttl", NULL, NULL);
  int st;
  /* sliding: appends every 0.5 s keep it alive past its first TTL */
  for (int i = 0; i < 6; i++) {
    run_for(500);
    json_t *a = append(s, sid_of(c), "step", NULL, 0, &st);
    cr_assert_eq(st, 0, "expired although touched %d ms ago", 500);
    json_decref(a);
  }
  gone_ctx g = {s, sid_of(c)};
  cr_assert(!session_gone(&g));
  /* left alone it expires (Redis: within a second of the TTL) */
  cr_assert(poll_until(session_gone, &g, 4500), "session did not expire");
  res r = {0};
  ww_store_session_latest_for_citizen(s, "ref-ttl", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_ENOTFOUND);
  json_decref(c);
  close_store(s);
}

Test(SUITE, latest_for_citizen, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *a = create(s, "ref-1", NULL, NULL);
  json_t *b = create(s, "ref-1", "paspoort", NULL);
  json_t *other = create(s, NULL, NULL, NULL);
  res r = {0};
  ww_store_session_latest_for_citizen(s, "ref-1", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  cr_assert_str_eq(sid_of(r.v), sid_of(b));
  cr_assert_str_eq(json_string_value(json_object_get(r.v, "service")), "paspoort");
  res_clear(&r);
  ww_store_session_latest_for_citizen(s, "ref-2", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_ENOTFOUND);
  res_clear(&r);
  /* the lean lookup /v1/advice uses: only the id */
  ww_store_session_latest_id(s, "ref-1", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  cr_assert_str_eq(sid_of(r.v), sid_of(b));
  cr_assert_null(json_object_get(r.v, "events"));
  res_clear(&r);
  ww_store_session_latest_id(s, "ref-2", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_ENOTFOUND);
  json_decref(a);
  json_decref(b);
  json_decref(other);
  close_store(s);
}

/* ---- handover ---- */

static json_t *handover(ww_store *s, const char *sid, const char *to, int *status) {
  res r = {0};
  ww_store_handover_create(s, sid, NULL, to, on_res, &r);
  wait_res(&r);
  *status = r.status;
  return r.v;
}

static json_t *claim(ww_store *s, const char *code, const char *client, int *status) {
  res r = {0};
  ww_store_handover_claim(s, code, "telefoon", client, NULL, on_res, &r);
  wait_res(&r);
  *status = r.status;
  return r.v;
}

static const char *str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

Test(SUITE, handover_single_use, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.handover_ttl = 900};
  ww_store *s = open_store(&o);
  json_t *c = create(s, NULL, "verhuizing", NULL);
  int st;
  json_t *h = handover(s, sid_of(c), "telefoon", &st);
  cr_assert_eq(st, 0, "%s", ww_store_strerror(st));
  cr_assert(ww_handover_code_valid(str(h, "code")), "code %s", str(h, "code"));
  cr_assert_str_eq(str(h, "sessionId"), sid_of(c));
  int64_t exp = time_of(h, "expiresAt");
  cr_assert(exp - time_of(c, "createdAt") >= 899 && exp - time_of(c, "createdAt") <= 902);

  json_t *g = get(s, sid_of(c), &st);
  json_t *e = json_array_get(json_object_get(g, "events"), 0);
  cr_assert_str_eq(str(e, "type"), "handover");
  cr_assert_str_eq(str(e, "channel"), "website", "the session's channel by default");
  cr_assert_str_eq(str(json_object_get(e, "detail"), "code"), str(h, "code"));
  cr_assert_str_eq(str(json_object_get(e, "detail"), "to"), "telefoon");
  json_decref(g);

  json_t *cl = claim(s, str(h, "code"), "10.0.0.1", &st);
  cr_assert_eq(st, 0, "%s", ww_store_strerror(st));
  cr_assert_str_eq(sid_of(cl), sid_of(c));
  json_t *evs = json_object_get(cl, "events");
  cr_assert_eq(json_array_size(evs), 2);
  e = json_array_get(evs, 1);
  cr_assert_str_eq(str(e, "type"), "claimed");
  cr_assert_str_eq(str(e, "channel"), "telefoon");
  cr_assert_str_eq(str(json_object_get(e, "detail"), "code"), str(h, "code"));
  json_decref(cl);

  cl = claim(s, str(h, "code"), "10.0.0.1", &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND, "a code is claimed once");
  cr_assert_null(cl);

  /* unknown session */
  json_t *h2 = handover(s, "0123456789abcdef0123456789abcdef", NULL, &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  cr_assert_null(h2);
  json_decref(h);
  json_decref(c);
  close_store(s);
}

Test(SUITE, handover_codes_unique, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store *s = open_store(NULL);
  json_t *seen = json_object();
  int st;
  for (int i = 0; i < 300; i++) {   /* 300 live codes: one per session */
    json_t *c = create(s, NULL, NULL, NULL);
    json_t *h = handover(s, sid_of(c), NULL, &st);
    cr_assert_eq(st, 0);
    cr_assert_null(json_object_get(seen, str(h, "code")), "code %s issued twice", str(h, "code"));
    json_object_set_new(seen, str(h, "code"), json_true());
    json_decref(h);
    json_decref(c);
  }
  json_decref(seen);
  close_store(s);
}

Test(SUITE, handover_expiry, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.handover_ttl = 1};
  ww_store *s = open_store(&o);
  json_t *c = create(s, NULL, NULL, NULL);
  int st;
  json_t *h = handover(s, sid_of(c), NULL, &st);
  cr_assert_eq(st, 0);
  run_for(2100);
  json_t *cl = claim(s, str(h, "code"), "10.0.0.9", &st);
  cr_assert_eq(st, WW_STORE_EEXPIRED, "an expired code cannot be claimed, and says so: %s",
               ww_store_strerror(st));
  cr_assert_null(cl);
  json_decref(h);
  json_decref(c);
  close_store(s);
}

Test(SUITE, claim_rate_limit, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.claim_fail_limit = 3, .claim_fail_window = 60};
  ww_store *s = open_store(&o);
  ww_store *s2 = open_store(&o);   /* the limit is shared by every handle */
  json_t *c = create(s, NULL, NULL, NULL);
  int st;
  json_t *h = handover(s, sid_of(c), NULL, &st);
  /* three wrong guesses (one malformed); a code differs from 'h' in its last digit */
  char wrong[7];
  snprintf(wrong, sizeof wrong, "%s", str(h, "code"));
  wrong[5] = wrong[5] == '9' ? '0' : (char)(wrong[5] + 1);
  json_t *x = claim(s, wrong, "192.0.2.7", &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  x = claim(s2, wrong, "192.0.2.7", &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  x = claim(s, "12ab", "192.0.2.7", &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  /* now even the right code is refused for this client, on both handles, untouched */
  x = claim(s2, str(h, "code"), "192.0.2.7", &st);
  cr_assert_eq(st, WW_STORE_ELIMIT, "got %s", ww_store_strerror(st));
  json_int_t retry = json_integer_value(json_object_get(x, "retryAfter"));
  cr_assert(retry > 0 && retry <= 60, "retryAfter %lld", (long long)retry);
  json_decref(x);
  x = claim(s, str(h, "code"), "192.0.2.7", &st);
  cr_assert_eq(st, WW_STORE_ELIMIT);
  json_decref(x);
  /* another client is not limited, and the code was not spent by the refused claims */
  x = claim(s, str(h, "code"), "192.0.2.8", &st);
  cr_assert_eq(st, 0);
  json_decref(x);
  json_decref(h);
  json_decref(c);
  close_store(s2);
  close_store(s);
}

/* ---- channel status ---- */

typedef struct seen_ctx {
  ww_store *s;
  const char *id;
  int open;
} seen_ctx;

static int status_seen(void *arg) {
  seen_ctx *c = arg;
  const json_t *all = ww_store_status(c->s);
  cr_assert_not_null(all);
  const json_t *one = json_object_get(all, c->id);
  return one && json_is_boolean(json_object_get(one, "open")) &&
         json_boolean_value(json_object_get(one, "open")) == c->open;
}

Test(SUITE, channel_status_shared, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  ww_store *s2 = open_store(NULL);
  cr_assert_eq(json_object_size(ww_store_status(s2)), 0);
  json_t *in = json_pack("{s:b, s:s, s:i}", "open", 0, "reason", "storing", "waitSeconds", 0);
  res r = {0};
  ww_store_status_set(s, "telefoon", in, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  cr_assert_str_eq(str(r.v, "channel"), "telefoon");
  time_of(r.v, "updatedAt");
  res_clear(&r);
  /* the writer sees it at once, another handle within 1 s */
  seen_ctx c1 = {s, "telefoon", 0}, c2 = {s2, "telefoon", 0};
  cr_assert(status_seen(&c1));
  uint64_t t0 = uv_hrtime();
  cr_assert(poll_until(status_seen, &c2, 1000), "not seen by the other handle within 1 s");
  cr_assert_lt(uv_hrtime() - t0, 1000000000ull);
  cr_assert_str_eq(str(json_object_get(ww_store_status(s2), "telefoon"), "reason"), "storing");

  /* a change back; and a handle opened later loads what is there */
  json_object_set_new(in, "open", json_true());
  ww_store_status_set(s2, "telefoon", in, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  res_clear(&r);
  c1.open = 1;
  cr_assert(poll_until(status_seen, &c1, 1000));
  ww_store *s3 = open_store(NULL);
  seen_ctx c3 = {s3, "telefoon", 1};
  cr_assert(poll_until(status_seen, &c3, 1000));
  json_decref(in);
  close_store(s3);
  close_store(s2);
  close_store(s);
}

/* ---- concurrency: 5 threads, each its own loop and handle, 10 appends each ---- */

typedef struct worker {
  pthread_t th;
  int index;
  const char *sid;
  int ok, done;
} worker;

static void on_worker_res(void *ud, int status, json_t *v) {
  worker *w = ud;
  json_decref(v);
  w->done++;
  if (status == 0) w->ok++;
}

static int worker_ready(void *arg) { return ww_store_ready(arg); }

static void *worker_main(void *arg) {
  worker *w = arg;
  uv_loop_t lp;
  uv_loop_init(&lp);
  ww_store *s = open_on(&lp, NULL);
  uv_timer_t tick;
  uv_timer_init(&lp, &tick);
  uv_timer_start(&tick, on_tick, 5, 5);
  uint64_t until = uv_hrtime() + 5000000000ull;
  while (s && !worker_ready(s) && uv_hrtime() < until) uv_run(&lp, UV_RUN_ONCE);
  for (int i = 0; s && i < 10; i++) {   /* all in flight at once (pipelined for Redis) */
    json_t *ev = json_pack("{s:s, s:s, s:{s:i, s:i}}", "channel", "chat", "type", "step",
                           "detail", "w", w->index, "i", i);
    ww_store_session_append(s, w->sid, ev, WW_STORE_LEAN, on_worker_res, w);
    json_decref(ev);
  }
  while (w->done < 10 && uv_hrtime() < until) uv_run(&lp, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  ww_store_close(s);
  uv_run(&lp, UV_RUN_DEFAULT);
  uv_loop_close(&lp);
  return NULL;
}

Test(SUITE, concurrent_appends, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, NULL, NULL);
  worker w[5];
  memset(w, 0, sizeof w);
  for (int i = 0; i < 5; i++) {
    w[i].index = i;
    w[i].sid = sid_of(c);
    cr_assert_eq(pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
  }
  for (int i = 0; i < 5; i++) {
    pthread_join(w[i].th, NULL);
    cr_assert_eq(w[i].ok, 10, "worker %d: %d of 10 appends succeeded", i, w[i].ok);
  }
  int st;
  json_t *g = get(s, sid_of(c), &st);
  json_t *evs = json_object_get(g, "events");
  cr_assert_eq(json_array_size(evs), 50, "%zu events", json_array_size(evs));
  int seen[5][10] = {{0}};
  size_t i;
  json_t *e;
  json_array_foreach(evs, i, e) {
    json_t *d = json_object_get(e, "detail");
    seen[json_integer_value(json_object_get(d, "w"))][json_integer_value(json_object_get(d, "i"))]++;
  }
  for (int a = 0; a < 5; a++)
    for (int b = 0; b < 10; b++) cr_assert_eq(seen[a][b], 1, "event %d/%d seen %d times", a, b, seen[a][b]);
  json_decref(g);
  json_decref(c);
  close_store(s);
}

/* Closing with operations in flight: each gets exactly one callback. */
typedef struct counter {
  int calls[64];
  int unavail, ok;
} counter;

typedef struct slot {
  counter *c;
  int i;
} slot;

static void on_counted(void *ud, int status, json_t *v) {
  slot *sl = ud;
  json_decref(v);
  sl->c->calls[sl->i]++;
  if (status == WW_STORE_EUNAVAIL) sl->c->unavail++;
  else if (status == 0) sl->c->ok++;
}

Test(SUITE, close_with_pending, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, NULL, NULL);
  counter cnt = {{0}, 0, 0};
  slot sl[64];
  for (int i = 0; i < 64; i++) {
    sl[i].c = &cnt;
    sl[i].i = i;
    ww_store_session_get(s, sid_of(c), on_counted, &sl[i]);
  }
  close_store(s);
  for (int i = 0; i < 64; i++) cr_assert_eq(cnt.calls[i], 1, "op %d: %d callbacks", i, cnt.calls[i]);
  cr_assert_eq(cnt.ok + cnt.unavail, 64);
  json_decref(c);
}

/* ---- bounds (issue 19): one live code per session, the cap on live codes ---- */

static int count_type(const json_t *events, const char *type) {
  int n = 0;
  for (size_t i = 0; i < json_array_size(events); i++)
    n += strcmp(str(json_array_get(events, i), "type"), type) == 0;
  return n;
}

Test(SUITE, one_live_code_per_session, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, NULL, NULL);
  int st;
  json_t *a = handover(s, sid_of(c), NULL, &st);
  cr_assert_eq(st, 0);
  json_t *b = handover(s, sid_of(c), NULL, &st);
  cr_assert_eq(st, 0);
  cr_assert_str_neq(str(a, "code"), str(b, "code"));
  /* the first ended when the second was made: unknown, and counted as a wrong code */
  json_t *x = claim(s, str(a, "code"), "10.0.0.5", &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND, "the previous code still works: %s",
               ww_store_strerror(st));
  cr_assert_null(x);
  x = claim(s, str(b, "code"), "10.0.0.5", &st);
  cr_assert_eq(st, 0, "%s", ww_store_strerror(st));
  cr_assert_eq(count_type(json_object_get(x, "events"), "handover"), 2);
  cr_assert_eq(count_type(json_object_get(x, "events"), "claimed"), 1);
  json_decref(x);
  /* after the claim the session has no live code; a new one works */
  json_t *d = handover(s, sid_of(c), NULL, &st);
  cr_assert_eq(st, 0);
  x = claim(s, str(d, "code"), "10.0.0.5", &st);
  cr_assert_eq(st, 0);
  json_decref(x);
  json_decref(a);
  json_decref(b);
  json_decref(d);
  json_decref(c);
  close_store(s);
}

Test(SUITE, cap_on_live_codes, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.handover_max_live = 5};
  ww_store *s = open_store(&o);
  json_t *codes[5];
  int st;
  for (int i = 0; i < 5; i++) {
    json_t *c = create(s, NULL, NULL, NULL);
    codes[i] = handover(s, sid_of(c), NULL, &st);
    cr_assert_eq(st, 0, "code %d: %s", i, ww_store_strerror(st));
    json_decref(c);
  }
  json_t *c = create(s, NULL, NULL, NULL);
  json_t *h = handover(s, sid_of(c), NULL, &st);
  cr_assert_eq(st, WW_STORE_EFULL, "a sixth live code: %s", ww_store_strerror(st));
  cr_assert_null(h);
  json_t *g = get(s, sid_of(c), &st);
  cr_assert_eq(json_array_size(json_object_get(g, "events")), 0, "the refused code left an event");
  json_decref(g);
  /* a claim frees its place */
  json_decref(claim(s, str(codes[0], "code"), "10.0.0.6", &st));
  cr_assert_eq(st, 0);
  h = handover(s, sid_of(c), NULL, &st);
  cr_assert_eq(st, 0, "%s", ww_store_strerror(st));
  json_decref(h);
  for (int i = 0; i < 5; i++) json_decref(codes[i]);
  json_decref(c);
  close_store(s);
}

Test(SUITE, expired_codes_leave_the_cap, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.handover_max_live = 3, .handover_ttl = 1};
  ww_store *s = open_store(&o);
  int st;
  for (int i = 0; i < 3; i++) {
    json_t *c = create(s, NULL, NULL, NULL);
    json_decref(handover(s, sid_of(c), NULL, &st));
    cr_assert_eq(st, 0);
    json_decref(c);
  }
  json_t *c = create(s, NULL, NULL, NULL);
  json_decref(handover(s, sid_of(c), NULL, &st));
  cr_assert_eq(st, WW_STORE_EFULL);
  run_for(1200);
  json_t *h = handover(s, sid_of(c), NULL, &st);
  cr_assert_eq(st, 0, "expired codes still count: %s", ww_store_strerror(st));
  json_decref(h);
  json_decref(c);
  close_store(s);
}

/* The decision log on both stores: entries read back from a time on, oldest first,
 * decoded alike ("degraded" a boolean, JSON values as their text), at most 'max' with
 * "truncated"; the embedded store keeps the latest N (--decision-log N). */
static int log_has(void *arg) {
  ww_store *s = arg;
  res r = {0};
  ww_store_decision_log_since(s, 0, 100, on_res, &r);
  run_until(res_done, &r, 1000);
  size_t n = json_array_size(json_object_get(r.v, "entries"));
  res_clear(&r);
  return n >= 5;
}

Test(SUITE, decision_log_since, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.decision_log_maxlen = 5};
  ww_store *s = open_store(&o);
  int64_t before = ww__test_now_ms();
  for (int i = 0; i < 7; i++) {
    json_t *f = json_pack("{s:s, s:s, s:i, s:b, s:{s:i}}", "kind", "advice", "service",
                          i % 2 ? "paspoort" : "verhuizing", "n", i, "degraded", i == 6,
                          "citizen", "age", 80 + i);
    ww_store_decision_log(s, f);
    json_decref(f);
  }
  cr_assert(poll_until(log_has, s, 3000), "the entries did not arrive");
  res r = {0};
  ww_store_decision_log_since(s, before, 3, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  const json_t *list = json_object_get(r.v, "entries");
#if WW_TEST_REDIS
  /* MAXLEN ~ trims whole nodes only: all 7 are still there */
  cr_assert_eq(json_array_size(list), 3);
  cr_assert(json_is_true(json_object_get(r.v, "truncated")));
  const json_t *e = json_array_get(list, 0);
  cr_assert_str_eq(json_string_value(json_object_get(e, "n")), "0");
#else
  /* the ring keeps the latest 5 of 7: entries 2..6, the first three of them */
  cr_assert_eq(json_array_size(list), 3);
  cr_assert(json_is_true(json_object_get(r.v, "truncated")));
  const json_t *e = json_array_get(list, 0);
  cr_assert_str_eq(json_string_value(json_object_get(e, "n")), "2");
#endif
  cr_assert_str_eq(json_string_value(json_object_get(e, "kind")), "advice");
  cr_assert_not_null(json_string_value(json_object_get(e, "at")));
  cr_assert(json_is_string(json_object_get(e, "citizen")), "JSON values are read as text");
  cr_assert(json_is_false(json_object_get(e, "degraded")));
  res_clear(&r);
  /* from a time after all: none */
  ww_store_decision_log_since(s, ww__test_now_ms() + 60000, 10, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  cr_assert_eq(json_array_size(json_object_get(r.v, "entries")), 0);
  cr_assert(json_is_false(json_object_get(r.v, "truncated")));
  res_clear(&r);
  close_store(s);
}

/* Off (decision_log_maxlen 0): nothing is kept, and the read answers an empty list. */
Test(SUITE, decision_log_off, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  cr_assert_not(ww_store_decision_log_on(s));
  json_t *f = json_pack("{s:s}", "kind", "advice");
  ww_store_decision_log(s, f);
  json_decref(f);
  res r = {0};
  ww_store_decision_log_since(s, 0, 10, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  cr_assert_eq(json_array_size(json_object_get(r.v, "entries")), 0);
  res_clear(&r);
  close_store(s);
}

#if !WW_TEST_REDIS
/* The embedded store's bound: writes beyond memory_max answer EFULL and change nothing;
 * nothing is evicted; the count goes back to 0 when everything has expired. */
Test(SUITE, memory_bound, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store_opts o = {.memory_max = 256 * 1024, .session_ttl = 1, .handover_ttl = 1,
                     .claim_fail_window = 1, .max_events = 5};
  ww_store *s = open_store(&o);
  json_t *data = json_object();
  for (int i = 0; i < 40; i++) {   /* ~4 KiB of small members: the costly shape */
    char k[8];
    snprintf(k, sizeof k, "k%d", i);
    json_object_set_new(data, k, json_string("0123456789012345678901234567890123456789"
                                             "01234567890123456789"));
  }
  json_t *in = json_pack("{s:s, s:s, s:O}", "channel", "website", "citizenRef", "r", "data",
                         data);
  json_t *ids = json_array();
  int full = 0;
  for (int i = 0; i < 1000 && !full; i++) {
    res r = {0};
    ww_store_session_create(s, in, on_res, &r);
    wait_res(&r);
    if (r.status == WW_STORE_EFULL) full = 1;
    else cr_assert_eq(r.status, 0, "%s", ww_store_strerror(r.status));
    if (r.v) json_array_append_new(ids, json_string(sid_of(r.v)));
    res_clear(&r);
  }
  cr_assert(full, "never full");
  size_t n = json_array_size(ids), bytes = ww_memstore_bytes(mem);
  cr_assert(n >= 10 && bytes <= o.memory_max, "%zu sessions, %zu bytes", n, bytes);
  /* every session that was answered 0 is whole; growing one is refused, unchanged */
  int st;
  for (size_t i = 0; i < n; i++) {
    json_t *g = get(s, json_string_value(json_array_get(ids, i)), &st);
    cr_assert_eq(st, 0, "an acknowledged session is gone");
    json_decref(g);
  }
  const char *last = json_string_value(json_array_get(ids, n - 1));
  int appended = 0, refused = 0;
  for (int i = 0; i < 200 && !refused; i++) {
    json_t *a = append(s, last, "note", json_pack("{s:s}", "t", "0123456789abcdef0123456789"),
                       0, &st);
    json_decref(a);
    if (st == WW_STORE_EFULL) refused = 1;
    else appended += st == 0;
  }
  json_t *g = get(s, last, &st);
  size_t events = json_array_size(json_object_get(g, "events"));
  json_decref(g);
  cr_assert(refused || events == 5, "appends grow past the bound (%d appended)", appended);
  cr_assert_leq(ww_memstore_bytes(mem), o.memory_max);
  /* everything expires: the count returns to nothing */
  run_for(6500);   /* the TTLs (1 s) and a sweep (every 5 s) */
  cr_assert_eq(ww_memstore_bytes(mem), 0, "%zu bytes left after everything expired",
               ww_memstore_bytes(mem));
  res r = {0};
  ww_store_session_create(s, in, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0, "room again: %s", ww_store_strerror(r.status));
  res_clear(&r);
  json_decref(ids);
  json_decref(in);
  json_decref(data);
  close_store(s);
}

/* Every kind of record is counted in and out: handover codes (made, ended, claimed),
 * failed-claim counters, trimmed events, the citizen index. */
Test(SUITE, memory_count_is_exact, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store_opts o = {.session_ttl = 1, .handover_ttl = 1, .handover_lapse = 1, .claim_fail_window = 1,
                     .max_events = 3};
  ww_store *s = open_store(&o);
  int st;
  for (int i = 0; i < 20; i++) {
    json_t *c = create(s, i % 2 ? "ref-a" : "ref-b", "verhuizing", NULL);
    for (int k = 0; k < 5; k++) json_decref(append(s, sid_of(c), "step", json_integer(k), 0, &st));
    json_t *h1 = handover(s, sid_of(c), "telefoon", &st);
    json_t *h2 = handover(s, sid_of(c), NULL, &st);
    if (i % 3 == 0) json_decref(claim(s, str(h2, "code"), "10.0.0.7", &st));
    json_decref(claim(s, str(h1, "code"), i % 4 ? "10.0.0.8" : "10.0.0.9", &st));
    json_decref(h1);
    json_decref(h2);
    json_decref(c);
  }
  cr_assert_gt(ww_memstore_bytes(mem), 0);
  run_for(6500);
  cr_assert_eq(ww_memstore_bytes(mem), 0, "%zu bytes counted after everything expired",
               ww_memstore_bytes(mem));
  close_store(s);
}
#endif

#if WW_TEST_REDIS
/* ---- Redis only: keys, scripts, faults ---- */

Test(SUITE, key_layout_and_ttl, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.session_ttl = 1000};
  ww_store *s = open_store(&o);
  json_t *c = create(s, "ref-k", NULL, NULL);
  int st;
  json_decref(append(s, sid_of(c), "note", NULL, 0, &st));
  long long ttl = ww_test_redis_int(&rds, "TTL ww:{%s}:s", sid_of(c));
  cr_assert(ttl > 990 && ttl <= 1000, "ttl %lld", ttl);
  ttl = ww_test_redis_int(&rds, "TTL ww:{%s}:ev", sid_of(c));
  cr_assert(ttl > 990 && ttl <= 1000, "ttl %lld", ttl);
  cr_assert_eq(ww_test_redis_int(&rds, "LLEN ww:{%s}:ev", sid_of(c)), 1);
  /* the index: the session's TTL plus the margin (1000/8 s) */
  long long zt = ww_test_redis_int(&rds, "TTL ww:cz:{ref-k}");
  cr_assert(zt > 1115 && zt <= 1125, "index ttl %lld", zt);
  cr_assert_eq(ww_test_redis_int(&rds, "EXISTS ww:{%s}:el", sid_of(c)), 0);
  json_decref(c);
  close_store(s);
}

/* --decision-log-days: an entry older than the retention (written by hand with an old id)
 * is skipped by the read at once and trimmed (XTRIM MINID) after the next write. */
static int old_entry_trimmed(void *arg) {
  (void)arg;
  return ww_test_redis_int(&rds, "XLEN ww:decisions") == 1;
}

Test(SUITE, decision_log_days, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.decision_log_maxlen = 1000, .decision_log_days = 1};
  ww_store *s = open_store(&o);
  char id[32];
  cr_assert_gt(ww_test_redis_str(&rds, id, sizeof id, "XADD ww:decisions 1000-0 kind advice n old"), 0);
  cr_assert_str_eq(id, "1000-0");
  res r = {0};
  ww_store_decision_log_since(s, 0, 10, on_res, &r);
  wait_res(&r);
  cr_assert_eq(json_array_size(json_object_get(r.v, "entries")), 0, "the old entry was read");
  res_clear(&r);
  json_t *f = json_pack("{s:s, s:s}", "kind", "advice", "n", "new");
  ww_store_decision_log(s, f);
  json_decref(f);
  cr_assert(poll_until(old_entry_trimmed, NULL, 3000), "the old entry was not trimmed");
  ww_store_decision_log_since(s, 0, 10, on_res, &r);
  wait_res(&r);
  const json_t *list = json_object_get(r.v, "entries");
  cr_assert_eq(json_array_size(list), 1);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "n")), "new");
  res_clear(&r);
  close_store(s);
}

/* Redis at maxmemory (noeviction): every write answers EFULL and changed nothing -- no
 * half-done script, no spent code -- while reads go on; all works again when there is
 * room. */
Test(SUITE, at_maxmemory_writes_refused_whole, .init = setup, .fini = teardown,
     .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *a = create(s, "ref-m", "verhuizing", NULL), *b = create(s, NULL, NULL, NULL);
  int st;
  json_decref(append(s, sid_of(a), "step", NULL, 0, &st));
  json_t *h = handover(s, sid_of(a), NULL, &st);
  cr_assert_eq(st, 0);
  json_t *before = get(s, sid_of(a), &st);
  char tmp[64];
  cr_assert_gt(ww_test_redis_str(&rds, tmp, sizeof tmp, "CONFIG SET maxmemory 1"), 0);

  json_decref(create(s, NULL, NULL, &st));
  cr_assert_eq(st, WW_STORE_EFULL, "create: %s", ww_store_strerror(st));
  json_decref(create(s, "ref-n", NULL, &st));
  cr_assert_eq(st, WW_STORE_EFULL, "create with an index: %s", ww_store_strerror(st));
  json_decref(append(s, sid_of(a), "note", NULL, WW_STORE_LEAN, &st));
  cr_assert_eq(st, WW_STORE_EFULL, "append: %s", ww_store_strerror(st));
  json_decref(handover(s, sid_of(b), NULL, &st));
  cr_assert_eq(st, WW_STORE_EFULL, "handover: %s", ww_store_strerror(st));
  json_decref(claim(s, str(h, "code"), "10.0.0.1", &st));
  cr_assert_eq(st, WW_STORE_EFULL, "claim: %s", ww_store_strerror(st));
  json_decref(claim(s, "000000", "10.0.0.2", &st));
  cr_assert_eq(st, WW_STORE_EFULL, "a wrong code: %s", ww_store_strerror(st));
  json_t *after = get(s, sid_of(a), &st);
  cr_assert_eq(st, 0, "reads go on at maxmemory");
  cr_assert(json_equal(before, after), "a refused write changed the session");
  json_decref(after);
  cr_assert_eq(ww_test_redis_int(&rds, "EXISTS ww:{hc}:f:10.0.0.2"), 0);

  cr_assert_gt(ww_test_redis_str(&rds, tmp, sizeof tmp, "CONFIG SET maxmemory 0"), 0);
  json_t *c = claim(s, str(h, "code"), "10.0.0.1", &st);
  cr_assert_eq(st, 0, "the code was spent by the refused claim: %s", ww_store_strerror(st));
  cr_assert_eq(count_type(json_object_get(c, "events"), "claimed"), 1);
  json_decref(c);
  json_decref(create(s, NULL, NULL, &st));
  cr_assert_eq(st, 0);
  json_decref(before);
  json_decref(h);
  json_decref(a);
  json_decref(b);
  close_store(s);
}

Test(SUITE, noscript_falls_back_to_eval, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, NULL, NULL);
  ww_test_redis_int(&rds, "SCRIPT FLUSH");
  int st;
  json_t *g = get(s, sid_of(c), &st);
  cr_assert_eq(st, 0, "after SCRIPT FLUSH: %s", ww_store_strerror(st));
  json_decref(g);
  json_decref(c);
  close_store(s);
}

static int stream_len_is(void *arg) {
  return ww_test_redis_int(&rds, "XLEN ww:decisions") == *(long long *)arg;
}

Test(SUITE, decision_log, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store_opts o = {.decision_log_maxlen = 1000};
  ww_store *s = open_store(&o);
  for (int i = 0; i < 5; i++) {
    json_t *f = json_pack("{s:s, s:s, s:i, s:b}", "service", "verhuizing", "channel", "website",
                          "rank", 1, "degraded", 0);
    ww_store_decision_log(s, f);
    json_decref(f);
  }
  long long want = 5;
  cr_assert(poll_until(stream_len_is, &want, 2000), "stream has not 5 entries");
  ww_store_stats stats;
  ww_store_get_stats(s, &stats);
  cr_assert_eq(stats.log_errors, 0);
  close_store(s);
}

Test(SUITE, unreachable_fails_fast, .init = setup, .fini = teardown, .timeout = 15) {
  char url[64];
  int port = rds.port;
  ww_test_redis_kill(&rds);
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/2", port);
  ww_store *s = ww_store_redis_open(&loop, url, NULL);
  cr_assert_not_null(s);
  run_for(200);
  cr_assert_eq(ww_store_ready(s), 0);
  res r = {0};
  ww_store_session_get(s, "0123456789abcdef0123456789abcdef", on_res, &r);
  cr_assert_eq(r.calls, 1, "fails at once while down");
  cr_assert_eq(r.status, WW_STORE_EUNAVAIL);
  close_store(s);
  cr_assert_null(ww_store_redis_open(&loop, "http://x", NULL));
  cr_assert_null(ww_store_redis_open(&loop, "redis://:pw", NULL));
  cr_assert_null(ww_store_redis_open(&loop, "redis://h:99999", NULL));
}

typedef struct want_t {
  counter *c;
  int n;
} want_t;

static int all_called(void *arg) {
  want_t *w = arg;
  return w->c->ok + w->c->unavail >= w->n;
}

Test(SUITE, killed_in_flight_then_restarted, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store_opts o = {.timeout_ms = 5000};   /* the kill, not the deadline, must end them */
  ww_store *s = open_store(&o);
  json_t *c = create(s, NULL, NULL, NULL);
  char sid[33];
  snprintf(sid, sizeof sid, "%s", sid_of(c));
  json_decref(c);
  /* stop it so the commands are written but never answered, then kill it */
  ww_test_redis_pause(&rds);
  counter cnt = {{0}, 0, 0};
  slot sl[64];
  for (int i = 0; i < 64; i++) {
    sl[i].c = &cnt;
    sl[i].i = i;
    json_t *ev = json_pack("{s:s, s:s}", "channel", "web", "type", "step");
    ww_store_session_append(s, sid, ev, 0, on_counted, &sl[i]);
    json_decref(ev);
  }
  run_for(50);
  cr_assert_eq(cnt.ok + cnt.unavail, 0, "answered by a stopped server?");
  ww_test_redis_kill(&rds);
  want_t wt = {&cnt, 64};
  cr_assert(poll_until(all_called, &wt, 3000), "not every pending command was answered");
  for (int i = 0; i < 64; i++) cr_assert_eq(cnt.calls[i], 1, "op %d: %d callbacks", i, cnt.calls[i]);
  cr_assert_eq(cnt.unavail, 64);
  cr_assert_eq(ww_store_ready(s), 0);

  /* back: the store reconnects by itself within 5 s and works (fresh server, no data) */
  cr_assert_eq(ww_test_redis_restart(&rds), 0);
  uint64_t t0 = uv_hrtime();
  cr_assert(poll_until(is_ready, s, 5000), "no reconnect within 5 s");
  cr_assert_lt(uv_hrtime() - t0, 5000000000ull);
  json_t *c2 = create(s, NULL, NULL, NULL);
  int st;
  json_t *a = append(s, sid_of(c2), "note", NULL, 0, &st);
  cr_assert_eq(st, 0);
  json_decref(a);
  json_decref(c2);
  ww_store_stats stats;
  ww_store_get_stats(s, &stats);
  cr_assert_geq(stats.reconnects, 1);
  close_store(s);
}

Test(SUITE, stopped_server_hits_deadline, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store_opts o = {.timeout_ms = 200};
  ww_store *s = open_store(&o);
  json_t *c = create(s, NULL, NULL, NULL);
  ww_test_redis_pause(&rds);
  res r = {0};
  uint64_t t0 = uv_hrtime();
  ww_store_session_get(s, sid_of(c), on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_EUNAVAIL);
  cr_assert_lt(uv_hrtime() - t0, 1000000000ull, "deadline took over 1 s");
  ww_store_stats stats;
  ww_store_get_stats(s, &stats);
  cr_assert_geq(stats.timeouts, 1);
  /* resumed: reconnects and the data is still there */
  ww_test_redis_resume(&rds);
  cr_assert(poll_until(is_ready, s, 5000), "no reconnect within 5 s");
  int st;
  json_t *g = get(s, sid_of(c), &st);
  cr_assert_eq(st, 0);
  json_decref(g);
  json_decref(c);
  close_store(s);
}

Test(SUITE, status_reloaded_after_reconnect, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store *s = open_store(NULL);
  ww_store *s2 = open_store(NULL);
  ww_test_redis_kill(&rds);
  cr_assert_eq(ww_test_redis_restart(&rds), 0);
  cr_assert(poll_until(is_ready, s, 5000));
  cr_assert(poll_until(is_ready, s2, 5000));
  /* the subscriber must be back too: a change on s reaches s2 */
  json_t *in = json_pack("{s:b, s:s}", "open", 0, "reason", "onderhoud");
  seen_ctx c2 = {s2, "chat", 0};
  int seen = 0;
  for (int attempt = 0; attempt < 50 && !seen; attempt++) {
    res r = {0};
    ww_store_status_set(s, "chat", in, on_res, &r);
    wait_res(&r);
    res_clear(&r);
    seen = poll_until(status_seen, &c2, 1000);
  }
  cr_assert(seen, "status change not seen after the restart");
  json_decref(in);
  close_store(s2);
  close_store(s);
}

/* ---- Redis only: the citizen index and the event list ---- */

/* The id of ref's latest session through the /v1/advice lookup, or NULL (status in *st).
 * Its GET goes out on the same connection after any touch so far, so when it answers
 * those ran. */
static json_t *latest_id(ww_store *s, const char *ref, int *st) {
  res r = {0};
  ww_store_session_latest_id(s, ref, on_res, &r);
  wait_res(&r);
  *st = r.status;
  return r.v;
}

static void reset_stats(void) {
  char ok[8];
  cr_assert_eq(ww_test_redis_str(&rds, ok, sizeof ok, "CONFIG RESETSTAT"), 2);
}

static json_t *lean_append(ww_store *s, const char *sid, int *st) {
  return append(s, sid, "advice", NULL, WW_STORE_LEAN, st);
}

Test(SUITE, citizen_index_not_touched_on_every_append, .init = setup, .fini = teardown,
     .timeout = 15) {
  ww_store_opts o = {.session_ttl = 1000};   /* margin 125 s: slides at most every 62.5 s */
  ww_store *s = open_store(&o);
  json_t *c = create(s, "ref-quiet", NULL, NULL);
  reset_stats();
  int st;
  for (int i = 0; i < 20; i++) {
    json_t *a = lean_append(s, sid_of(c), &st);
    cr_assert_eq(st, 0);
    json_decref(a);
  }
  json_t *l = latest_id(s, "ref-quiet", &st);
  cr_assert_eq(st, 0);
  cr_assert_str_eq(sid_of(l), sid_of(c));
  json_decref(l);
  /* one command per append; the only GET is the lookup's (SC_TOUCH would GET too) */
  cr_assert_eq(ww_test_redis_stat_calls(&rds, "evalsha"), 20);
  cr_assert_eq(ww_test_redis_stat_calls(&rds, "get"), 1);
  cr_assert_eq(ww_test_redis_stat_calls(&rds, "hgetall"), 0);
  /* the index lives the margin longer than the session */
  long long zt = ww_test_redis_int(&rds, "TTL ww:cz:{ref-quiet}");
  long long st_ttl = ww_test_redis_int(&rds, "TTL ww:{%s}:s", sid_of(c));
  cr_assert(zt > 1100 && zt <= 1125, "index ttl %lld", zt);
  cr_assert(st_ttl > 990 && st_ttl <= 1000, "session ttl %lld", st_ttl);
  json_decref(c);
  close_store(s);
}

Test(SUITE, citizen_index_slides_and_outlives_its_session, .init = setup, .fini = teardown,
     .timeout = 30) {
  /* ttl 2 s: margin 1 s, the index lives 3 s and slides when its last slide is >= 0.5 s
   * old. Appends for 4 s: without sliding the index would be gone after 3 s. */
  ww_store_opts o = {.session_ttl = 2};
  ww_store *s = open_store(&o);
  json_t *c = create(s, "ref-slide", NULL, NULL);
  reset_stats();
  uint64_t t0 = uv_hrtime();
  int appends = 0, lookups = 0, st;
  while (uv_hrtime() - t0 < 4000000000ull) {
    run_for(150);
    json_t *a = lean_append(s, sid_of(c), &st);
    cr_assert_eq(st, 0, "session expired although appended to");
    json_decref(a);
    appends++;
    json_t *l = latest_id(s, "ref-slide", &st);
    lookups++;
    cr_assert_eq(st, 0, "index gone before its session, after %d appends", appends);
    cr_assert_str_eq(sid_of(l), sid_of(c));
    json_decref(l);
    long long zt = ww_test_redis_int(&rds, "PTTL ww:cz:{ref-slide}");
    long long sst = ww_test_redis_int(&rds, "PTTL ww:{%s}:s", sid_of(c));
    cr_assert(zt >= sst, "index expires before its session: %lld < %lld ms", zt, sst);
  }
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  long long touches = ww_test_redis_stat_calls(&rds, "get") - lookups;
  cr_assert_geq(touches, 2, "the index never slid (%d appends)", appends);
  cr_assert_lt(touches, appends, "%lld touches for %d appends", touches, appends);
  cr_assert_leq(touches, (long long)(secs / 0.5) + 1, "%lld touches in %.1f s", touches, secs);
  json_decref(c);
  close_store(s);
}

/* The same through the citizen append script (an advice with a citizen.id): the slide
 * happens inside it, no second command. */
Test(SUITE, citizen_append_slides_its_index, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store_opts o = {.session_ttl = 2};
  ww_store *s = open_store(&o);
  json_t *c = create(s, "ref-cslide", NULL, NULL);
  reset_stats();
  uint64_t t0 = uv_hrtime();
  int appends = 0, st;
  while (uv_hrtime() - t0 < 4000000000ull) {
    run_for(150);
    json_t *ev = json_pack("{s:s, s:s}", "channel", "website", "type", "advice");
    res r = {0};
    ww_store_session_append_citizen(s, "ref-cslide", ev, WW_STORE_LEAN, on_res, &r);
    json_decref(ev);
    wait_res(&r);
    st = r.status;
    cr_assert_eq(st, 0, "index or session gone after %d appends", appends);
    cr_assert_str_eq(sid_of(r.v), sid_of(c));
    res_clear(&r);
    appends++;
    long long zt = ww_test_redis_int(&rds, "PTTL ww:cz:{ref-cslide}");
    long long sst = ww_test_redis_int(&rds, "PTTL ww:{%s}:s", sid_of(c));
    cr_assert(zt >= sst, "index expires before its session: %lld < %lld ms", zt, sst);
  }
  /* EXPIRE: 2 per append (the session's keys), plus the index's slides */
  long long slides = ww_test_redis_stat_calls(&rds, "expire") - 2LL * appends;
  cr_assert_geq(slides, 2, "the index never slid (%d appends)", appends);
  cr_assert_lt(slides, appends, "%lld slides for %d appends", slides, appends);
  cr_assert_eq(ww_test_redis_stat_calls(&rds, "evalsha"), appends, "one command per append");
  json_decref(c);
  close_store(s);
}

static int starts_packed(const char *e) { return e[0] != '{' && strchr(e, '\x1f') != NULL; }

Test(SUITE, events_one_list_packed_or_json, .init = setup, .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, "paspoort", NULL);
  int st;
  json_decref(append(s, sid_of(c), "advice", json_pack("{s:s, s:[i]}", "first", "balie", "n", 1),
                     WW_STORE_LEAN, &st));
  cr_assert_eq(st, 0);
  /* what the API never sends is stored as JSON, exactly */
  json_t *odd = json_pack("{s:s, s:s, s:s}", "channel", "chat", "type", "no\x1fte", "service", "");
  res r = {0};
  ww_store_session_append(s, sid_of(c), odd, 0, on_res, &r);
  json_decref(odd);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  res_clear(&r);
  char e[512];
  cr_assert_gt(ww_test_redis_str(&rds, e, sizeof e, "LINDEX ww:{%s}:ev 0", sid_of(c)), 0);
  cr_assert(starts_packed(e), "not packed: %s", e);
  cr_assert_gt(ww_test_redis_str(&rds, e, sizeof e, "LINDEX ww:{%s}:ev 1", sid_of(c)), 0);
  cr_assert_eq(e[0], '{', "not JSON: %s", e);
  cr_assert_eq(ww_test_redis_int(&rds, "EXISTS ww:{%s}:el", sid_of(c)), 0);
  json_t *g = get(s, sid_of(c), &st);
  json_t *evs = json_object_get(g, "events");
  cr_assert_eq(json_array_size(evs), 2);
  json_t *e0 = json_array_get(evs, 0), *e1 = json_array_get(evs, 1);
  cr_assert(json_is_null(json_object_get(e0, "service")));
  json_t *want = json_pack("{s:s, s:[i]}", "first", "balie", "n", 1);
  cr_assert(json_equal(json_object_get(e0, "detail"), want));
  json_decref(want);
  cr_assert_str_eq(json_string_value(json_object_get(e1, "type")), "no\x1fte");
  cr_assert_str_eq(json_string_value(json_object_get(e1, "service")), "");
  cr_assert(json_is_null(json_object_get(e1, "detail")));
  json_decref(g);
  json_decref(c);
  close_store(s);
}

Test(SUITE, session_of_the_previous_layout_still_read, .init = setup, .fini = teardown,
     .timeout = 15) {
  /* written as the previous version did: JSON events, the lean copy 'el', no czAt, a
   * once-token field in the hash */
  ww_store_opts o = {.session_ttl = 1000};
  ww_store *s = open_store(&o);
  const char *sid = "00112233445566778899aabbccddeeff";
  cr_assert_eq(ww_test_redis_int(&rds,
      "HSET ww:{%s}:s id %s citizenRef ref-old service verhuizing channel website "
      "createdAt 2026-12-01T10:00:00+01:00 updatedAt 2026-12-01T10:00:00+01:00 "
      "expiresAt 2026-12-08T10:00:00+01:00 data {\"step\":2} x:abcd 1", sid, sid), 9);
  for (int i = 0; i < 12; i++)
    cr_assert_eq(ww_test_redis_int(&rds, "RPUSH ww:{%s}:ev {\"at\":\"2026-12-01T10:00:00+01:00\","
                 "\"channel\":\"website\",\"type\":\"step\",\"service\":null,\"detail\":{\"n\":%d}}",
                 sid, i), i + 1);
  ww_test_redis_int(&rds, "EXPIRE ww:{%s}:s 100", sid);
  ww_test_redis_int(&rds, "EXPIRE ww:{%s}:ev 100", sid);
  ww_test_redis_str(&rds, (char[8]){0}, 8, "SET ww:cz:{ref-old} %s EX 100", sid);
  int st;
  json_t *a = lean_append(s, sid, &st);
  cr_assert_eq(st, 0);
  json_t *evs = json_object_get(a, "events");
  cr_assert_eq(json_array_size(evs), WW_STORE_LEAN_EVENTS);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(evs, 9), "detail"), "n")), 11);
  cr_assert_eq(json_integer_value(json_object_get(a, "eventCount")), 13);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(a, "data"), "step")), 2);
  cr_assert_null(json_object_get(a, "x:abcd"));
  json_decref(a);
  json_t *l = latest_id(s, "ref-old", &st);   /* after the touch (same connection) */
  json_decref(l);
  cr_assert_eq(st, 0);
  /* no czAt yet: the first append slid the index (and the session's TTL) */
  cr_assert_gt(ww_test_redis_int(&rds, "TTL ww:cz:{ref-old}"), 1100);
  cr_assert_gt(ww_test_redis_int(&rds, "TTL ww:{%s}:ev", sid), 990);
  json_t *g = get(s, sid, &st);
  cr_assert_eq(st, 0);
  evs = json_object_get(g, "events");
  cr_assert_eq(json_array_size(evs), 13);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(evs, 0), "detail"), "n")), 0);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(evs, 12), "type")), "advice");
  json_decref(g);
  close_store(s);
}
#endif

/* ---- what an advice advised (issue 13 §6: agentContext) ---- */

static json_t *advised_of(const char *at, const char *channel, const char *reason) {
  return json_pack("{s:s, s:s, s:s, s:s}", "at", at, "channel", channel, "name", channel,
                   "reason", reason);
}

Test(SUITE, advised_kept_on_the_session_later_wins, .init = setup, .fini = teardown,
     .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, "paspoort", NULL);
  int st;
  json_t *a = append(s, sid_of(c), "advice", NULL, WW_STORE_LEAN, &st);
  cr_assert_eq(st, 0);
  cr_assert_null(json_object_get(a, "advised"), "no outcome before it is written");
  const char *at = json_string_value(json_object_get(a, "updatedAt"));
  json_t *adv = advised_of(at, "balie", "Voor een paspoort komt u langs.");
  ww_store_session_advised(s, sid_of(c), adv);   /* no callback: the next read comes after */
  json_decref(adv);

  json_t *g = get(s, sid_of(c), &st);
  cr_assert_eq(st, 0);
  json_t *got = json_object_get(g, "advised");
  cr_assert(json_is_object(got), "the session carries the outcome");
  cr_assert_str_eq(json_string_value(json_object_get(got, "channel")), "balie");
  cr_assert_str_eq(json_string_value(json_object_get(got, "reason")),
                   "Voor een paspoort komt u langs.");
  cr_assert_str_eq(json_string_value(json_object_get(got, "at")), at);
  /* neither the update time nor the expiry moved */
  cr_assert_str_eq(json_string_value(json_object_get(g, "updatedAt")), at);
  cr_assert_str_eq(json_string_value(json_object_get(g, "expiresAt")),
                   json_string_value(json_object_get(a, "expiresAt")));
  json_decref(g);

  /* an earlier advice's outcome arriving late does not replace a later one */
  adv = advised_of("2000-01-01T00:00:00+01:00", "website", "Dit regelt u online.");
  ww_store_session_advised(s, sid_of(c), adv);
  json_decref(adv);
  /* an append shows it too (lean and full) */
  json_t *b = append(s, sid_of(c), "advice", NULL, WW_STORE_LEAN, &st);
  cr_assert_eq(st, 0);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "advised"), "channel")),
                   "balie");
  /* a later one does */
  adv = advised_of(json_string_value(json_object_get(b, "updatedAt")), "telefoon",
                   "Bel ons.");
  ww_store_session_advised(s, sid_of(c), adv);
  json_decref(adv);
  g = append(s, sid_of(c), "note", NULL, 0, &st);
  cr_assert_eq(st, 0);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(g, "advised"), "channel")),
                   "telefoon");
  json_decref(g);
  json_decref(b);

  /* an unknown session gets nothing (and no key) */
  char unknown[WW_SESSION_ID_LEN + 1];
  memset(unknown, 'a', WW_SESSION_ID_LEN);
  unknown[WW_SESSION_ID_LEN] = '\0';
  adv = advised_of(at, "balie", "x");
  ww_store_session_advised(s, unknown, adv);
  json_decref(adv);
  g = get(s, unknown, &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  json_decref(g);
  ww_store_stats stats;
  ww_store_get_stats(s, &stats);
  cr_assert_eq(stats.log_errors, 0);
  json_decref(a);
  json_decref(c);
  close_store(s);
}

/* ---- issue 16: the citizen's latest session, found and appended to in one step ---- */

static json_t *append_citizen(ww_store *s, const char *ref, const char *type, int flags,
                              int *status) {
  json_t *ev = json_pack("{s:s, s:s}", "channel", "telefoon", "type", type);
  res r = {0};
  ww_store_session_append_citizen(s, ref, ev, flags, on_res, &r);
  json_decref(ev);
  wait_res(&r);
  *status = r.status;
  return r.v;
}

Test(SUITE, append_citizen_takes_the_latest_live_session, .init = setup, .fini = teardown,
     .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *a = create(s, "ref-two", NULL, NULL);
  json_t *b = create(s, "ref-two", "paspoort", NULL);
  int st;
  json_t *x = append(s, sid_of(b), "step", NULL, 0, &st);   /* one event before */
  cr_assert_eq(st, 0);
  json_decref(x);
  json_t *l = append_citizen(s, "ref-two", "advice", WW_STORE_LEAN, &st);
  cr_assert_eq(st, 0, "%s", ww_store_strerror(st));
  cr_assert_str_eq(sid_of(l), sid_of(b), "the latest session, not the first");
  cr_assert_str_eq(json_string_value(json_object_get(l, "service")), "paspoort");
  /* lean: the events from before the append, and the count after it */
  cr_assert_eq(json_array_size(json_object_get(l, "events")), 1);
  cr_assert_eq(json_integer_value(json_object_get(l, "eventCount")), 2);
  json_decref(l);
  json_t *g = get(s, sid_of(b), &st);
  cr_assert_eq(count_type(json_object_get(g, "events"), "advice"), 1);
  json_decref(g);
  g = get(s, sid_of(a), &st);
  cr_assert_eq(json_array_size(json_object_get(g, "events")), 0, "the older one untouched");
  json_decref(g);
  /* a citizen without sessions, and refs that cannot be one */
  l = append_citizen(s, "ref-none", "advice", WW_STORE_LEAN, &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  cr_assert_null(l);
  l = append_citizen(s, "", "advice", WW_STORE_LEAN, &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND);
  json_decref(a);
  json_decref(b);
  close_store(s);
}

Test(SUITE, append_citizen_skips_an_expired_session, .init = setup, .fini = teardown,
     .timeout = 30) {
  ww_store_opts o = {.session_ttl = 2};
  ww_store *s = open_store(&o);
  json_t *a = create(s, "ref-exp", NULL, NULL);
  json_t *b = create(s, "ref-exp", NULL, NULL);
  int st;
  /* the older one is kept alive, the latest left to expire */
  for (int i = 0; i < 5; i++) {
    run_for(500);
    json_t *x = append(s, sid_of(a), "step", NULL, 0, &st);
    cr_assert_eq(st, 0);
    json_decref(x);
  }
  gone_ctx gb = {s, sid_of(b)};
  cr_assert(poll_until(session_gone, &gb, 4500), "the latest session did not expire");
  /* the latest is gone: nothing is appended anywhere (an older session is never taken) */
  json_t *l = append_citizen(s, "ref-exp", "advice", WW_STORE_LEAN, &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND, "%s", ww_store_strerror(st));
  cr_assert_null(l);
  json_t *g = get(s, sid_of(a), &st);
  cr_assert_eq(st, 0);
  cr_assert_eq(count_type(json_object_get(g, "events"), "advice"), 0);
  json_decref(g);
  g = get(s, sid_of(b), &st);
  cr_assert_eq(st, WW_STORE_ENOTFOUND, "an expired session is not revived");
  json_decref(a);
  json_decref(b);
  close_store(s);
}

/* The outcomes of two advices in the hour repeated when the clocks go back (Sunday
 * 25 October 2026, 03:00 CEST -> 02:00 CET): 02:10+01:00 comes after 02:30+02:00 although
 * its text sorts before it. The later one stays, in whichever order they arrive. */
Test(SUITE, advised_ordered_by_time_across_the_repeated_hour, .init = setup,
     .fini = teardown, .timeout = 15) {
  ww_store *s = open_store(NULL);
  json_t *c = create(s, NULL, "paspoort", NULL);
  const char *first = "2026-10-25T02:30:00+02:00", *second = "2026-10-25T02:10:00+01:00";
  for (int order = 0; order < 2; order++) {
    json_t *sess = create(s, NULL, "paspoort", NULL);
    const char *ats[2] = {order ? second : first, order ? first : second};
    for (int i = 0; i < 2; i++) {
      json_t *adv = advised_of(ats[i], strcmp(ats[i], second) == 0 ? "telefoon" : "balie",
                               "x");
      ww_store_session_advised(s, sid_of(sess), adv);
      json_decref(adv);
    }
    int st;
    json_t *g = get(s, sid_of(sess), &st);
    cr_assert_eq(st, 0);
    json_t *got = json_object_get(g, "advised");
    cr_assert_str_eq(json_string_value(json_object_get(got, "at")), second, "order %d", order);
    cr_assert_str_eq(json_string_value(json_object_get(got, "channel")), "telefoon");
    json_decref(g);
    json_decref(sess);
  }
  /* an outcome without a readable time is refused (and counted) */
  json_t *adv = advised_of("gisteren", "balie", "x");
  ww_store_session_advised(s, sid_of(c), adv);
  json_decref(adv);
  ww_store_stats stats;
  ww_store_get_stats(s, &stats);
  cr_assert_eq(stats.log_errors, 1);
  json_decref(c);
  close_store(s);
}

/* ---- rule-set history and drafts (issue 14) ---- */

static int op_status(json_t **out, void (*start)(ww_store *, void *), ww_store *s) {
  res r = {0};
  start(s, &r);
  wait_res(&r);
  if (out) *out = r.v;
  else json_decref(r.v);
  return r.status;
}

static json_t *record(const char *version, const char *source, const char *text) {
  return json_pack("{s:s, s:s, s:s, s:s, s:{s:i, s:i}, s:{s:s}}", "version", version,
                   "loadedAt", "2026-12-01T10:00:00+01:00", "source", source, "actor", "beheer",
                   "tests", "passed", 3, "failed", 0, "files", "channels.lua", text);
}

static int commit(ww_store *s, const char *version, const char *source) {
  json_t *rec = record(version, source, version);
  json_t *au = json_pack("{s:s, s:s}", "action", source, "to", version);
  res r = {0};
  ww_store_rules_commit(s, rec, au, on_res, &r);
  wait_res(&r);
  json_decref(rec);
  json_decref(au);
  int st = r.status;
  res_clear(&r);
  return st;
}

static void start_versions(ww_store *s, void *r) { ww_store_rules_versions(s, on_res, r); }
static void start_audit(ww_store *s, void *r) { ww_store_rules_audit(s, on_res, r); }
static void start_live_full(ww_store *s, void *r) { ww_store_rules_live(s, 1, on_res, r); }
static void start_live_id(ww_store *s, void *r) { ww_store_rules_live(s, 0, on_res, r); }
static void start_drafts(ww_store *s, void *r) { ww_store_drafts(s, on_res, r); }

/* The live version and the last 20, an id committed again moves to the front, the audit
 * newest first, one history for every handle. */
Test(SUITE, rules_history, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store *s = open_store(NULL);
  ww_store *s2 = open_store(NULL);
  json_t *v = NULL;
  cr_assert_eq(op_status(&v, start_live_id, s), WW_STORE_ENOTFOUND);
  cr_assert_eq(op_status(&v, start_versions, s), 0);
  cr_assert(json_is_null(json_object_get(v, "live")));
  cr_assert_eq(json_array_size(json_object_get(v, "versions")), 0);
  json_decref(v);

  char id[16];
  for (int i = 0; i < 25; i++) {
    snprintf(id, sizeof id, "%012x", i);
    cr_assert_eq(commit(s, id, "publish"), 0);
  }
  cr_assert_eq(op_status(&v, start_versions, s2), 0);
  json_t *list = json_object_get(v, "versions");
  cr_assert_eq(json_array_size(list), WW_STORE_RULES_KEEP);
  cr_assert_str_eq(str(v, "live"), "000000000018");
  cr_assert_str_eq(str(json_array_get(list, 0), "version"), "000000000018");
  cr_assert_str_eq(str(json_array_get(list, 20), "version"), "000000000004");
  cr_assert_null(json_object_get(json_array_get(list, 0), "files"), "listed without files");
  json_decref(v);

  /* a rollback to a kept one moves it to the front */
  cr_assert_eq(commit(s2, "000000000009", "rollback"), 0);
  cr_assert_eq(op_status(&v, start_live_full, s), 0);
  cr_assert_str_eq(str(v, "version"), "000000000009");
  cr_assert_str_eq(str(v, "source"), "rollback");
  cr_assert_str_eq(str(json_object_get(v, "files"), "channels.lua"), "000000000009");
  json_decref(v);
  cr_assert_eq(op_status(&v, start_versions, s), 0);
  list = json_object_get(v, "versions");
  cr_assert_eq(json_array_size(list), WW_STORE_RULES_KEEP);
  cr_assert_str_eq(str(json_array_get(list, 0), "version"), "000000000009");
  cr_assert_str_eq(str(json_array_get(list, 1), "version"), "000000000018");
  json_decref(v);

  /* one version with its files; the trimmed ones are gone */
  res r = {0};
  ww_store_rules_version(s2, "000000000005", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  cr_assert_str_eq(str(json_object_get(r.v, "files"), "channels.lua"), "000000000005");
  res_clear(&r);
  ww_store_rules_version(s2, "000000000003", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_ENOTFOUND);
  res_clear(&r);
  ww_store_rules_version(s2, "../../etc", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_ENOTFOUND);
  res_clear(&r);

  cr_assert_eq(op_status(&v, start_audit, s2), 0);
  json_t *entries = json_object_get(v, "entries");
  cr_assert_eq(json_array_size(entries), 26);
  cr_assert_str_eq(str(json_array_get(entries, 0), "action"), "rollback");
  cr_assert_str_eq(str(json_array_get(entries, 25), "to"), "000000000000");
  json_decref(v);

  /* a record without a valid version is refused */
  json_t *bad = record("nope", "files", "x");
  ww_store_rules_commit(s, bad, NULL, on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_EINVAL);
  res_clear(&r);
  json_decref(bad);
  close_store(s2);
  close_store(s);
}

static int put_draft(ww_store *s, const char *id, const char *status, int create) {
  json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "id", id, "createdAt",
                        "2026-12-01T10:00:00+01:00", "author", "beleid", "status", status,
                        "files", "channels.lua", "x");
  res r = {0};
  ww_store_draft_put(s, d, create, on_res, &r);
  wait_res(&r);
  json_decref(d);
  int st = r.status;
  res_clear(&r);
  return st;
}

/* Drafts: shared by every handle, updated in place, listed without files. */
Test(SUITE, drafts_shared, .init = setup, .fini = teardown, .timeout = 30) {
  ww_store *s = open_store(NULL);
  ww_store *s2 = open_store(NULL);
  cr_assert_eq(put_draft(s, "00000000000000aa", "ready", 1), 0);
  cr_assert_eq(put_draft(s2, "00000000000000aa", "approved", 0), 0);
  cr_assert_eq(put_draft(s2, "00000000000000bb", "ready", 0), WW_STORE_ENOTFOUND,
               "an update of a draft that does not exist");
  res r = {0};
  ww_store_draft_get(s, "00000000000000aa", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, 0);
  cr_assert_str_eq(str(r.v, "status"), "approved");
  cr_assert_str_eq(str(json_object_get(r.v, "files"), "channels.lua"), "x");
  res_clear(&r);
  ww_store_draft_get(s, "00000000000000cc", on_res, &r);
  wait_res(&r);
  cr_assert_eq(r.status, WW_STORE_ENOTFOUND);
  res_clear(&r);
  json_t *v = NULL;
  cr_assert_eq(op_status(&v, start_drafts, s2), 0);
  cr_assert_eq(json_array_size(json_object_get(v, "drafts")), 1);
  cr_assert_null(json_object_get(json_array_get(json_object_get(v, "drafts"), 0), "files"));
  json_decref(v);
  /* at most WW_STORE_DRAFTS_MAX */
  char id[20];
  for (int i = 1; i < WW_STORE_DRAFTS_MAX; i++) {
    snprintf(id, sizeof id, "%016x", 0x1000 + i);
    cr_assert_eq(put_draft(s, id, "ready", 1), 0);
  }
  cr_assert_eq(put_draft(s, "ffffffffffffffff", "ready", 1), WW_STORE_ECONFLICT);
  close_store(s2);
  close_store(s);
}
