/* wegwijzer report: the numbers of the text report on generated data (a JSON-lines file
 * and a real redis-server filled with XADD), the export round trip, a real `serve
 * --decision-log` feeding it, the handovers a real `serve` wrote into its sessions, and
 * the usage and input errors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "harness.h"
#include "wegwijzer_proc.h"

#include "cli_run.h"

#define REPORT(...) ww_cli_run("report", (const char *const[]){__VA_ARGS__, NULL})

static long sum_of(const json_t *counts) {
  long n = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)counts, k, v) n += (long)json_integer_value(v);
  return n;
}

/* The text from the first "\nPer dienst" on (drops the source line). */
static const char *tables(const char *text) {
  const char *p = strstr(text, "\nPer dienst");
  cr_assert_not_null(p, "%s", text);
  return p;
}

/* ------------------------------------------------------------ generated data */

/* The mix both the file and the Redis tests use, inside 2026-05-04 (CEST):
 *   paspoort  (web)  balie 40, telefoon 10
 *   parkeervergunning (web) website 88, telefoon 20 (5 of them degraded); (app) website 12
 *   verhuizing (ivr, route) telefoon 30
 * totals: website 100, telefoon 60, balie 40 = 200 (advice 170, route 30);
 * handovers: 8 made on website, 6 claimed on telefoon. */
typedef struct gen {
  const char *service, *channel, *origin, *kind;
  int n, degraded;
} gen;

static const gen mix[] = {
    {"paspoort", "balie", "web", "advice", 40, 0},
    {"paspoort", "telefoon", "web", "advice", 10, 0},
    {"parkeervergunning", "website", "web", "advice", 88, 0},
    {"parkeervergunning", "telefoon", "web", "advice", 15, 0},
    {"parkeervergunning", "telefoon", "web", "advice", 5, 1},
    {"parkeervergunning", "website", "app", "advice", 12, 0},
    {"verhuizing", "telefoon", "ivr", "route", 30, 0},
};

/* 2026-05-04T08:00:00+02:00 */
#define DAY_MS 1777874400000LL

static void check_mix_report(const char *out) {
  EXPECT_LINE(out, "Beslissingen: 200 (advies 170, route 30)");
  EXPECT_LINE(out, "dienst kanaal aantal aandeel");
  EXPECT_LINE(out, "parkeervergunning website 100 83,3%");
  EXPECT_LINE(out, "parkeervergunning telefoon 20 16,7%");
  EXPECT_LINE(out, "parkeervergunning totaal 120 100,0%");
  EXPECT_LINE(out, "paspoort balie 40 80,0%");
  EXPECT_LINE(out, "paspoort telefoon 10 20,0%");
  EXPECT_LINE(out, "paspoort totaal 50 100,0%");
  EXPECT_LINE(out, "verhuizing telefoon 30 100,0%");
  EXPECT_LINE(out, "herkomst kanaal aantal aandeel");
  EXPECT_LINE(out, "web website 88 55,7%");
  EXPECT_LINE(out, "web balie 40 25,3%");
  EXPECT_LINE(out, "web telefoon 30 19,0%");
  EXPECT_LINE(out, "web totaal 158 100,0%");
  EXPECT_LINE(out, "app website 12 100,0%");
  EXPECT_LINE(out, "ivr telefoon 30 100,0%");
  /* the bundled rule set's targets: website 55%, telefoon 20%, balie 8%, chat 4% */
  EXPECT_LINE(out, "kanaal aantal aandeel doel verschil");
  EXPECT_LINE(out, "website 100 50,0% 55,0% -5,0 pp");
  EXPECT_LINE(out, "telefoon 60 30,0% 20,0% +10,0 pp");
  EXPECT_LINE(out, "balie 40 20,0% 8,0% +12,0 pp");
  EXPECT_LINE(out, "chat 0 0,0% 4,0% -4,0 pp");
  EXPECT_LINE(out, "totaal 200 100,0%");
  EXPECT_LINE(out, "gemaakt 8");
  EXPECT_LINE(out, "opgehaald 6 (75,0% van gemaakt)");
  EXPECT_LINE(out, "gemaakt via: website 8");
  EXPECT_LINE(out, "opgehaald via: telefoon 6");
  EXPECT_LINE(out, "Terugvaladvies (degraded): 5 van 200 beslissingen (2,5%)");
}

