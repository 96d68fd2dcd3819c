// What installs the companion (the .deb, the .msi, the e2e tests) writes beside it: Chrome's
// host manifest, which names the binary and the extensions that may start it, and the
// companion's own install config, which it checks the caller's origin against again.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOST_NAME = 'jp.weborca.cert_companion';
export const CONFIG_FILE = 'weborca-companion.json';

const EXTENSION_ID = /^[a-p]{32}$/;

/** `ids` checked: each an extension ID (32 letters a–p), at least one, no repeats. */
export function extensionIds(ids) {
  const list = [...new Set(ids.map((id) => id.trim()).filter(Boolean))];
  const bad = list.filter((id) => !EXTENSION_ID.test(id));
  if (!list.length || bad.length) throw new Error(`not extension IDs (32 letters a-p): ${bad.join(', ') || '(none given)'}`);
  return list;
}

/** Chrome's native messaging host manifest for the binary at `binaryPath`. */
export function hostManifest(binaryPath, ids) {
  return {
    name: HOST_NAME,
    description: 'WebORCA 証明書更新アシスタント companion',
    path: binaryPath,
    type: 'stdio',
    allowed_origins: extensionIds(ids).map((id) => `chrome-extension://${id}/`),
  };
}

/** The companion's install config (`crate/companion/src/origin.rs`). */
export function installConfig(ids) {
  return { allowedExtensions: extensionIds(ids) };
}

/** Writes both files into `dir`: the host manifest as `<HOST_NAME>.json`, and the config. */
export function writeHostFiles(dir, binaryPath, ids) {
  const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
  writeFileSync(path.join(dir, `${HOST_NAME}.json`), json(hostManifest(binaryPath, ids)));
  writeFileSync(path.join(dir, CONFIG_FILE), json(installConfig(ids)));
}

// For the .msi's shell script: node scripts/companion-host.mjs <dir> <binary path> <ID>…
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, binaryPath, ...ids] = process.argv.slice(2);
  if (!dir || !binaryPath) {
    console.error('usage: node scripts/companion-host.mjs <dir> <binary path> <extension ID>…');
    process.exit(2);
  }
  writeHostFiles(dir, binaryPath, ids);
}
