// Certificate status where the user looks: the banner on WebORCA pages (and nowhere else),
// the badge, reminder notifications and the admin policy, in a real Chromium against the
// simulated WebORCA (HTTPS on 127.0.0.1:443 under the WebORCA cloud host name).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { OTHER_HOST, REBUILT_PAGE, WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import {
  banner, clearPolicy, japaneseDate, launchWithExtension, message, registerThroughPopup, setPolicy,
} from '../support/browser.mjs';

const DAY = 86_400_000;
let pki;
let server;
let dir;
let browser;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-pki-'));
  pki = new TestPki(dir);
  server = await startWeborca(pki.server([WEBORCA_HOST, OTHER_HOST]));
});
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await clearPolicy();
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function launch() {
  return launchWithExtension({ hosts: [WEBORCA_HOST, OTHER_HOST] });
}

/** Issues a client certificate ending `days` days from now (negative: already expired). */
function certificateEnding(name, days) {
  const notAfter = Date.now() + days * DAY;
  return { ...pki.client(name, { cn: `client${1000 + Math.abs(days)}`, notAfter, notBefore: notAfter - 1095 * DAY }), notAfter };
}

/** Registers a .crt through the popup, as a user would. */
async function register(file, label) {
  const page = await browser.context.newPage();
  await page.goto(browser.url('popup/popup.html'));
  await registerThroughPopup(page, { file, label });
  assert.equal(await page.locator('#message').isHidden(), true, await page.locator('#message').textContent());
  await page.close();
}

async function visit(host, pathname = '/') {
  const page = await browser.context.newPage();
  await page.goto(`https://${host}${pathname}`);
  await page.waitForLoadState('load');
  // The content script asks the worker, then renders; give it a moment, then look.
  await page.waitForTimeout(700);
  return page;
}

async function badgeText() {
  const worker = await browser.currentWorker();
  return worker.evaluate(() => chrome.action.getBadgeText({}));
}

test('at 80 days the banner shows on WebORCA, with the date and both buttons, and nowhere else', async () => {
  browser = await launch();
  const cert = certificateEnding('c80', 80);
  await register(cert.cert, '受付PC');
  const page = await visit(WEBORCA_HOST);
  const shown = await banner(page);
  assert.ok(shown, 'banner on the WebORCA page');
  assert.match(shown.text, /受付PC（client1080）/);
  assert.match(shown.text, /あと 80 日/);
  assert.ok(shown.text.includes(japaneseDate(cert.notAfter)), `${shown.text} has ${japaneseDate(cert.notAfter)}`);
  assert.deepEqual(shown.buttons, ['今すぐ更新', '後で']);
  // In the page's flow, before WebORCA's own content: it covers none of its controls.
  const layout = await page.evaluate(() => {
    const host = document.querySelector('weborca-cert-banner');
    const header = document.querySelector('header').getBoundingClientRect();
    return { first: document.body.firstElementChild === host, position: getComputedStyle(host).position,
      bannerBottom: host.getBoundingClientRect().bottom, headerTop: header.top,
      titleColour: getComputedStyle(document.querySelector('header')).backgroundColor };
  });
  assert.equal(layout.first, true);
  assert.equal(layout.position, 'static');
  assert.ok(layout.bannerBottom <= layout.headerTop, 'the banner sits above WebORCA, not over it');
  assert.equal(layout.titleColour, 'rgb(42, 93, 143)', 'WebORCA keeps its own styles');
  assert.equal(await banner(await visit(OTHER_HOST)), null, 'no banner on another site');
  assert.equal(await badgeText(), '80');
});

test('a WebORCA page that builds its body when parsed keeps the banner the worker answered before', async () => {
  browser = await launch();
  await register(certificateEnding('c80', 80).cert, '受付PC');
  // The page's parse waits for a held-back script: the worker answers first, and the page's
  // own DOMContentLoaded handler replaces <body> after the banner script's was registered.
  const page = await visit(WEBORCA_HOST, REBUILT_PAGE);
  assert.ok(await page.locator('#menu').count(), 'the page built its body');
  const shown = await banner(page);
  assert.ok(shown, 'the banner is still there');
  assert.match(shown.text, /あと 80 日/);
  assert.equal(await page.evaluate(() => document.body.firstElementChild.localName), 'weborca-cert-banner');
});

test('at 120 days there is no banner and no badge', async () => {
  browser = await launch();
  await register(certificateEnding('c120', 120).cert, '診察室PC');
  assert.equal(await banner(await visit(WEBORCA_HOST)), null);
  assert.equal(await badgeText(), '');
});

