/* wegwijzer check | test | eval: the rule commands, on the embedding API only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "log/log.h"
#include "util/crypto.h"
#include "util/tztime.h"
#include "decision/decision.h"

/* Loads 'dir'; on failure says every error on stderr, one "FILE:LINE: message" a line. */
ww_rules *ww_cli_load_rules(const char *dir, int strict) {
  ww_err err = {0};
  ww_limits lim = {0};
  lim.strict = strict;
  ww_rules *r = ww_rules_load(dir, &lim, &err);
  if (r == NULL && json_array_size(err.errors) > 0) {
    size_t i;
    json_t *e;
    json_array_foreach(err.errors, i, e) fprintf(stderr, "%s\n", json_string_value(e));
  } else if (r == NULL) {
    fprintf(stderr, "%s\n", err.msg[0] ? err.msg : "the rule set failed to load");
  }
  ww_err_clear(&err);
  return r;
}

/* The load's warnings, one a line, to 'f'; returns how many. */
static size_t say_warnings(FILE *f, const ww_rules *r) {
  size_t i;
  json_t *w;
  json_array_foreach(ww_rules_warnings(r), i, w) fprintf(f, "%s\n", json_string_value(w));
  return json_array_size(ww_rules_warnings(r));
}

/* What holds only part of the time: a line per rule, service or channel with from /
 * until, and per planned closure. */
static void print_calendar(const ww_rules *r) {
  json_t *cal = ww_rules_calendar(r);
  size_t i;
  json_t *o;
  json_array_foreach(cal, i, o) {
    const char *from = json_string_value(json_object_get(o, "from"));
    const char *until = json_string_value(json_object_get(o, "until"));
    const char *source = json_string_value(json_object_get(o, "source"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    printf("%s \"%s\"%s%s%s:%s%s%s%s%s%s\n", json_string_value(json_object_get(o, "kind")),
           json_string_value(json_object_get(o, "name")), source ? " (" : "",
           source ? source : "", source ? ")" : "", from ? " vanaf " : "", from ? from : "",
           until ? " tot " : "", until ? until : "", reason ? ": " : "", reason ? reason : "");
  }
  json_decref(cal);
}

static char *read_all(FILE *f, size_t *len);

/* The rule set's files {path: text}, read from 'dir' (the steering files are scanned for
 * the constants the rules compare with). New. */
static json_t *read_texts(const char *dir, const ww_rules *r) {
  json_t *info = ww_rules_info(r), *texts = json_object();
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(info, "files"), i, p) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, json_string_value(p));
    FILE *f = fopen(path, "rb");
    if (f == NULL) continue;
    size_t len = 0;
    char *text = read_all(f, &len);
    fclose(f);
    if (text) json_object_set_new(texts, json_string_value(p), json_stringn(text, len));
    free(text);
  }
  json_decref(info);
  return texts;
}

/* 's' between single quotes for a POSIX shell. */
static void put_quoted(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputs("'\\''", f);
    else fputc(*s, f);
  }
  fputc('\'', f);
}

/* The proof of the duty of care: what it covered, every counterexample as a ready-to-run
 * eval command. Returns 0 when proved, else 1. */
