// Renewal end to end: Chromium with the test client certificate in its NSS database and the
// AutoSelectCertificateForUrls policy, against the simulated WebORCA that demands a client
// certificate (mutual TLS), issues a new one and serves it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { ALL_HOSTS, API_HOST, WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import {
  banner, certificatePolicies, clearPolicy, launchWithExtension, message, prepareNssDb, registerThroughPopup,
  setPolicy, settledRenewal,
} from './browser.mjs';

const DAY = 86_400_000;
const PASSWORD = 'client-pass';
let pki;
let dir;
let server;
let browser;
let downloads;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-renewal-'));
  pki = new TestPki(dir);
  server = await startWeborca(pki.server(ALL_HOSTS), { pki });
});
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  server.fault = null;
  server.log.length = 0;
  await clearPolicy();
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Chromium that presents `client` to the simulated WebORCA without asking. */
async function launch(client, { autoSelect = true } = {}) {
  downloads = mkdtempSync(path.join(dir, 'downloads-'));
  await setPolicy({}, certificatePolicies(autoSelect ? [API_HOST, WEBORCA_HOST] : [], downloads));
  browser = await launchWithExtension({
    hosts: ALL_HOSTS,
    strictTls: true,
    prepareHome: (home) => prepareNssDb(home, { caCert: pki.caCert, clients: [client] }),
  });
  await browser.useDefaultDownloads();
}

function clientEnding(days, name = `c${Date.now()}`) {
  return pki.client(name, { cn: 'client3948', notAfter: Date.now() + days * DAY, password: PASSWORD });
}

async function popup() {
  const page = await browser.context.newPage();
  await page.goto(browser.url('popup/popup.html'));
  return page;
}

function register(page, client) {
  return registerThroughPopup(page, { file: client.p12, password: PASSWORD, label: '受付PC' });
}

function openssl(args) {
  return execFileSync('openssl', args, { encoding: 'utf8' });
}

