# Shared by the bench scripts (sourced): a scratch dir and the processes to stop on exit,
# free loopback ports, an optional Redis, and starting the server under test.
#   after sourcing: $TMP, PIDS+=(pid), free_port, median N..., start_redis (sets STORE_ARGS),
#   start_server CMD... (prefix, e.g. taskset; sets PORT, BASE, SPID; waits for /healthz)
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

STORE_ARGS=()
start_redis() {
  RPORT=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no >"$TMP/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
  STORE_ARGS=(--redis "redis://127.0.0.1:$RPORT")
}

# start_server [PREFIX...] -- [EXTRA FLAGS...]: $BUILD/wegwijzer serve with the bundled
# rules, $WORKERS workers and $STORE_ARGS.
start_server() {
  local pre=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do pre+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  PORT=$(free_port)
  ${pre[@]+"${pre[@]}"} "$BUILD/wegwijzer" serve --listen "127.0.0.1:$PORT" --rules rules \
    --workers "$WORKERS" --log-level warn ${STORE_ARGS[@]+"${STORE_ARGS[@]}"} "$@" \
    >"$TMP/server.log" 2>&1 &
  SPID=$!
  PIDS+=($SPID)
  BASE="http://127.0.0.1:$PORT"
  for _ in $(seq 200); do curl -sf "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
}

# median N...: the median of the numbers (the mean of the middle two for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
