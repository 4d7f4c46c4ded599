/* Embedding wegwijzer: load a rule set, make one decision, free. Only the public header
 * and the installed library (pkg-config wegwijzer); see README.md beside this file.
 *
 *   embed RULES_DIR ['{"service":"verhuizing", ...}']
 *
 * Prints the ranked channels of the advice, one per line: rank, id, open or closed. */
#include <stdio.h>
#include <string.h>
#include <wegwijzer/wegwijzer.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s RULES_DIR [REQUEST_JSON]\n", argv[0]);
    return 2;
  }
  const char *request = argc > 2 ? argv[2]
                                 : "{\"service\":\"verhuizing\",\"citizen\":{\"digitalSkills\":"
                                   "\"low\"},\"context\":{\"time\":\"2026-12-01T10:15:00+01:00\"}}";
  ww_err err = {0};
  ww_rules *rules = ww_rules_load(argv[1], NULL, &err);
  if (rules == NULL) {
    fprintf(stderr, "%s\n", err.msg);   /* "FILE:LINE: what is wrong" */
    ww_err_clear(&err);
    return 1;
  }
  static const unsigned char secret[] = "a secret of this municipality";
  ww_decide_opts opts = {0};
  opts.secret = secret;                 /* citizenRef = HMAC-SHA256(secret, citizen.id) */
  opts.secret_len = sizeof secret - 1;
  json_t *answer = NULL;
  int rc = ww_decide_text(rules, request, strlen(request), &opts, &answer, &err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", err.code, err.msg);
    ww_err_clear(&err);
    ww_rules_free(rules);
    return 1;
  }
  printf("rule set %s, advice %s\n", ww_rules_version(rules),
         json_string_value(json_object_get(answer, "adviceId")));
  size_t i;
  json_t *ch;
  json_array_foreach(json_object_get(answer, "channels"), i, ch) {
    printf("%lld %s %s\n", (long long)json_integer_value(json_object_get(ch, "rank")),
           json_string_value(json_object_get(ch, "id")),
           json_is_true(json_object_get(ch, "open")) ? "open" : "closed");
  }
  json_decref(answer);
  ww_rules_free(rules);
  return 0;
}
