// Fleet deployment, as an IT vendor does it: the CRX made by `make package` (signed with a
// key generated here) is force-installed by policy from a local update server — no
// --load-extension — and configured through Chromium's 3rdparty policy; values Chrome drops
// and values the core refuses are named; and with `autoRenew` a certificate in the window is
// renewed without a click. Every test removes its policy file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { packageRelease } from '../../scripts/package.mjs';
import { TestPki } from '../support/pki.mjs';
import { serveFolder, throwawayKey, until } from '../support/fleet.mjs';
import { API_HOST, FILES_HOST, WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import {
  banner, certificatePolicies, clearPolicy, launchWithExtension, prepareNssDb, registerThroughPopup, setPolicy,
  notificationIds, settledRenewal,
} from '../support/browser.mjs';

const DAY = 86_400_000;
const ON_PREMISE_HOST = 'orca.clinic.test';
const HOSTS = [WEBORCA_HOST, API_HOST, FILES_HOST, ON_PREMISE_HOST];
const PASSWORD = 'client-pass';
let dir;
let pki;
let server;
let browser;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-fleet-'));
  pki = new TestPki(dir);
});
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await server?.close();
  server = undefined;
  await clearPolicy();
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function page(url) {
  const tab = await browser.context.newPage();
  await tab.goto(url);
  await tab.waitForLoadState('load');
  return tab;
}

/** The banner on `host`'s page, after the content script had time to ask the worker. */
async function bannerOn(host) {
  const tab = await page(`https://${host}/`);
  await tab.waitForTimeout(800);
  const shown = await banner(tab);
  await tab.close();
  return shown;
}

async function registerCertificate(file, password = '') {
  const popup = await page(browser.url('popup/popup.html'));
  await registerThroughPopup(popup, { file, password, label: '受付PC' });
  assert.equal(await popup.locator('#message').isHidden(), true, await popup.locator('#message').textContent());
  return popup;
}

test('force-installed from a local update server: admin install, policy in force and locked, live policy changes', async () => {
  const keyFile = throwawayKey(dir);
  const releaseDir = path.join(dir, 'release');
  mkdirSync(releaseDir);
  const updates = await serveFolder(releaseDir);
  const release = await packageRelease({ key: keyFile, baseUrl: `http://127.0.0.1:${updates.port}/`, storeId: 'none', out: releaseDir });
  try {
    // The packages: the store zip without the development key, a CRX3.
    const manifest = JSON.parse(execFileSync('unzip', ['-p', release.zip, 'manifest.json'], { encoding: 'utf8' }));
    assert.equal(manifest.key, undefined);
    assert.equal(manifest.version, release.version);
    const crx = execFileSync('head', ['-c', '8', release.crx]);
    assert.equal(crx.subarray(0, 4).toString(), 'Cr24');
    assert.equal(crx.readUInt32LE(4), 3, 'CRX version 3');

    server = await startWeborca(pki.server(HOSTS));
    const extensionPolicy = { warnDays: 150, weborcaOrigins: [`https://${ON_PREMISE_HOST}`] };
    const browserPolicies = {
      ExtensionInstallForcelist: [`${release.id};http://127.0.0.1:${updates.port}/updates.xml`],
      DeveloperToolsAvailability: 1,
    };
    await setPolicy(extensionPolicy, browserPolicies, release.id);
    browser = await launchWithExtension({ hosts: HOSTS, forceInstalledId: release.id });
    const worker = await browser.currentWorker();
    assert.equal(await worker.evaluate(() => chrome.management.getSelf().then((self) => self.installType)), 'admin');
    // Managed values arrive seconds after the install; the extension waits for nothing.
    await until('the policy reaches the extension', () => worker.evaluate(() => chrome.storage.managed.get(null)),
      (managed) => managed.warnDays === 150);

    const notAfter = Date.now() + 120 * DAY;
    const client = pki.client('fleet-120', { cn: 'client1120', notAfter, notBefore: notAfter - 1095 * DAY });
    (await registerCertificate(client.cert)).close();
    // warnDays 150 from policy: a certificate with 120 days left gets the banner, on the
    // cloud and on the on-premise server the policy named.
    await until('the banner on the on-premise server', () => bannerOn(ON_PREMISE_HOST), (shown) => shown?.text.includes('120'));
    assert.ok((await bannerOn(WEBORCA_HOST))?.text.includes('120'));

    const options = await page(browser.url('options/options.html'));
    await options.locator('#policy-warnDays').waitFor();
    assert.equal(await options.locator('#policy-warnDays').textContent(), '150');
    assert.equal(await options.locator('#warnDays').isDisabled(), true);
    assert.equal(await options.locator('#warnDays-lock').isVisible(), true);
    assert.equal(await options.locator('#installed-by-admin').isVisible(), true);
    assert.equal(await options.locator('#policy-weborcaOrigins').textContent(), `https://${ON_PREMISE_HOST}`);

    // The administrator changes the policy while the browser runs: the open options page
    // follows without a reload, and the banner goes (120 days is outside 100).
    await setPolicy({ ...extensionPolicy, warnDays: 100 }, browserPolicies, release.id);
    await until('the options page follows the policy', () => options.locator('#policy-warnDays').textContent(), (v) => v === '100');
    assert.equal(await options.locator('#warnDays').inputValue(), '100');
    assert.equal(await bannerOn(ON_PREMISE_HOST), null);
  } finally {
    await updates.close();
  }
});

