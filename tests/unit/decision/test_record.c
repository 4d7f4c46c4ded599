/* The decision log's record (ww_decision_record) decides again as it was decided: over the
 * whole bench corpus (sessions, overrides, citizens, holidays), each decision made live,
 * its record written to a stream entry and read back as text (store/codec.h, as Redis
 * gives it), rebuilt (ww_decision_record_read) and decided again: the same first channel
 * and the same exclusions. And the record never holds citizen.id nor its citizenRef. */
#include <criterion/criterion.h>
#include <string.h>

#include "corpus.h"
#include "store/codec.h"

#ifndef WW_RULES_DIR
#error "WW_RULES_DIR must name the bundled rule set"
#endif

/* 'fields' through the stream codec, as a reader gets it back. New. */
static json_t *through_stream(const json_t *fields) {
  ww_codec_entry enc;
  cr_assert_eq(ww_codec_entry_encode(fields, &enc), 0);
  json_t *e = ww_codec_entry_new(1796110936131LL);
  for (int i = 0; i + 1 < enc.argc; i += 2)
    ww_codec_entry_put(e, enc.argv[i], strlen(enc.argv[i]), enc.argv[i + 1],
                       strlen(enc.argv[i + 1]));
  ww_codec_entry_release(&enc);
  return e;
}

static void same_outcome(const ww_decision_outcome *a, const ww_decision_outcome *b,
                         size_t k) {
  cr_assert(a->first && b->first, "item %zu: no first channel", k);
  cr_assert_str_eq(a->first, b->first, "item %zu: first %s live, %s replayed", k, a->first,
                   b->first);
  cr_assert_eq(a->failed, b->failed, "item %zu", k);
  cr_assert_eq(a->nexcluded, b->nexcluded, "item %zu: exclusions differ", k);
  for (int i = 0; i < a->nexcluded; i++) cr_assert_str_eq(a->excluded[i], b->excluded[i]);
}

Test(record, decides_again_as_live_over_the_bench_corpus, .timeout = 120) {
  ww_err err = {0};
  ww_limits lim = {0};
  lim.decision_timeout_ms = 60000;   /* a busy machine must not make one run the fallback */
  ww_rules *rules = ww_rules_load(WW_RULES_DIR, &lim, &err);
  cr_assert_not_null(rules, "%s", err.msg);
  corpus c;
  cr_assert_eq(corpus_load(&c, WW_RULES_DIR, rules, 0), 0);
  size_t with_session = 0, with_overrides = 0;
  for (size_t k = 0; k < c.n; k++) {
    const corpus_item *it = &c.items[k];
    ww_decision_opts o;
    corpus_opts(&c, it, &o);
    ww_decision_input in;
    cr_assert_eq(corpus_parse(rules, it, &in, &err), 0, "%s", err.msg);
    ww_decision_outcome live, again;
    cr_assert_eq(ww_decision_outcome_of(rules, &in, &o, &live, &err), 0);

    json_t *rec = ww_decision_record(rules, &in, &o);
    cr_assert_not_null(rec);
    cr_assert_null(json_object_get(json_object_get(rec, "citizen"), "id"));
    cr_assert_null(json_object_get(json_object_get(rec, "citizen"), "ref"));
    char *text = json_dumps(rec, JSON_COMPACT);
    if (in.has_ref) cr_assert_null(strstr(text, in.ref), "item %zu: the record holds the citizenRef", k);
    const char *id = json_string_value(json_object_get(in.citizen, "id"));
    if (id) cr_assert_null(strstr(text, id), "item %zu: the record holds citizen.id", k);
    free(text);
    with_session += json_object_get(rec, "session") != NULL;
    with_overrides += json_object_get(rec, "overrides") != NULL;

    json_t *fields = json_pack("{s:s, s:s, s:s}", "kind", "advice", "service",
                               ww_decision_service_id(rules, &in), "adviceId", o.advice_id);
    json_object_update(fields, rec);
    json_decref(rec);
    json_t *entry = through_stream(fields);
    json_decref(fields);
    json_t *req, *session, *overrides;
    cr_assert_eq(ww_decision_record_read(entry, &req, &session, &overrides), 0, "item %zu", k);
    ww_decision_input in2;
    cr_assert_eq(ww_decision_parse(rules, req, NULL, &in2, &err), 0, "item %zu: %s", k, err.msg);
    ww_decision_opts o2 = {0};
    o2.session = session;
    o2.status = overrides;
    o2.advice_id = json_string_value(json_object_get(entry, "adviceId"));
    cr_assert_eq(ww_decision_outcome_of(rules, &in2, &o2, &again, &err), 0);
    same_outcome(&live, &again, k);
    json_decref(req);
    json_decref(session);
    json_decref(overrides);
    json_decref(entry);
  }
  cr_assert_eq(with_session, c.nsess);
  cr_assert_gt(with_overrides, 0);
  corpus_free(&c);
  ww_rules_free(rules);
}

/* An entry without a record (an older server's, a handover) is not replayed. */
Test(record, entries_without_record) {
  json_t *req, *session, *overrides;
  json_t *e = json_pack("{s:s, s:s, s:s}", "kind", "advice", "service", "paspoort", "channel",
                        "balie");
  cr_assert_eq(ww_decision_record_read(e, &req, &session, &overrides), -1);
  cr_assert_null(req);
  json_decref(e);
  e = json_pack("{s:s, s:s}", "kind", "handover", "context", "{}");
  cr_assert_eq(ww_decision_record_read(e, &req, &session, &overrides), -1);
  json_decref(e);
}
