// The service worker's own logic (extension/background/index.js), run in Node with the real
// core and a fake `chrome.*` (tests/support/fake-chrome.mjs): who may send what, how errors
// cross a message, what a registration stores, the badge, reminders, 後で and removal. The
// same flows run in a real Chromium in tests/e2e; here each rule is pinned on its own, fast.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { MessageType } from '../../extension/shared/messages.js';
import { expectedFixtures, fixtures } from '../support/browser.mjs';
import { renewalStart } from '../support/core.mjs';
import { contentSender, deliver, fakeChrome, pageSender } from '../support/fake-chrome.mjs';

const fixture = (name) => Array.from(readFileSync(path.join(fixtures, name)));

const DAY = 86_400_000;
const WEBORCA_PAGE = 'https://weborca.cloud.orcamo.jp/';
const { cn, notAfter, sha256 } = (await expectedFixtures())['client3948.crt'];
const CLIENT = { cn, notAfter, fingerprint: sha256 };

const chrome = fakeChrome();
globalThis.chrome = chrome;
// Offline: the worker's automatic renewal (off without a policy anyway) does not look.
Object.defineProperty(globalThis, 'navigator', { value: { onLine: false }, configurable: true });
let now = CLIENT.notAfter - 400 * DAY;
Date.now = () => now;
await import('../../extension/background/index.js');

// Anything the worker logs as a failure fails the test it happened in (or the next one, for
// work left running in the background); a test that expects a log mocks console.error itself.
const workerErrors = [];
console.error = (...args) => workerErrors.push(args.map(String).join(' '));
afterEach(() => assert.deepEqual(workerErrors.splice(0), [], 'the worker logged no failure'));

const fromPopup = (type, data) => deliver(chrome, { type, data }, pageSender());
const fromBanner = (type, data, url = WEBORCA_PAGE, frame = {}) => deliver(chrome, { type, data }, contentSender(url, frame));
const register = (label, file = 'client3948.crt', password = null) => fromPopup(MessageType.REGISTER_CERTIFICATE, {
  bytes: fixture(file), password, fileName: file, label,
});
const stored = () => chrome.storage.local.data();

beforeEach(async () => {
  // Work the last test started in the background (a policy change, a notification) ends
  // first: every fake call resolves at once, so a few turns of the event loop suffice.
  await new Promise((resolve) => { setTimeout(resolve, 20); });
  now = CLIENT.notAfter - 400 * DAY;
  await chrome.storage.local.clear();
  await chrome.storage.session.clear();
  await chrome.storage.managed.clear();
  chrome.recorded.alarms.clear();
  chrome.recorded.badge.length = 0;
  chrome.recorded.notifications.length = 0;
  chrome.recorded.tabs.length = 0;
});

test('a message is answered only from the senders that may send it, with data of its shape', async () => {
  assert.equal((await fromPopup(MessageType.OVERVIEW)).ok, true);
  assert.equal(await fromBanner(MessageType.OVERVIEW), undefined, 'a page message from a content script');
  assert.equal(await fromPopup(MessageType.BANNER), undefined, 'a content message from a page');
  const stranger = { ...pageSender(), id: 'zyxwvutsrqponmlkzyxwvutsrqponmlk' };
  assert.equal(await deliver(chrome, { type: MessageType.OVERVIEW }, stranger), undefined, 'another extension');
  assert.equal(await fromPopup(MessageType.REMOVE_CERTIFICATE, { fingerprint: 'not hex' }), undefined, 'bad data');
  assert.equal(await fromPopup('page/unknown'), undefined, 'an unknown type');
  assert.equal(await fromPopup('hasOwnProperty'), undefined, "a name on Object's prototype");
});

