#define _GNU_SOURCE
/* Integration: safe rule changes (issue 14 §1-2) on real `wegwijzer serve` processes over
 * real sockets. Two instances on one real redis-server: a draft made on A, approved on B
 * (four eyes), published on A goes live on B within a second; a rollback on B reaches A
 * the same way; both show one identical history; a restarted instance keeps the published
 * set. Roles: an author may draft but not publish, approve or roll back. The embedded store
 * does the same in one process. Hostile drafts (an endless loop, a huge file, ../x.lua)
 * get a clear error and the server stays up. */
#include <dirent.h>

#include "store_test.h"

#define AUTHOR_TOKEN "test-author-token-1c9d"
#define SECOND_ADMIN_TOKEN "test-admin2-token-77ab"

static ww_proc redis, a, b;
static char dir[256];

static void setup(void) { st_pair_setup(&redis, &a, &b, dir); }
static void teardown(void) { st_pair_teardown(&redis, &a, &b, dir); }

TestSuite(rules, .init = setup, .fini = teardown, .timeout = 180);

/* Tokens: admin "beheer", admin "tweede", author "beleid"; path into 'out'. */
static void tokens_file(char out[320]) {
  st_tokens_write(dir, out, (const char *const[]){"admin", "beheer", ST_ADMIN_TOKEN, "admin",
                                                  "tweede", SECOND_ADMIN_TOKEN, "author",
                                                  "beleid", AUTHOR_TOKEN, NULL});
}

/* The bundled files with a comment line added to channels.lua ('tag' makes it unique). */
static json_t *changed_files(const char *tag) {
  json_t *files = st_rules_files();
  const char *ch = st_str(files, "channels.lua");
  char *text = NULL;
  cr_assert(asprintf(&text, "%s\n-- wijziging %s\n", ch, tag) > 0);
  json_object_set_new(files, "channels.lua", json_string(text));
  free(text);
  return files;
}

static void live_version(int port, char out[16]) {
  json_t *j = NULL;
  out[0] = '\0';
  if (st_call(port, "GET", "/v1/rules", AUTHOR_TOKEN, NULL, &j) == 200)
    snprintf(out, 16, "%s", st_str(j, "version"));
  json_decref(j);
}

typedef struct want {
  int port;
  const char *version;
} want;

static int has_version(void *ud) {
  want *w = ud;
  char v[16];
  live_version(w->port, v);
  return strcmp(v, w->version) == 0;
}

/* Wait until 'port' runs 'version'; returns the milliseconds it took (fails after 10 s). */
static double wait_live(int port, const char *version) {
  double t0 = ww_now_ms();
  want w = {port, version};
  cr_assert(st_poll(has_version, &w, 10000), ":%d never ran %s", port, version);
  return ww_now_ms() - t0;
}

/* The store's history as the instance shows it (new). */
static json_t *versions(int port) {
  json_t *j = NULL;
  cr_assert_eq(st_call(port, "GET", "/v1/rules/versions", AUTHOR_TOKEN, NULL, &j), 200);
  return j;
}

typedef struct count_want {
  int port;
  size_t n;
} count_want;

static int has_versions(void *ud) {
  count_want *c = ud;
  json_t *v = versions(c->port);
  size_t n = json_array_size(json_object_get(v, "versions"));
  json_decref(v);
  return n >= c->n;
}

static json_t *draft(int port, const char *token, const json_t *files, char id[32]) {
  json_t *body = json_pack("{s:O, s:s}", "files", files, "note", "test");
  json_t *d = NULL;
  int st = st_call(port, "POST", "/v1/rules/drafts", token, body, &d);
  json_decref(body);
  cr_assert_eq(st, 201, "draft: %d %s", st, d ? json_dumps(d, 0) : "");
  snprintf(id, 32, "%s", st_str(d, "id"));
  return d;
}

static void start_two(int require_approval) {
  cr_assert_eq(ww_redis_start(&redis, 10000), 0, "redis-server did not start");
  char tokens[320];
  tokens_file(tokens);
  const char *args[] = {"--tokens", tokens, "--max-body", "4000000", "--workers", "2",
                        require_approval ? "--require-approval" : NULL, NULL};
  st_serve(&a, redis.port, args);
  st_serve(&b, redis.port, args);
  st_wait_ready(&a);
  st_wait_ready(&b);
}

