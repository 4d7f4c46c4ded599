/* GET /v1/rules/drafts/{id}/impact (rulesapi.h): the draft's impact on recorded traffic.
 * The decision log since ?since= (default 24h) is read from the store, then -- on
 * libuv's pool, as drafts are loaded -- the live rule set and the draft are loaded and
 * every entry is decided again on both (engine/replay), within --load-timeout: what is
 * not replayed by then is left out and the report says "truncated". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/app.h"
#include "api/history.h"
#include "api/respond.h"
#include "api/rulefiles.h"
#include "api/rulesapi.h"
#include "replay/replay.h"
#include "store/store.h"
#include "util/tztime.h"

#define IMPACT_MAX 50000   /* entries replayed at most (the newest are left out beyond) */
#define SINCE_MAX 64

typedef struct impact {
  uv_work_t work;
  ww_req *req;
  ww_app *app;
  json_t *draft;        /* owned: the draft, with files */
  json_t *live_files;   /* owned copy, or NULL: the rules dir */
  json_t *log;          /* owned: {entries, truncated} */
  int64_t since_ms;
  json_t *report;       /* owned: the answer */
  ww_err err;
  int rc;
} impact;

static void impact_free(impact *im) {
  json_decref(im->draft);
  json_decref(im->live_files);
  json_decref(im->log);
  json_decref(im->report);
  ww_err_clear(&im->err);
  free(im);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void impact_work(uv_work_t *work) {
  impact *im = work->data;
  const ww_limits *limits = &im->app->rules.limits;
  double start = now_ms();
  ww_rules *live = NULL, *draft = NULL;
  if (im->live_files) ww_rulefiles_load(im->live_files, limits, 1, &live, &im->err);
  else live = ww_rules_load(im->app->rules.dir, limits, &im->err);
  if (live) ww_rulefiles_load(json_object_get(im->draft, "files"), limits, 1, &draft, &im->err);
  ww_replay *r = live && draft ? ww_replay_new(live, draft, 5) : NULL;
  if (r == NULL) {
    im->rc = -1;
    ww_rules_free(live);
    ww_rules_free(draft);
    return;
  }
  const json_t *entries = json_object_get(im->log, "entries");
  int truncated = json_is_true(json_object_get(im->log, "truncated"));
  size_t i, n = json_array_size(entries);
  for (i = 0; i < n; i++) {
    if ((i & 255) == 0 && now_ms() - start > (double)im->app->cfg->load_timeout_ms) break;
    if (ww_replay_add(r, json_array_get(entries, i)) < 0) break;
  }
  im->report = ww_replay_report(r);
  char since[32];
  ww_time_format(im->since_ms / 1000, since);
  json_object_set(im->report, "draft", json_object_get(im->draft, "id"));
  json_object_set_new(im->report, "since", json_string(since));
  json_object_set_new(im->report, "skipped", json_integer(ww_replay_skipped(r)));
  json_object_set_new(im->report, "truncated", json_boolean(truncated || i < n));
  ww_replay_free(r);
  ww_rules_free(live);
  ww_rules_free(draft);
}

static void impact_after(uv_work_t *work, int status) {
  impact *im = work->data;
  if (status == 0 && im->report) {
    ww_respond_json(im->req, 200, json_incref(im->report));
  } else if (im->rc != 0 && strcmp(im->err.code, "internal") != 0) {
    ww_err *err = &im->err;
    ww_respond_problem(im->req, 409, "ruleset_invalid",
                       "The live rule set or the draft does not load here; nothing was replayed.",
                       NULL, json_pack("{s:s, s:s, s:i}", "error", err->msg, "file", err->file,
                                       "line", err->line));
  } else {
    ww_respond_problem(im->req, 500, "internal", "The impact could not be computed.", NULL,
                       NULL);
  }
  impact_free(im);
}

static void on_log(void *ud, int status, json_t *log) {
  impact *im = ud;
  if (status != 0) {
    ww_api_respond_store(im->req, status, "not_found", "", log);
    impact_free(im);
    return;
  }
  im->log = log;
  pthread_mutex_lock(&im->app->history_lock);
  im->live_files = im->app->live_files ? json_deep_copy(im->app->live_files) : NULL;
  pthread_mutex_unlock(&im->app->history_lock);
  ww_app_worker *w = ww_req_app(im->req);
  if (uv_queue_work(w->loop, &im->work, impact_work, impact_after) != 0) {
    ww_respond_problem(im->req, 500, "internal", "The impact could not be started.", NULL, NULL);
    impact_free(im);
  }
}

static void on_draft(void *ud, int status, json_t *draft) {
  impact *im = ud;
  ww_req *req = im->req;
  ww_app_worker *w = ww_req_app(req);
  if (status != 0) {
    ww_api_respond_store(req, status, "unknown_draft",
                         WW_API_UNKNOWN_DRAFT, draft);
    impact_free(im);
    return;
  }
  im->draft = draft;
  if (json_array_size(json_object_get(draft, "errors")) > 0) {
    ww_respond_problem(req, 409, "draft_invalid",
                       "The draft does not load (GET /v1/rules/drafts/{id} lists its errors); "
                       "its impact cannot be computed.", NULL, NULL);
    impact_free(im);
    return;
  }
  if (!ww_store_decision_log_on(w->store)) {
    ww_respond_problem(req, 409, "decision_log_off",
                       "This server keeps no decision log (start it with --decision-log N), so "
                       "there is no recorded traffic to replay. `wegwijzer diff` compares two "
                       "rule sets on a generated grid instead.", NULL, NULL);
    impact_free(im);
    return;
  }
  ww_store_decision_log_since(w->store, im->since_ms, IMPACT_MAX, on_log, im);
}

void ww_api_draft_impact(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  char since[SINCE_MAX] = "24h";
  int64_t now = (int64_t)time(NULL) * 1000, since_ms;
  int got = ww_api_query_param(req, "since", since, sizeof since);
  if (got < 0 || ww_time_parse_when(since, 1, now, &since_ms) != 0) {
    ww_respond_problem(req, 400, "invalid_param",
                       "since must be a duration back from now (90m, 24h, 7d), a date or an "
                       "ISO 8601 time with offset.",
                       json_pack("[{s:s, s:s}]", "name", "since", "reason",
                                 "expected 24h, 7d, 2026-05-01 or 2026-05-01T00:00:00+02:00"),
                       NULL);
    return;
  }
  if (w->store == NULL) {
    ww_api_respond_store(req, WW_STORE_EUNAVAIL, NULL, NULL, NULL);
    return;
  }
  impact *im = calloc(1, sizeof *im);
  if (im == NULL) {
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  im->req = req;
  im->app = w->app;
  im->since_ms = since_ms;
  im->work.data = im;
  ww_store_draft_get(w->store, ww_req_param(req, "id"), on_draft, im);
}