static int check_exhaustive(ww_rules *r, const char *dir, unsigned budget_ms, int64_t week) {
  ww_exhaustive_opts o = {0};
  o.budget_ms = budget_ms;
  o.week = week;
  o.max_examples_per_service = 3;   /* a few services, not ten times the same */
  ww_exhaustive_result res;
  json_t *texts = read_texts(dir, r);
  int rc = ww_decision_exhaustive(r, texts, &o, &res);
  json_decref(texts);
  if (rc != 0) {
    fprintf(stderr, "wegwijzer check --exhaustive: out of memory\n");
    ww_exhaustive_result_clear(&res);
    return 1;
  }
  const json_t *sc = res.scope;
  printf("exhaustive: %d services x %lld citizen classes x %d states (%d moments of a week "
         "and a holiday, each also with one open channel closed) = %llu situations\n",
         (int)json_integer_value(json_object_get(sc, "services")),
         (long long)json_integer_value(json_object_get(sc, "classes")),
         (int)json_integer_value(json_object_get(sc, "states")),
         (int)json_integer_value(json_object_get(sc, "moments")), res.total);
  const char *k;
  json_t *vals;
  json_object_foreach(json_object_get(sc, "values"), k, vals) {
    char *s = json_dumps(vals, JSON_COMPACT);
    printf("  %s: %s\n", k, s ? s : "");
    free(s);
  }
  printf("checked %llu situations with %lu decisions run in %.1f s\n", res.situations,
         res.runs, res.seconds);
  size_t i;
  json_t *e;
  json_array_foreach(res.examples, i, e) {
    printf("counterexample %zu: %s\n  echo ", i + 1,
           json_string_value(json_object_get(e, "why")));
    char *req = json_dumps(json_object_get(e, "request"), JSON_COMPACT);
    put_quoted(stdout, req ? req : "");
    free(req);
    printf(" | wegwijzer eval");
    const json_t *st = json_object_get(e, "status");
    if (json_is_object(st)) {
      char *s = json_dumps(st, JSON_COMPACT);
      printf(" --status ");
      put_quoted(stdout, s ? s : "");
      free(s);
    }
    printf(" ");
    put_quoted(stdout, dir);
    printf(" -\n");
  }
  int ok = res.violations == 0 && res.complete;
  if (res.violations)
    printf("zorgplicht NOT proved: %llu situations leave only digital channels (first %zu "
           "above)\n",
           res.violations, json_array_size(res.examples));
  else if (!res.complete)
    printf("zorgplicht NOT proved: the time budget (%u ms) ran out after %llu of %llu "
           "situations; give more with --exhaustive-budget MS\n", budget_ms, res.situations,
           res.total);
  else
    printf("zorgplicht proved for all %llu situations\n", res.total);
  ww_exhaustive_result_clear(&res);
  return ok ? 0 : 1;
}

#define CHECK_USAGE "usage: wegwijzer check [--strict] [--exhaustive [--exhaustive-budget MS] " \
                    "[--week YYYY-MM-DD]] DIR\n"

int ww_cli_check(int argc, char **argv) {
  int strict = 0, exhaustive = 0;
  unsigned long budget = 60000;
  int64_t week = 0;
  const char *dir = NULL;
  for (int i = 1; i < argc; i++) {
    char *end = NULL;
    if (strcmp(argv[i], "--strict") == 0) strict = 1;
    else if (strcmp(argv[i], "--exhaustive") == 0) exhaustive = 1;
    else if (strcmp(argv[i], "--exhaustive-budget") == 0 && i + 1 < argc &&
             (budget = strtoul(argv[i + 1], &end, 10), *end == '\0' && end != argv[i + 1]))
      i++;
    else if (strcmp(argv[i], "--week") == 0 && i + 1 < argc &&
             ww_time_parse_local(argv[i + 1], &week) == 0)
      i++;
    else if (argv[i][0] != '-' && dir == NULL) dir = argv[i];
    else dir = NULL, i = argc;
  }
  if (dir == NULL) {
    fputs(CHECK_USAGE, stderr);
    return 2;
  }
  ww_rules *r = ww_cli_load_rules(dir, strict);
  if (r == NULL) return 1;
  size_t nw = say_warnings(stdout, r);
  json_t *info = ww_rules_info(r);
  char warned[40] = "";
  if (nw) snprintf(warned, sizeof warned, ", %zu warning%s", nw, nw == 1 ? "" : "s");
  printf("ok: %d channels, %d services, %d rules, %d cases%s (version %s)\n",
         (int)json_integer_value(json_object_get(info, "channels")),
         (int)json_integer_value(json_object_get(info, "services")),
         (int)json_integer_value(json_object_get(info, "rules")),
         (int)json_integer_value(json_object_get(info, "cases")),
         warned, ww_rules_version(r));
  json_decref(info);
  print_calendar(r);
  int rc = exhaustive ? check_exhaustive(r, dir, (unsigned)budget, week) : 0;
  ww_rules_free(r);
  return rc;
}

static void print_case(void *ud, const char *name, int ok, const char *why) {
  const int *failures_only = ud;
  if (ok && !*failures_only) printf("ok   %s\n", name);
  else if (!ok) printf("FAIL %s: %s\n", name, why ? why : "");
}

/* "12, 14-16, 20" of a line list, into 'f'. */
static void print_ranges(FILE *f, const json_t *lines) {
  size_t n = json_array_size(lines);
  for (size_t i = 0; i < n;) {
    json_int_t a = json_integer_value(json_array_get(lines, i)), b = a;
    size_t j = i + 1;
    while (j < n && json_integer_value(json_array_get(lines, j)) == b + 1) b++, j++;
    if (b > a) fprintf(f, "%s%lld-%lld", i ? ", " : "", (long long)a, (long long)b);
    else fprintf(f, "%s%lld", i ? ", " : "", (long long)a);
    i = j;
  }
}

/* The coverage for a reader: per rule, what no case reaches, the lines not run, and the
 * summary "rules covered N/M, lines N/M". */