/* Publish on A -> live on B within 1 s; rollback on B -> live on A within 1 s; one
 * history; four eyes; an author cannot publish, approve or roll back. */
Test(rules, publish_and_rollback_reach_every_instance) {
  start_two(1);
  char start_v[16];
  live_version(a.port, start_v);
  cr_assert_eq(strlen(start_v), 12);
  /* the start was recorded: one version, live */
  count_want one = {a.port, 1};
  cr_assert(st_poll(has_versions, &one, 5000), "the start was not recorded");

  char id[32];
  json_t *files = changed_files("publish");
  json_t *d = draft(a.port, AUTHOR_TOKEN, files, id);
  cr_assert_str_eq(st_str(d, "status"), "ready", "%s", json_dumps(d, 0));
  cr_assert_str_eq(st_str(d, "author"), "beleid");
  cr_assert_str_eq(st_str(d, "basedOn"), start_v);
  cr_assert(json_is_object(json_object_get(d, "coverage")), "the draft's tests measure coverage");
  cr_assert_gt(json_integer_value(json_object_get(json_object_get(d, "tests"), "passed")), 0);
  char new_v[16];
  snprintf(new_v, sizeof new_v, "%s", st_str(d, "version"));
  cr_assert_str_neq(new_v, start_v);
  json_decref(d);

  char path[128];
  /* the author: no publish, no approve, no rollback */
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/publish", id);
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, NULL, NULL), 403);
  json_t *rb = json_pack("{s:s}", "version", start_v);
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/rollback", AUTHOR_TOKEN, rb, NULL), 403);
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/approve", id);
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, NULL, NULL), 403);

  /* --require-approval: not approved yet */
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/publish", id);
  json_t *p = NULL;
  cr_assert_eq(st_call(a.port, "POST", path, ST_ADMIN_TOKEN, NULL, &p), 409);
  cr_assert_str_eq(st_str(p, "code"), "approval_required");
  json_decref(p);

  /* four eyes: an admin cannot approve a draft under their own name */
  char own[32];
  json_t *d2 = draft(b.port, ST_ADMIN_TOKEN, files, own);
  json_decref(d2);
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/approve", own);
  cr_assert_eq(st_call(a.port, "POST", path, ST_ADMIN_TOKEN, NULL, &p), 403);
  cr_assert_str_eq(st_str(p, "code"), "same_author");
  json_decref(p);

  /* approved on B (the draft was made on A: shared through the store) */
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/approve", id);
  cr_assert_eq(st_call(b.port, "POST", path, SECOND_ADMIN_TOKEN, NULL, &p), 200);
  cr_assert_str_eq(st_str(p, "status"), "approved");
  cr_assert_str_eq(st_str(p, "approvedBy"), "tweede");
  json_decref(p);

  /* published on A: live on A at once, on B within 1 s */
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/publish", id);
  cr_assert_eq(st_call(a.port, "POST", path, ST_ADMIN_TOKEN, NULL, &p), 200);
  cr_assert_str_eq(st_str(p, "version"), new_v);
  json_decref(p);
  char v[16];
  live_version(a.port, v);
  cr_assert_str_eq(v, new_v);
  double ms = wait_live(b.port, new_v);
  fprintf(stderr, "# publish on A live on B after %.0f ms\n", ms);
  if (!ww_test_valgrind()) cr_expect_leq(ms, 1000.0, "B took %.0f ms", ms);

  /* the draft says so */
  snprintf(path, sizeof path, "/v1/rules/drafts/%s", id);
  cr_assert_eq(st_call(b.port, "GET", path, AUTHOR_TOKEN, NULL, &p), 200);
  cr_assert_str_eq(st_str(p, "status"), "published");
  json_decref(p);

  /* rollback on B: live on B at once, on A within 1 s */
  cr_assert_eq(st_call(b.port, "POST", "/v1/rules/rollback", ST_ADMIN_TOKEN, rb, &p), 200);
  cr_assert_str_eq(st_str(p, "version"), start_v);
  json_decref(p);
  ms = wait_live(a.port, start_v);
  fprintf(stderr, "# rollback on B live on A after %.0f ms\n", ms);
  if (!ww_test_valgrind()) cr_expect_leq(ms, 1000.0, "A took %.0f ms", ms);

  /* one history on both */
  json_t *ha = versions(a.port), *hb = versions(b.port);
  cr_assert(json_equal(ha, hb), "A: %s\nB: %s", json_dumps(ha, 0), json_dumps(hb, 0));
  json_t *list = json_object_get(ha, "versions");
  cr_assert_eq(json_array_size(list), 2, "%s", json_dumps(ha, 0));
  cr_assert_str_eq(st_str(json_array_get(list, 0), "version"), start_v);
  cr_assert_str_eq(st_str(json_array_get(list, 0), "source"), "rollback");
  cr_assert(json_is_true(json_object_get(json_array_get(list, 0), "live")));
  cr_assert_str_eq(st_str(json_array_get(list, 1), "source"), "publish");
  cr_assert_str_eq(st_str(json_array_get(list, 1), "actor"), "beheer");
  json_decref(ha);
  json_decref(hb);

  /* one version with its files */
  snprintf(path, sizeof path, "/v1/rules/versions/%s", new_v);
  cr_assert_eq(st_call(b.port, "GET", path, AUTHOR_TOKEN, NULL, &p), 200);
  cr_assert(json_equal(json_object_get(p, "files"), files));
  json_decref(p);
  cr_assert_eq(st_call(b.port, "GET", "/v1/rules/versions/0123456789ab", AUTHOR_TOKEN, NULL, NULL), 404);
  json_t *unknown = json_pack("{s:s}", "version", "0123456789ab");
  cr_assert_eq(st_call(b.port, "POST", "/v1/rules/rollback", ST_ADMIN_TOKEN, unknown, &p), 404);
  cr_assert_str_eq(st_str(p, "code"), "unknown_version");
  json_decref(p);
  json_decref(unknown);

  /* the audit: rollback (from new to start), publish (approved by tweede), start */
  cr_assert_eq(st_call(a.port, "GET", "/v1/rules/audit", AUTHOR_TOKEN, NULL, &p), 200);
  json_t *entries = json_object_get(p, "entries");
  cr_assert_geq(json_array_size(entries), 3, "%s", json_dumps(p, 0));
  json_t *e0 = json_array_get(entries, 0), *e1 = json_array_get(entries, 1);
  cr_assert_str_eq(st_str(e0, "action"), "rollback");
  cr_assert_str_eq(st_str(e0, "from"), new_v);
  cr_assert_str_eq(st_str(e0, "to"), start_v);
  cr_assert_str_eq(st_str(e1, "action"), "publish");
  cr_assert_str_eq(st_str(e1, "actor"), "beheer");
  cr_assert_str_eq(st_str(e1, "approvedBy"), "tweede");
  json_t *changed = json_array_get(json_object_get(e1, "files"), 0);
  cr_assert_str_eq(st_str(changed, "path"), "channels.lua");
  cr_assert_eq(json_integer_value(json_object_get(changed, "added")), 2, "%s", json_dumps(e1, 0));
  cr_assert_eq(json_integer_value(json_object_get(changed, "removed")), 0);
  cr_assert_str_eq(st_str(json_array_get(entries, json_array_size(entries) - 1), "action"), "start");
  json_decref(p);
  cr_assert(ww_proc_wait_log(&a, "\"msg\":\"rule set change\"", 1000), "no audit log line");

  /* publish again, then restart B: a restart must not undo a publish */
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/publish", id);
  cr_assert_eq(st_call(b.port, "POST", path, ST_ADMIN_TOKEN, NULL, NULL), 200);
  wait_live(a.port, new_v);
  st_stop_ok(&b);
  char tokens[320];
  snprintf(tokens, sizeof tokens, "%s/tokens", dir);
  const char *args[] = {"--tokens", tokens, "--max-body", "4000000", "--workers", "2",
                        "--require-approval", NULL};
  st_serve(&b, redis.port, args);
  st_wait_ready(&b);
  wait_live(b.port, new_v);
  /* and it recorded no start over the publish */
  json_t *after = versions(a.port);
  cr_assert_str_eq(st_str(json_array_get(json_object_get(after, "versions"), 0), "version"), new_v);
  json_decref(after);

  json_decref(rb);
  json_decref(files);
  st_stop_ok(&a);
  st_stop_ok(&b);
}

