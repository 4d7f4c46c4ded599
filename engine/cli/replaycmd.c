/* wegwijzer replay and wegwijzer diff: the command line -- argv into two rule sets and a
 * source of decisions; the replay itself is engine/replay/. */
#define _XOPEN_SOURCE 700   /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cli/cli.h"
#include "decision/decision.h"
#include "replay/replay.h"
#include "store/logread.h"
#include "util/tztime.h"

#define WHO "wegwijzer replay"

static const char replay_usage[] =
    "usage: wegwijzer replay --rules DRAFT [--against DIR | --version V]\n"
    "                        (--from FILE.jsonl | --redis URL) [--since X] [--until X]\n"
    "                        [--max-changed SHARE] [--json] [--svg OUT.svg]\n"
    "  --rules DRAFT       the changed rule set (a directory)\n"
    "  --against DIR       the rule set to compare with (default $WEGWIJZER_RULES or ./rules)\n"
    "  --version V         or the version V kept in Redis (ww:rules:v:V; needs --redis)\n"
    "  --from FILE         decisions from a JSON-lines file: one decision-log entry per line\n"
    "                      (wegwijzer report --export writes them; \"-\" = stdin)\n"
    "  --redis URL         or from the stream ww:decisions (default $WEGWIJZER_REDIS)\n"
    "  --since X           from this time on (ISO 8601, a date, or back from now: 24h, 7d)\n"
    "  --until X           up to (not including) this time\n"
    "  --max-changed SHARE exit 1 when more than this share changes its first channel\n"
    "                      (0.05 or 5%)\n"
    "  --json              print the report as JSON (the impact endpoint's shape)\n"
    "  --svg OUT.svg       also write a chart of the changed share per service\n";

static const char diff_usage[] =
    "usage: wegwijzer diff [--week DATE] [--max-changed SHARE] [--json] [--svg OUT.svg]\n"
    "                      OLD NEW\n"
    "  Decides every service x citizen profile x hour of a week on both rule sets and\n"
    "  prints what changes, as wegwijzer replay does for recorded decisions.\n"
    "  --week DATE         a day of the week to use (default: this week), e.g. 2026-12-07\n";

static int usage_error(const char *cmd, const char *usage, const char *fmt, const char *arg) {
  fprintf(stderr, "wegwijzer %s: ", cmd);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(usage, stderr);
  return 2;
}

/* "0.05" or "5%" -> 0.05; -1 when it is neither a share in 0..1 nor a percentage. */
static double parse_share(const char *s) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || errno != 0) return -1;
  if (end[0] == '%' && end[1] == '\0') v /= 100.0;
  else if (end[0] != '\0') return -1;
  return v >= 0 && v <= 1 ? v : -1;
}

/* ---- a rule-set version kept in Redis: its files into a temporary directory ---- */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* A relative path without "..", an empty part or a leading "/" (the store's own check
 * is 14a's; this one keeps a stored file inside the directory). */
static int safe_path(const char *p) {
  if (p[0] == '\0' || p[0] == '/') return 0;
  for (const char *s = p; *s;) {
    size_t n = strcspn(s, "/");
    if (n == 0 || (n == 2 && s[0] == '.' && s[1] == '.') || (n == 1 && s[0] == '.')) return 0;
    s += n;
    if (*s == '/') s++;
  }
  return 1;
}

static int write_file(const char *dir, const char *rel, const char *text, size_t len) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path) return -1;
  for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
    *s = '\0';
    int rc = mkdir(path, 0700);
    *s = '/';
    if (rc != 0 && errno != EEXIST) return -1;
  }
  FILE *f = fopen(path, "wb");
  if (f == NULL) return -1;
  int ok = fwrite(text, 1, len, f) == len;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* The version 'v' from ww:rules:v:<v> written to a new temporary directory 'dir' and
 * loaded. NULL after saying why ('dir' removed). */
