/* Structured logging: one JSON object per line on stderr.
 *
 * Never pass a citizen id, a token or a request body: log only references (citizenRef),
 * ids the engine made, and plain words. ww_log is thread-safe (one write(2) per line). */
#ifndef WW_LOG_H
#define WW_LOG_H

#include <jansson.h>

typedef enum { WW_LOG_DEBUG = 0, WW_LOG_INFO, WW_LOG_WARN, WW_LOG_ERROR } ww_log_level;

void ww_log_set_level(ww_log_level level);
int ww_log_parse_level(const char *s, ww_log_level *out);   /* 0 ok, -1 unknown */
int ww_log_enabled(ww_log_level level);

/* Log 'msg' with the fields of 'fields' (steals; may be NULL) added to
 * {"time", "level", "msg"}. */
void ww_log(ww_log_level level, const char *msg, json_t *fields);

/* printf-style message without extra fields. */
void ww_logf(ww_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