/* The embedded store: versions, drafts, trial advice, publish and rollback in one
 * process; a reload from files is recorded too. */
Test(rules, embedded_store_in_one_process) {
  char tokens[320];
  tokens_file(tokens);
  const char *args[] = {"--tokens", tokens, "--max-body", "4000000", "--workers", "2", NULL};
  ww_test_serve(&a, args);
  char start_v[16];
  live_version(a.port, start_v);
  count_want one = {a.port, 1};
  cr_assert(st_poll(has_versions, &one, 5000), "the start was not recorded");

  char id[32];
  json_t *files = changed_files("embedded");
  json_t *d = draft(a.port, AUTHOR_TOKEN, files, id);
  char new_v[16];
  snprintf(new_v, sizeof new_v, "%s", st_str(d, "version"));
  json_decref(d);

  /* listed without files */
  json_t *p = NULL;
  cr_assert_eq(st_call(a.port, "GET", "/v1/rules/drafts", AUTHOR_TOKEN, NULL, &p), 200);
  json_t *first = json_array_get(json_object_get(p, "drafts"), 0);
  cr_assert_str_eq(st_str(first, "id"), id);
  cr_assert_null(json_object_get(first, "files"));
  json_decref(p);

  /* trial advice with trace, no session */
  char path[128];
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/advice", id);
  json_t *req = json_pack("{s:s, s:{s:s, s:s}}", "service", "verhuizing", "context", "origin",
                          "web", "time", "2026-12-01T10:15:00+01:00");
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, req, &p), 200);
  cr_assert(json_array_size(json_object_get(p, "trace")) > 0, "%s", json_dumps(p, 0));
  cr_assert_str_eq(st_str(json_object_get(p, "ruleset"), "version"), new_v);
  json_decref(p);
  json_object_set_new(req, "sessionId", json_string("0123456789abcdef0123456789abcdef"));
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, req, &p), 422);
  cr_assert_str_eq(st_str(p, "code"), "session_not_allowed");
  json_decref(p);
  json_decref(req);

  /* without --require-approval an admin publishes at once */
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/publish", id);
  cr_assert_eq(st_call(a.port, "POST", path, ST_ADMIN_TOKEN, NULL, &p), 200);
  cr_assert_str_eq(st_str(p, "version"), new_v);
  json_decref(p);
  wait_live(a.port, new_v);   /* every worker */
  json_t *rb = json_pack("{s:s}", "version", start_v);
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/rollback", ST_ADMIN_TOKEN, rb, NULL), 200);
  wait_live(a.port, start_v);
  json_decref(rb);

  json_t *h = versions(a.port);
  json_t *list = json_object_get(h, "versions");
  cr_assert_eq(json_array_size(list), 2, "%s", json_dumps(h, 0));
  cr_assert_str_eq(st_str(json_array_get(list, 0), "source"), "rollback");
  cr_assert_str_eq(st_str(json_array_get(list, 1), "source"), "publish");
  json_decref(h);

  /* a reload of unchanged files records nothing; the audit has start, publish, rollback */
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/reload", ST_ADMIN_TOKEN, NULL, NULL), 200);
  cr_assert_eq(st_call(a.port, "GET", "/v1/rules/audit", AUTHOR_TOKEN, NULL, &p), 200);
  json_t *entries = json_object_get(p, "entries");
  cr_assert_eq(json_array_size(entries), 3, "%s", json_dumps(p, 0));
  cr_assert_str_eq(st_str(json_array_get(entries, 0), "action"), "rollback");
  json_decref(p);

  json_decref(files);
  ww_test_stop(&a);
}