test("the banner answers only a WebORCA page's top frame under the settings in force", async () => {
  assert.deepEqual(await fromBanner(MessageType.BANNER), { ok: true, banner: null });
  const refused = { ok: false, error: { code: 'not_weborca_page' } };
  assert.deepEqual(await fromBanner(MessageType.BANNER, undefined, WEBORCA_PAGE, { frameId: 3 }), refused, 'a frame');
  assert.deepEqual(await fromBanner(MessageType.BANNER, undefined, 'https://example.jp/'), refused, 'another site');
  assert.deepEqual(await fromBanner(MessageType.BANNER, undefined, 'https://weborca.example.jp/'), refused, 'not yet configured');
  await chrome.storage.managed.set({ weborcaOrigins: ['https://weborca.example.jp'] });
  assert.equal((await fromBanner(MessageType.BANNER, undefined, 'https://weborca.example.jp/')).ok, true, 'once the policy names it');
});

test('a blank label becomes the CN; registered again, the certificate keeps one record and its first date', async () => {
  const first = await register('  ');
  assert.equal(first.ok, true);
  assert.equal(first.registration.label, CLIENT.cn);
  assert.equal(first.registration.registeredAt, now);
  const registeredAt = now;
  now += 10 * DAY;
  const again = await register(' 受付PC ');
  assert.equal(again.registration.label, '受付PC');
  assert.equal(again.registration.registeredAt, registeredAt);
  assert.deepEqual(stored().registrations.map((r) => [r.label, r.registeredAt, r.fileName]), [['受付PC', registeredAt, 'client3948.crt']]);
  assert.equal('password' in stored().registrations[0], false);
});

test("the core's refusal crosses as { code, …context }, a worker's as its code, a bug as internal", async (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  const wrong = await register('', 'openssl-legacy.p12', 'not the password');
  assert.equal(wrong.ok, false);
  assert.equal(wrong.error.code, 'wrong_password');
  assert.deepEqual(stored().registrations ?? [], [], 'nothing stored');
  const { error } = await fromPopup(MessageType.SAVE_SETTINGS, { input: { warnDays: 5 } });
  assert.deepEqual([error.code, error.key, error.reason], ['invalid_setting', 'warnDays', 'range'], 'with its context');

  await chrome.storage.managed.set({ usersMayRegister: false });
  assert.deepEqual(await register(''), { ok: false, error: { code: 'registration_locked' } });

  assert.deepEqual(logged.mock.calls.map((call) => call.arguments.map(String)), [], 'a refusal is not logged');
  t.mock.method(chrome.management, 'getSelf', async () => { throw new TypeError('a bug'); });
  assert.deepEqual(await fromPopup(MessageType.GET_SETTINGS), { ok: false, error: { code: 'internal' } });
  assert.equal(logged.mock.callCount(), 1, 'a bug is');
});

test('the badge counts the days left, and each reminder step is notified once', async () => {
  now = CLIENT.notAfter - 10 * DAY + 1000;
  await register('受付PC');
  assert.equal(chrome.recorded.badge.at(-1), '10');
  await fromPopup(MessageType.OVERVIEW); // waits for the notifications the registration started
  await fromPopup(MessageType.OVERVIEW);
  assert.deepEqual(chrome.recorded.notifications.map((n) => n.id), [`reminder:${CLIENT.fingerprint}:14`]);
  assert.match(chrome.recorded.notifications[0].message, /^「受付PC」：あと 10 日（有効期限 /, 'the days in words');
  assert.equal(stored().reminders[CLIENT.fingerprint].lastNotifiedStep, 14);
  now = CLIENT.notAfter - 6 * DAY;
  await fromPopup(MessageType.OVERVIEW);
  assert.deepEqual(chrome.recorded.notifications.map((n) => n.id.split(':')[2]), ['14', '7'], 'the next step, once');
});

