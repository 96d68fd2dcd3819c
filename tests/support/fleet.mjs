// What a fleet test needs besides the browser: a release CRX signed with a throwaway key and
// served over plain HTTP, as a clinic's update server would, and a poll with a deadline.
import { generateKeyPairSync } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { packageRelease } from '../../scripts/package.mjs';

/** Serves `folder` over plain HTTP on 127.0.0.1. */
export async function serveFolder(folder) {
  const updates = http.createServer((req, res) => {
    const name = path.basename(decodeURIComponent(req.url.split('?')[0]));
    if (!readdirSync(folder).includes(name)) return res.writeHead(404).end();
    const type = name.endsWith('.xml') ? 'application/xml' : 'application/x-chrome-extension';
    res.writeHead(200, { 'content-type': type });
    createReadStream(path.join(folder, name)).pipe(res);
  });
  await new Promise((resolve) => updates.listen(0, '127.0.0.1', resolve));
  return { port: updates.address().port, close: () => new Promise((resolve) => updates.close(resolve)) };
}

/** A release signing key made for one test run, written into `dir`: its path. */
export function throwawayKey(dir) {
  const keyFile = path.join(dir, 'throwaway-release-key.pem');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return keyFile;
}

/** The self-hosted release of dist/ in `dir`, signed with a key made here and served; its
 * `forcelist` entry is what ExtensionInstallForcelist takes. */
export async function servedRelease(dir) {
  const keyFile = throwawayKey(dir);
  const releaseDir = path.join(dir, 'release');
  mkdirSync(releaseDir, { recursive: true });
  const updates = await serveFolder(releaseDir);
  const release = await packageRelease({ key: keyFile, baseUrl: `http://127.0.0.1:${updates.port}/`, storeId: 'none', out: releaseDir });
  return { ...release, updates, forcelist: `${release.id};http://127.0.0.1:${updates.port}/updates.xml` };
}

/** Polls `read` until `accept(value)`; fails after `timeoutMs` naming `what`. */
export async function until(what, read, accept, timeoutMs = 40_000) {
  let value;
  for (const start = Date.now(); Date.now() - start < timeoutMs;) {
    value = await read();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: still ${JSON.stringify(value)}`);
}
