/* The decision corpus (corpus.h). */
#include "corpus.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const citizens[] = {
    "{}",
    "{\"id\":\"999993653\",\"authLevel\":\"midden\",\"digitalSkills\":\"low\","
    "\"language\":\"nld\",\"needs\":[\"visual\"],\"age\":81}",
    "{\"authLevel\":\"substantieel\",\"digitalSkills\":\"high\",\"age\":34}",
    "{\"authLevel\":\"basis\",\"digitalSkills\":\"medium\",\"language\":\"eng\"}",
    "{\"digitalSkills\":\"low\",\"needs\":[\"hearing\"],\"language\":\"sgn\"}",
    "{\"authLevel\":\"eh3\",\"needs\":[\"mobility\",\"literacy\"],\"age\":16}",
};
static const char *const contexts[] = {
    "{\"origin\":\"web\",\"device\":\"desktop\",\"time\":\"2026-12-01T10:15:00+01:00\"}",
    "{\"origin\":\"web\",\"device\":\"mobile\",\"time\":\"2026-12-01T19:40:00+01:00\"}",
    "{\"origin\":\"app\",\"time\":\"2026-12-05T11:00:00+01:00\",\"intent\":\"status\"}",
    "{\"origin\":\"web\",\"time\":\"2026-07-14T09:05:00+02:00\",\"intent\":\"spoed\"}",
    "{\"origin\":\"kcc\",\"time\":\"2026-12-25T10:00:00+01:00\"}",
};
static const char *const sessions[] = {
    "{\"id\":\"s1\",\"service\":\"%s\",\"channel\":\"website\",\"events\":["
    "{\"type\":\"abandoned\",\"channel\":\"website\",\"at\":\"2026-12-01T09:00:00+01:00\"},"
    "{\"type\":\"abandoned\",\"channel\":\"website\",\"at\":\"2026-12-01T09:05:00+01:00\"}],"
    "\"data\":{}}",
    "{\"id\":\"s2\",\"service\":\"%s\",\"channel\":\"app\",\"events\":["
    "{\"type\":\"step\",\"channel\":\"app\",\"at\":\"2026-11-20T12:00:00+01:00\"},"
    "{\"type\":\"advice\",\"channel\":\"app\",\"at\":\"2026-11-20T12:01:00+01:00\"}],"
    "\"data\":{\"stap\":2}}",
};
static const unsigned char secret[] = "bench-secret-bench-secret";

/* Service ids from services.lua: the `service "id"` lines (a corpus, not a parser).
 * A malloc'd array of *n ids of 64 bytes (any number: generated rule sets have 1,000). */
typedef struct service_id { char s[64]; } service_id;
static service_id *read_services(const char *dir, size_t *n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/services.lua", dir);
  *n = 0;
  FILE *f = fopen(path, "r");
  if (f == NULL) return NULL;
  char line[1024];
  size_t cap = 0;
  service_id *ids = NULL;
  while (fgets(line, sizeof line, f)) {
    service_id id;
    if (sscanf(line, "service \"%63[a-z0-9_]\"", id.s) != 1) continue;
    if (*n == cap) {
      service_id *q = realloc(ids, (cap = cap ? cap * 2 : 64) * sizeof *ids);
      if (q == NULL) abort();
      ids = q;
    }
    ids[(*n)++] = id;
  }
  fclose(f);
  return ids;
}

static uint64_t next_rand(uint64_t *rng) {
  *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
  return *rng;
}

int corpus_load(corpus *c, const char *dir, const ww_rules *rules, size_t keep) {
  memset(c, 0, sizeof *c);
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  const size_t ncit = sizeof citizens / sizeof *citizens, nctx = sizeof contexts / sizeof *contexts;
  service_id *ids = read_services(dir, &c->nsvc);
  c->items = calloc(c->nsvc ? c->nsvc * ncit * nctx : 1, sizeof *c->items);
  if (c->items == NULL) return free(ids), -1;
  for (size_t s = 0; s < c->nsvc; s++) {
    if (!ww_rules_has_service(rules, ids[s].s)) continue;
    for (size_t k = 0; k < ncit; k++)
      for (size_t x = 0; x < nctx; x++) {
        char text[2048];
        snprintf(text, sizeof text, "{\"service\":\"%s\",\"citizen\":%s,\"context\":%s}",
                 ids[s].s, citizens[k], contexts[x]);
        corpus_item *it = &c->items[c->n++];
        it->req = json_loads(text, 0, NULL);
        uint64_t r = next_rand(&rng);
        if (r % 4 == 0) {
          snprintf(text, sizeof text, sessions[(r >> 8) % 2], ids[s].s);
          it->session = json_loads(text, 0, NULL);
          json_object_set_new(it->req, "sessionId", json_string("s"));
          c->nsess++;
        }
        if ((r >> 16) % 8 == 0) it->status = 1, c->nstat++;
      }
  }
  free(ids);
  if (c->n == 0) {
    fprintf(stderr, "corpus: no services found in %s/services.lua\n", dir);
    return -1;
  }
  for (size_t i = c->n - 1; i > 0; i--) {   /* fixed shuffle: neighbours differ */
    size_t j = next_rand(&rng) % (i + 1);
    corpus_item t = c->items[i];
    c->items[i] = c->items[j];
    c->items[j] = t;
  }
  if (keep > 0 && keep < c->n) {   /* a uniform sample of the shuffled corpus */
    for (size_t i = keep; i < c->n; i++)
      json_decref(c->items[i].req), json_decref(c->items[i].session);
    c->n = keep;
    c->nsess = c->nstat = 0;
    for (size_t i = 0; i < c->n; i++)
      c->nsess += c->items[i].session != NULL, c->nstat += (size_t)c->items[i].status;
  }
  c->status = json_pack("{s:{s:b, s:i}, s:{s:b, s:s}}", "telefoon", "open", 1, "waitSeconds",
                        720, "chat", "open", 0, "reason", "De chat is vandaag gesloten.");
  return 0;
}

