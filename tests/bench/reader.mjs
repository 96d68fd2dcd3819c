// Figures for the reader, printed, never asserted: the time to open each PKCS#12 fixture that
// holds a certificate (and two Windows-style exports made here) with the Wasm core under Node
// (initialised as the worker does), node-forge and PKI.js (what an all-JavaScript extension
// would use), the same core built natively (crate/examples/bench_reader.rs) and the
// `openssl pkcs12` CLI; then the hostile files of crate/src/reader/hostile.rs with the worst
// case of all.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import forge from 'node-forge';
import { expectedFixtures, fixtures, root } from '../support/browser.mjs';
import { readCertificate } from '../support/core.mjs';
import { openWithPkijs, shortReason } from './pkijs-reader.mjs';
import { summary, timeAsync, timeInTurns } from './stats.mjs';

/** Runs per column: files that take the Wasm core over SLOW_MS (600,000 iterations) get few;
 * node-forge, about five times slower there, fewest. */
const FAST = { wasm: 15, forge: 15, pkijs: 15, native: 15, openssl: 10, warmup: 1 };
const SLOW = { wasm: 3, forge: 2, pkijs: 3, native: 3, openssl: 3, warmup: 0 };
const SLOW_MS = 200;
const benchDir = path.join(root, 'target/bench');
const nativeReader = path.join(root, 'target/release/examples/bench_reader');
/** The same, with `sha1`'s and `sha2`'s portable code instead of the CPU's SHA extensions
 * (SHA-NI), which the Wasm cannot use: what the gap to native is made of. */
const softShaDir = path.join(benchDir, 'soft-sha');
const softShaReader = path.join(softShaDir, 'release/examples/bench_reader');

/** The core as the worker calls it (awaited: the export may return a Promise). */
const openWithWasm = (bytes, password, file) => readCertificate(bytes, password, file);

function openWithForge(bytes, password) {
  const asn1 = forge.asn1.fromDer(forge.util.binary.raw.encode(bytes), { strict: false });
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  const certificates = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  if (!certificates.length) throw new Error('no certificate');
}

/** `runs` opens by a native build of the core, timed inside the process. */
function openNatively(file, password, runs, warmup, reader = nativeReader) {
  const { stdout, stderr, status } = spawnSync(reader, [file, password, String(runs + warmup)], { encoding: 'utf8' });
  if (status !== 0) return { error: stderr.trim().split('\n')[0] };
  const answer = JSON.parse(stdout);
  return answer.error ? answer : summary(answer.runs.slice(warmup));
}

/** The openssl arguments that open every part of `file` (MAC, certificate and key bags: the
 * key is decrypted and written to /dev/null), with `-legacy` where OpenSSL 3 needs it
 * (RC2-40); or why openssl cannot open it. */
function opensslArgs(file, password) {
  const base = ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes', '-out', '/dev/null'];
  let stderr = '';
  for (const args of [base, [...base, '-legacy']]) {
    const run = spawnSync('openssl', args, { encoding: 'utf8' });
    if (run.status === 0) return { args, legacy: args.includes('-legacy') };
    stderr = run.stderr;
  }
  const algorithm = stderr.match(/Algorithm \(([^ :]+)/)?.[1];
  return { error: algorithm ? `unsupported ${algorithm}` : stderr.trim().split('\n')[0] };
}

/** Wall time of `runs` openssl processes with `args` (process start included). */
function timeProcess(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    const run = spawnSync('openssl', args, { stdio: 'ignore' });
    times.push(performance.now() - start);
    if (run.status !== 0) return { error: `openssl exit ${run.status}` };
  }
  return summary(times);
}

/** Builds the native reader, and the Windows-style files (tests/bench/windows-style.sh). */
export function prepareReader() {
  execFileSync('cargo', ['build', '--locked', '--quiet', '--release', '--example', 'bench_reader'], { cwd: root, stdio: 'inherit' });
  execFileSync('cargo', ['build', '--locked', '--quiet', '--release', '--example', 'bench_reader', '--target-dir', softShaDir], {
    cwd: root, stdio: 'inherit', env: { ...process.env, RUSTFLAGS: '--cfg sha1_backend="soft" --cfg sha2_backend="soft"' },
  });
  execFileSync(path.join(root, 'tests/bench/windows-style.sh'), [benchDir], { stdio: 'inherit' });
}