static void print_coverage(FILE *f, const json_t *cov) {
  size_t i;
  json_t *o;
  fprintf(f, "coverage per rule (cases matched, of those fired an effect):\n");
  json_array_foreach(json_object_get(cov, "perRule"), i, o)
      fprintf(f, "  %4d %4d  %s:%d  %s\n", (int)json_integer_value(json_object_get(o, "matched")),
              (int)json_integer_value(json_object_get(o, "fired")),
              json_string_value(json_object_get(o, "file")),
              (int)json_integer_value(json_object_get(o, "line")),
              json_string_value(json_object_get(o, "rule")));
  json_array_foreach(json_object_get(cov, "uncovered"), i, o)
      fprintf(f, "not covered: %s:%d: no case reaches rule \"%s\"\n",
              json_string_value(json_object_get(o, "file")),
              (int)json_integer_value(json_object_get(o, "line")),
              json_string_value(json_object_get(o, "rule")));
  const char *path;
  json_object_foreach(json_object_get(cov, "files"), path, o) {
    const json_t *nr = json_object_get(o, "notRun");
    if (json_array_size(nr) == 0) continue;
    fprintf(f, "lines not run: %s: ", path);
    print_ranges(f, nr);
    fputc('\n', f);
  }
  const json_t *r = json_object_get(cov, "rules"), *l = json_object_get(cov, "lines");
  fprintf(f, "rules covered %d/%d, lines %d/%d\n",
          (int)json_integer_value(json_object_get(r, "covered")),
          (int)json_integer_value(json_object_get(r, "total")),
          (int)json_integer_value(json_object_get(l, "covered")),
          (int)json_integer_value(json_object_get(l, "total")));
}

#define TEST_USAGE "usage: wegwijzer test [--failures] [--coverage] [--min-coverage PCT] " \
                   "[--json] DIR\n"

int ww_cli_test(int argc, char **argv) {
  const char *dir = NULL;
  int failures_only = 0, coverage = 0, as_json = 0;
  double min_cov = -1;
  for (int i = 1; i < argc; i++) {
    char *end = NULL;
    if (strcmp(argv[i], "--failures") == 0) failures_only = 1;
    else if (strcmp(argv[i], "--coverage") == 0) coverage = 1;
    else if (strcmp(argv[i], "--json") == 0) as_json = coverage = 1;
    else if (strcmp(argv[i], "--min-coverage") == 0 && i + 1 < argc &&
             (min_cov = strtod(argv[i + 1], &end), end != argv[i + 1] && *end == '\0') &&
             min_cov >= 0 && min_cov <= 100) {
      coverage = 1;
      i++;
    } else if (argv[i][0] != '-' && dir == NULL) dir = argv[i];
    else {
      if (strcmp(argv[i], "--min-coverage") == 0)
        fprintf(stderr, "wegwijzer test: --min-coverage takes a percentage from 0 to 100\n");
      fputs(TEST_USAGE, stderr);
      return 2;
    }
  }
  if (dir == NULL) {
    fputs(TEST_USAGE, stderr);
    return 2;
  }
  /* A failing case prints its own FAIL line; the engine's warn lines would only repeat it. */
  ww_log_set_level(WW_LOG_ERROR);
  ww_rules *r = ww_cli_load_rules(dir, 0);
  if (r) say_warnings(stderr, r);
  FILE *out = as_json ? stderr : stdout;   /* --json: stdout is the coverage object only */
  if (r == NULL) {   /* the load error is the one failure; the summary line stays last */
    fprintf(out, "0 passed, 1 failed\n");
    return 1;
  }
  int passed = 0, failed = 0, below = 0;
  json_t *cov = NULL;
  if (coverage) {
    if (ww_decision_test_coverage(r, as_json ? NULL : print_case, &failures_only, &passed,
                                  &failed, &cov) == WW_ENOMEM) {
      fprintf(stderr, "wegwijzer test: out of memory\n");
      ww_rules_free(r);
      return 1;
    }
    char why[600];
    below = min_cov >= 0 && ww_decision_coverage_below(cov, min_cov, why, sizeof why);
    if (as_json) {
      char *s = json_dumps(cov, JSON_INDENT(2));
      if (s) puts(s);
      free(s);
    } else {
      print_coverage(stdout, cov);
    }
    if (below) fprintf(stderr, "FAIL coverage: %s\n", why);
    json_decref(cov);
  } else {
    ww_decision_test(r, print_case, &failures_only, &passed, &failed);
  }
  fprintf(out, "%d passed, %d failed\n", passed, failed);
  ww_rules_free(r);
  return failed || below ? 1 : 0;
}

