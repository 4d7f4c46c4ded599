/* The decision corpus of bench_decide, shared with the test that the text answer is
 * byte-identical to the tree answer (tests/unit/decision/test_text_answer.c): every
 * service of RULES_DIR/services.lua x 6 citizens x 5 contexts (different minutes, days,
 * a holiday), a quarter of them with a session, one in eight with channel status
 * overrides, shuffled with a fixed seed so that neighbours differ. */
#ifndef WW_BENCH_CORPUS_H
#define WW_BENCH_CORPUS_H

#include <jansson.h>

#include "decision/decision.h"

typedef struct corpus_item {
  json_t *req, *session;      /* owned; session may be NULL */
  int status;                 /* 1: decided with the corpus's status overrides */
} corpus_item;

typedef struct corpus {
  corpus_item *items;
  size_t n, nsvc, nsess, nstat;
  json_t *status;             /* the overrides */
} corpus;

/* Builds the corpus for the services of 'dir' that 'rules' knows: 0, or -1 (message on
 * stderr). 'keep' > 0: only the first 'keep' of the shuffled corpus (a fixed size, so that
 * rule sets with many services compare with small ones: bench/scale.sh). */
int corpus_load(corpus *c, const char *dir, const ww_rules *rules, size_t keep);
void corpus_free(corpus *c);

/* The options of item 'it' as the server would decide it (fixed adviceId). */
void corpus_opts(const corpus *c, const corpus_item *it, ww_decision_opts *o);
/* Validates item 'it' as the server does (with the corpus's secret): 0 or WW_EINVAL. */
int corpus_parse(ww_rules *rules, const corpus_item *it, ww_decision_input *in, ww_err *err);

/* Every item decided both ways, as is and with extra members (sessionId, degraded) as the
 * server adds them: the text answer must be json_dumps(tree, JSON_COMPACT) byte for byte.
 * 0, or -1 with the first difference on stderr. */
int corpus_check_text(ww_rules *rules, const corpus *c);

#endif
