#!/usr/bin/env bash
# C10k check: 10,000 idle keep-alive connections held at once (each used once for GET
# /healthz), while wrk runs /v1/advice at 8 connections. Pass: the server's RSS < 100 MiB
# during the load, and p99 < 5 ms. Not in CI (needs ulimit -n > 10k).
#
#   bench/c10k.sh [--build DIR] [--workers N] [--idle N] [--duration S]
#
# --max-connections is per worker: with W workers, SO_REUSEPORT spreads the idle
# connections over them, so each gets its own limit (set to IDLE + 1000 here).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=build WORKERS=2 IDLE=10000 DUR=5
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    --idle) IDLE=$2; shift ;;
    --duration) DUR=$2; shift ;;
    *) echo "usage: $0 [--build DIR] [--workers N] [--idle N] [--duration S]" >&2; exit 2 ;;
  esac
  shift
done
WANT=$((IDLE + 4096)); HARD=$(ulimit -Hn); [ "$HARD" = unlimited ] || [ "$HARD" -ge "$WANT" ] || WANT=$HARD
ulimit -n "$WANT" && [ "$WANT" -gt "$IDLE" ] || { echo "c10k: cannot raise ulimit -n (run as root or raise the hard limit)" >&2; exit 2; }
. bench/lib.sh
cc -O2 -o "$TMP/c10k_client" bench/c10k_client.c
start_server -- --max-connections $((IDLE + 1000))
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SPID/status"; }
echo "c10k: $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), build $BUILD, --workers $WORKERS, idle $IDLE"
echo "RSS at start: $(rss) MiB"
mkfifo "$TMP/hold"
"$TMP/c10k_client" 127.0.0.1 "$PORT" "$IDLE" 600 <"$TMP/hold" >"$TMP/client.out" 2>&1 &
CPID=$!
PIDS+=($CPID)
exec 9>"$TMP/hold"          # keeps the client holding until we close fd 9
for _ in $(seq 1200); do grep -q '^held' "$TMP/client.out" 2>/dev/null && break
  kill -0 $CPID 2>/dev/null || { cat "$TMP/client.out"; exit 1; }; sleep 0.1; done
cat "$TMP/client.out"
EST=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
echo "established to the server: $EST; RSS with them idle: $(rss) MiB"
cat > "$TMP/anon.json" <<JSON
{"service":"verhuizing","context":{"origin":"web","device":"desktop","time":"2026-12-01T10:15:00+01:00"}}
JSON
( sleep $((DUR / 2)); echo "RSS during load: $(rss) MiB; established: $(ss -Htn state established "( sport = :$PORT )" | wc -l)" ) &
LINE=$(wrk -t1 -c8 -d"${DUR}s" --latency -s bench/post.lua "http://127.0.0.1:$PORT/v1/advice" -- "$TMP/anon.json" 2>&1 | grep WRKRESULT)
wait $! 2>/dev/null || true
PEAK=$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$SPID/status")
echo "active load (wrk -t1 -c8 /v1/advice): ${LINE#WRKRESULT }"
echo "RSS peak (VmHWM): $PEAK MiB"
exec 9>&-
wait $CPID || true
cat "$TMP/client.out" | tail -1
P99=$(echo "$LINE" | sed 's/.*p99_us=\([0-9]*\).*/\1/')
awk -v p="$PEAK" -v q="$P99" -v e="$EST" -v n="$IDLE" 'BEGIN {
  ok = (p < 100 && q < 5000 && e >= n)
  printf "c10k %s: %d/%d idle held, RSS peak %.1f MiB (< 100), p99 %.2f ms (< 5)\n", ok ? "PASS" : "FAIL", e, n, p, q / 1000
  exit ok ? 0 : 1 }'
