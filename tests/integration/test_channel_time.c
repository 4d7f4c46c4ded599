#define _GNU_SOURCE
/* Integration (issue 13 §1, §8; issue 17 §1): channel time over HTTP against the real
 * `wegwijzer serve`, on the embedded store and (WW_TEST_STORE=redis, meson test
 * channel-time-redis) on a real redis-server:
 *   - a status override holds for questions about [from, until), and ends for everyone
 *     once the wall clock passes 'until', whatever time a question is about;
 *   - GET and DELETE /v1/channels/{id}/status;
 *   - read-your-writes: once a PUT or DELETE has answered, every worker answers with it;
 *   - a degraded answer's channels are sorted by score like any other. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "ops/ops_test.h"
#include "wegwijzer_proc.h"

static ww_proc srv, redis;
static char dir[256], tokens[320];
static const char *const ADMIN = OPS_ADMIN_TOKEN, *const ADVICE = OPS_ADVICE_TOKEN;

static int on_redis(void) {
  const char *s = getenv("WW_TEST_STORE");
  return s && strcmp(s, "redis") == 0;
}

/* `wegwijzer serve --tokens ... --workers 4` with 'rules' (NULL: the bundled ones) on the
 * store under test. */
static void serve(const char *rules) {
  const char *args[16] = {"--tokens", tokens, "--workers", "4"};
  int n = 4;
  char url[64];
  if (on_redis()) {
    if (redis.pid <= 0) cr_assert_eq(ww_redis_start(&redis, 10000), 0, "redis-server did not start");
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);
    args[n++] = "--redis";
    args[n++] = url;
  }
  if (rules) {
    args[n++] = "--rules";
    args[n++] = rules;
  }
  args[n] = NULL;
  ww_test_serve(&srv, args);
  ww_test_wait_ready(&srv, ww_test_valgrind() ? 60000 : 10000);
}

static void setup(void) {
  memset(&srv, 0, sizeof srv);
  ops_mkdtemp(dir);
  ops_tokens_file(dir, 0600, tokens);
  serve(NULL);
}

static void teardown(void) {
  if (srv.pid > 0) ww_test_stop(&srv);
  ww_proc_cleanup(&srv);
  if (redis.pid > 0) ww_proc_stop(&redis, SIGTERM, 10000);
  ww_proc_cleanup(&redis);
  ops_rmtree(dir);
}

TestSuite(chtime, .init = setup, .fini = teardown, .timeout = 90);

/* "YYYY-MM-DDTHH:MM:SSZ" of epoch 't'. */
static void iso(time_t t, char out[32]) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* 09:00 UTC of the first Tuesday at least 'days' days from now: 10:00 or 11:00 in
 * Amsterdam, when the phone is open by its hours. */
static time_t tuesday_9z(int days) {
  time_t t = time(NULL) + (time_t)days * 86400;
  struct tm tm;
  gmtime_r(&t, &tm);
  int ahead = (2 - tm.tm_wday + 7) % 7;
  t += (time_t)ahead * 86400;
  gmtime_r(&t, &tm);
  return t - tm.tm_hour * 3600 - tm.tm_min * 60 - tm.tm_sec + 9 * 3600;
}

static int put_status(const char *channel, const char *body) {
  char path[96];
  snprintf(path, sizeof path, "/v1/channels/%s/status", channel);
  return ops_req(srv.port, "PUT", path, ADMIN, body, NULL);
}

/* The advice's entry of 'channel' at 'time' (a new reference; NULL when it is not among
 * the channels). */
static json_t *advised(const char *service, const char *channel, time_t at) {
  char when[32], body[192];
  iso(at, when);
  snprintf(body, sizeof body, "{\"service\":\"%s\",\"context\":{\"time\":\"%s\"}}", service,
           when);
  json_t *b = NULL;
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", ADVICE, body, &b), 200);
  json_t *chs = json_object_get(b, "channels"), *found = NULL;
  for (size_t i = 0; i < json_array_size(chs); i++)
    if (strcmp(ops_str(json_array_get(chs, i), "id"), channel) == 0)
      found = json_incref(json_array_get(chs, i));
  json_decref(b);
  return found;
}

static int open_at(const char *channel, time_t at) {
  json_t *c = advised("verhuizing", channel, at);
  cr_assert_not_null(c, "%s not advised", channel);
  int open = json_is_true(json_object_get(c, "open"));
  json_decref(c);
  return open;
}

static int reasons_have(const json_t *ch, const char *text) {
  const json_t *rs = json_object_get(ch, "reasons");
  for (size_t i = 0; i < json_array_size(rs); i++)
    if (strstr(json_string_value(json_array_get(rs, i)), text)) return 1;
  return 0;
}

