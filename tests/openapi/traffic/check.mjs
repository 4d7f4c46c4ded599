// The OpenAPI traffic check: every exchange an integration test had with the real server
// (recorded by the harness, tests/support/harness.c, when WW_OPENAPI_TRAFFIC names a
// directory) is validated against docs/openapi.json with Stoplight Prism's validator: the
// code behind `prism proxy --errors`, used as a library so that nothing stands between the
// tests and the server (a proxy would answer malformed requests, unknown paths and methods
// itself, and those are paths the tests must see the server answer).
//
// What is checked, per exchange (README.md beside this file):
//   response  status documented for the operation; Content-Type one of the documented media
//             types (exactly: application/json is not application/problem+json); body and
//             headers against their schemas; no body property the document does not declare.
//   request   when the server answered 2xx: path, query, headers, body and security against
//             the operation (the server accepted it, so the document must allow it).
//   any path  unknown path: 404 NotFound; known path, other method: 405 MethodNotAllowed;
//             431 HeadersTooLarge anywhere (the document's own rule, info.description).
//             HEAD is checked as the GET without a body; OPTIONS (CORS preflight) is not an
//             operation of the document and is only counted.
//
//   node check.mjs [--doc FILE] DIR...     check recorded traffic by hand (exit 1 on a finding)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync,
         readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function writableDir(d) {
  try { mkdirSync(d, { recursive: true }); accessSync(d, constants.W_OK); return true; }
  catch { return false; }
}

// Prism from the npm registry, exactly as package-lock.json pins it, installed once with
// `npm ci` into a cache dir named by the lock file's hash (shared by build dirs; flock(1)
// serialises two installing at once). Returns the dir holding node_modules. Throws when the
// install fails: no validator, no pass.
export function ensureInstalled() {
  const lock = readFileSync(path.join(HERE, 'package-lock.json'));
  const tag = createHash('sha256').update(lock).digest('hex').slice(0, 12);
  let dir = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'),
                      'wegwijzer', `openapi-traffic-${tag}`);
  if (!writableDir(dir)) {
    dir = path.join(process.env.WW_BUILD_ROOT || '.', `openapi-traffic-${tag}`);
    mkdirSync(dir, { recursive: true });
  }
  const done = path.join(dir, '.installed');
  if (existsSync(done)) return dir;
  closeSync(openSync(path.join(dir, '.lock'), 'a'));
  // All under the lock: the copy, npm ci, and the marker after a good install, so a second
  // installer that waited finds the marker and does nothing. --ignore-scripts: Prism needs
  // no install scripts. npm's output goes to stderr: stdout is the test's TAP stream.
  const script = 'test -e .installed || { cp "$1/package.json" "$1/package-lock.json" . && ' +
                 'npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch .installed; }';
  console.error(`# openapi traffic: installing Stoplight Prism (package-lock.json) into ${dir}`);
  const r = spawnSync('flock', ['.lock', 'sh', '-c', script, 'sh', HERE],
                      { cwd: dir, stdio: ['ignore', process.stderr, process.stderr] });
  if (r.status !== 0 || !existsSync(done))
    throw new Error(`npm ci of tests/openapi/traffic failed in ${dir} (exit ${r.status})`);
  return dir;
}

// The harness writes non-UTF-8 bytes as {"hex": "..."}.
const text = (v) => (v && typeof v === 'object' ? Buffer.from(v.hex, 'hex').toString('latin1')
                                                 : v ?? '');

const essence = (ct) => String(ct || '').split(';')[0].trim().toLowerCase();
const isJson = (ct) => /^application\/([a-z0-9.+-]+\+)?json$/.test(essence(ct));

// "/v1" for "http://localhost:8080/v1", "" for "/".
function basePath(servers) {
  const url = servers && servers[0] && servers[0].url;
  if (!url) return '';
  return new URL(url, 'http://server').pathname.replace(/\/+$/, '');
}