/* A draft carries the duty-of-care proof (issue 14 §6): the bundled rules keep it; a
 * planted leak breaks it, and its counterexample, asked of the draft, gets only digital
 * channels; a draft that does not load has none. */
Test(rules, drafts_carry_the_duty_of_care_proof) {
  char tokens[320];
  tokens_file(tokens);
  const char *args[] = {"--tokens", tokens, "--max-body", "4000000", NULL};
  ww_test_serve(&a, args);
  char id[32];
  json_t *files = changed_files("zorgplicht");
  json_t *d = draft(a.port, AUTHOR_TOKEN, files, id);
  json_t *z = json_object_get(d, "dutyOfCare");
  cr_assert(json_is_true(json_object_get(z, "ok")), "%s", json_dumps(z, 0));
  cr_assert(json_is_true(json_object_get(z, "complete")));
  cr_assert_gt(json_integer_value(json_object_get(z, "situations")), 0);
  cr_assert_gt(json_integer_value(json_object_get(z, "decisions")), 0);
  cr_assert_eq(json_array_size(json_object_get(z, "counterexamples")), 0);
  json_decref(d);

  /* the leak: a high-skilled citizen moving house only ever gets the website */
  json_object_set_new(files, "steering/zz_lek.lua",
                      json_string("rule \"test: alleen online\" {\n"
                                  "  service = function(s) return s.id == \"verhuizing\" end,\n"
                                  "  citizen = { digitalSkills = \"high\" },\n"
                                  "  advise = function(r, a) a:only({ \"website\" }) end }\n"));
  d = draft(a.port, AUTHOR_TOKEN, files, id);
  z = json_object_get(d, "dutyOfCare");
  cr_assert(json_is_false(json_object_get(z, "ok")), "%s", json_dumps(z, 0));
  json_t *cx = json_object_get(z, "counterexamples");
  cr_assert(json_array_size(cx) >= 1 && json_array_size(cx) <= 10, "%s", json_dumps(z, 0));
  cr_assert_geq(json_integer_value(json_object_get(z, "violations")),
                (json_int_t)json_array_size(cx));
  const json_t *plain = NULL;   /* one without an outage: the live hours decide it */
  size_t i;
  json_t *e;
  json_array_foreach(cx, i, e) {
    const char *m = st_str(e, "message");
    cr_assert(strstr(m, "Dienst \"verhuizing\"") && strstr(m, "digitalSkills \"high\"") &&
              strstr(m, " om ") && strstr(m, "storing") && strstr(m, "alleen digitale"), "%s", m);
    if (plain == NULL && json_is_null(json_object_get(e, "status"))) plain = e;
  }
  cr_assert_not_null(plain, "%s", json_dumps(cx, 0));
  char path[128];
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/advice", id);
  json_t *p = NULL;
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, json_object_get(plain, "request"),
                       &p), 200, "%s", p ? json_dumps(p, 0) : "");
  json_t *chans = json_object_get(p, "channels");
  cr_assert_gt(json_array_size(chans), 0, "%s", json_dumps(p, 0));
  json_array_foreach(chans, i, e)
    cr_assert_str_eq(st_str(e, "id"), "website", "%s", json_dumps(p, 0));
  json_decref(p);
  json_decref(d);

  /* the planted counterexample of `wegwijzer check --exhaustive`: only with the telefoon
     closed by an outage; ?closed= decides it so */
  json_t *lek = st_rule_files_in("tests/rules/fixtures/zorgplicht-lek");
  json_decref(draft(a.port, AUTHOR_TOKEN, lek, id));
  snprintf(path, sizeof path, "/v1/rules/drafts/%s", id);
  cr_assert_eq(st_call(a.port, "GET", path, AUTHOR_TOKEN, NULL, &d), 200);
  z = json_object_get(d, "dutyOfCare");
  cr_assert(json_is_false(json_object_get(z, "ok")), "%s", json_dumps(z, 0));
  e = json_array_get(json_object_get(z, "counterexamples"), 0);
  cr_assert(json_is_object(json_object_get(json_object_get(e, "status"), "telefoon")), "%s",
            json_dumps(z, 0));
  cr_assert(strstr(st_str(e, "message"), "als \"telefoon\" dicht is door een storing"), "%s",
            st_str(e, "message"));
  const json_t *req = json_object_get(e, "request");
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/advice?closed=telefoon", id);
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, req, &p), 200);
  chans = json_object_get(p, "channels");
  cr_assert_eq(json_array_size(chans), 1, "%s", json_dumps(p, 0));
  cr_assert_str_eq(st_str(json_array_get(chans, 0), "id"), "website");
  json_decref(p);
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/advice", id);   /* telefoon open */
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, req, &p), 200);
  cr_assert_gt(json_array_size(json_object_get(p, "channels")), 1, "%s", json_dumps(p, 0));
  json_decref(p);
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/advice?closed=fax", id);
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, req, &p), 400);
  cr_assert_str_eq(st_str(p, "code"), "invalid_param");
  json_decref(p);
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/advice?closed=..%%2Fx", id);
  cr_assert_eq(st_call(a.port, "POST", path, AUTHOR_TOKEN, req, NULL), 400);
  json_decref(d);
  json_decref(lek);

  /* a draft that does not load is not proved */
  json_object_set_new(files, "steering/zz_lek.lua", json_string("rule \"kapot\" {\n"));
  d = draft(a.port, AUTHOR_TOKEN, files, id);
  cr_assert_str_eq(st_str(d, "status"), "invalid");
  cr_assert(json_is_null(json_object_get(d, "dutyOfCare")), "%s", json_dumps(d, 0));
  json_decref(d);
  json_decref(files);
  ww_test_stop(&a);
}

