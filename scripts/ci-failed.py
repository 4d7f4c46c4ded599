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
            whole = ((t.get("stdout") or "") + (t.get("stderr") or "")).splitlines()
            # a server that ended badly: the harness dumps its log ("----- DIR/out.log -----");
            # its end says why (a sanitizer report, an assertion), so it is printed too
            dumps = [i for i, l in enumerate(whole) if l.startswith("----- ") and
                     l.endswith("out.log -----")]
            for i in dumps[-2:]:
                end = next((j for j in range(i + 1, len(whole)) if whole[j] == "-----"),
                           len(whole))
                print(f"---- {t['name']}: server log {whole[i][6:-6]}, last lines:",
                      file=sys.stderr)
                for l in whole[max(i + 1, end - tail):end]:
                    print("   " + l, file=sys.stderr)
            print(f"---- {t['name']}: {t['result']} (exit {t['returncode']}), last lines:",
                  file=sys.stderr)
            for l in whole[-tail:]:
                print("   " + l, file=sys.stderr)
