#!/usr/bin/env bash
# docs/openapi.json passes the NL API Design Rules linter (SPEC 3, issue 5) with 0 errors.
#
# The ruleset is vendored in tests/openapi/adr/linter.yaml (CC BY 4.0, see its README;
# override: WW_ADR_LINTER). Spectral comes from the npm registry, installed
# once into a cache dir and reused (override the binary with WW_SPECTRAL). Needs node + npm
# (Debian: nodejs npm).
set -euo pipefail

src=${WW_SOURCE_ROOT:?WW_SOURCE_ROOT not set (run through meson test)}
doc=$src/docs/openapi.json
ruleset=${WW_ADR_LINTER:-$src/tests/openapi/adr/linter.yaml}
# Pinned: a newer Spectral may judge the same document differently.
version=${WW_SPECTRAL_VERSION:-6.16.3}

[ -f "$ruleset" ] || { echo "FAIL: ADR ruleset not found at $ruleset"; exit 1; }
[ -f "$doc" ] || { echo "FAIL: $doc missing"; exit 1; }

spectral=${WW_SPECTRAL:-}
if [ -z "$spectral" ]; then
  for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "FAIL: '$tool' not found; install the Debian packages nodejs and npm"; exit 1; }
  done
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/wegwijzer/spectral-cli-$version
  if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
    cache=${WW_BUILD_ROOT:?}/spectral-cli-$version
    mkdir -p "$cache"
  fi
  spectral=$cache/node_modules/.bin/spectral
  if [ ! -x "$spectral" ]; then
    # Two build dirs testing at once share the cache: install under a lock.
    exec 9>"$cache/.lock"
    flock 9
    if [ ! -x "$spectral" ]; then
      echo "installing @stoplight/spectral-cli@$version into $cache"
      # --ignore-scripts: Spectral needs no install scripts (one dependency's is telemetry).
      npm install --prefix "$cache" --no-audit --no-fund --no-update-notifier --no-save --ignore-scripts \
        --loglevel=error "@stoplight/spectral-cli@$version"
    fi
    flock -u 9
  fi
fi

echo "$("$spectral" --version 2>/dev/null | head -n1) lint -r $ruleset $doc"
# Exit status is non-zero when there is any error; warnings are printed, not fatal.
out=$("$spectral" lint --fail-severity=error -r "$ruleset" "$doc" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the ADR linter reports errors (exit $rc)"
  exit 1
fi
# Belt and braces: Spectral prints "N errors" in its summary.
if printf '%s\n' "$out" | grep -Eq '\([1-9][0-9]* errors?,'; then
  echo "FAIL: errors in the summary"
  exit 1
fi
echo "PASS: 0 errors"
