#!/usr/bin/env bash
# Side-by-side run of the yardsticks (../shared/peers/run.sh --quick) with wegwijzer as a
# target, then the ratios wegwijzer / openresty per body (from that ONE run).
#
#   bench/compare.sh [--build DIR] [--workers N] [--port P] [--peers DIR] [run.sh options ...]
#
# Run from anywhere; it works in the project root. The peers live beside the clone
# (../shared/peers, as in CI; --peers DIR: another copy). Needs a built DIR/wegwijzer
# (default build/).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS="$ROOT/../shared/peers/run.sh"
BUILD=build WORKERS=2 PORT=
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    --port) PORT=$2; shift ;;
    --peers) PEERS=$(cd "$2" && pwd)/run.sh; shift ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done
[ -x "$PEERS" ] || { echo "compare.sh: $PEERS not found (the peers belong beside the clone)" >&2; exit 2; }
cd "$ROOT"
[ -x "$BUILD/wegwijzer" ] || { echo "compare.sh: build $BUILD/wegwijzer first" >&2; exit 2; }
if [ -z "$PORT" ]; then
  PORT=$(. bench/lib.sh; free_port)
fi
OUT=$(mktemp -d "${TMPDIR:-/tmp}/wegwijzer-compare.XXXXXX")
echo "compare.sh: $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), build $BUILD ($(meson introspect "$BUILD" --buildoptions 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))' 2>/dev/null || echo '?')), --workers $WORKERS"
"$PEERS" --quick --out "$OUT" \
  --target "wegwijzer=$BUILD/wegwijzer serve --listen 127.0.0.1:{PORT} --redis {REDIS_URL} --rules rules --log-level warn --workers $WORKERS" \
  --port "$PORT" "${ARGS[@]}"
echo
echo "== wegwijzer / openresty (req/s, this run; target: >= 1.50 for anon, lowskills, session)"
awk 'NR > 1 && $1 == "wegwijzer" {
       printf "  %-10s c=%-3s %9s req/s  p99 %s ms  srv %s us/r  x openresty %s  x limit %s  errors %s\n",
              $2, $3, $4, $6, $7, $11, $10, $12 }' "$OUT/summary.txt"
echo "full output: $OUT/summary.txt"
