#!/usr/bin/env python3
"""Asterisk AGI: ask wegwijzer where to route a caller (POST /v1/route).

Dialplan (see extensions.conf):  same => n,AGI(wegwijzer-agi.py,verhuizing)

1. reads the AGI environment (agi_* lines up to an empty line) from stdin;
2. asks the caller for the 6-digit handover code from the website (GET DATA; '#' or
   silence skips it; one retry after a wrong code);
3. POST /v1/route {service, handoverCode?, context: {origin: "ivr"}};
4. sets channel variables for the dialplan:
     WEGWIJZER_QUEUE     queue name (route.queue), always set (fallback when needed)
     WEGWIJZER_KIND      route kind: queue, callback, transfer, ...
     WEGWIJZER_PRIORITY  queue priority (route.priority), "0" when none
     WEGWIJZER_TARGET    channel id (telefoon, telefoon_zorg, terugbelverzoek, ...)
     WEGWIJZER_NUMBER    route.number for kind "transfer", else empty
     WEGWIJZER_SESSION   the session id when the caller gave a valid code, else empty:
                         the agent desktop shows GET /v1/sessions/{id} (what the caller did)
     WEGWIJZER_CODE      "ok", "none", "wrong", "expired" (410: the code lapsed) or
                         "limited" (too many wrong codes from this caller)
     WEGWIJZER_DEGRADED  "1" when wegwijzer could not be asked or answered degraded

Python 3 standard library only. Configuration, from the environment of Asterisk or from
agi_arg_2.. as KEY=VALUE:
  WEGWIJZER_URL            base URL (default http://127.0.0.1:8080)
  WEGWIJZER_TOKEN          bearer token with the advice role (when the server has --tokens)
  WEGWIJZER_TIMEOUT        seconds for the HTTP call (default 2: a caller is waiting)
  WEGWIJZER_FALLBACK_QUEUE queue when wegwijzer cannot be reached (default kcc)
  WEGWIJZER_PROMPT_CODE    sound file asking for the code (default wegwijzer/toets-code)
  WEGWIJZER_PROMPT_WRONG   sound file "unknown code" (default wegwijzer/code-onbekend)
  WEGWIJZER_TIME           context.time (ISO 8601 with offset): for tests and demos only
"""
import hashlib
import json
import os
import re
import sys
import urllib.error
import urllib.request

SERVICE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CODE_RE = re.compile(r"^[0-9]{6}$")


class Hangup(Exception):
    """The caller hung up; stop quietly."""


class Agi:
    """The AGI conversation over stdin/stdout."""

    def __init__(self, fin=sys.stdin, fout=sys.stdout):
        self.fin = fin
        self.fout = fout
        self.env = {}
        while True:
            line = fin.readline()
            if not line:
                raise Hangup()
            line = line.rstrip("\r\n")
            if line == "":
                break
            key, _, value = line.partition(":")
            self.env[key.strip()] = value.strip()

    def command(self, cmd):
        """Send one command; return (code, result, rest) of its answer."""
        self.fout.write(cmd + "\n")
        self.fout.flush()
        while True:
            line = self.fin.readline()
            if not line:
                raise Hangup()
            line = line.strip()
            # Asterisk announces a hangup with "HANGUP" before the answer (AGISIGHUP=no)
            if line == "HANGUP":
                continue
            break
        m = re.match(r"^(\d{3})(?: result=(-?[^ ]*))?(.*)$", line)
        if not m:
            return 0, "", line
        code, result = int(m.group(1)), m.group(2) or ""
        if code == 511 or (code == 200 and result == "-1"):
            raise Hangup()
        return code, result, m.group(3).strip()

    def set_var(self, name, value):
        # quote for Asterisk's AGI parser: backslash and double quote escaped
        v = str(value).replace("\\", "\\\\").replace('"', '\\"')
        self.command('SET VARIABLE %s "%s"' % (name, v))

    def verbose(self, msg, level=1):
        self.command('VERBOSE "%s" %d' % (msg.replace('"', "'"), level))

    def get_data(self, prompt, timeout_ms, digits):
        _, result, rest = self.command("GET DATA %s %d %d" % (prompt, timeout_ms, digits))
        return "" if "(timeout)" in rest and not result else result


