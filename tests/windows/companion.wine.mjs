// The Windows companion (cross-built for x86_64-pc-windows-gnu) under Wine, each step a separate
// process spoken to with native messaging frames as Chrome does. A terminal's certificate (a test
// CA's client3948, with its key) is put into the current user's MY first, as an earlier import
// left it; then its renewal as the ORCA cloud exports it (RC2/3DES, SHA-1 MAC, the CA beside it)
// is imported, found with its private key by another process after the registry was written to
// disk, and the same file again leaves one entry and no second key; an AES file likewise. An
// entry already there for the renewed certificate — linked to a key that does not open silently,
// or without any key — is never replaced, and the refused import leaves MY and every key
// container as they were. The backup folder the `version` answer names is the administrator's
// registry value. The store's own unit tests (src/store/windows.rs: a failed add after the key was
// written leaves no key container; a key an entry uses is never deleted) run under Wine too. Run
// by `make test-windows` (not named *.test.mjs: `node --test tests/` would run it a second time). What Wine cannot show is in docs/admin/companion-windows-notes.md.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import {
  EXE, addProcessPrng, buildStoreTool, companion, installCompanion, keyStore, myEntries, myStoreEntries, root, settle, storeTool,
  wine,
} from './wine.mjs';

const DAY = 86_400_000;
const PASS = 'orca-test-pass';
/** The container the terminal's current key is in (one of its own, as Windows gives each import). */
const OLD_CONTAINER = 'weborca-test-current';
let dir;
let exe;
let tool;
let current; // the terminal's certificate in MY: { der, blob, fingerprint, sha1 }
let renewed; // its renewal: { p12, aes, der, fingerprint, sha1 }

const openssl = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
const hash = (algorithm, der) => createHash(algorithm).update(der).digest('hex').toUpperCase();