test('an expired certificate gets the expired banner with the way to re-issue it', async () => {
  browser = await launch();
  const cert = certificateEnding('cexp', -3);
  await register(cert.cert, '会計PC');
  const shown = await banner(await visit(WEBORCA_HOST));
  assert.ok(shown);
  assert.match(shown.text, /有効期限が切れています/);
  assert.match(shown.text, /再発行/);
  assert.deepEqual(shown.buttons, ['手順を見る', '後で']);
  assert.equal(await badgeText(), '!');
});

test('after the worker is stopped and woken, the banner and badge are the same', async () => {
  browser = await launch();
  await register(certificateEnding('c30', 30).cert, '受付PC');
  await browser.stopWorker();
  const shown = await banner(await visit(WEBORCA_HOST));
  assert.ok(shown, 'a page load wakes the worker, which answers from storage');
  assert.match(shown.text, /あと 30 日/);
  assert.equal(await badgeText(), '30');
});

test('a reminder notification is created once when a schedule step is reached', async () => {
  browser = await launch();
  const cert = certificateEnding('c59', 59);
  await register(cert.cert, '受付PC');
  const worker = await browser.currentWorker();
  const notifications = await worker.evaluate(() => chrome.notifications.getAll());
  const ids = Object.keys(notifications);
  assert.equal(ids.length, 1);
  assert.match(ids[0], /^reminder:[0-9A-F]{64}:60$/);
  const stored = await worker.evaluate(() => chrome.storage.local.get('reminders'));
  assert.equal(Object.values(stored.reminders)[0].lastNotifiedStep, 60);
  await visit(WEBORCA_HOST); // another check: the same step does not notify again
  await worker.evaluate((id) => chrome.notifications.clear(id), ids[0]);
  await visit(WEBORCA_HOST);
  assert.deepEqual(await worker.evaluate(() => chrome.notifications.getAll()), {});
});

test('「後で」 hides the banner until the next reminder step', async () => {
  browser = await launch();
  await register(certificateEnding('c75', 75).cert, '受付PC');
  const page = await visit(WEBORCA_HOST);
  await (await banner(page)).click('後で');
  await page.waitForTimeout(300);
  assert.equal(await banner(page), null, 'gone from this page');
  assert.equal(await banner(await visit(WEBORCA_HOST)), null, 'and from the next one');
});

test('a policy warnDays of 150 brings the banner at 120 days and shows locked in options', async () => {
  await setPolicy({ warnDays: 150 });
  browser = await launch();
  await register(certificateEnding('p120', 120).cert, '受付PC');
  const shown = await banner(await visit(WEBORCA_HOST));
  assert.ok(shown, 'banner under the policy');
  assert.match(shown.text, /あと 120 日/);
  const options = await browser.context.newPage();
  await options.goto(browser.url('options/options.html'));
  const warnDays = options.getByLabel('お知らせを始める日数（有効期限の何日前から）');
  await options.waitForFunction(() => document.getElementById('warnDays').value !== '');
  assert.equal(await warnDays.inputValue(), '150');
  assert.equal(await warnDays.isDisabled(), true);
  assert.equal(await options.locator('#warnDays-lock').textContent(), await message('lockedByPolicy'));
});

test('an invalid setting is refused whole, with a message', async () => {
  browser = await launch();
  const options = await browser.context.newPage();
  await options.goto(browser.url('options/options.html'));
  await options.waitForFunction(() => document.getElementById('warnDays').value !== '');
  await options.getByLabel('通知する日（有効期限の何日前）').fill('30, 7');
  await options.getByLabel('お知らせを始める日数（有効期限の何日前から）').fill('500');
  await options.getByRole('button', { name: '保存' }).click();
  await options.locator('#settings-message:not([hidden])').waitFor();
  assert.equal(await options.locator('#settings-message').textContent(), await message('settingsErrorWarnDays'));
  await options.reload();
  await options.waitForFunction(() => document.getElementById('warnDays').value !== '');
  assert.equal(await options.locator('#reminderDays').inputValue(), '90, 60, 30, 14, 7, 3, 1', 'nothing half-applied');
});

