#define _GNU_SOURCE
/* Integration: shadow evaluation and the impact of a draft (issue 14 §3, §5) on real
 * `wegwijzer serve` processes over real sockets. Two instances on one real redis-server:
 * a shadow run started on A is followed by B within a second; the counts of both add up
 * to the decisions made; a candidate that moves one service shows "different" for that
 * service only; a candidate whose rule fails shows "error" and the live answers stay the
 * same; an author may look but not start or end a run; an end on B reaches A. The
 * embedded store does the same in one process. GET /v1/rules/drafts/{id}/impact replays
 * the recorded decisions on the draft. */
#include "store_test.h"

#define AUTHOR_TOKEN "test-author-token-shadow-3e1f"
#define BSN "999993653"

static ww_proc redis, a, b;
static char dir[256];

static void setup(void) { st_pair_setup(&redis, &a, &b, dir); }
static void teardown(void) { st_pair_teardown(&redis, &a, &b, dir); }

TestSuite(shadow, .init = setup, .fini = teardown, .timeout = 240);

/* Tokens: admin "beheer", author "beleid"; path into 'out'. */
static void tokens_file(char out[320]) {
  st_tokens_write(dir, out, (const char *const[]){"admin", "beheer", ST_ADMIN_TOKEN, "author",
                                                  "beleid", AUTHOR_TOKEN, NULL});
}

/* The bundled rule set plus steering/zz_kandidaat.lua = 'extra' (new). */
static json_t *candidate_files(const char *extra) {
  json_t *files = st_rules_files();
  json_object_set_new(files, "steering/zz_kandidaat.lua", json_string(extra));
  return files;
}

/* Moves one service: a move (verhuizing) goes by post first. */
static const char moves_verhuizing[] =
    "rule \"verhuizing per post\" {\n"
    "  when = function(r) return r.service.id == \"verhuizing\" end,\n"
    "  advise = function(r, a) a:prefer(\"post\", 1000, \"Per post.\") end,\n"
    "}\n";
/* Fails for one service: a rule error for every passport request. */
static const char fails_paspoort[] =
    "rule \"kapot bij paspoort\" {\n"
    "  when = function(r) if r.service.id == \"paspoort\" then error(\"kapot\") end\n"
    "    return false end,\n"
    "  advise = function(r, a) end,\n"
    "}\n";

/* A draft of 'extra' on 'port' by the author; its id into 'id'. */
static void make_draft(int port, const char *extra, char id[32]) {
  json_t *files = candidate_files(extra);
  json_t *body = json_pack("{s:o}", "files", files);
  json_t *d = NULL;
  int st = st_call(port, "POST", "/v1/rules/drafts", AUTHOR_TOKEN, body, &d);
  json_decref(body);
  cr_assert_eq(st, 201, "draft: %d", st);
  cr_assert_eq(json_array_size(json_object_get(d, "errors")), 0);
  snprintf(id, 32, "%s", st_str(d, "id"));
  json_decref(d);
}

/* An advice for 'service' with a BSN; the answer's channel ids joined into 'out'. */
static void advise(int port, const char *service, char out[256]) {
  json_t *req = json_pack("{s:s, s:{s:s, s:s}, s:{s:s}}", "service", service, "citizen", "id",
                          BSN, "digitalSkills", "medium", "context", "time",
                          "2026-12-02T10:00:00+01:00");
  json_t *ans = NULL;
  int st = st_call(port, "POST", "/v1/advice", ST_ADMIN_TOKEN, req, &ans);
  json_decref(req);
  cr_assert_eq(st, 200, "advice %s: %d", service, st);
  size_t i, len = 0;
  json_t *c;
  out[0] = '\0';
  json_array_foreach(json_object_get(ans, "channels"), i, c)
    len += (size_t)snprintf(out + len, len < 256 ? 256 - len : 0, "%s,", st_str(c, "id"));
  json_decref(ans);
}

static json_t *shadow(int port) {
  json_t *j = NULL;
  cr_assert_eq(st_call(port, "GET", "/v1/rules/shadow", AUTHOR_TOKEN, NULL, &j), 200);
  return j;
}

typedef struct want {
  int port;
  int active;
  long total;   /* -1: any */
} want;

static long counted(const json_t *s) {
  const json_t *c = json_object_get(s, "counts");
  return (long)(json_integer_value(json_object_get(c, "same")) +
                json_integer_value(json_object_get(c, "different")) +
                json_integer_value(json_object_get(c, "error")));
}

static int in_state(void *ud) {
  want *w = ud;
  json_t *s = shadow(w->port);
  int ok = json_is_true(json_object_get(s, "active")) == w->active &&
           (w->total < 0 || counted(s) == w->total);
  json_decref(s);
  return ok;
}

