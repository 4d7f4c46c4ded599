/* Time in Europe/Amsterdam: CET (UTC+1), CEST (UTC+2) from the last Sunday of March
 * 01:00 UTC to the last Sunday of October 01:00 UTC (the EU rule, in force since 1996).
 * Pure arithmetic: no TZ database, no global state, thread-safe. */
#ifndef WW_TZTIME_H
#define WW_TZTIME_H

#include <stdint.h>

typedef struct ww_localtime {
  int year, month, day;        /* month 1..12, day 1..31 */
  int hour, minute, second;
  int weekday;                 /* 0 = Monday .. 6 = Sunday */
  int offset;                  /* seconds east of UTC: 3600 or 7200 */
} ww_localtime;

/* Parse an ISO 8601 date-time with offset ("2026-12-01T10:15:00+01:00", "...Z",
 * fractional seconds allowed, seconds may be left out) into epoch seconds. Returns 0, or -1 if malformed or
 * without an offset. */
int ww_time_parse(const char *s, int64_t *epoch);

/* A time as a rule set writes it, in Amsterdam local time: "2026-12-24", "2026-12-24 12:00"
 * (or with T), or any ww_time_parse form with an offset. Into epoch seconds: 0, or -1.
 * A local time that occurs twice (the night summer time ends) is the first; one that
 * does not occur (the night it starts) is read as winter time. */
int ww_time_parse_local(const char *s, int64_t *epoch);

/* Epoch seconds -> Europe/Amsterdam local time. */
void ww_time_local(int64_t epoch, ww_localtime *out);

/* Epoch seconds -> "2026-12-01T10:15:00+01:00" (Amsterdam local with offset). */
void ww_time_format(int64_t epoch, char out[32]);

/* "2026-12-01" (10 chars) and "10:15" (5 chars) of a local time at p, no NUL; both return
 * the end. */
char *ww_time_put_date(char *p, const ww_localtime *lt);
char *ww_time_put_hhmm(char *p, const ww_localtime *lt);

/* "mon".."sun" for a weekday 0..6. */
const char *ww_time_weekday_name(int weekday);

/* A time for --since / --until / ?since=: ISO 8601 with offset, a date (midnight in
 * Amsterdam), or (allow_dur) "90m", "24h", "7d", "4w", "3600s" back from 'now_ms'. Into
 * epoch milliseconds: 0 or -1. */
int ww_time_parse_when(const char *s, int allow_dur, int64_t now_ms, int64_t *ms);

/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
int64_t ww_days_from_civil(int y, int m, int d);

#endif