static ww_rules *load_version(redisContext *c, const char *v, char dir[64]) {
  redisReply *r = redisCommand(c, "GET ww:rules:v:%s", v);
  if (!ww_log_reply_ok(c, r, WHO, "GET")) {
    freeReplyObject(r);
    return NULL;
  }
  json_t *doc = r->type == REDIS_REPLY_STRING ? json_loadb(r->str, r->len, 0, NULL) : NULL;
  int missing = r->type == REDIS_REPLY_NIL;
  freeReplyObject(r);
  const json_t *files = json_object_get(doc, "files");
  if (!json_is_object(files)) {
    fprintf(stderr, WHO ": %s\n", missing ? "no such rule-set version in Redis (ww:rules:v:<V>)"
                                          : "the stored version has no files");
    json_decref(doc);
    return NULL;
  }
  snprintf(dir, 64, "/tmp/wegwijzer-replay-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    fprintf(stderr, WHO ": cannot make a temporary directory: %s\n", strerror(errno));
    json_decref(doc);
    return NULL;
  }
  const char *path;
  json_t *text;
  int rc = 0;
  json_object_foreach((json_t *)files, path, text) {
    if (!json_is_string(text) || !safe_path(path) ||
        write_file(dir, path, json_string_value(text), json_string_length(text)) != 0) {
      fprintf(stderr, WHO ": cannot write the stored file '%s'\n", path);
      rc = -1;
      break;
    }
  }
  json_decref(doc);
  ww_rules *rules = rc == 0 ? ww_cli_load_rules(dir, 0) : NULL;
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return rules;
}

/* ---- the report out ---- */

static int finish(const char *cmd, ww_replay *r, int json, const char *svg, double max_changed) {
  json_t *rep = ww_replay_report(r);
  if (rep == NULL) {
    fprintf(stderr, "wegwijzer %s: out of memory\n", cmd);
    return 1;
  }
  if (json) {
    char *s = json_dumps(rep, JSON_INDENT(2));
    if (s) puts(s);
    free(s);
  } else {
    ww_replay_text(stdout, rep);
    if (ww_replay_skipped(r) > 0)
      printf("\nOvergeslagen: %ld zonder gegevens om opnieuw te beslissen (van voor deze "
             "versie, of een overdracht)\n", ww_replay_skipped(r));
  }
  int rc = 0;
  if (svg && ww_replay_svg(svg, rep) != 0) rc = 1;
  double share = ww_replay_changed_share(rep);
  if (max_changed >= 0 && share > max_changed) {
    fprintf(stderr, "wegwijzer %s: %.1f%% of the decisions change their first channel, more "
                    "than --max-changed %.1f%%\n", cmd, 100 * share, 100 * max_changed);
    rc = 1;
  }
  json_decref(rep);
  return fflush(stdout) == 0 ? rc : 1;
}

static int add_entry(void *ud, const json_t *entry, int64_t ms) {
  (void)ms;
  if (ww_replay_add(ud, entry) >= 0) return 0;
  fprintf(stderr, WHO ": out of memory\n");
  return -1;
}