test('the popup lists certificates most urgent first; the same one twice is updated; removing asks first', async () => {
  browser = await launch();
  const later = certificateEnding('l200', 200);
  const sooner = certificateEnding('s20', 20);
  await register(later.cert, '診察室PC');
  await register(sooner.cert, '受付PC');
  await register(later.cert, '診察室PC（2階）');
  const page = await browser.context.newPage();
  await page.goto(browser.url('popup/popup.html'));
  const items = page.locator('#certificates > li');
  await items.first().waitFor();
  assert.equal(await items.count(), 2, 'registering the same certificate again updates it');
  const first = await items.nth(0).textContent();
  assert.match(first, /受付PC（client1020）/);
  assert.match(first, /あと 20 日/);
  assert.match(first, /状態: 更新の時期です/);
  assert.ok(first.includes(await message('actionRenewNow')));
  assert.match(await items.nth(1).textContent(), /診察室PC（2階）.*あと 200 日.*有効/s);
  await items.nth(1).getByRole('button', { name: '削除' }).click();
  assert.match(await items.nth(1).textContent(), /「診察室PC（2階）」の登録を削除しますか/);
  await items.nth(1).getByRole('button', { name: 'やめる' }).click();
  assert.equal(await items.count(), 2);
  await items.nth(1).getByRole('button', { name: '削除' }).click();
  await items.nth(1).getByRole('button', { name: '削除する' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#certificates > li').length === 1);
  const stored = await (await browser.currentWorker()).evaluate(() => chrome.storage.local.get(null));
  assert.equal(stored.registrations.length, 1);
  assert.equal(JSON.stringify(stored).includes('PRIVATE'), false, 'only metadata is stored');
});

test('a corrupted registration in storage is set aside and named; the other certificate keeps its banner and badge', async () => {
  browser = await launch();
  const cert = certificateEnding('c50', 50);
  await register(cert.cert, '受付PC');
  const worker = await browser.currentWorker();
  // As an older version or a cut-short write might leave it: one entry that is not a
  // registration, and the reminders not an object of reminders.
  await worker.evaluate(async () => {
    const { registrations } = await chrome.storage.local.get('registrations');
    await chrome.storage.local.set({
      registrations: [{ label: '診察室', certificate: { notAfter: 'soon' } }, ...registrations],
      reminders: { broken: 42 },
    });
  });
  await browser.stopWorker();
  const page = await visit(WEBORCA_HOST);
  const shown = await banner(page);
  assert.ok(shown, 'the other certificate still has its banner');
  assert.match(shown.text, /受付PC/);
  assert.equal(await badgeText(), '50');
  const popup = await browser.context.newPage();
  await popup.goto(browser.url('popup/popup.html'));
  await popup.locator('#set-aside:not([hidden])').waitFor();
  // The registration is named; the reminder state set aside with it is the extension's own.
  assert.match(await popup.locator('#set-aside-text').textContent(), /1 件（「診察室」）を読み取れませんでした/);
  assert.equal(await popup.locator('#certificates li').count(), 1);
  const stored = await (await browser.currentWorker()).evaluate(() => chrome.storage.local.get(null));
  assert.equal(stored.schemaVersion, 1);
  assert.equal(stored.registrations.length, 1, 'the bad entry is out of the list');
  assert.equal(stored.setAside[0].value.label, '診察室', 'and kept as it was');
  await popup.getByRole('button', { name: 'お知らせを閉じる' }).click();
  await popup.locator('#set-aside').waitFor({ state: 'hidden' });
});

test('another extension on the same PC cannot reach the worker: no answer, no overview, no renewal', async () => {
  // An unpacked extension that knows our ID and tries every way in: one-off messages and a
  // port. The manifest's empty `externally_connectable` closes them (shown failing without it
  // and with an `onMessageExternal` listener added).
  const other = path.join(dir, 'other-extension');
  mkdirSync(other, { recursive: true });
  writeFileSync(path.join(other, 'manifest.json'), JSON.stringify({
    manifest_version: 3, name: 'Another extension', version: '1.0', background: { service_worker: 'worker.js' },
  }));
  writeFileSync(path.join(other, 'worker.js'), '// waits for the test\n');
  browser = await launchWithExtension({ hosts: [WEBORCA_HOST, OTHER_HOST], otherExtensions: [other] });
  await register(certificateEnding('other-ext', 20).cert, '受付PC');
  const theirs = browser.context.serviceWorkers().find((w) => !w.url().includes(browser.id))
    ?? await browser.context.waitForEvent('serviceworker', { predicate: (w) => !w.url().includes(browser.id) });
  const answers = await theirs.evaluate(async (ours) => {
    const outcome = (promise) => promise.then((answer) => ({ answer }), (error) => ({ error: error.message }));
    return Promise.all([
      outcome(chrome.runtime.sendMessage(ours, { type: 'page/overview' })),
      outcome(chrome.runtime.sendMessage(ours, { type: 'content/renew', data: {} })),
      outcome(new Promise((resolve, reject) => {
        const port = chrome.runtime.connect(ours);
        port.onDisconnect.addListener(() => reject(new Error(chrome.runtime.lastError?.message ?? 'disconnected')));
        port.onMessage.addListener(resolve);
        port.postMessage({ type: 'page/overview' });
      })),
    ]);
  }, browser.id);
  for (const outcome of answers) {
    assert.equal(outcome.answer, undefined, JSON.stringify(outcome));
    assert.match(outcome.error, /Receiving end does not exist|Could not establish connection|disconnected/);
  }
  // The worker still works for its own pages.
  const worker = await browser.currentWorker();
  const { registrations } = await worker.evaluate(() => chrome.storage.local.get('registrations'));
  assert.equal(registrations.length, 1);
});