/* Drafts that try to break the sandbox or the server get a clear error; it stays up. */
Test(rules, hostile_drafts_get_clear_errors) {
  char tokens[320];
  tokens_file(tokens);
  const char *args[] = {"--tokens", tokens, "--max-body", "4000000", "--workers", "2",
                        "--load-timeout", "2000", NULL};
  ww_test_serve(&a, args);
  char start_v[16];
  live_version(a.port, start_v);

  /* an endless loop in a steering file: the load stops at its limit, FILE:LINE */
  json_t *files = st_rules_files();
  json_object_set_new(files, "steering/zz_loop.lua", json_string("local x = 0\nwhile true do x = x + 1 end\n"));
  char id[32];
  json_t *d = draft(a.port, AUTHOR_TOKEN, files, id);
  cr_assert_str_eq(st_str(d, "status"), "invalid", "%s", json_dumps(d, 0));
  json_t *err0 = json_array_get(json_object_get(d, "errors"), 0);
  cr_assert_str_eq(st_str(err0, "file"), "steering/zz_loop.lua", "%s", json_dumps(d, 0));
  cr_assert_gt(json_integer_value(json_object_get(err0, "line")), 0);
  json_decref(d);
  char path[128];
  snprintf(path, sizeof path, "/v1/rules/drafts/%s/publish", id);
  json_t *p = NULL;
  cr_assert_eq(st_call(a.port, "POST", path, ST_ADMIN_TOKEN, NULL, &p), 409);
  cr_assert_str_eq(st_str(p, "code"), "draft_invalid");
  json_decref(p);
  json_decref(files);

  /* memory: a table grown without end stops at the memory cap */
  files = st_rules_files();
  json_object_set_new(files, "steering/zz_mem.lua",
                      json_string("local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 64) .. i end\n"));
  json_t *body = json_pack("{s:O}", "files", files);
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/check", AUTHOR_TOKEN, body, &p), 200);
  cr_assert(json_is_false(json_object_get(p, "ok")), "%s", json_dumps(p, 0));
  cr_assert_str_eq(st_str(json_array_get(json_object_get(p, "errors"), 0), "file"), "steering/zz_mem.lua");
  json_decref(p);
  json_decref(body);
  json_decref(files);

  /* ../x.lua, an absolute path, a folder of its own: 422 naming each */
  body = json_pack("{s:{s:s, s:s, s:s}}", "files", "../x.lua", "return 1", "/etc/x.lua", "x",
                   "steering/sub/x.lua", "x");
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/drafts", AUTHOR_TOKEN, body, &p), 422);
  cr_assert_str_eq(st_str(p, "code"), "invalid_files");
  cr_assert_eq(json_array_size(json_object_get(p, "invalidParams")), 3, "%s", json_dumps(p, 0));
  json_decref(p);
  json_decref(body);

  /* a huge file: over 2 MiB in all */
  char *big = malloc(3 * 1024 * 1024);
  memset(big, '-', 3 * 1024 * 1024 - 1);
  big[3 * 1024 * 1024 - 1] = '\0';
  files = st_rules_files();
  json_object_set_new(files, "steering/huge.lua", json_string(big));
  free(big);
  body = json_pack("{s:O}", "files", files);
  cr_assert_eq(st_call(a.port, "POST", "/v1/rules/check", AUTHOR_TOKEN, body, &p), 422);
  cr_assert_str_eq(st_str(p, "code"), "invalid_files");
  json_decref(p);
  json_decref(body);
  json_decref(files);

  /* still up, on the same rule set; no temp dir left behind */
  cr_assert_eq(st_status(a.port, "/healthz"), 200);
  char v[16];
  live_version(a.port, v);
  cr_assert_str_eq(v, start_v);
  ww_test_stop(&a);
}

