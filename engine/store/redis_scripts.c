/* Server-side scripts of the Redis store. Each runs atomically in Redis and touches keys
 * of ONE hash slot only (Redis Cluster), but SC_APPEND_CITIZEN (a single primary only); see the key layout at the top of redis.c. Loaded
 * once per connection with SCRIPT LOAD, called with EVALSHA (redis_conn.c); after a
 * NOSCRIPT (script cache flushed, failover) the same call is retried with EVAL, which
 * caches the script again.
 *
 * maxmemory: Redis refuses a script's write with OOM only while the script has written
 * nothing yet; after its first write (any write command, DEL and EXPIRE too) the rest
 * runs, over the limit. So every script that grows memory writes first with a command
 * Redis refuses under OOM (HSET, RPUSH, INCR, ...): at maxmemory it fails whole and
 * changes nothing (WW_STORE_EFULL), never half, and never runs past the limit. */
#include "store/redis_scripts.h"

/* Removes the overrides whose 'until' (the score in 'ends') is not after 'now' (a Lua
 * expression, epoch ms). */
#define STATUS_SWEEP(now)                                                         \
  "for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', " now ")) do\n" \
  "  redis.call('HDEL', KEYS[1], id)\n"                                             \
  "end\n"                                                                          \
  "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', " now ")\n"

/* The body of SC_APPEND and SC_APPEND_CITIZEN, on the session keys in the Lua locals 'ks'
 * and 'kev'. APPEND_ARGV: event (as stored in 'ev': packed or JSON), ttl, max events, now,
 * expiresAt, lean n (0 = all events after the append; n = the latest n before it),
 * once-token ('' = none: else the append happens once per token), fill channel ('1': the
 * event is JSON; set its channel to the session's), now in epoch ms, the citizen index's
 * slide interval in ms.
 * Leaves 'meta', 'n', 'before' (n > 0), 'count' and 'touch' (see SC_APPEND) set.
 * The reads are HMGET of the fields a reply uses (not HGETALL: no x:<nonce> fields) and
 * LRANGE of n strings: every element a script reads or returns costs Redis a Lua string
 * both ways. */
#define APPEND_BODY                                                                         \
  "local meta = redis.call('HMGET', ks," META_FIELDS ", 'czAt')\n"                            \
  "if not meta[1] then return false end\n"                                                  \
  "if ARGV[7] ~= '' and redis.call('HSETNX', ks, 'x:' .. ARGV[7], '1') == 0 then\n"          \
  "  return {meta, redis.call('LRANGE', kev, 0, -1), -1, 0}\n"                              \
  "end\n"                                                                                   \
  "local ev = ARGV[1]\n"                                                                    \
  "if ARGV[8] == '1' and meta[4] then\n"                                                    \
  "  local t = cjson.decode(ev); t.channel = meta[4]; ev = cjson.encode(t)\n"               \
  "end\n"                                                                                   \
  "local n = tonumber(ARGV[6])\n"                                                           \
  "local before\n"                                                                          \
  "if n > 0 then before = redis.call('LRANGE', kev, -n, -1) end\n"                          \
  "local count = redis.call('RPUSH', kev, ev)\n"                                            \
  "local max = tonumber(ARGV[3])\n"                                                         \
  "if count > max then redis.call('LTRIM', kev, -max, -1); count = max end\n"               \
  "local touch = 0\n"                                                                       \
  "if meta[2] and meta[2] ~= '' then\n"                                                     \
  "  local now, last = tonumber(ARGV[9]), tonumber(meta[10])\n"                             \
  "  if not last or now < last or now - last >= tonumber(ARGV[10]) then touch = 1 end\n"    \
  "end\n"                                                                                   \
  "if touch == 1 then\n"                                                                    \
  "  redis.call('HSET', ks, 'updatedAt', ARGV[4], 'expiresAt', ARGV[5], 'czAt', ARGV[9])\n"  \
  "else\n"                                                                                  \
  "  redis.call('HSET', ks, 'updatedAt', ARGV[4], 'expiresAt', ARGV[5])\n"                  \
  "end\n"                                                                                   \
  "redis.call('EXPIRE', ks, ARGV[2])\n"                                                     \
  "redis.call('EXPIRE', kev, ARGV[2])\n"

