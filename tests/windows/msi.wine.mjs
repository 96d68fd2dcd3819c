// The companion's .msi, as `make package` builds it beside the CRX (scripts/package.mjs →
// scripts/package-msi.sh, wixl) for the self-hosted ID and the store's, read back with msitools — its File,
// Component, Directory and Registry tables and the files it carries — then installed per machine
// by Wine's msiexec as Group Policy would (silent), with the administrator's BACKUPFOLDER,
// followed from Chrome's registry entry to a companion that answers and names that folder, and
// removed; installed without BACKUPFOLDER, it leaves a value Group Policy set alone. Run by `make test-windows` (not named *.test.mjs:
// `node --test tests/` would run it a second time).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { packageRelease } from '../../scripts/package.mjs';
import { throwawayKey } from '../support/fleet.mjs';
import { EXE, addProcessPrng, companion, root, settle, wine } from './wine.mjs';

const STORE_ID = 'abcdefghijklmnopabcdefghijklmnop';
let SELF_HOSTED_ID; // derived from the throwaway release key
const HOST = 'jp.weborca.cert_companion';
const KEYS = {
  chrome: `SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\${HOST}`,
  edge: `SOFTWARE\\Microsoft\\Edge\\NativeMessagingHosts\\${HOST}`,
};
const ADMIN_KEY = 'SOFTWARE\\WebORCA\\Companion';
const FOLDER = 'D:\\WebORCA Backups';
const version = readFileSync(path.join(root, 'crate/companion/Cargo.toml'), 'utf8').match(/^version = "(.+)"$/m)[1];
let dir;
let msi;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-companion-msi-'));
  const release = await packageRelease({ key: throwawayKey(dir), baseUrl: 'https://updates.example.jp/weborca/', storeId: STORE_ID, windows: true, out: path.join(dir, 'out') });
  ({ id: SELF_HOSTED_ID, msi } = release);
  assert.equal(path.dirname(msi), path.dirname(release.crx), 'beside the CRX');
});
after(() => {
  for (const name of ['prefix', 'prefix-policy']) if (existsSync(path.join(dir, name))) settle(path.join(dir, name));
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** A table of the .msi as rows keyed by column (msiinfo export: names, types, key line, rows). */
function table(name) {
  const [columns, , , ...rows] = execFileSync('msiinfo', ['export', msi, name], { encoding: 'utf8' })
    .split(/\r?\n/).filter((line) => line !== '');
  const names = columns.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((value, i) => [names[i], value])));
}

