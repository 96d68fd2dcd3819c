// Sizes, printed, never asserted: the shipped Wasm and its glue (raw, gzip, brotli), the
// Web Store zip (made by scripts/package.mjs), and what takes the room in the Wasm
// (twiggy over a build that keeps function names).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../support/browser.mjs';
import { compressed, webstoreZipSize } from '../support/sizes.mjs';

/** The wasm-opt flags of the Makefile's `wasm` target (one list, kept there), `$(…)` expanded. */
function wasmOptFlags() {
  const makefile = readFileSync(path.join(root, 'Makefile'), 'utf8').replace(/\\\n/g, ' ');
  const variable = (name) => {
    const value = makefile.match(new RegExp(`^${name}\\s*:?=(.*)$`, 'm'))?.[1];
    if (value === undefined) throw new Error(`no ${name} in the Makefile`);
    return value.replace(/\$\((\w+)\)/g, (_, inner) => variable(inner)).trim();
  };
  return variable('WASM_OPT_FLAGS').split(/\s+/);
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
    execFileSync(path.join(root, 'node_modules/.bin/wasm-opt'), [...wasmOptFlags(), '-g',
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

export async function sizeFigures() {
  const of = (file) => compressed(readFileSync(path.join(root, file)));
  return {
    wasm: of('pkg/weborca_cert_bg.wasm'),
    glue: of('pkg/weborca_cert.js'),
    worker: of('dist/background.js'),
    zip: await webstoreZipSize(),
    top: topContributors(),
  };
}