Test(chtime, override_holds_from_until) {
  time_t t = tuesday_9z(7);
  char from[32], until[32], body[256];
  iso(t, from);
  iso(t + 3600, until);
  snprintf(body, sizeof body,
           "{\"open\":false,\"reason\":\"Storing telefooncentrale\",\"from\":\"%s\","
           "\"until\":\"%s\"}", from, until);
  cr_assert_eq(put_status("telefoon", body), 200);
  cr_assert(open_at("telefoon", t - 900), "closed before 'from'");
  json_t *c = advised("verhuizing", "telefoon", t + 1800);
  cr_assert(json_is_false(json_object_get(c, "open")), "open inside [from, until)");
  cr_assert(reasons_have(c, "Storing telefooncentrale"));
  json_decref(c);
  cr_assert(!open_at("telefoon", t), "from is inclusive");
  cr_assert(open_at("telefoon", t + 3600), "until is exclusive");
  /* now is before 'from': GET /v1/channels (now) shows the phone by its hours, and GET of
   * the override shows it with its window */
  json_t *st = NULL;
  cr_assert_eq(ops_req(srv.port, "GET", "/v1/channels/telefoon/status", ADMIN, NULL, &st), 200);
  cr_assert_str_eq(ops_str(st, "from"), from);
  cr_assert_str_eq(ops_str(st, "until"), until);
  cr_assert_str_eq(ops_str(st, "channel"), "telefoon");
  json_decref(st);
}

/* The bug of issue 13: "closed until now + 2 s" closed the phone minutes later for every
 * question about an earlier time. */
Test(chtime, override_ends_for_everyone_when_the_clock_passes_until) {
  time_t asked = tuesday_9z(0) - 7 * 86400;   /* a Tuesday morning last week */
  time_t end = time(NULL) + 2;
  char until[32], body[192];
  iso(end, until);
  snprintf(body, sizeof body, "{\"open\":false,\"reason\":\"Even dicht\",\"until\":\"%s\"}",
           until);
  cr_assert_eq(put_status("telefoon", body), 200);
  cr_assert(!open_at("telefoon", asked), "the override holds while it lasts");
  while (time(NULL) <= end) ops_nap_ms(100);
  ops_nap_ms(200);
  for (int i = 0; i < 8; i++)   /* every worker */
    cr_assert(open_at("telefoon", asked), "the override outlived its until");
  cr_assert_eq(ops_req(srv.port, "GET", "/v1/channels/telefoon/status", ADMIN, NULL, NULL),
               404);
  /* gone from the store too: there is nothing left to end */
  cr_assert_eq(ops_req(srv.port, "DELETE", "/v1/channels/telefoon/status", ADMIN, NULL, NULL),
               404);
}

Test(chtime, get_and_delete) {
  const char *path = "/v1/channels/chat/status";
  json_t *b = NULL;
  cr_assert_eq(ops_req(srv.port, "GET", path, ADMIN, NULL, &b), 404);
  cr_assert_str_eq(ops_str(b, "code"), "not_found");
  json_decref(b);
  cr_assert_eq(ops_req(srv.port, "GET", path, ADVICE, NULL, NULL), 403);
  cr_assert_eq(ops_req(srv.port, "DELETE", path, ADVICE, NULL, NULL), 403);
  cr_assert_eq(ops_req(srv.port, "DELETE", path, NULL, NULL, NULL), 401);
  cr_assert_eq(ops_req(srv.port, "GET", "/v1/channels/geen_kanaal/status", ADMIN, NULL, NULL),
               404);
  cr_assert_eq(ops_req(srv.port, "DELETE", "/v1/channels/geen_kanaal/status", ADMIN, NULL,
                       NULL), 404);
  cr_assert_eq(put_status("chat", "{\"open\":false,\"reason\":\"Geen medewerkers\","
                                  "\"waitSeconds\":60}"), 200);
  cr_assert_eq(ops_req(srv.port, "GET", path, ADMIN, NULL, &b), 200);
  cr_assert_str_eq(ops_str(b, "reason"), "Geen medewerkers");
  cr_assert(json_is_false(json_object_get(b, "open")));
  cr_assert_eq(json_integer_value(json_object_get(b, "waitSeconds")), 60);
  cr_assert_not_null(ops_str(b, "updatedAt"));
  json_decref(b);
  cr_assert_eq(ops_req(srv.port, "DELETE", path, ADMIN, NULL, NULL), 204);
  cr_assert_eq(ops_req(srv.port, "GET", path, ADMIN, NULL, NULL), 404);
  cr_assert_eq(ops_req(srv.port, "DELETE", path, ADMIN, NULL, NULL), 404);
}