static void write_mix_jsonl(const char *path) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  char at[48];
  int k = 0;
  for (size_t g = 0; g < sizeof mix / sizeof mix[0]; g++) {
    for (int i = 0; i < mix[g].n; i++, k++) {
      /* 2026-05-04T08:00:00+02:00 + k minutes, written out here so the test does not
       * lean on the time code it checks */
      snprintf(at, sizeof at, "2026-05-04T%02d:%02d:00+02:00", 8 + k / 60, k % 60);
      fprintf(f, "{\"at\":\"%s\",\"adviceId\":\"a%d\",\"kind\":\"%s\",\"service\":\"%s\","
                 "\"channel\":\"%s\",\"origin\":\"%s\",\"degraded\":%s,\"ruleset\":\"r1\"}\n",
              at, k, mix[g].kind, mix[g].service, mix[g].channel, mix[g].origin,
              mix[g].degraded ? "true" : "false");
    }
  }
  for (int i = 0; i < 8; i++)
    fprintf(f, "{\"at\":\"2026-05-04T20:0%d:00+02:00\",\"kind\":\"handover\",\"channel\":\"website\"}\n", i);
  fputs("\n", f);   /* blank lines are skipped */
  for (int i = 0; i < 6; i++)
    fprintf(f, "{\"at\":\"2026-05-04T21:0%d:00Z\",\"kind\":\"claimed\",\"channel\":\"telefoon\"}\n", i);
  /* outside the period: the day before, and exactly at --until (exclusive) */
  fputs("{\"at\":\"2026-05-03T23:59:59+02:00\",\"kind\":\"advice\",\"service\":\"paspoort\","
        "\"channel\":\"website\",\"origin\":\"web\",\"degraded\":false}\n", f);
  fputs("{\"at\":\"2026-05-05T00:00:00+02:00\",\"kind\":\"advice\",\"service\":\"paspoort\","
        "\"channel\":\"website\",\"origin\":\"web\",\"degraded\":true}\n", f);
  fputs("{\"at\":\"2026-05-04T22:00:00Z\",\"kind\":\"handover\",\"channel\":\"chat\"}\n", f);
  cr_assert_eq(fclose(f), 0);
}

TestSuite(report, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 240);

Test(report, jsonl_known_mix_against_targets) {
  write_mix_jsonl(tmp("mix.jsonl"));
  run r = REPORT("--from", tmp("mix.jsonl"), "--since", "2026-05-04", "--until",
                 "2026-05-05T00:00:00+02:00", "--rules", ww_test_source("rules"));
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  check_mix_report(r.out);
  EXPECT_LINE(r.out, "Periode: 2026-05-04T00:00:00+02:00 tot 2026-05-05T00:00:00+02:00");
  EXPECT_LINE(r.out, "Regelsets: r1 (200)");
  run_free(&r);

  /* a duration reaches back from now: nothing of 2026 falls in the last hour */
  r = REPORT("--from", tmp("mix.jsonl"), "--since", "1h", "--rules", ww_test_source("rules"));
  cr_assert_eq(r.status, 0, "%s", r.err);
  EXPECT_LINE(r.out, "Beslissingen: 0 (advies 0, route 0)");
  EXPECT_LINE(r.out, "Terugvaladvies (degraded): 0 van 0 beslissingen (-)");
  run_free(&r);

  /* without a period everything counts: 202 decisions, 9 handovers */
  r = REPORT("--from", tmp("mix.jsonl"), "--rules", ww_test_source("rules"));
  cr_assert_eq(r.status, 0, "%s", r.err);
  EXPECT_LINE(r.out, "Beslissingen: 202 (advies 172, route 30)");
  EXPECT_LINE(r.out, "gemaakt 9");
  EXPECT_LINE(r.out, "Terugvaladvies (degraded): 6 van 202 beslissingen (3,0%)");
  run_free(&r);
}

