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
import {
  ALL_HOSTS, API_HOST, FILES_HOST, FOREIGN_HOST, OTHER_HOST, WEBORCA_HOST, startWeborca,
} from '../support/weborca-server.mjs';
import {
  banner, certificatePolicies, clearPolicy, launchWithExtension, message, prepareNssDb, registerThroughPopup,
  notificationIds, setPolicy, settledRenewal,
} from '../support/browser.mjs';

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
async function launch(client, { autoSelect = true, policy = {} } = {}) {
  downloads = mkdtempSync(path.join(dir, 'downloads-'));
  await setPolicy(policy, certificatePolicies(autoSelect ? [API_HOST, FILES_HOST, WEBORCA_HOST] : [], downloads));
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

/** Chromium with a certificate ending in 30 days, registered through the popup (returned). */
async function registeredIn30Days() {
  const client = clientEnding(30);
  await launch(client);
  const page = await popup();
  await register(page, client);
  return page;
}

/** A certificate ending in 30 days, registered, and 「今すぐ更新」 pressed in the popup with
 * the simulated WebORCA in `fault` mode (null: behaving). Returns the popup. */
async function renewingWith(fault) {
  const page = await registeredIn30Days();
  server.fault = fault;
  await page.getByRole('button', { name: '今すぐ更新' }).click();
  return page;
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

/** The methods of the requests the API host received, the probe (`GET /`) included. */
const methods = () => server.apiRequests().map((l) => l.split(' ')[0]);
const posts = () => server.apiRequests().filter((l) => l.startsWith('POST')).length;

/** Nothing with key material (or any trace of the renewal's files) stays in the browser's
 * download history: the files were saved from blob: URLs and their entries erased. */
async function assertNoDownloadTraces() {
  const items = await (await browser.currentWorker()).evaluate(() => chrome.downloads.search({}));
  assert.deepEqual(items.filter((item) => item.url.startsWith('data:') || item.url.startsWith('blob:')), []);
  assert.deepEqual(items.map((item) => item.filename), [], 'no download entry is left');
}

/** The saved files: the .p12 path and the password read from its text file. */
function savedFiles() {
  const folder = path.join(downloads, 'WebORCA証明書');
  const saved = readdirSync(folder).sort();
  assert.equal(saved.length, 2, saved.join());
  const p12 = path.join(folder, saved.find((f) => f.endsWith('.p12')));
  const passFile = readFileSync(path.join(folder, saved.find((f) => f.endsWith('_password.txt'))), 'utf8');
  return { p12, pass: passFile.trim().split(/\r?\n/).at(-1) };
}

/** The renewal record once `predicate` holds for it. */
async function renewalWhere(worker, predicate, timeoutMs = 15_000) {
  for (const start = Date.now(); Date.now() - start < timeoutMs;) {
    const { renewals = {} } = await worker.evaluate(() => chrome.storage.local.get('renewals'));
    const record = Object.values(renewals)[0];
    if (record && predicate(record)) return record;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error('the renewal never got there');
}

async function fingerprintOf(page) {
  return page.evaluate(async () => (await chrome.runtime.sendMessage({ type: 'page/overview' })).overview.entries[0].fingerprint);
}

test('happy path: the banner\'s 今すぐ更新 → new .p12 and password file on disk, verified, new certificate current', async () => {
  const page = await registeredIn30Days();
  const site = await browser.context.newPage();
  await site.goto(`https://${WEBORCA_HOST}/`);
  await site.waitForTimeout(700);
  const guideTab = browser.context.waitForEvent('page');
  await (await banner(site)).click('今すぐ更新');
  assert.match((await guideTab).url(), /popup\/popup\.html#[0-9A-F]{64}$/, 'the guide opens for that certificate');
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.deepEqual(methods(), ['GET', 'POST', 'GET'], 'the probe, one POST, the file');
  assert.ok(record.current.issuerKey, 'the registered file carried its CA, whose key signed the new certificate');
  await assertNoDownloadTraces();

  const { p12, pass } = savedFiles();
  assert.match(path.basename(p12), /^\d+__JP_u00001294_client3948_\d{8}\.p12$/);
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
  await page.getByLabel('コピーした .p12 ファイル').setInputFiles(p12);
  await page.locator('main').getByText('バックアップを確認しました。').waitFor();
  const secrets = await worker.evaluate(async () => [
    (await chrome.storage.session.get('renewalSecrets')).renewalSecrets,
    (await chrome.storage.local.get('renewalSecrets')).renewalSecrets,
  ]);
  assert.deepEqual(secrets, [{}, {}], 'the password is wiped everywhere');
  const notifications = await worker.evaluate(() => chrome.notifications.getAll());
  assert.ok(Object.keys(notifications).some((id) => id.endsWith(':awaitingImport')), 'a notification asks for the import');

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

for (const [fault, code, state, requests] of [
  ['malformed-json', 'renewalErrorMalformedAnswer', 'failed', ['GET', 'POST']],
  ['missing-pass', 'renewalErrorMalformedAnswer', 'failed', ['GET', 'POST']],
  // Issued, but the file is where the client certificate must not go: nothing is sent there,
  // the password and the address are held for the administrator.
  ['uri-other-host', 'renewalErrorUntrustedUri', 'held', ['GET', 'POST']],
  ['uri-http', 'renewalErrorUntrustedUri', 'held', ['GET', 'POST']],
  // A damaged download may come right: the password stays, the GET (never the POST) is
  // repeated on a timer and at the user's word. A flipped byte fails the MAC, which cannot
  // tell damage from a wrong password: both are treated as damage.
  ['truncated-p12', 'renewalErrorRenewedUnreadable', 'answered', ['GET', 'POST', 'GET']],
  ['corrupt-p12', 'renewalErrorRenewedWrongPassword', 'answered', ['GET', 'POST', 'GET']],
  ['wrong-pass-p12', 'renewalErrorRenewedWrongPassword', 'answered', ['GET', 'POST', 'GET']],
  // Issued but not this terminal's renewal, or its issuer cannot be confirmed: held for the
  // administrator (not registered, nothing in Downloads), the password and file kept.
  ['other-subject', 'renewalErrorRenewedOtherSubject', 'held', ['GET', 'POST', 'GET']],
  ['shorter-validity', 'renewalErrorRenewedNotLater', 'held', ['GET', 'POST', 'GET']],
  ['other-issuer', 'renewalErrorRenewedOtherIssuer', 'held', ['GET', 'POST', 'GET']],
  ['forged-issuer', 'renewalErrorRenewedOtherIssuer', 'held', ['GET', 'POST', 'GET']],
  ['forged-issuer-no-aki', 'renewalErrorRenewedBadSignature', 'held', ['GET', 'POST', 'GET']],
  ['get-redirect', 'renewalErrorRedirected', 'answered', ['GET', 'POST', 'GET']],
  ['post-redirect', 'renewalErrorRedirected', 'uncertain', ['GET', 'POST']],
  ['http500', 'renewalErrorServer', 'uncertain', ['GET', 'POST']],
  ['http503', 'renewalErrorServer', 'waiting', ['GET', 'POST']],
  // A hostile server: each ends with its own message, nothing saved, the old record intact.
  ['huge-answer', 'renewalErrorAnswerTooLarge', 'failed', ['GET', 'POST']],
  ['drip-answer', 'renewalErrorTimeout', 'uncertain', ['GET', 'POST']],
  ['huge-file', 'renewalErrorRenewedTooLarge', 'held', ['GET', 'POST', 'GET']],
  ['p12-bomb', 'renewalErrorRenewedTooComplex', 'held', ['GET', 'POST', 'GET']],
]) {
  test(`fault ${fault}: ${state}, its own Japanese message, nothing saved, the old record intact`, async () => {
    const page = await registeredIn30Days();
    const worker = await browser.currentWorker();
    const before = (await worker.evaluate(() => chrome.storage.local.get('registrations'))).registrations;
    server.fault = fault;
    await page.getByRole('button', { name: '今すぐ更新' }).click();
    const record = await settledRenewal(worker);
    assert.equal(record.state, state, JSON.stringify(record.error));
    assert.deepEqual(methods(), requests, server.apiRequests().join('\n'));
    assert.deepEqual([...server.requestsTo(OTHER_HOST), ...server.requestsTo(FOREIGN_HOST)], [], 'no request left the API');
    await page.locator('.renewal .error').first().waitFor();
    assert.equal(await page.locator('.renewal .error').first().textContent(), await message(code));
    assert.deepEqual(readdirSync(downloads), [], 'no file saved');
    const after = (await worker.evaluate(() => chrome.storage.local.get('registrations'))).registrations;
    assert.deepEqual(after, before, 'the old record is untouched');
    const retriedByItself = Boolean(record.nextAttemptAt);
    if (retriedByItself) {
      assert.ok(record.nextAttemptAt > Date.now() + 20_000, 'retried later, with backoff');
      const alarm = await worker.evaluate((fp) => chrome.alarms.get(`renewal-wake:${fp}`), record.fingerprint);
      assert.equal(alarm.scheduledTime, record.nextAttemptAt, 'an alarm brings the retry');
    } else {
      const notifications = await notificationIds(worker, (id) => id.startsWith('renewal:'));
      assert.ok(notifications.some((id) => id.startsWith('renewal:')), 'a notification reports it');
    }
    if (state === 'waiting') assert.equal(record.issued, 'no');
    // A certificate may exist: no plain retry.
    if (record.issued !== 'no') assert.equal(await page.getByRole('button', { name: 'もう一度試す' }).count(), 0);
    if (state === 'uncertain' || state === 'failed' && record.issued !== 'no' || state === 'answered' && !retriedByItself) {
      // Only a confirmed new application.
      await page.getByRole('button', { name: 'もう一度申し込む' }).waitFor();
    }
    if (state === 'answered' || state === 'held') {
      // Issued: the password (and the file once downloaded) is kept.
      const kept = await worker.evaluate(async () => (await chrome.storage.local.get('renewalSecrets')).renewalSecrets);
      assert.ok(kept[record.fingerprint]?.pass, 'the password is kept');
    }
    if (state === 'answered') await page.getByRole('button', { name: 'もう一度ダウンロードする' }).waitFor();
    if (state === 'held') {
      assert.equal(await page.getByRole('button', { name: 'もう一度申し込む' }).count(), 0, 'not before the administrator acts');
      await page.getByRole('button', { name: 'ファイルを書き出す' }).waitFor();
    }
  });
}

test('a hostile WebORCA-looking page cannot start a renewal: untrusted clicks, a hidden or covered banner, messages from the page', async () => {
  await registeredIn30Days();
  const site = await browser.context.newPage();
  await site.goto(`https://${WEBORCA_HOST}/`);
  const nothingSent = async (what) => {
    await site.waitForTimeout(1500);
    assert.deepEqual(methods(), [], `${what}: nothing sent`);
    const { renewals = {} } = await (await browser.currentWorker()).evaluate(() => chrome.storage.local.get('renewals'));
    assert.deepEqual(renewals, {}, `${what}: no renewal started`);
  };
  await site.waitForTimeout(1000);
  // A click dispatched by the page's script.
  await (await banner(site)).syntheticClick('今すぐ更新');
  await nothingSent('a synthetic click');
  // The banner made transparent, then covered by a pass-through layer: the user cannot see
  // what they click.
  await site.evaluate(() => { document.querySelector('weborca-cert-banner').style.opacity = '0'; });
  await (await banner(site)).click('今すぐ更新');
  await nothingSent('a transparent banner');
  await site.evaluate(() => {
    document.querySelector('weborca-cert-banner').style.opacity = '';
    const cover = Object.assign(document.createElement('div'), { id: 'cover' });
    cover.style.cssText = 'position:fixed;inset:0;pointer-events:none;background:rgba(255,255,255,0.01);z-index:99999';
    document.body.append(cover);
  });
  await (await banner(site)).click('今すぐ更新');
  await nothingSent('a covered banner');
  // The page's own script has no way to the worker.
  const fromPage = await site.evaluate(async (id) => {
    try {
      await chrome.runtime.sendMessage(id, { type: 'content/renew', data: {} });
      return 'sent';
    } catch (error) {
      return `refused: ${error.message}`;
    }
  }, browser.id);
  assert.match(fromPage, /^refused/);
  // Clobbered: the page replaces its body; nothing breaks, nothing is sent.
  await site.evaluate(() => { document.body.innerHTML = '<h1>replaced</h1>'; });
  await nothingSent('a clobbered page');
  // The control: the same click on a visible banner starts the renewal.
  await site.reload();
  await site.waitForTimeout(1000);
  await (await banner(site)).click('今すぐ更新');
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.equal(posts(), 1);
});

test('a download host of the API\'s own domain is used; the file is verified and saved', async () => {
  await renewingWith('uri-sibling-host');
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.deepEqual(methods(), ['GET', 'POST']);
  assert.deepEqual(server.requestsTo(FILES_HOST).map((l) => l.split(' ')[0]), ['GET']);
  savedFiles();
  await assertNoDownloadTraces();
});

test('a failed download of an issued file is repeated, never the POST', async () => {
  const page = await renewingWith('get-503-once');
  const worker = await browser.currentWorker();
  const waiting = await settledRenewal(worker);
  assert.equal(waiting.state, 'answered');
  assert.equal(waiting.error.code, 'download_failed');
  await page.locator('main').getByText(await message('renewalErrorDownloadFailed')).waitFor();
  // Instead of waiting for the timer (30 s or more), go on as the popup's retry would.
  await page.evaluate((fp) => chrome.runtime.sendMessage({ type: 'page/retry-renewal', data: { fingerprint: fp } }), waiting.fingerprint);
  const record = await settledRenewal(worker, { states: ['saved', 'failed'] });
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.deepEqual(methods(), ['GET', 'POST', 'GET', 'GET']);
});

test('a renewed certificate without an authority key identifier, from the same CA, is renewed', async () => {
  await renewingWith('no-aki');
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.equal(posts(), 1);
  const { p12, pass } = savedFiles();
  const text = openssl(['pkcs12', '-in', p12, '-passin', `pass:${pass}`, '-nokeys', '-clcerts', '-legacy']);
  const details = execFileSync('openssl', ['x509', '-noout', '-text'], { input: text, encoding: 'utf8' });
  assert.doesNotMatch(details, /Authority Key Identifier/, 'the renewed certificate names no issuer key');
});

test('a file that fails its MAC once is downloaded again, never applied for again: saved with one POST', async () => {
  const page = await renewingWith('corrupt-once');
  const worker = await browser.currentWorker();
  const damaged = await settledRenewal(worker);
  assert.equal(damaged.state, 'answered');
  assert.equal(damaged.error.code, 'renewed_wrong_password');
  const kept = await worker.evaluate(async () => (await chrome.storage.local.get('renewalSecrets')).renewalSecrets);
  assert.ok(kept[damaged.fingerprint]?.pass, 'the password is kept');
  await page.locator('main').getByText(await message('renewalErrorRenewedWrongPassword')).waitFor();
  await page.getByRole('button', { name: 'もう一度ダウンロードする' }).click();
  const record = await settledRenewal(worker, { states: ['saved', 'failed', 'held'] });
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.deepEqual(methods(), ['GET', 'POST', 'GET', 'GET']);
  savedFiles();
});

test('a certificate signed by another key under the same CA name is held for the administrator', async () => {
  const page = await renewingWith('forged-issuer');
  const worker = await browser.currentWorker();
  const held = await settledRenewal(worker);
  assert.equal(held.state, 'held');
  assert.equal(held.error.code, 'renewed_other_issuer');
  assert.equal(posts(), 1);
  // Not registered, not in Downloads: the old certificate stays current, with its reminders.
  assert.deepEqual(readdirSync(downloads), [], 'nothing where a receptionist would import it');
  const { overview } = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'page/overview' }));
  assert.equal(overview.entries.length, 1);
  assert.equal(overview.entries[0].fingerprint, held.fingerprint, 'the old certificate is still the registered one');
  assert.equal(overview.entries[0].assessment.status, 'renewalWindow');
  const weborca = await browser.context.newPage();
  await weborca.goto(`https://${WEBORCA_HOST}/`);
  await weborca.waitForTimeout(700);
  assert.ok(await banner(weborca), 'WebORCA pages still remind');
  await page.locator('main').getByText(await message('renewalHeldHint')).waitFor();
  assert.equal(await page.getByRole('button', { name: 'もう一度申し込む' }).count(), 0);

  // The administrator exports the password and the file on purpose, apart from the import folder.
  await page.getByRole('button', { name: 'ファイルを書き出す' }).click();
  const exported = await renewalWhere(worker, (record) => record.exported);
  const folder = path.join(downloads, 'WebORCA証明書', '管理者確認用');
  const files = readdirSync(folder).sort();
  assert.equal(files.length, 2, files.join());
  const pass = readFileSync(path.join(folder, files.find((f) => f.endsWith('_password.txt'))), 'utf8').trim().split(/\r?\n/).at(-1);
  const p12 = path.join(folder, files.find((f) => f.endsWith('.p12')));
  assert.match(openssl(['pkcs12', '-in', p12, '-passin', `pass:${pass}`, '-nokeys', '-clcerts', '-legacy']), /BEGIN CERTIFICATE/);
  assert.equal(exported.exported.p12, p12);
  await assertNoDownloadTraces();

  // Then discards it: the secret goes; a new application needs the user's confirmation.
  await page.getByRole('button', { name: '保管したファイルを破棄する' }).click();
  await page.getByRole('button', { name: '破棄する', exact: true }).click();
  const discarded = await settledRenewal(worker, { states: ['failed'] });
  assert.equal(discarded.issued, 'yes');
  // The record is stored before its effects run: the wipe follows it.
  const secrets = () => worker.evaluate(async () => [
    (await chrome.storage.local.get('renewalSecrets')).renewalSecrets ?? {},
    (await chrome.storage.session.get('renewalSecrets')).renewalSecrets ?? {},
  ]);
  for (let i = 0; i < 50 && JSON.stringify(await secrets()) !== '[{},{}]'; i += 1) await page.waitForTimeout(100);
  assert.deepEqual(await secrets(), [{}, {}], 'the password is wiped everywhere');
  await page.getByRole('button', { name: 'もう一度申し込む' }).waitFor();
  assert.equal(posts(), 1);
});

test('an on-premise certificate renewed from the popup without renewalApiUrl sends nothing and says why', async () => {
  const client = clientEnding(30);
  await launch(client, { policy: { weborcaOrigins: ['https://orca.clinic.test'] } });
  const page = await popup();
  await register(page, client);
  await page.getByRole('button', { name: '今すぐ更新' }).click();
  await page.locator('main').getByText(await message('renewalErrorNoApiUrl')).waitFor();
  const { renewals = {} } = await (await browser.currentWorker()).evaluate(() => chrome.storage.local.get('renewals'));
  assert.deepEqual(renewals, {}, 'no renewal started');
  assert.deepEqual(server.log, [], 'nothing was sent anywhere');
});

test('a POST answered only after the timeout: exactly one POST, an uncertain state said plainly', async () => {
  const page = await registeredIn30Days();
  server.slowMs = 35_000;
  server.fault = 'post-slow';
  await page.getByRole('button', { name: '今すぐ更新' }).click();
  const record = await settledRenewal(await browser.currentWorker(), { timeoutMs: 60_000 });
  assert.equal(record.state, 'uncertain');
  assert.equal(record.error.code, 'timeout');
  assert.equal(posts(), 1);
  await page.locator('main').getByText(await message('renewalUncertainBody')).waitFor();
  assert.equal(await page.locator('.renewal .error').first().textContent(), await message('renewalErrorTimeout'));
  // The banner's 今すぐ更新 does not send another; the popup asks first.
  const site = await browser.context.newPage();
  await site.goto(`https://${WEBORCA_HOST}/`);
  await site.waitForTimeout(700);
  await (await banner(site)).click('今すぐ更新');
  await site.waitForTimeout(1500);
  assert.equal(posts(), 1, 'no second POST from the banner');
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
  assert.equal(record.issued, 'no');
  assert.deepEqual(server.apiRequests(), [`GET ${API_HOST}/ 403`, `POST ${API_HOST}/api/cert 403`]);
});

test('double click and a second tab send exactly one POST', async () => {
  const page = await registeredIn30Days();
  const second = await popup();
  const fingerprint = await page.evaluate(async () => {
    const { registrations } = await chrome.runtime.sendMessage({ type: 'page/overview' }).then((r) => ({ registrations: r.overview.entries }));
    return registrations[0].fingerprint;
  });
  const renew = (p) => p.evaluate((fp) => chrome.runtime.sendMessage({ type: 'page/renew', data: { fingerprint: fp } }), fingerprint);
  await Promise.all([renew(page), renew(page), renew(second)]);
  await settledRenewal(await browser.currentWorker());
  assert.equal(posts(), 1, server.apiRequests().join('\n'));
});

test('after a failure after the answer, clicks on the banner send nothing; a confirmed new application sends one', async () => {
  const page = await renewingWith('malformed-json');
  assert.equal((await settledRenewal(await browser.currentWorker())).issued, 'yes');
  server.fault = null;
  const site = await browser.context.newPage();
  await site.goto(`https://${WEBORCA_HOST}/`);
  await site.waitForTimeout(700);
  const onSite = await banner(site);
  await onSite.click('今すぐ更新');
  await onSite.click('今すぐ更新');
  await site.waitForTimeout(1500);
  assert.equal(posts(), 1, 'the banner never starts a renewal that may have issued a certificate');
  await page.reload();
  await page.getByRole('button', { name: 'もう一度申し込む' }).click();
  await page.locator('main').getByText(await message('confirmRenewAgain')).waitFor();
  await page.getByRole('button', { name: '申し込む', exact: true }).click();
  for (let i = 0; i < 100 && posts() < 2; i += 1) await page.waitForTimeout(100);
  const record = await settledRenewal(await browser.currentWorker(), { states: ['saved', 'uncertain'] });
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.equal(posts(), 2);
});

test('a worker stopped while the POST is in flight does not POST again: uncertain', async () => {
  const page = await renewingWith('post-hang');
  for (let i = 0; i < 50 && !server.log.some((l) => l.startsWith('POST')); i += 1) await page.waitForTimeout(100);
  await browser.stopWorker();
  server.fault = null;
  await page.reload(); // wakes the worker, which resumes what is stored
  const record = await settledRenewal(await browser.currentWorker());
  assert.equal(record.state, 'uncertain');
  assert.equal(record.error.code, 'interrupted');
  assert.equal(posts(), 1);
});

test('a worker stopped while the file downloads resumes with the GET: one POST, files saved', async () => {
  const page = await renewingWith('get-hang');
  const worker = await browser.currentWorker();
  await settledRenewal(worker, { states: ['answered'] });
  for (let i = 0; i < 50 && methods().length < 3; i += 1) await page.waitForTimeout(100);
  await browser.stopWorker();
  server.fault = null;
  await page.reload();
  const record = await settledRenewal(await browser.currentWorker(), { states: ['saved', 'failed'] });
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.equal(posts(), 1);
  savedFiles();
});

test('a record written mid-download by the previous release is resumed by this build: one POST, files saved', async () => {
  const page = await renewingWith('get-hang');
  const worker = await browser.currentWorker();
  const current = await settledRenewal(worker, { states: ['answered'] });
  for (let i = 0; i < 50 && methods().length < 3; i += 1) await page.waitForTimeout(100);
  await browser.stopWorker();
  // The record exactly as the previous release (0.1.x, a flat record) wrote it mid-download,
  // with its password in durable storage.
  const previous = {
    fingerprint: current.fingerprint, label: current.label, state: 'answered', issued: 'yes',
    current: current.current, apiUrl: current.apiUrl, downloadHosts: [], folder: 'WebORCA証明書',
    attempt: 1, downloadAttempt: 1, saveAttempt: 0, startedAt: current.startedAt, updatedAt: current.updatedAt,
    uri: current.uri, nextAttemptAt: null, error: null, renewed: null, files: { password: null, p12: null },
    pickerTabId: null, remindedAt: null, automatic: false,
  };
  const other = await browser.context.newPage();
  await other.goto(browser.url('popup/popup.html'));
  await other.evaluate(async (record) => {
    const { renewalSecrets } = await chrome.storage.local.get('renewalSecrets');
    await chrome.storage.local.set({ renewals: { [record.fingerprint]: record }, renewalSecrets });
  }, previous);
  await other.close();
  await browser.stopWorker();
  server.fault = null;
  await page.reload();
  const record = await settledRenewal(await browser.currentWorker(), { states: ['saved', 'failed', 'held'] });
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.equal(posts(), 1);
  savedFiles();
});

/** Makes the worker's `chrome.downloads.download` hang (never resolve) from call `from` on. */
function hangDownloads(worker, from) {
  return worker.evaluate((n) => {
    const original = chrome.downloads.download.bind(chrome.downloads);
    let calls = 0;
    chrome.downloads.download = (options) => {
      calls += 1;
      return calls >= n ? new Promise(() => {}) : original(options);
    };
  }, from);
}

for (const [subState, from] of [['verified', 1], ['passwordSaved', 2]]) {
  test(`a worker stopped in ${subState} resumes the save: one POST, both files, nothing lost`, async () => {
    const page = await registeredIn30Days();
    await hangDownloads(await browser.currentWorker(), from);
    await page.getByRole('button', { name: '今すぐ更新' }).click();
    await settledRenewal(await browser.currentWorker(), { states: [subState] });
    await page.waitForTimeout(500);
    await browser.stopWorker(); // the new worker has the real chrome.downloads again
    await page.reload();
    const record = await settledRenewal(await browser.currentWorker(), { states: ['saved', 'failed'] });
    assert.equal(record.state, 'saved', JSON.stringify(record.error));
    assert.equal(posts(), 1);
    const { p12, pass } = savedFiles();
    openssl(['pkcs12', '-in', p12, '-passin', `pass:${pass}`, '-nokeys', '-legacy']);
    await assertNoDownloadTraces();
  });
}

test('the password file cannot be saved: the password stays retrievable and saving is tried again', async () => {
  const page = await registeredIn30Days();
  const worker = await browser.currentWorker();
  await worker.evaluate(() => {
    globalThis.realDownload = chrome.downloads.download;
    chrome.downloads.download = () => Promise.reject(new Error('Download interrupted'));
  });
  await page.getByRole('button', { name: '今すぐ更新' }).click();
  const stuck = await settledRenewal(worker);
  assert.equal(stuck.state, 'verified');
  assert.equal(stuck.error.code, 'save_failed');
  await page.locator('main').getByText(await message('renewalErrorSaveFailed')).waitFor();
  await page.getByRole('button', { name: '確認する' }).click();
  await page.locator('.renewal .password:not(:empty)').waitFor();
  const shown = (await page.locator('.renewal .password').textContent()).trim();
  await worker.evaluate(() => { chrome.downloads.download = globalThis.realDownload; });
  await page.getByRole('button', { name: 'もう一度保存する' }).click();
  const record = await settledRenewal(await browser.currentWorker(), { states: ['saved', 'failed'] });
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.equal(posts(), 1);
  assert.equal(savedFiles().pass, shown);
});

test('a certificate being renewed cannot be removed', async () => {
  const page = await renewingWith('post-hang');
  await settledRenewal(await browser.currentWorker(), { states: ['requesting'] });
  const fingerprint = await fingerprintOf(page);
  const answer = await page.evaluate((fp) => chrome.runtime.sendMessage({ type: 'page/remove-certificate', data: { fingerprint: fp } }), fingerprint);
  assert.deepEqual(answer, { ok: false, error: { code: 'renewal_in_progress' } });
  const { registrations } = await (await browser.currentWorker()).evaluate(() => chrome.storage.local.get('registrations'));
  assert.equal(registrations.length, 1);
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

/** Chunks of `bytes` as base64 and hex, long enough that a match is no accident: what a
 * copy of a file or key would leave in stored JSON or a log line. */
function traces(bytes) {
  const b64 = Buffer.from(bytes).toString('base64').replace(/=+$/, '');
  const hex = Buffer.from(bytes).toString('hex');
  const chunks = (text, size) => [0, 1, 2].map((i) => text.slice(i * size, (i + 1) * size)).filter((c) => c.length === size);
  return [...chunks(b64.slice(64), 48), ...chunks(hex.slice(128), 64)];
}

/** The private key of `pemFile` as DER bytes. */
function keyDer(pemFile) {
  return execFileSync('openssl', ['pkey', '-in', pemFile, '-outform', 'DER']);
}

test('what the extension stores and logs holds no password, key or file: registration, renewal, backup check', async () => {
  const client = clientEnding(30);
  await launch(client);
  let worker = await browser.currentWorker();
  // Every console line of the worker, from now on (a test, not the product, wraps console).
  const captureLogs = (w) => w.evaluate(() => {
    globalThis.capturedLogs ??= [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      const original = console[level].bind(console);
      console[level] = (...args) => {
        globalThis.capturedLogs.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
        original(...args);
      };
    }
  });
  await captureLogs(worker);
  const page = await popup();
  await registerThroughPopup(page, { file: client.p12, password: 'wrong-pass', label: '受付PC' });
  await register(page, client);
  const secrets = [PASSWORD, 'wrong-pass', 'PRIVATE KEY', ...traces(readFileSync(client.p12)), ...traces(keyDer(client.key))];
  const everything = () => worker.evaluate(async () => JSON.stringify([
    await chrome.storage.local.get(null), await chrome.storage.session.get(null), globalThis.capturedLogs,
  ]));
  const found = (text, wanted) => wanted.filter((secret) => text.includes(secret));

  const { registrations } = await worker.evaluate(() => chrome.storage.local.get('registrations'));
  assert.equal(registrations.length, 1);
  assert.deepEqual(found(await everything(), secrets), [], 'after registering: no password, key or file kept or logged');
  // What a registration holds, field by field: public facts about the certificate only (a
  // new field must be added here on purpose).
  const allowed = ['certificate', 'fileName', 'foundInStore', 'label', 'registeredAt'];
  assert.deepEqual(Object.keys(registrations[0]).filter((k) => !allowed.includes(k)), []);
  assert.deepEqual(Object.keys(registrations[0].certificate).sort(), [
    'authorityKeyId', 'commonName', 'issuer', 'issuerKey', 'keyAlgorithm', 'notAfter', 'notBefore', 'organization',
    'serial', 'sha256Fingerprint', 'subject', 'subjectKeyId',
  ]);

  await page.getByRole('button', { name: '今すぐ更新' }).click();
  const record = await settledRenewal(worker);
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  worker = await browser.currentWorker();
  const { p12, pass } = savedFiles();
  const renewed = [pass, ...traces(readFileSync(p12))];
  const logs = () => worker.evaluate(() => JSON.stringify(globalThis.capturedLogs ?? ['the worker restarted: logs lost']));
  assert.deepEqual(found(await logs(), [...secrets, ...renewed]), [], 'the renewal logs no password or file');
  await page.reload();
  await page.getByLabel(await message('labelBackupFile')).setInputFiles(p12);
  await page.locator('main').getByText(await message('renewalBackupConfirmed')).waitFor();
  assert.deepEqual(found(await everything(), [...secrets, ...renewed]), [],
    'after the backup check: no password, key or file kept or logged');
});