Test(chtime, bad_windows_refused) {
  char past[32], a[32], b2[32], body[256];
  iso(time(NULL) - 60, past);
  snprintf(body, sizeof body, "{\"open\":false,\"reason\":\"x\",\"until\":\"%s\"}", past);
  json_t *b = NULL;
  cr_assert_eq(ops_req(srv.port, "PUT", "/v1/channels/balie/status", ADMIN, body, &b), 400);
  cr_assert_str_eq(ops_str(json_array_get(json_object_get(b, "invalidParams"), 0), "name"),
                   "until");
  json_decref(b);
  iso(time(NULL) + 7200, a);
  iso(time(NULL) + 3600, b2);
  snprintf(body, sizeof body, "{\"open\":false,\"reason\":\"x\",\"from\":\"%s\",\"until\":\"%s\"}",
           a, b2);
  cr_assert_eq(ops_req(srv.port, "PUT", "/v1/channels/balie/status", ADMIN, body, NULL), 400);
  cr_assert_eq(ops_req(srv.port, "PUT", "/v1/channels/balie/status", ADMIN,
                       "{\"open\":false,\"reason\":\"x\",\"from\":\"morgen\"}", NULL), 400);
  cr_assert_eq(ops_req(srv.port, "GET", "/v1/channels/balie/status", ADMIN, NULL, NULL), 404);
}

/* Once a PUT or DELETE has answered, every worker answers with it: each check on a fresh
 * connection, so any of the 4 workers may take it. */
Test(chtime, read_your_writes_on_every_worker) {
  char body[128], want[32];
  for (int round = 0; round < 25; round++) {
    snprintf(want, sizeof want, "ronde %d", round);
    snprintf(body, sizeof body, "{\"open\":false,\"reason\":\"%s\"}", want);
    cr_assert_eq(put_status("balie", body), 200);
    for (int i = 0; i < 4; i++) {
      json_t *b = NULL;
      cr_assert_eq(ops_req(srv.port, "GET", "/v1/channels/balie/status", ADMIN, NULL, &b), 200,
                   "round %d, check %d: the override is not there (%s)", round, i,
                   b ? json_dumps(b, 0) : "-");
      cr_assert_str_eq(ops_str(b, "reason"), want, "round %d, check %d", round, i);
      json_decref(b);
    }
    json_t *c = advised("paspoort", "balie", tuesday_9z(0));
    cr_assert(c && reasons_have(c, want), "round %d: advice without the override", round);
    json_decref(c);
    cr_assert_eq(ops_req(srv.port, "DELETE", "/v1/channels/balie/status", ADMIN, NULL, NULL),
                 204);
    for (int i = 0; i < 4; i++)
      cr_assert_eq(ops_req(srv.port, "GET", "/v1/channels/balie/status", ADMIN, NULL, NULL),
                   404, "round %d, check %d: the override outlived its DELETE", round, i);
  }
}

/* Issue 13 §8: a degraded answer (the rules failed) keeps the fallback's order, open
 * channels first, and its scores descend with it, as `channels` is documented. */
static void check_degraded(time_t at, const char *const *want) {
  char when[32], body[192];
  iso(at, when);
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"context\":{\"time\":\"%s\","
                              "\"intent\":\"fout\"}}", when);
  json_t *b = NULL;
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", ADVICE, body, &b), 200);
  cr_assert(json_is_true(json_object_get(b, "degraded")));
  json_t *chs = json_object_get(b, "channels");
  cr_assert_eq(json_array_size(chs), 4);
  for (size_t i = 0; i < 4; i++) {
    json_t *c = json_array_get(chs, i);
    cr_assert_str_eq(ops_str(c, "id"), want[i], "at %zu", i);
    cr_assert_eq(json_integer_value(json_object_get(c, "rank")), (json_int_t)i + 1);
    if (i == 0) continue;
    json_t *p = json_array_get(chs, i - 1);
    int po = json_is_true(json_object_get(p, "open")), co = json_is_true(json_object_get(c, "open"));
    cr_assert(po >= co, "a closed channel before an open one");
    cr_assert_gt(json_number_value(json_object_get(p, "score")),
                 json_number_value(json_object_get(c, "score")), "scores do not descend at %zu", i);
  }
  json_decref(b);
}

Test(chtime, degraded_answer_sorted_by_score) {
  ww_test_stop(&srv);
  ww_proc_cleanup(&srv);
  char rdir[256], rules[300];
  ops_rules_copy(rdir, rules);
  ops_write(rules, "steering/zz_fout.lua",
            "rule \"kapot\" {\n"
            "  when = function(r) return r.context.intent == \"fout\" end,\n"
            "  advise = function(r, a) error(\"kapot\") end,\n"
            "}\n");
  serve(rules);
  /* fallback { channels = { "telefoon", "balie", "website", "terugbelverzoek" } } */
  const char *const weekday[] = {"telefoon", "balie", "website", "terugbelverzoek"};
  check_degraded(tuesday_9z(0), weekday);
  const char *const sunday[] = {"website", "terugbelverzoek", "telefoon", "balie"};
  check_degraded(tuesday_9z(0) - 2 * 86400, sunday);
  ops_rmtree(rdir);
}

