#include "log/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int current_level = WW_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void ww_log_set_level(ww_log_level level) { atomic_store(&current_level, (int)level); }
int ww_log_enabled(ww_log_level level) { return (int)level >= atomic_load(&current_level); }

int ww_log_parse_level(const char *s, ww_log_level *out) {
  for (int i = 0; i < 4; i++) {
    if (strcmp(s, level_names[i]) == 0) {
      *out = (ww_log_level)i;
      return 0;
    }
  }
  if (strcmp(s, "warning") == 0) {
    *out = WW_LOG_WARN;
    return 0;
  }
  return -1;
}

void ww_log(ww_log_level level, const char *msg, json_t *fields) {
  if (!ww_log_enabled(level)) {
    json_decref(fields);
    return;
  }
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char stamp[96];
  snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (int)(tv.tv_usec / 1000));
  json_t *line = json_object();
  json_object_set_new(line, "time", json_string(stamp));
  json_object_set_new(line, "level", json_string(level_names[level]));
  json_object_set_new(line, "msg", json_string(msg ? msg : ""));
  if (fields) {
    json_object_update(line, fields);
    json_decref(fields);
  }
  char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6));
  json_decref(line);
  if (text == NULL) return;
  size_t n = strlen(text);
  text[n] = '\n';                         /* json_dumps leaves room for the NUL */
  ssize_t w = write(STDERR_FILENO, text, n + 1);
  (void)w;
  free(text);
}

void ww_logf(ww_log_level level, const char *fmt, ...) {
  if (!ww_log_enabled(level)) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ww_log(level, buf, NULL);
}
