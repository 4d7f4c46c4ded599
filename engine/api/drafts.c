/* Handlers of drafts: check, create, list, read, trial advice, approve, publish
 * (rulesapi.h). A draft is a whole rule set sent as files; it is loaded only in the
 * sandbox, from a private temp dir, on libuv's pool (never on a worker's loop), with the
 * limits of every rule set (--load-timeout, the memory cap). A new draft records its load
 * errors, its tests with coverage and the duty-of-care proof (time-boxed: DRAFT_PROOF_MS).
 * Drafts live in the store, so one made on instance A is approved on B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/app.h"
#include "api/history.h"
#include "api/respond.h"
#include "api/rulefiles.h"
#include "api/rulesapi.h"
#include "decision/decision.h"
#include "log/log.h"
#include "session/session.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/ident.h"
#include "util/json_limits.h"
#include "util/tztime.h"

#define NOTE_MAX 2000   /* bytes of a draft's note */
/* The duty-of-care proof of a draft gets --exhaustive-budget, but at most this long: the
 * author waits for the draft (the bundled rules take 0.1-0.3 s). A bigger rule set gets
 * "complete": false; the publish gate of `serve --exhaustive` and `wegwijzer check
 * --exhaustive` prove it in full. */
#define DRAFT_PROOF_MS 3000
#define DRAFT_PROOF_EXAMPLES 10

/* A draft body: the server's limits, but a string (a file's text) may be long: the
 * files' own caps (ww_rulefiles_check) answer 422 with the file's name. */
static const ww_json_limits draft_body_limits = {.depth = 32, .values = 4096,
                                                 .string = 4 * WW_RULEFILES_MAX_BYTES};

enum { JOB_CHECK, JOB_CREATE, JOB_ADVICE };

typedef struct draft_job {
  uv_work_t work;
  ww_req *req;
  ww_app_worker *w;
  int kind;
  json_t *files;      /* owned: the rule set */
  json_t *body;       /* owned: JOB_ADVICE's request; JOB_CREATE's draft so far */
  json_t *status;     /* JOB_ADVICE: the channel overrides (a reference; immutable) */
  json_t *result;     /* owned: the answer */
  json_t *bad;        /* owned: invalidParams of the files */
  int http;           /* JOB_ADVICE: the answer's status */
  char closed[64];    /* JOB_ADVICE: ?closed=, a channel closed as by an outage, or "" */
  ww_err err;
} draft_job;

static void job_free(draft_job *job) {
  json_decref(job->files);
  json_decref(job->body);
  json_decref(job->status);
  json_decref(job->result);
  json_decref(job->bad);
  ww_err_clear(&job->err);
  free(job);
}

typedef struct cases {
  json_t *list;
  const char *dir;
} cases;

static void on_case(void *ud, const char *name, int ok, const char *why) {
  cases *c = ud;
  json_t *one = json_pack("{s:s, s:b}", "name", name, "passed", ok);
  if (one == NULL) return;
  if (!ok) {
    ww_err place = {0};
    ww_reload_case_place(c->dir, name, why ? why : "", &place);
    json_object_set_new(one, "message", json_string(why ? why : ""));
    if (place.file[0]) {
      json_object_set_new(one, "file", json_string(place.file));
      json_object_set_new(one, "line", json_integer(place.line));
    }
  }
  json_array_append_new(c->list, one);
}

/* The load's errors as [{file, line, message}] (every one the loader listed). */
static json_t *load_errors(const ww_err *err) {
  if (json_array_size(err->errors) > 0) return ww_rulefiles_problems(err->errors);
  if (!err->msg[0]) return json_array();
  return json_pack("[{s:s, s:i, s:s}]", "file", err->file, "line", err->line, "message",
                   err->msg);
}

/* The duty-of-care proof of the draft 'rules' whose files are 'texts': the draft's
 * "dutyOfCare" (new; docs/openapi.json, DutyOfCare), or JSON null when out of memory. */
