#!/bin/sh
# Build the libFuzzer targets (clang, ASan + UBSan) in build-fuzz and run each one for a
# bounded time on a copy of its seed corpus (tests/fuzz/corpus/<target>/), so runs add no
# files to the repository. Fails on any crash, leak, timeout or out-of-memory.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default 60 s, every target
# A finding leaves its input as build-fuzz/fuzz-findings/<target>/crash-* (or leak-,
# timeout-, oom-); reproduce with build-fuzz/tests/fuzz/fuzz_<target> FILE.
set -eu

cd "$(dirname "$0")/.."
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"http request rules redis"}
build=${WW_FUZZ_BUILD:-build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzz=true -Dtests=true -Dbench=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
fi
exes=""
for t in $targets; do exes="$exes tests/fuzz/fuzz_$t"; done
# shellcheck disable=SC2086
ninja -C "$build" $exes

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
work=$(mktemp -d "${TMPDIR:-/tmp}/ww-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=""
for t in $targets; do
  mkdir -p "$work/$t" "$build/fuzz-findings/$t"
  cp tests/fuzz/corpus/"$t"/* "$work/$t"/
  echo "fuzz: $t for ${secs}s" >&2
  if ! "$build/tests/fuzz/fuzz_$t" "$work/$t" -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-findings/$t/" >"$work/$t.log" 2>&1; then
    tail -n 60 "$work/$t.log" >&2
    failed="$failed $t"
  else
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$t.log" |
      sed "s/^/fuzz: $t: /" >&2 || true
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: FAILED:$failed (inputs in $build/fuzz-findings/)" >&2
  exit 1
fi
echo "fuzz: all targets clean" >&2