function templateRegex(base, template) {
  const parts = (base + template).split(/(\{[^}]+\})/).map((p) =>
    p.startsWith('{') ? '[^/]+' : p.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('')}$`);
}

// The document's "any path" rule (info.description): which statuses a request that finds
// no operation may get, and 431 on every path. Built from the document's own components.
function anyPathDocument(doc) {
  const ref = (name) => {
    if (!doc.components?.responses?.[name])
      throw new Error(`the document has no components.responses.${name}`);
    return { $ref: `#/components/responses/${name}` };
  };
  const op = (id, responses) => ({ get: { operationId: id, responses } });
  return {
    openapi: doc.openapi, info: doc.info, components: doc.components,
    paths: {
      '/unknownPath': op('(unknown path)', { 404: ref('NotFound'), 431: ref('HeadersTooLarge') }),
      '/otherMethod': op('(method the path does not have)',
                         { 405: ref('MethodNotAllowed'), 431: ref('HeadersTooLarge') }),
      '/anyOperation': op('(any operation)', { 431: ref('HeadersTooLarge') }),
    },
  };
}

function headerObject(pairs) {
  const h = {};
  for (const [n, v] of pairs) {
    const k = text(n).toLowerCase();
    h[k] = k in h ? `${h[k]},${text(v)}` : text(v);
  }
  return h;
}

function requestHeaders(raw, body) {
  const h = { host: '127.0.0.1' };
  for (const line of text(raw).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body, 'latin1'));
  return h;
}

function queryObject(search) {
  const q = {};
  for (const [k, v] of new URLSearchParams(search)) {
    q[k] = k in q ? [].concat(q[k], v) : v;
  }
  return q;
}

// Properties in a response body that the document does not declare. Response schemas are
// open (a client ignores what it does not know), so a schema validator lets them pass; but
// a field the server sends and the document does not name is drift all the same. An object
// schema without `properties`, or with `additionalProperties`, is free-form; allOf, oneOf
// and anyOf branches add their properties. Returns (value, schema, at, out) => void.
function undeclaredIn(doc) {
  const deref = (s) => {
    for (let n = 0; s && s.$ref && n < 32; n++)
      s = s.$ref.slice(2).split('/').reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    return s;
  };
  const shapes = new WeakMap();   // schema -> what it allows, its branches merged
  const shape = (schema) => {
    if (shapes.has(schema)) return shapes.get(schema);
    const all = [];
    const flat = (s) => {
      s = deref(s);
      if (!s || all.includes(s)) return;
      all.push(s);
      [...(s.allOf || []), ...(s.oneOf || []), ...(s.anyOf || [])].forEach(flat);
    };
    flat(schema);
    const declared = new Map();
    for (const s of all) for (const [k, v] of Object.entries(s.properties || {}))
      declared.set(k, [...(declared.get(k) || []), v]);
    const extra = all.map((s) => s.additionalProperties).filter((a) => a !== undefined && a !== false);
    const sh = { declared, extra, free: declared.size === 0 || extra.length > 0,
                 items: all.map((s) => s.items).filter(Boolean) };
    shapes.set(schema, sh);
    return sh;
  };
  const walk = (value, schema, at, out) => {
    if (!schema || value === null || typeof value !== 'object') return;
    const sh = shape(schema);
    if (Array.isArray(value)) {
      value.forEach((v, i) => sh.items.forEach((it) => walk(v, it, `${at}[${i}]`, out)));
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      if (sh.declared.has(k)) sh.declared.get(k).forEach((s) => walk(v, s, `${at}.${k}`, out));
      else if (!sh.free) out.push(`${at}.${k}`);
      else sh.extra.filter((a) => typeof a === 'object').forEach((a) => walk(v, a, `${at}.${k}`, out));
    }
  };
  return walk;
}

const SEVERE = new Set([0, 1]);   // DiagnosticSeverity Error, Warning (an undocumented status)

