/* The impact of a rule change (engine/replay/): recorded decisions decided again on two
 * rule sets, compared, and the report of what changes (wegwijzer replay, wegwijzer diff,
 * GET /v1/rules/drafts/{id}/impact; the JSON shape is docs/decision-log.md's "Replay").
 *
 * Each entry is a decoded decision-log entry (store/codec.h; fields in
 * docs/decision-log.md) that carries its record (decision/decision.h:
 * ww_decision_record): service, citizen without id, context with its time, the session
 * summary and the overrides in effect. Both rule sets decide it with that time, session
 * and overrides and with the entry's adviceId as the math.random seed, so a rule set
 * decides a replayed entry exactly as it decides it live. Entries without a record are
 * skipped (and counted). Not thread-safe: both rule sets belong to the caller's thread
 * for as long as the replay lives. */
#ifndef WW_REPLAY_H
#define WW_REPLAY_H

#include <stdio.h>
#include <jansson.h>

#include "decision/decision.h"

typedef struct ww_replay ww_replay;

/* A replay of 'before' against 'after' (borrowed, both outlive it). 'examples': how many
 * changed decisions the report shows with both traces (at most). New, or NULL on OOM. */
ww_replay *ww_replay_new(ww_rules *before, ww_rules *after, int examples);
void ww_replay_free(ww_replay *r);   /* NULL-safe */

/* Decide one entry (borrowed) again on both: 1 replayed, 0 skipped (nothing to replay),
 * -1 out of memory. */
int ww_replay_add(ww_replay *r, const json_t *entry);
/* Decide one advice request (borrowed; {service, citizen?, context?}) on both, with
 * 'session' and 'overrides' (borrowed or NULL): as ww_replay_add (wegwijzer diff). */
int ww_replay_add_request(ww_replay *r, const json_t *request, const json_t *session,
                          const json_t *overrides, int route);

/* wegwijzer diff (grid.c): every service of either rule set x the citizen profiles (the
 * anonymous citizen, then each digitalSkills, authLevel, need, age band, language a
 * channel names and origin alone) x each hour of the week from 'monday' (epoch seconds of
 * a local midnight; at half past each hour), as advice requests, into 'r' (made with the
 * same 'before' and 'after'). 0, or -1 on OOM. */
int ww_replay_grid(ww_replay *r, ww_rules *before, ww_rules *after, int64_t monday);
/* The local midnight (epoch seconds) of the Monday of the week of 't'. */
int64_t ww_replay_week_start(int64_t t);

/* Entries without a record, skipped so far. */
long ww_replay_skipped(const ww_replay *r);

/* The report so far (new; NULL on OOM):
 * {replayed, changed, errorsBefore, errorsAfter, from, to, byService: [{service, replayed,
 *  changed}], shifts: [{from, to, count, services: {svc: n}}], newlyExcluded: [{channel,
 *  count}], examples: [{request, before: {first, channels, trace}, after: {...}}]}.
 * Lists by count, largest first (ties by name); from/to are the rule-set versions. */
json_t *ww_replay_report(const ww_replay *r);

/* The impact endpoint's work in one call: every entry of 'entries' (borrowed array)
 * replayed on 'before' (the live set) and 'after' (the draft); the report (new). */
json_t *ww_replay_entries(ww_rules *before, ww_rules *after, const json_t *entries);

/* The report as text for a reader (Dutch, as wegwijzer report), on 'out'. */
void ww_replay_text(FILE *out, const json_t *report);
/* The report as an SVG chart of the changed share per service at 'path': 0, or -1 after
 * saying why on stderr. */
int ww_replay_svg(const char *path, const json_t *report);

/* The share of changed decisions (0..1; 0 when none were replayed). */
double ww_replay_changed_share(const json_t *report);

#endif
