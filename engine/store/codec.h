/* The event codec: how wegwijzer's events are laid out in Redis strings, for everything
 * that writes or reads them -- the Redis store (session events), the decision log (its
 * stream entries) and `wegwijzer report` (both). Pure: jansson and the time format only,
 * no I/O, thread-safe.
 *
 * A session event, one element of the list ww:{<sid>}:ev, is PACKED:
 *
 *     at 0x1f channel 0x1f type 0x1f service 0x1f detail
 *
 * service '' = none (null); detail '' = none (null), else compact JSON (any value). So a
 * reader parses no JSON but the detail, and Redis moves one string per event. An event
 * that cannot be packed exactly (a 0x1f or NUL in a string, service "", an 'at' that is
 * empty or starts with '{', a field missing), and one the store's script must read (the
 * handover event whose channel it fills in: WW_CODEC_JSON), is a JSON object
 * {at, channel, type, service, detail} instead; so are events written before packing.
 * The first byte tells them apart ('{'). Readers take both.
 *
 * A decision-log entry, XADD ww:decisions ... field value ..., is a flat object: string
 * values as they are, null values left out, other values as compact JSON (so booleans
 * read "true"/"false"); the entry id's milliseconds are its time. Fields:
 * docs/decision-log.md. */
#ifndef WW_STORE_CODEC_H
#define WW_STORE_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define WW_CODEC_SEP '\x1f'               /* between the fields of a packed event */
#define WW_CODEC_EVENTS_MATCH "ww:{*}:ev" /* SCAN pattern of the session event lists */
#define WW_CODEC_LOG_KEY "ww:decisions"   /* the decision-log stream */
#define WW_CODEC_LOG_FIELDS 64            /* fields of one decision-log entry, at most */

/* ---- session events ---- */

enum { WW_CODEC_PACK = 0, WW_CODEC_JSON = 1 };

/* The stored string of 'ev' (borrowed; {at, channel, type, service, detail} as
 * ww_session_event makes it): packed when that is exact, else (or with WW_CODEC_JSON)
 * compact JSON. New (free()); NULL on OOM or when 'ev' is not JSON-encodable. */
char *ww_codec_event_encode(const json_t *ev, int how);

/* What the previous packed event of a list decoded to, for the next (all borrowed):
 * a session's events mostly repeat their channel, type, service and detail (a citizen
 * states the same needs at every advice), so equal bytes share one value. Start zeroed. */
typedef struct ww_codec_reuse {
  json_t *str[3];            /* channel, type, service */
  const char *detail;        /* the detail's bytes (in the caller's buffer) ... */
  size_t detail_len;
  json_t *detail_v;          /* ... and its value */
} ww_codec_reuse;

/* One stored event (packed or JSON, 'len' bytes at 's', borrowed) as a new object
 * {at, channel, type, service, detail}, or NULL when it is neither: empty, a packed
 * event with fewer than 4 separators, a string that is not UTF-8, a detail or a JSON
 * object that does not parse. Whatever ww_codec_event_encode wrote reads back equal.
 * 'reuse' may be NULL; else it is updated, and equal strings and details are shared
 * with the previous packed event's: nobody may change a decoded event in place, and the
 * caller must keep the events it decoded, and the bytes it decoded them from, alive
 * while it passes 'reuse' on. */
json_t *ww_codec_event_decode(const char *s, size_t len, ww_codec_reuse *reuse);

/* ---- decision-log entries ---- */

/* An entry's field/value strings for XADD. */
typedef struct ww_codec_entry {
  int argc;                                   /* 2 per field */
  const char *argv[2 * WW_CODEC_LOG_FIELDS];  /* borrowed from the object, or from owned */
  char *owned[WW_CODEC_LOG_FIELDS];           /* the values encoded as JSON */
  int nowned;
} ww_codec_entry;

/* Fill 'out' from 'entry' (a flat object, borrowed: 'out' is valid while it is unchanged).
 * 0, or -1 when it has no fields or more than WW_CODEC_LOG_FIELDS (nothing to release).
 * 'out' may then still hold no field (all null): nothing to write. */
int ww_codec_entry_encode(const json_t *entry, ww_codec_entry *out);
void ww_codec_entry_release(ww_codec_entry *e);

/* A decoded entry: {"at": the time of 'ms' (epoch milliseconds, the entry id's)}. New. */
json_t *ww_codec_entry_new(int64_t ms);
/* Add one field/value of a stream entry (borrowed bytes) to 'entry': "degraded" as a
 * boolean, every other value as a string with bytes that are not UTF-8 as '?'. A field
 * "at" (the time is the id's) and a field name that is not UTF-8 are skipped. */
void ww_codec_entry_put(json_t *entry, const char *field, size_t flen, const char *value,
                        size_t vlen);

#endif