static long count_of(const json_t *s, const char *kind) {
  return (long)json_integer_value(json_object_get(json_object_get(s, "counts"), kind));
}

/* The report holds no BSN and no citizenRef; 'traces' 0: no traces either (the shadow's
 * pairs). */
static void assert_pseudonymised(const json_t *s, int traces) {
  char *text = json_dumps(s, JSON_COMPACT);
  cr_assert_null(strstr(text, BSN), "the BSN leaked");
  cr_assert_null(strstr(text, "citizenRef"), "a citizenRef leaked");
  if (!traces) cr_assert_null(strstr(text, "\"trace\""), "%s", text);
  free(text);
}

/* The value of metric line 'prefix' on 'port' (-1 when absent). */
static long metric(int port, const char *prefix) {
  ww_http_resp r;
  json_decref(st_req(port, "GET", "/metrics", ST_ADMIN_TOKEN, NULL, &r));
  cr_assert_eq(r.status, 200);
  const char *p = strstr(r.body, prefix);
  long v = p ? strtol(p + strlen(prefix), NULL, 10) : -1;
  ww_http_resp_free(&r);
  return v;
}

static void start_two(const char *const *more) {
  cr_assert_eq(ww_redis_start(&redis, 10000), 0, "redis-server did not start");
  char tokens[320];
  tokens_file(tokens);
  const char *args[16] = {"--tokens", tokens, "--max-body", "4000000", "--workers", "2"};
  int n = 6;
  for (int i = 0; more && more[i]; i++) args[n++] = more[i];
  args[n] = NULL;
  st_serve(&a, redis.port, args);
  st_serve(&b, redis.port, args);
  st_wait_ready(&a);
  st_wait_ready(&b);
}

/* Start on A -> B within 1 s; counts add up; one service moves; pseudonymised; author
 * refused; metrics; an end on B reaches A. */
Test(shadow, two_instances_follow_one_run) {
  start_two(NULL);
  char id[32], path[128];
  make_draft(a.port, moves_verhuizing, id);
  json_t *body = json_pack("{s:s}", "draft", id);
  /* the author may look, not start or end */
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/shadow", AUTHOR_TOKEN, body, NULL), 403);
  cr_assert_eq(st_call(a.port, "DELETE", "/v1/rules/shadow", AUTHOR_TOKEN, NULL, NULL), 403);
  json_t *s = shadow(a.port);
  cr_assert(json_is_false(json_object_get(s, "active")));
  json_decref(s);

  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/shadow", ST_ADMIN_TOKEN, body, &s), 200);
  cr_assert(json_is_true(json_object_get(s, "active")), "%s", json_dumps(s, 0));
  cr_assert_str_eq(st_str(json_object_get(s, "candidate"), "draft"), id);
  cr_assert_null(json_object_get(s, "files"));
  json_decref(s);
  double t0 = ww_now_ms();
  want on_b = {b.port, 1, -1};
  cr_assert(st_poll(in_state, &on_b, 1000), "B did not follow the run within 1 s");
  cr_log_info("B followed the shadow run in %.0f ms", ww_now_ms() - t0);

  /* decisions on both instances: 6 moves, 10 passports */
  char ans[256];
  for (int i = 0; i < 16; i++) advise(i % 2 ? b.port : a.port, i < 6 ? "verhuizing" : "paspoort", ans);
  want done_a = {a.port, 1, 8}, done_b = {b.port, 1, 8};
  cr_assert(st_poll(in_state, &done_a, 5000), "A did not shadow its 8 decisions");
  cr_assert(st_poll(in_state, &done_b, 5000), "B did not shadow its 8 decisions");
  json_t *sa = shadow(a.port), *sb = shadow(b.port);
  cr_assert_eq(count_of(sa, "different") + count_of(sb, "different"), 6, "%s", json_dumps(sa, 0));
  cr_assert_eq(count_of(sa, "error") + count_of(sb, "error"), 0);
  cr_assert_eq(count_of(sa, "same") + count_of(sb, "same"), 10);
  /* per service: only the move changed */
  size_t i;
  json_t *svc;
  json_array_foreach(json_object_get(sa, "byService"), i, svc) {
    long changed = (long)json_integer_value(json_object_get(svc, "changed"));
    if (strcmp(st_str(svc, "service"), "verhuizing") == 0) cr_assert_eq(changed, 3);
    else cr_assert_eq(changed, 0, "%s", st_str(svc, "service"));
  }
  json_t *shift = json_array_get(json_object_get(sa, "shifts"), 0);
  cr_assert_str_eq(st_str(shift, "to"), "post");
  cr_assert_eq(json_array_size(json_object_get(sa, "pairs")), 3);
  json_t *pair = json_array_get(json_object_get(sa, "pairs"), 0);
  cr_assert_str_eq(st_str(pair, "service"), "verhuizing");
  cr_assert_str_eq(st_str(json_object_get(pair, "after"), "first"), "post");
  cr_assert(json_array_size(json_object_get(json_object_get(pair, "before"), "channels")) > 0);
  assert_pseudonymised(sa, 0);
  assert_pseudonymised(sb, 0);
  /* /metrics counts the same */
  cr_assert_eq(metric(a.port, "wegwijzer_shadow_decisions_total{result=\"different\"} "),
               count_of(sa, "different"));
  cr_assert_eq(metric(b.port, "wegwijzer_shadow_decisions_total{result=\"same\"} "),
               count_of(sb, "same"));
  json_decref(sa);
  json_decref(sb);

  /* an end on B reaches A */
  cr_assert_eq(st_call(b.port, "DELETE", "/v1/rules/shadow", ST_ADMIN_TOKEN, NULL, &s), 200);
  cr_assert(json_is_false(json_object_get(s, "active")));
  json_decref(s);
  want off_a = {a.port, 0, -1};
  cr_assert(st_poll(in_state, &off_a, 1000), "A did not end the run within 1 s");
  /* bad candidates */
  snprintf(path, sizeof path, "%s", "/v1/rules/shadow");
  json_t *bad = json_pack("{s:s}", "draft", "0123456789abcdef");
  cr_assert_eq(st_call(a.port, "POST", path, ST_ADMIN_TOKEN, bad, NULL), 404);
  json_decref(bad);
  bad = json_pack("{s:s}", "version", "000000000000");
  cr_assert_eq(st_call(a.port, "POST", path, ST_ADMIN_TOKEN, bad, NULL), 404);
  json_decref(bad);
  bad = json_pack("{s:s, s:s}", "draft", id, "version", "000000000000");
  cr_assert_eq(st_call(a.port, "POST", path, ST_ADMIN_TOKEN, bad, NULL), 400);
  json_decref(bad);
  json_decref(body);
}