typedef struct head_want {
  int port;
  const char *actor;
} head_want;

static int newest_by(void *ud) {
  head_want *h = ud;
  json_t *v = versions(h->port);
  const char *actor = st_str(json_array_get(json_object_get(v, "versions"), 0), "actor");
  int ok = actor && strcmp(actor, h->actor) == 0;
  json_decref(v);
  return ok;
}

/* A reload from files by SIGHUP (no HTTP caller to wait for it) is recorded too: as the
 * live version, actor "signal", with its audit entry. */
Test(rules, sighup_reload_is_recorded) {
  char rules[320], tokens[320];
  snprintf(rules, sizeof rules, "%s/rules", dir);
  cr_assert_eq(mkdir(rules, 0700), 0);
  json_t *files = st_rules_files();
  char sub[400];
  snprintf(sub, sizeof sub, "%s/steering", rules);
  cr_assert_eq(mkdir(sub, 0700), 0);
  snprintf(sub, sizeof sub, "%s/tests", rules);
  cr_assert_eq(mkdir(sub, 0700), 0);
  const char *path;
  json_t *text;
  json_object_foreach(files, path, text) {
    char full[800];
    snprintf(full, sizeof full, "%s/%s", rules, path);
    FILE *f = fopen(full, "w");
    cr_assert_not_null(f, "%s", full);
    fputs(json_string_value(text), f);
    fclose(f);
  }
  tokens_file(tokens);
  const char *args[] = {"--tokens", tokens, "--rules", rules, "--workers", "2", NULL};
  ww_test_serve(&a, args);
  head_want start = {a.port, "start"};
  cr_assert(st_poll(newest_by, &start, 5000), "the start was not recorded");

  char full[800];
  snprintf(full, sizeof full, "%s/channels.lua", rules);
  FILE *f = fopen(full, "a");
  cr_assert_not_null(f);
  fputs("\n-- gewijzigd op de server\n", f);
  fclose(f);
  cr_assert_eq(kill(a.pid, SIGHUP), 0);
  head_want signal = {a.port, "signal"};
  cr_assert(st_poll(newest_by, &signal, 10000), "the SIGHUP reload was not recorded");
  json_t *p = NULL;
  cr_assert_eq(st_call(a.port, "GET", "/v1/rules/audit", AUTHOR_TOKEN, NULL, &p), 200);
  json_t *e0 = json_array_get(json_object_get(p, "entries"), 0);
  cr_assert_str_eq(st_str(e0, "action"), "reload");
  cr_assert_str_eq(st_str(e0, "actor"), "signal");
  cr_assert_str_eq(st_str(json_array_get(json_object_get(e0, "files"), 0), "path"), "channels.lua");
  char v[16];
  live_version(a.port, v);
  cr_assert_str_eq(st_str(e0, "to"), v);
  json_decref(p);
  ww_test_stop(&a);
  /* st_rmdir takes one level of folders: empty the rule set's own first */
  json_object_foreach(files, path, text) {
    snprintf(full, sizeof full, "%s/%s", rules, path);
    unlink(full);
  }
  snprintf(sub, sizeof sub, "%s/steering", rules);
  rmdir(sub);
  snprintf(sub, sizeof sub, "%s/tests", rules);
  rmdir(sub);
  json_decref(files);
}
