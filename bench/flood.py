#!/usr/bin/env python3
"""Write floods against a running wegwijzer, as the red team ran them (issue 19): one
keep-alive connection posting as fast as answers come.

  flood.py sessions PORT PID N BYTES SHAPE   N sessions with BYTES of `data` each
                                             (SHAPE "string": one long string; "members":
                                             40-byte strings, the costlier shape in memory)
  flood.py codes PORT PID N                  N handover codes for ONE session
  flood.py spread PORT PID N                 N sessions with a handover code each

Prints the answers by status and the server's RSS (VmRSS of PID) before and after, in MiB.
"""
import http.client
import json
import sys
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def post(conn, path, body):
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, r.read()


def data_of(nbytes, shape):
    if shape == "string":
        return {"blob": "x" * max(0, nbytes - 12)}
    members = {}
    i = 0
    while len(json.dumps(members, separators=(",", ":"))) < nbytes - 60:
        members[f"k{i}"] = "0123456789012345678901234567890123456789"
        i += 1
    return members


def main():
    what, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    counts = {}
    before = rss_mib(pid)
    t0 = time.monotonic()
    if what == "sessions":
        n, nbytes, shape = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        body = json.dumps({"channel": "website", "data": data_of(nbytes, shape)})
        for _ in range(n):
            st, _ = post(conn, "/v1/sessions", body)
            counts[st] = counts.get(st, 0) + 1
    elif what == "spread":
        n = int(sys.argv[4])
        for _ in range(n):
            st, b = post(conn, "/v1/sessions", '{"channel":"website"}')
            if st != 201:
                counts[f"session {st}"] = counts.get(f"session {st}", 0) + 1
                continue
            sid = json.loads(b)["session"]["id"]
            st, _ = post(conn, f"/v1/sessions/{sid}/handover", "{}")
            counts[st] = counts.get(st, 0) + 1
    else:
        n = int(sys.argv[4])
        st, b = post(conn, "/v1/sessions", '{"channel":"website"}')
        sid = json.loads(b)["session"]["id"]
        for _ in range(n):
            st, _ = post(conn, f"/v1/sessions/{sid}/handover", "{}")
            counts[st] = counts.get(st, 0) + 1
    secs = time.monotonic() - t0
    after = rss_mib(pid)
    print(f"{what}: {n} requests in {secs:.1f} s, answers {dict(sorted(counts.items(), key=str))}, "
          f"RSS {before:.1f} -> {after:.1f} MiB")


if __name__ == "__main__":
    main()