/* A candidate whose rule fails: "error" for every such decision, the live answers as
 * without the run. */
Test(shadow, failing_candidate_counts_errors_and_changes_no_answer) {
  start_two(NULL);
  char before[256], during[256], id[32];
  advise(a.port, "paspoort", before);
  make_draft(a.port, fails_paspoort, id);
  json_t *body = json_pack("{s:s}", "draft", id);
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/shadow", ST_ADMIN_TOKEN, body, NULL), 200);
  json_decref(body);
  for (int i = 0; i < 5; i++) {
    advise(a.port, "paspoort", during);
    cr_assert_str_eq(during, before, "the shadow changed a live answer");
  }
  advise(a.port, "verhuizing", during);
  want done = {a.port, 1, 6};
  cr_assert(st_poll(in_state, &done, 5000), "A did not shadow its 6 decisions");
  json_t *s = shadow(a.port);
  cr_assert_eq(count_of(s, "error"), 5, "%s", json_dumps(s, 0));
  cr_assert_eq(count_of(s, "same"), 1);
  cr_assert_eq(json_integer_value(json_object_get(s, "errorsAfter")), 5);
  json_t *pair = json_array_get(json_object_get(s, "pairs"), 0);
  cr_assert_str_eq(st_str(pair, "result"), "error");
  json_decref(s);
  cr_assert_eq(metric(a.port, "wegwijzer_shadow_decisions_total{result=\"error\"} "), 5);
}

/* The embedded store: every worker of the one process follows the run. */
Test(shadow, embedded_store_all_workers) {
  char tokens[320];
  tokens_file(tokens);
  const char *args[] = {"--tokens", tokens, "--max-body", "4000000", "--workers", "2", NULL};
  ww_test_serve(&a, args);
  char id[32], ans[256];
  make_draft(a.port, moves_verhuizing, id);
  json_t *body = json_pack("{s:s}", "draft", id);
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/shadow", ST_ADMIN_TOKEN, body, NULL), 200);
  json_decref(body);
  /* fresh connections: both workers answer some */
  for (int i = 0; i < 20; i++) advise(a.port, i < 4 ? "verhuizing" : "paspoort", ans);
  want done = {a.port, 1, 20};
  cr_assert(st_poll(in_state, &done, 5000), "not every decision was shadowed");
  json_t *s = shadow(a.port);
  cr_assert_eq(count_of(s, "different"), 4, "%s", json_dumps(s, 0));
  cr_assert_eq(count_of(s, "same"), 16);
  json_decref(s);
  cr_assert_eq(st_call(a.port, "DELETE", "/v1/rules/shadow", ST_ADMIN_TOKEN, NULL, NULL), 200);
  s = shadow(a.port);
  cr_assert(json_is_false(json_object_get(s, "active")));
  json_decref(s);
  /* after the end nothing is counted */
  advise(a.port, "verhuizing", ans);
  cr_assert_eq(metric(a.port, "wegwijzer_shadow_decisions_total{result=\"different\"} "), 4);
  ww_test_stop(&a);
}