test('policy values of the wrong kind or out of range are dropped and named; the rest applies', async () => {
  server = await startWeborca(pki.server(HOSTS));
  await setPolicy({
    warnDays: '150', // a string: Chrome drops it (schema)
    reminderDays: [0, 30], // out of range: Chrome drops it (schema)
    autoRenew: 'yes', // not a boolean: Chrome drops it (schema)
    downloadSubfolder: 'certs/../..', // fits the schema's pattern; the core refuses it
    renewalApiUrl: 'https://auth..example.jp/api/cert', // likewise
    weborcaOrigins: [`https://${ON_PREMISE_HOST}`], // valid: applies
    usersMayRemove: false, // valid: applies
  });
  browser = await launchWithExtension({ hosts: HOSTS });
  const managed = await browser.worker.evaluate(() => chrome.storage.managed.get(null));
  for (const dropped of ['warnDays', 'reminderDays', 'autoRenew']) assert.equal(managed[dropped], undefined, dropped);

  // The options page names what the core refused, shows what applies (what Chrome dropped
  // is absent from it), and tells the administrator so.
  const options = await page(browser.url('options/options.html'));
  await options.locator('#policy-problems').waitFor();
  const problems = await options.locator('#policy-errors li').evaluateAll((items) => items.map((li) => [li.dataset.key, li.textContent]));
  assert.deepEqual(problems.map(([key]) => key).sort(), ['downloadSubfolder', 'renewalApiUrl']);
  assert.ok(problems.find(([key]) => key === 'downloadSubfolder')[1].includes('フォルダー名に使えない文字'));
  assert.equal(await options.locator('#policy-weborcaOrigins').textContent(), `https://${ON_PREMISE_HOST}`);
  assert.equal(await options.locator('#policy-usersMayRemove').textContent(), 'いいえ');
  assert.equal(await options.locator('#warnDays').isDisabled(), false);
  assert.equal(await options.locator('#warnDays').inputValue(), '90');
  const listed = await options.locator('#policy-values dd').evaluateAll((dds) => dds.map((dd) => dd.id));
  assert.deepEqual(listed.sort(), ['policy-usersMayRemove', 'policy-weborcaOrigins']);
  assert.ok((await options.locator('#policy').textContent()).includes('取り除く'));

  // The extension works on the rest: the default 90 days, the banner, no remove button.
  const notAfter = Date.now() + 80 * DAY;
  const client = pki.client('dropped-80', { cn: 'client1080', notAfter, notBefore: notAfter - 1095 * DAY });
  const popup = await registerCertificate(client.cert);
  assert.equal(await popup.getByRole('button', { name: '削除' }).count(), 0);
  assert.ok((await bannerOn(WEBORCA_HOST))?.text.includes('80'));
});

