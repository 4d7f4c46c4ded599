#!/usr/bin/python3
"""Parse Prometheus text (stdin) with Debian's prometheus_client parser and print what it
understood as JSON: {"families": {name: type}, "samples": [[name, {labels}, value]]}.
A parse error exits non-zero (the test then fails)."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = {}
samples = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    families[fam.name] = fam.type
    for s in fam.samples:
        samples.append([s.name, dict(s.labels), s.value])
json.dump({"families": families, "samples": samples}, sys.stdout)
