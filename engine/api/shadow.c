/* Shadow evaluation (shadow.h). */
#include "api/shadow.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "api/app.h"
#include "api/history.h"
#include "api/respond.h"
#include "api/rulefiles.h"
#include "api/rulesapi.h"
#include "log/log.h"
#include "replay/replay.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/tztime.h"

#define QUEUE_MAX 4096   /* decisions waiting for the shadow thread (then dropped) */
#define PAIRS_MAX 100    /* differing pairs GET shows */

typedef struct item {
  json_t *request, *session, *overrides;
  int route;
  char seed[33];
  char live[16];                   /* the version of the live set that decided it */
} item;

/* The run this process follows. The shadow thread decides; the workers queue; GET reads.
 * Everything below is guarded by 'lock' but the thread's own rule sets. */
typedef struct ww_shadow {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t thread;
  int started, stopping;
  ww_app *app;
  double sample;                   /* --shadow-sample */
  atomic_int on;                   /* a run is followed (the workers' cheap check) */
  unsigned generation;             /* bumped when the run changes */
  json_t *run;                     /* {id, candidate, version, startedAt, actor} or NULL */
  ww_rules *pending;               /* the candidate for the thread to take (owned) */
  char loading[17];                /* the run id being loaded here, or "" */
  item queue[QUEUE_MAX];
  size_t head, n;
  ww_replay *tally;                /* the replay's counts of this run (no rule sets) */
  unsigned long counts[WW_SHADOW_KINDS], dropped;
  json_t *pairs;                   /* the last PAIRS_MAX differing pairs, oldest first */
  ww_metrics *metrics;             /* block 0: its shadow counters are this thread's alone */
} ww_shadow;

/* ---- process state ---- */

static void item_clear(item *it) {
  json_decref(it->request);
  json_decref(it->session);
  json_decref(it->overrides);
  memset(it, 0, sizeof *it);
}

/* Under the lock. */
static void queue_clear(ww_shadow *s) {
  for (; s->n > 0; s->n--, s->head = (s->head + 1) % QUEUE_MAX) item_clear(&s->queue[s->head]);
}

static void *shadow_main(void *arg);

int ww_shadow_init(ww_app *app) {
  ww_shadow *s = calloc(1, sizeof *s);
  if (s == NULL) return -1;
  s->app = app;
  s->sample = app->cfg->shadow_sample;
  s->metrics = ww_metrics_worker(app->metrics, 0);
  s->pairs = json_array();
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  app->shadow = s;
  if (s->pairs == NULL || pthread_create(&s->thread, NULL, shadow_main, s) != 0) return -1;
  s->started = 1;
  return 0;
}

void ww_shadow_close(ww_app *app) {
  ww_shadow *s = app->shadow;
  if (s == NULL) return;
  if (s->started) {
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
  }
  queue_clear(s);
  ww_rules_free(s->pending);
  json_decref(s->run);
  json_decref(s->pairs);
  ww_replay_free(s->tally);
  pthread_cond_destroy(&s->wake);
  pthread_mutex_destroy(&s->lock);
  free(s);
  app->shadow = NULL;
}

/* Follow 'run' (stolen; NULL: none) with the candidate 'cand' (stolen, or NULL). */
static void install(ww_shadow *s, json_t *run, ww_rules *cand) {
  pthread_mutex_lock(&s->lock);
  ww_rules_free(s->pending);
  s->pending = cand;
  json_decref(s->run);
  s->run = run;
  ww_replay_free(s->tally);
  s->tally = run ? ww_replay_new(NULL, NULL, 0) : NULL;
  memset(s->counts, 0, sizeof s->counts);
  s->dropped = 0;
  json_array_clear(s->pairs);
  s->loading[0] = '\0';
  queue_clear(s);   /* what was queued belongs to the old run */
  s->generation++;
  atomic_store(&s->on, run != NULL);
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  if (run)
    ww_log(WW_LOG_INFO, "shadow evaluation started here",
           json_pack("{s:O, s:O, s:O}", "shadow", json_object_get(run, "id"), "candidate",
                     json_object_get(run, "candidate"), "rulesVersion",
                     json_object_get(run, "version")));
  else
    ww_log(WW_LOG_INFO, "shadow evaluation ended here", NULL);
}

