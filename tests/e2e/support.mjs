// Helpers for the end-to-end tests: free ports, the real `wegwijzer serve`, a static file
// server, JSON over HTTP. No fixed ports, no fixed sleeps: everything polls with a deadline.
import { spawn } from 'node:child_process';
import { createServer, createConnection } from 'node:net';
import http from 'node:http';
import { readFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SOURCE_ROOT = process.env.WW_SOURCE_ROOT || path.resolve(import.meta.dirname, '../..');
export const BUILD_ROOT = process.env.WW_BUILD_ROOT || path.join(SOURCE_ROOT, 'build');
export const WEGWIJZER = process.env.WW_WEGWIJZER || path.join(BUILD_ROOT, 'wegwijzer');
export const ARTIFACTS = path.join(BUILD_ROOT, 'test-artifacts');

// A port on 127.0.0.1 that was free a moment ago.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// One HTTP request; resolves {status, headers, body (parsed JSON or text)}.
export function request(base, method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const req = http.request(base + p, {
      method,
      headers: { ...(data ? { 'Content-Type': 'application/json',
                              'Content-Length': data.length } : {}), ...headers },
      timeout: 10000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${p}`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function until(what, ms, fn) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try { if (await fn()) return; } catch (e) { if (e.fatal) throw e; last = e; }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
}

// redis-server on a free loopback port, nothing saved to disk (as tests/support/harness.c);
// resolves {url, port, stop}.
export async function startRedis() {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'ww-e2e-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1',
                                       '--save', '', '--appendonly', 'no', '--dir', dir],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  await until('redis-server', 10000, () => {
    if (exited) throw new Error(`redis-server exited ${JSON.stringify(exited)}: ${log}`);
    return new Promise((resolve) => {
      const c = createConnection(port, '127.0.0.1');
      c.on('connect', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
  });
  const stop = () => new Promise((resolve) => {
    const done = () => rm(dir, { recursive: true, force: true }).then(resolve);
    if (exited) return done();
    child.once('exit', done);
    child.kill('SIGTERM');
  });
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

// `wegwijzer serve` on a free port with the bundled rules (or 'rules'); resolves
// {base, port, stop, log}.
export async function startWegwijzer(extra = [], env = {}, rules = path.join(SOURCE_ROOT, 'rules')) {
  const port = await freePort();
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--rules', rules, '--workers', '1',
                ...extra];
  const child = spawn(WEGWIJZER, args, { env: { ...process.env, ...env },
                                          stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const base = `http://127.0.0.1:${port}`;
  try {
    await until('wegwijzer /readyz', 30000, async () => {
      if (exited) throw Object.assign(new Error(`wegwijzer exited ${JSON.stringify(exited)}: ${log}`),
                                      { fatal: true });   // no use waiting
      return (await request(base, 'GET', '/readyz')).status === 200;
    });
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const stop = () => new Promise((resolve) => {
    if (exited) return resolve(exited);
    const t = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', (code, sig) => { clearTimeout(t); resolve({ code, sig }); });
    child.kill('SIGTERM');
  });
  return { base, port, stop, log: () => log };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
                '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml' };

// A static file server for 'root' on a free port. 'rewrite(urlPath, text, query)' may change
// HTML pages on the way out (the tests point the page's data-endpoint at the test server, and
// vary a page by its query: served from this origin, unlike a page a test fulfils itself,
// which Chromium's local network access treats as public and keeps from the API).
// 'strip': a path prefix that maps onto the same files (one page, two configurations).
export async function startStatic(root, rewrite = (p, t) => t, { strip = null } = {}) {
  const port = await freePort();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    let rel = decodeURIComponent(url.pathname);
    if (strip && rel.startsWith(strip + '/')) rel = rel.slice(strip.length);
    rel = rel.replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(root, rel);
    if (!file.startsWith(path.resolve(root) + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      let body = await readFile(file);
      const ext = path.extname(file);
      if (ext === '.html') {
        body = Buffer.from(rewrite(url.pathname, body.toString('utf8'), url.searchParams));
      }
      res.writeHead(200, { 'Content-Type': TYPES[ext] || 'application/octet-stream',
                           'Cache-Control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${port}`, port,
           stop: () => new Promise((r) => server.close(() => r())) };
}

export async function artifactPath(name) {
  await mkdir(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

// Chromium through playwright-core (run.mjs sets WW_PLAYWRIGHT and WW_CHROMIUM).
export async function launchChromium() {
  const pw = await import(process.env.WW_PLAYWRIGHT || 'playwright-core');
  const chromium = pw.chromium || pw.default.chromium;
  return chromium.launch({
    executablePath: process.env.WW_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
