#!/usr/bin/env bash
# Write floods as the red team ran them (issue 19), with the server's RSS (and Redis'
# used_memory) before and after: one keep-alive connection, as fast as answers come.
#
#   bench/flood.sh [--build DIR] [--redis] [--sessions N] [--codes N]
#
# Runs, each on a fresh server (--workers 2):
#   sessions-limits-off   N sessions x 16 KB with --session-rate 0 (the store's bound alone)
#   sessions-default      the same with the default flags (rate limit + bound)
#   codes-one-session     N handover codes for one session, --handover-rate 0
#   codes-spread          N/10 sessions with a code each, rate limits off
# With --redis the store is a fresh redis-server with maxmemory 256mb (noeviction).
# A build without the limits (an older wegwijzer) refuses the flags: give it --old.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build USE_REDIS=0 N=50000 NCODES=100000 OLD=0 WORKERS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift ;;
    --redis) USE_REDIS=1 ;;
    --sessions) N=$2; shift ;;
    --codes) NCODES=$2; shift ;;
    --old) OLD=1 ;;
    *) echo "usage: $0 [--build DIR] [--redis] [--sessions N] [--codes N] [--old]" >&2; exit 2 ;;
  esac
  shift
done
. bench/lib.sh
redis_mem() { [ "$USE_REDIS" = 1 ] && redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory:/ {printf "redis %.1f MiB", $2 / 1048576}' || true; }
echo "flood: $(date -u +%FT%TZ), $(nproc) cores, $BUILD, store $([ $USE_REDIS = 1 ] && echo 'redis (maxmemory 256mb)' || echo memory)"
run() {   # name, flood.py args..., -- server flags...
  local name=$1; shift
  local args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  if [ "$USE_REDIS" = 1 ]; then
    start_redis
    redis-cli -p "$RPORT" config set maxmemory 256mb >/dev/null
  fi
  [ "$OLD" = 1 ] && set --
  start_server -- "$@"
  local before after
  before=$(redis_mem)
  echo "$name: $(python3 bench/flood.py "${args[0]}" "$PORT" "$SPID" "${args[@]:1}") $before -> $(redis_mem)"
  kill "$SPID"; wait "$SPID" 2>/dev/null || true
}
run sessions-limits-off sessions "$N" 16384 string -- --session-rate 0
run sessions-default sessions "$N" 16384 string --
run codes-one-session codes "$NCODES" -- --handover-rate 0
run codes-spread spread $((NCODES / 10)) -- --handover-rate 0 --session-rate 0