test('happy path: the banner\'s 今すぐ更新 → new .p12 and password file on disk, verified, new certificate current', async () => {
  const client = clientEnding(30);
  await launch(client);
  const page = await popup();
  await register(page, client);
  const site = await browser.context.newPage();
  await site.goto(`https://${WEBORCA_HOST}/`);
  await site.waitForTimeout(700);
  const guideTab = browser.context.waitForEvent('page');
  await (await banner(site)).click('今すぐ更新');
  assert.match((await guideTab).url(), /popup\/popup\.html#[0-9A-F]{64}$/, 'the guide opens for that certificate');
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.deepEqual(server.apiRequests().map((l) => l.split(' ')[0]), ['POST', 'GET']);

  const saved = readdirSync(path.join(downloads, 'WebORCA証明書')).sort();
  assert.equal(saved.length, 2, saved.join());
  const p12 = path.join(downloads, 'WebORCA証明書', saved.find((f) => f.endsWith('.p12')));
  const passFile = readFileSync(path.join(downloads, 'WebORCA証明書', saved.find((f) => f.endsWith('_password.txt'))), 'utf8');
  const pass = passFile.trim().split(/\r?\n/).at(-1);
  assert.match(path.basename(p12), /^[0-9A-F]+__JP_u00001294_client3948_\d{8}\.p12$/);
  const pem = openssl(['pkcs12', '-in', p12, '-passin', `pass:${pass}`, '-nokeys', '-clcerts', '-legacy']);
  const subject = execFileSync('openssl', ['x509', '-noout', '-subject', '-enddate'], { input: pem, encoding: 'utf8' });
  assert.match(subject, /CN ?= ?client3948/);
  assert.match(subject, /O ?= ?u00001294/);
  const notAfter = new Date(subject.match(/notAfter=(.*)/)[1]).getTime();
  assert.ok(Math.abs(notAfter - (Date.now() + 1095 * DAY)) < 2 * DAY, 'about 3 years out');

  // The popup shows the new certificate as current, the old one in history, and the guide.
  await page.reload();
  await page.locator('#renewals:not([hidden])').waitFor();
  assert.match(await page.locator('#certificates').textContent(), /あと 109[45] 日/);
  assert.equal(await page.locator('#certificates > li').count(), 1, 'the new certificate replaced the old');
  assert.match(await page.locator('#history').textContent(), /受付PC（client3948）：有効期限 .* に新しい証明書へ更新/);
  const worker = await browser.currentWorker();
  const { history } = await worker.evaluate(() => chrome.storage.local.get('history'));
  assert.equal(history.length, 1);
  assert.equal(history[0].label, '受付PC');
  await page.getByRole('button', { name: '確認する' }).click();
  await page.locator('.guide .password', { hasText: pass }).waitFor();
  // The backed-up copy is checked, then the password is wiped from the extension.
  await page.getByLabel('バックアップした証明書ファイル').setInputFiles(p12);
  await page.getByText('バックアップを確認しました。').waitFor();
  const { renewalSecrets } = await worker.evaluate(() => chrome.storage.session.get('renewalSecrets'));
  assert.deepEqual(renewalSecrets, {});

  // Until the import is confirmed, WebORCA pages keep saying so; then they stop.
  const weborca = await browser.context.newPage();
  await weborca.goto(`https://${WEBORCA_HOST}/`);
  await weborca.waitForTimeout(700);
  assert.match((await banner(weborca)).text, /取り込み（インポート）がまだ完了していません/);
  assert.equal(await (await browser.currentWorker()).evaluate(() => chrome.action.getBadgeText({})), '!');
  await page.getByRole('button', { name: 'ログインできました' }).click();
  await page.locator('#renewals[hidden]').waitFor({ state: 'attached' });
  await weborca.reload();
  await weborca.waitForTimeout(700);
  assert.equal(await banner(weborca), null);
});

for (const [fault, code, requests] of [
  ['malformed-json', 'renewalErrorMalformedAnswer', ['POST']],
  ['missing-pass', 'renewalErrorMalformedAnswer', ['POST']],
  ['uri-other-host', 'renewalErrorUntrustedUri', ['POST']],
  ['uri-http', 'renewalErrorUntrustedUri', ['POST']],
  ['truncated-p12', 'renewalErrorRenewedUnreadable', ['POST', 'GET']],
  // A flipped byte fails the MAC, which cannot tell damage from a wrong password.
  ['corrupt-p12', 'renewalErrorRenewedWrongPassword', ['POST', 'GET']],
  ['wrong-pass-p12', 'renewalErrorRenewedWrongPassword', ['POST', 'GET']],
  ['other-subject', 'renewalErrorRenewedOtherSubject', ['POST', 'GET']],
  ['shorter-validity', 'renewalErrorRenewedNotLater', ['POST', 'GET']],
  ['http500', 'renewalErrorServer', ['POST']],
  ['http503', 'renewalErrorServer', ['POST']],
]) {
  test(`fault ${fault}: its own Japanese message, nothing saved, the old record intact`, async () => {
    const client = clientEnding(30);
    await launch(client);
    const page = await popup();
    await register(page, client);
    const worker = await browser.currentWorker();
    const before = (await worker.evaluate(() => chrome.storage.local.get('registrations'))).registrations;
    server.fault = fault;
    await page.getByRole('button', { name: '今すぐ更新' }).click();
    const record = await settledRenewal(worker);
    const transient = fault.startsWith('http5');
    assert.equal(record.state, transient ? 'waiting' : 'failed');
    assert.deepEqual(server.apiRequests().map((l) => l.split(' ')[0]), requests, server.apiRequests().join('\n'));
    await page.locator('.renewal .error').first().waitFor();
    assert.equal(await page.locator('.renewal .error').first().textContent(), await message(code));
    assert.deepEqual(readdirSync(downloads), [], 'no file saved');
    const after = (await worker.evaluate(() => chrome.storage.local.get('registrations'))).registrations;
    assert.deepEqual(after, before, 'the old record is untouched');
    if (transient) {
      assert.ok(record.nextAttemptAt > Date.now() + 20_000, 'retried later, with backoff');
      assert.equal(record.attempt, 1);
      const alarm = await worker.evaluate(() => chrome.alarms.get('renewal-retry'));
      assert.equal(alarm.scheduledTime, record.nextAttemptAt, 'an alarm brings the retry');
    } else {
      const notifications = await worker.evaluate(() => chrome.notifications.getAll());
      assert.ok(Object.keys(notifications).some((id) => id.startsWith('renewal-failed:')), 'a notification reports it');
    }
  });
}

test('fault timeout: the POST gets no answer, the attempt times out and is retried later', async () => {
  const client = clientEnding(30);
  await launch(client);
  const page = await popup();
  await register(page, client);
  server.fault = 'timeout';
  await page.getByRole('button', { name: '今すぐ更新' }).click();
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'waiting');
  assert.equal(record.error.code, 'timeout');
  assert.equal(server.apiRequests().filter((l) => l.startsWith('POST')).length, 1);
  assert.equal(await page.locator('.renewal .error').first().textContent(), await message('renewalErrorTimeout'));
});

