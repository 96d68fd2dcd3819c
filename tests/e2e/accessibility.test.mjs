// The popup, the options page and the banner for a receptionist, in the real Chromium:
// axe-core (WCAG 2.1 A and AA) finds nothing in any popup state, the options page or the
// banner; text holds a readable size in extension pages; the keyboard reaches everything in
// order, the focus stays where the hands are after each action, and Enter pressed twice on a
// destructive confirmation does not delete; the renewal guide's main button is on screen in a
// 420×600 popup; every outcome is said through the page's live region.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { ALL_HOSTS, API_HOST, FILES_HOST, WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import {
  banner, certificatePolicies, clearPolicy, fixtures, launchWithExtension, message, prepareNssDb, registerThroughPopup,
  setPolicy, settledRenewal,
} from '../support/browser.mjs';
import { CARD_OF_STATE, renewalStates, showRenewal } from '../support/popup-states.mjs';

const DAY = 86_400_000;
const PASSWORD = 'client-pass';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** The popup's size: Chrome caps a popup at 600 px high; the page is 420 px wide. */
const POPUP = { width: 420, height: 600 };

let dir;
let pki;
let server;
let browser;
let client;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-a11y-'));
  pki = new TestPki(dir);
  server = await startWeborca(pki.server(ALL_HOSTS), { pki });
  client = pki.client('a11y', { cn: 'client3948', notAfter: Date.now() + 30 * DAY, password: PASSWORD });
  const downloads = mkdtempSync(path.join(dir, 'downloads-'));
  await setPolicy({}, certificatePolicies([API_HOST, FILES_HOST, WEBORCA_HOST], downloads));
  browser = await launchWithExtension({
    hosts: ALL_HOSTS, strictTls: true,
    prepareHome: (home) => prepareNssDb(home, { caCert: pki.caCert, clients: [client] }),
  });
  await browser.useDefaultDownloads();
});
after(async () => {
  await browser?.close();
  await clearPolicy();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * axe-core's WCAG 2.1 A/AA findings on `page` (or under `selector`), as one line each. Run
 * twice: as shown, and with every fold opened, so folded text is checked too.
 */
async function violations(page, selector) {
  await page.evaluate(AXE);
  const run = () => page.evaluate(async ({ selector: within, tags }) => {
    const result = await globalThis.axe.run(within ?? document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} — ${n.failureSummary}`));
  }, { selector, tags: WCAG });
  const shown = await run();
  const folded = await page.evaluate(() => {
    const closed = [...document.querySelectorAll('details:not([open])')];
    for (const fold of closed) fold.dataset.a11yFolded = fold.open = true;
    return closed.length;
  });
  const opened = folded ? await run() : [];
  // Folded again as they were.
  await page.evaluate(() => document.querySelectorAll('[data-a11y-folded]').forEach((fold) => {
    fold.open = false;
    delete fold.dataset.a11yFolded;
  }));
  return [...new Set([...shown, ...opened])];
}

/** No renewal stored (a test that failed half-way leaves none behind for the next). */
async function noRenewal() {
  const worker = await browser.currentWorker();
  await worker.evaluate(() => chrome.storage.local.set({ renewals: {} }));
}

async function popup() {
  const page = await browser.context.newPage();
  await page.setViewportSize(POPUP);
  await page.goto(browser.url('popup/popup.html'));
  return page;
}

/** The live region's words once they are `expected` (it is filled a moment after a clear). */
async function announced(page, expected) {
  const region = page.locator('#announcer');
  for (let i = 0; i < 50 && (await region.textContent()) !== expected; i += 1) await page.waitForTimeout(100);
  assert.equal(await region.textContent(), expected);
}

/** What has the focus: its role-ish tag, and its text, label or focus key. */
function focusedControl(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const label = el.labels?.[0]?.textContent ?? el.getAttribute('aria-label') ?? el.textContent.trim();
    return `${el.tagName.toLowerCase()}:${label}`;
  });
}

let registered; // the registration the states are made from

test('axe: the popup before anything is registered, with a field in error, and with a certificate', async () => {
  const page = await popup();
  await page.locator('#empty:not([hidden])').waitFor();
  assert.deepEqual(await violations(page), [], 'empty');
  // The check can fail: an input without a label is found.
  await page.evaluate(() => document.querySelector('main').append(Object.assign(document.createElement('input'), { id: 'unlabelled' })));
  assert.match((await violations(page)).join('\n'), /^label: #unlabelled/m);
  await page.evaluate(() => document.getElementById('unlabelled').remove());
  // 登録 without a file: the file field is marked, its message beside it.
  await page.getByRole('button', { name: '登録' }).click();
  assert.equal(await page.locator('#file').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(await violations(page), [], 'a field in error');
  await registerThroughPopup(page, { file: client.p12, password: PASSWORD, label: '受付PC' });
  await page.locator('#certificates > li').first().waitFor();
  assert.deepEqual(await violations(page), [], 'registered, with what the reader found');
  registered = (await browser.worker.evaluate(() => chrome.storage.local.get('registrations'))).registrations[0];
  // Asking before removing.
  await page.getByRole('button', { name: '削除', exact: true }).click();
  assert.deepEqual(await violations(page), [], 'the removal question');
  await page.close();
});

test('axe: every renewal card the popup can show, and a certificate found in the computer\'s store', async () => {
  const worker = await browser.currentWorker();
  await worker.evaluate(() => chrome.alarms.clearAll());
  const page = await popup();
  const states = renewalStates(registered.certificate);
  for (const [name, record] of Object.entries(states)) {
    await showRenewal(worker, page, record);
    assert.match(await page.locator('.renewal').first().getAttribute('class'), new RegExp(`\\b${record.state}\\b`), name);
    assert.equal(await page.locator(`#renewal-${record.fingerprint}`).count(), 1, name);
    assert.deepEqual(await violations(page), [], `${name} (${CARD_OF_STATE[name]})`);
  }
  // Registered by the companion from the store: the popup says so, in plain words.
  await worker.evaluate(async (registration) => chrome.storage.local.set({
    registrations: [{ ...registration, fileName: null, foundInStore: true }],
  }), registered);
  await showRenewal(worker, page, null);
  assert.equal(await page.locator('#certificates .found-in-store').textContent(), await message('foundInStore'));
  assert.deepEqual(await violations(page), [], 'found in the store');
  await worker.evaluate(async (registration) => chrome.storage.local.set({ registrations: [registration] }), registered);
  await showRenewal(worker, page, null);
  assert.equal(await page.locator('#certificates .found-in-store').count(), 0, 'not said of a file registered by hand');
  await page.close();
});

test('the renewal guide fits a 600 px popup: the open step and 「ログインできました」 are on screen without scrolling', async () => {
  const worker = await browser.currentWorker();
  await worker.evaluate(() => chrome.alarms.clearAll());
  const page = await popup();
  const states = renewalStates(registered.certificate);
  for (const name of ['guide', 'guideBackedUp', 'guideCompanionRefused']) {
    await showRenewal(worker, page, states[name]);
    const main = page.getByRole('button', { name: 'ログインできました' });
    const box = await main.boundingBox();
    assert.ok(box, `${name}: the button is shown`);
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    assert.ok(box.y >= 0 && box.y + box.height <= POPUP.height, `${name}: the button ends at ${box.y + box.height} px`);
    // One step open, the others folded; the registration form folded while the guide shows.
    assert.equal(await page.locator('.guide details[open]').count(), 1, name);
    assert.equal(await page.locator('#register-fold').getAttribute('open'), null, 'the form is folded');
    // File names, not full paths.
    assert.doesNotMatch(await page.locator('.renewal').textContent(), /\/home\/reception/, name);
  }
  // The button that opens Downloads asks the worker, which opens it.
  await worker.evaluate(() => {
    globalThis.shownFolders = 0;
    chrome.downloads.showDefaultFolder = () => { globalThis.shownFolders += 1; };
  });
  await showRenewal(worker, page, states.guide);
  await page.getByRole('button', { name: 'ダウンロード フォルダーを開く' }).click();
  for (let i = 0; i < 30 && !(await worker.evaluate(() => globalThis.shownFolders)); i += 1) await page.waitForTimeout(100);
  assert.equal(await worker.evaluate(() => globalThis.shownFolders), 1);
  await showRenewal(worker, page, null);
  await page.close();
});

test('text holds a readable size in the popup: body text, labels and errors at 15 px, nothing under 14 px', async () => {
  await noRenewal();
  const page = await popup();
  await registerThroughPopup(page, { file: path.join(fixtures, 'openssl-legacy.p12'), password: 'not-the-password' });
  const size = (selector) => page.locator(selector).first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.equal(await size('body'), 15);
  assert.equal(await size('label[for="file"]'), 15);
  assert.equal(await size('#message'), 15, 'the error');
  assert.equal(await size('#certificates .next-action'), 15);
  const small = await page.evaluate(() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!node.textContent.trim() || !el.checkVisibility() || el.closest('.visually-hidden')) continue;
      const px = parseFloat(getComputedStyle(el).fontSize);
      if (px < 14) found.push(`${el.tagName} ${px}px: ${node.textContent.trim().slice(0, 20)}`);
    }
    return found;
  });
  assert.deepEqual(small, []);
  await page.close();
});

