#!/usr/bin/env python3
"""Asterisk AGI: ask wegwijzer where to route a caller (POST /v1/route).

Dialplan (see extensions.conf):  same => n,AGI(wegwijzer-agi.py,verhuizing)

1. reads the AGI environment (agi_* lines up to an empty line) from stdin;
2. asks the caller for the 6-digit handover code from the website (GET DATA; '#' or
   silence skips it). A wrong code (404) or a short entry (fewer than 6 digits) is asked
   again with its own prompt, once; a lapsed code (410) and a locked-out caller (429) each
   hear their own prompt and are routed without the code;
3. POST /v1/route {service, handoverCode?, callerRef?, keepService?, context: {origin: "ivr"}};
   callerRef is an HMAC-SHA256 of the caller id under WEGWIJZER_CALLER_KEY (never the number);
4. sets channel variables for the dialplan:
     WEGWIJZER_QUEUE     queue name (route.queue), always set (fallback when needed)
     WEGWIJZER_KIND      route kind: queue, callback, transfer, ...
     WEGWIJZER_PRIORITY  queue priority (route.priority), "0" when none
     WEGWIJZER_TARGET    channel id (telefoon, telefoon_zorg, terugbelverzoek, ...)
     WEGWIJZER_NUMBER    route.number for kind "transfer", else empty
     WEGWIJZER_REASON    the route's first reason, the rules' words for what is true now
                         ("De telefoon is nu niet bereikbaar. ..."), else empty
     WEGWIJZER_SESSION   the session id when the caller gave a valid code, else empty:
                         the agent desktop shows GET /v1/sessions/{id} (what the caller did)
     WEGWIJZER_CODE      "ok", "none", "short" (fewer than 6 digits), "wrong" (404),
                         "expired" (410: the code lapsed) or "limited" (429: too many wrong
                         codes from this caller)
     WEGWIJZER_DEGRADED  "1" when wegwijzer could not be asked or answered degraded
   and, for the agent's screen pop, from the route's agentContext (empty without a claimed
   code, except WEGWIJZER_SERVICE):
     WEGWIJZER_SERVICE        the service routed for (the claimed session's, or the menu's)
     WEGWIJZER_SERVICE_NAME   its name ("Verhuizing doorgeven")
     WEGWIJZER_ADVISED        the channel advised first on the website (its id)
     WEGWIJZER_ADVISED_NAME   its name ("Telefoon 14 039")
     WEGWIJZER_ADVISED_REASON the reason the advice gave for it
     WEGWIJZER_LAST_CHANNEL   where the citizen came from (website, ...)
     WEGWIJZER_CHOSEN_CHANNEL the channel the citizen clicked last
     WEGWIJZER_NEEDS          stated needs, comma-separated (visual,tolk)
     WEGWIJZER_LANGUAGE       stated language (nld, eng, ...)
     WEGWIJZER_SUMMARY        one Dutch line for the agent

Python 3 standard library only. Configuration, from the environment of Asterisk or from
agi_arg_2.. as KEY=VALUE:
  WEGWIJZER_URL            base URL (default http://127.0.0.1:8080)
  WEGWIJZER_TOKEN          bearer token with the advice role (when the server has --tokens)
  WEGWIJZER_TIMEOUT        seconds for the HTTP call (default 2: a caller is waiting)
  WEGWIJZER_FALLBACK_QUEUE queue when wegwijzer cannot be reached (default kcc)
  WEGWIJZER_CALLER_KEY_FILE file with the platform's secret key for callerRef (default
                           /etc/asterisk/wegwijzer-caller.key); or WEGWIJZER_CALLER_KEY
                           (the key itself). Without a key no callerRef is sent.
  WEGWIJZER_KEEP_SERVICE   "1": the menu's service stands even when the code's session is
                           about another service (default: the session's service wins)
  WEGWIJZER_PROMPT_CODE    sound file asking for the code (default wegwijzer/toets-code)
  WEGWIJZER_PROMPT_WRONG   "unknown or used code, once more" (default wegwijzer/code-onbekend)
  WEGWIJZER_PROMPT_SHORT   "fewer than 6 digits, once more" (default wegwijzer/code-kort)
  WEGWIJZER_PROMPT_EXPIRED "your code has lapsed" (default wegwijzer/code-verlopen)
  WEGWIJZER_PROMPT_LIMITED "too many wrong codes" (default wegwijzer/code-geblokkeerd)
  WEGWIJZER_TIME           context.time (ISO 8601 with offset): for tests and demos only
"""
import hashlib
import hmac
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

    def stream(self, prompt):
        """Play a sound file to the end (no digits interrupt it)."""
        self.command('STREAM FILE %s ""' % prompt)

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
        "WEGWIJZER_PROMPT_SHORT": "wegwijzer/code-kort",
        "WEGWIJZER_PROMPT_EXPIRED": "wegwijzer/code-verlopen",
        "WEGWIJZER_PROMPT_LIMITED": "wegwijzer/code-geblokkeerd",
        "WEGWIJZER_CALLER_KEY": "",
        "WEGWIJZER_CALLER_KEY_FILE": "/etc/asterisk/wegwijzer-caller.key",
        "WEGWIJZER_KEEP_SERVICE": "",
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


