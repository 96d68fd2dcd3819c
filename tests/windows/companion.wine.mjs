// The Windows companion (cross-built for x86_64-pc-windows-gnu) under Wine, each step a separate
// process spoken to with native messaging frames as Chrome does: the current user's MY store
// empty at first; a renewed file as the ORCA cloud exports it (RC2/3DES, SHA-1 MAC) imported,
// then found with its private key by another process after the registry was written to disk;
// the same file again leaves one entry; an AES file likewise; over the same certificate already
// there without its key, one entry and an answer that matches the store. Run by `make
// test-windows` (not named *.test.mjs: `node --test tests/` would run it a second time).
// What Wine cannot show is in docs/admin/companion-windows-notes.md.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EXE, companion, installCompanion, myStoreEntries, root, settle, wine } from './wine.mjs';

const FIXTURES = path.join(root, 'crate/tests/fixtures');
const PASS = 'orca-test-pass';
const FINGERPRINT = 'C95C4B9DB2B155BEE558736FEB875F16761B037DCF03A20CCFD7B252A6DB9FE0';
let dir;
let exe;

before(() => {
  assert.ok(existsSync(EXE), `${EXE} is built (make test-windows builds it)`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-companion-wine-'));
  exe = installCompanion(path.join(dir, 'app'));
});
after(() => {
  for (const name of readdirSync(dir).filter((entry) => entry.startsWith('prefix-'))) {
    settle(path.join(dir, name));
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

const importing = (file, { password = PASS, fingerprint = FINGERPRINT } = {}) => ({
  type: 'import', p12: readFileSync(path.join(FIXTURES, file)).toString('base64'), password, fingerprint,
});

/** The fingerprints a `list` answer names, each with its key (the companion lists no other). */
function listed(answer) {
  assert.equal(answer.ok, true, JSON.stringify(answer));
  return answer.certificates.map((entry) => entry.certificate.sha256Fingerprint);
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

test('a legacy .p12 (RC2/3DES, SHA-1 MAC) is imported into MY once, with a key another process can use', () => {
  const prefix = path.join(dir, 'prefix-legacy');

  const first = companion(prefix, exe, [{ type: 'version' }, { type: 'list' }]);
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(first.answers[0], { ok: true, version: first.answers[0].version, store: 'windows' });
  assert.deepEqual(listed(first.answers[1]), [], 'MY is empty at first');

  // Refused before anything reaches the store: another fingerprint, a wrong password.
  const refused = companion(prefix, exe, [
    importing('openssl-legacy.p12', { fingerprint: '00'.repeat(32) }),
    importing('openssl-legacy.p12', { password: 'wrong' }),
  ]);
  assert.deepEqual(refused.answers.map((answer) => answer.error?.code),
    ['companion_fingerprint_mismatch', 'wrong_password']);

  const imported = companion(prefix, exe, [importing('openssl-legacy.p12')]);
  assert.equal(imported.answers[0].ok, true, JSON.stringify(imported.answers[0]));
  assert.equal(imported.answers[0].certificate.sha256Fingerprint, FINGERPRINT);
  settle(prefix);
  assert.equal(myStoreEntries(prefix).length, 1, 'one entry in MY, on disk');

  // A new process, with a new wineserver that reads the store from disk, opens the key.
  const again = companion(prefix, exe, [{ type: 'list' }]);
  assert.deepEqual(listed(again.answers[0]), [FINGERPRINT]);
  assert.equal(again.answers[0].certificates[0].renewableClient, true, 'client3948 is a WebORCA terminal');

  const twice = companion(prefix, exe, [importing('openssl-legacy.p12'), { type: 'list' }]);
  assert.equal(twice.answers[0].ok, true, JSON.stringify(twice.answers[0]));
  assert.deepEqual(listed(twice.answers[1]), [FINGERPRINT], 'no duplicate');
  settle(prefix);
  assert.equal(myStoreEntries(prefix).length, 1, 'still one entry in MY');
  assertNoPassword(prefix, [first.stderr, refused.stderr, imported.stderr, again.stderr, twice.stderr]);

  // A caller the install config does not name is refused before any request is read.
  const stranger = companion(prefix, exe, [{ type: 'list' }], `chrome-extension://${'p'.repeat(32)}/`);
  assert.notEqual(stranger.status, 0);
  assert.deepEqual(stranger.answers.map((answer) => answer.error?.code), ['companion_origin_not_allowed']);
});

test('an AES .p12 (PBES2, AES-256-CBC, SHA-256 MAC) is imported into MY with a key another process can use', () => {
  const prefix = path.join(dir, 'prefix-aes');
  const imported = companion(prefix, exe, [{ type: 'list' }, importing('openssl3-default.p12')]);
  assert.deepEqual(listed(imported.answers[0]), []);
  assert.equal(imported.answers[1].ok, true, JSON.stringify(imported.answers[1]));
  settle(prefix);
  assert.equal(myStoreEntries(prefix).length, 1);

  const again = companion(prefix, exe, [{ type: 'list' }]);
  assert.deepEqual(listed(again.answers[0]), [FINGERPRINT]);
  assertNoPassword(prefix, [imported.stderr, again.stderr]);
});

test('a certificate already in MY without its key: the answer says what the store shows, with no second entry', (t) => {
  const prefix = path.join(dir, 'prefix-keyless');
  // The certificate alone in MY, as opening its .crt leaves it: the registry entry Windows
  // writes (its SHA-1 as the name; a blob of CERT_CERT_PROP_ID with the DER).
  const der = readFileSync(path.join(FIXTURES, 'client3948.der'));
  const sha1 = createHash('sha1').update(der).digest('hex').toUpperCase();
  const header = Buffer.alloc(12);
  header.writeUInt32LE(32, 0); // CERT_CERT_PROP_ID
  header.writeUInt32LE(1, 4);
  header.writeUInt32LE(der.length, 8);
  const added = wine(prefix, ['reg', 'add', `HKCU\\Software\\Microsoft\\SystemCertificates\\MY\\Certificates\\${sha1}`,
    '/v', 'Blob', '/t', 'REG_BINARY', '/d', Buffer.concat([header, der]).toString('hex'), '/f']);
  assert.equal(added.status, 0, added.stderr.toString());

  const imported = companion(prefix, exe, [{ type: 'list' }, importing('openssl-aes128.p12')]);
  assert.deepEqual(listed(imported.answers[0]), [], 'a certificate without its key is not listed');
  settle(prefix);
  assert.deepEqual(myStoreEntries(prefix), [sha1], 'the same entry, not a second one');
  const again = companion(prefix, exe, [{ type: 'list' }]);
  // Windows replaces the entry with the one that has its key (CERT_STORE_ADD_REPLACE_EXISTING);
  // Wine 8 does not write a replaced entry back to the registry. Either way the companion
  // answers only what another process then finds: never "imported" for a key that is not there.
  t.diagnostic(`answered ${JSON.stringify(imported.answers[1].ok ? 'imported' : imported.answers[1].error)}`);
  if (imported.answers[1].ok) {
    assert.deepEqual(listed(again.answers[0]), [FINGERPRINT], 'imported: another process finds it with its key');
  } else {
    assert.equal(imported.answers[1].error.code, 'companion_not_in_store', JSON.stringify(imported.answers[1]));
    assert.deepEqual(listed(again.answers[0]), [], 'refused: nor does another process');
  }
  assertNoPassword(prefix, [imported.stderr, again.stderr]);
});