/* Issue 17 §1 over HTTP: a planned closure closes the desk with its reason and shows in
 * GET /v1/channels; a rule with from / to applies by the question's time and the trace
 * shows its window; a service outside its window is refused as unknown. */
Test(chtime, closures_and_periods_over_http) {
  ww_test_stop(&srv);
  ww_proc_cleanup(&srv);
  char rdir[256], rules[300];
  ops_rules_copy(rdir, rules);
  ops_write(rules, "steering/zz_vanaf.lua",
            "rule \"vanaf 2027: 75+ eerst de telefoon\" {\n"
            "  from = \"2027-01-01\", to = \"2028-01-01\",\n"
            "  when = function(r) return r.citizen.age ~= nil and r.citizen.age >= 75 end,\n"
            "  advise = function(r, a) a:prefer(\"telefoon\", 60, \"Bel ons gerust.\") end,\n"
            "}\n");
  ops_append(rules, "services.lua",
             "\nservice \"nieuwe_dienst\" { name = \"Nieuwe dienst\", from = \"2027-03-01\" }\n");
  serve(rules);

  /* Christmas Eve 13:00: the desk is closed by the bundled closures, with their reason */
  json_t *b = NULL;
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", ADVICE,
                       "{\"service\":\"uittreksel_brp\",\"context\":{\"time\":"
                       "\"2026-12-24T13:00:00+01:00\"}}", &b), 200);
  json_t *chs = json_object_get(b, "channels"), *balie = NULL;
  for (size_t i = 0; i < json_array_size(chs); i++)
    if (strcmp(ops_str(json_array_get(chs, i), "id"), "balie") == 0) balie = json_array_get(chs, i);
  cr_assert_not_null(balie);
  cr_assert(json_is_false(json_object_get(balie, "open")));
  cr_assert(reasons_have(balie, "kerstavond is het stadskantoor vanaf 12.00 uur gesloten"));
  json_decref(b);
  cr_assert_eq(ops_req(srv.port, "GET", "/v1/channels", ADVICE, NULL, &b), 200);
  chs = json_object_get(b, "channels");
  int seen = 0;
  for (size_t i = 0; i < json_array_size(chs); i++) {
    json_t *c = json_array_get(chs, i);
    if (strcmp(ops_str(c, "id"), "balie") == 0) {
      json_t *cl = json_array_get(json_object_get(c, "closures"), 0);
      cr_assert_str_eq(ops_str(cl, "from"), "2026-12-24 12:00");
      seen = 1;
    }
  }
  cr_assert(seen, "GET /v1/channels lists the closures");
  json_decref(b);

  /* the rule from 2027 on, by the question's time; its window in the trace */
  const char *ask =
      "{\"service\":\"verhuizing\",\"citizen\":{\"age\":80},\"explain\":true,"
      "\"context\":{\"time\":\"%s\"}}";
  char body[256];
  snprintf(body, sizeof body, ask, "2026-12-01T10:00:00+01:00");
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", ADVICE, body, &b), 200);
  json_t *tr = json_object_get(b, "trace"), *mine = NULL;
  for (size_t i = 0; i < json_array_size(tr); i++)
    if (strcmp(ops_str(json_array_get(tr, i), "rule"), "vanaf 2027: 75+ eerst de telefoon") == 0)
      mine = json_array_get(tr, i);
  cr_assert_not_null(mine);
  cr_assert(json_is_false(json_object_get(mine, "matched")));
  cr_assert_str_eq(ops_str(mine, "from"), "2027-01-01");
  cr_assert_str_eq(ops_str(mine, "until"), "2028-01-01");
  json_decref(b);
  snprintf(body, sizeof body, ask, "2027-01-05T10:00:00+01:00");
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", ADVICE, body, &b), 200);
  cr_assert_str_eq(ops_str(json_array_get(json_object_get(b, "channels"), 0), "id"), "telefoon");
  json_decref(b);

  /* a service before its from: 400 unknown_service naming the field */
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", ADVICE,
                       "{\"service\":\"nieuwe_dienst\",\"context\":{\"time\":"
                       "\"2027-02-01T10:00:00+01:00\"}}", &b), 400);
  cr_assert_str_eq(ops_str(b, "code"), "unknown_service");
  cr_assert_str_eq(ops_str(json_array_get(json_object_get(b, "invalidParams"), 0), "name"),
                   "service");
  json_decref(b);
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/advice", ADVICE,
                       "{\"service\":\"nieuwe_dienst\",\"context\":{\"time\":"
                       "\"2027-03-01T10:00:00+01:00\"}}", NULL), 200);
  ops_rmtree(rdir);
}