Test(report, rule_set_without_targets) {
  write_mix_jsonl(tmp("mix.jsonl"));
  run r = REPORT("--from", tmp("mix.jsonl"), "--since", "2026-05-04", "--until", "2026-05-05",
                 "--rules", ww_test_source("examples/rules/digid"));
  cr_assert_eq(r.status, 0, "%s", r.err);
  EXPECT_LINE(r.out, "kanaal aantal aandeel");
  EXPECT_LINE(r.out, "website 100 50,0%");
  EXPECT_LINE(r.out, "(de regelset geeft geen doelen: targets { ... } in channels.lua)");
  cr_expect_null(strstr(r.out, " pp"), "%s", r.out);
  run_free(&r);
}

/* ------------------------------------------------------------------ Redis */

static redisContext *redis_at(int port) {
  redisContext *c = redisConnect("127.0.0.1", port);
  cr_assert(c && !c->err, "connect to redis: %s", c ? c->errstr : "?");
  return c;
}

static void cmd_ok(redisContext *c, redisReply *r) {
  cr_assert_not_null(r, "redis: %s", c->errstr);
  cr_assert_neq(r->type, REDIS_REPLY_ERROR, "redis: %s", r->str);
  freeReplyObject(r);
}

/* The mix as the server writes it: XADD ww:decisions MAXLEN ~ N <ms>-<seq> fields; then
 * the handovers it logs (kind handover / claimed, sessionId, channel): 8 made on the
 * website, 6 claimed on the phone, as in the JSON-lines file. */
static void fill_stream(redisContext *c) {
  int k = 0;
  for (size_t g = 0; g < sizeof mix / sizeof mix[0]; g++) {
    for (int i = 0; i < mix[g].n; i++, k++) {
      char id[48], aid[16];
      /* several entries share a millisecond: the batches must not lose any */
      snprintf(id, sizeof id, "%lld-%d", DAY_MS + (k / 3) * 1000, k % 3);
      snprintf(aid, sizeof aid, "a%d", k);
      cmd_ok(c, redisCommand(c, "XADD ww:decisions MAXLEN ~ 100000 %s adviceId %s kind %s "
                                "service %s channel %s origin %s degraded %s ruleset r1",
                             id, aid, mix[g].kind, mix[g].service, mix[g].channel,
                             mix[g].origin, mix[g].degraded ? "true" : "false"));
    }
  }
  for (int i = 0; i < 8; i++)   /* 2026-05-04T20:0i:00+02:00 */
    cmd_ok(c, redisCommand(c, "XADD ww:decisions %lld-0 kind handover sessionId s%d channel "
                              "website", DAY_MS + 12 * 3600 * 1000LL + i * 60000LL, i));
  for (int i = 0; i < 6; i++)   /* 2026-05-04T21:0i:00Z */
    cmd_ok(c, redisCommand(c, "XADD ww:decisions %lld-0 kind claimed sessionId s%d service "
                              "paspoort channel telefoon",
                           DAY_MS + 15 * 3600 * 1000LL + i * 60000LL, i));
  /* outside the period, before and at --until */
  cmd_ok(c, redisCommand(c, "XADD ww:decisions %lld-0 kind advice service paspoort channel "
                            "website origin web degraded true ruleset r0",
                         DAY_MS + 16 * 3600 * 1000LL));   /* 2026-05-05T00:00+02:00 */
}

