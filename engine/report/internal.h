/* Private to engine/report: the counts of one report and the rule-set context, shared by
 * its parts -- tally.c (counting, sorting, figures), catalogue.c (the rule set), read.c
 * (the readers), text.c and svg.c (the outputs) and run.c (one run, ww_report_run). */
#ifndef WW_REPORT_INTERNAL_H
#define WW_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "report/report.h"

#define WW_REPORT_NO_CHANNEL "(geen)"
#define WW_REPORT_UNKNOWN "(onbekend)"

/* Counters of one report. The json objects map key -> integer count (owned). */
typedef struct ww__tally {
  json_t *by_service;   /* service -> {channel -> n} */
  json_t *by_origin;    /* origin -> {channel -> n} */
  json_t *total;        /* channel -> n */
  json_t *rulesets;     /* ruleset version -> n */
  json_t *made_ch;      /* channel -> handovers made there */
  json_t *claimed_ch;   /* channel -> handovers claimed there */
  long advice, route, degraded, other;
  long made, claimed;
  long stream_handovers;       /* handover/claimed entries that came from the stream */
  int handovers_from_sessions; /* 1: counted from session event lists */
  int64_t first_ms, last_ms;
  FILE *export_file;           /* borrowed, may be NULL */
} ww__tally;

int ww__tally_init(ww__tally *t);   /* 0, or -1 on OOM (close it anyway) */
void ww__tally_close(ww__tally *t);
/* Count one entry (borrowed; has "at") at 'ms', and copy it to the export file.
 * 'from_stream': it came from the decision-log stream (or a file), not a session. */
void ww__tally_add(ww__tally *t, const json_t *e, int64_t ms, int from_stream);

/* Channel order, names and targets from the rule set (all may be NULL). */
typedef struct ww__report_catalogue {
  json_t *channels;   /* new: [{id, name, ...}] in catalogue order, or NULL */
  json_t *targets;    /* new: {channel: share 0..1}, or NULL */
  char version[16];
} ww__report_catalogue;

/* Load the rule set o->rules into 'cat' (all fields NULL when there is none and it need
 * not load). 0, or -1 after saying why on stderr (an explicit --rules that fails). */
int ww__report_catalogue_load(const ww_report_opts *o, ww__report_catalogue *cat);
void ww__report_catalogue_close(ww__report_catalogue *cat);
/* The target share (0..1) of 'channel'; '*has' 0 when the rule set gives none. */
double ww__report_catalogue_target(const ww__report_catalogue *cat, const char *channel,
                                   int *has);

/* A key of a count object and its count. */
typedef struct ww__kv {
  const char *key;   /* borrowed from the json object */
  long n;
} ww__kv;

/* qsort() order of ww__kv: by count, largest first, ties by name. */
int ww__report_kv_cmp(const void *a, const void *b);
/* The keys of 'obj' by count, largest first (ties by name). New array (free()); keys are
 * borrowed from 'obj'. 'obj' may hold integers or sub-objects (counted by their sum). */
ww__kv *ww__report_sorted(const json_t *obj, size_t *n);

/* The string 'key' of 'o', or 'dflt' when absent or empty. */
const char *ww__report_str(const json_t *o, const char *key, const char *dflt);
/* Code points of a UTF-8 string (for columns and label widths). */
size_t ww__report_u8len(const char *s);
/* 100 * n / total, 0 when total is 0. */
double ww__report_share(long n, long total);
/* "80,0%": one decimal, Dutch decimal comma (the table and the chart say the same). */
void ww__report_fmt_pct(char out[24], double pct);
/* "2026-05-04T00:00:00+02:00 tot nu" */
void ww__report_period(const ww_report_opts *o, char out[96]);
/* Where the entries came from, without a password: the file, or redis://host:port/db. */
void ww__report_source(const ww_report_opts *o, char *buf, size_t size);

/* The readers: every entry of the period into 't'. 0, or -1 after saying why on stderr. */
int ww__report_read_jsonl(const ww_report_opts *o, ww__tally *t);
int ww__report_read_redis(const ww_report_opts *o, ww__tally *t);

/* The outputs. */
void ww__report_text(FILE *out, const ww_report_opts *o, const ww__tally *t,
                     const ww__report_catalogue *cat);
int ww__report_svg(const char *path, const ww_report_opts *o, const ww__tally *t,
                   const ww__report_catalogue *cat);   /* 0, or -1 after saying why */

#endif
