// The OpenAPI traffic check cannot pass for nothing: real traffic of the real server (a few
// tests of test_api, recorded by the harness) matches docs/openapi.json, and each copy of the
// document with one thing changed makes the check report that exchange, at that place. And
// run.mjs, the meson wrapper, fails the test on a departure or on traffic it never saw.
//
//   node --test catches.test.mjs      (meson test openapi-traffic-catches)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAll, createChecker, ensureInstalled, readTraffic } from './check.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = process.env.WW_SOURCE_ROOT || path.join(HERE, '..', '..', '..');
const BUILD = process.env.WW_BUILD_ROOT || path.join(SOURCE, 'build');
const TEST_API = path.join(BUILD, 'tests', 'integration', 'test_api');
const DOC = JSON.parse(readFileSync(path.join(SOURCE, 'docs', 'openapi.json'), 'utf8'));
// Tests whose traffic reaches every place a change below is made.
const FILTER = 'api/@(health_and_readiness|invalid_input_names_the_field|advice_anonymous|' +
               'every_documented_answer_on_this_store)';

let modules, tmp, records;

before(() => {
  modules = ensureInstalled();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ww-openapi-catches-'));
  mkdirSync(path.join(tmp, 'traffic'));
  const r = spawnSync(TEST_API, ['--filter', FILTER], {
    env: { ...process.env, WW_OPENAPI_TRAFFIC: path.join(tmp, 'traffic') },
    encoding: 'utf8' });
  assert.equal(r.status, 0, `test_api failed:\n${r.stdout}\n${r.stderr}`);
  records = readTraffic([path.join(tmp, 'traffic')]);
});

after(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

const findingsWith = async (doc) => checkAll(await createChecker(doc, modules), records).findings;

test('the real document: every recorded exchange matches', async () => {
  assert.ok(records.length >= 30, `only ${records.length} exchanges recorded`);
  const statuses = new Set(records.map((r) => r.status));
  for (const s of [200, 201, 400, 401, 403, 404, 405, 415, 429, 503])
    assert.ok(statuses.has(s), `no ${s} in the traffic`);
  assert.deepEqual(await findingsWith(DOC), []);
});

// One change each, and the finding it must cause (exchange and place).
const copy = () => JSON.parse(JSON.stringify(DOC));
const schemas = (d) => d.components.schemas;
const changes = [
  ['/readyz promises its rules as a string again', (d) => {
    schemas(d).Readiness.properties.rules = { type: 'string' };
  }, /GET \/readyz -> 200 \[getReadyz\]\n.*rules must be string/],
  ['/healthz says "alive"', (d) => {
    schemas(d).Health.properties.status.enum = ['alive'];
  }, /GET \/healthz -> 200 \[getHealthz\]\n.*status must be equal to one of the allowed values/],
  ['advice no longer documents 415', (d) => {
    delete d.paths['/advice'].post.responses['415'];
  }, /POST \/v1\/advice -> 415 \[postAdvice\]\n.*Unable to match the returned status code/],
  ['415 documented as application/json', (d) => {
    const c = d.components.responses.UnsupportedMediaType.content;
    c['application/json'] = c['application/problem+json'];
    delete c['application/problem+json'];
  }, /-> 415 \[postAdvice\]\n(.*\n)*.*Content-Type "application\/problem\+json" is not the documented application\/json/],
  ['advice without adviceId', (d) => {
    const a = schemas(d).Advice;
    delete a.properties.adviceId;
    a.required = a.required.filter((k) => k !== 'adviceId');
  }, /POST \/v1\/advice -> 200 \[postAdvice\]\n(.*\n)*.*body\.adviceId is not in the document/],
  ['the advice request takes a numeric service', (d) => {
    schemas(d).AdviceRequest.properties.service = { type: 'integer' };
  }, /POST \/v1\/advice -> 200 \[postAdvice\]\n.*request: .*service must be integer/],
  ['advice needs a token', (d) => {
    d.paths['/advice'].post.security = [{ bearerAuth: [] }];
  }, /POST \/v1\/advice -> 200 \[postAdvice\]\n(.*\n)*.*request security/],
  ['API-Version 2.x', (d) => {
    d.components.headers['API-Version'].schema.pattern = '^2\\.';
  }, /GET \/healthz -> 200 \[getHealthz\]\n.*api-version/i],
  ['no not_found code', (d) => {
    const p = schemas(d).Problem.properties.code;
    p.enum = p.enum.filter((c) => c !== 'not_found');
  }, /GET \/v1\/bestaat-niet -> 404 \[\(unknown path\)\]\n.*code must be equal to one of the allowed values/],
  ['Allow is a number', (d) => {
    d.components.headers.Allow.schema = { type: 'integer' };
  }, /GET \/v1\/advice -> 405 \[\(method the path does not have\)\]\n.*allow/i],
  ['/readyz must send X-Ready (HEAD too)', (d) => {
    d.paths['/readyz'].get.responses['200'].headers['X-Ready'] =
      { required: true, schema: { type: 'string' } };
  }, /HEAD \/readyz -> 200 \[getReadyz\]\n.*x-ready/i],
  ['metrics in another exposition version', (d) => {
    const c = d.paths['/metrics'].get.responses['200'].content;
    const [k] = Object.keys(c);
    c['text/plain; version=0.0.5; charset=utf-8'] = c[k];
    delete c[k];
  }, /GET \/metrics -> 200 \[getMetrics\]\n.*media type/],
];

for (const [name, change, expected] of changes) {
  test(`caught: ${name}`, async () => {
    const d = copy();
    change(d);
    const findings = await findingsWith(d);
    assert.ok(findings.some((f) => expected.test(f)),
              `no finding matches ${expected}; findings:\n${findings.join('\n') || '(none)'}`);
  });
}

// run.mjs as meson runs it: exit 0 on the real document, 1 with the drift listed on a changed
// one, 1 when the test recorded nothing at all.
const runMjs = (args, env) => spawnSync('node', [path.join(HERE, 'run.mjs'), ...args],
                                        { env: { ...process.env, ...env }, encoding: 'utf8' });

test('run.mjs passes the real document and fails a changed one', () => {
  const args = [TEST_API, '--filter', 'api/health_and_readiness'];
  let r = runMjs(args, {});
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /0 departing from the document/);
  const d = copy();
  schemas(d).Readiness.properties.store = { type: 'string' };
  const changed = path.join(tmp, 'changed.json');
  writeFileSync(changed, JSON.stringify(d));
  r = runMjs(args, { WW_OPENAPI_DOC: changed });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /OPENAPI DRIFT api\/health_and_readiness: GET \/readyz -> 200 \[getReadyz\]\n.*store must be string/);
});

test('run.mjs fails a test that recorded no traffic', () => {
  const r = runMjs(['true'], {});
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /no exchange was recorded/);
});
