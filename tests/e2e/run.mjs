// Launcher for the browser tests: make sure Chromium and playwright-core are there, then run
// the given test files with node's built-in runner (`node --test`). Also axe-core (the
// accessibility scan, pinned) and terser (examples/website's package-lock.json).
//
//   node run.mjs widget.test.mjs [...]
//
// Chromium: $WW_CHROMIUM, else /usr/bin/chromium (Debian package `chromium`, installed by
// scripts/setup.sh; as root this launcher installs it itself when missing). Exit 77 (meson:
// SKIP) only when no Chromium can be had. playwright-core comes from the npm registry, pinned,
// installed once into a cache dir shared by build dirs (under a lock); a failed install fails
// the test. The module's path is handed to the tests in WW_PLAYWRIGHT.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, accessSync, constants, openSync, closeSync,
         readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';

const PW_VERSION = process.env.WW_PLAYWRIGHT_VERSION || '1.65.1';
const AXE_VERSION = '4.14.1';

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

function cacheDir(name) {
  let cache = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'),
                        'wegwijzer', name);
  if (!writableDir(cache)) {
    cache = path.join(process.env.WW_BUILD_ROOT || '.', name);
    mkdirSync(cache, { recursive: true });
  }
  return cache;
}

// One npm package at an exact version, installed once into a cache dir shared by build dirs;
// flock(1) serialises two build dirs installing into the same cache at once. --ignore-scripts:
// none of ours needs one (and playwright-core must not fetch a browser build). Returns the
// path of 'file' inside the package.
function ensurePackage(pkg, version, file) {
  const cache = cacheDir(`${pkg}-${version}`);
  const mod = path.join(cache, 'node_modules', pkg, file);
  if (!existsSync(mod)) {
    closeSync(openSync(path.join(cache, '.lock'), 'a'));
    console.log(`# installing ${pkg}@${version} into ${cache}`);
    const r = spawnSync('flock', [path.join(cache, '.lock'), 'npm', 'install', '--silent',
                                  '--no-audit', '--no-fund', '--ignore-scripts',
                                  '--prefix', cache, `${pkg}@${version}`],
                        { stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(mod)) {
      console.error(`FAIL: npm install ${pkg}@${version} failed (exit ${r.status})`);
      process.exit(1);
    }
  }
  return mod;
}

// A package-lock.json's packages, installed once with `npm ci` into a cache dir named by the
// lock's hash. Returns the dir whose node_modules holds them.
function ensureLocked(dir, name) {
  const lock = readFileSync(path.join(dir, 'package-lock.json'));
  const cache = cacheDir(`${name}-${createHash('sha256').update(lock).digest('hex').slice(0, 12)}`);
  if (existsSync(path.join(cache, '.installed'))) return cache;
  closeSync(openSync(path.join(cache, '.lock'), 'a'));
  console.log(`# npm ci of ${dir} into ${cache}`);
  const script = 'test -e .installed || { cp "$1/package.json" "$1/package-lock.json" . && ' +
                 'npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch .installed; }';
  const r = spawnSync('flock', ['.lock', 'sh', '-c', script, 'sh', dir],
                      { cwd: cache, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(path.join(cache, '.installed'))) {
    console.error(`FAIL: npm ci of ${dir} failed (exit ${r.status})`);
    process.exit(1);
  }
  return cache;
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
const pw = process.env.WW_PLAYWRIGHT && existsSync(process.env.WW_PLAYWRIGHT)
  ? process.env.WW_PLAYWRIGHT : ensurePackage('playwright-core', PW_VERSION, 'index.mjs');
const axe = ensurePackage('axe-core', AXE_VERSION, 'axe.min.js');
const terser = ensureLocked(path.resolve(import.meta.dirname, '../../examples/website'),
                            'widget-build');

const files = process.argv.slice(2);
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, WW_CHROMIUM: chromium, WW_PLAYWRIGHT: pw, WW_AXE: axe,
         WW_TERSER_DIR: terser },
});
child.on('exit', (code, sig) => process.exit(sig ? 1 : code ?? 1));