/* The impact of a draft on recorded traffic (Redis, with the decision log on); a draft's
 * tests measure coverage; unknown draft 404; without the log a clear 409. */
Test(shadow, impact_replays_recorded_traffic) {
  const char *more[] = {"--decision-log", "10000", NULL};
  start_two(more);
  char ans[256], id[32], path[160];
  for (int i = 0; i < 12; i++) advise(i % 2 ? b.port : a.port, i < 4 ? "verhuizing" : "paspoort", ans);
  make_draft(a.port, moves_verhuizing, id);
  json_t *d = NULL;
  snprintf(path, sizeof path, "/v1/rules/drafts/%s", id);
  cr_assert_eq(st_call(b.port, "GET", path, AUTHOR_TOKEN, NULL, &d), 200);
  json_t *cov = json_object_get(d, "coverage");
  cr_assert(json_is_object(cov), "coverage: %s", json_dumps(d, 0));
  cr_assert_gt(json_integer_value(json_object_get(json_object_get(cov, "rules"), "total")), 0);
  json_decref(d);

  snprintf(path, sizeof path, "/v1/rules/drafts/%s/impact?since=1h", id);
  json_t *r = NULL;
  cr_assert_eq(st_call(b.port, "GET", path, AUTHOR_TOKEN, NULL, &r), 200);
  cr_assert_eq(json_integer_value(json_object_get(r, "replayed")), 12);
  cr_assert_eq(json_integer_value(json_object_get(r, "changed")), 4);
  cr_assert_eq(json_integer_value(json_object_get(r, "errorsAfter")), 0);
  cr_assert(json_is_false(json_object_get(r, "truncated")));
  json_t *top = json_array_get(json_object_get(r, "byService"), 0);
  cr_assert_str_eq(st_str(top, "service"), "verhuizing");
  cr_assert_eq(json_integer_value(json_object_get(top, "changed")), 4);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(r, "byService"), 1), "changed")), 0);
  cr_assert_str_eq(st_str(json_array_get(json_object_get(r, "shifts"), 0), "to"), "post");
  assert_pseudonymised(r, 1);
  json_decref(r);
  /* since the future: nothing */
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/impact?since=2099-01-01", id);
  cr_assert_eq(st_call(a.port, "GET", path, AUTHOR_TOKEN, NULL, &r), 200);
  cr_assert_eq(json_integer_value(json_object_get(r, "replayed")), 0);
  json_decref(r);
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/impact?since=gisteren", id);
  cr_assert_eq(st_call(a.port, "GET", path, AUTHOR_TOKEN, NULL, NULL), 400);
  cr_assert_eq(st_call(a.port, "GET", "/v1/rules/drafts/0123456789abcdef/impact", AUTHOR_TOKEN,
                    NULL, NULL), 404);
  cr_assert_eq(st_call(a.port, "GET", path, NULL, NULL, NULL), 401);
}

/* Without the decision log the impact says so; with --shadow-sample 0 a run shadows
 * nothing. */
Test(shadow, no_log_no_impact_and_sample_zero) {
  char tokens[320];
  tokens_file(tokens);
  const char *args[] = {"--tokens", tokens, "--max-body", "4000000", "--shadow-sample", "0",
                        NULL};
  ww_test_serve(&a, args);
  char id[32], path[160], ans[256];
  make_draft(a.port, moves_verhuizing, id);
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/impact", id);
  json_t *r = NULL;
  cr_assert_eq(st_call(a.port, "GET", path, AUTHOR_TOKEN, NULL, &r), 409);
  cr_assert_str_eq(st_str(r, "code"), "decision_log_off");
  json_decref(r);
  json_t *body = json_pack("{s:s}", "draft", id);
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/shadow", ST_ADMIN_TOKEN, body, &r), 200);
  cr_assert(json_real_value(json_object_get(r, "sample")) == 0.0);
  json_decref(r);
  json_decref(body);
  for (int i = 0; i < 10; i++) advise(a.port, "verhuizing", ans);
  r = shadow(a.port);
  cr_assert_eq(counted(r), 0);
  json_decref(r);
  ww_test_stop(&a);
}
