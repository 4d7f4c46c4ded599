#!/usr/bin/env python3
"""The tests that failed in a meson test run, from BUILD/meson-logs/testlog.json.

    ci-failed.py BUILD            the names, one a line (for `meson test NAME ...`)
    ci-failed.py BUILD --tail N   and the last N lines of each one's output (to stderr)

For .ci/run: CI shows only the end of its output, so a failure's own log is printed last.
"""
import json
import sys

build = sys.argv[1]
tail = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--tail" else 0
good = {"OK", "SKIP", "EXPECTEDFAIL"}
with open(f"{build}/meson-logs/testlog.json", encoding="utf-8") as f:
    for line in f:
        t = json.loads(line)
        if t["result"] in good:
            continue
        # testlog names are "project:suite / name"; `meson test` selects by "name"
        print(t["name"].split(" / ", 1)[-1])
        if tail:
            out = ((t.get("stdout") or "") + (t.get("stderr") or "")).splitlines()[-tail:]
            print(f"---- {t['name']}: {t['result']} (exit {t['returncode']}), last lines:",
                  file=sys.stderr)
            for l in out:
                print("   " + l, file=sys.stderr)
