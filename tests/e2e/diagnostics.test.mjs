// 「診断情報をコピー」 on the options page, in a real Chromium: the administrator gets one text
// block with the versions, every setting and where it came from, the refused policy value and
// the registered certificate — and not the password the certificate was registered with.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { clearPolicy, launchWithExtension, message, registerThroughPopup, root, setPolicy } from '../support/browser.mjs';

const DAY = 86_400_000;
const PASSWORD = 'diag-secret-パス';
let dir;
let pki;
let browser;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-diagnostics-'));
  pki = new TestPki(dir);
});
after(async () => {
  await browser?.close();
  await clearPolicy();
  rmSync(dir, { recursive: true, force: true });
});

test('the options page copies the diagnostics: versions, settings with their sources, the certificate, no password', async () => {
  // A value of the wrong range is refused by the core (Chrome keeps it: the schema has no
  // minItems), the others are in force.
  await setPolicy({ warnDays: 120, usersMayRemove: false, reminderDays: [] });
  browser = await launchWithExtension();
  const notAfter = Date.now() + 200 * DAY;
  const cert = pki.client('diag', { cn: 'client4321', notAfter, notBefore: notAfter - 1095 * DAY, password: PASSWORD });

  const popup = await browser.context.newPage();
  await popup.goto(browser.url('popup/popup.html'));
  await registerThroughPopup(popup, { file: cert.p12, password: PASSWORD, label: '受付2' });
  assert.equal(await popup.locator('#message').isHidden(), true, await popup.locator('#message').textContent());
  await popup.close();

  // A renewal's secret as the worker keeps it (secrets.js) while a renewal is under way: the
  // renewed file's password and bytes, durable and in the session.
  const secret = { pass: 'renewed-secret-pass', file: [0x30, 0x82, 0x0b, 0xee, 0x02, 0x01, 0x03] };
  await browser.worker.evaluate(async (kept) => {
    const entry = { renewalSecrets: { ['F'.repeat(64)]: kept } };
    await chrome.storage.local.set(entry);
    await chrome.storage.session.set(entry);
  }, secret);

  const page = await browser.context.newPage();
  await page.goto(browser.url('options/options.html'));
  await page.getByRole('button', { name: '診断情報をコピー' }).click();
  const said = page.locator('#diagnostics-message');
  await said.waitFor();
  const copied = await message('diagnosticsCopied');
  const outcome = await said.textContent();
  assert.ok([copied, await message('diagnosticsCopyFailed')].includes(outcome), outcome);
  const text = await page.locator('#diagnostics-text').inputValue();
  // What the clipboard holds, where this browser lets the page read it back.
  const clipboard = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
  if (outcome === copied && clipboard !== null) assert.equal(clipboard, text, 'the clipboard holds it');

  const manifest = JSON.parse(readFileSync(path.join(root, 'dist/manifest.json'), 'utf8'));
  for (const expected of [
    `extension: ${manifest.version} (install: development)`,
    '  warnDays = 120 (policy)',
    '  usersMayRemove = false (policy)',
    '  downloadSubfolder = "WebORCA証明書" (default)',
    '  reminderDays: ',
    'companion: not used',
    '1. 受付2',
    'CN: client4321',
    '[renewals] 0',
  ]) {
    assert.ok(text.includes(expected), `${expected}\n${text}`);
  }
  // Chromium's full version, read from the client hints.
  assert.match(text, /^browser: .*Chromium \d+\.\d+\.\d+\.\d+/m);
  // Every setting names its source.
  const settings = text.split('\n').filter((line) => /^ {2}\w+ = /.test(line));
  assert.equal(settings.length, 14, text);
  for (const line of settings) assert.match(line, /\((policy|user|default)\)$/);
  assert.ok(!text.includes(PASSWORD), 'the password is not in the diagnostics');
  assert.ok(!text.includes(secret.pass), "the renewal's password is not in the diagnostics");
  assert.ok(!/renewalSecrets|30,130,11,238|30820bee/i.test(text), "the renewal's file is not in the diagnostics");
  assert.ok(!text.includes(dir), 'no path of the certificate file');
  await page.close();
});