Test(report, redis_stream_and_export_round_trip) {
  ww_proc redis;
  cr_assert_eq(ww_redis_start(&redis, 10000), 0);
  redisContext *c = redis_at(redis.port);
  /* 2 400 decisions the day before (stream ids only grow, so these go first): XRANGE
   * runs in batches of 1000 */
  for (int i = 0; i < 2400; i++) {
    redisAppendCommand(c, "XADD ww:decisions %lld-%d kind advice service grofvuil channel "
                          "website origin web degraded false ruleset r2",
                       DAY_MS - 86400000LL + i / 7, i % 7);
  }
  for (int i = 0; i < 2400; i++) {
    redisReply *rep;
    cr_assert_eq(redisGetReply(c, (void **)&rep), REDIS_OK);
    cmd_ok(c, rep);
  }
  /* a handover the evening before: outside the period */
  cmd_ok(c, redisCommand(c, "XADD ww:decisions %lld-0 kind handover channel chat",
                         DAY_MS - 9 * 3600 * 1000LL));
  fill_stream(c);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);

  run r = REPORT("--redis", url, "--since", "2026-05-04T00:00:00+02:00", "--until",
                 "2026-05-05", "--rules", ww_test_source("rules"), "--export",
                 tmp("export.jsonl"));
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  check_mix_report(r.out);
  char src[128];
  snprintf(src, sizeof src, "Bron: redis://127.0.0.1:%d/0 (stream ww:decisions)", redis.port);
  EXPECT_LINE(r.out, src);
  EXPECT_LINE(r.out, "Overdrachten (bron: beslissingenstroom)");

  /* the export reads back to the same tables */
  run r2 = REPORT("--from", tmp("export.jsonl"), "--since", "2026-05-04", "--until",
                  "2026-05-05", "--rules", ww_test_source("rules"));
  cr_assert_eq(r2.status, 0, "%s", r2.err);
  const char *t1 = tables(r.out), *t2 = tables(r2.out);
  char *h1 = strstr(t1, "\nOverdrachten"), *h2 = strstr(t2, "\nOverdrachten");
  cr_assert(h1 && h2);
  cr_expect_eq(h1 - t1, h2 - t2);
  cr_expect_eq(strncmp(t1, t2, (size_t)(h1 - t1)), 0, "redis:\n%s\nexport:\n%s", t1, t2);
  check_mix_report(r2.out);
  run_free(&r2);
  run_free(&r);

  /* the whole stream: 2 400 + 200 + 1 in the batches, 8 + 1 handovers */
  r = REPORT("--redis", url, "--rules", ww_test_source("rules"));
  cr_assert_eq(r.status, 0, "%s", r.err);
  EXPECT_LINE(r.out, "Beslissingen: 2601 (advies 2571, route 30)");
  EXPECT_LINE(r.out, "grofvuil website 2400 100,0%");
  EXPECT_LINE(r.out, "gemaakt 9");
  run_free(&r);

  /* a database number in the URL selects it: db 3 is empty */
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/3", redis.port);
  r = REPORT("--redis", url);
  cr_assert_eq(r.status, 0, "%s", r.err);
  EXPECT_LINE(r.out, "Beslissingen: 0 (advies 0, route 0)");
  run_free(&r);

  redisFree(c);
  ww_proc_stop(&redis, SIGTERM, 10000);
  ww_proc_cleanup(&redis);
}

/* The real server's decision log: what `serve --decision-log` writes is what the
 * report counts. */
