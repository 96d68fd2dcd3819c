#!/usr/bin/env node
// Packages the built extension (dist/) for release, into release/:
//   weborca-cert-assistant-<version>-webstore.zip  for the Chrome Web Store (no `key`)
//   weborca-cert-assistant-<version>.crx            signed CRX3, for self-hosting
//   updates.xml                                     the update manifest that points at it
//   weborca-companion_<version>_<arch>.deb           the companion for Linux terminals, allowing
//                                                   the self-hosted edition and `--store-id`'s
//   weborca-companion-<version>-x64.msi              the same for Windows (Group Policy), unless
//                                                   --no-windows
// The signing key is never in the repository: it is read from the path given. The CRX is
// packed by Chromium itself (--pack-extension), the format's reference implementation.
//
//   node scripts/package.mjs --key release-key.pem --base-url https://updates.example.jp/weborca/ \
//     --store-id <the ID the Chrome Web Store gave the extension | none>
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDeb } from './package-deb.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/lib/chromium/chromium';
const NAME = 'weborca-cert-assistant';

/** The version each of the three files declares; they must agree (tests check it too). */
export async function declaredVersions() {
  const json = async (file) => JSON.parse(await readFile(path.join(root, file), 'utf8')).version;
  const cargo = (await readFile(path.join(root, 'crate/Cargo.toml'), 'utf8')).match(/^version = "([^"]+)"/m)?.[1];
  return { 'manifest.json': await json('manifest.json'), 'package.json': await json('package.json'), 'crate/Cargo.toml': cargo };
}

/** The extension ID Chrome derives from a key: SHA-256 of the public key (SPKI DER), its
 * first 32 hex digits written with the letters a-p. */
export function extensionIdOf(publicKeyDer) {
  const hex = createHash('sha256').update(publicKeyDer).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + parseInt(digit, 16))).join('');
}

/** The update manifest Chrome reads from the update URL (the gupdate protocol 2.0). */
export function updatesXml({ id, version, codebase }) {
  const escape = (text) => text.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
  return `<?xml version='1.0' encoding='UTF-8'?>
<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>
  <app appid='${id}'>
    <updatecheck codebase='${escape(codebase)}' version='${escape(version)}'/>
  </app>
</gupdate>
`;
}

/** A copy of dist/ with its manifest rewritten by `edit`. */
async function stage(into, edit) {
  await cp(path.join(root, 'dist'), into, { recursive: true });
  const file = path.join(into, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, `${JSON.stringify(edit(manifest), null, 2)}\n`);
}

/** The store and the self-hosted packages never carry the development key: the store
 * assigns its own, the CRX is signed with the release key. */
function withoutKey(manifest) {
  const copy = { ...manifest };
  delete copy.key;
  return copy;
}

/** Self-hosted (force-installed) edition: Chrome has no policy that grants an extension
 * access to a host, so an on-premise WebORCA named by policy could never get its banner.
 * This edition asks for https sites at install (no prompt when force-installed); the
 * administrator narrows it with ExtensionSettings runtime_blocked_hosts /
 * runtime_allowed_hosts (docs/admin). The extension itself only ever touches the origins
 * its settings name. */
function managedEdition(manifest) {
  const edition = withoutKey(manifest);
  delete edition.optional_host_permissions;
  // The companion (installed by the same IT) is asked for at install too: a force-installed
  // extension gets it without a prompt; the store edition asks for it only when used.
  delete edition.optional_permissions;
  return {
    ...edition,
    permissions: [...new Set([...edition.permissions, 'nativeMessaging'])],
    host_permissions: [...new Set([...edition.host_permissions, 'https://*/*'])],
  };
}

