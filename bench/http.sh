#!/usr/bin/env bash
# HTTP load benchmark with wrk (Debian): /v1/advice anonymous, low-skills, with a session
# (embedded store, or Redis with --redis), /v1/route with a session at one connection, and
# a varied corpus (bench/http_corpus.py: every service x 10 profiles x 16 moments, 5,120
# distinct bodies for the bundled rules, a quarter with a session, one profile in ten with
# the citizen.id whose latest session is the session runs'; bench/corpus.lua posts them in
# turn). Bounded runs; prints one line per run with req/s, p50, p99 and the hit
# rate of the decision cache.
#
#   bench/http.sh [--redis] [--workers N] [--duration S] [--connections C] [--build DIR]
#                 [--pin] [--only NAMES] [--repeat N] [--serve-args "FLAGS"]
#
# --pin: the server (all its workers) on CPU 0, wrk on CPU 1 (taskset), Redis unpinned:
# on a 2-core machine the load generator needs a core of its own.
# --only: a comma list of runs: anon, lowskills, session, route, varied (default: all).
# --repeat N: each run N times, then the median req/s per run.
# --serve-args: more flags for `wegwijzer serve`, e.g. "--decision-cache 4096".
# hit=: from /metrics before and after the run, when the server exposes the counters
# wegwijzer_decision_cache_hits_total and wegwijzer_decision_cache_misses_total
# (hits / (hits + misses) over the run, summed over their labels); else n/a.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=5 CONNS=32 WORKERS=2 USE_REDIS=0 BUILD=build PIN=0 ONLY=anon,lowskills,session,route,varied
REPEAT=1 SERVE_ARGS=
while [ $# -gt 0 ]; do
  case "$1" in
    --redis) USE_REDIS=1 ;;
    --workers) WORKERS=$2; shift ;;
    --duration) DUR=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --pin) PIN=1 ;;
    --only) ONLY=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --serve-args) SERVE_ARGS=$2; shift ;;
    *) echo "usage: $0 [--redis] [--workers N] [--duration S] [--connections C] [--build DIR] [--pin] [--only NAMES] [--repeat N] [--serve-args \"FLAGS\"]" >&2; exit 2 ;;
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
read -r -a EXTRA <<<"$SERVE_ARGS"
start_server ${SRV_PIN[@]+"${SRV_PIN[@]}"} -- ${EXTRA[@]+"${EXTRA[@]}"}
curl -sf "$BASE/healthz" >/dev/null || { echo "http.sh: the server did not start:" >&2; cat "$TMP/server.log" >&2; exit 1; }
# The session of the session and route runs; the low-skills body's citizen.id finds it
# too (the citizen's latest session), as in ../shared/peers.
SID=$(curl -sf "$BASE/v1/sessions" -H 'Content-Type: application/json' \
  -d '{"service":"verhuizing","channel":"website","citizen":{"id":"999993653"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["id"])')
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
# the varied corpus: a session per service, then the bodies
if [[ ",$ONLY," == *,varied,* ]]; then
  for svc in $(sed -n 's/^service "\([a-z0-9_]*\)".*/\1/p' rules/services.lua); do
    sid=$(curl -sf "$BASE/v1/sessions" -H 'Content-Type: application/json' \
      -d "{\"service\":\"$svc\",\"channel\":\"website\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["id"])')
    echo "$svc $sid"
  done >"$TMP/sessions.txt"
  python3 bench/http_corpus.py --rules rules --sessions "$TMP/sessions.txt" >"$TMP/corpus.txt" 2>"$TMP/corpus.log"
fi
echo "wegwijzer $("$BUILD/wegwijzer" version | awk '{print $2}') ($BUILD), workers $WORKERS, pinned $([ $PIN = 1 ] && echo 'server cpu0, wrk cpu1' || echo no), store $([ $USE_REDIS = 1 ] && echo redis || echo memory), serve args '${SERVE_ARGS}', $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$TMP/corpus.log" ] && cat "$TMP/corpus.log"

# "hits misses" of the decision cache from /metrics; nothing when it has no such counters
cache_counts() {
  curl -sf "$BASE/metrics" | awk '
    /^wegwijzer_decision_cache_hits_total[{ ]/ { h += $NF; seen = 1 }
    /^wegwijzer_decision_cache_misses_total[{ ]/ { m += $NF; seen = 1 }
    END { if (seen) printf "%.0f %.0f\n", h, m }'
}
hit_rate() {   # hit_rate "BEFORE" "AFTER"
  [ -n "$1" ] && [ -n "$2" ] || { echo n/a; return; }
  awk -v b="$1" -v a="$2" 'BEGIN { split(b, x, " "); split(a, y, " "); h = y[1] - x[1]; m = y[2] - x[2]
    if (h + m > 0) printf "%.1f%%\n", 100 * h / (h + m); else print "n/a" }'
}
declare -A RPS
run() { # key (for --only) name path body conns [wrk script]
  local out before after
  [[ ",$ONLY," == *,$1,* ]] || return 0
  shift
  for _ in $(seq "$REPEAT"); do
    before=$(cache_counts || true)
    out=$(${WRK_PIN[@]+"${WRK_PIN[@]}"} wrk -t1 -c"$4" -d"${DUR}s" --latency -s "${5:-bench/post.lua}" "$BASE$2" -- "$3" 2>&1 | grep WRKRESULT)
    after=$(cache_counts || true)
    echo "$1 c=$4 $out hit=$(hit_rate "$before" "$after")" | sed 's/WRKRESULT //'
    RPS[$1]="${RPS[$1]:-} $(echo "$out" | sed -n 's/.*rps=\([0-9.]*\).*/\1/p')"
  done
}
run anon advice-anon /v1/advice "$TMP/anon.json" "$CONNS"
run lowskills advice-lowskills /v1/advice "$TMP/lowskills.json" "$CONNS"
run session advice-session /v1/advice "$TMP/session.json" "$CONNS"
run route route-session-c1 /v1/route "$TMP/route.json" 1
run varied advice-varied /v1/advice "$TMP/corpus.txt" "$CONNS" bench/corpus.lua
if [ "$REPEAT" -gt 1 ]; then
  for name in advice-anon advice-lowskills advice-session route-session-c1 advice-varied; do
    [ -n "${RPS[$name]:-}" ] || continue
    echo "median of $REPEAT: $name rps=$(median ${RPS[$name]}) (runs:${RPS[$name]})"
  done
fi
