#!/bin/sh
# The embedding library as a user gets it: `meson install` into a scratch DESTDIR, then
# examples/embed/embed.c compiled and linked through pkg-config against what was
# installed, one decision with the bundled rules, and the library's exported symbols
# exactly the functions the installed header declares (WW_EXPORT).
#   run.sh BUILD_DIR SOURCE_DIR CC
set -eu
BUILD=$1 SRC=$2 CC=$3
DEST=$(mktemp -d)
trap 'rm -rf "$DEST"' EXIT
meson install -C "$BUILD" --no-rebuild --destdir "$DEST" --quiet >"$DEST/install.log" 2>&1 ||
  { cat "$DEST/install.log"; exit 1; }
PC=$(find "$DEST" -name wegwijzer.pc)
[ -n "$PC" ] || { echo "no wegwijzer.pc installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$PC")" PKG_CONFIG_SYSROOT_DIR="$DEST"
# shellcheck disable=SC2046
"$CC" -std=c11 -Wall -Werror $(pkg-config --cflags wegwijzer) "$SRC/examples/embed/embed.c" \
  -o "$DEST/embed" $(pkg-config --libs wegwijzer)
LIB=$(dirname "$(find "$DEST" -name 'libwegwijzer.so' | head -1)")
OUT=$(LD_LIBRARY_PATH="$LIB" "$DEST/embed" "$SRC/rules")
echo "$OUT"
echo "$OUT" | grep -q '^rule set [0-9a-f]\{12\}, advice [0-9a-f]\{32\}$' || { echo "no advice"; exit 1; }
echo "$OUT" | grep -q '^1 [a-z_]* open$' || { echo "no first channel"; exit 1; }
HDR=$(find "$DEST" -name wegwijzer.h)
want=$(sed -n 's/^WW_EXPORT [^(]*[ *]\(ww_[a-z_]*\)(.*/\1/p' "$HDR" | sort)
got=$(nm -D --defined-only "$LIB/libwegwijzer.so" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' | sort)
if [ "$want" != "$got" ]; then
  echo "exported symbols differ from the header's:"
  echo "$want" >"$DEST/want"
  echo "$got" >"$DEST/got"
  diff "$DEST/want" "$DEST/got" || true
  exit 1
fi
echo "exports: $(echo "$got" | wc -l) symbols, all declared in wegwijzer.h"
