// The versioned, minified build of wegwijzer-widget.js and its Subresource Integrity hash.
//
//   npm ci && npm run build             writes dist/wegwijzer-widget-<version>.min.js, prints
//                                       its size and the <script integrity="sha384-..."> line
//   node build.mjs --out DIR            writes into DIR instead
//   node build.mjs --check              also fails when dist/ or README.md (size, hash) differ
//                                       from this build: the committed build is never stale
//
// The version is VERSION in wegwijzer-widget.js. terser comes from package-lock.json (npm ci
// here, or WW_TERSER_DIR: a dir whose node_modules holds it, as the tests install it).
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const HERE = import.meta.dirname;
const args = process.argv.slice(2);
const check = args.includes('--check');
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? path.resolve(args[outAt + 1]) : path.join(HERE, 'dist');

const source = readFileSync(path.join(HERE, 'wegwijzer-widget.js'), 'utf8');
const version = (source.match(/var VERSION = '(\d+\.\d+\.\d+)';/) || [])[1];
if (!version) {
  console.error('build: no VERSION in wegwijzer-widget.js');
  process.exit(1);
}
const require = createRequire(path.join(process.env.WW_TERSER_DIR || HERE, 'package.json'));
const { minify } = require('terser');
const result = await minify(source, {
  ecma: 2017, compress: { passes: 2 }, mangle: true,
  format: { comments: false, preamble: `/*! wegwijzer-widget ${version} | examples/website */` },
});
const code = Buffer.from(result.code + '\n');
const name = `wegwijzer-widget-${version}.min.js`;
const sri = 'sha384-' + createHash('sha384').update(code).digest('base64');
const kb = (n) => (n / 1024).toFixed(1).replace('.', ',') + ' KB';
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, name), code);

console.log(`${name}: ${code.length} bytes (${kb(code.length)}), gzip ${gzipSync(code).length} bytes; source ${Buffer.byteLength(source)} bytes`);
console.log(`integrity: ${sri}`);
console.log(`<script src="https://www.gemeente.nl/js/${name}" integrity="${sri}" crossorigin="anonymous" ...></script>`);

if (check) {
  const bad = [];
  const committed = path.join(HERE, 'dist', name);
  if (!existsSync(committed) || !readFileSync(committed).equals(code)) {
    bad.push(`dist/${name} is not this build: run npm run build in examples/website and commit dist/`);
  }
  const readme = readFileSync(path.join(HERE, 'README.md'), 'utf8');
  for (const want of [sri, `${name}`, kb(code.length), `${kb(Buffer.byteLength(source))}`]) {
    if (!readme.includes(want)) bad.push(`README.md does not say ${want}`);
  }
  if (bad.length) {
    for (const b of bad) console.error('FAIL: ' + b);
    process.exit(1);
  }
  console.log('ok: dist/ and README.md match this build');
}
