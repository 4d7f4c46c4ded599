/* wegwijzer replay and wegwijzer diff on the fixture tests/replay/fixture: "old" and "new"
 * differ in one rule (a move goes by phone, never to the desk), every channel is always
 * open, so each answer is known: verhuizing website -> telefoon with balie newly excluded,
 * paspoort balie on both. From a JSON-lines file, from the stream a real `serve` wrote
 * (with a session and a channel override that the replay must honour), the
 * --max-changed gate, the grid of diff, and bad input. */
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "cli_run.h"
#include "ops/ops_test.h"

#define REPLAY(...) ww_cli_run("replay", (const char *const[]){__VA_ARGS__, NULL})
#define DIFF(...) ww_cli_run("diff", (const char *const[]){__VA_ARGS__, NULL})

TestSuite(replay, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 240);

static const char *fixture(const char *which) {
  static char path[2][512];
  char *p = path[which[0] == 'n'];
  snprintf(p, sizeof path[0], "%s", ww_test_source(which[0] == 'n' ? "tests/replay/fixture/new"
                                                                    : "tests/replay/fixture/old"));
  return p;
}

static json_t *parse_report(const run *r) {
  json_error_t je;
  json_t *j = json_loads(r->out, 0, &je);
  cr_assert_not_null(j, "not JSON (%s): %s", je.text, r->out);
  return j;
}

static long num(const json_t *o, const char *key) {
  return (long)json_integer_value(json_object_get(o, key));
}

/* byService entry of 'svc' */
static const json_t *service_row(const json_t *rep, const char *svc) {
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(rep, "byService"), i, v)
    if (strcmp(json_string_value(json_object_get(v, "service")), svc) == 0) return v;
  cr_assert_fail("no byService row for %s", svc);
  return NULL;
}

/* 30 verhuizing and 20 paspoort advice entries as the server records them (JSON as text,
 * as a Redis export has it), 3 handovers and 2 entries of an older server without a
 * record (skipped), 1 entry before --since. */
static void write_entries(const char *path) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  for (int i = 0; i < 50; i++) {
    const char *svc = i < 30 ? "verhuizing" : "paspoort";
    fprintf(f, "{\"at\":\"2026-12-01T10:%02d:00+01:00\",\"adviceId\":\"a%d\",\"kind\":\"advice\","
               "\"service\":\"%s\",\"channel\":\"%s\",\"origin\":\"web\",\"degraded\":false,"
               "\"ruleset\":\"x\",\"citizen\":\"{\\\"age\\\":%d}\",\"context\":"
               "\"{\\\"origin\\\":\\\"web\\\",\\\"time\\\":\\\"2026-12-01T10:%02d:00+01:00\\\"}\"}\n",
            i, i, svc, i < 30 ? "website" : "balie", 20 + i, i);
  }
  for (int i = 0; i < 3; i++)
    fprintf(f, "{\"at\":\"2026-12-01T11:0%d:00+01:00\",\"kind\":\"handover\",\"sessionId\":\"s\"}\n", i);
  fputs("\n", f);
  for (int i = 0; i < 2; i++)
    fprintf(f, "{\"at\":\"2026-12-01T11:1%d:00+01:00\",\"kind\":\"advice\",\"service\":"
               "\"verhuizing\",\"channel\":\"website\",\"origin\":\"web\"}\n", i);
  fputs("{\"at\":\"2026-11-30T10:00:00+01:00\",\"kind\":\"advice\",\"service\":\"verhuizing\","
        "\"citizen\":{},\"context\":{\"time\":\"2026-11-30T10:00:00+01:00\"}}\n", f);
  cr_assert_eq(fclose(f), 0);
}

