#!/usr/bin/env bash
# HTTP load benchmark with wrk (Debian): /v1/advice anonymous, low-skills, with a session
# (embedded store, or Redis with --redis), and /v1/route with a session at one connection.
# Bounded runs; prints one line per run with req/s, p50 and p99.
#
#   bench/http.sh [--redis] [--workers N] [--duration S] [--connections C] [--build DIR] [--pin]
#
# --pin: the server (all its workers) on CPU 0, wrk on CPU 1 (taskset), Redis unpinned:
# on a 2-core machine the load generator needs a core of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=5 CONNS=32 WORKERS=2 USE_REDIS=0 BUILD=build PIN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --redis) USE_REDIS=1 ;;
    --workers) WORKERS=$2; shift ;;
    --duration) DUR=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --pin) PIN=1 ;;
    *) echo "usage: $0 [--redis] [--workers N] [--duration S] [--connections C] [--build DIR] [--pin]" >&2; exit 2 ;;
  esac
  shift
done
sh scripts/setup.sh --bench
[ -x "$BUILD/wegwijzer" ] || { meson setup "$BUILD" >/dev/null; }
ninja -C "$BUILD" >/dev/null
SRV_PIN=() WRK_PIN=()
if [ "$PIN" = 1 ]; then SRV_PIN=(taskset -c 0) WRK_PIN=(taskset -c 1); fi

. bench/lib.sh
[ "$USE_REDIS" = 1 ] && start_redis
start_server ${SRV_PIN[@]+"${SRV_PIN[@]}"}
SID=$(curl -sf "$BASE/v1/sessions" -H 'Content-Type: application/json' \
  -d '{"service":"verhuizing","channel":"website"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["id"])')
cat > "$TMP/anon.json" <<JSON
{"service":"verhuizing","context":{"origin":"web","device":"desktop","time":"2026-12-01T10:15:00+01:00"}}
JSON
cat > "$TMP/lowskills.json" <<JSON
{"service":"verhuizing","citizen":{"id":"999993653","authLevel":"midden","digitalSkills":"low","language":"nld","needs":["visual"],"age":81},"context":{"origin":"web","device":"mobile","time":"2026-12-01T10:15:00+01:00","intent":"adreswijziging"}}
JSON
cat > "$TMP/session.json" <<JSON
{"service":"verhuizing","sessionId":"$SID","citizen":{"authLevel":"midden","digitalSkills":"medium"},"context":{"origin":"web","device":"mobile","time":"2026-12-01T10:15:00+01:00"}}
JSON
cat > "$TMP/route.json" <<JSON
{"service":"verhuizing","sessionId":"$SID","context":{"time":"2026-12-01T10:15:00+01:00"}}
JSON
LUA=bench/post.lua
echo "wegwijzer $("$BUILD/wegwijzer" version | awk '{print $2}') ($BUILD), workers $WORKERS, pinned $([ $PIN = 1 ] && echo 'server cpu0, wrk cpu1' || echo no), store $([ $USE_REDIS = 1 ] && echo redis || echo memory), $(date -u +%FT%TZ), $(nproc) cores"
run() { # name path body conns
  local out
  out=$(${WRK_PIN[@]+"${WRK_PIN[@]}"} wrk -t1 -c"$4" -d"${DUR}s" --latency -s "$LUA" "$BASE$2" -- "$3" 2>&1 | grep WRKRESULT)
  echo "$1 c=$4 $out" | sed 's/WRKRESULT //'
}
run advice-anon /v1/advice "$TMP/anon.json" "$CONNS"
run advice-lowskills /v1/advice "$TMP/lowskills.json" "$CONNS"
run advice-session /v1/advice "$TMP/session.json" "$CONNS"
run route-session-c1 /v1/route "$TMP/route.json" 1
