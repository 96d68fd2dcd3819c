// The built extension in a real Chromium: the worker runs the Wasm core, and the popup reads
// a certificate file the user picks and shows its expiry date in Japanese.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import {
  expectedFixtures, fixtures, japaneseDate, launchWithExtension, message, registerThroughPopup, root,
} from '../support/browser.mjs';

let browser;
let expected;
before(async () => {
  browser = await launchWithExtension();
  expected = await expectedFixtures();
});
after(async () => browser?.close());

async function openPopup() {
  const page = await browser.context.newPage();
  await page.goto(browser.url('popup/popup.html'));
  return page;
}

function read(page, file, password) {
  return registerThroughPopup(page, { file: path.join(fixtures, file), password });
}

test('the service worker runs and has the Wasm core instantiated', async () => {
  assert.match(browser.worker.url(), /\/background\.js$/);
  const cargo = await readFile(path.join(root, 'crate/Cargo.toml'), 'utf8');
  const version = cargo.match(/^version = "(.+)"$/m)[1];
  const page = await openPopup();
  const status = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'page/core-status' }));
  assert.deepEqual(status, { ok: true, coreVersion: version });
  assert.ok(await browser.worker.evaluate(() => typeof WebAssembly.Module === 'function'));
  await page.close();
});

test('the popup shows the expiry date of a picked ORCA-style .p12', async () => {
  const page = await openPopup();
  assert.equal(await page.locator('label[for="file"]').textContent(), '証明書ファイル');
  assert.equal(await page.locator('label[for="password"]').textContent(), 'パスワード');
  assert.equal(await page.locator('label[for="label"]').textContent(), '名前');
  const fixture = expected['openssl-legacy.p12'];
  await read(page, fixture.file, fixture.password);
  const expiry = await page.locator('dd.expiry').textContent();
  assert.ok(expiry.includes(japaneseDate(fixture.notAfter)), `${expiry} shows ${japaneseDate(fixture.notAfter)}`);
  assert.ok((await page.locator('#fields').textContent()).includes(fixture.cn));
  // The serial is a technical detail, folded for the administrator.
  assert.ok((await page.locator('#details').textContent()).includes(fixture.serial));
  await page.close();
});

test('a BER file exported by NSS opens in the browser too', async () => {
  const page = await openPopup();
  const fixture = expected['nss-pk12util.p12'];
  await read(page, fixture.file, fixture.password);
  assert.ok((await page.locator('dd.expiry').textContent()).includes(japaneseDate(fixture.notAfter)));
  await page.close();
});

test('a wrong password and a file that is not a certificate get their own Japanese message', async () => {
  const page = await openPopup();
  await read(page, 'openssl-legacy.p12', 'not-the-password');
  assert.equal(await page.locator('#message').textContent(), await message('errorWrongPassword'));
  assert.equal(await page.locator('#result').isHidden(), true);
  await read(page, 'expected.tsv', '');
  assert.equal(await page.locator('#message').textContent(), await message('errorNotCertificate'));
  await page.close();
});