/** Chromium with `client` in its NSS database, the policy given, downloads into a folder. */
async function launchManaged(client, extensionPolicy, { autoSelect }) {
  const downloads = mkdtempSync(path.join(dir, 'downloads-'));
  await setPolicy(extensionPolicy, certificatePolicies(autoSelect ? [API_HOST, FILES_HOST, WEBORCA_HOST] : [], downloads));
  browser = await launchWithExtension({
    hosts: HOSTS,
    strictTls: true,
    prepareHome: (home) => prepareNssDb(home, { caCert: pki.caCert, clients: [client] }),
  });
  await browser.useDefaultDownloads();
  return downloads;
}

const posts = () => server.apiRequests().filter((line) => line.startsWith('POST')).length;

test('autoRenew: a certificate in the window is renewed with no click, one POST, saved; the user is asked to back up and import', async () => {
  server = await startWeborca(pki.server(HOSTS), { pki });
  const client = pki.client('auto-30', { cn: 'client3948', notAfter: Date.now() + 30 * DAY, password: PASSWORD });
  const downloads = await launchManaged(client, { autoRenew: true, autoRenewSpreadDays: 0 }, { autoSelect: true });
  await registerCertificate(client.p12, PASSWORD);
  const worker = await browser.currentWorker();
  const record = await settledRenewal(worker, { states: ['saved', 'failed', 'uncertain'], timeoutMs: 60_000 });
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.equal(record.automatic, true);
  assert.equal(posts(), 1);
  const saved = readdirSync(path.join(downloads, 'WebORCA証明書'));
  assert.equal(saved.filter((name) => name.endsWith('.p12')).length, 1, saved.join());
  assert.equal(saved.filter((name) => name.endsWith('_password.txt')).length, 1, saved.join());
  const notices = await notificationIds(worker, (id) => id.endsWith(':renewedAutomatically'));
  assert.ok(notices.some((id) => id.endsWith(':renewedAutomatically')), notices.join());
  // The popup asks only for the backup and the import.
  const popup = await page(browser.url('popup/popup.html'));
  await popup.locator('main').getByText('自動で更新し').first().waitFor();
  await popup.getByRole('button', { name: 'ログインできました' }).waitFor();
  // Another automatic check starts nothing more (the core refuses a second automatic start).
  await worker.evaluate(() => chrome.alarms.create('auto-renew', { when: Date.now() }));
  await popup.waitForTimeout(1500);
  assert.equal(posts(), 1);
});

test('autoRenew without the certificate-selection policy: one clear message, nothing sent, no retries', async () => {
  server = await startWeborca(pki.server(HOSTS), { pki });
  const client = pki.client('auto-nopolicy', { cn: 'client3949', notAfter: Date.now() + 30 * DAY, password: PASSWORD });
  await launchManaged(client, { autoRenew: true, autoRenewSpreadDays: 0 }, { autoSelect: false });
  const popup = await registerCertificate(client.p12, PASSWORD);
  const worker = await browser.currentWorker();
  const record = await settledRenewal(worker);
  assert.equal(record.state, 'failed');
  assert.equal(record.error.code, 'auto_not_connected');
  assert.equal(record.issued, 'no');
  // Later checks (the timer, the same certificate registered again) send nothing more.
  await worker.evaluate(() => chrome.alarms.create('auto-renew', { when: Date.now() }));
  (await registerCertificate(client.p12, PASSWORD)).close();
  await popup.waitForTimeout(2000);
  assert.deepEqual(server.apiRequests(), [], 'nothing reached the renewal API');
  const after = await settledRenewal(worker);
  assert.equal(after.updatedAt, record.updatedAt, 'the automatic attempt is not repeated');
  const notices = Object.keys(await worker.evaluate(() => chrome.notifications.getAll()));
  assert.equal(notices.filter((id) => id.startsWith('renewal:')).length, 1, notices.join());
  // The user is told plainly, and the way by hand stays open.
  await popup.reload();
  await popup.locator('main').getByText('自動ではもう試しません').waitFor();
  await popup.getByRole('button', { name: 'もう一度試す' }).waitFor();
});