test('the .msi carries the companion, its install config and the host manifest for the IDs given, registered for Chrome and Edge in HKLM', () => {
  assert.equal(path.basename(msi), `weborca-companion-${version}-x64.msi`);
  const tables = execFileSync('msiinfo', ['tables', msi], { encoding: 'utf8' }).split(/\r?\n/);
  for (const name of ['File', 'Component', 'Registry', 'Directory']) assert.ok(tables.includes(name), name);
  assert.match(execFileSync('msiinfo', ['suminfo', msi], { encoding: 'utf8' }), /^Template: x64;/m, 'a 64-bit package');

  const files = Object.fromEntries(table('File').map((row) => [row.FileName, row]));
  assert.deepEqual(Object.keys(files).sort(), ['jp.weborca.cert_companion.json', 'weborca-companion.exe', 'weborca-companion.json']);
  const components = Object.fromEntries(table('Component').map((row) => [row.Component, row]));
  for (const file of Object.values(files)) {
    const component = components[file.Component_];
    assert.equal(component.Directory_, 'INSTALLDIR', file.FileName);
    assert.equal(Number(component.Attributes) & 256, 256, `${file.FileName}: a 64-bit component`);
  }
  const directories = Object.fromEntries(table('Directory').map((row) => [row.Directory, row]));
  assert.equal(directories.INSTALLDIR.Directory_Parent, 'ProgramFiles64Folder');
  assert.equal(directories.INSTALLDIR.DefaultDir, 'WebORCA Companion');

  // HKLM (root 2), the default value, the manifest's installed path; and the administrator's
  // backup folder from the BACKUPFOLDER property.
  const manifestKey = files['jp.weborca.cert_companion.json'].File;
  const registry = table('Registry');
  assert.deepEqual(registry.map(({ Root, Key, Name, Value }) => ({ Root, Key, Name, Value })).sort((a, b) => a.Key.localeCompare(b.Key)), [
    { Root: '2', Key: KEYS.chrome, Name: '', Value: `[#${manifestKey}]` },
    { Root: '2', Key: KEYS.edge, Name: '', Value: `[#${manifestKey}]` },
    { Root: '2', Key: ADMIN_KEY, Name: 'BackupFolder', Value: '[BACKUPFOLDER]' },
  ]);
  // Its own component, installed only when BACKUPFOLDER is set (a package without it never
  // blanks what Group Policy wrote), 64-bit, the value its key path; not transitive, so an
  // uninstall removes it.
  const backup = components[registry.find((row) => row.Key === ADMIN_KEY).Component_];
  assert.equal(backup.Condition, 'BACKUPFOLDER');
  assert.equal(Number(backup.Attributes) & (256 | 4 | 64), 256 | 4, '64-bit, registry key path, not transitive');
  assert.equal(backup.KeyPath, registry.find((row) => row.Key === ADMIN_KEY).Registry);
  const properties = Object.fromEntries(table('Property').map((row) => [row.Property, row.Value]));
  assert.ok(properties.SecureCustomProperties.split(';').includes('BACKUPFOLDER'), 'passed on to a managed install');
  assert.equal(properties.BACKUPFOLDER, undefined, 'no folder unless the administrator gives one');
  assert.equal(properties.ALLUSERS, '1', 'per machine');
  assert.equal(properties.ProductVersion, version);

  const extracted = path.join(dir, 'extracted');
  execFileSync('msiextract', ['-C', extracted, msi]);
  const folder = path.join(extracted, 'WebORCA Companion'); // msiextract leaves Program Files out
  assert.deepEqual(readdirSync(folder).sort(), Object.keys(files).sort());
  assert.ok(readFileSync(path.join(folder, 'weborca-companion.exe')).equals(readFileSync(EXE)), 'the built companion');
  assert.deepEqual(JSON.parse(readFileSync(path.join(folder, 'weborca-companion.json'), 'utf8')),
    { allowedExtensions: [SELF_HOSTED_ID, STORE_ID] });
  const manifest = JSON.parse(readFileSync(path.join(folder, 'jp.weborca.cert_companion.json'), 'utf8'));
  assert.deepEqual({ ...manifest, description: undefined }, {
    name: HOST, description: undefined, path: 'weborca-companion.exe', type: 'stdio',
    allowed_origins: [`chrome-extension://${SELF_HOSTED_ID}/`, `chrome-extension://${STORE_ID}/`],
  });
});

/** The BackupFolder value in HKLM (64-bit view), or null. */
function backupFolderValue(prefix) {
  const query = wine(prefix, ['reg', 'query', `HKLM\\${ADMIN_KEY}`, '/v', 'BackupFolder', '/reg:64']);
  return query.status === 0 ? query.stdout.toString().match(/REG_SZ\s+(.+?)\r?\n/)[1] : null;
}

