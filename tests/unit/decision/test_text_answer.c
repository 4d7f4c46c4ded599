/* The text answer (ww_decision_text, what the server sends) is byte for byte
 * json_dumps(JSON_COMPACT) of the tree answer (ww_decision_json), over the whole corpus
 * of bench_decide (bench/corpus.c), with and without the extra members the server adds. */
#include <criterion/criterion.h>

#include "corpus.h"

#ifndef WW_RULES_DIR
#error "WW_RULES_DIR must name the bundled rule set"
#endif

Test(text_answer, equals_the_tree_over_the_bench_corpus, .timeout = 120) {
  ww_err err = {0};
  /* The check is of the rendering: a decision over its time limit answers the fallback,
   * and on a busy machine that happens to one of the two runs of a request and not the
   * other. A limit no decision reaches keeps both runs on the rules. */
  ww_limits lim = {0};
  lim.decision_timeout_ms = 60000;
  ww_rules *rules = ww_rules_load(WW_RULES_DIR, &lim, &err);
  cr_assert_not_null(rules, "%s", err.msg);
  corpus c;
  cr_assert_eq(corpus_load(&c, WW_RULES_DIR, rules, 0), 0);
  cr_assert_gt(c.n, 900);
  cr_assert_gt(c.nsess, 100);
  cr_assert_gt(c.nstat, 50);
  cr_assert_eq(corpus_check_text(rules, &c), 0, "see the first difference above");
  corpus_free(&c);
  ww_rules_free(rules);
}
