#!/usr/bin/env bash
# How the engine scales with the size of the rule set (issue 16, target 5): rule sets of
# 40, 400 and 4,000 rules over 30, 300 and 1,000 services, written by bench/gen_rules.py
# (a fixed seed: the same files every run). For each size:
#   check, test   wall time of `wegwijzer check DIR` and `wegwijzer test DIR` (median of
#                 --runs); target: together < 5 s for the largest set
#   ns/decision   decision core, text path, on a corpus of 900 requests over that rule set
#                 (bench_decide --text --corpus 900): the median of --runs runs, each the
#                 median of its 256-decision batches
#   Ir/decision   instructions per decision (callgrind, the timed loop only, 900
#                 decisions; the same on every run and machine load); needs valgrind
#   first ms      the first decision after the load (bench_decide times it apart)
#   failures      decisions that ran into the 5 ms time limit (fallback advice) in the
#                 timed loops of all runs
# then the growth from the smallest to the largest set (target: at most 3x).
#
#   bench/scale.sh [--build DIR] [--runs N] [--seconds S] [--sizes "RULES:SERVICES ..."]
#                  [--seed X] [--no-callgrind] [--keep DIR]
#
# --keep DIR writes the rule sets to DIR/rules-RULES (to profile or eval them later).
# Exits non-zero when a generated rule set does not load or its tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build RUNS=3 SECONDS_=2 SIZES="40:30 400:300 4000:1000" SEED=16 CALLGRIND=1 KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --seconds) SECONDS_=$2; shift ;;
    --sizes) SIZES=$2; shift ;;
    --seed) SEED=$2; shift ;;
    --no-callgrind) CALLGRIND=0 ;;
    --keep) KEEP=$2; shift ;;
    *) echo "usage: $0 [--build DIR] [--runs N] [--seconds S] [--sizes \"RULES:SERVICES ...\"] [--seed X] [--no-callgrind] [--keep DIR]" >&2; exit 2 ;;
  esac
  shift
done
WW=$BUILD/wegwijzer BENCH=$BUILD/bench/bench_decide
[ -x "$WW" ] && [ -x "$BENCH" ] || { echo "scale.sh: build $WW and $BENCH first (ninja -C $BUILD)" >&2; exit 2; }
if [ "$CALLGRIND" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
  echo "scale.sh: no valgrind: Ir/decision left out (scripts/setup.sh --bench installs it)"
  CALLGRIND=0
fi
. bench/lib.sh
OUT=${KEEP:-$TMP}
mkdir -p "$OUT"
CORPUS=900

ms_of() {   # ms_of CMD...: wall time of CMD in ms; fails when CMD fails
  local t0 t1
  t0=$(date +%s%N)
  "$@" >"$TMP/last.out" 2>&1 || { cat "$TMP/last.out" >&2; return 1; }
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}

echo "scale.sh: $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), build $BUILD ($(meson introspect "$BUILD" --buildoptions 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))' 2>/dev/null || echo '?')), runs $RUNS, seed $SEED; limits on (defaults)"
declare -A NS IR ROW_CT
FIRST= LAST=
for size in $SIZES; do
  nr=${size%%:*} ns=${size##*:}
  dir=$OUT/rules-$nr
  rm -rf "$dir"
  /usr/bin/python3 bench/gen_rules.py --rules "$nr" --services "$ns" --seed "$SEED" "$dir" | sed 's/^/  /'
  checks=() tests=() nss=() fails=0
  for _ in $(seq "$RUNS"); do
    checks+=("$(ms_of "$WW" check "$dir")")
    tests+=("$(ms_of "$WW" test "$dir")")
  done
  tail -1 "$TMP/last.out" | sed 's/^/  wegwijzer test: /'
  for _ in $(seq "$RUNS"); do
    "$BENCH" "$dir" "$SECONDS_" --text --corpus "$CORPUS" >"$TMP/bench.out" 2>"$TMP/bench.err" ||
      { cat "$TMP/bench.out" "$TMP/bench.err" >&2; exit 1; }
    nss+=("$(awk '$1 == "text" {for (i = 1; i < NF; i++) if ($i == "median") print $(i + 1)}' "$TMP/bench.out")")
    fails=$((fails + $(awk '$1 == "failures" {print $2}' "$TMP/bench.out")))
  done
  first=$(sed -n 's/.*first decision after the load \([0-9.]*\) ms\(.*\)$/\1 ms\2/p' "$TMP/bench.out")
  ir=-
  if [ "$CALLGRIND" = 1 ]; then
    valgrind --tool=callgrind --toggle-collect='run_loop*' --callgrind-out-file="$TMP/cg.$nr" \
      "$BENCH" "$dir" 0 "$CORPUS" --text --corpus "$CORPUS" --timeout 600000 >/dev/null 2>"$TMP/cg.err" ||
      { cat "$TMP/cg.err" >&2; exit 1; }
    ir=$(awk -v n="$CORPUS" '/^totals:/ {printf "%.0f", $2 / n}' "$TMP/cg.$nr")
  fi
  c=$(median "${checks[@]}") t=$(median "${tests[@]}") m=$(median "${nss[@]}")
  NS[$nr]=$m IR[$nr]=$ir
  [ -z "$FIRST" ] && FIRST=$nr
  LAST=$nr
  printf '  %-5s rules %-5s services: check %5s ms  test %5s ms  (check+test %5s ms)  text %6s ns/decision  %7s Ir/decision  failures %s  first decision %s\n' \
    "$nr" "$ns" "$c" "$t" "$((c + t))" "$m" "$ir" "$fails" "$first"
  echo "    runs: check ${checks[*]} ms; test ${tests[*]} ms; ns/decision ${nss[*]}"
  ROW_CT[$nr]=$((c + t))
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else print "-" }'; }
g_ns=$(ratio "${NS[$FIRST]}" "${NS[$LAST]}") g_ir=$(ratio "${IR[$FIRST]}" "${IR[$LAST]}")
verdict() { awk -v g="$1" 'BEGIN { if (g == "-") print "n/a"; else if (g <= 3) print "met"; else printf "missed by %.2fx\n", g / 3 }'; }
echo "growth $FIRST -> $LAST rules: ns/decision x$g_ns ($(verdict "$g_ns")), Ir/decision x$g_ir ($(verdict "$g_ir")); target <= 3x"
echo "check+test for $LAST rules: ${ROW_CT[$LAST]} ms ($([ "${ROW_CT[$LAST]}" -lt 5000 ] && echo met || echo missed); target < 5000 ms)"
