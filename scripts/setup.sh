#!/bin/sh
# Install the Debian packages wegwijzer needs to build, test and benchmark.
# Quick no-op when they are all there. Used by `make run`, `make test` and .ci/run.
#   scripts/setup.sh            build + test packages
#   scripts/setup.sh --bench    also the benchmark tools
#   scripts/setup.sh --ci       also clang/libFuzzer and valgrind (.ci/run)
set -eu

PACKAGES="meson ninja-build pkg-config gcc libc6-dev \
  libuv1-dev liblua5.4-dev libjansson-dev libhiredis-dev libcriterion-dev \
  libhttp-parser-dev libssl-dev \
  redis-server redis-tools redis-sentinel curl python3 python3-prometheus-client chromium \
  libjs-codemirror"
# CI extras: libFuzzer (clang's runtime) and valgrind.
[ "${1:-}" = "--ci" ] && PACKAGES="$PACKAGES clang libclang-rt-14-dev valgrind"
[ "${1:-}" = "--bench" ] && PACKAGES="$PACKAGES wrk linux-perf valgrind"

missing=""
for p in $PACKAGES; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done
# Node.js + npm (the OpenAPI lint runs Spectral from the npm registry, the OpenAPI traffic
# check Prism's validator (npm ci, tests/openapi/traffic); the browser tests use
# playwright-core). Any node on PATH will do: a machine may carry a non-Debian build.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

echo "setup: installing$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup: not root and no sudo; install as root: apt-get install -y$missing" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
