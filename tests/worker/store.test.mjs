// The worker's storage owner (extension/background/store.js) with the real core built for
// Node and a storage area whose reads and writes take random time, as chrome.storage's do:
// concurrent changes must all survive, and one unreadable entry must stop nothing else.
import assert from 'node:assert/strict';
import test from 'node:test';
import { createStore } from '../../extension/background/store.js';
import { storedState, withEntriesKeptInPlace } from '../support/core.mjs';
import { storageArea } from '../support/fake-chrome.mjs';

/** chrome.storage.local's contract, with a random delay on every call so interleavings happen. */
const slowArea = (initial) => storageArea(initial, { jitterMs: 5 });

const storeOn = (area) => createStore({
  local: area, decode: storedState, keepInPlace: withEntriesKeptInPlace, ready: async () => {},
});

function registration(n) {
  const fingerprint = n.toString(16).toUpperCase().padStart(64, '0');
  return {
    label: `端末${n}`, fileName: null, registeredAt: n,
    certificate: {
      subject: `CN=client${n}`, commonName: `client${n}`, organization: null, issuer: 'CN=ca', serial: '01',
      notBefore: 0, notAfter: 2_000_000_000_000, sha256Fingerprint: fingerprint, keyAlgorithm: 'RSA 2048',
    },
  };
}

test('concurrent registrations, snoozes and renewal writes all survive', async () => {
  const area = slowArea({ schemaVersion: 1 });
  const store = storeOn(area);
  const writes = [];
  for (let n = 1; n <= 20; n += 1) {
    writes.push(store.update(({ registrations }) => ({ registrations: [...registrations, registration(n)] })));
    writes.push(store.update(({ reminders }) => ({ reminders: { ...reminders, [`R${n}`]: { lastNotifiedStep: n } } })));
  }
  await Promise.all(writes);
  const stored = await store.read();
  assert.equal(stored.registrations.length, 20);
  assert.equal(Object.keys(stored.reminders).length, 20);
  assert.deepEqual(stored.setAside, []);
});

test('the same writes without the store lose some (the test can fail)', async () => {
  const area = slowArea({ registrations: [] });
  await Promise.all(Array.from({ length: 20 }, async (_, i) => {
    const { registrations } = await area.get('registrations');
    await area.set({ registrations: [...registrations, registration(i + 1)] });
  }));
  assert.ok(area.data().registrations.length < 20, 'an unserialized read-modify-write loses updates');
});

test('an unreadable entry is set aside, reported and written back; the others keep working', async () => {
  const area = slowArea({
    registrations: [registration(1), { label: '診察室', certificate: 'broken' }, registration(3)],
    reminders: { X: 'not a reminder' },
  });
  const store = storeOn(area);
  const stored = await store.read();
  assert.deepEqual(stored.registrations.map((r) => r.label), ['端末1', '端末3']);
  assert.deepEqual(stored.setAside.map(({ area: a, key, label }) => [a, key, label]),
    [['registrations', '1', '診察室'], ['reminders', 'X', null]]);
  const data = area.data();
  assert.equal(data.schemaVersion, 1, 'stamped with the schema version');
  assert.equal(data.registrations.length, 2, 'the bad entry is out of the list');
  assert.equal(data.setAside[0].value.certificate, 'broken', 'and kept as it was');
  // A registration after that works as before, and the set-aside notice can be dismissed.
  await store.update(({ registrations }) => ({ registrations: [...registrations, registration(4)] }));
  await store.update(() => ({ setAside: [] }));
  const after = await store.read();
  assert.equal(after.registrations.length, 3);
  assert.deepEqual(after.setAside, []);
});

test('the core reads entries as they were stored, writes back only what changed, and never newer data', () => {
  const good = { ...registration(1), addedByANewerVersion: true };
  const raw = {
    schemaVersion: 1,
    registrations: [good, { label: '診察室', certificate: 42 }, registration(3)],
    reminders: { AA: { lastNotifiedStep: 90 }, CC: 'snoozed' },
    renewals: {},
  };
  const { stored, writes } = storedState(raw);
  assert.deepEqual(stored.registrations.map((r) => r.label), ['端末1', '端末3']);
  assert.deepEqual(Object.keys(stored.reminders), ['AA']);
  assert.deepEqual(writes.registrations[0], good, 'a good entry is written back as it was');
  assert.equal(writes.setAside.length, 2);
  assert.ok(!('renewals' in writes), 'untouched areas are not rewritten');
  // Read again after the write: clean, nothing more to write, the set-aside entries kept.
  const again = storedState({ ...raw, ...writes });
  assert.equal(again.writes, null);
  assert.equal(again.stored.setAside.length, 2);
  assert.deepEqual(again.stored.registrations, stored.registrations);

  const unversioned = storedState({ registrations: [registration(1)] });
  assert.equal(unversioned.stored.registrations.length, 1);
  assert.deepEqual(unversioned.writes, { schemaVersion: 1 });
  const newer = storedState({ schemaVersion: 2, registrations: [registration(1), 'something new'] });
  assert.equal(newer.stored.newerSchema, true);
  assert.equal(newer.stored.registrations.length, 1);
  assert.equal(newer.writes, null, "a newer version's data is left alone");
  const wrongKind = storedState({ schemaVersion: 1, registrations: 'garbage', renewals: [] });
  assert.deepEqual(wrongKind.stored.registrations, []);
  assert.deepEqual(wrongKind.stored.setAside.map((s) => [s.area, s.value]), [['registrations', 'garbage']]);
  assert.deepEqual(wrongKind.writes.registrations, []);
});

test('entries a newer version wrote survive a registration, a reminder and a renewal save, and so does the set-aside list', async () => {
  // After a downgrade: data stamped by a newer version, with entries this one cannot read.
  const newerRegistration = { label: '新しい形', certificate: { shapeOfVersion: 2 } };
  const mayHaveIssued = { fingerprint: 'F1', state: 'aStageOfVersion2', issued: true };
  const earlierAside = { area: 'history', key: '0', label: '旧端末', reason: 'missing field', dismissed: false, value: {} };
  const area = slowArea({
    schemaVersion: 2,
    registrations: [registration(1), newerRegistration],
    reminders: { N: { shapeOfVersion: 2 } },
    renewals: { F1: mayHaveIssued },
    setAside: [earlierAside],
  });
  const store = storeOn(area);
  const read = await store.read();
  assert.equal(read.newerSchema, true);
  assert.ok(read.setAside.some((entry) => entry.area === 'renewals' && entry.key === 'F1'), 'still counts as set aside');
  await store.update(({ registrations }) => ({ registrations: [...registrations, registration(2)] }));
  await store.update(({ reminders }) => ({ reminders: { ...reminders, X: { lastNotifiedStep: 90 } } }));
  await store.update(({ renewals }) => ({ renewals: { ...renewals, G: { fingerprint: 'G' } } }));
  await store.update(({ setAside }) => ({ setAside: setAside.map((entry) => ({ ...entry, dismissed: true })) }));
  const data = area.data();
  assert.equal(data.schemaVersion, 2, 'never stamped down');
  assert.deepEqual(data.registrations, [registration(1), registration(2), newerRegistration]);
  assert.deepEqual(data.reminders, { N: { shapeOfVersion: 2 }, X: { lastNotifiedStep: 90 } });
  assert.deepEqual(data.renewals.F1, mayHaveIssued, 'the record that may have issued a certificate is kept');
  assert.deepEqual(data.setAside, [{ ...earlierAside, dismissed: true }], 'the list keeps what it held, nothing twice');
});
