// Figures for the reader, printed, never asserted: the Wasm's size (raw, gzip, brotli) and
// the time to open each PKCS#12 fixture with the Wasm core (as the worker does) and with
// node-forge (what an all-JavaScript extension would use).
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
