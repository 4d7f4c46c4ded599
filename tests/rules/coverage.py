"""`wegwijzer test --coverage`: the figures of a fixture whose answers are known
(tests/rules/fixtures/dekking: three rules, one case), the --json object of the contract,
the --min-coverage gate, and the bundled rules at 100 %.
Usage: coverage.py WEGWIJZER SOURCE_ROOT"""
import json
import subprocess
import sys

exe, root = sys.argv[1], sys.argv[2]
fixture = f"{root}/tests/rules/fixtures/dekking"
failed = []


def run(*args):
    return subprocess.run([exe, "test", *args], capture_output=True, text=True)


def expect(what, got, want):
    if got != want:
        failed.append(f"{what}: got {got!r}, want {want!r}")


p = run("--json", fixture)
expect("--json exit", p.returncode, 0)
cov = json.loads(p.stdout)
expect("rules", cov["rules"], {"covered": 2, "total": 3})
expect("lines", cov["lines"], {"covered": 4, "total": 6})
expect("uncovered", cov["uncovered"],
       [{"rule": "slechtziend", "file": "steering/regels.lua", "line": 16}])
expect("perRule", [(r["rule"], r["line"], r["matched"], r["fired"]) for r in cov["perRule"]],
       [("weinig digitaal", 4, 1, 1), ("slechtziend", 16, 0, 0), ("geen effect", 24, 1, 0)])
expect("files", cov["files"], {"steering/regels.lua": {"run": [6, 8, 9, 26], "notRun": [11, 20]}})
expect("--json summary on stderr", p.stderr.strip().splitlines()[-1], "2 passed, 0 failed")

p = run("--coverage", fixture)
lines = p.stdout.strip().splitlines()
expect("text summary", lines[-2:], ["rules covered 2/3, lines 4/6", "2 passed, 0 failed"])
if 'not covered: steering/regels.lua:16: no case reaches rule "slechtziend"' not in lines:
    failed.append("the text does not name the rule no case reaches with file:line")
if "lines not run: steering/regels.lua: 11, 20" not in lines:
    failed.append("the text does not list the lines not run")

expect("--min-coverage 66 (66.7 % each)", run("--min-coverage", "66", fixture).returncode, 0)
p = run("--min-coverage", "67", fixture)
expect("--min-coverage 67", p.returncode, 1)
if "steering/regels.lua:16" not in p.stderr:
    failed.append(f"--min-coverage failure does not name the rule: {p.stderr}")
expect("--min-coverage abc", run("--min-coverage", "abc", fixture).returncode, 2)

p = run("--min-coverage", "100", f"{root}/rules")
expect("bundled rules at --min-coverage 100", p.returncode, 0)
print("\n".join(failed) or "ok: " + [l for l in p.stdout.splitlines() if l.startswith("rules covered")][0])
sys.exit(1 if failed else 0)
