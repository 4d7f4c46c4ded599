/* Private to engine/store: the server-side scripts of the Redis store, by number (the
 * sources and what each does: redis_scripts.c). */
#ifndef WW_REDIS_SCRIPTS_H
#define WW_REDIS_SCRIPTS_H

enum { SC_CREATE, SC_GET, SC_APPEND, SC_TOUCH, SC_CLAIM, SC_STATUS, SC_HANDOVER, SC_CODE_DEL,
       SC_STATUS_DEL, SC_STATUS_ALL, SC_ADVISED, SC_APPEND_CITIZEN, SC_RULES_COMMIT,
       SC_RULES_VERSIONS, SC_RULES_LIVE, SC_DRAFT_PUT, SC_DRAFTS, SC_SHADOW, SC_COUNT };

/* The session fields every session reply reads, in this order (HMGET); the META_*
 * indexes of redis_reply.c name the positions. */
#define META_FIELDS \
  " 'id', 'citizenRef', 'service', 'channel', 'createdAt', 'updatedAt', 'expiresAt', 'data'," \
  " 'advised'"

/* The Lua source of each script (SC_*). */
extern const char *const ww__redis_scripts[SC_COUNT];

#endif