static json_t *duty_of_care(ww_app *app, ww_rules *rules, const json_t *texts) {
  ww_exhaustive_opts o = {0};
  unsigned budget = app->rules.exhaustive_budget_ms;
  o.budget_ms = budget && budget < DRAFT_PROOF_MS ? budget : DRAFT_PROOF_MS;
  o.max_examples = DRAFT_PROOF_EXAMPLES;
  o.max_examples_per_service = 3;   /* a few services, not ten times the same */
  ww_exhaustive_result res;
  if (ww_decision_exhaustive(rules, texts, &o, &res) != 0) {
    ww_exhaustive_result_clear(&res);
    return json_null();
  }
  json_t *list = json_array();
  size_t i;
  json_t *e;
  json_array_foreach(res.examples, i, e) {
    char message[600];
    ww_exhaustive_describe(e, message, sizeof message);
    json_array_append_new(list, json_pack("{s:O, s:O, s:s}", "request",
                                          json_object_get(e, "request"), "status",
                                          json_object_get(e, "status"), "message", message));
  }
  json_t *d = json_pack("{s:b, s:b, s:I, s:I, s:I, s:I, s:o}", "ok",
                        res.complete && res.violations == 0, "complete", res.complete,
                        "situations", (json_int_t)res.situations, "total",
                        (json_int_t)res.total, "decisions", (json_int_t)res.runs,
                        "violations", (json_int_t)res.violations, "counterexamples", list);
  ww_exhaustive_result_clear(&res);
  return d ? d : json_null();
}

static void advise(draft_job *job, ww_rules *rules) {
  ww_app *app = job->w->app;
  ww_parse_opts po = {0};
  po.secret = app->secret;
  po.secret_len = app->secret_len;
  ww_decision_input in;
  ww_err err = {0};
  if (job->closed[0] && !ww_rules_has_channel(rules, job->closed)) {
    job->http = 400;
    snprintf(job->err.code, sizeof job->err.code, "invalid_param");
    snprintf(job->err.msg, sizeof job->err.msg, "closed: the draft has no channel \"%s\"",
             job->closed);
    job->err.invalid_params = json_pack("[{s:s, s:s}]", "name", "closed", "reason",
                                        "not a channel of the draft");
    return;
  }
  int rc = ww_decision_parse(rules, job->body, &po, &in, &err);
  if (rc == 0) {
    in.explain = 1;   /* the trace: why the draft decides so */
    ww_decision_opts o = {0};
    o.status = job->status;
    rc = ww_decision_json(rules, &in, &o, &job->result, &err);
  }
  if (rc == 0) {
    job->http = 200;
  } else {
    job->http = rc == WW_EINVAL ? 400 : 500;
    job->err = err;   /* moved */
    return;
  }
  ww_err_clear(&err);
}

static void draft_work(uv_work_t *work) {
  draft_job *job = work->data;
  if ((job->bad = ww_rulefiles_check(job->files)) != NULL) return;
  char dir[WW_RULEFILES_TMP_MAX];
  if (ww_rulefiles_write(job->files, dir) != 0) {
    job->http = 500;
    return;
  }
  ww_err err = {0};
  ww_rules *rules = ww_rules_load(dir, &job->w->app->rules.limits, &err);
  json_t *errors = rules ? json_array() : load_errors(&err);
  json_t *warnings = ww_rulefiles_problems(rules ? ww_rules_warnings(rules) : NULL);
  ww_err_clear(&err);
  switch (job->kind) {
  case JOB_CHECK:
    job->result = json_pack("{s:b, s:O, s:O}", "ok", rules != NULL, "errors", errors,
                            "warnings", warnings);
    break;
  case JOB_CREATE: {
    int passed = 0, failed = 0;
    cases c = {json_array(), dir};
    json_t *coverage = NULL;   /* what the draft's tests reach (null when it does not load) */
    if (rules) ww_decision_test_coverage(rules, on_case, &c, &passed, &failed, &coverage);
    char version[16];
    ww_rulefiles_version(job->files, version);
    json_t *d = job->body;
    json_object_set_new(d, "status", json_string(rules && failed == 0 ? "ready" : "invalid"));
    json_object_set_new(d, "version", json_string(version));
    json_object_set(d, "errors", errors);
    json_object_set(d, "warnings", warnings);
    json_object_set_new(d, "tests", json_pack("{s:i, s:i, s:o}", "passed", passed, "failed",
                                              failed, "cases", c.list));
    json_object_set_new(d, "coverage", coverage ? coverage : json_null());
    json_object_set_new(d, "dutyOfCare",
                        rules ? duty_of_care(job->w->app, rules, job->files) : json_null());
    break;
  }
  case JOB_ADVICE:
    if (rules == NULL) job->http = 409;
    else advise(job, rules);
    break;
  }
  json_decref(errors);
  json_decref(warnings);
  ww_rules_free(rules);
  ww_rulefiles_remove(dir);
}

static void respond_bad_files(ww_req *req, draft_job *job) {
  json_t *bad = job->bad;
  job->bad = NULL;
  ww_respond_problem(req, 422, "invalid_files", "The rule files are not a rule set.", bad, NULL);
}