static char *read_all(FILE *f, size_t *len) {
  size_t cap = 4096, n = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *nb = cap < (16u << 20) ? realloc(buf, cap * 2) : NULL;
      if (nb == NULL) {
        free(buf);
        return NULL;
      }
      buf = nb;
      cap *= 2;
    }
  }
  *len = n;
  return buf;
}

#define EVAL_USAGE "usage: wegwijzer eval [--text|--json] [--route] [--advice-id ID] " \
                   "[--status OVERRIDES.json] DIR [REQUEST.json|-]\n"

int ww_cli_eval(int argc, char **argv) {
  const char *dir = NULL, *file = NULL, *advice_id = NULL, *status_arg = NULL;
  int route = 0;
  int text = isatty(STDOUT_FILENO);   /* the explanation for a reader, JSON for a program */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--route") == 0) route = 1;
    else if (strcmp(argv[i], "--text") == 0) text = 1;
    else if (strcmp(argv[i], "--json") == 0) text = 0;
    else if (strcmp(argv[i], "--advice-id") == 0 && i + 1 < argc) advice_id = argv[++i];
    else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) status_arg = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "wegwijzer eval: unknown option %s\n" EVAL_USAGE, argv[i]);
      return 2;
    } else if (dir == NULL) dir = argv[i];
    else if (file == NULL) file = argv[i];
    else {
      fputs(EVAL_USAGE, stderr);
      return 2;
    }
  }
  if (dir == NULL) {
    fputs(EVAL_USAGE, stderr);
    return 2;
  }
  FILE *f = stdin;
  if (file && strcmp(file, "-") != 0) {
    f = fopen(file, "rb");
    if (f == NULL) {
      fprintf(stderr, "wegwijzer eval: cannot read %s\n", file);
      return 1;
    }
  }
  size_t len = 0;
  char *body = read_all(f, &len);
  if (f != stdin) fclose(f);
  if (body == NULL) {
    fprintf(stderr, "wegwijzer eval: cannot read the request\n");
    return 1;
  }
  json_error_t je;
  json_t *req = json_loadb(body, len, 0, &je);
  free(body);
  if (req == NULL) {
    fprintf(stderr, "invalid request: not valid JSON: %s (line %d, column %d)\n", je.text,
            je.line, je.column);
    return 1;
  }
  if (json_is_object(req)) json_object_set_new(req, "explain", json_true());
  /* channel overrides as PUT /v1/channels/{id}/status sets them: {"id": {"open": false,
   * "reason": "..."}}, inline or in a file (what check --exhaustive prints) */
  json_t *status = NULL;
  if (status_arg) {
    status = status_arg[0] == '{' ? json_loads(status_arg, 0, &je)
                                  : json_load_file(status_arg, 0, &je);
    if (!json_is_object(status)) {
      fprintf(stderr, "wegwijzer eval: --status: not a JSON object of channel overrides: %s\n",
              je.text);
      json_decref(status);
      json_decref(req);
      return 1;
    }
  }
  ww_rules *r = ww_cli_load_rules(dir, 0);
  if (r) say_warnings(stderr, r);
  if (r == NULL) {
    json_decref(req);
    json_decref(status);
    return 1;
  }
  unsigned char secret[32];
  ww_random_bytes(secret, sizeof secret);   /* citizenRef only has to be consistent here */
  ww_decide_opts opts = {0};
  opts.secret = secret;
  opts.secret_len = sizeof secret;
  opts.route = route;
  opts.advice_id = advice_id;   /* the same one again: the same math.random numbers */
  opts.status = status;
  json_t *out = NULL;
  ww_err err = {0};
  int rc = ww_decide(r, req, &opts, &out, &err);
  json_decref(req);
  json_decref(status);
  if (rc != 0) {
    fprintf(stderr, "invalid request (%s): %s\n", err.code, err.msg);
    size_t i;
    json_t *p;
    json_array_foreach(err.invalid_params, i, p)
        fprintf(stderr, "  %s: %s\n", json_string_value(json_object_get(p, "name")),
                json_string_value(json_object_get(p, "reason")));
    ww_err_clear(&err);
    ww_rules_free(r);
    return 1;
  }
  char *s = text && !route ? NULL : json_dumps(out, JSON_INDENT(2));
  if (s) {
    puts(s);
    free(s);
  } else if (text && !route) {
    ww_cli_eval_text(stdout, out);
  }
  json_decref(out);
  ww_rules_free(r);
  return 0;
}