test("installed silently per machine by msiexec with BACKUPFOLDER, Chrome's registry entry leads to a companion that answers and names that folder; removed without a trace", () => {
  const prefix = path.join(dir, 'prefix');
  const install = wine(prefix, ['msiexec', '/i', msi, '/qn', `BACKUPFOLDER=${FOLDER}`]);
  assert.equal(install.status, 0, install.stderr.toString());
  assert.equal(backupFolderValue(prefix), FOLDER);

  const manifests = Object.values(KEYS).map((key) => {
    const query = wine(prefix, ['reg', 'query', `HKLM\\${key}`, '/ve']);
    assert.equal(query.status, 0, key);
    return query.stdout.toString().match(/REG_SZ\s+(.+?)\r?\n/)[1];
  });
  assert.deepEqual(manifests, Array(2).fill('C:\\Program Files\\WebORCA Companion\\jp.weborca.cert_companion.json'));

  // As Chrome does: the manifest from the registry, the host's path relative to it.
  const unixPath = (windowsPath) => path.join(prefix, 'drive_c', ...windowsPath.slice(3).split('\\'));
  const manifest = JSON.parse(readFileSync(unixPath(manifests[0]), 'utf8'));
  const installed = path.join(path.dirname(unixPath(manifests[0])), manifest.path);
  addProcessPrng(path.dirname(installed)); // Wine 8's gap, test set-up only
  for (const id of [STORE_ID, SELF_HOSTED_ID]) {
    const run = companion(prefix, installed, [{ type: 'version' }], `chrome-extension://${id}/`);
    assert.deepEqual(run.answers, [{ ok: true, version, store: 'windows', backupFolder: FOLDER }], run.stderr);
  }

  // Windows evaluates a (not transitive) component's condition at the first install only and
  // removes the value on uninstall whatever the properties; Wine 8 evaluates it again and keeps
  // the component when BACKUPFOLDER is unset, so the test passes it again (test set-up only).
  const remove = wine(prefix, ['msiexec', '/x', msi, '/qn', `BACKUPFOLDER=${FOLDER}`]);
  assert.equal(remove.status, 0, remove.stderr.toString());
  for (const key of Object.values(KEYS)) assert.notEqual(wine(prefix, ['reg', 'query', `HKLM\\${key}`]).status, 0, key);
  assert.equal(backupFolderValue(prefix), null, 'the backup folder value removed too');
  const left = existsSync(path.dirname(installed)) ? readdirSync(path.dirname(installed)) : [];
  assert.deepEqual(left, ['bcryptprimitives.dll'], "only the test's own DLL is left");
});

test('installed without BACKUPFOLDER, the .msi leaves a backup folder Group Policy set as it was, and the companion names it', () => {
  const prefix = path.join(dir, 'prefix-policy');
  const policy = 'E:\\Policy Backups';
  const set = wine(prefix, ['reg', 'add', `HKLM\\${ADMIN_KEY}`, '/v', 'BackupFolder', '/t', 'REG_SZ', '/d', policy, '/f', '/reg:64']);
  assert.equal(set.status, 0, set.stderr.toString());
  const install = wine(prefix, ['msiexec', '/i', msi, '/qn']);
  assert.equal(install.status, 0, install.stderr.toString());
  assert.equal(backupFolderValue(prefix), policy, 'not blanked by the install');

  const installed = path.join(prefix, 'drive_c/Program Files/WebORCA Companion/weborca-companion.exe');
  addProcessPrng(path.dirname(installed)); // Wine 8's gap, test set-up only
  const run = companion(prefix, installed, [{ type: 'version' }], `chrome-extension://${STORE_ID}/`);
  assert.deepEqual(run.answers, [{ ok: true, version, store: 'windows', backupFolder: policy }], run.stderr);

  const remove = wine(prefix, ['msiexec', '/x', msi, '/qn']);
  assert.equal(remove.status, 0, remove.stderr.toString());
  assert.equal(backupFolderValue(prefix), policy, 'nor removed by the uninstall: it was never the package\'s');
});

test('the script builds for extension IDs only', () => {
  for (const args of [[], ['--extension-id', 'not-an-id'], ['--extension-id', 'A'.repeat(32)], ['--extension-id', `${STORE_ID}"`]]) {
    const run = spawnSync(path.join(root, 'scripts/package-msi.sh'), [...args, '--out', path.join(dir, 'refused')], { cwd: root });
    assert.equal(run.status, 2, args.join(' '));
  }
  assert.equal(existsSync(path.join(dir, 'refused')), false);
});