function diagnostics(either, where) {
  if (either._tag !== 'Left') return [];
  return either.left.filter((d) => SEVERE.has(d.severity)).map((d) => {
    const at = d.path && d.path.length ? ` (${d.path.join('.')})` : '';
    return `${where}: ${d.message}${at}`;
  });
}

// A checker for one document (parsed JSON). 'modulesDir' holds node_modules (ensureInstalled).
export async function createChecker(doc, modulesDir) {
  // Prism's own modules, as its proxy uses them (not the package index: that loads the
  // mocker too, a second of start-up for each test). The version is pinned by
  // package-lock.json, and catches.test.mjs fails if these ever move.
  const require = createRequire(path.join(modulesDir, 'index.js'));
  const { getHttpOperationsFromSpec } = require('@stoplight/prism-http/dist/utils/operations');
  const { validateInput, validateOutput, validateSecurity } =
    require('@stoplight/prism-http/dist/validator');
  // Prism dereferences in place: hand it copies.
  const copy = (o) => JSON.parse(JSON.stringify(o));
  const ops = (await getHttpOperationsFromSpec(copy(doc))).map((op) => {
    const base = basePath(op.servers);
    return { op, base, re: templateRegex(base, op.path), params: (op.path.match(/\{/g) || []).length };
  });
  const anyDoc = anyPathDocument(doc);
  const undeclared = undeclaredIn(doc);
  const any = {};
  for (const op of await getHttpOperationsFromSpec(copy(anyDoc))) any[op.path] = op;
  // the document's own response object for a Prism operation and status (for undeclared())
  const rawResponse = (resource, code) => {
    const d = resource === any[resource.path] ? anyDoc : doc;
    let res = d.paths[resource.path]?.[resource.method]?.responses?.[code];
    while (res && res.$ref) res = res.$ref.slice(2).split('/').reduce((o, k) => o?.[k], d);
    return res;
  };

  function route(method, pathname) {
    const onPath = ops.filter((o) => o.re.test(pathname))
                      .sort((a, b) => a.params - b.params);   // literal segments win
    if (onPath.length === 0) return { kind: 'unknown path' };
    const m = method.toLowerCase();
    const hit = onPath.find((o) => o.op.method === m) ||
                (m === 'head' && onPath.find((o) => o.op.method === 'get'));
    if (hit) return { kind: m === 'head' ? 'head' : 'operation', ...hit };
    if (m === 'options') return { kind: 'options' };
    return { kind: 'other method' };
  }

  function documentedResponse(resource, status) {
    const rs = resource.responses || [];
    return rs.find((r) => r.code === String(status)) ||
           rs.find((r) => r.code.toUpperCase() === `${String(status)[0]}XX`) ||
           rs.find((r) => r.code === 'default');
  }

  // Returns { operation, problems: [string] } for one recorded exchange.
  function check(ex) {
    const method = ex.method;
    const target = text(ex.target);
    const url = new URL(target, 'http://127.0.0.1');
    const r = route(method, url.pathname);
    if (r.kind === 'options') return { operation: 'OPTIONS (CORS preflight)', problems: [], skipped: true };
    const status = ex.status;
    let resource;
    if (r.kind === 'unknown path') resource = any['/unknownPath'];
    else if (r.kind === 'other method') resource = any['/otherMethod'];
    else if (status === 431) resource = any['/anyOperation'];
    else resource = r.op;
    const operation = (r.op || resource).iid;   // the operationId
    const problems = [];

    // the response
    const headers = headerObject(ex.responseHeaders || []);
    const ct = headers['content-type'];
    const raw = text(ex.responseBody);
    let body;
    if (r.kind !== 'head' && raw.length > 0) {
      if (isJson(ct)) {
        try { body = JSON.parse(raw); }
        catch (e) { problems.push(`response: Content-Type ${ct} but the body is not JSON (${e.message})`); }
      } else {
        body = raw;
      }
    }
    const documented = documentedResponse(resource, status);
    // HEAD: the GET's status, headers and media type, without its body schemas
    const against = r.kind === 'head' && documented
      ? { ...resource, responses: [{ ...documented, contents: (documented.contents || [])
                                                       .map((c) => ({ mediaType: c.mediaType })) }] }
      : resource;
    problems.push(...diagnostics(validateOutput({ resource: against,
                                                  element: { statusCode: status, headers, body } }),
                                 'response'));
    if (documented && body !== undefined && typeof body === 'object') {
      const media = rawResponse(resource, documented.code)?.content || {};
      const key = Object.keys(media).find((k) => essence(k) === essence(ct));
      const extra = [];
      if (key) undeclared(body, media[key].schema, 'body', extra);
      for (const at of extra) problems.push(`response: ${at} is not in the document`);
    }
    if (documented) {
      const types = (documented.contents || []).map((c) => essence(c.mediaType));
      if (types.length > 0 && !types.includes(essence(ct)))
        problems.push(`response: Content-Type "${ct || ''}" is not the documented ${types.join(', ')}`);
      if (types.length === 0 && raw.length > 0 && r.kind !== 'head')
        problems.push('response: a body where the document gives none');
    }

    // the request, when the server accepted it
    if (status >= 200 && status < 300 && r.op) {
      const reqBodyText = ex.requestBody === undefined ? undefined : text(ex.requestBody);
      const reqHeaders = requestHeaders(ex.requestHeaders, reqBodyText);
      let reqBody = reqBodyText;
      if (reqBodyText !== undefined && isJson(reqHeaders['content-type'])) {
        try { reqBody = JSON.parse(reqBodyText); }
        catch { problems.push('request: answered 2xx to a body that is not JSON'); }
      }
      const reqElement = {
        method: r.op.method,
        url: { path: url.pathname.slice(r.base.length) || '/', query: queryObject(url.search) },
        headers: reqHeaders,
        body: reqBody,
      };
      problems.push(...diagnostics(validateInput({ resource: r.op, element: reqElement }), 'request'));
      problems.push(...diagnostics(validateSecurity({ resource: r.op, element: reqElement }), 'request security'));
    }
    return { operation, problems };
  }

  return { check };
}

// Every *.jsonl record under 'dirs', in order per file.
export function readTraffic(dirs) {
  const out = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
      for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
        if (line) out.push(JSON.parse(line));
      }
    }
  }
  return out;
}

