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
  void (*rules_commit)(ww_store *s, const char *version, const json_t *record,
                       const json_t *audit, ww_store_cb cb, void *ud);
  void (*rules_versions)(ww_store *s, ww_store_cb cb, void *ud);
  void (*rules_version)(ww_store *s, const char *version, ww_store_cb cb, void *ud);
  void (*rules_live)(ww_store *s, int full, ww_store_cb cb, void *ud);
  void (*rules_audit)(ww_store *s, ww_store_cb cb, void *ud);
  void (*draft_put)(ww_store *s, const char *id, const json_t *draft, int create,
                    ww_store_cb cb, void *ud);
  void (*draft_get)(ww_store *s, const char *id, ww_store_cb cb, void *ud);
  void (*drafts)(ww_store *s, ww_store_cb cb, void *ud);
  void (*shadow_set)(ww_store *s, const json_t *shadow, ww_store_cb cb, void *ud);
  void (*shadow_get)(ww_store *s, ww_store_cb cb, void *ud);
  void (*decision_log_since)(ww_store *s, int64_t since_ms, size_t max, ww_store_cb cb,
                             void *ud);
  int (*ready)(const ww_store *s);
  void (*close)(ww_store *s);
} ww_store_vt;

struct ww_store {
  const ww_store_vt *vt;
  ww_store_opts opts;          /* defaults filled in */
  ww_store_stats stats;
  int closing;
  ww_store_rules_fn rules_fn;  /* ww_store_on_rules_changed */
  void *rules_ud;
};

/* A copy of 'obj' without its "files" member (list answers). New. */
json_t *ww__store_without_files(const json_t *obj);

/* Now as epoch milliseconds (wall clock: TTLs and the ISO times in sessions). */
int64_t ww__store_now_ms(void);

#endif
