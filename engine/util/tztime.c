#include "util/tztime.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Howard Hinnant's civil-date algorithms (public domain description). */
int64_t ww_days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Day number of the last Sunday of month m (March or October) in year y. */
static int64_t last_sunday(int y, int m) {
  int64_t last = ww_days_from_civil(y, m, 31);   /* both months have 31 days */
  int64_t wd = (last + 4) % 7;                    /* 1970-01-01 was a Thursday: 0 = Sunday */
  if (wd < 0) wd += 7;
  return last - wd;
}

static int offset_at(int64_t epoch) {
  int y, m, d;
  civil_from_days(floor_div(epoch, 86400), &y, &m, &d);
  int64_t start = last_sunday(y, 3) * 86400 + 3600;    /* 01:00 UTC */
  int64_t end = last_sunday(y, 10) * 86400 + 3600;
  return (epoch >= start && epoch < end) ? 7200 : 3600;
}

void ww_time_local(int64_t epoch, ww_localtime *out) {
  out->offset = offset_at(epoch);
  int64_t local = epoch + out->offset;
  int64_t days = floor_div(local, 86400);
  int64_t secs = local - days * 86400;
  civil_from_days(days, &out->year, &out->month, &out->day);
  out->hour = (int)(secs / 3600);
  out->minute = (int)(secs / 60 % 60);
  out->second = (int)(secs % 60);
  int64_t wd = (days + 3) % 7;                    /* 1970-01-01: Thursday = 3 */
  out->weekday = (int)(wd < 0 ? wd + 7 : wd);
}

/* The last 'n' decimal digits of v at p (by hand: snprintf costs more than the time
 * conversion itself). */
static char *put_digits(char *p, int v, int n) {
  for (int i = n - 1; i >= 0; i--, v /= 10) p[i] = (char)('0' + (v % 10 + 10) % 10);
  return p + n;
}

char *ww_time_put_date(char *p, const ww_localtime *lt) {
  p = put_digits(p, lt->year, 4);
  *p++ = '-';
  p = put_digits(p, lt->month, 2);
  *p++ = '-';
  return put_digits(p, lt->day, 2);
}

char *ww_time_put_hhmm(char *p, const ww_localtime *lt) {
  p = put_digits(p, lt->hour, 2);
  *p++ = ':';
  return put_digits(p, lt->minute, 2);
}

void ww_time_format(int64_t epoch, char out[32]) {
  ww_localtime lt;
  ww_time_local(epoch, &lt);
  if (lt.year < 0 || lt.year > 9999) {   /* outside what the fast path writes */
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d+%02d:00", lt.year, lt.month, lt.day,
             lt.hour, lt.minute, lt.second, lt.offset / 3600);
    return;
  }
  char *p = ww_time_put_date(out, &lt);
  *p++ = 'T';
  p = ww_time_put_hhmm(p, &lt);
  *p++ = ':';
  p = put_digits(p, lt.second, 2);
  *p++ = '+';
  p = put_digits(p, lt.offset / 3600, 2);
  memcpy(p, ":00", 4);
}

const char *ww_time_weekday_name(int weekday) {
  static const char *names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  return (weekday >= 0 && weekday < 7) ? names[weekday] : "";
}

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

int ww_time_parse(const char *s, int64_t *epoch) {
  int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 1;
  if (strlen(s) < 17) return -1;
  if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
      digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi))
    return -1;
  const char *p = s + 16;
  int with_seconds = *p == ':';         /* seconds may be left out: "10:15+01:00" */
  if (with_seconds) {
    if (digits(p + 1, 2, &sec)) return -1;
    p += 3;
  }
  if (*p == '.' && with_seconds) {                      /* fraction: ignored, at least one digit */
    p++;
    if (!isdigit((unsigned char)*p)) return -1;
    while (isdigit((unsigned char)*p)) p++;
  }
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    sign = *p == '-' ? -1 : 1;
    if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om)) return -1;
    p += 6;
  } else {
    return -1;
  }
  if (*p != '\0') return -1;
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
      h > 23 || mi > 59 || sec > 60 || oh > 18 || om > 59)
    return -1;
  if (sec == 60) sec = 59;              /* leap second: clamp */
  *epoch = ww_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
           sign * (oh * 3600 + om * 60);
  return 0;
}

int ww_time_parse_local(const char *s, int64_t *epoch) {
  if (ww_time_parse(s, epoch) == 0) return 0;
  char buf[40];
  size_t n = strlen(s);
  if (n == 10) snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
  else if (n == 16) snprintf(buf, sizeof buf, "%sZ", s);
  else return -1;
  int64_t naive;   /* the wall-clock reading as if it were UTC */
  if (ww_time_parse(buf, &naive) != 0) return -1;
  for (int off = 7200; off >= 3600; off -= 3600)
    if (offset_at(naive - off) == off) {
      *epoch = naive - off;
      return 0;
    }
  *epoch = naive - 3600;
  return 0;
}

int ww_time_parse_when(const char *s, int allow_dur, int64_t now_ms, int64_t *ms) {
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