Test(report, counts_what_the_server_logs) {
  ww_proc redis, srv;
  cr_assert_eq(ww_redis_start(&redis, 10000), 0);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);
  /* one worker, ready (its Redis connection up) before the first request: a log write
   * while the connection is still coming up is dropped by design */
  const char *extra[] = {"--redis", url, "--decision-log", "10000", "--workers", "1", NULL};
  ww_test_serve(&srv, extra);
  ww_http_resp r;
  int ready = 0;
  for (double end = ww_now_ms() + 15000; !ready && ww_now_ms() < end;) {
    cr_assert_eq(ww_http_request(srv.port, "GET", "/readyz", NULL, NULL, &r), 0);
    ready = r.status == 200;
    ww_http_resp_free(&r);
    struct timespec ts = {0, 20 * 1000 * 1000};
    if (!ready) nanosleep(&ts, NULL);
  }
  cr_assert(ready, "/readyz never 200");

  static const char *const services[] = {"paspoort", "parkeervergunning", "grofvuil",
                                         "paspoort", "bijstand", "grofvuil", "paspoort"};
  json_t *expect = json_object();   /* service -> {channel -> n} */
  int n = 0;
  for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
    char body[256];
    snprintf(body, sizeof body, "{\"service\":\"%s\",\"context\":{\"origin\":\"%s\"}}",
             services[i], i % 2 ? "app" : "web");
    json_t *b = ww_test_post(srv.port, "/v1/advice", body, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    const char *first =
        json_string_value(json_object_get(json_array_get(json_object_get(b, "channels"), 0), "id"));
    cr_assert_not_null(first);
    json_t *m = json_object_get(expect, services[i]);
    if (m == NULL) json_object_set_new(expect, services[i], m = json_object());
    json_object_set_new(m, first, json_integer(json_integer_value(json_object_get(m, first)) + 1));
    json_decref(b);
    ww_http_resp_free(&r);
    n++;
  }
  /* a web session handed over to the phone: one handover made, one claimed */
  json_t *b = ww_test_post(srv.port, "/v1/sessions",
                           "{\"service\":\"verhuizing\",\"channel\":\"website\"}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  char path[160];
  snprintf(path, sizeof path, "/v1/sessions/%s/handover",
           json_string_value(json_object_get(json_object_get(b, "session"), "id")));
  json_decref(b);
  ww_http_resp_free(&r);
  b = ww_test_post(srv.port, path, "{\"to\":\"telefoon\"}", &r);
  cr_assert_eq(r.status, 201, "%s", r.body);
  char body[200];
  snprintf(body, sizeof body, "{\"service\":\"verhuizing\",\"handoverCode\":\"%s\"}",
           json_string_value(json_object_get(b, "code")));
  json_decref(b);
  ww_http_resp_free(&r);
  b = ww_test_post(srv.port, "/v1/route", body, &r);
  cr_assert_eq(r.status, 200, "%s", r.body);
  const char *target = json_string_value(json_object_get(json_object_get(b, "target"), "id"));
  cr_assert_not_null(target);
  char route_line[128];
  snprintf(route_line, sizeof route_line, "verhuizing %s 1 100,0%%", target);
  json_decref(b);
  ww_http_resp_free(&r);
  n++;

  /* the log is written without the request waiting for it: poll XLEN */
  redisContext *c = redis_at(redis.port);
  long long len = 0;
  double deadline = ww_now_ms() + 15000;
  while (ww_now_ms() < deadline) {
    redisReply *x = redisCommand(c, "XLEN ww:decisions");
    cr_assert_not_null(x);
    len = x->integer;
    freeReplyObject(x);
    if (len >= n + 2) break;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  /* n decisions plus the handover made and the one claimed */
  cr_assert_eq(len, n + 2, "XLEN %lld, want %d", len, n + 2);
  /* a field the server has no value for is left out, never written as "null" */
  redisReply *all = redisCommand(c, "XRANGE ww:decisions - +");
  cr_assert(all && all->type == REDIS_REPLY_ARRAY);
  for (size_t i = 0; i < all->elements; i++) {
    const redisReply *f = all->element[i]->element[1];
    for (size_t j = 1; j < f->elements; j += 2)
      cr_expect_str_neq(f->element[j]->str, "null", "entry %zu: %s is \"null\"", i,
                        f->element[j - 1]->str);
  }
  freeReplyObject(all);

  run rr = REPORT("--redis", url, "--since", "1h", "--rules", ww_test_source("rules"));
  cr_assert_eq(rr.status, 0, "%s", rr.err);
  char line[160];
  snprintf(line, sizeof line, "Beslissingen: %d (advies %d, route 1)", n, n - 1);
  EXPECT_LINE(rr.out, line);
  const char *svc;
  json_t *m;
  json_object_foreach(expect, svc, m) {
    const char *ch;
    json_t *v;
    long tot = sum_of(m);
    json_object_foreach(m, ch, v) {
      char pct[24];
      snprintf(pct, sizeof pct, "%.1f%%", 100.0 * (double)json_integer_value(v) / (double)tot);
      *strchr(pct, '.') = ',';
      snprintf(line, sizeof line, "%s %s %lld %s", svc, ch, (long long)json_integer_value(v), pct);
      EXPECT_LINE(rr.out, line);
    }
  }
  EXPECT_LINE(rr.out, route_line);
  EXPECT_LINE(rr.out, "gemaakt 1");
  EXPECT_LINE(rr.out, "opgehaald 1 (100,0% van gemaakt)");
  snprintf(line, sizeof line, "Terugvaladvies (degraded): 0 van %d beslissingen (0,0%%)", n);
  EXPECT_LINE(rr.out, line);
  run_free(&rr);
  json_decref(expect);
  redisFree(c);
  ww_test_stop(&srv);
  ww_proc_stop(&redis, SIGTERM, 10000);
  ww_proc_cleanup(&redis);
}

/* Handovers from the sessions themselves (issue 12, defect 2): without --decision-log the
 * stream holds none, so the report counts the "handover" and "claimed" events in the
 * sessions' event lists -- written here by the real server through the Redis store, which
 * packs them (a JSON object only for a handover whose channel the store fills in). */
static int packed_events(redisContext *c, const char *sid, const char *type) {
  redisReply *l = redisCommand(c, "LRANGE ww:{%s}:ev 0 -1", sid);
  cr_assert(l && l->type == REDIS_REPLY_ARRAY);
  char sep[32];
  snprintf(sep, sizeof sep, "\x1f%s\x1f", type);
  int n = 0;
  for (size_t i = 0; i < l->elements; i++) {
    const redisReply *e = l->element[i];
    if (e->type == REDIS_REPLY_STRING && e->len > 0 && e->str[0] != '{' && strstr(e->str, sep))
      n++;
  }
  freeReplyObject(l);
  return n;
}

Test(report, counts_packed_session_events) {
  ww_proc redis, srv;
  cr_assert_eq(ww_redis_start(&redis, 10000), 0);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);
  const char *extra[] = {"--redis", url, NULL};
  ww_test_serve(&srv, extra);
  ww_test_wait_ready(&srv, 15000);
  redisContext *c = redis_at(redis.port);

  /* 8 web sessions, each handed over once: 5 naming their channel (packed), 3 not (the
   * store fills in the session's channel: JSON). 5 codes claimed on the phone, 1 by the
   * IVR through /v1/route (origin "ivr": channel "telefoon"), 2 never. */
  int packed_made = 0, packed_claimed = 0;
  for (int i = 0; i < 8; i++) {
    ww_http_resp r;
    json_t *b = ww_test_post(srv.port, "/v1/sessions",
                             "{\"service\":\"paspoort\",\"channel\":\"website\"}", &r);
    cr_assert_eq(r.status, 201, "%s", r.body);
    char sid[64], path[160];
    snprintf(sid, sizeof sid, "%s",
             json_string_value(json_object_get(json_object_get(b, "session"), "id")));
    json_decref(b);
    ww_http_resp_free(&r);
    snprintf(path, sizeof path, "/v1/sessions/%s/handover", sid);
    b = ww_test_post(srv.port, path,
                     i < 5 ? "{\"channel\":\"website\",\"to\":\"telefoon\"}"
                           : "{\"to\":\"telefoon\"}", &r);
    cr_assert_eq(r.status, 201, "%s", r.body);
    char body[200];
    const char *code = json_string_value(json_object_get(b, "code"));
    cr_assert_not_null(code);
    if (i < 5) {
      snprintf(body, sizeof body, "{\"code\":\"%s\",\"channel\":\"telefoon\"}", code);
      json_decref(b);
      ww_http_resp_free(&r);
      b = ww_test_post(srv.port, "/v1/handover/claim", body, &r);
      cr_assert_eq(r.status, 200, "%s", r.body);
    } else if (i == 5) {
      snprintf(body, sizeof body, "{\"service\":\"paspoort\",\"handoverCode\":\"%s\"}", code);
      json_decref(b);
      ww_http_resp_free(&r);
      b = ww_test_post(srv.port, "/v1/route", body, &r);
      cr_assert_eq(r.status, 200, "%s", r.body);
      cr_assert_eq(json_is_true(json_object_get(b, "degraded")), 0, "%s", r.body);
    }
    json_decref(b);
    ww_http_resp_free(&r);
    packed_made += packed_events(c, sid, "handover");
    packed_claimed += packed_events(c, sid, "claimed");
  }
  /* the fixture is what the defect was about: packed events in Redis */
  cr_assert_eq(packed_made, 5, "packed handover events: %d", packed_made);
  cr_assert_eq(packed_claimed, 6, "packed claimed events: %d", packed_claimed);
  redisReply *x = redisCommand(c, "EXISTS ww:decisions");
  cr_assert(x && x->type == REDIS_REPLY_INTEGER && x->integer == 0, "no decision log");
  freeReplyObject(x);

  run rr = REPORT("--redis", url, "--since", "1h", "--rules", ww_test_source("rules"));
  cr_assert_eq(rr.status, 0, "%s", rr.err);
  EXPECT_LINE(rr.out, "Overdrachten (bron: sessies in Redis; verlopen sessies tellen niet meer mee)");
  EXPECT_LINE(rr.out, "gemaakt 8");
  EXPECT_LINE(rr.out, "opgehaald 6 (75,0% van gemaakt)");
  EXPECT_LINE(rr.out, "gemaakt via: website 8");
  EXPECT_LINE(rr.out, "opgehaald via: telefoon 6");   /* the IVR claims on "telefoon" */
  run_free(&rr);

  /* a period before these sessions holds none of them */
  rr = REPORT("--redis", url, "--since", "2026-05-04", "--until", "2026-05-05");
  cr_assert_eq(rr.status, 0, "%s", rr.err);
  EXPECT_LINE(rr.out, "gemaakt 0");
  EXPECT_LINE(rr.out, "opgehaald 0");
  run_free(&rr);

  redisFree(c);
  ww_test_stop(&srv);
  ww_proc_stop(&redis, SIGTERM, 10000);
  ww_proc_cleanup(&redis);
}

