// Launcher for the browser tests: make sure Chromium and playwright-core are there, then run
// the given test files with node's built-in runner (`node --test`).
//
//   node run.mjs widget.test.mjs [...]
//
// Chromium: $WW_CHROMIUM, else /usr/bin/chromium (Debian package `chromium`, installed by
// scripts/setup.sh; as root this launcher installs it itself when missing). Exit 77 (meson:
// SKIP) only when no Chromium can be had. playwright-core comes from the npm registry, pinned,
// installed once into a cache dir shared by build dirs (under a lock); a failed install fails
// the test. The module's path is handed to the tests in WW_PLAYWRIGHT.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, accessSync, constants, openSync, closeSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const PW_VERSION = process.env.WW_PLAYWRIGHT_VERSION || '1.65.1';

function executable(p) {
  try { accessSync(p, constants.X_OK); return true; } catch { return false; }
}

function findChromium() {
  const c = [process.env.WW_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return c.find((p) => p && executable(p)) || null;
}

function installChromium() {
  if (process.getuid && process.getuid() !== 0) return;
  if (!executable('/usr/bin/apt-get')) return;
  console.log('# chromium missing: apt-get install -y chromium');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  }
}

function writableDir(d) {
  try { mkdirSync(d, { recursive: true }); accessSync(d, constants.W_OK); return true; }
  catch { return false; }
}

// flock(1) serialises two build dirs installing into the same cache at once.
function ensurePlaywright() {
  if (process.env.WW_PLAYWRIGHT && existsSync(process.env.WW_PLAYWRIGHT)) {
    return process.env.WW_PLAYWRIGHT;
  }
  let cache = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'),
                        'wegwijzer', `playwright-core-${PW_VERSION}`);
  if (!writableDir(cache)) {
    cache = path.join(process.env.WW_BUILD_ROOT || '.', `playwright-core-${PW_VERSION}`);
    mkdirSync(cache, { recursive: true });
  }
  const mod = path.join(cache, 'node_modules', 'playwright-core', 'index.mjs');
  if (!existsSync(mod)) {
    closeSync(openSync(path.join(cache, '.lock'), 'a'));
    console.log(`# installing playwright-core@${PW_VERSION} into ${cache}`);
    // --ignore-scripts: playwright-core needs none (and must not fetch a browser build).
    const r = spawnSync('flock', [path.join(cache, '.lock'), 'npm', 'install', '--silent',
                                  '--no-audit', '--no-fund', '--ignore-scripts',
                                  '--prefix', cache, `playwright-core@${PW_VERSION}`],
                        { stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(mod)) {
      console.error(`FAIL: npm install playwright-core@${PW_VERSION} failed (exit ${r.status})`);
      process.exit(1);
    }
  }
  return mod;
}

let chromium = findChromium();
if (!chromium) {
  installChromium();
  chromium = findChromium();
}
if (!chromium) {
  console.log('SKIP: no Chromium (install the Debian package chromium)');
  process.exit(77);
}
const pw = ensurePlaywright();

const files = process.argv.slice(2);
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, WW_CHROMIUM: chromium, WW_PLAYWRIGHT: pw },
});
child.on('exit', (code, sig) => process.exit(sig ? 1 : code ?? 1));