static void check_fixture_counts(const json_t *rep, long verhuizing, long paspoort) {
  cr_expect_eq(num(rep, "replayed"), verhuizing + paspoort);
  cr_expect_eq(num(rep, "changed"), verhuizing);
  cr_expect_eq(num(rep, "errorsBefore"), 0);
  cr_expect_eq(num(rep, "errorsAfter"), 0);
  const json_t *v = service_row(rep, "verhuizing");
  cr_expect_eq(num(v, "replayed"), verhuizing);
  cr_expect_eq(num(v, "changed"), verhuizing);
  v = service_row(rep, "paspoort");
  cr_expect_eq(num(v, "replayed"), paspoort);
  cr_expect_eq(num(v, "changed"), 0);
  const json_t *shifts = json_object_get(rep, "shifts");
  cr_assert_eq(json_array_size(shifts), 1, "%s", json_dumps(shifts, 0));
  const json_t *s = json_array_get(shifts, 0);
  cr_expect_str_eq(json_string_value(json_object_get(s, "from")), "website");
  cr_expect_str_eq(json_string_value(json_object_get(s, "to")), "telefoon");
  cr_expect_eq(num(s, "count"), verhuizing);
  cr_expect_eq(num(json_object_get(s, "services"), "verhuizing"), verhuizing);
  cr_expect_eq(json_object_size(json_object_get(s, "services")), 1);
  const json_t *ex = json_object_get(rep, "newlyExcluded");
  cr_assert_eq(json_array_size(ex), 1);
  cr_expect_str_eq(json_string_value(json_object_get(json_array_get(ex, 0), "channel")), "balie");
  cr_expect_eq(num(json_array_get(ex, 0), "count"), verhuizing);
}

Test(replay, jsonl_fixture_known_counts) {
  write_entries(tmp("log.jsonl"));
  run r = REPLAY("--rules", fixture("new"), "--against", fixture("old"), "--from",
                 tmp("log.jsonl"), "--since", "2026-12-01", "--json");
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  json_t *rep = parse_report(&r);
  check_fixture_counts(rep, 30, 20);
  cr_expect_str_eq(json_string_value(json_object_get(rep, "from")), "9eec54c84983");
  cr_expect_str_eq(json_string_value(json_object_get(rep, "to")), "acac9a9c7460");
  /* examples: at most 5, each an eval-ready request with both sides and traces */
  const json_t *exs = json_object_get(rep, "examples");
  cr_assert_eq(json_array_size(exs), 5);
  const json_t *e = json_array_get(exs, 0);
  const json_t *req = json_object_get(e, "request");
  cr_expect_str_eq(json_string_value(json_object_get(req, "service")), "verhuizing");
  cr_expect_eq(json_integer_value(json_object_get(json_object_get(req, "citizen"), "age")), 20);
  cr_expect_str_eq(json_string_value(json_object_get(json_object_get(req, "context"), "time")),
                   "2026-12-01T10:00:00+01:00");
  const json_t *b = json_object_get(e, "before"), *a = json_object_get(e, "after");
  cr_expect_str_eq(json_string_value(json_object_get(b, "first")), "website");
  cr_expect_str_eq(json_string_value(json_object_get(a, "first")), "telefoon");
  cr_expect_eq(json_array_size(json_object_get(b, "channels")), 3);
  cr_expect_eq(json_array_size(json_object_get(a, "channels")), 2, "balie is excluded after");
  cr_expect_eq(json_array_size(json_object_get(b, "trace")), 1);
  cr_expect_eq(json_array_size(json_object_get(a, "trace")), 2);
  json_decref(rep);
  run_free(&r);

  /* the text report says the same, and how many entries had nothing to replay */
  r = REPLAY("--rules", fixture("new"), "--against", fixture("old"), "--from",
             tmp("log.jsonl"), "--since", "2026-12-01");
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  EXPECT_LINE(r.out, "Herhaald: 50 beslissingen, regelset 9eec54c84983 tegen acac9a9c7460");
  EXPECT_LINE(r.out, "Ander eerste kanaal: 30 (60,0%)");
  EXPECT_LINE(r.out, "verhuizing 30 30 100,0%");
  EXPECT_LINE(r.out, "paspoort 20 0 0,0%");
  EXPECT_LINE(r.out, "website -> telefoon: 30 (verhuizing 30)");
  EXPECT_LINE(r.out, "balie: 30");
  EXPECT_LINE(r.out, "Overgeslagen: 5 zonder gegevens om opnieuw te beslissen (van voor deze "
                     "versie, of een overdracht)");
  run_free(&r);

  /* a rule set against itself: nothing changes */
  r = REPLAY("--rules", fixture("old"), "--against", fixture("old"), "--from",
             tmp("log.jsonl"), "--json");
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  rep = parse_report(&r);
  cr_expect_eq(num(rep, "replayed"), 51);
  cr_expect_eq(num(rep, "changed"), 0);
  cr_expect_eq(json_array_size(json_object_get(rep, "shifts")), 0);
  cr_expect_eq(json_array_size(json_object_get(rep, "examples")), 0);
  json_decref(rep);
  run_free(&r);
}