/** Writes the Chrome Web Store zip of dist/ to `zip` (tests/size.test.mjs measures it). */
export async function webstoreZip(zip) {
  const temp = await mkdtemp(path.join(os.tmpdir(), 'weborca-webstore-'));
  try {
    const webstore = path.join(temp, 'webstore');
    await stage(webstore, withoutKey);
    await rm(zip, { force: true });
    execFileSync('zip', ['-q', '-9', '-r', '-X', zip, '.'], { cwd: webstore }); // -9: the smallest deflate zip writes
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** The companion's Windows installer for `ids` (scripts/package-msi.sh): its path. */
export function buildMsi({ ids, out }) {
  const printed = execFileSync(path.join(root, 'scripts/package-msi.sh'),
    [...ids.flatMap((id) => ['--extension-id', id]), '--out', out],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return printed.trim().split('\n').at(-1);
}

/** The store edition's ID the companion must also answer, or none when the administrator said
 * `none`. Asked for explicitly: a companion built without it refuses the store edition on every
 * terminal (「…受け付ける設定になっていません」), which nobody notices until it is installed. */
export function storeIdsOf(storeId) {
  if (storeId === 'none') return [];
  if (storeId === undefined || storeId === '') {
    throw new Error('STORE_ID is required: the Chrome Web Store ID of the extension (its listing\'s address ends with it), '
      + 'or STORE_ID=none for a companion that answers only the self-hosted edition');
  }
  if (!/^[a-p]{32}$/.test(storeId)) throw new Error(`STORE_ID is not an extension ID (32 letters a-p): ${storeId}`);
  return [storeId];
}

export async function packageRelease({ key, baseUrl, storeId, windows = false, out = path.join(root, 'release') }) {
  const storeIds = storeIdsOf(storeId);
  const versions = await declaredVersions();
  const version = versions['manifest.json'];
  if (new Set(Object.values(versions)).size !== 1) {
    throw new Error(`versions disagree: ${JSON.stringify(versions)}`);
  }
  const id = extensionIdOf(createPublicKey(await readFile(key, 'utf8')).export({ type: 'spki', format: 'der' }));
  await mkdir(out, { recursive: true });
  const temp = await mkdtemp(path.join(os.tmpdir(), 'weborca-package-'));
  try {
    const zip = path.join(out, `${NAME}-${version}-webstore.zip`);
    await webstoreZip(zip);

    const managed = path.join(temp, NAME);
    await stage(managed, managedEdition);
    execFileSync(CHROMIUM, [
      '--no-sandbox', '--headless=new', '--disable-gpu', '--no-first-run',
      `--user-data-dir=${path.join(temp, 'profile')}`, `--pack-extension=${managed}`, `--pack-extension-key=${path.resolve(key)}`,
    ], { stdio: 'pipe', env: { ...process.env, HOME: temp } });
    const crx = path.join(out, `${NAME}-${version}.crx`);
    await rename(`${managed}.crx`, crx);
    await chmod(crx, 0o644); // served over HTTP: readable like the zip

    const codebase = new URL(path.basename(crx), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).href;
    await writeFile(path.join(out, 'updates.xml'), updatesXml({ id, version, codebase }));
    // The companion answers the editions this release makes: the self-hosted one, and the
    // store's unless the administrator said none (the store assigns it at the first upload).
    const ids = [id, ...storeIds];
    const deb = await buildDeb({ ids, out });
    // The .msi needs the mingw-w64 target and wixl (`make deps` installs both).
    const msi = windows ? buildMsi({ ids, out }) : undefined;
    return { id, version, zip, crx, deb, msi, updates: path.join(out, 'updates.xml'), codebase };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      key: { type: 'string' }, 'base-url': { type: 'string' }, 'store-id': { type: 'string' }, out: { type: 'string' },
      'no-windows': { type: 'boolean' },
    },
  });
  if (!values.key || !values['base-url'] || !values['store-id']) {
    console.error('usage: node scripts/package.mjs --key <release key .pem> --base-url <https://host/path/> --store-id <Web Store ID | none> [--out release] [--no-windows]');
    process.exit(2);
  }
  const result = await packageRelease({
    key: values.key, baseUrl: values['base-url'], storeId: values['store-id'], windows: !values['no-windows'], out: values.out,
  });
  console.log(`Version:      ${result.version}`);
  console.log(`Extension ID: ${result.id}`);
  console.log(`Web Store:    ${path.relative(process.cwd(), result.zip)}`);
  console.log(`CRX:          ${path.relative(process.cwd(), result.crx)} (served as ${result.codebase})`);
  console.log(`Companion:    ${path.relative(process.cwd(), result.deb)}`);
  if (result.msi) console.log(`              ${path.relative(process.cwd(), result.msi)}`);
  console.log(`Update URL:   ${new URL('updates.xml', result.codebase).href} (${path.relative(process.cwd(), result.updates)})`);
  console.log(`Policy:       ExtensionInstallForcelist = ${result.id};${new URL('updates.xml', result.codebase).href}`);
}
