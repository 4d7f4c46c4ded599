// meson test wrapper: run one integration test binary while the harness records every
// exchange it has with the server (WW_OPENAPI_TRAFFIC), then check each exchange against
// docs/openapi.json (check.mjs). The test's TAP output passes through untouched; when an
// exchange departs from the document the wrapper lists each one on stderr and exits 1, which
// meson reports as an error of that test.
//
//   node run.mjs TEST_BINARY [ARGS...]
//
// WW_OPENAPI_DOC: another document to check against (default: the source tree's).
// WW_KEEP_LOGS: keep the recorded traffic (its directory is printed).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAll, createChecker, ensureInstalled, readTraffic } from './check.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MAX_LISTED = 40;

const [binary, ...args] = process.argv.slice(2);
if (!binary) {
  console.error('usage: node run.mjs TEST_BINARY [ARGS...]');
  process.exit(2);
}
const docPath = process.env.WW_OPENAPI_DOC ||
  path.join(process.env.WW_SOURCE_ROOT || path.join(HERE, '..', '..', '..'), 'docs', 'openapi.json');

// Before the test, so that a failed install fails at once.
const modules = ensureInstalled();
const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-openapi-traffic-'));
const child = spawn(binary, args, { stdio: 'inherit',
                                    env: { ...process.env, WW_OPENAPI_TRAFFIC: dir } });
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
const code = await new Promise((resolve) => child.on('exit', (c, sig) =>
  resolve(c ?? 128 + (os.constants.signals[sig] || 0))));

let failed = false;
if (code !== 77) {   // 77: the test skipped itself
  const records = readTraffic([dir]);
  if (records.length === 0 && code === 0) {
    console.error('# openapi traffic: no exchange was recorded; does the test use the harness' +
                  ' (tests/support/harness.c) for its requests?');
    failed = true;
  } else {
    const checker = await createChecker(JSON.parse(readFileSync(docPath, 'utf8')), modules);
    const { findings, summary } = checkAll(checker, records);
    console.error(`# openapi traffic against ${docPath}: ${summary.replace(/\n/g, '\n# ')}`);
    for (const f of findings.slice(0, MAX_LISTED)) console.error(`OPENAPI DRIFT ${f}`);
    if (findings.length > MAX_LISTED)
      console.error(`... and ${findings.length - MAX_LISTED} more exchanges departing from the document`);
    failed = findings.length > 0;
  }
}
if (process.env.WW_KEEP_LOGS) console.error(`# openapi traffic kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
process.exit(code !== 0 ? code : failed ? 1 : 0);