def caller_key(conf):
    """The platform's secret for callerRef: WEGWIJZER_CALLER_KEY, else the first line of
    WEGWIJZER_CALLER_KEY_FILE. None when neither is there."""
    if conf["WEGWIJZER_CALLER_KEY"]:
        return conf["WEGWIJZER_CALLER_KEY"].encode()
    try:
        with open(conf["WEGWIJZER_CALLER_KEY_FILE"], "rb") as f:
            key = f.read().splitlines()
    except OSError:
        return None
    return key[0] if key and key[0] else None


def caller_ref(agi, key):
    """Who is calling, as a keyed hash (HMAC-SHA256; never the number itself, and without
    the key nobody can hash the 10^8 mobile numbers to find it back): wrong codes then count
    per caller, so one caller's typos never lock out the next. The call id for a hidden
    number. None without a key."""
    if key is None:
        return None
    who = agi.env.get("agi_callerid", "")
    if not who or who.strip("+0123456789"):   # hidden ("anonymous", "unknown")
        who = "call:" + agi.env.get("agi_uniqueid", "")
    return hmac.new(key, who.encode(), hashlib.sha256).hexdigest()


def route(conf, service, code, caller=None):
    """POST /v1/route; returns (status, body or None). status 0: not reachable."""
    req = {"service": service, "context": {"origin": "ivr"}}
    if conf["WEGWIJZER_TIME"]:
        req["context"]["time"] = conf["WEGWIJZER_TIME"]
    if code:
        req["handoverCode"] = code
        if caller:
            req["callerRef"] = caller
        if conf["WEGWIJZER_KEEP_SERVICE"] in ("1", "yes", "true"):
            req["keepService"] = True
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


def one_line(value):
    """A variable's value from the answer: text on one line, at most 500 characters."""
    if isinstance(value, list):
        value = ",".join(v for v in value if isinstance(v, str))
    if not isinstance(value, (str, int)):
        return ""
    return " ".join(str(value).split())[:500]


