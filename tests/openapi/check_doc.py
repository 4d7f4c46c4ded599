#!/usr/bin/env python3
"""docs/openapi.json agrees with the code and with the ADR rules the linter cannot see.

- valid JSON, OpenAPI 3.0.x, info.version == WW_API_VERSION (engine/server/server.h)
- every route the server registers (the {"GET", "/v1/..."} tables in engine/api/*.c) is
  documented with its method, and every documented operation is registered; /v1/x is the
  document's /x (server URL .../v1), other paths carry a path-level `servers` override
- every operation has operationId, summary, description and a declared tag
- every response, errors included, has the API-Version header; every 4xx/5xx is only
  application/problem+json; every problem code the engine answers is in the code enum
- schema property names are lowerCamelCase; date-time examples carry an offset

usage: check_doc.py [SOURCE_ROOT]   (default: $WW_SOURCE_ROOT)
"""
import glob
import json
import os
import re
import sys

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(.*)$")
OFFSET = re.compile(r"^(Z|[+-]\d\d:\d\d)$")

failures = []


def fail(msg):
    if msg not in failures:   # a schema is reached both by $ref and in components
        failures.append(msg)


def resolve(doc, node, seen=()):
    """Follow local $refs (one level at a time) to the object they name."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            fail(f"unresolvable or cyclic $ref {ref}")
            return {}
        seen = seen + (ref,)
        cur = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(cur, dict) or part not in cur:
                fail(f"dangling $ref {ref}")
                return {}
            cur = cur[part]
        node = cur
    return node


def registered_routes(root):
    """(METHOD, path) of every route table entry in engine/api/*.c."""
    pat = re.compile(r'\{\s*"(GET|POST|PUT|DELETE|PATCH)"\s*,\s*"(/[^"]*)"')
    routes = set()
    for path in sorted(glob.glob(os.path.join(root, "engine", "api", "*.c"))):
        with open(path, encoding="utf-8") as f:
            for m in pat.finditer(f.read()):
                routes.add((m.group(1), m.group(2)))
    return routes


def problem_codes_used(root):
    """Codes passed to ww_respond_problem(req, status, "code", ...) anywhere in engine/."""
    pat = re.compile(r'ww_respond_problem\s*\(\s*\w+\s*,\s*\d+\s*,\s*"([a-z_]+)"')
    codes = set()
    for path in glob.glob(os.path.join(root, "engine", "**", "*.c"), recursive=True):
        with open(path, encoding="utf-8") as f:
            codes.update(pat.findall(f.read()))
    return codes


def shape(path):
    return re.sub(r"\{[^}]*\}", "{}", path)


def walk_schemas(doc, node, where, seen):
    """Check property names in every schema reachable from 'node'."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if ref not in seen:
                seen.add(ref)
                walk_schemas(doc, resolve(doc, node), ref, seen)
            return
        props = node.get("properties")
        if isinstance(props, dict):
            for name in props:
                if not CAMEL.match(name):
                    fail(f"{where}: property '{name}' is not lowerCamelCase")
        for k, v in node.items():
            if k not in ("example", "examples", "enum", "default"):
                walk_schemas(doc, v, f"{where}/{k}", seen)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_schemas(doc, v, f"{where}/{i}", seen)


def walk_datetimes(node, where):
    if isinstance(node, dict):
        for k, v in node.items():
            walk_datetimes(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_datetimes(v, f"{where}/{i}")
    elif isinstance(node, str):
        m = DATETIME.match(node)
        if m and not OFFSET.match(m.group(3)):
            fail(f"{where}: date-time '{node}' has no offset")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WW_SOURCE_ROOT", ".")
    try:
        with open(os.path.join(root, "docs", "openapi.json"), encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL: docs/openapi.json: {e}")
        return 1

    if not re.match(r"^3\.0\.\d+$", str(doc.get("openapi", ""))):
        fail(f"openapi is {doc.get('openapi')!r}, expected 3.0.x")
    with open(os.path.join(root, "engine", "server", "server.h"), encoding="utf-8") as f:
        m = re.search(r'#define\s+WW_API_VERSION\s+"([^"]+)"', f.read())
    if not m:
        fail("WW_API_VERSION not found in engine/server/server.h")
    elif doc.get("info", {}).get("version") != m.group(1):
        fail(f"info.version {doc.get('info', {}).get('version')!r} != WW_API_VERSION "
             f"{m.group(1)!r}")
    if not any(s.get("url", "").endswith("/v1") for s in doc.get("servers", [])):
        fail("no server URL ending in /v1")

    tags = {t["name"] for t in doc.get("tags", [])}
    documented = set()
    for path, item in doc.get("paths", {}).items():
        outside_v1 = "servers" in item
        full = path if outside_v1 else "/v1" + path
        for method in METHODS:
            if method not in item:
                continue
            o = item[method]
            where = f"{method.upper()} {full}"
            documented.add((method.upper(), shape(full)))
            for field in ("operationId", "summary", "description"):
                if not o.get(field):
                    fail(f"{where}: no {field}")
            if not o.get("tags") or not set(o["tags"]) <= tags:
                fail(f"{where}: tags {o.get('tags')} not all declared")
            for status, resp in o.get("responses", {}).items():
                resp = resolve(doc, resp)
                headers = {h.lower() for h in resp.get("headers", {})}
                if "api-version" not in headers:
                    fail(f"{where} {status}: no API-Version header")
                if status[0] in "45":
                    media = set(resp.get("content", {}))
                    if media != {"application/problem+json"}:
                        fail(f"{where} {status}: content {sorted(media)} is not only "
                             "application/problem+json")

    routes = {(m, shape(p)) for m, p in registered_routes(root)}
    for m, p in sorted(routes - documented):
        fail(f"route {m} {p} is registered but not documented")
    for m, p in sorted(documented - routes):
        fail(f"{m} {p} is documented but no route table in engine/api/*.c registers it")

    schemas = doc.get("components", {}).get("schemas", {})
    enum = set(resolve(doc, schemas.get("Problem", {})).get("properties", {})
               .get("code", {}).get("enum", []))
    for code in sorted(problem_codes_used(root) - enum):
        fail(f"problem code '{code}' is answered by the engine but not in Problem.code")

    walk_schemas(doc, doc, "#", set())
    walk_datetimes(doc, "#")

    for msg in failures:
        print(f"FAIL: {msg}")
    if failures:
        return 1
    print(f"PASS: {len(documented)} operations documented, {len(routes)} routes registered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