/* The run as GET shows it: without its files. New. */
static json_t *public_of(const json_t *run) {
  json_t *shallow = json_copy((json_t *)run);
  json_object_del(shallow, "files");
  json_t *out = json_deep_copy(shallow);
  json_decref(shallow);
  return out;
}

/* The run's id (borrowed from 'run'). */
static const char *run_id(const json_t *run) {
  return json_string_value(json_object_get(run, "id"));
}

/* ---- loading a candidate, off the loop ---- */

/* The limits of the shadow thread's rule sets: those of every rule set, but ten times
 * the decision time limit -- the thread runs at the lowest priority, and a decision the
 * scheduler kept waiting must not read as a rule failure. Instruction budget and memory
 * cap as every rule set. */
static ww_limits shadow_limits(const ww_app *app) {
  ww_limits l = app->rules.limits;
  unsigned t = l.decision_timeout_ms ? l.decision_timeout_ms : WW_DEFAULT_DECISION_TIMEOUT_MS;
  l.decision_timeout_ms = t * 10;
  return l;
}

typedef void (*loaded_fn)(void *ud, int rc, ww_rules *cand, ww_err *err);

typedef struct load_job {
  uv_work_t work;
  ww_app *app;
  json_t *files;
  int rc;
  ww_rules *cand;
  ww_err err;
  loaded_fn done;
  void *ud;
} load_job;

static void load_work(uv_work_t *work) {
  load_job *job = work->data;
  json_t *bad = ww_rulefiles_check(job->files);
  if (bad) {
    json_decref(bad);
    snprintf(job->err.code, sizeof job->err.code, "invalid_files");
    snprintf(job->err.msg, sizeof job->err.msg, "The candidate's files are not a rule set.");
    job->rc = -1;
    return;
  }
  ww_limits limits = shadow_limits(job->app);
  job->rc = ww_rulefiles_load(job->files, &limits, 1, &job->cand, &job->err);
}

static void load_after(uv_work_t *work, int status) {
  load_job *job = work->data;
  if (status != 0 && job->rc == 0) {
    ww_rules_free(job->cand);
    job->cand = NULL;
    job->rc = -1;
  }
  job->done(job->ud, job->rc, job->rc == 0 ? job->cand : NULL, &job->err);
  json_decref(job->files);
  ww_err_clear(&job->err);
  free(job);
}

/* Load 'files' (borrowed) on libuv's pool; 'done' on 'w's loop gets the candidate (it
 * takes it). 0, or -1 when it could not be started. */
static int load(ww_app_worker *w, const json_t *files, loaded_fn done, void *ud) {
  load_job *job = calloc(1, sizeof *job);
  if (job == NULL) return -1;
  job->app = w->app;
  job->files = json_deep_copy(files);
  job->done = done;
  job->ud = ud;
  job->work.data = job;
  if (job->files == NULL || uv_queue_work(w->loop, &job->work, load_work, load_after) != 0) {
    json_decref(job->files);
    free(job);
    return -1;
  }
  return 0;
}

/* ---- worker 0 follows the store ---- */

typedef struct follow {
  ww_app_worker *w;
  json_t *run;
} follow;

static void on_follow_loaded(void *ud, int rc, ww_rules *cand, ww_err *err) {
  follow *f = ud;
  ww_shadow *s = f->w->app->shadow;
  pthread_mutex_lock(&s->lock);
  int wanted = strcmp(s->loading, run_id(f->run)) == 0;
  if (rc != 0 && wanted) s->loading[0] = '\0';
  pthread_mutex_unlock(&s->lock);
  if (rc != 0) {
    ww_log(WW_LOG_ERROR, "the shadow candidate does not load here; this instance does not "
                         "shadow it", json_pack("{s:O, s:s, s:s*, s:i}", "rulesVersion",
                         json_object_get(f->run, "version"), "error", err->msg, "file",
                         err->file[0] ? err->file : NULL, "line", err->line));
    json_decref(f->run);
  } else if (!wanted) {   /* another run (or none) came meanwhile */
    ww_rules_free(cand);
    json_decref(f->run);
  } else {
    install(s, f->run, cand);
  }
  free(f);
}

