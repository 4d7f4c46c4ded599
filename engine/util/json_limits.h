/* Structural limits of untrusted JSON, checked after parsing and before anything else
 * looks at the value: nesting depth, total values, string (and key) bytes, and numbers
 * beyond +-2^53 (not exact in a double: I-JSON, RFC 7493) or not finite.
 *
 * The server checks every request body against its limits (ww_req_json); the decision
 * checks advice and route requests against tighter ones (engine/decision/request.c: what
 * reaches Lua, also for embedders). The advice path checks both in one walk
 * (ww_json_check_both). */
#ifndef WW_UTIL_JSON_LIMITS_H
#define WW_UTIL_JSON_LIMITS_H

#include <jansson.h>
#include <stddef.h>

#define WW_JSON_MAX_SAFE 9007199254740992.0   /* 2^53 */
#define WW_JSON_MAX_DEPTH 64                  /* hard cap of any ww_json_limits.depth */

typedef struct ww_json_limits {
  int depth;           /* the top-level value is depth 1 */
  size_t values;       /* every value counts: object members, array elements, the root */
  size_t string;       /* bytes of one string or object key */
} ww_json_limits;

/* 0 when 'j' (borrowed) is within 'lim'; else -1 with the dotted path of the first
 * offending value in 'name' ("body" for the top level; array elements as "needs[2]";
 * long member names cut) and the reason in 'reason'. */
int ww_json_check(const json_t *j, const ww_json_limits *lim, char *name, size_t namesz,
                  char *reason, size_t reasonsz);

/* The same for two sets of limits in one walk, 'inner' no looser than 'outer' in any
 * bound: 0 when 'j' is within both; 1 when it is within 'outer' but not 'inner' (name
 * and reason of the first value over 'inner', as ww_json_check(j, inner) gives them);
 * 2 when it is over 'outer' (as ww_json_check(j, outer) gives them). */
int ww_json_check_both(const json_t *j, const ww_json_limits *inner,
                       const ww_json_limits *outer, char *name, size_t namesz, char *reason,
                       size_t reasonsz);

#endif
