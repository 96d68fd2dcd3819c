// How the project measures what users download, for the size test (tests/size.test.mjs) and
// the bench (tests/bench/sizes.mjs) alike: one goal, one compression, the real Web Store zip.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { webstoreZip } from '../../scripts/package.mjs';

/** The goal for the Wasm (raw, brotli) and the zipped extension, in bytes (KB = 1,000). */
export const SIZE_GOAL = Object.freeze({ raw: 350_000, brotli: 120_000, zip: 250_000 });

/** `{ raw, gzip, brotli }` bytes of `bytes` (gzip -9, brotli at its default quality 11). */
export function compressed(bytes) {
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotliCompressSync(bytes).length };
}

/** Bytes of the Chrome Web Store zip of dist/, made by scripts/package.mjs itself. */
export async function webstoreZipSize() {
  const temp = await mkdtemp(path.join(os.tmpdir(), 'weborca-size-'));
  try {
    const zip = path.join(temp, 'webstore.zip');
    await webstoreZip(zip);
    return (await stat(zip)).size;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
