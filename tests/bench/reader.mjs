// Figures for the reader, printed, never asserted: the Wasm's size (raw, gzip, brotli) and
// the time to open each PKCS#12 fixture with the Wasm core (as the worker does) and with
// node-forge (what an all-JavaScript extension would use).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import forge from 'node-forge';
import { initSync, readCertificate } from '../../pkg/weborca_cert.js';
import { expectedFixtures, fixtures, root } from '../e2e/browser.mjs';

const wasm = readFileSync(path.join(root, 'pkg/weborca_cert_bg.wasm'));
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`weborca_cert_bg.wasm: ${kb(wasm.length)} raw, ${kb(gzipSync(wasm, { level: 9 }).length)} gzip, `
  + `${kb(brotliCompressSync(wasm).length)} brotli`);
initSync({ module: wasm });

/** Median milliseconds of `runs` calls of `fn`, or the error it threw. */
function median(fn, runs) {
  const times = [];
  try {
    for (let i = 0; i < runs; i += 1) {
      const start = performance.now();
      fn();
      times.push(performance.now() - start);
    }
  } catch (error) {
    return `fails (${error.code ?? error.message?.split('\n')[0]})`;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function openWithForge(bytes, password) {
  const asn1 = forge.asn1.fromDer(forge.util.binary.raw.encode(bytes), { strict: false });
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  return p12.getBags({ bagType: forge.pki.oids.certBag });
}

const expected = await expectedFixtures();
const fmt = (v) => (typeof v === 'number' ? `${v.toFixed(2)} ms` : v);
console.log('\nfixture                         Wasm core      node-forge     forge/Wasm');
for (const row of Object.values(expected).filter((r) => r.file.endsWith('.p12') && r.cn !== '-')) {
  const bytes = readFileSync(path.join(fixtures, row.file));
  const runs = row.file.startsWith('nss') ? 3 : 15;
  const ours = median(() => readCertificate(bytes, row.password, undefined), runs);
  const theirs = median(() => openWithForge(bytes, row.password), runs);
  const ratio = typeof ours === 'number' && typeof theirs === 'number' ? `${(theirs / ours).toFixed(1)}×` : '—';
  console.log(`${row.file.padEnd(32)}${fmt(ours).padEnd(15)}${fmt(theirs).padEnd(15)}${ratio}`);
}

// Hostile files (crate/src/reader/hostile.rs writes them): each must open or be refused within
// the reader's work budget. The worst time of all, fixtures included, is what a user could
// wait for at most on this machine.
const hostileDir = path.join(root, 'target/hostile');
execFileSync('cargo', ['test', '--quiet', '--lib', 'hostile'], {
  cwd: root, env: { ...process.env, HOSTILE_FILES_OUT: hostileDir }, stdio: 'ignore',
});
console.log('\nhostile file                            Wasm core      answer');
const worst = { ms: 0, file: '' };
const lines = readFileSync(path.join(hostileDir, 'passwords.tsv'), 'utf8').trim().split('\n');
const files = [
  ...lines.map((line) => [path.join(hostileDir, line.split('\t')[0]), line.split('\t')[1]]),
  ...Object.values(expected).map((row) => [path.join(fixtures, row.file), row.password]),
];
for (const [file, password] of files) {
  const bytes = readFileSync(file);
  let answer = 'opens';
  const ms = median(() => {
    try {
      readCertificate(bytes, password, undefined);
    } catch (error) {
      answer = error.code;
    }
  }, 3);
  if (ms > worst.ms) Object.assign(worst, { ms, file: path.basename(file) });
  if (file.startsWith(hostileDir)) console.log(`${path.basename(file).padEnd(40)}${fmt(ms).padEnd(15)}${answer}`);
}
console.log(`\nworst case of ${files.length} files: ${worst.file}, ${fmt(worst.ms)}`);
