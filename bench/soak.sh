#!/usr/bin/env bash
# Soak: mixed traffic (advice anonymous, low-skills, with a session, route with a session)
# for a bounded time, the server's RSS every 30 s. Pass: RSS at the end within 10 % (and
# 8 MiB) of the RSS after the first minute. Not in CI.
#
#   bench/soak.sh [--build DIR] [--workers N] [--minutes M] [--redis]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=build WORKERS=2 MIN=10 USE_REDIS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    --minutes) MIN=$2; shift ;;
    --redis) USE_REDIS=1 ;;
    *) echo "usage: $0 [--build DIR] [--workers N] [--minutes M] [--redis]" >&2; exit 2 ;;
  esac
  shift
done
. bench/lib.sh
[ "$USE_REDIS" = 1 ] && start_redis
start_server
SID=$(curl -sf "$BASE/v1/sessions" -H 'Content-Type: application/json' \
  -d '{"service":"verhuizing","channel":"website"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["id"])')
printf '%s\n' '{"service":"verhuizing","context":{"origin":"web"}}' >"$TMP/anon.json"
printf '%s\n' '{"service":"paspoort","citizen":{"id":"999993653","digitalSkills":"low","needs":["visual"],"age":81},"context":{"origin":"web","device":"mobile"}}' >"$TMP/low.json"
printf '{"service":"verhuizing","sessionId":"%s","citizen":{"authLevel":"midden"}}\n' "$SID" >"$TMP/sess.json"
printf '{"service":"verhuizing","sessionId":"%s"}\n' "$SID" >"$TMP/route.json"
SECS=$((MIN * 60))
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SPID/status"; }
echo "soak: $(date -u +%FT%TZ), $(nproc) cores, build $BUILD, --workers $WORKERS, $MIN min, store $([ $USE_REDIS = 1 ] && echo redis || echo memory)"
for b in anon:advice low:advice sess:advice route:route; do
  wrk -t1 -c4 -d"${SECS}s" --latency -s bench/post.lua "$BASE/v1/${b#*:}" -- "$TMP/${b%%:*}.json" \
    >"$TMP/wrk-${b%%:*}.txt" 2>&1 &
  PIDS+=($!)
done
FIRST= LAST=
for ((t = 0; t <= SECS; t += 30)); do
  R=$(rss)
  echo "t=${t}s RSS ${R} MiB"
  [ $t -eq 60 ] && FIRST=$R
  LAST=$R
  [ $t -lt $SECS ] && sleep 30
done
sleep 2
for f in "$TMP"/wrk-*.txt; do echo "$(basename "$f" .txt): $(grep WRKRESULT "$f" | sed 's/WRKRESULT //')"; done
FIRST=${FIRST:-$LAST}
awk -v a="$FIRST" -v b="$LAST" 'BEGIN { ok = (b - a <= 8 || b <= a * 1.10)
  printf "soak %s: RSS after 1 min %.1f MiB, at the end %.1f MiB\n", ok ? "PASS" : "FAIL", a, b; exit ok ? 0 : 1 }'