before(() => {
  assert.ok(existsSync(EXE), `${EXE} is built (make test-windows builds it)`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-companion-wine-'));
  exe = installCompanion(path.join(dir, 'app'));
  tool = buildStoreTool(path.join(dir, 'tool'));
  const pki = new TestPki(path.join(dir, 'pki'));
  const now = Date.now();
  const old = pki.client('current', { cn: 'client3948', notBefore: now - 360 * DAY, notAfter: now + 20 * DAY, password: PASS });
  const next = pki.client('renewed', { cn: 'client3948', notAfter: now + 380 * DAY, password: PASS });
  const oldDer = openssl(['x509', '-in', old.cert, '-outform', 'DER']);
  current = {
    der: oldDer,
    blob: openssl(['rsa', '-in', old.key, '-outform', 'MSBLOB']),
    fingerprint: hash('sha256', oldDer),
    sha1: hash('sha1', oldDer),
  };
  const der = openssl(['x509', '-in', next.cert, '-outform', 'DER']);
  // The same certificate and key in OpenSSL 3's default format (PBES2, AES-256-CBC, SHA-256 MAC).
  const aes = path.join(dir, 'pki/renewed-aes.p12');
  openssl(['pkcs12', '-export', '-in', next.cert, '-inkey', next.key, '-certfile', pki.caCert, '-name', 'client3948',
    '-passout', `pass:${PASS}`, '-out', aes]);
  renewed = { p12: next.p12, aes, der, fingerprint: hash('sha256', der), sha1: hash('sha1', der) };
});
after(() => {
  for (const name of readdirSync(dir).filter((entry) => entry.startsWith('prefix-'))) {
    settle(path.join(dir, name));
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

const importing = (file, { password = PASS, fingerprint = renewed.fingerprint } = {}) => ({
  type: 'import', p12: readFileSync(file).toString('base64'), password, fingerprint,
});

/** The fingerprints a `list` answer names, each with its key (the companion lists no other). */
function listed(answer) {
  assert.equal(answer.ok, true, JSON.stringify(answer));
  return answer.certificates.map((entry) => entry.certificate.sha256Fingerprint).sort();
}

/** A fresh prefix whose MY holds the terminal's current certificate with its key. */
function terminal(name) {
  const prefix = path.join(dir, `prefix-${name}`);
  storeTool(prefix, tool, ['add', current.der.toString('hex'), 'key', current.blob.toString('hex'), OLD_CONTAINER]);
  assert.deepEqual(myEntries(prefix, tool), [`${current.sha1} ${OLD_CONTAINER} usable`]);
  return prefix;
}

/** No password in what the prefix wrote to disk, nor in what the companion logged. */
function assertNoPassword(prefix, logs) {
  for (const file of readdirSync(prefix).filter((name) => name.endsWith('.reg'))) {
    const text = readFileSync(path.join(prefix, file));
    assert.equal(text.includes(PASS), false, file);
    assert.equal(text.includes(Buffer.from(PASS, 'utf16le')), false, `${file} (UTF-16)`);
  }
  for (const log of logs) assert.equal(log.includes(PASS), false, log);
}

test('a renewal as the ORCA cloud exports it (RC2/3DES, SHA-1 MAC, CA beside it) is imported into MY once, with a key another process can use, and the CA left out', () => {
  const prefix = path.join(dir, 'prefix-legacy');

  const first = companion(prefix, exe, [{ type: 'version' }, { type: 'list' }, importing(renewed.p12)]);
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(first.answers[0], { ok: true, version: first.answers[0].version, store: 'windows', backupFolder: null });
  assert.deepEqual(listed(first.answers[1]), [], 'MY is empty at first');
  // Nothing to renew in this store: refused, and nothing written (no key either).
  assert.equal(first.answers[2].error?.code, 'companion_not_a_renewal', JSON.stringify(first.answers[2]));
  assert.deepEqual(myEntries(prefix, tool), []);
  assert.deepEqual(keyStore(prefix, tool), []);

  storeTool(prefix, tool, ['add', current.der.toString('hex'), 'key', current.blob.toString('hex'), OLD_CONTAINER]);
  // Refused before anything reaches the store: another fingerprint, a wrong password.
  const refused = companion(prefix, exe, [
    importing(renewed.p12, { fingerprint: '00'.repeat(32) }),
    importing(renewed.p12, { password: 'wrong' }),
  ]);
  assert.deepEqual(refused.answers.map((answer) => answer.error?.code),
    ['companion_fingerprint_mismatch', 'wrong_password']);

  const imported = companion(prefix, exe, [importing(renewed.p12)]);
  assert.equal(imported.answers[0].ok, true, JSON.stringify(imported.answers[0]));
  assert.equal(imported.answers[0].certificate.sha256Fingerprint, renewed.fingerprint);
  settle(prefix);
  assert.deepEqual(myStoreEntries(prefix).sort(), [current.sha1, renewed.sha1].sort(), 'the two certificates in MY, on disk, and not the CA');
  const keys = keyStore(prefix, tool);

  // A new process, with a new wineserver that reads the store from disk, opens both keys.
  const again = companion(prefix, exe, [{ type: 'list' }]);
  assert.deepEqual(listed(again.answers[0]), [current.fingerprint, renewed.fingerprint].sort());
  assert.equal(again.answers[0].certificates.every((entry) => entry.renewableClient), true, 'client3948 is a WebORCA terminal');

  const twice = companion(prefix, exe, [importing(renewed.p12), { type: 'list' }]);
  assert.equal(twice.answers[0].ok, true, JSON.stringify(twice.answers[0]));
  assert.deepEqual(listed(twice.answers[1]), [current.fingerprint, renewed.fingerprint].sort(), 'no duplicate');
  settle(prefix);
  assert.equal(myStoreEntries(prefix).length, 2, 'still two entries in MY');
  assert.deepEqual(keyStore(prefix, tool), keys, 'and no second copy of the key');
  assertNoPassword(prefix, [first.stderr, refused.stderr, imported.stderr, again.stderr, twice.stderr]);

  // A caller the install config does not name is refused before any request is read.
  const stranger = companion(prefix, exe, [{ type: 'list' }], `chrome-extension://${'p'.repeat(32)}/`);
  assert.notEqual(stranger.status, 0);
  assert.deepEqual(stranger.answers.map((answer) => answer.error?.code), ['companion_origin_not_allowed']);
});

test('an AES renewal (PBES2, AES-256-CBC, SHA-256 MAC) is imported into MY with a key another process can use', () => {
  const prefix = terminal('aes');
  const imported = companion(prefix, exe, [importing(renewed.aes)]);
  assert.equal(imported.answers[0].ok, true, JSON.stringify(imported.answers[0]));
  settle(prefix);
  assert.equal(myStoreEntries(prefix).length, 2);

  const again = companion(prefix, exe, [{ type: 'list' }]);
  assert.deepEqual(listed(again.answers[0]), [current.fingerprint, renewed.fingerprint].sort());
  assertNoPassword(prefix, [imported.stderr, again.stderr]);
});

// The renewed certificate already in MY, as another tool or an earlier import by hand left it.
// Windows would have replaced it (REPLACE_EXISTING) with an unprotected key and left the new key
// container behind; now the entry and every key container stay exactly as they were.
for (const { name, setUp, code, detail } of [
  {
    name: 'linked to a key that does not open without asking (here: a key that is not there)',
    setUp: (prefix) => storeTool(prefix, tool, ['add', renewed.der.toString('hex'), 'link', 'weborca-test-protected']),
    code: 'companion_key_protected',
    detail: /does not open without asking/,
  },
  {
    name: 'without any key (opened from a .crt)',
    setUp: (prefix) => storeTool(prefix, tool, ['add', renewed.der.toString('hex')]),
    code: 'companion_store_failed',
    detail: /without its key; the entry is not replaced/,
  },
]) {
  test(`the renewed certificate already in MY ${name}: refused, the entry left as it is, no key container added`, () => {
    const prefix = terminal(code);
    setUp(prefix);
    const entries = myEntries(prefix, tool);
    const keys = keyStore(prefix, tool);
    assert.equal(entries.length, 2);

    const run = companion(prefix, exe, [importing(renewed.p12), { type: 'list' }]);
    assert.equal(run.answers[0].error?.code, code, JSON.stringify(run.answers[0]));
    assert.match(run.answers[0].error.detail, detail);
    assert.deepEqual(listed(run.answers[1]), [current.fingerprint], 'the renewed certificate is not listed as usable');
    settle(prefix);
    assert.deepEqual(myEntries(prefix, tool), entries, 'MY as it was: the same entries, the same key links');
    assert.deepEqual(keyStore(prefix, tool), keys, 'no key container left behind');
    assertNoPassword(prefix, [run.stderr]);
  });
}

test("the backup folder the version answer names is the administrator's HKLM value, and nothing else", () => {
  const prefix = path.join(dir, 'prefix-admin');
  const version = () => companion(prefix, exe, [{ type: 'version' }]).answers[0];
  const key = 'HKLM\\SOFTWARE\\WebORCA\\Companion';
  const set = (type, value) => {
    const run = wine(prefix, ['reg', 'add', key, '/v', 'BackupFolder', '/t', type, '/d', value, '/f', '/reg:64']);
    assert.equal(run.status, 0, run.stderr.toString());
  };

  assert.equal(version().backupFolder, null, 'no key: no backup folder');
  set('REG_SZ', 'D:\\WebORCA バックアップ');
  assert.equal(version().backupFolder, 'D:\\WebORCA バックアップ');
  // Not a folder the user's environment could move: a REG_EXPAND_SZ is refused, not expanded.
  set('REG_EXPAND_SZ', '%USERPROFILE%\\Backups');
  assert.equal(version().error?.code, 'companion_backup_folder');
  set('REG_SZ', 'Backups');
  assert.equal(version().error?.code, 'companion_backup_folder', 'a relative path is refused');
  assert.equal(wine(prefix, ['reg', 'delete', key, '/v', 'BackupFolder', '/f', '/reg:64']).status, 0);
  assert.equal(version().backupFolder, null, 'the key without the value: none');
});

test("the store's unit tests under Wine: a failed add leaves no key container the import wrote, a key an entry uses is never deleted", () => {
  // The library's tests cross-built (cargo's JSON names the .exe), beside Wine 8's ProcessPrng
  // stand-in, in a prefix of their own.
  const built = execFileSync('cargo', ['test', '--locked', '--quiet', '--target', 'x86_64-pc-windows-gnu', '-p', 'weborca-companion',
    '--lib', '--no-run', '--message-format=json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const exes = built.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
    .filter((message) => message.reason === 'compiler-artifact' && message.executable && message.target.kind.includes('lib'));
  assert.equal(exes.length, 1, 'one library test executable');
  const folder = path.join(dir, 'unit');
  mkdirSync(folder, { recursive: true });
  copyFileSync(exes[0].executable, path.join(folder, 'unit.exe'));
  addProcessPrng(folder);
  const run = wine(path.join(dir, 'prefix-unit'), [path.join(folder, 'unit.exe'), 'store::windows', '--test-threads=1']);
  const output = run.stdout.toString();
  assert.equal(run.status, 0, output + run.stderr.toString());
  assert.match(output, /test result: ok\. 3 passed/);
});
