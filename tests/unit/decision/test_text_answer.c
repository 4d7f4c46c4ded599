/* The text answer (ww_decision_text, what the server sends) is byte for byte
 * json_dumps(JSON_COMPACT) of the tree answer (ww_decision_json), over the whole corpus
 * of bench_decide (bench/corpus.c), with and without the extra members the server adds;
 * the decision cache and the answer cache change no byte of it. */
#include <criterion/criterion.h>
#include <string.h>

#include "corpus.h"

#ifndef WW_RULES_DIR
#error "WW_RULES_DIR must name the bundled rule set"
#endif

/* The bundled rules and the bench corpus. The checks are of the rendering: a decision over
 * its time limit answers the fallback, and on a busy machine that happens to one of two
 * runs of a request and not the other. A limit no decision reaches keeps both on the rules. */
static ww_rules *load_with_corpus(corpus *c) {
  ww_err err = {0};
  ww_limits lim = {0};
  lim.decision_timeout_ms = 60000;
  ww_rules *rules = ww_rules_load(WW_RULES_DIR, &lim, &err);
  cr_assert_not_null(rules, "%s", err.msg);
  cr_assert_eq(corpus_load(c, WW_RULES_DIR, rules, 0), 0);
  return rules;
}

Test(text_answer, equals_the_tree_over_the_bench_corpus, .timeout = 120) {
  corpus c;
  ww_rules *rules = load_with_corpus(&c);
  cr_assert_gt(c.n, 900);
  cr_assert_gt(c.nsess, 100);
  cr_assert_gt(c.nstat, 50);
  cr_assert_eq(corpus_check_text(rules, &c), 0, "see the first difference above");
  corpus_free(&c);
  ww_rules_free(rules);
}

/* The decision cache changes no byte: every request of the corpus decided with the cache
 * off, then twice with it on (a miss that stores, then a hit), gives the same text. One
 * rule set for all (two loads may order a catalogue table's members differently). The
 * adviceId is the corpus's fixed one (a made one differs per request by design:
 * tests/unit/rules/test_memo.c). */
static char *text_of(ww_rules *rules, const corpus *c, size_t i) {
  ww_decision_opts o;
  corpus_opts(c, &c->items[i], &o);
  ww_decision_input in;
  ww_err err = {0};
  const char *s;
  size_t len;
  cr_assert_eq(corpus_parse(rules, &c->items[i], &in, &err), 0, "%s", err.msg);
  cr_assert_eq(ww_decision_text(rules, &in, &o, NULL, &s, &len, NULL, &err), 0, "%s", err.msg);
  return strndup(s, len);
}

/* Every request's text with the cache off; then the cache on (empty). */
static char **uncached_then_cache_on(ww_rules *rules, const corpus *c) {
  char **want = calloc(c->n, sizeof *want);
  cr_assert_not_null(want);
  for (size_t i = 0; i < c->n; i++) want[i] = text_of(rules, c, i);
  cr_assert_eq(ww_decision_cache(rules, 4096), 0);
  return want;
}

static void free_all(char **want, corpus *c, ww_rules *rules) {
  for (size_t i = 0; i < c->n; i++) free(want[i]);
  free(want);
  corpus_free(c);
  ww_rules_free(rules);
}

Test(text_answer, cached_answers_equal_uncached_over_the_bench_corpus, .timeout = 120) {
  corpus c;
  ww_rules *rules = load_with_corpus(&c);
  char **want = uncached_then_cache_on(rules, &c);
  size_t cacheable = 0;
  for (size_t i = 0; i < c.n; i++) {
    for (int pass = 0; pass < 2; pass++) {
      char *got = text_of(rules, &c, i);
      cr_assert_str_eq(got, want[i], "request %zu, pass %d:\n uncached %s\n cached   %s", i,
                       pass, want[i], got);
      free(got);
    }
    cacheable += c.items[i].session == NULL &&
                 json_object_get(json_object_get(c.items[i].req, "citizen"), "id") == NULL;
  }
  unsigned long hits, misses;
  ww_decision_cache_counts(rules, &hits, &misses);
  /* every request without a session and without citizen.id: a miss, then a hit */
  cr_assert_gt(cacheable, 500);
  cr_assert_eq(hits, cacheable, "hits %lu of %zu", hits, cacheable);
  cr_assert_eq(misses, cacheable, "misses %lu of %zu", misses, cacheable);
  free_all(want, &c, rules);
}

/* The answer cache (ww_decision_text_cached: the server's fast path for a body it has
 * answered before) over the whole corpus: each request's body asked twice after the
 * uncached answer was taken; the second time every request without a session, citizen.id
 * or explain comes from the answer cache, byte for byte the uncached text (the corpus's
 * fixed adviceId is spliced in as a made one would be) with the same info (first channel,
 * its reason, service) the server counts and logs; the rest never does. */
Test(text_answer, answer_cache_equals_uncached_over_the_bench_corpus, .timeout = 120) {
  corpus c;
  ww_rules *rules = load_with_corpus(&c);
  char **want = uncached_then_cache_on(rules, &c);
  size_t cacheable = 0, hits = 0;
  for (size_t i = 0; i < c.n; i++) {
    const corpus_item *it = &c.items[i];
    char *body = json_dumps(it->req, JSON_COMPACT);
    cr_assert_not_null(body);
    size_t blen = strlen(body);
    ww_decision_opts o;
    corpus_opts(&c, it, &o);
    ww_decision_info slow = {0};
    for (int pass = 0; pass < 2; pass++) {
      const char *s;
      size_t len;
      ww_decision_info info;
      if (ww_decision_text_cached(rules, body, blen, &o, &s, &len, &info) == 0) {
        hits += pass == 1;
        if (pass == 0) slow = info;   /* the same body asked before (another item) */
        cr_assert_eq(len, strlen(want[i]), "request %zu, pass %d", i, pass);
        cr_assert_eq(memcmp(s, want[i], len), 0, "request %zu, pass %d:\n uncached %s\n cached   %.*s",
                     i, pass, want[i], (int)len, s);
        if (pass == 1) {
          cr_assert_eq(info.cache, 1);
          cr_assert_str_eq(info.advice_id, o.advice_id);
          cr_assert_str_eq(info.service, slow.service);
          cr_assert_eq(info.first, slow.first, "request %zu: the first channel", i);
          cr_assert_str_eq(info.reason, slow.reason, "request %zu", i);
        }
        continue;
      }
      ww_decision_input in;
      ww_err err = {0};
      cr_assert_eq(corpus_parse(rules, it, &in, &err), 0, "%s", err.msg);
      cr_assert_eq(ww_decision_text(rules, &in, &o, NULL, &s, &len, &slow, &err), 0, "%s", err.msg);
      cr_assert_eq(len, strlen(want[i]));
      cr_assert_eq(memcmp(s, want[i], len), 0, "request %zu", i);
      ww_decision_text_keep(rules, body, blen, &in, &o, NULL, &slow);
    }
    cacheable += it->session == NULL &&
                 json_object_get(json_object_get(it->req, "citizen"), "id") == NULL &&
                 !json_is_true(json_object_get(it->req, "explain"));
    free(body);
  }
  cr_assert_gt(cacheable, 500);
  cr_assert_eq(hits, cacheable, "answer cache hits %zu of %zu", hits, cacheable);
  free_all(want, &c, rules);
}
