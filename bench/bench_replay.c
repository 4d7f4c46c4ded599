/* Replay benchmark: recorded decisions decided again on two rule sets, per second on one
 * core (wegwijzer replay, the impact of a draft). No I/O.
 *
 *   bench_replay [RULES_DIR] [SECONDS] [COUNT]
 *
 * The entries are bench_decide's corpus (bench/corpus.h) as the server records them: each
 * request validated and its record made (ww_decision_record: citizen without id, context
 * with time, the session summary, the overrides in effect), encoded for the stream and
 * decoded as a reader gets it (store/codec.h), so every value is text as from Redis.
 * Two timed loops on RULES_DIR loaded twice (before and after, one Lua state each):
 *   replay:  ww_replay_add per entry (record -> request, 2 x parse + decide, compare)
 *   decide:  ww_decision_parse + ww_decision_outcome_of once per entry, the core alone
 * Prints entries/s, decisions/s (2 per replayed entry) and µs per entry, by the wall
 * clock and by the thread's CPU time (on a shared machine the wall clock counts the time
 * other processes had the core). COUNT > 0: that
 * many entries (and decisions) per loop instead of SECONDS (for callgrind). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "corpus.h"
#include "replay/replay.h"
#include "store/codec.h"

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The entry the decision log would hold for item 'it', as read back. New. */
static json_t *entry_of(ww_rules *rules, const corpus *c, const corpus_item *it, size_t k) {
  ww_decision_input in;
  ww_err err = {0};
  if (corpus_parse(rules, it, &in, &err) != 0) return NULL;
  ww_decision_opts o;
  corpus_opts(c, it, &o);
  json_t *fields = json_pack("{s:s, s:s, s:s, s:s}", "adviceId", "0123456789abcdef0123456789abcdef",
                             "kind", "advice", "service", json_string_value(json_object_get(it->req, "service")),
                             "origin", in.origin);
  json_t *rec = ww_decision_record(rules, &in, &o);
  json_object_update(fields, rec);
  json_decref(rec);
  ww_codec_entry enc;
  json_t *e = NULL;
  if (ww_codec_entry_encode(fields, &enc) == 0) {
    e = ww_codec_entry_new(1796110936131LL + (int64_t)k);
    for (int i = 0; e && i + 1 < enc.argc; i += 2)
      ww_codec_entry_put(e, enc.argv[i], strlen(enc.argv[i]), enc.argv[i + 1],
                         strlen(enc.argv[i + 1]));
    ww_codec_entry_release(&enc);
  }
  json_decref(fields);
  return e;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "rules";
  double seconds = argc > 2 ? atof(argv[2]) : 3.0;
  unsigned long count = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
  ww_err err = {0};
  /* as wegwijzer replay loads them: a decision's wall-clock limit of 1 s (engine/cli/
   * replaycmd.c), the instruction budget and memory cap as live */
  ww_limits lim = {0};
  lim.decision_timeout_ms = 1000;
  ww_rules *before = ww_rules_load(dir, &lim, &err), *after = ww_rules_load(dir, &lim, &err);
  if (before == NULL || after == NULL) {
    fprintf(stderr, "bench_replay: %s\n", err.msg);
    return 1;
  }
  corpus c;
  if (corpus_load(&c, dir, before, 0) != 0) return 1;
  json_t **entries = calloc(c.n, sizeof *entries);
  for (size_t k = 0; k < c.n; k++) {
    entries[k] = entry_of(before, &c, &c.items[k], k);
    if (entries[k] == NULL) {
      fprintf(stderr, "bench_replay: item %zu does not make an entry\n", k);
      return 1;
    }
  }
  printf("bench_replay: rules %s (version %s), %zu entries (%zu with session, %zu with "
         "overrides)\n", dir, ww_rules_version(before), c.n, c.nsess, c.nstat);

  /* replay: every entry on both */
  ww_replay *r = ww_replay_new(before, after, 5);
  unsigned long done = 0, a0 = atomic_load(&allocs);
  double t0 = now_s(), t1, c0 = cpu_s();
  do {
    for (int k = 0; k < 256; k++, done++)
      if (ww_replay_add(r, entries[done % c.n]) != 1) {
        fprintf(stderr, "bench_replay: entry %lu not replayed\n", done % c.n);
        return 1;
      }
    t1 = now_s();
  } while (count ? done < count : t1 - t0 < seconds);
  double per = (t1 - t0) / (double)done, cpu = (cpu_s() - c0) / (double)done;
  json_t *rep = ww_replay_report(r);
  printf("replay  entries/s %.0f  decisions/s %.0f  us/entry %.1f  (CPU: entries/s %.0f  "
         "decisions/s %.0f  us/entry %.1f)  allocations/entry %.1f  changed %lld of %lld\n",
         1.0 / per, 2.0 / per, per * 1e6, 1.0 / cpu, 2.0 / cpu, cpu * 1e6,
         (double)(atomic_load(&allocs) - a0) / (double)done,
         json_integer_value(json_object_get(rep, "changed")),
         json_integer_value(json_object_get(rep, "replayed")));
  json_decref(rep);
  ww_replay_free(r);

  /* the decision core alone, as the replay calls it */
  done = 0;
  t0 = now_s();
  c0 = cpu_s();
  do {
    for (int k = 0; k < 256; k++, done++) {
      const corpus_item *it = &c.items[done % c.n];
      ww_decision_opts o;
      corpus_opts(&c, it, &o);
      ww_decision_input in;
      ww_decision_outcome out;
      corpus_parse(before, it, &in, &err);
      ww_decision_outcome_of(before, &in, &o, &out, &err);
    }
    t1 = now_s();
  } while (count ? done < count : t1 - t0 < seconds);
  per = (t1 - t0) / (double)done;
  cpu = (cpu_s() - c0) / (double)done;
  printf("decide  decisions/s %.0f  us/decision %.1f  (CPU: decisions/s %.0f  us/decision "
         "%.1f)\n", 1.0 / per, per * 1e6, 1.0 / cpu, cpu * 1e6);

  for (size_t k = 0; k < c.n; k++) json_decref(entries[k]);
  free(entries);
  corpus_free(&c);
  ww_rules_free(before);
  ww_rules_free(after);
  return 0;
}
