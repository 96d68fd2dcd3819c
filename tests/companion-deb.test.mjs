// The companion's .deb, built as `make package` builds it, read back as dpkg reads it: its
// fields, its files and their modes, its conffiles, the host manifests for Chrome and
// Chromium and the install config naming both editions; the binary it carries answers a
// listed extension and refuses any other.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HOST_NAME } from '../scripts/companion-host.mjs';
import { ADMIN_CONFFILE, ADMIN_FILE, INSTALL_DIR, MANIFEST_DIRS, PACKAGE, buildDeb } from '../scripts/package-deb.mjs';

const STORE_ID = 'abcdefghijklmnopabcdefghijklmnop';
const SELF_HOSTED_ID = 'ponmlkjihgfedcbaponmlkjihgfedcba';
let dir;
let deb;
let tree;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-deb-test-'));
  // A builder whose umask lets the group write (common on shared build machines): the
  // package's modes must not follow it, or the companion would distrust its own config.
  const umask = process.umask(0o002);
  try {
    deb = await buildDeb({ ids: [STORE_ID, SELF_HOSTED_ID], out: dir });
  } finally {
    process.umask(umask);
  }
  tree = path.join(dir, 'root');
  execFileSync('dpkg-deb', ['-x', deb, tree]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const dpkgDeb = (...args) => execFileSync('dpkg-deb', [...args, deb], { encoding: 'utf8' });

test('the package says what it is and needs the NSS tools it imports with', () => {
  assert.equal(dpkgDeb('-f').match(/^Package: (.*)$/m)[1], PACKAGE);
  assert.match(dpkgDeb('-f'), /^Depends: libc6 \(>= 2\.\d+\), libnss3-tools, libsqlite3-0$/m);
  assert.match(dpkgDeb('-f'), /^Architecture: amd64$/m);
  assert.equal(execFileSync('dpkg-deb', ['-I', deb, 'conffiles'], { encoding: 'utf8' }),
    [ADMIN_CONFFILE, ...MANIFEST_DIRS.map((d) => `${d}/${HOST_NAME}.json`)].map((f) => `${f}\n`).join(''),
    'the administrator\'s settings and the manifests survive an upgrade if edited');
});

test('it installs the binary, its config and a host manifest for Chrome and for Chromium, owned by root, 0755/0644 even built with umask 002', () => {
  const listing = dpkgDeb('-c').trim().split('\n').map((line) => {
    const [mode, owner, , , , file] = line.split(/\s+/);
    return { mode, owner, file: file.replace(/^\./, '').replace(/\/$/, '') || '/' };
  });
  const links = listing.filter((e) => e.mode.startsWith('l'));
  const files = Object.fromEntries(listing.filter((e) => e.mode.startsWith('-')).map((e) => [e.file, e.mode]));
  assert.deepEqual(Object.keys(files).sort(), [
    ...MANIFEST_DIRS.map((d) => `${d}/${HOST_NAME}.json`), ADMIN_CONFFILE,
    `${INSTALL_DIR}/${PACKAGE}`, `${INSTALL_DIR}/${PACKAGE}.json`, `/usr/share/doc/${PACKAGE}/copyright`,
  ].sort());
  assert.deepEqual(links.map((e) => e.file), [`${INSTALL_DIR}/${ADMIN_FILE}`]);
  for (const [file, mode] of Object.entries(files)) {
    assert.equal(mode, file === `${INSTALL_DIR}/${PACKAGE}` ? '-rwxr-xr-x' : '-rw-r--r--', file);
  }
  for (const folder of listing.filter((e) => e.mode.startsWith('d'))) assert.equal(folder.mode, 'drwxr-xr-x', folder.file);
  assert.deepEqual([...new Set(listing.map((e) => e.owner))], ['root/root']);
});

test('the administrator sets the backup folder in a conffile under /etc, which the binary reads through a link', () => {
  assert.equal(readlinkSync(path.join(tree, INSTALL_DIR, ADMIN_FILE)), ADMIN_CONFFILE);
  assert.deepEqual(JSON.parse(readFileSync(path.join(tree, ADMIN_CONFFILE), 'utf8')), { backupFolder: '' });
});

test('the manifests name the installed binary and only the two editions; the config agrees', () => {
  for (const dir of MANIFEST_DIRS) {
    const manifest = JSON.parse(readFileSync(path.join(tree, dir, `${HOST_NAME}.json`), 'utf8'));
    assert.deepEqual(manifest, {
      name: HOST_NAME, description: manifest.description, path: `${INSTALL_DIR}/${PACKAGE}`, type: 'stdio',
      allowed_origins: [`chrome-extension://${STORE_ID}/`, `chrome-extension://${SELF_HOSTED_ID}/`],
    });
  }
  const config = JSON.parse(readFileSync(path.join(tree, INSTALL_DIR, `${PACKAGE}.json`), 'utf8'));
  assert.deepEqual(config, { allowedExtensions: [STORE_ID, SELF_HOSTED_ID] });
});

test('IDs that are not extension IDs build no package', async () => {
  await assert.rejects(buildDeb({ ids: ['chrome-extension://x/'], out: dir }), /not extension IDs/);
  await assert.rejects(buildDeb({ ids: [], out: dir }), /not extension IDs/);
});

/** One native messaging frame: a 32-bit length in the machine's order (little-endian here). */
function frame(message) {
  const body = Buffer.from(JSON.stringify(message));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([length, body]);
}

function ask(origin, message) {
  const home = mkdtempSync(path.join(dir, 'home-'));
  const run = spawnSync(path.join(tree, INSTALL_DIR, PACKAGE), [origin], { input: frame(message), env: { PATH: process.env.PATH, HOME: home } });
  const out = run.stdout;
  assert.ok(out.length >= 4, run.stderr.toString());
  return JSON.parse(out.subarray(4, 4 + out.readUInt32LE(0)).toString());
}

test('the packaged binary answers either edition and refuses another extension', () => {
  for (const id of [STORE_ID, SELF_HOSTED_ID]) {
    const answer = ask(`chrome-extension://${id}/`, { type: 'version' });
    assert.deepEqual({ ok: answer.ok, store: answer.store }, { ok: true, store: 'nss' });
  }
  const refused = ask('chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/', { type: 'version' });
  assert.deepEqual(refused, { ok: false, error: { code: 'companion_origin_not_allowed' } });
});
