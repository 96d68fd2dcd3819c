// Sizes, printed, never asserted: the shipped Wasm and its glue (raw, gzip, brotli), the
// zipped extension as the Web Store upload is zipped, and what takes the room in the Wasm
// (twiggy over a build that keeps function names).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { root } from '../support/browser.mjs';

/** `{ raw, gzip, brotli }` bytes of one file (gzip -9, brotli at its default quality 11). */
function compressed(file) {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotliCompressSync(bytes).length };
}

/**
 * dist/ zipped as scripts/package.mjs zips the Web Store upload: a copy without the
 * manifest's development `key`, `zip -q -r -X` (its staging helpers are not exported, so the
 * same steps are repeated here).
 */
function zippedExtension() {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'weborca-bench-zip-'));
  try {
    const staged = path.join(temp, 'webstore');
    cpSync(path.join(root, 'dist'), staged, { recursive: true });
    const manifestFile = path.join(staged, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    delete manifest.key;
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    const zip = path.join(temp, 'extension.zip');
    execFileSync('zip', ['-q', '-r', '-X', zip, '.'], { cwd: staged });
    return statSync(zip).size;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** The wasm-opt features the Makefile's `wasm` target passes (one list, kept there). */
function wasmFeatures() {
  const makefile = readFileSync(path.join(root, 'Makefile'), 'utf8').replace(/\\\n/g, ' ');
  const features = makefile.match(/^WASM_FEATURES\s*:?=(.*)$/m)?.[1];
  if (!features) throw new Error('no WASM_FEATURES in the Makefile');
  return features.trim().split(/\s+/);
}

/** twiggy, on PATH or where cargo installs it; null when it is not installed. */
function twiggy() {
  for (const candidate of ['twiggy', path.join(os.homedir(), '.cargo/bin/twiggy')]) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return null;
}

/** The crate a (demangled) function belongs to, as far as its name tells. */
function crateOf(name) {
  if (/ shim\b/.test(name) || name.startsWith('__wbindgen') || name.startsWith('__wbg')) return 'wasm-bindgen glue (exports, shims)';
  if (name.startsWith('data segment') || name.startsWith('elem')) return 'data segments, tables';
  return name.match(/([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/)?.[1] ?? 'other (imports, types, sections)';
}

/**
 * The biggest items and crates of the Wasm: the release build is bound again with
 * `--keep-debug` and optimised as the Makefile does but with `-g`, so functions keep their
 * names (the code is that of the shipped file; the names themselves are left out here).
 * `{ items, crates, codeBytes }`, or `{ note }` when twiggy is not installed.
 */
function topContributors() {
  const tool = twiggy();
  if (!tool) return { note: 'twiggy is not installed (`cargo install twiggy --locked`): no top contributors this time' };
  const named = path.join(root, 'target/bench/named');
  const wasm = path.join(named, 'named.wasm');
  let all;
  try {
    mkdirSync(named, { recursive: true });
    execFileSync('wasm-bindgen', ['--keep-debug', '--target', 'web', '--out-dir', named,
      path.join(root, 'target/wasm32-unknown-unknown/release/weborca_cert.wasm')]);
    execFileSync(path.join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', ...wasmFeatures(), '-g',
      path.join(named, 'weborca_cert_bg.wasm'), '-o', wasm]);
    all = JSON.parse(execFileSync(tool, ['top', '-n', '1000000', '-f', 'json', wasm], { maxBuffer: 64 << 20 }))
      .filter((item) => !/names" subsection$/.test(item.name));
  } catch (error) {
    // The sizes above stand without it: say why this part is missing instead of failing.
    return { note: `no top contributors this time: ${String(error.message).split('\n')[0]}` };
  }
  const codeBytes = all.reduce((sum, item) => sum + item.shallow_size, 0);
  const crates = new Map();
  for (const item of all) {
    const crate = crateOf(item.name);
    crates.set(crate, (crates.get(crate) ?? 0) + item.shallow_size);
  }
  const shorten = (name) => {
    const plain = name.replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, '');
    return plain.length > 90 ? `${plain.slice(0, 87)}…` : plain;
  };
  return {
    codeBytes,
    items: all.slice(0, 15).map((item) => ({ name: shorten(item.name), bytes: item.shallow_size })),
    crates: [...crates].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, bytes]) => ({ name, bytes })),
  };
}

export function sizeFigures() {
  return {
    wasm: compressed(path.join(root, 'pkg/weborca_cert_bg.wasm')),
    glue: compressed(path.join(root, 'pkg/weborca_cert.js')),
    worker: compressed(path.join(root, 'dist/background.js')),
    zip: zippedExtension(),
    top: topContributors(),
  };
}