def publish(agi, target, session, code_state, degraded, reason="", ctx=None):
    agi.set_var("WEGWIJZER_QUEUE", target.get("queue", ""))
    agi.set_var("WEGWIJZER_KIND", target.get("kind", "queue"))
    agi.set_var("WEGWIJZER_PRIORITY", target.get("priority", 0))
    agi.set_var("WEGWIJZER_TARGET", target.get("id", ""))
    agi.set_var("WEGWIJZER_NUMBER", target.get("number", "") if target.get("kind") == "transfer" else "")
    agi.set_var("WEGWIJZER_REASON", one_line(reason))
    agi.set_var("WEGWIJZER_SESSION", session or "")
    agi.set_var("WEGWIJZER_CODE", code_state)
    agi.set_var("WEGWIJZER_DEGRADED", "1" if degraded else "0")
    # The agent's screen pop (agentContext; all empty without a claimed code).
    ctx = ctx if isinstance(ctx, dict) else {}
    for var, key in (("WEGWIJZER_SERVICE", "service"), ("WEGWIJZER_SERVICE_NAME", "serviceName"),
                     ("WEGWIJZER_LAST_CHANNEL", "lastChannel"),
                     ("WEGWIJZER_CHOSEN_CHANNEL", "chosenChannel"), ("WEGWIJZER_NEEDS", "needs"),
                     ("WEGWIJZER_LANGUAGE", "language"), ("WEGWIJZER_SUMMARY", "summary")):
        agi.set_var(var, one_line(ctx.get(key)))
    # What the website advised first (agentContext.advised: id, name, reason; null when the
    # session had no advice).
    advised = ctx.get("advised") if isinstance(ctx.get("advised"), dict) else {}
    for var, key in (("WEGWIJZER_ADVISED", "channel"), ("WEGWIJZER_ADVISED_NAME", "name"),
                     ("WEGWIJZER_ADVISED_REASON", "reason")):
        agi.set_var(var, one_line(advised.get(key)))


def ask_code(agi, conf, service, caller):
    """Ask for the code (one retry after a short entry or a wrong code) and route.
    Returns (status, body, code_state)."""
    prompt = conf["WEGWIJZER_PROMPT_CODE"]
    retried = None   # why the caller was asked again: "short" or "wrong"
    while True:
        digits = agi.get_data(prompt, 6000, 6)
        if digits and not CODE_RE.match(digits):   # "12345#": ask again, never "no code"
            if not retried:
                retried, prompt = "short", conf["WEGWIJZER_PROMPT_SHORT"]
                continue
            status, body = route(conf, service, None)
            return status, body, "short"
        if not digits:   # '#' or silence; after a retry prompt, say why there is no code
            status, body = route(conf, service, None)
            return status, body, retried or "none"
        status, body = route(conf, service, digits, caller)
        if status == 404:   # unknown or already used
            if not retried:
                retried, prompt = "wrong", conf["WEGWIJZER_PROMPT_WRONG"]
                continue
            status, body = route(conf, service, None)
            return status, body, "wrong"
        if status == 410:   # the code lapsed: say so, route without it
            agi.stream(conf["WEGWIJZER_PROMPT_EXPIRED"])
            status, body = route(conf, service, None)
            return status, body, "expired"
        if status == 429:   # too many wrong codes from this caller: say so, route without
            agi.stream(conf["WEGWIJZER_PROMPT_LIMITED"])
            status, body = route(conf, service, None)
            return status, body, "limited"
        return status, body, "ok" if status == 200 else "none"


def run(agi):
    conf = config(agi)
    service = agi.env.get("agi_arg_1", "")
    fallback = {"id": "", "kind": "queue", "queue": conf["WEGWIJZER_FALLBACK_QUEUE"]}
    if not SERVICE_RE.match(service):
        agi.verbose("wegwijzer: no valid service as first AGI argument; fallback queue")
        publish(agi, fallback, None, "none", True)
        return

    key = caller_key(conf)
    if key is None:
        agi.verbose("wegwijzer: no WEGWIJZER_CALLER_KEY(_FILE); wrong codes count per platform")
    status, body, code_state = ask_code(agi, conf, service, caller_ref(agi, key))

    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("target"), dict):
        agi.verbose("wegwijzer: no answer (status %d); fallback queue %s"
                    % (status, fallback["queue"]))
        publish(agi, fallback, None, code_state, True, "", {"service": service})
        return
    target = body["target"]
    reasons = body.get("reasons")
    reason = reasons[0] if isinstance(reasons, list) and reasons else ""
    agi.verbose("wegwijzer: %s -> %s (%s)" % (service, target.get("id"), target.get("queue")))
    ok = code_state == "ok"
    ctx = body.get("agentContext") if ok else None
    if not isinstance(ctx, dict):
        ctx = {"service": service}
    publish(agi, target, body.get("sessionId") if ok else None, code_state,
            bool(body.get("degraded")), reason, ctx)


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
