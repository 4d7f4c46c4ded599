#define _GNU_SOURCE
/* Integration: a reload reads the tokens file again (issue 13 §7, SPEC §2, docs/tokens.md)
 * and the service catalogue follows the rule set it came from (issue 13 §5), on the real
 * binary with two workers: a token added to the file works after SIGHUP, one removed is
 * refused by every worker once POST /v1/rules/reload has answered, and a broken file keeps
 * the tokens in force. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ops_test.h"

#define NEW_TOKEN "ops-new-advice-token-91d2c7e04b1a"

static ww_proc srv;
static char tmpdir[256], rules[300], tokens[320];

static void setup(void) { ops_setup_rules(&srv, tmpdir, rules, tokens); }
static void teardown(void) { ops_teardown(&srv, tmpdir); }

TestSuite(tokens_reload, .init = setup, .fini = teardown, .timeout = 120);

/* The tokens file anew (replaced like an editor does), mode 0600: the admin token and,
 * per flag, the advice token and NEW_TOKEN. */
static void write_tokens(int advice, int fresh) {
  char ha[65], hb[65], hn[65], text[512];
  ww_sha256_hex(OPS_ADMIN_TOKEN, strlen(OPS_ADMIN_TOKEN), ha);
  ww_sha256_hex(OPS_ADVICE_TOKEN, strlen(OPS_ADVICE_TOKEN), hb);
  ww_sha256_hex(NEW_TOKEN, strlen(NEW_TOKEN), hn);
  snprintf(text, sizeof text, "admin beheer %s\n%s%s%s%s%s%s", ha, advice ? "advice website " : "",
           advice ? hb : "", advice ? "\n" : "", fresh ? "advice balie-app " : "",
           fresh ? hn : "", fresh ? "\n" : "");
  ops_write(tmpdir, "tokens", text);
  cr_assert_eq(chmod(tokens, 0600), 0);
}

/* Every one of 'n' requests with 'token' on fresh connections (both workers) answers
 * 'want'. */
static void all_answer(const char *token, int want, int n) {
  for (int i = 0; i < n; i++) {
    int st = ops_req(srv.port, "GET", "/v1/channels", token, NULL, NULL);
    cr_assert_eq(st, want, "request %d with %s: %d, want %d", i, token, st, want);
  }
}

/* Poll until a request with 'token' answers 'want' (1) or timeout_ms passes (0). */
static int wait_status(const char *token, int want, int timeout_ms) {
  double end = ww_now_ms() + timeout_ms;
  while (ops_req(srv.port, "GET", "/v1/channels", token, NULL, NULL) != want) {
    if (ww_now_ms() > end) return 0;
    ops_nap_ms(20);
  }
  return 1;
}

Test(tokens_reload, sighup_and_reload_read_the_tokens_file_again) {
  ops_serve(&srv, rules, tokens, NULL);
  all_answer(OPS_ADVICE_TOKEN, 200, 4);
  write_tokens(1, 1);
  all_answer(NEW_TOKEN, 401, 4);   /* not before a reload */

  /* SIGHUP: the new token works (on every worker, once one has it). */
  cr_assert_eq(kill(srv.pid, SIGHUP), 0);
  cr_assert(ww_proc_wait_log(&srv, "tokens file reloaded", 30000), "no reload log line");
  cr_assert(wait_status(NEW_TOKEN, 200, 30000), "the new token is still refused");
  all_answer(NEW_TOKEN, 200, 20);
  all_answer(OPS_ADVICE_TOKEN, 200, 4);

  /* POST /v1/rules/reload: once it has answered, every worker refuses the removed token. */
  write_tokens(0, 1);
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, NULL), 200);
  all_answer(OPS_ADVICE_TOKEN, 401, 20);
  all_answer(NEW_TOKEN, 200, 20);
  ww_test_stop(&srv);
}

Test(tokens_reload, a_broken_tokens_file_keeps_the_tokens_in_force) {
  ops_serve(&srv, rules, tokens, NULL);
  /* a line that is no token, then a file others may read: both refused, both keep */
  ops_write(tmpdir, "tokens", "admin beheer not-a-hash\n");
  cr_assert_eq(chmod(tokens, 0600), 0);
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, NULL), 200,
               "a broken tokens file does not stop the rules' reload");
  cr_assert(ww_proc_wait_log(&srv, "tokens file not reloaded", 10000));
  all_answer(OPS_ADVICE_TOKEN, 200, 10);
  write_tokens(1, 1);
  cr_assert_eq(chmod(tokens, 0644), 0);
  cr_assert_eq(kill(srv.pid, SIGHUP), 0);
  cr_assert(ww_proc_wait_log(&srv, "too open", 30000), "the refusal says why");
  ops_nap_ms(200);
  all_answer(NEW_TOKEN, 401, 10);
  all_answer(OPS_ADVICE_TOKEN, 200, 10);
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, NULL), 200);
  all_answer(NEW_TOKEN, 401, 4);
  ww_test_stop(&srv);
}

/* A rule-set change shows in GET /v1/services with a new ETag: the old one gets the new
 * entry, not 304. */
Test(tokens_reload, the_service_catalogue_follows_a_reload) {
  ops_serve(&srv, rules, tokens, NULL);
  char header[160], etag[32];
  ww_http_resp r;
  cr_assert_eq(ww_http_request(srv.port, "GET", "/v1/services/paspoort",
                               ops_headers(OPS_ADVICE_TOKEN, 0), NULL, &r), 0);
  cr_assert_eq(r.status, 200);
  snprintf(etag, sizeof etag, "%s", ww_http_header(&r, "ETag"));
  ww_http_resp_free(&r);
  ops_replace(rules, "services.lua", "name = \"Paspoort aanvragen\"",
              "name = \"Paspoort of reisdocument aanvragen\"");
  cr_assert_eq(ops_req(srv.port, "POST", "/v1/rules/reload", OPS_ADMIN_TOKEN, NULL, NULL), 200);
  for (int i = 0; i < 6; i++) {   /* every worker: fresh connections */
    snprintf(header, sizeof header, "%sIf-None-Match: %s\r\n", ops_headers(OPS_ADVICE_TOKEN, 0),
             etag);
    cr_assert_eq(ww_http_request(srv.port, "GET", "/v1/services/paspoort", header, NULL, &r), 0);
    cr_assert_eq(r.status, 200, "the old ETag after a reload: %d", r.status);
    cr_assert_str_neq(ww_http_header(&r, "ETag"), etag);
    json_t *b = ww_http_json(&r);
    cr_assert_str_eq(ops_str(b, "name"), "Paspoort of reisdocument aanvragen");
    json_decref(b);
    ww_http_resp_free(&r);
  }
  ww_test_stop(&srv);
}
