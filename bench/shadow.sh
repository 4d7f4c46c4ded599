#!/usr/bin/env bash
# Shadow evaluation under load (issue 14 §5): /v1/advice with wrk, a shadow run off and on
# in turns (off, on, off, on), with a candidate that moves verhuizing (every verhuizing
# decision differs; paspoort stays the same). Checks that the answers with the run on are
# the answers without it (less adviceId) and prints one line per run with req/s, p50 and
# p99, then the run's counts.
#
#   bench/shadow.sh [--redis] [--workers N] [--duration S] [--connections C] [--build DIR]
#                   [--sample SHARE]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=5 CONNS=32 WORKERS=2 USE_REDIS=0 BUILD=build SAMPLE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --redis) USE_REDIS=1 ;;
    --workers) WORKERS=$2; shift ;;
    --duration) DUR=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --sample) SAMPLE=$2; shift ;;
    *) echo "usage: $0 [--redis] [--workers N] [--duration S] [--connections C] [--build DIR] [--sample SHARE]" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$BUILD/wegwijzer" ] || { meson setup "$BUILD" >/dev/null; }
ninja -C "$BUILD" >/dev/null

. bench/lib.sh
[ "$USE_REDIS" = 1 ] && start_redis
# starting a run needs an admin token; wrk sends it too (the same check on every run)
export BENCH_TOKEN=bench-shadow-admin-token-6d2a
printf 'admin bench %s\n' "$(printf %s "$BENCH_TOKEN" | sha256sum | cut -d' ' -f1)" >"$TMP/tokens"
chmod 600 "$TMP/tokens"
AUTH=(-H "Authorization: Bearer $BENCH_TOKEN")
start_server -- --max-body 4000000 --shadow-sample "$SAMPLE" --tokens "$TMP/tokens"

# the draft: the bundled rules plus one rule that sends a move by post
python3 - "$TMP/draft.json" <<'PY'
import json, os, sys
files = {}
for sub in ("", "steering", "tests"):
    d = os.path.join("rules", sub)
    for n in sorted(os.listdir(d)):
        if n.endswith(".lua"):
            files[os.path.join(sub, n) if sub else n] = open(os.path.join(d, n)).read()
files["steering/zz_schaduw.lua"] = ('rule "verhuizing per post" {\n'
    '  when = function(r) return r.service.id == "verhuizing" end,\n'
    '  advise = function(r, a) a:prefer("post", 1000, "Per post.") end,\n}\n')
json.dump({"files": files}, open(sys.argv[1], "w"))
PY
DRAFT=$(curl -sf "$BASE/v1/rules/drafts" "${AUTH[@]}" -H 'Content-Type: application/json' -d @"$TMP/draft.json" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

cat > "$TMP/verhuizing.json" <<JSON
{"service":"verhuizing","citizen":{"id":"999993653","authLevel":"midden","digitalSkills":"low","language":"nld","needs":["visual"],"age":81},"context":{"origin":"web","device":"mobile","time":"2026-12-01T10:15:00+01:00"}}
JSON
cat > "$TMP/paspoort.json" <<JSON
{"service":"paspoort","citizen":{"authLevel":"midden","digitalSkills":"medium"},"context":{"origin":"web","device":"desktop","time":"2026-12-01T10:15:00+01:00"}}
JSON

answer() { # body -> the answer less adviceId
  curl -sf "$BASE/v1/advice" "${AUTH[@]}" -H 'Content-Type: application/json' -d @"$1" |
    python3 -c 'import json,sys; a=json.load(sys.stdin); a.pop("adviceId",None); print(json.dumps(a,sort_keys=True))'
}
shadow() { # on|off
  if [ "$1" = on ]; then
    curl -sf -X POST "$BASE/v1/rules/shadow" "${AUTH[@]}" -H 'Content-Type: application/json' \
      -d "{\"draft\":\"$DRAFT\"}" >/dev/null
  else
    curl -sf -X DELETE "$BASE/v1/rules/shadow" "${AUTH[@]}" >"$TMP/last.json"
  fi
}
run() { # label body
  local out
  out=$(wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s bench/post.lua "$BASE/v1/advice" -- "$2" 2>&1 | grep WRKRESULT)
  echo "$1 c=$CONNS $out" | sed 's/WRKRESULT //'
}

echo "wegwijzer $("$BUILD/wegwijzer" version | awk '{print $2}') ($BUILD), workers $WORKERS, store $([ $USE_REDIS = 1 ] && echo redis || echo memory), sample $SAMPLE, $(date -u +%FT%TZ), $(nproc) cores, load avg $(cut -d' ' -f1-3 /proc/loadavg)"
for body in verhuizing paspoort; do
  off=$(answer "$TMP/$body.json")
  shadow on
  on=$(answer "$TMP/$body.json")
  shadow off
  [ "$off" = "$on" ] && echo "$body: answers identical with the run on" ||
    { echo "$body: ANSWERS DIFFER with the run on" >&2; exit 1; }
  for turn in 1 2; do
    run "$body shadow=off" "$TMP/$body.json"
    shadow on
    run "$body shadow=on " "$TMP/$body.json"
    shadow off
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counts"]; print("  counts of the run:", c)' "$TMP/last.json"
  done
done
