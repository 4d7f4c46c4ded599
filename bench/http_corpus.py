#!/usr/bin/env python3
"""A varied corpus of /v1/advice bodies for bench/http.sh (issue 16, target 3): every
service of RULES/services.lua x 10 citizen profiles x 16 moments (weekdays, evenings,
weekend, holidays, summer time; web, app, phone, desk; status and urgent questions),
one JSON body per line, shuffled with a fixed seed. A quarter carry the sessionId of a
session about that service (from --sessions, "service id" per line); one profile in ten
carries a citizen.id (a BSN: the server looks up that citizen's latest session).

    bench/http_corpus.py [--rules DIR] [--sessions FILE] [--seed X] > corpus.txt

Prints the number of bodies and how many distinct on stderr.
"""
import argparse
import json
import re
import sys

PROFILES = [
    {},
    {"id": "999993653", "authLevel": "midden", "digitalSkills": "low", "language": "nld",
     "needs": ["visual"], "age": 81},
    {"authLevel": "substantieel", "digitalSkills": "high", "age": 34},
    {"authLevel": "basis", "digitalSkills": "medium", "language": "eng"},
    {"digitalSkills": "low", "needs": ["hearing"], "language": "sgn"},
    {"authLevel": "eh3", "needs": ["mobility", "literacy"], "age": 16},
    {"authLevel": "none", "digitalSkills": "medium", "language": "tur", "age": 45},
    {"authLevel": "midden", "digitalSkills": "high", "needs": ["cognitive"], "age": 70},
    {"authLevel": "hoog", "digitalSkills": "high", "language": "pol"},
    {"authLevel": "eh2+", "age": 52},
]

MOMENTS = [
    {"origin": "web", "device": "desktop", "time": "2026-12-01T10:15:00+01:00"},
    {"origin": "web", "device": "mobile", "time": "2026-12-01T14:30:00+01:00"},
    {"origin": "app", "time": "2026-12-02T08:20:00+01:00", "intent": "status"},
    {"origin": "web", "device": "tablet", "time": "2026-12-03T18:45:00+01:00"},
    {"origin": "ivr", "time": "2026-12-04T12:10:00+01:00"},
    {"origin": "web", "device": "mobile", "time": "2026-12-05T11:00:00+01:00"},
    {"origin": "app", "time": "2026-12-06T14:00:00+01:00"},
    {"origin": "web", "device": "desktop", "time": "2026-12-07T20:00:00+01:00"},
    {"origin": "kcc", "time": "2026-12-25T10:00:00+01:00"},
    {"origin": "web", "time": "2027-04-27T10:00:00+02:00"},
    {"origin": "web", "device": "mobile", "time": "2026-07-14T09:05:00+02:00", "intent": "spoed"},
    {"origin": "balie", "device": "kiosk", "time": "2026-03-30T08:29:00+02:00"},
    {"origin": "web", "device": "desktop", "time": "2026-03-30T08:30:00+02:00"},
    {"origin": "chat", "time": "2026-06-16T16:55:00+02:00", "intent": "status"},
    {"origin": "web", "device": "mobile", "time": "2026-11-26T19:59:00+01:00"},
    {"origin": "app", "time": "2026-12-31T23:30:00+01:00", "intent": "spoed"},
]

MASK = (1 << 64) - 1


def xorshift(seed):
    s = (seed * 0x9E3779B97F4A7C15 + 1) & MASK or 1
    while True:
        s ^= (s << 13) & MASK
        s ^= s >> 7
        s ^= (s << 17) & MASK
        yield s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules", default="rules")
    ap.add_argument("--sessions", help='file with "service sessionId" lines')
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    with open(a.rules + "/services.lua") as f:
        services = re.findall(r'^service "([a-z0-9_]+)"', f.read(), re.M)
    sessions = {}
    if a.sessions:
        with open(a.sessions) as f:
            for line in f:
                if line.strip():
                    svc, sid = line.split()
                    sessions[svc] = sid
    rnd = xorshift(a.seed)
    bodies = []
    for svc in services:
        for cit in PROFILES:
            for ctx in MOMENTS:
                body = {"service": svc}
                if cit:
                    body["citizen"] = cit
                body["context"] = ctx
                if svc in sessions and next(rnd) % 4 == 0:
                    body["sessionId"] = sessions[svc]
                bodies.append(json.dumps(body, separators=(",", ":")))
    for i in range(len(bodies) - 1, 0, -1):   # fixed shuffle: neighbours differ
        j = next(rnd) % (i + 1)
        bodies[i], bodies[j] = bodies[j], bodies[i]
    sys.stdout.write("\n".join(bodies) + "\n")
    print("http_corpus: %d bodies (%d distinct), %d services x %d profiles x %d moments, "
          "%d with a sessionId" % (len(bodies), len(set(bodies)), len(services), len(PROFILES),
                                   len(MOMENTS), sum('"sessionId"' in b for b in bodies)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