/** Every .p12 with a certificate, with its password, fixtures first. */
async function benchFiles() {
  const rows = Object.values(await expectedFixtures()).filter((r) => r.file.endsWith('.p12') && r.cn !== '-');
  return [
    ...rows.map((r) => ({ name: r.file, file: path.join(fixtures, r.file), password: r.password })),
    // openssl-made with Windows' export parameters (windows-style.sh): no Windows here.
    ...['windows-tripledes-sha1.p12', 'windows-aes256-sha256.p12']
      .map((name) => ({ name: `${name} (Windows-style)`, file: path.join(benchDir, name), password: 'orca-test-pass' })),
  ];
}

/** Times every column for every file: `[{ name, wasm, forge, pkijs, native, nativeSoftSha, openssl, legacy }]`. */
export async function readerFigures(progress = () => {}) {
  const files = await benchFiles();
  // V8 tiers code up (Liftoff/Ignition first, TurboFan later) while it runs: without this the
  // first file of the table would carry the whole warm-up of all three libraries.
  const first = files.find((f) => f.name === 'openssl3-default.p12') ?? files[0];
  const firstBytes = new Uint8Array(readFileSync(first.file));
  await timeInTurns({
    wasm: { fn: () => openWithWasm(firstBytes, first.password, 'warm-up.p12'), runs: 30 },
    forge: { fn: async () => openWithForge(firstBytes, first.password), runs: 30 },
    pkijs: { fn: () => openWithPkijs(firstBytes, first.password), runs: 30 },
  });
  const results = [];
  for (const { name, file, password } of files) {
    progress(name);
    const bytes = new Uint8Array(readFileSync(file));
    const base = path.basename(file);
    const probe = performance.now();
    try {
      await openWithWasm(bytes, password, base);
    } catch {
      // A file the core refuses is timed all the same (its error shows in the table).
    }
    const runs = performance.now() - probe > SLOW_MS ? SLOW : FAST;
    const row = { name, runs };
    Object.assign(row, await timeInTurns({
      wasm: { fn: () => openWithWasm(bytes, password, base), runs: runs.wasm },
      forge: { fn: async () => openWithForge(bytes, password), runs: runs.forge },
      pkijs: { fn: () => openWithPkijs(bytes, password), runs: runs.pkijs },
    }, { warmup: runs.warmup }));
    if (row.pkijs.error) {
      // The reason, not the timing: PKI.js does not read this file at all.
      const reason = await openWithPkijs(bytes, password).then(() => row.pkijs.error, shortReason);
      row.pkijs = { error: `cannot read (${reason})` };
    }
    if (row.forge.error) row.forge = { error: `cannot read (${shortReason(row.forge.error)})` };
    row.native = openNatively(file, password, runs.native, runs.warmup);
    row.nativeSoftSha = openNatively(file, password, runs.native, runs.warmup, softShaReader);
    const openssl = opensslArgs(file, password);
    row.openssl = openssl.error ? { error: `cannot read (${openssl.error})` } : timeProcess(openssl.args, runs.openssl);
    row.legacy = openssl.legacy;
    results.push(row);
  }
  return results;
}

/** The openssl process's own start: `openssl version`, same spawn as above. */
export function opensslStart() {
  return timeProcess(['version'], 10);
}

/**
 * Hostile files (crate/src/reader/hostile.rs writes them): each must open or be refused within
 * the reader's work budget. The worst time of all, fixtures included, is what a user could
 * wait for at most on this machine. `{ rows: [{ file, time, answer }], worst, count }`.
 */
export async function hostileFigures() {
  const hostileDir = path.join(root, 'target/hostile');
  execFileSync('cargo', ['test', '--quiet', '--lib', 'hostile'], {
    cwd: root, env: { ...process.env, HOSTILE_FILES_OUT: hostileDir }, stdio: 'ignore',
  });
  const lines = readFileSync(path.join(hostileDir, 'passwords.tsv'), 'utf8').trim().split('\n');
  const files = [
    ...lines.map((line) => [path.join(hostileDir, line.split('\t')[0]), line.split('\t')[1]]),
    ...Object.values(await expectedFixtures()).map((row) => [path.join(fixtures, row.file), row.password]),
  ];
  const rows = [];
  const worst = { time: { median: 0 }, file: '' };
  for (const [file, password] of files) {
    const bytes = new Uint8Array(readFileSync(file));
    let answer = 'opens';
    const time = await timeAsync(async () => {
      try {
        await openWithWasm(bytes, password, path.basename(file));
      } catch (error) {
        answer = error.code;
      }
    }, { runs: 3 });
    if (time.median > worst.time.median) Object.assign(worst, { time, file: path.basename(file) });
    if (file.startsWith(hostileDir)) rows.push({ file: path.basename(file), time, answer });
  }
  return { rows, worst, count: files.length };
}