/* ----------------------------------------------------------------- errors */

Test(report, usage_and_input_errors) {
  run r = REPORT("--bogus");
  cr_expect_eq(r.status, 2);
  cr_expect_not_null(strstr(r.err, "unknown option --bogus"), "%s", r.err);
  cr_expect_not_null(strstr(r.err, "usage: wegwijzer report"), "%s", r.err);
  run_free(&r);

  r = REPORT("--since", "7d");   /* no source */
  cr_expect_eq(r.status, 2, "%s", r.err);
  run_free(&r);

  r = REPORT("--from", "x.jsonl", "--redis", "redis://127.0.0.1:1");
  cr_expect_eq(r.status, 2);
  run_free(&r);

  r = REPORT("--from", "x.jsonl", "--since", "gisteren");
  cr_expect_eq(r.status, 2);
  cr_expect_not_null(strstr(r.err, "--since gisteren"), "%s", r.err);
  run_free(&r);

  r = REPORT("--from", "x.jsonl", "--since", "2026-05-05", "--until", "2026-05-04");
  cr_expect_eq(r.status, 2);
  run_free(&r);

  r = REPORT("--from", tmp("missing.jsonl"), "--rules", ww_test_source("rules"));
  cr_expect_eq(r.status, 1);
  cr_expect_not_null(strstr(r.err, "cannot read"), "%s", r.err);
  run_free(&r);

  FILE *f = fopen(tmp("bad.jsonl"), "w");
  cr_assert_not_null(f);
  fputs("{\"at\":\"2026-05-04T10:00:00+02:00\",\"kind\":\"advice\"}\n{\"at\":\"gisteren\"}\n", f);
  fclose(f);
  r = REPORT("--from", tmp("bad.jsonl"), "--rules", ww_test_source("rules"));
  cr_expect_eq(r.status, 1);
  char want[600];
  snprintf(want, sizeof want, "%s:2: \"at\" is not an ISO 8601 time with offset", tmp("bad.jsonl"));
  cr_expect_not_null(strstr(r.err, want), "%s", r.err);
  run_free(&r);

  r = REPORT("--from", tmp("bad.jsonl"), "--rules", tmp("no-such-rules"));
  cr_expect_eq(r.status, 1, "an explicit --rules must load");
  run_free(&r);

  int port = ww_free_port();
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
  r = REPORT("--redis", url);
  cr_expect_eq(r.status, 1);
  cr_expect_not_null(strstr(r.err, "cannot connect to Redis"), "%s", r.err);
  run_free(&r);

  r = REPORT("--redis", "http://x");
  cr_expect_eq(r.status, 1);
  cr_expect_not_null(strstr(r.err, "bad Redis URL"), "%s", r.err);
  run_free(&r);
}
