#!/usr/bin/env python3
"""GET /v1/openapi.json on the real binary answers docs/openapi.json (ADR /core/publish-openapi).

Starts `wegwijzer serve` on a free port (--listen 127.0.0.1:0; the port is read from the
startup log line), fetches the document and checks: 200, application/json, the same JSON
as docs/openapi.json, an API-Version header equal to info.version, the ADR security headers;
then SIGTERM and exit 0.

usage: served.py WEGWIJZER_BINARY   (WW_SOURCE_ROOT set by meson)
"""
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import time

DEADLINE_S = 20


def read_port(proc, log):
    """Wait for the JSON startup line on stderr; returns the port, or None."""
    end = time.monotonic() + DEADLINE_S
    buf = b""
    while time.monotonic() < end:
        if proc.poll() is not None:
            return None
        ready, _, _ = select.select([proc.stderr], [], [], 0.2)
        if not ready:
            continue
        chunk = os.read(proc.stderr.fileno(), 65536)
        if not chunk:
            return None
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            log.append(line.decode("utf-8", "replace"))
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and rec.get("msg") == "wegwijzer started":
                return int(str(rec["listen"]).rsplit(":", 1)[1])
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    exe, root = os.path.abspath(sys.argv[1]), os.environ["WW_SOURCE_ROOT"]
    if not os.access(exe, os.X_OK):
        print(f"FAIL: {exe} is not an executable")
        return 1
    with open(os.path.join(root, "docs", "openapi.json"), encoding="utf-8") as f:
        want = json.load(f)

    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_")}
    proc = subprocess.Popen(
        [exe, "serve", "--listen", "127.0.0.1:0", "--workers", "1",
         "--rules", os.path.join(root, "rules")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    log, errors = [], []
    try:
        port = read_port(proc, log)
        if port is None:
            errors.append("the server did not start (no 'wegwijzer started' line)")
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/v1/openapi.json")
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status != 200:
                errors.append(f"status {resp.status}, want 200: {body[:300]!r}")
            ctype = resp.getheader("Content-Type", "")
            if not ctype.startswith("application/json"):
                errors.append(f"Content-Type {ctype!r}, want application/json")
            try:
                got = json.loads(body)
                if got != want:
                    errors.append("the served document differs from docs/openapi.json "
                                  "(rebuild? the document is embedded at build time)")
            except ValueError as e:
                errors.append(f"the body is not JSON: {e}")
            if resp.getheader("API-Version") != want["info"]["version"]:
                errors.append(f"API-Version {resp.getheader('API-Version')!r}, want "
                              f"{want['info']['version']!r}")
            for name, value in (("X-Content-Type-Options", "nosniff"),
                                ("Cache-Control", "no-store")):
                if resp.getheader(name) != value:
                    errors.append(f"{name} {resp.getheader(name)!r}, want {value!r}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
            errors.append("the server did not exit within 10 s of SIGTERM")
        rest = proc.stderr.read().decode("utf-8", "replace")
        log.extend(rest.splitlines())
    if rc != 0:
        errors.append(f"the server exited with {rc}")

    if errors:
        for e in errors:
            print(f"FAIL: {e}")
        print("--- server log ---")
        print("\n".join(log[-40:]))
        return 1
    print(f"PASS: /v1/openapi.json served ({len(body)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