void corpus_free(corpus *c) {
  for (size_t i = 0; i < c->n; i++) json_decref(c->items[i].req), json_decref(c->items[i].session);
  free(c->items);
  json_decref(c->status);
  memset(c, 0, sizeof *c);
}

void corpus_opts(const corpus *c, const corpus_item *it, ww_decision_opts *o) {
  memset(o, 0, sizeof *o);
  o->session = it->session;
  o->status = it->status ? c->status : NULL;
  o->status_version = it->status ? 42 : 0;
  o->advice_id = "0123456789abcdef0123456789abcdef";
}

int corpus_parse(ww_rules *rules, const corpus_item *it, ww_decision_input *in, ww_err *err) {
  ww_parse_opts po = {0};
  po.secret = secret;
  po.secret_len = sizeof secret - 1;
  return ww_decision_parse(rules, it->req, &po, in, err);
}

/* One item, with 'extra' (or NULL): text against tree. */
static int same_text(ww_rules *rules, const corpus *c, size_t i, const json_t *extra) {
  const corpus_item *it = &c->items[i];
  ww_decision_opts o;
  corpus_opts(c, it, &o);
  ww_decision_input in;
  ww_err err = {0};
  json_t *tree = NULL;
  if (corpus_parse(rules, it, &in, &err) != 0 ||
      ww_decision_json(rules, &in, &o, &tree, &err) != 0) {
    fprintf(stderr, "corpus: request %zu refused: %s\n", i, err.msg);
    ww_err_clear(&err);
    return -1;
  }
  const char *k;
  json_t *v;
  if (extra) json_object_foreach((json_t *)extra, k, v) json_object_set(tree, k, v);
  char *a = json_dumps(tree, JSON_COMPACT);
  json_decref(tree);
  const char *b;
  size_t blen;
  int rc = ww_decision_text(rules, &in, &o, extra, &b, &blen, NULL, &err);
  int same = rc == 0 && a && strlen(a) == blen && memcmp(a, b, blen) == 0;
  if (!same)
    fprintf(stderr, "corpus: request %zu%s: the text answer differs\n tree: %s\n text: %.*s\n", i,
            extra ? " (with extra members)" : "", a ? a : "(none)", rc == 0 ? (int)blen : 0,
            rc == 0 ? b : "");
  free(a);
  ww_err_clear(&err);
  return same ? 0 : -1;
}

/* One item both ways. A decision that ran into the time limit (the fallback advice: a
 * busy machine, or a large generated rule set) is no difference in the rendering: that
 * item is decided again, at most 3 times. */
static int same_both(ww_rules *rules, const corpus *c, size_t i, const json_t *extra) {
  for (int attempt = 1;; attempt++) {
    unsigned long f0, f1, budget, memory;
    ww_decision_failures(rules, &f0, &budget, &memory);
    int rc = same_text(rules, c, i, NULL) || same_text(rules, c, i, extra) ? -1 : 0;
    ww_decision_failures(rules, &f1, &budget, &memory);
    if (rc == 0 || f1 == f0 || attempt == 3) return rc;
    fprintf(stderr, "corpus: request %zu ran into a limit (fallback advice); deciding it "
                    "again\n", i);
  }
}

int corpus_check_text(ww_rules *rules, const corpus *c) {
  json_t *extra = json_pack("{s:s, s:b, s:{s:s}}", "sessionId", "0123456789abcdef0123456789abcdef",
                            "degraded", 1, "agentContext", "lastChannel", "web");
  int rc = 0;
  for (size_t i = 0; i < c->n && rc == 0; i++) rc = same_both(rules, c, i, extra);
  json_decref(extra);
  return rc;
}