const char *const ww__redis_scripts[SC_COUNT] = {
    /* SC_CREATE  KEYS: s, ev   ARGV: id, citizenRef, service, channel, now, expiresAt,
     * ttl, data JSON, now in epoch ms (czAt: the citizen index was just set). 0 if the id
     * is taken (never, with 128 random bits), else 1. HSET first (see maxmemory above). */
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'id', ARGV[1], 'citizenRef', ARGV[2], 'service', ARGV[3],\n"
    "  'channel', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[5], 'expiresAt', ARGV[6],\n"
    "  'data', ARGV[8], 'czAt', ARGV[9])\n"
    "redis.call('DEL', KEYS[2])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[7])\n"
    "return 1\n",

    /* SC_GET  KEYS: s, ev. false, or {meta (HMGET of META_FIELDS), events}. */
    "local meta = redis.call('HMGET', KEYS[1]," META_FIELDS ")\n"
    "if not meta[1] then return false end\n"
    "return {meta, redis.call('LRANGE', KEYS[2], 0, -1)}\n",

    /* SC_APPEND  KEYS: s, ev   ARGV: APPEND_ARGV (above).
     * false when the session is unknown/expired, else {meta (HMGET of META_FIELDS, before
     * the update), events, count after the append or -1 when the once-token was seen
     * (nothing changed), touch: 1 when the caller must slide the citizen index (the
     * session has a citizenRef and czAt is older than the interval, or in the future:
     * another instance's clock; czAt is then set to now)}. */
    "local ks, kev = KEYS[1], KEYS[2]\n"
    APPEND_BODY
    "if n > 0 then return {meta, before, count, touch} end\n"
    "return {meta, redis.call('LRANGE', kev, 0, -1), count, touch}\n",

    /* SC_TOUCH  KEYS: cz   ARGV: session id, ttl (the session's plus the margin). Slide
     * the citizen index with the session it still points to. */
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  return redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
    "end\n"
    "return 0\n",

    /* SC_CLAIM  KEYS: codes, exp, sess, the client's failure counter, the caller's (the
     * client's again when there is none; all in slot {hc})
     * ARGV: limit, window s, code, now in epoch ms, the client's limit when claims name
     * callers, lapse ms, '1' when a caller is named.
     * {-1, ttl} rate limited (with a caller: its own count at the limit, or the client's
     * at the shared one); {0} no such code, {2} a code that lapsed unclaimed less than
     * the lapse ago (both a failure, counted for the client and the caller); {1, "<sid>
     * <nonce> <exp ms>"} claimed: the code is gone, and so is the session's pointer to
     * it. The value is written back once before it goes: a write Redis refuses at
     * maxmemory, so a full Redis refuses the claim whole instead of spending the code and
     * then failing to append the "claimed" event. */
    "local caller = ARGV[7] == '1'\n"
    "local n = tonumber(redis.call('GET', KEYS[4]) or '0')\n"
    "if caller then\n"
    "  if tonumber(redis.call('GET', KEYS[5]) or '0') >= tonumber(ARGV[1]) then\n"
    "    return {-1, redis.call('TTL', KEYS[5])}\n"
    "  end\n"
    "  if n >= tonumber(ARGV[5]) then return {-1, redis.call('TTL', KEYS[4])} end\n"
    "elseif n >= tonumber(ARGV[1]) then return {-1, redis.call('TTL', KEYS[4])} end\n"
    "local v = redis.call('HGET', KEYS[1], ARGV[3])\n"
    "local exp = v and tonumber(string.match(v, '(%d+)$'))\n"
    "local now = tonumber(ARGV[4])\n"
    "if not exp or exp <= now then\n"
    "  if redis.call('INCR', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], ARGV[2]) end\n"
    "  if caller and redis.call('INCR', KEYS[5]) == 1 then\n"
    "    redis.call('EXPIRE', KEYS[5], ARGV[2])\n"
    "  end\n"
    "  if exp and exp > now - tonumber(ARGV[6]) then return {2} end\n"
    "  return {0}\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[3], v)\n"
    "redis.call('HDEL', KEYS[1], ARGV[3])\n"
    "redis.call('ZREM', KEYS[2], ARGV[3])\n"
    "local sid = string.sub(v, 1, 32)\n"
    "if redis.call('HGET', KEYS[3], sid) == ARGV[3] then redis.call('HDEL', KEYS[3], sid) end\n"
    "return {1, v}\n",

    /* SC_STATUS  KEYS: st, ends, ver (slot {st})   ARGV: channel id, status JSON, pub/sub
     * channel, its 'until' in epoch ms ("" for none), now in epoch ms. Sets the override,
     * removes those that have ended (STATUS_SWEEP), and returns the new version of the
     * hash (every change counts one up). HSET first (see maxmemory above). */
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])\n"
    "else redis.call('ZREM', KEYS[2], ARGV[1]) end\n"
    STATUS_SWEEP("ARGV[5]")
    "redis.call('PUBLISH', ARGV[3], ARGV[1])\n"
    "return redis.call('INCR', KEYS[3])\n",

    /* SC_HANDOVER  KEYS: codes, exp, sess (slot {hc})   ARGV: sid, nonce, now ms, expiry
     * ms, max live codes, key TTL ms, lapse ms, then candidate codes.
     * {-2} the cap on live codes is reached; {0} every candidate is taken; {1, code}: the
     * first free candidate (unknown, or past its expiry) is the session's live code, and
     * the session's previous code (if it is still its own) has ended: one live code per
     * session. Then up to 64 codes that lapsed more than the lapse ago are swept (a
     * lapsed code is kept that long, so that a claim of it says "expired"), and the three
     * keys live at least until this code's lapse ends (key TTL). */
    "local now = tonumber(ARGV[3])\n"
    "if redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') >= tonumber(ARGV[5]) then\n"
    "  return {-2}\n"
    "end\n"
    "local code = nil\n"
    "for i = 8, #ARGV do\n"
    "  local v = redis.call('HGET', KEYS[1], ARGV[i])\n"
    "  if not v or tonumber(string.match(v, '(%d+)$')) <= now then code = ARGV[i]; break end\n"
    "end\n"
    "if not code then return {0} end\n"
    "redis.call('HSET', KEYS[1], code, ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[4])\n"
    "redis.call('ZADD', KEYS[2], ARGV[4], code)\n"
    "local old = redis.call('HGET', KEYS[3], ARGV[1])\n"
    "if old and old ~= code then\n"
    "  local ov = redis.call('HGET', KEYS[1], old)\n"
    "  if ov and string.sub(ov, 1, 32) == ARGV[1] then\n"
    "    redis.call('HDEL', KEYS[1], old); redis.call('ZREM', KEYS[2], old)\n"
    "  end\n"
    "end\n"
    "redis.call('HSET', KEYS[3], ARGV[1], code)\n"
    "local gone = now - tonumber(ARGV[7])\n"
    "for _, c in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', gone, 'LIMIT', 0, 64)) do\n"
    "  local v = redis.call('HGET', KEYS[1], c)\n"
    "  if v and tonumber(string.match(v, '(%d+)$')) <= gone then\n"
    "    redis.call('HDEL', KEYS[1], c)\n"
    "    local s = string.sub(v, 1, 32)\n"
    "    if redis.call('HGET', KEYS[3], s) == c then redis.call('HDEL', KEYS[3], s) end\n"
    "  end\n"
    "  redis.call('ZREM', KEYS[2], c)\n"
    "end\n"
    "for i = 1, 3 do\n"
    "  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[6]) then\n"
    "    redis.call('PEXPIRE', KEYS[i], ARGV[6])\n"
    "  end\n"
    "end\n"
    "return {1, code}\n",

    /* SC_CODE_DEL  KEYS: codes, exp, sess   ARGV: code, sid. Take back a code made for
     * 'sid' (its handover event could not be written). */
    "local v = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if v and string.sub(v, 1, 32) == ARGV[2] then\n"
    "  redis.call('HDEL', KEYS[1], ARGV[1]); redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "end\n"
    "if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[2]) end\n"
    "return 1\n",

    /* SC_STATUS_DEL  KEYS: st, ends, ver   ARGV: channel id, pub/sub channel, now in epoch
     * ms. Ends the override and sweeps. {0, version} when the channel had none (or it had
     * ended), else {1, version}. */
    STATUS_SWEEP("ARGV[3]")
    "local n = redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "if n == 0 then return {0, tonumber(redis.call('GET', KEYS[3]) or '0')} end\n"
    "redis.call('PUBLISH', ARGV[2], ARGV[1])\n"
    "return {1, redis.call('INCR', KEYS[3])}\n",

    /* SC_STATUS_ALL  KEYS: st, ver. {version, HGETALL st}: a full read with its version,
     * read-only (ended overrides are left to the readers' clocks and the next change). */
    "return {tonumber(redis.call('GET', KEYS[2]) or '0'), redis.call('HGETALL', KEYS[1])}\n",

    /* SC_ADVISED  KEYS: s   ARGV: the outcome JSON {at, channel, name, reason}, its 'at'
     * in epoch ms. Sets the session's 'advised' and 'advisedAt' unless the session is gone
     * or holds a later advice's (advisedAt after this one; compared as numbers: the ISO
     * text does not sort in the hour repeated when the clocks go back; an advisedAt that
     * is no number, the ISO text of older versions, counts as earlier). Neither updatedAt
     * nor the TTL moves. 1 written, 0 not. HSET is the only write. */
    "local meta = redis.call('HMGET', KEYS[1], 'id', 'advisedAt')\n"
    "local old = tonumber(meta[2])\n"
    "if not meta[1] or (old and old > tonumber(ARGV[2])) then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'advised', ARGV[1], 'advisedAt', ARGV[2])\n"
    "return 1\n",

    /* SC_APPEND_CITIZEN  KEYS: cz (the citizen index)   ARGV: APPEND_ARGV, then the index's
     * TTL (the session's plus the margin). SC_APPEND on the session the index names, in
     * the same step: false when the index is gone or names no live session, else {meta,
     * events, count, 0, session id}; the index slides here when SC_APPEND would ask for
     * it. The session's keys are made from the index's value inside the script: a single
     * Redis primary allows that (also behind Sentinel); Redis Cluster does not (a script
     * may touch only keys it was given, in one slot), so a Cluster client would GET the
     * index and send SC_APPEND to the session's slot: two round trips (see redis.c). */
    "local sid = redis.call('GET', KEYS[1])\n"
    "if not sid or #sid ~= 32 or string.find(sid, '[^0-9a-f]') then return false end\n"
    "local ks, kev = 'ww:{' .. sid .. '}:s', 'ww:{' .. sid .. '}:ev'\n"
    APPEND_BODY
    "if touch == 1 then redis.call('EXPIRE', KEYS[1], ARGV[11]) end\n"
    "if n > 0 then return {meta, before, count, 0, sid} end\n"
    "return {meta, redis.call('LRANGE', kev, 0, -1), count, 0, sid}\n",

    /* The rule-set scripts reach keys they build from a prefix and an id (the records of
     * the versions and drafts they list): the hash-tag-free layout of redis.c, for one
     * Redis (or a primary with replicas), not Cluster. */

    /* SC_RULES_COMMIT  KEYS: versions, live, audit, ww:rules:v:<version>   ARGV: version,
     * record JSON, audit entry JSON ('' = none), versions kept, audit entries kept, the
     * pub/sub channel, the record key prefix. The record stored, the version moved to the
     * front of the history (the ones beyond the cap dropped with their records), named
     * live, the audit entry prepended, the version published. SET first (maxmemory). */
    "redis.call('SET', KEYS[4], ARGV[2])\n"
    "redis.call('LREM', KEYS[1], 0, ARGV[1])\n"
    "redis.call('LPUSH', KEYS[1], ARGV[1])\n"
    "for _, v in ipairs(redis.call('LRANGE', KEYS[1], tonumber(ARGV[4]), -1)) do\n"
    "  if v ~= ARGV[1] then redis.call('DEL', ARGV[7] .. v) end\n"
    "end\n"
    "redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[4]) - 1)\n"
    "redis.call('SET', KEYS[2], ARGV[1])\n"
    "if ARGV[3] ~= '' then\n"
    "  redis.call('LPUSH', KEYS[3], ARGV[3])\n"
    "  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)\n"
    "end\n"
    "redis.call('PUBLISH', ARGV[6], ARGV[1])\n"
    "return 1\n",

    /* SC_RULES_VERSIONS  KEYS: versions, live   ARGV: the record key prefix.
     * {live id or '', {record JSON, ...}} newest first (a listed id without its record,
     * which the commit never leaves, is skipped). */
    "local out = {}\n"
    "for _, v in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do\n"
    "  local j = redis.call('GET', ARGV[1] .. v)\n"
    "  if j then out[#out + 1] = j end\n"
    "end\n"
    "return {redis.call('GET', KEYS[2]) or '', out}\n",

    /* SC_RULES_LIVE  KEYS: live   ARGV: the record key prefix, '1' with the record.
     * false when none is live, else {id} or {id, record JSON or ''}. */
    "local v = redis.call('GET', KEYS[1])\n"
    "if not v then return false end\n"
    "if ARGV[2] ~= '1' then return {v} end\n"
    "return {v, redis.call('GET', ARGV[1] .. v) or ''}\n",

    /* SC_DRAFT_PUT  KEYS: ww:rules:draft:<id>, the index (zset id -> expiry ms)
     * ARGV: id, draft JSON, expiry ms of a new draft, now ms, '1' = create, drafts at most.
     * -1 too many drafts, 0 no such live draft (update), 1 stored. An update keeps the
     * expiry. SET first (maxmemory); expired index entries are dropped after. */
    "local exp\n"
    "if ARGV[5] == '1' then\n"
    "  if redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[4], '+inf') >= tonumber(ARGV[6]) then\n"
    "    return -1\n"
    "  end\n"
    "  exp = ARGV[3]\n"
    "else\n"
    "  exp = redis.call('ZSCORE', KEYS[2], ARGV[1])\n"
    "  if not exp or tonumber(exp) <= tonumber(ARGV[4]) then return 0 end\n"
    "end\n"
    "redis.call('SET', KEYS[1], ARGV[2])\n"
    "redis.call('PEXPIREAT', KEYS[1], exp)\n"
    "redis.call('ZADD', KEYS[2], exp, ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])\n"
    "return 1\n",

    /* SC_DRAFTS  KEYS: the index   ARGV: now ms, the draft key prefix. {draft JSON, ...}
     * newest first (by expiry: every draft lives as long), the expired left out. */
    "local out = {}\n"
    "for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. ARGV[1])) do\n"
    "  local j = redis.call('GET', ARGV[2] .. id)\n"
    "  if j then out[#out + 1] = j end\n"
    "end\n"
    "return out\n",

    /* SC_SHADOW  KEYS: ww:rules:shadow   ARGV: the shadow run JSON ('' = none), the pub/sub
     * channel. Stored (or removed), then announced with the message "shadow". SET first
     * (maxmemory). */
    "if ARGV[1] == '' then redis.call('DEL', KEYS[1])\n"
    "else redis.call('SET', KEYS[1], ARGV[1]) end\n"
    "redis.call('PUBLISH', ARGV[2], 'shadow')\n"
    "return 1\n",
};

