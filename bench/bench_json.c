/* JSON benchmark: the cost of JSON around one decision, without the rules.
 *
 *   bench_json [RULES_DIR] [SECONDS]
 *
 * parse:      json_loadb of a typical request body (as the server does per request)
 * tree+dump:  ww_decide's answer tree for the same request, json_dumps(JSON_COMPACT),
 *             json_decref (the answer is decided once; only building/rendering is timed:
 *             json_deep_copy stands in for building the tree)
 * (The fragment-composed text answer is timed in bench_decide, "text" line.)
 * Prints ns and allocations per operation. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "wegwijzer/wegwijzer.h"


static const char BODY[] =
    "{\"service\":\"verhuizing\",\"sessionId\":\"3f0c5e9a2b7d4c1e8f6a0b9c2d4e6f81\","
    "\"citizen\":{\"id\":\"999993653\",\"authLevel\":\"midden\",\"digitalSkills\":\"low\","
    "\"language\":\"nld\",\"needs\":[\"visual\"],\"age\":81},\"context\":{\"origin\":\"web\","
    "\"device\":\"mobile\",\"time\":\"2026-12-01T10:15:00+01:00\",\"intent\":\"adreswijziging\"}}";


typedef struct res { double ns, allocs; } res;

__attribute__((noinline)) static res time_parse(double secs) {
  unsigned long n = 0, a0 = atomic_load(&allocs);
  double t0 = now_s(), t1;
  do {
    for (int k = 0; k < 256; k++, n++) json_decref(json_loadb(BODY, sizeof BODY - 1, JSON_REJECT_DUPLICATES, NULL));
    t1 = now_s();
  } while (t1 - t0 < secs);
  return (res){(t1 - t0) / (double)n * 1e9, (double)(atomic_load(&allocs) - a0) / (double)n};
}

__attribute__((noinline)) static res time_tree(const json_t *answer, double secs) {
  unsigned long n = 0, a0 = atomic_load(&allocs);
  double t0 = now_s(), t1;
  do {
    for (int k = 0; k < 256; k++, n++) {
      json_t *o = json_deep_copy(answer);
      free(json_dumps(o, JSON_COMPACT));
      json_decref(o);
    }
    t1 = now_s();
  } while (t1 - t0 < secs);
  return (res){(t1 - t0) / (double)n * 1e9, (double)(atomic_load(&allocs) - a0) / (double)n};
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "rules";
  double secs = argc > 2 ? atof(argv[2]) : 2.0;
  ww_err err = {0};
  ww_rules *rules = ww_rules_load(dir, NULL, &err);
  if (rules == NULL) {
    fprintf(stderr, "bench_json: %s\n", err.msg);
    return 1;
  }
  json_t *req = json_loadb(BODY, sizeof BODY - 1, 0, NULL);
  ww_decide_opts o = {0};
  static const unsigned char secret[] = "bench-secret-bench-secret";
  o.secret = secret;
  o.secret_len = sizeof secret - 1;
  json_t *answer = NULL;
  if (req == NULL || ww_decide(rules, req, &o, &answer, &err) != 0) {
    fprintf(stderr, "bench_json: %s\n", err.msg);
    return 1;
  }
  char *text = json_dumps(answer, JSON_COMPACT);
  printf("bench_json: request %zu bytes, answer %zu bytes (%zu channels)\n", sizeof BODY - 1,
         strlen(text), json_array_size(json_object_get(answer, "channels")));
  free(text);
  res p = time_parse(secs), t = time_tree(answer, secs);
  printf("parse      ns/op %.0f  allocations/op %.1f   (json_loadb of the request)\n", p.ns, p.allocs);
  printf("tree+dump  ns/op %.0f  allocations/op %.1f   (copy of the answer tree, json_dumps, free)\n",
         t.ns, t.allocs);
  json_decref(answer);
  json_decref(req);
  ww_rules_free(rules);
  return 0;
}