static void on_look(void *ud, int status, json_t *run) {
  ww_app_worker *w = ud;
  ww_shadow *s = w->app->shadow;
  if (status != 0 && status != WW_STORE_ENOTFOUND) {
    json_decref(run);
    return;
  }
  const char *id = run ? run_id(run) : NULL;
  pthread_mutex_lock(&s->lock);
  const char *mine = s->run ? run_id(s->run) : NULL;
  int same = (id == NULL && mine == NULL && s->loading[0] == '\0') ||
             (id && ((mine && strcmp(id, mine) == 0) || strcmp(id, s->loading) == 0));
  if (!same && id) snprintf(s->loading, sizeof s->loading, "%s", id);
  else if (!same) s->loading[0] = '\0';
  pthread_mutex_unlock(&s->lock);
  if (same) {
    json_decref(run);
    return;
  }
  if (id == NULL) {
    json_decref(run);
    install(s, NULL, NULL);
    return;
  }
  follow *f = malloc(sizeof *f);
  json_t *files = json_object_get(run, "files");
  if (f) {
    f->w = w;
    f->run = public_of(run);
  }
  if (f == NULL || f->run == NULL || load(w, files, on_follow_loaded, f) != 0) {
    ww_log(WW_LOG_ERROR, "the shadow candidate could not be loaded here", NULL);
    if (f) json_decref(f->run);
    free(f);
    pthread_mutex_lock(&s->lock);
    s->loading[0] = '\0';
    pthread_mutex_unlock(&s->lock);
  }
  json_decref(run);
}

void ww_shadow_look(ww_app_worker *w) {
  if (w->store && w->app->shadow) ww_store_shadow_get(w->store, on_look, w);
}

/* ---- the shadow thread decides again ---- */

/* A pair to show: the replay's example without traces and free text. */
static json_t *pair_of(ww_rules *live, ww_rules *cand, const item *it, const char *service,
                       int kind) {
  json_t *ex = ww_replay_example(live, cand, it->request, it->session, it->overrides,
                                 it->route, it->seed);
  if (ex == NULL) return NULL;
  json_object_del(json_object_get(ex, "before"), "trace");
  json_object_del(json_object_get(ex, "after"), "trace");
  json_object_del(json_object_get(json_object_get(ex, "request"), "context"), "intent");
  char at[32];
  ww_time_format((int64_t)time(NULL), at);
  json_object_set_new(ex, "at", json_string(at));
  json_object_set_new(ex, "service", json_string(service));
  json_object_set_new(ex, "result", json_string(kind == WW_SHADOW_ERROR ? "error"
                                                                         : "different"));
  return ex;
}

/* The thread's copy of the live set for 'version': loaded from the files the history
 * keeps (or the rules dir) when the live set changed; NULL when this version is no
 * longer the one the history knows (a change raced the item: it is skipped). */
static ww_rules *live_copy(ww_shadow *s, ww_rules **live, const char *version) {
  if (*live && strcmp(ww_rules_version(*live), version) == 0) return *live;
  ww_app *app = s->app;
  pthread_mutex_lock(&app->history_lock);
  int current = strcmp(app->live_version, version) == 0;
  json_t *files = current && app->live_files ? json_deep_copy(app->live_files) : NULL;
  pthread_mutex_unlock(&app->history_lock);
  if (!current) return NULL;
  ww_rules_free(*live);
  *live = NULL;
  ww_err err = {0};
  ww_limits limits = shadow_limits(app);
  if (files) ww_rulefiles_load(files, &limits, 1, live, &err);
  else *live = ww_rules_load(app->rules.dir, &limits, &err);
  ww_err_clear(&err);
  json_decref(files);
  if (*live && strcmp(ww_rules_version(*live), version) != 0) {
    ww_rules_free(*live);
    *live = NULL;
  }
  return *live;
}