test('a reminder shown for a certificate is taken back once its successor is registered, and none follows', async () => {
  now = CLIENT.notAfter - 10 * DAY + 1000;
  const { registration } = await register('受付PC');
  await fromPopup(MessageType.OVERVIEW); // waits for the notifications the registration started
  const reminder = `reminder:${CLIENT.fingerprint}:14`;
  assert.ok(reminder in await chrome.notifications.getAll());
  // Its renewal (or the companion's discovery) registers the new certificate of the same terminal.
  const successor = {
    ...registration,
    certificate: { ...registration.certificate, sha256Fingerprint: 'B'.repeat(64), notAfter: CLIENT.notAfter + 1000 * DAY },
  };
  await chrome.storage.local.set({ registrations: [...stored().registrations, successor] });
  await fromPopup(MessageType.OVERVIEW);
  const shown = Object.keys(await chrome.notifications.getAll());
  assert.deepEqual(shown.filter((id) => id.startsWith(`reminder:${CLIENT.fingerprint}:`)), [], 'taken back');
  now = CLIENT.notAfter - 6 * DAY;
  await fromPopup(MessageType.OVERVIEW);
  assert.deepEqual(chrome.recorded.notifications.map((n) => n.id), [reminder], 'no later step for it');
});

test('後で hides the banner, and removing forgets the certificate, its reminders and the badge', async () => {
  now = CLIENT.notAfter - 30 * DAY;
  await register('受付PC');
  const { banner } = await fromBanner(MessageType.BANNER);
  assert.equal(banner.fingerprint, CLIENT.fingerprint);
  assert.deepEqual(await fromBanner(MessageType.SNOOZE, { fingerprint: CLIENT.fingerprint }), { ok: true });
  assert.ok(stored().reminders[CLIENT.fingerprint].snoozedUntil > now);
  assert.deepEqual(await fromBanner(MessageType.BANNER), { ok: true, banner: null });

  assert.deepEqual(await fromPopup(MessageType.REMOVE_CERTIFICATE, { fingerprint: CLIENT.fingerprint }), { ok: true });
  assert.deepEqual(stored().registrations, []);
  assert.deepEqual(stored().reminders, {});
  assert.equal(chrome.recorded.badge.at(-1), '');
});

test('a certificate with a renewal under way can be neither removed nor renewed a second time', async () => {
  now = CLIENT.notAfter - 30 * DAY;
  const { registration } = await register('受付PC');
  // The record "今すぐ更新" stores before its probe runs (the probe itself is not run here).
  const { settings } = await fromPopup(MessageType.OVERVIEW);
  const { record } = renewalStart(undefined, {
    current: registration.certificate, label: registration.label, origin: 'https://weborca.cloud.orcamo.jp',
  }, settings, now);
  await chrome.storage.local.set({ renewals: { [CLIENT.fingerprint]: record } });
  const target = { fingerprint: CLIENT.fingerprint };
  assert.deepEqual(await fromPopup(MessageType.REMOVE_CERTIFICATE, target), { ok: false, error: { code: 'renewal_in_progress' } });
  assert.deepEqual(await fromPopup(MessageType.RENEW_FROM_PAGE, target), { ok: false, error: { code: 'renewal_in_progress' } });
  assert.equal(stored().registrations.length, 1);
  assert.deepEqual(stored().renewals[CLIENT.fingerprint], record, 'the record is as it was: no second POST began');
  assert.equal(chrome.recorded.tabs.length, 0);
});

test('a corrupt settings entry is set aside; every certificate keeps its banner, badge and reminders', async () => {
  now = CLIENT.notAfter - 80 * DAY;
  await chrome.storage.local.set({ settings: 'not an object' });
  assert.equal((await register('受付')).ok, true);
  const { banner } = await fromBanner(MessageType.BANNER);
  assert.equal(banner?.fingerprint, CLIENT.fingerprint, 'the banner');
  assert.ok(chrome.recorded.badge.at(-1), 'the badge');
  await fromPopup(MessageType.OVERVIEW);
  await new Promise((resolve) => { setTimeout(resolve, 20); });
  assert.ok(chrome.recorded.notifications.some((n) => n.id.startsWith(`reminder:${CLIENT.fingerprint}`)), 'the reminder');
  assert.deepEqual(stored().settings, {});
  assert.deepEqual(stored().setAside.map(({ area, value }) => [area, value]), [['settings', 'not an object']]);
  // The options page saves over it as before.
  assert.equal((await fromPopup(MessageType.SAVE_SETTINGS, { input: { warnDays: 120 } })).ok, true);
  assert.equal(stored().settings.warnDays, 120);
});

