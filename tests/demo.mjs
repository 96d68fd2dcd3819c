// The demo: the built extension in Chromium against the simulated WebORCA. It registers
// certificates the way a receptionist would (pick the file, type the password, press 登録),
// opens the WebORCA page where the renewal banner appears, presses 今すぐ更新 there (the
// renewal runs over mutual TLS), checks the saved files with openssl, and shows the popup.
// It prints what each screen says and saves screenshots in demo-output/. With a display
// ($DISPLAY) the browser stays open to try it yourself; without one it runs headless.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { TestPki } from './support/pki.mjs';
import { ALL_HOSTS, API_HOST, WEBORCA_HOST, startWeborca } from './support/weborca-server.mjs';
import {
  banner, certificatePolicies, clearPolicy, expectedFixtures, fixtures, launchWithExtension, prepareNssDb,
  registerThroughPopup, root, setPolicy, settledRenewal,
} from './support/browser.mjs';
import { renewalStates, showRenewal } from './support/popup-states.mjs';

const DAY = 86_400_000;
const out = path.join(root, 'demo-output');
mkdirSync(out, { recursive: true });
const headless = !process.env.DISPLAY;
const pkiDir = mkdtempSync(path.join(os.tmpdir(), 'weborca-demo-'));
const pki = new TestPki(pkiDir);
const server = await startWeborca(pki.server(ALL_HOSTS), { pki });
// This terminal's certificate: 80 days left, in the browser's NSS store, presented to the
// simulated WebORCA without a prompt (the AutoSelectCertificateForUrls policy).
const soon = pki.client('reception', { cn: 'client3948', notAfter: Date.now() + 80 * DAY, password: 'demo-pass' });
const downloads = path.join(out, 'downloads');
rmSync(downloads, { recursive: true, force: true });
await setPolicy({}, certificatePolicies([API_HOST, WEBORCA_HOST], downloads));
const browser = await launchWithExtension({
  headless, hosts: ALL_HOSTS, strictTls: true,
  prepareHome: (home) => prepareNssDb(home, { caCert: pki.caCert, clients: [soon] }),
});
await browser.useDefaultDownloads();
const expected = await expectedFixtures();

/** A screenshot of `page`: the whole page, or (`fullPage: false`) what a 420×600 popup shows. */
async function shot(page, name, { fullPage = true } = {}) {
  const file = path.join(out, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  console.log(`  (screenshot: ${path.relative(root, file)})`);
}

const popup = await browser.context.newPage();
// Chrome's popup: 420 px wide (the page's own width), at most 600 px high.
await popup.setViewportSize({ width: 420, height: 600 });
await popup.goto(browser.url('popup/popup.html'));

async function register(file, password, label, title) {
  await registerThroughPopup(popup, { file, password, label });
  console.log(`\n■ ${title}`);
  if (await popup.locator('#message').isVisible()) {
    console.log(`  ${await popup.locator('#message').textContent()}`);
    return;
  }
  const rows = await popup.locator('#fields').evaluate((dl) => [...dl.querySelectorAll('dt')]
    .slice(0, 6).map((dt) => `${dt.textContent}: ${dt.nextElementSibling.textContent}`));
  for (const row of rows) console.log(`  ${row}`);
}

await register(path.join(fixtures, 'openssl-legacy.p12'), expected['openssl-legacy.p12'].password, '診察室PC',
  '登録: ORCA クラウド形式の .p12 (RC2-40 / 3DES / SHA-1 MAC)');
await register(path.join(fixtures, 'openssl3-default.p12'), 'wrong-password', '予備PC', '登録: パスワード間違い');
await register(soon.p12, 'demo-pass', '受付PC', '登録: 有効期限まで 80 日の証明書');
await shot(popup, 'popup-registered');

console.log('\n■ WebORCA のページ (https://weborca.cloud.orcamo.jp/, 模擬サーバー)');
const weborca = await browser.context.newPage();
await weborca.setViewportSize({ width: 1000, height: 400 });
await weborca.goto(`https://${WEBORCA_HOST}/`);
await weborca.waitForTimeout(800);
const shown = await banner(weborca);
console.log(`  バナー: ${shown ? `${shown.text} ［${shown.buttons.join('］［')}］` : '(なし)'}`);
await shot(weborca, 'weborca-banner');
const worker = await browser.currentWorker();
console.log(`  ツールバーのバッジ: ${await worker.evaluate(() => chrome.action.getBadgeText({}))}`);

console.log('\n■ バナーの「今すぐ更新」: 模擬 WebORCA の更新 API (相互 TLS) で更新');
await shown.click('今すぐ更新');
const record = await settledRenewal(await browser.currentWorker());
console.log(`  状態: ${record?.state}${record?.error ? ` (${record.error.code})` : ''}`);
console.log(`  サーバーへの要求: ${server.apiRequests().join(' / ')}`);
for (const file of readdirSync(downloads, { recursive: true })) console.log(`  保存: ${path.join('demo-output/downloads', file)}`);
if (record?.files?.p12 && record.files.password) {
  const passLine = readFileSync(record.files.password, 'utf8').trim().split(/\r?\n/).at(-1);
  const pem = execFileSync('openssl', ['pkcs12', '-in', record.files.p12, '-passin', `pass:${passLine}`, '-nokeys', '-clcerts', '-legacy']);
  const check = execFileSync('openssl', ['x509', '-noout', '-subject', '-enddate'], { input: pem, encoding: 'utf8' });
  console.log(`  openssl で確認: ${check.trim().replace(/\n/g, ' / ')}`);
}

console.log('\n■ ポップアップの一覧 (期限の近い順)');
await popup.reload();
await popup.locator('#certificates > li').first().waitFor();
for (const item of await popup.locator('#certificates > li').all()) {
  console.log(`  - ${(await item.locator('p').allTextContents()).slice(0, 4).join(' / ')}`);
}
await shot(popup, 'popup-list-and-renewal-guide');
await shot(popup, 'popup-state-real-renewal-guide', { fullPage: false });

console.log('\n■ ポップアップの各状態 (420×600、スクロールなしで見える範囲)');
const demoWorker = await browser.currentWorker();
await demoWorker.evaluate(() => chrome.alarms.clearAll()); // no timer moves the shown records on
const { registrations } = await demoWorker.evaluate(() => chrome.storage.local.get('registrations'));
const current = registrations.find((r) => r.label === '受付PC') ?? registrations[0];
for (const [name, record] of Object.entries(renewalStates(current.certificate))) {
  await showRenewal(demoWorker, popup, record);
  await shot(popup, `popup-state-${name}`, { fullPage: false });
}
await showRenewal(demoWorker, popup, null);
await shot(popup, 'popup-state-list', { fullPage: false });

if (headless) {
  await browser.close();
  await clearPolicy();
  await server.close();
  rmSync(pkiDir, { recursive: true, force: true });
  console.log('\nDemo finished. Load dist/ at chrome://extensions (developer mode) to use it yourself.');
} else {
  console.log('\nThe browser stays open: try it yourself. Close it to finish.');
  await new Promise((resolve) => browser.context.on('close', resolve));
  await clearPolicy();
  await server.close();
  rmSync(pkiDir, { recursive: true, force: true });
}
