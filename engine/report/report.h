/* wegwijzer report: the channel mix of a period, from the decision log (engine/report/).
 *
 * Reads the entries of a period -- from the Redis stream ww:decisions that `serve
 * --decision-log N` appends to, or from a JSON-lines export -- counts them (per service,
 * per origin, against the rule set's targets, handovers, degraded answers) and writes the
 * text tables, and optionally an SVG chart and a JSON-lines export. The command line
 * (engine/cli/) only turns argv into these options. */
#ifndef WW_REPORT_H
#define WW_REPORT_H

#include <stdint.h>
#include <stdio.h>

typedef struct ww_report_opts {
  const char *redis;          /* redis://... URL (util/redis_url.h), or NULL */
  const char *from;           /* a JSON-lines file ("-": stdin), or NULL; one of the two */
  const char *rules;          /* rule set for targets and channel names */
  int rules_explicit;         /* 1: it must load; 0: skipped when absent */
  const char *svg;            /* also write the chart here, or NULL */
  const char *export_path;    /* also write the entries read as JSON lines, or NULL */
  int has_since, has_until;
  int64_t since_ms, until_ms; /* epoch ms; since inclusive, until exclusive */
} ww_report_opts;

/* Run the report described by 'o' (borrowed), tables on 'out'. Returns 0, or 1 after
 * saying on stderr what failed (input unreadable, Redis unreachable, the rule set, an
 * output file). */
int ww_report_run(const ww_report_opts *o, FILE *out);

#endif