test("repeated content messages open at most one tab, and only for the banner's certificate", async () => {
  now = CLIENT.notAfter - 80 * DAY;
  await register('受付');
  await fromBanner(MessageType.OPEN_GUIDE, { fingerprint: 'AB'.repeat(32) });
  assert.deepEqual(chrome.recorded.tabs, [], 'a certificate the banner does not show');
  await fromBanner(MessageType.OPEN_GUIDE, { fingerprint: CLIENT.fingerprint });
  assert.deepEqual(chrome.recorded.tabs, [], 'a button the banner does not show (it offers 今すぐ更新)');
  // Expired: the banner's main button is the guide.
  now = CLIENT.notAfter + DAY;
  await Promise.all(Array.from({ length: 5 }, () => fromBanner(MessageType.OPEN_GUIDE, { fingerprint: CLIENT.fingerprint })));
  await fromBanner(MessageType.OPEN_GUIDE, { fingerprint: CLIENT.fingerprint });
  assert.equal(chrome.recorded.tabs.length, 1, 'one tab, shown again');
  assert.ok(chrome.recorded.tabs[0].endsWith(`popup/popup.html#${CLIENT.fingerprint}`));

  // 今すぐ更新 repeated: the same one tab, and one renewal (its probe finds no network here).
  now = CLIENT.notAfter - 30 * DAY;
  const requests = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url) => { requests.push(String(url)); throw new TypeError('Failed to fetch'); };
  try {
    await Promise.all(Array.from({ length: 5 }, () => fromBanner(MessageType.RENEW, { fingerprint: CLIENT.fingerprint })));
    await new Promise((resolve) => { setTimeout(resolve, 50); });
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.equal(chrome.recorded.tabs.length, 1, 'still one tab');
  assert.ok(requests.length <= 1, `one probe at most, not one per message: ${requests}`);
  assert.equal(Object.keys(stored().renewals ?? {}).length, 1, 'one renewal');
});

test('a page acts only on the certificate its banner shows: renew and 後で for another due one are refused', async () => {
  await register('受付');
  const other = (await expectedFixtures())['ec-p256.p12'];
  await register('診察室', 'ec-p256.p12', other.password);
  now = CLIENT.notAfter - 30 * DAY; // both due, one banner
  const { banner } = await fromBanner(MessageType.BANNER);
  const hidden = [CLIENT.fingerprint, other.sha256].find((fingerprint) => fingerprint !== banner.fingerprint);
  const requests = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url) => { requests.push(String(url)); throw new TypeError('Failed to fetch'); };
  try {
    // Refused as a banner that is out of date: the page draws it again.
    assert.equal((await fromBanner(MessageType.RENEW, { fingerprint: hidden })).stale, true);
    assert.equal((await fromBanner(MessageType.SNOOZE, { fingerprint: hidden })).stale, true);
    await new Promise((resolve) => { setTimeout(resolve, 50); });
    assert.deepEqual(stored().renewals ?? {}, {}, 'no renewal record');
    assert.deepEqual(requests, [], 'no probe');
    assert.deepEqual(chrome.recorded.tabs, [], 'no tab');
    assert.equal(stored().reminders?.[hidden]?.snoozedUntil, undefined, 'no snooze');
    // The one it shows, with the buttons it shows, is taken.
    await fromBanner(MessageType.SNOOZE, { fingerprint: banner.fingerprint });
    assert.ok(stored().reminders[banner.fingerprint].snoozedUntil > now);
  } finally {
    globalThis.fetch = realFetch;
  }
});