Test(replay, max_changed_gate_and_svg) {
  write_entries(tmp("log.jsonl"));
  /* 30 of 50 = 60 % change */
  run r = REPLAY("--rules", fixture("new"), "--against", fixture("old"), "--from",
                 tmp("log.jsonl"), "--since", "2026-12-01", "--max-changed", "0.5");
  cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
  cr_expect_not_null(strstr(r.err, "60.0% of the decisions change their first channel"), "%s",
                     r.err);
  run_free(&r);
  r = REPLAY("--rules", fixture("new"), "--against", fixture("old"), "--from",
             tmp("log.jsonl"), "--since", "2026-12-01", "--max-changed", "60%", "--svg",
             tmp("impact.svg"));
  cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
  run_free(&r);
  char *svg = ww_read_file(tmp("impact.svg"), NULL);
  cr_assert_not_null(svg);
  cr_expect_not_null(strstr(svg, "<title>30 van 30</title>"), "%s", svg);
  cr_expect_not_null(strstr(svg, "<title>0 van 20</title>"), "%s", svg);
  free(svg);
}

Test(replay, diff_grid_on_fixture) {
  run r = DIFF("--week", "2026-12-09", "--json", fixture("old"), fixture("new"));
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  json_t *rep = parse_report(&r);
  /* 28 profiles (anonymous, 3 skills, 9 auth levels, 6 needs, 4 ages, the 2 languages
   * the website names, 3 origins) x 168 hours, per service */
  check_fixture_counts(rep, 28 * 168, 28 * 168);
  const json_t *req = json_object_get(json_array_get(json_object_get(rep, "examples"), 0),
                                      "request");
  cr_expect_str_eq(json_string_value(json_object_get(json_object_get(req, "context"), "time")),
                   "2026-12-07T00:30:00+01:00", "the week starts on Monday");
  json_decref(rep);
  run_free(&r);
  r = DIFF("--max-changed", "10%", fixture("old"), fixture("new"));
  cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
  EXPECT_LINE(r.out, "Ander eerste kanaal: 4704 (50,0%)");
  run_free(&r);
  r = DIFF(fixture("old"), fixture("old"), "--max-changed", "0");
  cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
  run_free(&r);
}

/* A file 'name' with 'text' stops the replay: exit 1, 'why' on stderr. */
static void replay_fails_on(const char *name, const char *text, const char *why) {
  FILE *f = fopen(tmp(name), "w");
  cr_assert_not_null(f);
  fputs(text, f);
  cr_assert_eq(fclose(f), 0);
  run r = REPLAY("--rules", fixture("new"), "--against", fixture("old"), "--from", tmp(name));
  cr_expect_eq(r.status, 1);
  cr_expect_not_null(strstr(r.err, why), "%s", r.err);
  run_free(&r);
}

Test(replay, bad_input) {
  run r = REPLAY("--rules", fixture("new"), "--against", fixture("old"), "--from",
                 tmp("missing.jsonl"));
  cr_expect_eq(r.status, 1);
  cr_expect_not_null(strstr(r.err, "cannot read"), "%s", r.err);
  cr_expect_not_null(strstr(r.err, "missing.jsonl"), "%s", r.err);
  run_free(&r);

  replay_fails_on("bad.jsonl",
                  "{\"at\":\"2026-12-01T10:00:00+01:00\",\"kind\":\"advice\"}\n{\"at\": nope}\n",
                  "bad.jsonl:2: ");
  replay_fails_on("noat.jsonl", "[1, 2]\n", "noat.jsonl:1: not a JSON object");

  r = REPLAY("--against", fixture("old"), "--from", tmp("bad.jsonl"));
  cr_expect_eq(r.status, 2);
  cr_expect_not_null(strstr(r.err, "--rules DRAFT is required"), "%s", r.err);
  run_free(&r);
  r = REPLAY("--rules", fixture("new"), "--from", tmp("bad.jsonl"), "--max-changed", "half");
  cr_expect_eq(r.status, 2);
  cr_expect_not_null(strstr(r.err, "--max-changed must be a share"), "%s", r.err);
  run_free(&r);
  r = REPLAY("--rules", fixture("new"), "--version", "abc", "--from", tmp("bad.jsonl"));
  cr_expect_eq(r.status, 2);
  cr_expect_not_null(strstr(r.err, "--version needs --redis"), "%s", r.err);
  run_free(&r);
  r = REPLAY("--rules", tmp("nodir"), "--against", fixture("old"), "--from", tmp("bad.jsonl"));
  cr_expect_eq(r.status, 1);
  cr_expect_not_null(strstr(r.err, "does not load"), "%s", r.err);
  run_free(&r);
  r = DIFF(fixture("old"));
  cr_expect_eq(r.status, 2);
  run_free(&r);
}

