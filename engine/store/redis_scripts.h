/* Server-side scripts of the Redis store (private to redis.c). Each runs atomically in
 * Redis and touches keys of ONE hash slot only (Redis Cluster); see the key layout at
 * the top of redis.c. Loaded once per connection with SCRIPT LOAD, called with EVALSHA;
 * after a NOSCRIPT (script cache flushed, failover) the same call is retried with EVAL,
 * which caches the script again. */
#ifndef WW_REDIS_SCRIPTS_H
#define WW_REDIS_SCRIPTS_H

enum { SC_CREATE, SC_GET, SC_APPEND, SC_TOUCH, SC_CLAIM, SC_STATUS, SC_COUNT };

/* The session fields every session reply reads, in this order (HMGET); redis.c's META_*
 * indexes name the positions. */
#define META_FIELDS \
  " 'id', 'citizenRef', 'service', 'channel', 'createdAt', 'updatedAt', 'expiresAt', 'data'"

static const char *const script_src[SC_COUNT] = {
    /* SC_CREATE  KEYS: s, ev   ARGV: id, citizenRef, service, channel, now, expiresAt,
     * ttl, data JSON, now in epoch ms (czAt: the citizen index was just set). 0 if the id
     * is taken (never, with 128 random bits), else 1. */
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('DEL', KEYS[2])\n"
    "redis.call('HSET', KEYS[1], 'id', ARGV[1], 'citizenRef', ARGV[2], 'service', ARGV[3],\n"
    "  'channel', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[5], 'expiresAt', ARGV[6],\n"
    "  'data', ARGV[8], 'czAt', ARGV[9])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[7])\n"
    "return 1\n",

    /* SC_GET  KEYS: s, ev. false, or {meta (HMGET of META_FIELDS), events}. */
    "local meta = redis.call('HMGET', KEYS[1]," META_FIELDS ")\n"
    "if not meta[1] then return false end\n"
    "return {meta, redis.call('LRANGE', KEYS[2], 0, -1)}\n",

    /* SC_APPEND  KEYS: s, ev   ARGV: event (as stored in 'ev': packed or JSON), ttl, max
     * events, now, expiresAt, lean n (0 = all events after the append; n = the latest n
     * before it), once-token ('' = none: else the append happens once per token), fill
     * channel ('1': the event is JSON; set its channel to the session's), now in epoch
     * ms, the citizen index's slide interval in ms.
     * false when the session is unknown/expired, else {meta (HMGET of META_FIELDS, before
     * the update), events, count after the append or -1 when the once-token was seen
     * (nothing changed), touch: 1 when the caller must slide the citizen index (the
     * session has a citizenRef and czAt is older than the interval, or in the future:
     * another instance's clock; czAt is then set to now)}.
     * The reads are HMGET of the fields a reply uses (not HGETALL: no x:<nonce> fields)
     * and LRANGE of n strings: every element a script reads or returns costs Redis a Lua
     * string both ways. */
    "local meta = redis.call('HMGET', KEYS[1]," META_FIELDS ", 'czAt')\n"
    "if not meta[1] then return false end\n"
    "if ARGV[7] ~= '' and redis.call('HSETNX', KEYS[1], 'x:' .. ARGV[7], '1') == 0 then\n"
    "  return {meta, redis.call('LRANGE', KEYS[2], 0, -1), -1, 0}\n"
    "end\n"
    "local ev = ARGV[1]\n"
    "if ARGV[8] == '1' and meta[4] then\n"
    "  local t = cjson.decode(ev); t.channel = meta[4]; ev = cjson.encode(t)\n"
    "end\n"
    "local n = tonumber(ARGV[6])\n"
    "local before\n"
    "if n > 0 then before = redis.call('LRANGE', KEYS[2], -n, -1) end\n"
    "local count = redis.call('RPUSH', KEYS[2], ev)\n"
    "local max = tonumber(ARGV[3])\n"
    "if count > max then redis.call('LTRIM', KEYS[2], -max, -1); count = max end\n"
    "local touch = 0\n"
    "if meta[2] and meta[2] ~= '' then\n"
    "  local now, last = tonumber(ARGV[9]), tonumber(meta[9])\n"
    "  if not last or now < last or now - last >= tonumber(ARGV[10]) then touch = 1 end\n"
    "end\n"
    "if touch == 1 then\n"
    "  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[4], 'expiresAt', ARGV[5], 'czAt', ARGV[9])\n"
    "else\n"
    "  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[4], 'expiresAt', ARGV[5])\n"
    "end\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[2])\n"
    "if n > 0 then return {meta, before, count, touch} end\n"
    "return {meta, redis.call('LRANGE', KEYS[2], 0, -1), count, touch}\n",

    /* SC_TOUCH  KEYS: cz   ARGV: session id, ttl (the session's plus the margin). Slide
     * the citizen index with the session it still points to. */
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  return redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
    "end\n"
    "return 0\n",

    /* SC_CLAIM  KEYS: code, client's failure counter (same slot {hc})   ARGV: limit,
     * window s. {-1, ttl} rate limited; {0} no such code (a failure counted);
     * {1, "<sid> <nonce>"} claimed: the code is gone. GET + DEL rather than GETDEL
     * (Redis 6.2+): inside a script it is just as atomic. */
    "local n = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
    "if n >= tonumber(ARGV[1]) then return {-1, redis.call('TTL', KEYS[2])} end\n"
    "local v = redis.call('GET', KEYS[1])\n"
    "if not v then\n"
    "  if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end\n"
    "  return {0}\n"
    "end\n"
    "redis.call('DEL', KEYS[1])\n"
    "return {1, v}\n",

    /* SC_STATUS  KEYS: st   ARGV: channel id, status JSON, pub/sub channel. */
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "redis.call('PUBLISH', ARGV[3], ARGV[1])\n"
    "return 1\n",
};

#endif