static void decide_one(ww_shadow *s, ww_rules *live, ww_rules *cand, item *it,
                       unsigned generation) {
  const char *service = json_string_value(json_object_get(it->request, "service"));
  ww_replay_pair p;
  ww_replay_decide(live, cand, it->request, it->session, it->overrides, it->route, it->seed,
                   &p);
  pthread_mutex_lock(&s->lock);
  int ours = s->generation == generation && s->tally;
  int changed = ours ? ww_replay_count(s->tally, service, &p) : 0;
  int kind = p.error_after ? WW_SHADOW_ERROR : changed == 1 ? WW_SHADOW_DIFFERENT
                                                             : WW_SHADOW_SAME;
  if (ours) s->counts[kind]++;
  pthread_mutex_unlock(&s->lock);
  if (!ours) return;
  ww_metrics_shadow(s->metrics, (ww_shadow_kind)kind);
  if (kind == WW_SHADOW_SAME) return;
  json_t *pair = pair_of(live, cand, it, service, kind);
  if (pair == NULL) return;
  pthread_mutex_lock(&s->lock);
  if (s->generation == generation) {
    json_array_append_new(s->pairs, pair);
    if (json_array_size(s->pairs) > PAIRS_MAX) json_array_remove(s->pairs, 0);
  } else {
    json_decref(pair);
  }
  pthread_mutex_unlock(&s->lock);
}

/* One thread per process, at the lowest priority: it gets the processor time the
 * workers leave, so a shadow run never slows an answer (a full queue drops instead). */
static void *shadow_main(void *arg) {
  ww_shadow *s = arg;
  setpriority(PRIO_PROCESS, 0, 19);   /* Linux: this thread only */
  ww_rules *cand = NULL, *live = NULL;
  unsigned generation = 0;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    while (!s->stopping && s->generation == generation && s->n == 0)
      pthread_cond_wait(&s->wake, &s->lock);
    if (s->stopping) break;
    if (s->generation != generation) {   /* a new run, or none */
      generation = s->generation;
      ww_rules *old = cand;
      cand = s->pending;
      s->pending = NULL;
      pthread_mutex_unlock(&s->lock);
      ww_rules_free(old);
      pthread_mutex_lock(&s->lock);
      continue;
    }
    item it = s->queue[s->head];
    memset(&s->queue[s->head], 0, sizeof it);
    s->head = (s->head + 1) % QUEUE_MAX;
    s->n--;
    pthread_mutex_unlock(&s->lock);
    ww_rules *l = cand ? live_copy(s, &live, it.live) : NULL;
    if (l) {
      decide_one(s, l, cand, &it, generation);
    } else {
      pthread_mutex_lock(&s->lock);
      if (s->generation == generation) s->dropped++;
      pthread_mutex_unlock(&s->lock);
    }
    item_clear(&it);
    pthread_mutex_lock(&s->lock);
  }
  pthread_mutex_unlock(&s->lock);
  ww_rules_free(cand);
  ww_rules_free(live);
  return NULL;
}