int ww_cli_replay(int argc, char **argv) {
  const char *draft = NULL, *against = NULL, *version = NULL, *from = NULL, *svg = NULL;
  const char *redis = NULL, *since = NULL, *until = NULL;
  double max_changed = -1;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(replay_usage, stdout);
      return 0;
    }
    if (strcmp(a, "--json") == 0) {
      json = 1;
      continue;
    }
    const char **slot = strcmp(a, "--rules") == 0     ? &draft
                        : strcmp(a, "--against") == 0 ? &against
                        : strcmp(a, "--version") == 0 ? &version
                        : strcmp(a, "--from") == 0    ? &from
                        : strcmp(a, "--redis") == 0   ? &redis
                        : strcmp(a, "--since") == 0   ? &since
                        : strcmp(a, "--until") == 0   ? &until
                        : strcmp(a, "--svg") == 0     ? &svg
                        : NULL;
    if (slot == NULL && strcmp(a, "--max-changed") != 0)
      return usage_error("replay", replay_usage, "unknown option %s", a);
    if (val == NULL) return usage_error("replay", replay_usage, "%s needs a value", a);
    i++;
    if (slot) *slot = val;
    else if ((max_changed = parse_share(val)) < 0)
      return usage_error("replay", replay_usage,
                         "--max-changed must be a share from 0 to 1 or a percentage, not '%s'",
                         val);
  }
  if (draft == NULL) return usage_error("replay", replay_usage, "%s", "--rules DRAFT is required");
  if (against && version)
    return usage_error("replay", replay_usage, "%s", "give --against or --version, not both");
  if (from && redis)
    return usage_error("replay", replay_usage, "%s", "give --from or --redis, not both");
  if (from == NULL && redis == NULL) {
    redis = getenv("WEGWIJZER_REDIS");
    if (redis && redis[0] == '\0') redis = NULL;
  }
  if (from == NULL && redis == NULL)
    return usage_error("replay", replay_usage, "%s", "give --from FILE.jsonl or --redis URL");
  if (version && redis == NULL)
    return usage_error("replay", replay_usage, "%s", "--version needs --redis URL");
  if (against == NULL && version == NULL) {
    against = getenv("WEGWIJZER_RULES");
    if (against == NULL || against[0] == '\0') against = "rules";
  }
  int64_t now_ms = (int64_t)time(NULL) * 1000;
  ww_log_period p = {INT64_MIN, INT64_MAX};
  if (since && ww_cli_parse_when(since, 1, now_ms, &p.since_ms) != 0)
    return usage_error("replay", replay_usage, "bad --since '%s'", since);
  if (until && ww_cli_parse_when(until, 0, now_ms, &p.until_ms) != 0)
    return usage_error("replay", replay_usage, "bad --until '%s'", until);

  int rc = 1;
  redisContext *c = NULL;
  ww_rules *before = NULL, *after = NULL;
  ww_replay *r = NULL;
  if (redis && (c = ww_log_redis_connect(redis, WHO)) == NULL) goto out;
  if ((after = ww_cli_load_rules(draft, 0)) == NULL) {
    fprintf(stderr, WHO ": the draft %s does not load\n", draft);
    goto out;
  }
  char tmp[64];
  before = version ? load_version(c, version, tmp) : ww_cli_load_rules(against, 0);
  if (before == NULL) {
    fprintf(stderr, WHO ": the rule set to compare with (%s) does not load\n",
            version ? version : against);
    goto out;
  }
  if ((r = ww_replay_new(before, after, 5)) == NULL) goto out;
  if ((from ? ww_log_read_jsonl(from, &p, add_entry, r, WHO)
            : ww_log_read_stream(c, &p, add_entry, r, WHO)) != 0)
    goto out;
  rc = finish("replay", r, json, svg, max_changed);
out:
  ww_replay_free(r);
  ww_rules_free(before);
  ww_rules_free(after);
  if (c) redisFree(c);
  return rc;
}

int ww_cli_diff(int argc, char **argv) {
  const char *dirs[2] = {NULL, NULL}, *svg = NULL, *week = NULL;
  double max_changed = -1;
  int json = 0, ndirs = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(diff_usage, stdout);
      return 0;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if ((strcmp(a, "--svg") == 0 || strcmp(a, "--week") == 0 ||
                strcmp(a, "--max-changed") == 0)) {
      if (i + 1 >= argc) return usage_error("diff", diff_usage, "%s needs a value", a);
      const char *v = argv[++i];
      if (a[2] == 's') svg = v;
      else if (a[2] == 'w') week = v;
      else if ((max_changed = parse_share(v)) < 0)
        return usage_error("diff", diff_usage,
                           "--max-changed must be a share from 0 to 1 or a percentage, not '%s'",
                           v);
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("diff", diff_usage, "unknown option %s", a);
    } else if (ndirs < 2) {
      dirs[ndirs++] = a;
    } else {
      return usage_error("diff", diff_usage, "one rule set too many: %s", a);
    }
  }
  if (ndirs != 2) return usage_error("diff", diff_usage, "%s", "give two rule sets: OLD NEW");
  int64_t day_ms = (int64_t)time(NULL) * 1000;
  if (week && ww_cli_parse_when(week, 0, 0, &day_ms) != 0)
    return usage_error("diff", diff_usage, "bad --week '%s' (a date like 2026-12-07)", week);
  int rc = 1;
  ww_rules *before = ww_cli_load_rules(dirs[0], 0), *after = NULL;
  ww_replay *r = NULL;
  if (before == NULL) {
    fprintf(stderr, "wegwijzer diff: %s does not load\n", dirs[0]);
    goto out;
  }
  if ((after = ww_cli_load_rules(dirs[1], 0)) == NULL) {
    fprintf(stderr, "wegwijzer diff: %s does not load\n", dirs[1]);
    goto out;
  }
  if ((r = ww_replay_new(before, after, 5)) == NULL ||
      ww_replay_grid(r, before, after, ww_replay_week_start(day_ms / 1000)) != 0) {
    fprintf(stderr, "wegwijzer diff: out of memory\n");
    goto out;
  }
  rc = finish("diff", r, json, svg, max_changed);
out:
  ww_replay_free(r);
  ww_rules_free(before);
  ww_rules_free(after);
  return rc;
}
