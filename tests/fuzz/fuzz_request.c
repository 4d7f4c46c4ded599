/* Fuzz target (b): request JSON text into validation (engine/decision/request.c) and the
 * decision core on the bundled rule set, as advice and as route, with and without a
 * session. The rule set is loaded once. Every answer must encode as JSON, and the
 * validator alone (ww_decision_parse, what the server runs before a store write) must
 * agree with the decision: valid exactly when the decision is not a 400, and never
 * stricter with the service optional. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "decision/decision.h"
#include "log/log.h"

static ww_rules *rules;
static json_t *session;

static void check(int rc, json_t *out, ww_err *err) {
  if (rc == 0) {
    char *s = out ? json_dumps(out, JSON_COMPACT) : NULL;
    if (s == NULL) abort();   /* an answer that cannot be sent */
    free(s);
  } else if (rc != WW_EINVAL || err->code[0] == '\0') {
    abort();                  /* only invalid input may fail */
  }
  json_decref(out);
  ww_err_clear(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (rules == NULL) {
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/rules", WW_FUZZ_SOURCE_ROOT);
    ww_log_set_level(WW_LOG_ERROR);
    ww_err err = {0};
    rules = ww_rules_load(dir, NULL, &err);
    if (rules == NULL) abort();
    session = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s}]}", "id",
                        "0123456789abcdef0123456789abcdef", "service", "verhuizing", "channel",
                        "web", "events", "at", "2026-12-01T10:00:00+01:00", "channel", "web",
                        "type", "abandoned", "service", "verhuizing");
  }
  static const unsigned char secret[] = "fuzz-secret-0123456789";
  ww_decide_opts o = {0};
  o.secret = secret;
  o.secret_len = sizeof secret - 1;
  o.now = 1796116500;   /* 2026-12-01T10:15:00+01:00 */
  ww_err err = {0};
  json_t *out = NULL;
  int rc = ww_decide_text(rules, (const char *)data, size, &o, &out, &err);
  check(rc, out, &err);
  json_t *req = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  if (req) {
    ww_decision_input in;
    ww_parse_opts po = {0};
    int strict = ww_decision_parse(rules, req, NULL, &in, &err);
    ww_err_clear(&err);
    po.service_optional = 1;
    int lenient = ww_decision_parse(rules, req, &po, &in, &err);
    ww_err_clear(&err);
    json_decref(req);
    if ((strict == 0) != (rc == 0) || (strict == 0 && lenient != 0)) abort();
  }
  if (rc != 0) return 0;
  /* valid: the same request as route, and with a session */
  o.route = 1;
  o.session = session;
  rc = ww_decide_text(rules, (const char *)data, size, &o, &out, &err);
  check(rc, out, &err);
  return 0;
}