static void on_draft_stored(void *ud, int status, json_t *res) {
  draft_job *job = ud;
  ww_req *req = job->req;
  json_decref(res);
  if (status == WW_STORE_ECONFLICT) {
    ww_respond_problem(req, 409, "too_many_drafts",
                       "There are 100 drafts; a draft is kept 7 days. Publish or wait for "
                       "older ones to lapse.", NULL, NULL);
  } else if (status != 0) {
    ww_api_respond_store(req, status, "not_found", "", NULL);
  } else {
    char loc[64];
    snprintf(loc, sizeof loc, "/v1/rules/drafts/%s", json_string_value(json_object_get(job->body, "id")));
    ww_req_add_header(req, "Location", loc);
    ww_respond_json(req, 201, json_incref(job->body));
  }
  job_free(job);
}

static void draft_after(uv_work_t *work, int status) {
  draft_job *job = work->data;
  ww_req *req = job->req;
  if (status != 0 || job->http == 500) {
    ww_respond_problem(req, 500, "internal", "The rule files could not be loaded.", NULL, NULL);
  } else if (job->bad) {
    respond_bad_files(req, job);
  } else if (job->kind == JOB_CHECK) {
    ww_respond_json(req, 200, json_incref(job->result));
  } else if (job->kind == JOB_CREATE) {
    ww_app_worker *w = job->w;
    if (w->store) {
      ww_store_draft_put(w->store, job->body, 1, on_draft_stored, job);
      return;
    }
    ww_api_respond_store(req, WW_STORE_EUNAVAIL, NULL, NULL, NULL);
  } else if (job->http == 409) {
    ww_respond_problem(req, 409, "draft_invalid",
                       "The draft does not load; GET /v1/rules/drafts/{id} lists its errors.",
                       NULL, NULL);
  } else if (job->http == 200) {
    ww_respond_json(req, 200, json_incref(job->result));
  } else if (job->http == 400) {
    json_t *params = job->err.invalid_params;
    job->err.invalid_params = NULL;
    ww_respond_problem(req, 400, job->err.code[0] ? job->err.code : "invalid_param",
                       job->err.msg, params, NULL);
  } else {
    ww_respond_problem(req, 500, "internal", "The advice could not be made.", NULL, NULL);
  }
  job_free(job);
}

static draft_job *job_new(ww_req *req, int kind, const json_t *files) {
  draft_job *job = calloc(1, sizeof *job);
  if (job == NULL) return NULL;
  job->req = req;
  job->w = ww_req_app(req);
  job->kind = kind;
  job->work.data = job;
  job->files = json_deep_copy(files);   /* the pool thread's own */
  return job;
}

static void start(draft_job *job) {
  if (job->files == NULL ||
      uv_queue_work(job->w->loop, &job->work, draft_work, draft_after) != 0) {
    ww_respond_problem(job->req, 500, "internal", "The check could not be started.", NULL,
                       NULL);
    job_free(job);
  }
}

/* The body of a request that carries rule files, with the draft limits. New, or NULL
 * after answering. */
static json_t *files_body(ww_req *req) {
  json_t *body = ww_req_json_unchecked(req);
  if (body == NULL) return NULL;
  char name[160], reason[160];
  if (ww_json_check(body, &draft_body_limits, name, sizeof name, reason, sizeof reason) != 0) {
    char detail[400];
    snprintf(detail, sizeof detail, "%s %s", name, reason);
    ww_respond_problem(req, 400, "invalid_json", detail,
                       json_pack("[{s:s, s:s}]", "name", name, "reason", reason), NULL);
    json_decref(body);
    return NULL;
  }
  json_t *bad = ww_rulefiles_check(json_object_get(body, "files"));
  if (bad) {
    ww_respond_problem(req, 422, "invalid_files", "The rule files are not a rule set.", bad,
                       NULL);
    json_decref(body);
    return NULL;
  }
  return body;
}

void ww_api_rules_check(ww_req *req) {
  json_t *body = files_body(req);
  if (body == NULL) return;
  draft_job *job = job_new(req, JOB_CHECK, json_object_get(body, "files"));
  json_decref(body);
  if (job) start(job);
  else ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
}