// Check 'records' with 'checker'; returns { findings: [string], summary: string }.
export function checkAll(checker, records) {
  const findings = [];
  const seen = new Map();   // operation -> Map(status -> count)
  let skipped = 0;
  for (const ex of records) {
    const { operation, problems, skipped: s } = checker.check(ex);
    if (s) { skipped++; continue; }
    const m = seen.get(operation) || new Map();
    m.set(ex.status, (m.get(ex.status) || 0) + 1);
    seen.set(operation, m);
    if (problems.length) {
      findings.push(`${ex.test || '(no test)'}: ${ex.method} ${text(ex.target)} -> ${ex.status}` +
                    ` [${operation}]\n    ${problems.join('\n    ')}`);
    }
  }
  const lines = [...seen.entries()].sort().map(([op, m]) =>
    `  ${op}: ${[...m.entries()].sort().map(([s, n]) => `${s}x${n}`).join(' ')}`);
  const summary = `${records.length} exchanges checked (${skipped} OPTIONS not in the document), ` +
                  `${findings.length} departing from the document\n${lines.join('\n')}`;
  return { findings, summary };
}

// node check.mjs [--doc FILE] DIR...
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let docPath = path.join(HERE, '..', '..', '..', 'docs', 'openapi.json');
  if (args[0] === '--doc') { docPath = args[1]; args.splice(0, 2); }
  const checker = await createChecker(JSON.parse(readFileSync(docPath, 'utf8')), ensureInstalled());
  const { findings, summary } = checkAll(checker, readTraffic(args));
  console.log(summary);
  for (const f of findings) console.log(f);
  process.exit(findings.length ? 1 : 0);
}