test('an expired certificate is refused by the server with NOT PERMITTED CERTIFICATE', async () => {
  const client = pki.client(`expired${Date.now()}`, {
    cn: 'client3948', notBefore: Date.now() - 1100 * DAY, notAfter: Date.now() - DAY, password: PASSWORD,
  });
  await launch(client);
  const page = await popup();
  await register(page, client);
  const fingerprint = await page.evaluate(async () => (await chrome.runtime.sendMessage({ type: 'page/overview' })).overview.entries[0].fingerprint);
  // The popup offers no 今すぐ更新 for an expired certificate; the worker is asked directly.
  assert.equal(await page.getByRole('button', { name: '今すぐ更新' }).count(), 0);
  await page.evaluate((fp) => chrome.runtime.sendMessage({ type: 'page/renew', data: { fingerprint: fp } }), fingerprint);
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'failed');
  assert.equal(record.error.code, 'not_permitted');
  assert.equal(record.error.status, 403);
  assert.deepEqual(server.apiRequests(), [`POST ${API_HOST}/api/cert 403`]);
});

test('double click and a second tab send exactly one POST', async () => {
  const client = clientEnding(30);
  await launch(client);
  const page = await popup();
  await register(page, client);
  const second = await popup();
  const fingerprint = await page.evaluate(async () => {
    const { registrations } = await chrome.runtime.sendMessage({ type: 'page/overview' }).then((r) => ({ registrations: r.overview.entries }));
    return registrations[0].fingerprint;
  });
  const renew = (p) => p.evaluate((fp) => chrome.runtime.sendMessage({ type: 'page/renew', data: { fingerprint: fp } }), fingerprint);
  await Promise.all([renew(page), renew(page), renew(second)]);
  await settledRenewal(await browser.currentWorker());
  assert.equal(server.apiRequests().filter((l) => l.startsWith('POST')).length, 1, server.apiRequests().join('\n'));
});

test('a worker stopped mid-flow does not POST again', async () => {
  const client = clientEnding(30);
  await launch(client);
  const page = await popup();
  await register(page, client);
  server.fault = 'timeout'; // the POST hangs until the worker is stopped
  await page.getByRole('button', { name: '今すぐ更新' }).click();
  for (let i = 0; i < 50 && !server.log.some((l) => l.startsWith('POST')); i += 1) await page.waitForTimeout(100);
  await browser.stopWorker();
  server.fault = null;
  await page.reload(); // wakes the worker, which resumes what is stored
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'failed');
  assert.equal(record.error.code, 'interrupted');
  assert.equal(server.apiRequests().filter((l) => l.startsWith('POST')).length, 1);
});

test('without the auto-select policy the certificate picker fallback is offered', async () => {
  const client = clientEnding(30);
  await launch(client, { autoSelect: false });
  const page = await popup();
  await register(page, client);
  await page.getByRole('button', { name: '今すぐ更新' }).click();
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.error.code, 'connection_failed');
  assert.deepEqual(server.apiRequests(), [], 'nothing reached the server');
  await page.getByRole('button', { name: '証明書を選ぶ画面を開く' }).waitFor();
  // Headless Chromium cannot show the picker itself (the navigation waits on it); that a tab
  // opens on the API host is what can be tested here.
  await page.getByRole('button', { name: '証明書を選ぶ画面を開く' }).click();
  const worker = await browser.currentWorker();
  let hosts = [];
  for (let i = 0; i < 50 && !hosts.includes(API_HOST); i += 1) {
    hosts = await worker.evaluate(async () => (await chrome.tabs.query({}))
      .map((tab) => new URL(tab.pendingUrl || tab.url || 'about:blank').host));
    await page.waitForTimeout(100);
  }
  assert.ok(hosts.includes(API_HOST), hosts.join());
});
