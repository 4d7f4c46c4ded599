"""`wegwijzer check --exhaustive`: the bundled rules pass; a planted counterexample
(tests/rules/fixtures/zorgplicht-lek) fails the check, and the eval command it prints,
run as printed, shows the advice with only digital channels; a budget that runs out
fails it too. Usage: exhaustive.py WEGWIJZER SOURCE_ROOT"""
import json
import os
import re
import subprocess
import sys

exe, root = os.path.abspath(sys.argv[1]), sys.argv[2]
failed = []


def check(*args):
    return subprocess.run([exe, "check", "--exhaustive", "--week", "2026-12-07", *args],
                          capture_output=True, text=True, cwd=root)


p = check("rules")
if p.returncode != 0 or "zorgplicht proved for all" not in p.stdout:
    failed.append(f"bundled rules: exit {p.returncode}\n{p.stdout[-2000:]}{p.stderr}")
m = re.search(r"^checked (\d+) situations with (\d+) decisions run in ([\d.]+) s$", p.stdout, re.M)
if not m:
    failed.append("no 'checked N situations with N decisions run in S s' line")
else:
    print(f"bundled: {m.group(1)} situations, {m.group(2)} decisions, {m.group(3)} s")

p = check("tests/rules/fixtures/zorgplicht-lek")
if p.returncode != 1 or "zorgplicht NOT proved" not in p.stdout:
    failed.append(f"planted counterexample not found: exit {p.returncode}\n{p.stdout}")
commands = [l.strip() for l in p.stdout.splitlines() if l.startswith("  echo ")]
if not commands:
    failed.append("no eval command printed")
else:
    # run as printed, with this build's binary for `wegwijzer`
    cmd = commands[0].replace("| wegwijzer eval", f"| {exe} eval --json", 1)
    e = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, cwd=root)
    if e.returncode != 0:
        failed.append(f"the printed command fails: {cmd}\n{e.stderr}")
    else:
        ans = json.loads(e.stdout)
        ids = [c["id"] for c in ans["channels"]]
        if ids != ["website"]:
            failed.append(f"the printed counterexample keeps {ids}, not only the website")

p = check("--exhaustive-budget", "1", "tests/rules/fixtures/zorgplicht-lastig")
if p.returncode != 1 or "time budget (1 ms) ran out" not in p.stdout:
    failed.append(f"a budget that runs out does not fail the check: exit {p.returncode}\n{p.stdout}")

print("\n".join(failed) or "ok")
sys.exit(1 if failed else 0)