test('keyboard: Tab order, the focus after 登録 (wrong password and success), and an outcome said', async () => {
  await noRenewal();
  const page = await popup();
  await page.locator('#certificates > li').first().waitFor();
  await page.keyboard.press('Tab');
  const order = [await focusedControl(page)];
  for (let i = 0; i < 8; i += 1) {
    await page.keyboard.press('Tab');
    order.push(await focusedControl(page));
  }
  assert.deepEqual(order, [
    'button:今すぐ更新', 'button:削除', 'summary:証明書を登録する', 'input:証明書ファイル', 'input:パスワード', 'input:名前',
    'button:登録', 'a:設定を開く', order[8],
  ].slice(0, 9));
  // A wrong password: the focus goes to the password field, marked, its message beside it.
  await registerThroughPopup(page, { file: path.join(fixtures, 'openssl-legacy.p12'), password: 'not-the-password' });
  assert.equal(await focusedControl(page), 'input:パスワード');
  const password = page.locator('#password');
  assert.equal(await password.getAttribute('aria-invalid'), 'true');
  assert.match(await password.getAttribute('aria-describedby'), /\bmessage\b/);
  assert.equal(await password.evaluate((el) => el.nextElementSibling.id), 'message', 'the message is beside the field');
  await announced(page, await message('errorWrongPassword'));
  // Registered: the focus stays on 登録, the field is no longer marked, and it is said.
  await registerThroughPopup(page, { file: client.p12, password: PASSWORD, label: '受付PC' });
  assert.equal(await focusedControl(page), 'button:登録');
  assert.equal(await password.getAttribute('aria-invalid'), null);
  await announced(page, (await message('registeredAs')).replace('$LABEL$', '受付PC'));
  await page.close();
});

