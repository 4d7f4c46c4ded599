"""The counts the docs quote for the bundled rules (rules/README.md, docs/rules.md) are the
ones `wegwijzer check rules`, `wegwijzer test rules` and `wegwijzer test --coverage rules` give (issue 17 §4: docs follow the
code). Usage: docs_counts.py WEGWIJZER SOURCE_ROOT"""
import re
import subprocess
import sys

exe, root = sys.argv[1], sys.argv[2]
check = subprocess.run([exe, "check", f"{root}/rules"], capture_output=True, text=True)
ok = re.search(r"^ok: (\d+ channels, \d+ services, \d+ rules, \d+ cases)", check.stdout, re.M)
assert ok, check.stdout + check.stderr
test = subprocess.run([exe, "test", f"{root}/rules"], capture_output=True, text=True)
summary = test.stdout.strip().splitlines()[-1]
failed = []
for doc in ("rules/README.md", "docs/rules.md"):
    text = open(f"{root}/{doc}", encoding="utf-8").read()
    if f"ok: {ok.group(1)}" not in text:
        failed.append(f"{doc} does not quote `ok: {ok.group(1)}` (wegwijzer check rules)")
    if doc == "rules/README.md" and summary not in text:
        failed.append(f"{doc} does not quote `{summary}` (wegwijzer test rules)")
n_cases = int(re.search(r"(\d+) cases", ok.group(1)).group(1))
n_tests = int(summary.split()[0])
docs = open(f"{root}/docs/rules.md", encoding="utf-8").read()
if f"telt daarna {n_tests} tests: de {n_cases} testgevallen" not in docs:
    failed.append(f"docs/rules.md does not say the {n_tests} tests are {n_cases} cases plus the duty of care")
cov = subprocess.run([exe, "test", "--coverage", f"{root}/rules"], capture_output=True, text=True)
covered = [l for l in cov.stdout.splitlines() if l.startswith("rules covered ")]
if not covered or covered[0] not in docs:
    failed.append(f"docs/rules.md does not quote `{covered[0] if covered else '?'}` (wegwijzer test --coverage rules)")
print("\n".join(failed) or f"ok: {ok.group(1)}; {summary}")
sys.exit(1 if failed else 0)