def config(agi):
    conf = {
        "WEGWIJZER_URL": "http://127.0.0.1:8080",
        "WEGWIJZER_TOKEN": "",
        "WEGWIJZER_TIMEOUT": "2",
        "WEGWIJZER_FALLBACK_QUEUE": "kcc",
        "WEGWIJZER_PROMPT_CODE": "wegwijzer/toets-code",
        "WEGWIJZER_PROMPT_WRONG": "wegwijzer/code-onbekend",
        "WEGWIJZER_TIME": "",
    }
    for k in conf:
        if os.environ.get(k):
            conf[k] = os.environ[k]
    for i in range(2, 10):   # agi_arg_2.. KEY=VALUE (agi_arg_1 is the service)
        key, sep, value = agi.env.get("agi_arg_%d" % i, "").partition("=")
        if sep and key in conf:
            conf[key] = value
    return conf


def caller_ref(agi):
    """Who is calling, as a hash (never the number itself): wrong codes then count per
    caller, so one caller's typos never lock out the next. The call id for a hidden number."""
    who = agi.env.get("agi_callerid", "")
    if not who or who.strip("+0123456789"):   # hidden ("anonymous", "unknown")
        who = "call:" + agi.env.get("agi_uniqueid", "")
    return hashlib.sha256(who.encode()).hexdigest()


def route(conf, service, code, caller=None):
    """POST /v1/route; returns (status, body or None). status 0: not reachable."""
    req = {"service": service, "context": {"origin": "ivr"}}
    if conf["WEGWIJZER_TIME"]:
        req["context"]["time"] = conf["WEGWIJZER_TIME"]
    if code:
        req["handoverCode"] = code
        if caller:
            req["callerRef"] = caller
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if conf["WEGWIJZER_TOKEN"]:
        headers["Authorization"] = "Bearer " + conf["WEGWIJZER_TOKEN"]
    http = urllib.request.Request(conf["WEGWIJZER_URL"].rstrip("/") + "/v1/route",
                                  data=json.dumps(req).encode(), headers=headers,
                                  method="POST")
    try:
        with urllib.request.urlopen(http, timeout=float(conf["WEGWIJZER_TIMEOUT"])) as res:
            return res.status, json.loads(res.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        try:
            body = json.loads(e.read().decode("utf-8"))
        except ValueError:
            body = None
        return e.code, body
    except (OSError, ValueError):
        return 0, None


def publish(agi, target, session, code_state, degraded):
    agi.set_var("WEGWIJZER_QUEUE", target.get("queue", ""))
    agi.set_var("WEGWIJZER_KIND", target.get("kind", "queue"))
    agi.set_var("WEGWIJZER_PRIORITY", target.get("priority", 0))
    agi.set_var("WEGWIJZER_TARGET", target.get("id", ""))
    agi.set_var("WEGWIJZER_NUMBER", target.get("number", "") if target.get("kind") == "transfer" else "")
    agi.set_var("WEGWIJZER_SESSION", session or "")
    agi.set_var("WEGWIJZER_CODE", code_state)
    agi.set_var("WEGWIJZER_DEGRADED", "1" if degraded else "0")


def run(agi):
    conf = config(agi)
    service = agi.env.get("agi_arg_1", "")
    fallback = {"id": "", "kind": "queue", "queue": conf["WEGWIJZER_FALLBACK_QUEUE"]}
    if not SERVICE_RE.match(service):
        agi.verbose("wegwijzer: no valid service as first AGI argument; fallback queue")
        publish(agi, fallback, None, "none", True)
        return

    prompt = conf["WEGWIJZER_PROMPT_CODE"]
    code_state = "none"
    for attempt in (1, 2):
        digits = agi.get_data(prompt, 6000, 6)
        code = digits if CODE_RE.match(digits) else None
        status, body = route(conf, service, code, caller_ref(agi))
        if status == 404 and code and attempt == 1:
            code_state = "wrong"
            prompt = conf["WEGWIJZER_PROMPT_WRONG"]   # "onbekende code, probeer opnieuw"
            continue
        if status == 404 and code:
            status, body = route(conf, service, None)   # second wrong code: route without
            code_state = "wrong"
        elif status == 429:
            status, body = route(conf, service, None)
            code_state = "limited"
        elif status == 410:   # "uw code is verlopen": route without it
            status, body = route(conf, service, None)
            code_state = "expired"
        elif code and status == 200:
            code_state = "ok"
        break

    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("target"), dict):
        agi.verbose("wegwijzer: no answer (status %d); fallback queue %s"
                    % (status, fallback["queue"]))
        publish(agi, fallback, None, code_state, True)
        return
    target = body["target"]
    agi.verbose("wegwijzer: %s -> %s (%s)" % (service, target.get("id"), target.get("queue")))
    publish(agi, target, body.get("sessionId") if code_state == "ok" else None, code_state,
            bool(body.get("degraded")))


def main():
    try:
        agi = Agi()
        run(agi)
    except Hangup:
        pass
    except BrokenPipeError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
