/* wegwijzer check | test | eval: the rule commands, on the embedding API only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "log/log.h"
#include "util/crypto.h"
#include "decision/decision.h"

/* Loads 'dir'; on failure says every error on stderr, one "FILE:LINE: message" a line. */
ww_rules *ww_cli_load_rules(const char *dir, int strict) {
  ww_limits lim = {0};
  lim.strict = strict;
  return ww_cli_load_rules_with(dir, &lim);
}

ww_rules *ww_cli_load_rules_with(const char *dir, const ww_limits *lim) {
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, lim, &err);
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

/* argv: the command, then DIR and optionally 'flag', in any order. Returns DIR, or NULL
 * for anything else (a usage error); '*on' says whether 'flag' was given. */
static const char *dir_and_flag(int argc, char **argv, const char *flag, int *on) {
  const char *dir = NULL;
  *on = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], flag) == 0) *on = 1;
    else if (argv[i][0] != '-' && dir == NULL) dir = argv[i];
    else return NULL;
  }
  return dir;
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

int ww_cli_check(int argc, char **argv) {
  int strict;
  const char *dir = dir_and_flag(argc, argv, "--strict", &strict);
  if (dir == NULL) {
    fprintf(stderr, "usage: wegwijzer check [--strict] DIR\n");
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
  ww_rules_free(r);
  return 0;
}

static void print_case(void *ud, const char *name, int ok, const char *why) {
  const int *failures_only = ud;
  if (ok && !*failures_only) printf("ok   %s\n", name);
  else if (!ok) printf("FAIL %s: %s\n", name, why ? why : "");
}

int ww_cli_test(int argc, char **argv) {
  int failures_only;
  const char *dir = dir_and_flag(argc, argv, "--failures", &failures_only);
  if (dir == NULL) {
    fprintf(stderr, "usage: wegwijzer test [--failures] DIR\n");
    return 2;
  }
  /* A failing case prints its own FAIL line; the engine's warn lines would only repeat it. */
  ww_log_set_level(WW_LOG_ERROR);
  ww_rules *r = ww_cli_load_rules(dir, 0);
  if (r) say_warnings(stderr, r);
  if (r == NULL) {   /* the load error is the one failure; the summary line stays last */
    printf("0 passed, 1 failed\n");
    return 1;
  }
  int passed = 0, failed = 0;
  ww_decision_test(r, print_case, &failures_only, &passed, &failed);
  printf("%d passed, %d failed\n", passed, failed);
  ww_rules_free(r);
  return failed ? 1 : 0;
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

#define EVAL_USAGE "usage: wegwijzer eval [--text|--json] [--route] [--advice-id ID] DIR " \
                   "[REQUEST.json|-]\n"

int ww_cli_eval(int argc, char **argv) {
  const char *dir = NULL, *file = NULL, *advice_id = NULL;
  int route = 0;
  int text = isatty(STDOUT_FILENO);   /* the explanation for a reader, JSON for a program */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--route") == 0) route = 1;
    else if (strcmp(argv[i], "--text") == 0) text = 1;
    else if (strcmp(argv[i], "--json") == 0) text = 0;
    else if (strcmp(argv[i], "--advice-id") == 0 && i + 1 < argc) advice_id = argv[++i];
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
  ww_rules *r = ww_cli_load_rules(dir, 0);
  if (r) say_warnings(stderr, r);
  if (r == NULL) {
    json_decref(req);
    return 1;
  }
  unsigned char secret[32];
  ww_random_bytes(secret, sizeof secret);   /* citizenRef only has to be consistent here */
  ww_decide_opts opts = {0};
  opts.secret = secret;
  opts.secret_len = sizeof secret;
  opts.route = route;
  opts.advice_id = advice_id;   /* the same one again: the same math.random numbers */
  json_t *out = NULL;
  ww_err err = {0};
  int rc = ww_decide(r, req, &opts, &out, &err);
  json_decref(req);
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