/* ---------------------------------------------------- from what a real server logs */

static redisContext *redis_at(int port) {
  redisContext *c = redisConnect("127.0.0.1", port);
  cr_assert(c && !c->err, "connect to redis: %s", c ? c->errstr : "?");
  return c;
}

static json_t *call(int port, const char *method, const char *path, const char *body) {
  ww_http_resp r;
  json_t *j = NULL;
  cr_assert_eq(ww_http_request(port, method, path,
                               body ? "Authorization: Bearer " OPS_ADMIN_TOKEN "\r\n"
                                      "Content-Type: application/json\r\n"
                                    : "Authorization: Bearer " OPS_ADMIN_TOKEN "\r\n",
                               body, &r),
               0);
  cr_assert(r.status >= 200 && r.status < 300, "%s %s: %d %s", method, path, r.status, r.body);
  j = ww_http_json(&r);
  ww_http_resp_free(&r);
  return j;
}

/* Is there a run of 64 hex digits (a citizenRef) in 's'? */
static int has_ref(const char *s) {
  int run = 0;
  for (; *s; s++) {
    int hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f');
    run = hex ? run + 1 : 0;
    if (run >= 64) return 1;
  }
  return 0;
}

Test(replay, what_the_server_logs) {
  ww_proc redis, srv;
  cr_assert_eq(ww_redis_start(&redis, 10000), 0);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis.port);
  char tokens[320];
  ops_tokens_file(tmpdir, 0600, tokens);
  const char *extra[] = {"--redis", url, "--decision-log", "10000", "--workers", "1",
                         "--rules", fixture("old"), "--tokens", tokens, NULL};
  ww_test_serve(&srv, extra);
  ww_test_wait_ready(&srv, 15000);
  const char *raw = "999993653";
  /* a session for the citizen: its later decisions carry the session's summary */
  /* (under valgrind the first store round trips can miss their 500 ms deadline: retried) */
  int created = 0;
  for (double end = ww_now_ms() + 15000; !created && ww_now_ms() < end;) {
    ww_http_resp hr;
    cr_assert_eq(ww_http_request(srv.port, "POST", "/v1/sessions",
                                 "Authorization: Bearer " OPS_ADMIN_TOKEN "\r\n"
                                 "Content-Type: application/json\r\n",
                                 "{\"citizen\":{\"id\":\"999993653\"},\"service\":"
                                 "\"verhuizing\",\"channel\":\"website\",\"data\":"
                                 "{\"note\":\"vrije tekst\"}}", &hr), 0);
    created = hr.status == 201;
    cr_assert(created || hr.status == 503, "POST /v1/sessions: %d %s", hr.status, hr.body);
    ww_http_resp_free(&hr);
    if (!created) usleep(100000);
  }
  cr_assert(created, "the session store never answered");
  const char *bodies[] = {
      "{\"service\":\"verhuizing\",\"citizen\":{\"id\":\"999993653\",\"age\":81,"
      "\"needs\":[\"visual\"]}}",
      "{\"service\":\"verhuizing\",\"citizen\":{\"digitalSkills\":\"low\"},"
      "\"context\":{\"origin\":\"app\",\"intent\":\"status\"}}",
      "{\"service\":\"verhuizing\"}",
      "{\"service\":\"paspoort\",\"citizen\":{\"id\":\"999993653\"}}",
      "{\"service\":\"paspoort\"}",
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
    json_decref(call(srv.port, "POST", "/v1/advice", bodies[i]));
  /* route: website has no route, so telefoon on both: unchanged */
  json_decref(call(srv.port, "POST", "/v1/route", "{\"service\":\"verhuizing\"}"));
  /* the phone closed by an override: the draft's verhuizing then goes to the website too */
  json_decref(call(srv.port, "PUT", "/v1/channels/telefoon/status",
                   "{\"open\":false,\"reason\":\"Storing\"}"));
  int closed = 0;
  for (double end = ww_now_ms() + 5000; !closed && ww_now_ms() < end;) {   /* the worker's copy */
    json_t *chs = call(srv.port, "GET", "/v1/channels", NULL);
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(chs, "channels"), i, c)
      if (strcmp(json_string_value(json_object_get(c, "id")), "telefoon") == 0)
        closed = json_is_false(json_object_get(c, "open"));
    json_decref(chs);
    if (!closed) usleep(20000);
  }
  cr_assert(closed, "the override never reached the worker");
  json_decref(call(srv.port, "POST", "/v1/advice", "{\"service\":\"paspoort\"}"));
  json_decref(call(srv.port, "POST", "/v1/advice", "{\"service\":\"verhuizing\"}"));
  const long decisions = 8;

  redisContext *rc = redis_at(redis.port);
  /* fire and forget: wait until the log holds every decision */
  long long xlen = 0;
  for (double end = ww_now_ms() + 5000; xlen < decisions && ww_now_ms() < end; usleep(10000)) {
    redisReply *x = redisCommand(rc, "XLEN ww:decisions");
    xlen = x->integer;
    freeReplyObject(x);
  }
  cr_assert_eq(xlen, decisions);
  /* the stream: the record of each decision, pseudonymised */
  redisReply *x = redisCommand(rc, "XRANGE ww:decisions - +");
  cr_assert_eq(x->type, REDIS_REPLY_ARRAY);
  long advice = 0, with_override = 0, with_session = 0, verhuizing_changes = 0;
  for (size_t i = 0; i < x->elements; i++) {
    redisReply *fields = x->element[i]->element[1];
    const char *service = "", *kind = "", *citizen = NULL, *context = NULL, *session = NULL;
    const char *ov = NULL;
    for (size_t k = 0; k + 1 < fields->elements; k += 2) {
      const char *name = fields->element[k]->str, *val = fields->element[k + 1]->str;
      cr_assert_null(strstr(val, raw), "%s holds the raw citizen id: %s", name, val);
      cr_assert_not(has_ref(val), "%s holds a citizenRef: %s", name, val);
      cr_assert_null(strstr(val, "vrije tekst"), "%s holds the session's data: %s", name, val);
      if (strcmp(name, "service") == 0) service = val;
      if (strcmp(name, "kind") == 0) kind = val;
      if (strcmp(name, "citizen") == 0) citizen = val;
      if (strcmp(name, "context") == 0) context = val;
      if (strcmp(name, "session") == 0) session = val;
      if (strcmp(name, "overrides") == 0) ov = val;
    }
    cr_assert_not_null(citizen, "entry %zu has no citizen record", i);
    cr_assert_not_null(context, "entry %zu has no context record", i);
    json_t *cj = json_loads(citizen, 0, NULL), *xj = json_loads(context, 0, NULL);
    cr_assert(json_is_object(cj) && json_is_object(xj));
    cr_assert_null(json_object_get(cj, "id"));
    cr_assert_null(json_object_get(cj, "ref"));
    cr_assert_null(json_object_get(cj, "citizenRef"));
    cr_assert_not_null(json_string_value(json_object_get(xj, "time")), "%s", context);
    if (i == 0) {
      cr_expect_eq(json_integer_value(json_object_get(cj, "age")), 81);
      cr_expect_str_eq(json_string_value(json_array_get(json_object_get(cj, "needs"), 0)), "visual");
    }
    if (i == 1) {
      cr_expect_str_eq(json_string_value(json_object_get(xj, "origin")), "app");
      cr_expect_str_eq(json_string_value(json_object_get(xj, "intent")), "status");
    }
    if (session) {
      with_session++;
      json_t *sj = json_loads(session, 0, NULL);
      cr_assert(json_is_object(sj), "%s", session);
      cr_expect_null(json_object_get(sj, "id"));
      cr_expect_null(json_object_get(sj, "data"));
      cr_expect(json_is_array(json_object_get(sj, "events")), "%s", session);
      /* the events before this decision's own: the first decision's advice event (with
       * needs in its detail) for the second */
      const json_t *ev = json_array_get(json_object_get(sj, "events"), 0);
      if (with_session == 2) {
        cr_expect_str_eq(json_string_value(json_object_get(ev, "type")), "advice", "%s", session);
        cr_expect_str_eq(json_string_value(json_object_get(ev, "service")), "verhuizing");
        cr_expect_null(json_object_get(ev, "detail"));
      }
      json_decref(sj);
    }
    if (ov) {
      with_override++;
      cr_expect_str_eq(ov, "{\"telefoon\":{\"open\":false}}");
    }
    if (strcmp(service, "verhuizing") == 0 && !ov && strcmp(kind, "advice") == 0)
      verhuizing_changes++;
    advice++;
    json_decref(cj);
    json_decref(xj);
  }
  freeReplyObject(x);
  cr_expect_eq(with_session, 2, "the two decisions for the citizen with a session");
  cr_assert_eq(with_override, 2);
  cr_assert_eq(advice, decisions);
  cr_assert_eq(verhuizing_changes, 3);

  /* replayed: verhuizing advice without the override changes (3), all else stays */
  run r = REPLAY("--rules", fixture("new"), "--against", fixture("old"), "--redis", url,
                 "--json");
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  json_t *rep = parse_report(&r);
  cr_expect_eq(num(rep, "replayed"), advice);
  cr_expect_eq(num(rep, "changed"), 3, "%s", r.out);
  cr_expect_eq(num(rep, "errorsBefore"), 0);
  cr_expect_eq(num(rep, "errorsAfter"), 0);
  const json_t *shift = json_array_get(json_object_get(rep, "shifts"), 0);
  cr_expect_str_eq(json_string_value(json_object_get(shift, "from")), "website");
  cr_expect_str_eq(json_string_value(json_object_get(shift, "to")), "telefoon");
  cr_expect_eq(num(shift, "count"), 3);
  /* an example of a decision on a session shows the session beside the request */
  const json_t *ex0 = json_array_get(json_object_get(rep, "examples"), 0);
  cr_expect_not_null(json_object_get(ex0, "session"));
  cr_expect_null(json_object_get(json_object_get(ex0, "request"), "sessionId"));
  json_decref(rep);
  run_free(&r);

  /* the live rule set against itself decides every entry as it was logged */
  r = REPLAY("--rules", fixture("old"), "--against", fixture("old"), "--redis", url, "--json");
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  rep = parse_report(&r);
  cr_expect_eq(num(rep, "replayed"), advice);
  cr_expect_eq(num(rep, "changed"), 0);
  json_decref(rep);
  run_free(&r);

  /* --version V: the rule set kept in Redis under ww:rules:v:V (14a writes it) */
  json_t *files = json_object();
  const char *names[] = {"channels.lua", "services.lua", "steering/10_presence.lua"};
  for (int i = 0; i < 3; i++) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", fixture("old"), names[i]);
    char *text = ww_read_file(path, NULL);
    cr_assert_not_null(text);
    json_object_set_new(files, names[i], json_string(text));
    free(text);
  }
  json_t *doc = json_pack("{s:s, s:o}", "version", "9eec54c84983", "files", files);
  char *docs = json_dumps(doc, JSON_COMPACT);
  redisReply *set = redisCommand(rc, "SET ww:rules:v:9eec54c84983 %s", docs);
  cr_assert_eq(set->type, REDIS_REPLY_STATUS);
  freeReplyObject(set);
  free(docs);
  json_decref(doc);
  r = REPLAY("--rules", fixture("new"), "--version", "9eec54c84983", "--redis", url, "--json");
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  rep = parse_report(&r);
  cr_expect_str_eq(json_string_value(json_object_get(rep, "from")), "9eec54c84983");
  cr_expect_eq(num(rep, "changed"), 3);
  json_decref(rep);
  run_free(&r);
  r = REPLAY("--rules", fixture("new"), "--version", "000000000000", "--redis", url);
  cr_expect_eq(r.status, 1);
  cr_expect_not_null(strstr(r.err, "no such rule-set version"), "%s", r.err);
  run_free(&r);

  /* the export of report replays the same */
  run e = ww_cli_run("report", (const char *const[]){"--redis", url, "--rules", fixture("old"),
                                                      "--export", tmp("export.jsonl"), NULL});
  cr_assert_eq(e.status, 0, "%s%s", e.out, e.err);
  run_free(&e);
  r = REPLAY("--rules", fixture("new"), "--against", fixture("old"), "--from",
             tmp("export.jsonl"), "--json");
  cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
  rep = parse_report(&r);
  cr_expect_eq(num(rep, "replayed"), advice);
  cr_expect_eq(num(rep, "changed"), 3);
  json_decref(rep);
  run_free(&r);

  redisFree(rc);
  ww_test_stop(&srv);
  ww_proc_stop(&redis, SIGTERM, 5000);
  ww_proc_cleanup(&redis);
}
