/* Private to engine/store: the handle every implementation embeds as its first member,
 * and the operations table store.c dispatches through. */
#ifndef WW_STORE_IMPL_H
#define WW_STORE_IMPL_H

#include "store/store.h"

typedef struct ww_store_vt {
  const char *kind;
  void (*session_create)(ww_store *s, const json_t *in, ww_store_cb cb, void *ud);
  void (*session_get)(ww_store *s, const char *id, ww_store_cb cb, void *ud);
  void (*session_append)(ww_store *s, const char *id, const json_t *event, int flags,
                         ww_store_cb cb, void *ud);
  void (*append_citizen)(ww_store *s, const char *ref, const json_t *event, int flags,
                         ww_store_cb cb, void *ud);
  void (*latest_for_citizen)(ww_store *s, const char *ref, ww_store_cb cb, void *ud);
  void (*latest_id)(ww_store *s, const char *ref, ww_store_cb cb, void *ud);
  void (*session_advised)(ww_store *s, const char *id, const json_t *advised);
  void (*handover_create)(ww_store *s, const char *sid, const char *channel, const char *to,
                          ww_store_cb cb, void *ud);
  void (*handover_claim)(ww_store *s, const char *code, const char *channel,
                         const char *client_key, const char *caller_key, ww_store_cb cb,
                         void *ud);
  void (*status_set)(ww_store *s, const char *id, const json_t *status, ww_store_cb cb,
                     void *ud);
  void (*status_delete)(ww_store *s, const char *id, ww_store_cb cb, void *ud);
  const json_t *(*status)(ww_store *s);
  uint64_t (*status_rank)(ww_store *s);
  void (*decision_log)(ww_store *s, const json_t *fields);
  int (*ready)(const ww_store *s);
  void (*close)(ww_store *s);
} ww_store_vt;

struct ww_store {
  const ww_store_vt *vt;
  ww_store_opts opts;          /* defaults filled in */
  ww_store_stats stats;
  int closing;
};

/* Now as epoch milliseconds (wall clock: TTLs and the ISO times in sessions). */
int64_t ww__store_now_ms(void);

#endif