test('keyboard: Enter twice on 削除 does not delete; やめる gives the focus back to 削除', async () => {
  await noRenewal();
  const page = await popup();
  const remove = page.getByRole('button', { name: '削除', exact: true });
  await remove.focus();
  await page.keyboard.press('Enter');
  assert.equal(await focusedControl(page), 'button:やめる', 'the safe choice has the focus');
  await page.keyboard.press('Enter');
  assert.equal(await focusedControl(page), 'button:削除');
  const { registrations } = await browser.worker.evaluate(() => chrome.storage.local.get('registrations'));
  assert.equal(registrations.length, 1, 'nothing was deleted');
  await page.close();
});

test('keyboard: 今すぐ更新 moves the focus to the renewal\'s card, which says how it goes; 確認する and コピー are said', async () => {
  await noRenewal();
  const page = await popup();
  await page.getByRole('button', { name: '今すぐ更新' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('.renewal').first().waitFor();
  for (let i = 0; i < 30 && !(await focusedControl(page)).startsWith('h3:'); i += 1) await page.waitForTimeout(100);
  assert.equal(await focusedControl(page), 'h3:受付PC', 'the card\'s heading has the focus');
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  // Redrawn as the renewal moved on, the card kept the focus, and the outcome was said.
  await page.locator('.renewal.saved').waitFor();
  assert.equal(await focusedControl(page), 'h3:受付PC');
  await announced(page, (await message('renewalSaved')).replace('$DATE$', await page.evaluate(
    (notAfter) => new Intl.DateTimeFormat('ja', { timeZone: 'Asia/Tokyo', dateStyle: 'long' }).format(new Date(notAfter)),
    record.renewed.certificate.notAfter,
  )).replace('$FOLDER$', 'WebORCA証明書'));
  // The main button is on screen in the real guide too.
  const box = await page.getByRole('button', { name: 'ログインできました' }).boundingBox();
  assert.ok(box.y + box.height <= POPUP.height, `ends at ${box.y + box.height} px`);
  // 確認する: the password is shown and said; no empty line is left before it.
  await page.getByRole('button', { name: '確認する' }).press('Enter');
  const shown = await page.locator('.guide .password').textContent();
  await announced(page, (await message('passwordShown')).replace('$PASSWORD$', shown));
  assert.equal(await page.locator('.guide code:empty').count(), 0);
  // Copied, or (a headless browser may refuse the clipboard) said that it was not.
  await page.getByRole('button', { name: 'コピー', exact: true }).press('Enter');
  const copied = [await message('copied'), await message('copyFailed')];
  for (let i = 0; i < 30 && !copied.includes(await page.locator('#announcer').textContent()); i += 1) await page.waitForTimeout(100);
  assert.ok(copied.includes(await page.locator('#announcer').textContent()));
  assert.match(await focusedControl(page), /^button:コピー/);
  assert.deepEqual(await violations(page), [], 'the guide after a real renewal');
  await page.close();
});

test('axe and the keyboard on the options page: a setting in error is marked and focused, its message beside it', async () => {
  const page = await browser.context.newPage();
  await page.goto(browser.url('options/options.html'));
  await page.locator('#warnDays').waitFor();
  await page.waitForFunction(() => document.getElementById('warnDays').value !== '');
  assert.deepEqual(await violations(page), [], 'as opened');
  await page.locator('#warnDays').fill('5');
  await page.getByRole('button', { name: '保存' }).press('Enter');
  await page.locator('#warnDays[aria-invalid="true"]').waitFor();
  assert.equal(await focusedControl(page), `input:${await message('settingWarnDays')}`);
  assert.equal(await page.locator('#warnDays').evaluate((el) => el.nextElementSibling.id), 'settings-message');
  assert.match(await page.locator('#warnDays').getAttribute('aria-describedby'), /^settings-message\b/);
  await announced(page, await message('settingsErrorWarnDays'));
  assert.deepEqual(await violations(page), [], 'with a setting in error');
  await page.close();
});

test('axe: the banner on a WebORCA page (its closed shadow root, read through CDP, in an open root)', async () => {
  // A certificate ending in 30 days, with no renewal: the banner offers 今すぐ更新.
  const worker = await browser.currentWorker();
  await worker.evaluate((registration) => chrome.storage.local.set({ renewals: {}, registrations: [registration] }), registered);
  for (const critical of [false, true]) {
    if (critical) {
      await worker.evaluate((registration) => chrome.storage.local.set({
        registrations: [{ ...registration, certificate: { ...registration.certificate, notAfter: Date.now() + 5 * 86_400_000 } }],
      }), registered);
    }
    const site = await browser.context.newPage();
    await site.goto(`https://${WEBORCA_HOST}/`);
    await site.waitForTimeout(700);
    const shown = await banner(site);
    assert.ok(shown, 'the banner is shown');
    assert.ok(shown.buttons.includes('後で'));
    // The banner's own markup and style, copied from its closed root into an open one.
    const cdp = await site.context().newCDPSession(site);
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const find = (node) => (node.nodeName === 'WEBORCA-CERT-BANNER' ? node
      : [...(node.children ?? [])].map(find).find(Boolean));
    const host = find(root);
    const inner = await Promise.all(host.shadowRoots[0].children.map(
      (child) => cdp.send('DOM.getOuterHTML', { nodeId: child.nodeId }).then((r) => r.outerHTML),
    ));
    assert.match(inner.join(''), /lang="ja"/, 'the banner says its own language');
    await site.evaluate((html) => {
      const copy = document.createElement('div');
      copy.id = 'banner-copy';
      copy.attachShadow({ mode: 'open' }).innerHTML = html;
      document.body.prepend(copy);
    }, inner.join(''));
    assert.deepEqual(await violations(site, '#banner-copy'), [], critical ? 'critical' : 'warning');
    await site.close();
  }
  await worker.evaluate((registration) => chrome.storage.local.set({ registrations: [registration] }), registered);
});

test('the pages say the language of their words: Japanese, the default, when Chrome\'s language has no messages', async () => {
  const french = await launchWithExtension({ lang: 'fr' });
  try {
    const page = await french.context.newPage();
    await page.goto(french.url('popup/popup.html'));
    assert.equal(await page.locator('h1').textContent(), 'WebORCA 証明書');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
  } finally {
    await french.close();
  }
});