void ww_api_drafts_create(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  json_t *body = files_body(req);
  if (body == NULL) return;
  const json_t *note = json_object_get(body, "note");
  if (note && !json_is_null(note) &&
      (!json_is_string(note) || json_string_length(note) > NOTE_MAX)) {
    json_decref(body);
    ww_respond_problem(req, 400, "invalid_param", "note must be a text of at most 2000 bytes",
                       json_pack("[{s:s, s:s}]", "name", "note", "reason",
                                 "must be a text of at most 2000 bytes"),
                       NULL);
    return;
  }
  draft_job *job = job_new(req, JOB_CREATE, json_object_get(body, "files"));
  char id[17], now[32], live[16];
  if (job == NULL || ww_random_hex(id, 8) != 0) {
    json_decref(body);
    if (job) job_free(job);
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  ww_time_format((int64_t)time(NULL), now);
  ww_history_live(w->app, live);
  job->body = json_pack("{s:s, s:s, s:s, s:O?, s:s, s:s}", "id", id, "createdAt", now,
                        "author", ww_api_actor(req), "note", json_is_string(note) ? note : NULL,
                        "status", "invalid", "basedOn", live);
  json_object_set(job->body, "files", job->files);   /* the draft keeps what it was sent */
  json_decref(body);
  start(job);
}

/* ---- the stored draft ---- */

static void on_list(void *ud, int status, json_t *res) {
  ww_req *req = ud;
  if (status != 0) ww_api_respond_store(req, status, "not_found", "", res);
  else ww_respond_json(req, 200, res);
}

void ww_api_drafts_list(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (w->store == NULL) ww_api_respond_store(req, WW_STORE_EUNAVAIL, NULL, NULL, NULL);
  else ww_store_drafts(w->store, on_list, req);
}


/* Fetch the draft of the request's {id}, then go on in 'fn'. */
static void with_draft(ww_req *req, ww_store_cb fn) {
  ww_app_worker *w = ww_req_app(req);
  if (w->store == NULL) ww_api_respond_store(req, WW_STORE_EUNAVAIL, NULL, NULL, NULL);
  else ww_store_draft_get(w->store, ww_req_param(req, "id"), fn, req);
}

static void on_get(void *ud, int status, json_t *draft) {
  ww_req *req = ud;
  if (status != 0)
    ww_api_respond_store(req, status, "unknown_draft", WW_API_UNKNOWN_DRAFT, draft);
  else ww_respond_json(req, 200, draft);
}

void ww_api_draft_get(ww_req *req) { with_draft(req, on_get); }

static int draft_is(const json_t *draft, const char *status) {
  const char *s = json_string_value(json_object_get(draft, "status"));
  return s && strcmp(s, status) == 0;
}

static void respond_invalid(ww_req *req) {
  ww_respond_problem(req, 409, "draft_invalid",
                     "The draft has load errors or failing tests (GET /v1/rules/drafts/{id} "
                     "lists them); it cannot be approved or published.",
                     NULL, NULL);
}

/* -- trial advice -- */

/* ?closed=CHANNEL into 'out' ("" when absent): 1, or 0 after answering 400. */
static int valid_closed(ww_req *req, char out[64]) {
  int got = ww_api_query_param(req, "closed", out, 64);
  int ok = got == 0 || (got == 1 && ww_ident_valid(out));
  if (!ok) {
    out[0] = '\0';
    ww_respond_problem(req, 400, "invalid_param", "closed must be a channel id (balie, telefoon)",
                       json_pack("[{s:s, s:s}]", "name", "closed", "reason",
                                 "expected a channel id: a-z, 0-9 and _"),
                       NULL);
  }
  return ok;
}

static void on_advice_draft(void *ud, int status, json_t *draft) {
  ww_req *req = ud;
  if (status != 0) {
    ww_api_respond_store(req, status, "unknown_draft", WW_API_UNKNOWN_DRAFT, draft);
    return;
  }
  char closed[64] = "";
  if (!valid_closed(req, closed)) {
    json_decref(draft);
    return;
  }
  json_t *body = ww_req_json(req);
  if (body == NULL) {
    json_decref(draft);
    return;
  }
  if (json_object_get(body, "sessionId") || json_object_get(body, "handoverCode")) {
    json_decref(body);
    json_decref(draft);
    ww_respond_problem(req, 422, "session_not_allowed",
                       "A draft decides without sessions: leave out sessionId and handoverCode.",
                       json_pack("[{s:s, s:s}]", "name", "sessionId", "reason",
                                 "not allowed on a draft"),
                       NULL);
    return;
  }
  draft_job *job = job_new(req, JOB_ADVICE, json_object_get(draft, "files"));
  json_decref(draft);
  if (job == NULL) {
    json_decref(body);
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  job->body = body;
  job->status = json_incref((json_t *)ww_app_status(job->w, NULL));
  if (closed[0]) {   /* the live overrides, and this channel closed as by an outage */
    json_t *st = job->status ? json_copy(job->status) : json_object();
    json_object_set_new(st, closed, json_pack("{s:b, s:s}", "open", 0, "reason",
                                              "gesloten door een storing (proef)"));
    json_decref(job->status);
    job->status = st;
    snprintf(job->closed, sizeof job->closed, "%s", closed);
  }
  start(job);
}

void ww_api_draft_advice(ww_req *req) { with_draft(req, on_advice_draft); }

/* -- approve -- */

typedef struct update {
  ww_req *req;
  json_t *draft;
} update;

static void on_updated(void *ud, int status, json_t *res) {
  update *u = ud;
  json_decref(res);
  if (status != 0)
    ww_api_respond_store(u->req, status, "unknown_draft", WW_API_UNKNOWN_DRAFT, NULL);
  else ww_respond_json(u->req, 200, json_incref(u->draft));
  json_decref(u->draft);
  free(u);
}

/* Store the changed 'draft' (stolen) and answer 200 with it. */
static void store_update(ww_req *req, json_t *draft) {
  update *u = malloc(sizeof *u);
  if (u == NULL) {
    json_decref(draft);
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  u->req = req;
  u->draft = draft;
  ww_store_draft_put(((ww_app_worker *)ww_req_app(req))->store, draft, 0, on_updated, u);
}

static json_t *now_text(void) {
  char t[32];
  ww_time_format((int64_t)time(NULL), t);
  return json_string(t);
}

static void on_approve_draft(void *ud, int status, json_t *draft) {
  ww_req *req = ud;
  if (status != 0) {
    ww_api_respond_store(req, status, "unknown_draft", WW_API_UNKNOWN_DRAFT, draft);
    return;
  }
  const char *actor = ww_api_actor(req);
  const char *author = json_string_value(json_object_get(draft, "author"));
  if (author && strcmp(author, actor) == 0) {
    json_decref(draft);
    ww_respond_problem(req, 403, "same_author",
                       "A draft is approved by someone else than its author (four eyes): "
                       "this token has the author's name.",
                       NULL, NULL);
    return;
  }
  if (draft_is(draft, "invalid")) {
    json_decref(draft);
    respond_invalid(req);
    return;
  }
  if (!draft_is(draft, "published")) json_object_set_new(draft, "status", json_string("approved"));
  json_object_set_new(draft, "approvedBy", json_string(actor));
  json_object_set_new(draft, "approvedAt", now_text());
  store_update(req, draft);
}

void ww_api_draft_approve(ww_req *req) { with_draft(req, on_approve_draft); }

/* -- publish -- */

static void on_marked(void *ud, int status, json_t *res) {
  (void)ud;
  json_decref(res);
  if (status != 0)
    ww_logf(WW_LOG_WARN, "a published draft could not be marked so: %s", ww_store_strerror(status));
}

static void on_published(void *ud, int rc, const json_t *info, int store_status, ww_err *err) {
  update *u = ud;
  if (rc != 0) {
    ww_api_respond_refused(u->req, err);
  } else {
    ww_api_respond_live(u->req, info, store_status);
    json_object_set_new(u->draft, "status", json_string("published"));
    json_object_set_new(u->draft, "publishedAt", now_text());
    ww_app_worker *w = ww_req_app(u->req);
    /* the draft's own state; the version and audit are already in (or queued for) the
       store, so a lost write here is only logged */
    if (w->store) ww_store_draft_put(w->store, u->draft, 0, on_marked, NULL);
  }
  json_decref(u->draft);
  free(u);
}

static void on_publish_draft(void *ud, int status, json_t *draft) {
  ww_req *req = ud;
  ww_app_worker *w = ww_req_app(req);
  if (status != 0) {
    ww_api_respond_store(req, status, "unknown_draft", WW_API_UNKNOWN_DRAFT, draft);
    return;
  }
  if (draft_is(draft, "invalid")) {
    json_decref(draft);
    respond_invalid(req);
    return;
  }
  const char *approved_by = json_string_value(json_object_get(draft, "approvedBy"));
  if (w->app->cfg->require_approval && approved_by == NULL) {
    json_decref(draft);
    ww_respond_problem(req, 409, "approval_required",
                       "This server publishes a draft only after another admin approved it "
                       "(--require-approval): POST /v1/rules/drafts/{id}/approve.",
                       NULL, NULL);
    return;
  }
  update *u = malloc(sizeof *u);
  ww_history_change c = {json_object_get(draft, "files"), "publish", "publish",
                         ww_api_actor(req), approved_by, 0, 0};
  if (u) {
    u->req = req;
    u->draft = draft;
  }
  if (u == NULL || ww_history_apply(w, &c, on_published, u) != 0) {
    free(u);
    json_decref(draft);
    ww_respond_problem(req, 500, "internal", "the publish could not be started", NULL, NULL);
  }
}

void ww_api_draft_publish(ww_req *req) { with_draft(req, on_publish_draft); }