/* A uniform draw in [0, 1) (the sample needs no secrecy). */
static double draw(void) {
  static _Thread_local uint64_t x;
  if (x == 0) x = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)time(NULL) << 8) ^ (uint64_t)(uintptr_t)&x;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  return (double)((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

int ww_shadow_on(const ww_app_worker *w) {
  const ww_shadow *s = w->app->shadow;
  return s != NULL && atomic_load_explicit(&s->on, memory_order_relaxed);
}

void ww_shadow_offer(ww_app_worker *w, ww_ruleset *rs, const ww_decision_input *in,
                     const ww_decision_opts *o, const char *advice_id) {
  ww_shadow *s = w->app->shadow;
  if (!ww_shadow_on(w)) return;
  if (s->sample < 1.0 && draw() >= s->sample) return;
  /* as the decision log records it (no citizen id, no citizenRef), read back as replay
     reads an entry */
  json_t *entry = ww_decision_record(rs->rules, in, o);
  const char *service = ww_decision_service_id(rs->rules, in);
  if (entry == NULL || service == NULL) {
    json_decref(entry);
    return;
  }
  json_object_set_new(entry, "service", json_string(service));
  item it = {0};
  int rc = ww_decision_record_read(entry, &it.request, &it.session, &it.overrides);
  json_decref(entry);
  if (rc != 0) return;
  it.route = o->route;
  snprintf(it.seed, sizeof it.seed, "%s", advice_id ? advice_id : "");
  snprintf(it.live, sizeof it.live, "%s", ww_rules_version(rs->rules));
  pthread_mutex_lock(&s->lock);
  if (s->run == NULL) {
    item_clear(&it);
  } else if (s->n == QUEUE_MAX) {
    s->dropped++;
    item_clear(&it);
  } else {
    s->queue[(s->head + s->n) % QUEUE_MAX] = it;
    s->n++;
    pthread_cond_signal(&s->wake);
  }
  pthread_mutex_unlock(&s->lock);
}

/* ---- the report ---- */

/* GET /v1/rules/shadow body. New. */
static json_t *report(ww_app *app) {
  ww_shadow *s = app->shadow;
  char live[16];
  ww_history_live(app, live);
  pthread_mutex_lock(&s->lock);
  if (s->run == NULL) {
    json_t *out = json_pack("{s:b}", "active", 0);
    if (out && s->loading[0]) json_object_set_new(out, "starting", json_string(s->loading));
    pthread_mutex_unlock(&s->lock);
    return out;
  }
  /* a deep copy: the report shares the tally's shift objects, which the thread goes on
     counting after the lock is let go */
  json_t *shared = ww_replay_report(s->tally);
  json_t *r = json_deep_copy(shared);
  json_decref(shared);
  json_t *out = json_deep_copy(s->run);
  json_object_set_new(out, "active", json_true());
  json_object_set_new(out, "live", json_string(live));
  json_object_set_new(out, "sample", json_real(s->sample));
  json_object_set_new(out, "counts",
                      json_pack("{s:I, s:I, s:I, s:I}", "same",
                                (json_int_t)s->counts[WW_SHADOW_SAME], "different",
                                (json_int_t)s->counts[WW_SHADOW_DIFFERENT], "error",
                                (json_int_t)s->counts[WW_SHADOW_ERROR], "dropped",
                                (json_int_t)s->dropped));
  static const char *const keep[] = {"errorsBefore", "errorsAfter", "byService", "shifts",
                                     "newlyExcluded", NULL};
  for (int i = 0; keep[i]; i++) json_object_set(out, keep[i], json_object_get(r, keep[i]));
  json_t *pairs = json_array();   /* newest first */
  for (size_t i = json_array_size(s->pairs); i > 0; i--)
    json_array_append(pairs, json_array_get(s->pairs, i - 1));
  json_object_set_new(out, "pairs", pairs);
  pthread_mutex_unlock(&s->lock);
  json_decref(r);
  return out;
}

void ww_api_shadow_get(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  json_t *out = w->app->shadow ? report(w->app) : NULL;
  if (out) ww_respond_json(req, 200, out);
  else ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
}

/* ---- start and stop ---- */

typedef struct start {
  ww_req *req;
  json_t *run;          /* the stored form: with "files" */
  ww_rules *cand;       /* loaded here, until installed */
} start;

static void start_free(start *st) {
  ww_rules_free(st->cand);
  json_decref(st->run);
  free(st);
}

static void on_started(void *ud, int status, json_t *res) {
  start *st = ud;
  ww_app_worker *w = ww_req_app(st->req);
  ww_shadow *s = w->app->shadow;
  json_decref(res);
  if (status != 0) {
    pthread_mutex_lock(&s->lock);
    if (strcmp(s->loading, run_id(st->run)) == 0) s->loading[0] = '\0';
    pthread_mutex_unlock(&s->lock);
    ww_api_respond_store(st->req, status, "not_found", "", NULL);
    start_free(st);
    return;
  }
  json_t *pub = public_of(st->run);
  install(s, pub, st->cand);
  st->cand = NULL;
  ww_respond_json(st->req, 200, report(w->app));
  start_free(st);
}

static void on_start_loaded(void *ud, int rc, ww_rules *cand, ww_err *err) {
  start *st = ud;
  ww_app_worker *w = ww_req_app(st->req);
  if (rc != 0) {
    json_t *errors = ww_rulefiles_problems(err->errors);
    if (json_array_size(errors) == 0 && err->msg[0])
      json_array_append_new(errors, json_pack("{s:s, s:i, s:s}", "file", err->file, "line",
                                              err->line, "message", err->msg));
    ww_respond_problem(st->req, 409, "candidate_invalid",
                       "The candidate does not load on this server, so it cannot be shadowed.",
                       NULL, json_pack("{s:o}", "errors", errors));
    start_free(st);
    return;
  }
  st->cand = cand;
  /* from here the store's message about this run is ours: worker 0 need not load it */
  ww_shadow *s = w->app->shadow;
  pthread_mutex_lock(&s->lock);
  snprintf(s->loading, sizeof s->loading, "%s", run_id(st->run));
  pthread_mutex_unlock(&s->lock);
  ww_store_shadow_set(w->store, st->run, on_started, st);
}

/* The candidate's files and version are known: make the run and load it here. */
static void start_with(ww_req *req, json_t *candidate, const char *version,
                       const json_t *files) {
  char id[17], now[32];
  start *st = calloc(1, sizeof *st);
  if (st == NULL || ww_random_hex(id, 8) != 0) {
    free(st);
    json_decref(candidate);
    ww_respond_problem(req, 500, "internal", "out of memory", NULL, NULL);
    return;
  }
  ww_time_format((int64_t)time(NULL), now);
  st->req = req;
  st->run = json_pack("{s:s, s:o, s:s, s:s, s:s, s:O}", "id", id, "candidate", candidate,
                      "version", version ? version : "", "startedAt", now, "actor",
                      ww_api_actor(req), "files", files);
  if (st->run == NULL || load(ww_req_app(req), files, on_start_loaded, st) != 0) {
    ww_respond_problem(req, 500, "internal", "The candidate could not be loaded.", NULL, NULL);
    json_decref(st->run);
    free(st);
  }
}

static void on_start_draft(void *ud, int status, json_t *draft) {
  ww_req *req = ud;
  if (status != 0) {
    ww_api_respond_store(req, status, "unknown_draft",
                         WW_API_UNKNOWN_DRAFT, draft);
    return;
  }
  if (json_array_size(json_object_get(draft, "errors")) > 0) {
    json_decref(draft);
    ww_respond_problem(req, 409, "draft_invalid",
                       "The draft does not load (GET /v1/rules/drafts/{id} lists its errors); "
                       "it cannot be shadowed.", NULL, NULL);
    return;
  }
  start_with(req, json_pack("{s:O}", "draft", json_object_get(draft, "id")),
             json_string_value(json_object_get(draft, "version")),
             json_object_get(draft, "files"));
  json_decref(draft);
}

static void on_start_version(void *ud, int status, json_t *rec) {
  ww_req *req = ud;
  if (status != 0) {
    ww_api_respond_store(req, status, "unknown_version",
                         WW_API_UNKNOWN_VERSION,
                         rec);
    return;
  }
  start_with(req, json_pack("{s:O}", "version", json_object_get(rec, "version")),
             json_string_value(json_object_get(rec, "version")), json_object_get(rec, "files"));
  json_decref(rec);
}

void ww_api_shadow_start(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  json_t *body = ww_req_json(req);
  if (body == NULL) return;
  const char *draft = json_string_value(json_object_get(body, "draft"));
  const char *version = json_string_value(json_object_get(body, "version"));
  if (!json_is_object(body) || (draft == NULL) == (version == NULL) ||
      json_object_size(body) != 1) {
    json_decref(body);
    ww_respond_problem(req, 400, "invalid_param",
                       "Name one candidate: {\"draft\": id} or {\"version\": version}.",
                       json_pack("[{s:s, s:s}]", "name", "draft", "reason",
                                 "give draft or version (a text), not both"),
                       NULL);
    return;
  }
  if (w->store == NULL) {
    json_decref(body);
    ww_api_respond_store(req, WW_STORE_EUNAVAIL, NULL, NULL, NULL);
    return;
  }
  if (draft) ww_store_draft_get(w->store, draft, on_start_draft, req);
  else if (ww_store_version_id_valid(version))
    ww_store_rules_version(w->store, version, on_start_version, req);
  else on_start_version(req, WW_STORE_ENOTFOUND, NULL);
  json_decref(body);
}

static void on_stopped(void *ud, int status, json_t *res) {
  ww_req *req = ud;
  ww_app_worker *w = ww_req_app(req);
  json_decref(res);
  if (status != 0) {
    ww_api_respond_store(req, status, "not_found", "", NULL);
    return;
  }
  json_t *last = report(w->app);
  install(w->app->shadow, NULL, NULL);
  if (last) json_object_set_new(last, "active", json_false());
  ww_respond_json(req, 200, last);
}

void ww_api_shadow_stop(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (w->store == NULL) ww_api_respond_store(req, WW_STORE_EUNAVAIL, NULL, NULL, NULL);
  else ww_store_shadow_set(w->store, NULL, on_stopped, req);
}
