/* wegwijzer report: the command line -- argv and the environment into ww_report_opts;
 * the report itself is engine/report/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "report/report.h"
#include "util/tztime.h"

static const char report_usage[] =
    "usage: wegwijzer report [--redis URL | --from FILE.jsonl] [--since ISO|DATE|DURATION]\n"
    "                        [--until ISO|DATE] [--rules DIR] [--svg OUT.svg]\n"
    "                        [--export FILE.jsonl]\n"
    "  --redis URL     read the stream ww:decisions (redis://[[user]:password@]host[:port][/db];\n"
    "                  default $WEGWIJZER_REDIS)\n"
    "  --from FILE     read a JSON-lines export instead (one object per line with \"at\")\n"
    "  --since X       from this time on (2026-05-01T00:00:00+02:00, 2026-05-01 = midnight\n"
    "                  in Amsterdam, or a duration back from now: 90m, 24h, 7d, 4w)\n"
    "  --until X       up to (not including) this time; default: now\n"
    "  --rules DIR     rule set for targets and channel names (default $WEGWIJZER_RULES or\n"
    "                  ./rules, skipped when absent)\n"
    "  --svg OUT.svg   also write a stacked bar chart\n"
    "  --export FILE   also write the entries read as JSON lines (input for --from)\n";

int ww_cli_parse_when(const char *s, int allow_dur, int64_t now_ms, int64_t *ms) {
  int64_t epoch;
  if (ww_time_parse(s, &epoch) == 0) {
    *ms = epoch * 1000;
    return 0;
  }
  int y, m, d;
  char tail;
  if (strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
      m <= 12 && d >= 1 && d <= 31) {
    int64_t utc = ww_days_from_civil(y, m, d) * 86400;
    ww_localtime lt;
    ww_time_local(utc - 3600, &lt);   /* midnight is never inside a DST switch (01:00 UTC) */
    *ms = (utc - lt.offset) * 1000;
    return 0;
  }
  if (!allow_dur) return -1;
  char *end;
  errno = 0;
  long long n = strtoll(s, &end, 10);
  if (end == s || n < 0 || errno != 0 || end[0] == '\0' || end[1] != '\0') return -1;
  long long unit;
  switch (end[0]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return -1;
  }
  if (n > 100LL * 365 * 86400 / unit) return -1;
  *ms = now_ms - n * unit * 1000;
  return 0;
}

static int usage_error(const char *fmt, const char *arg) {
  fputs("wegwijzer report: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(report_usage, stderr);
  return 2;
}

int ww_cli_report(int argc, char **argv) {
  ww_report_opts o = {0};
  const char *since = NULL, *until = NULL;
  o.rules = getenv("WEGWIJZER_RULES");
  if (o.rules && o.rules[0]) o.rules_explicit = 1;
  else o.rules = "rules";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(report_usage, stdout);
      return 0;
    }
    static const char *const names[] = {"--redis", "--from", "--since", "--until",
                                        "--rules", "--svg", "--export"};
    const char **slot[] = {&o.redis, &o.from, &since, &until, &o.rules, &o.svg, &o.export_path};
    size_t k, nl = 0;
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
      nl = strlen(names[k]);
      if (strncmp(a, names[k], nl) == 0 && (a[nl] == '\0' || a[nl] == '=')) break;
    }
    if (k == sizeof names / sizeof names[0]) return usage_error("unknown option %s", a);
    const char *val = a[nl] == '=' ? a + nl + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (val == NULL || val[0] == '\0') return usage_error("%s needs a value", names[k]);
    *slot[k] = val;
    if (k == 4) o.rules_explicit = 1;
  }
  if (o.redis && o.from) return usage_error("%s", "give --redis or --from, not both");
  if (o.redis == NULL && o.from == NULL) {
    const char *env = getenv("WEGWIJZER_REDIS");
    if (env && env[0]) o.redis = env;
    else return usage_error("%s", "give --redis URL or --from FILE.jsonl");
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
  if (since) {
    if (ww_cli_parse_when(since, 1, now_ms, &o.since_ms) != 0)
      return usage_error("--since %s: want 2026-05-01T00:00:00+02:00, 2026-05-01 or 7d", since);
    o.has_since = 1;
  }
  if (until) {
    if (ww_cli_parse_when(until, 0, now_ms, &o.until_ms) != 0)
      return usage_error("--until %s: want 2026-05-08T00:00:00+02:00 or 2026-05-08", until);
    o.has_until = 1;
  }
  if (o.has_since && o.has_until && o.until_ms <= o.since_ms)
    return usage_error("%s", "--until must be later than --since");

  return ww_report_run(&o, stdout);
}
