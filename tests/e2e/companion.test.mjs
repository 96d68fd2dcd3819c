// Zero-touch on a managed Linux terminal, with the companion (crate/companion) installed for
// the test HOME as IT would: the old certificate is only in that HOME's NSS database (no file
// registered through the popup). With the policy's discovery, automatic renewal, import and a
// backup folder, the extension finds the certificate through the companion, renews it (one
// POST), verifies it, the companion imports it into the NSS database and backs it up; after a
// browser restart, the simulated WebORCA sees the new certificate. Nobody clicks anything.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { ALL_HOSTS, API_HOST, FILES_HOST, WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import {
  certificatePolicies, clearPolicy, launchWithExtension, notificationIds, prepareNssDb, root, setPolicy, settledRenewal,
} from '../support/browser.mjs';
import { servedRelease, until } from '../support/fleet.mjs';

const DAY = 86_400_000;
const HOST_NAME = 'jp.weborca.cert_companion';
const COMPANION = path.join(root, 'target/release/weborca-companion');
let dir;
let pki;
let server;
let browser;
let release;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-companion-e2e-'));
  pki = new TestPki(dir);
  server = await startWeborca(pki.server(ALL_HOSTS), { pki });
  release = await servedRelease(dir);
});
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await clearPolicy();
});
after(async () => {
  await server?.close();
  await release?.updates.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** The companion as its Linux package installs it, but for this HOME: the binary with its
 * install config beside it, and the host manifest where Chromium looks for user-level hosts. */
function installCompanion(home, extensionId) {
  const installed = path.join(home, 'companion');
  mkdirSync(installed, { recursive: true });
  copyFileSync(COMPANION, path.join(installed, 'weborca-companion'));
  execFileSync('chmod', ['755', path.join(installed, 'weborca-companion')]);
  writeFileSync(path.join(installed, 'weborca-companion.json'), JSON.stringify({ allowedExtensions: [extensionId] }));
  const manifest = JSON.stringify({
    name: HOST_NAME,
    description: 'WebORCA 証明書更新アシスタント companion',
    path: path.join(installed, 'weborca-companion'),
    type: 'stdio',
    allowed_origins: [`chrome-extension://${extensionId}/`],
  });
  for (const folder of [path.join(home, 'profile/NativeMessagingHosts'), path.join(home, '.config/chromium/NativeMessagingHosts')]) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `${HOST_NAME}.json`), manifest);
  }
}

/** The certificates in the HOME's NSS database, by nickname, with their serials (hex). */
function nssSerials(home) {
  const db = `sql:${path.join(home, '.pki/nssdb')}`;
  const pem = execFileSync('certutil', ['-L', '-d', db, '-n', 'client3948', '-a'], { encoding: 'utf8' });
  return pem.split('-----END CERTIFICATE-----').filter((block) => block.includes('BEGIN')).map((block) => {
    const text = execFileSync('openssl', ['x509', '-noout', '-serial'], { input: `${block}-----END CERTIFICATE-----\n`, encoding: 'utf8' });
    return hexSerial(text);
  });
}

/** A serial as openssl prints it (`serial=0A1B…`), as Node reports it (`A1B…`). */
function hexSerial(text) {
  return text.trim().replace('serial=', '').toUpperCase().replace(/^0+/, '');
}

const posts = () => server.apiRequests().filter((line) => line.startsWith('POST')).length;

test('with the companion, a certificate only in the computer is found, renewed, imported and backed up with no click', async () => {
  const home = mkdtempSync(path.join(dir, 'home-'));
  const downloads = mkdtempSync(path.join(dir, 'downloads-'));
  const backup = path.join(dir, 'nas', '受付PC');
  const client = pki.client('zero-touch', { cn: 'client3948', notAfter: Date.now() + 30 * DAY, password: 'client-pass' });
  const oldSerial = hexSerial(execFileSync('openssl', ['x509', '-noout', '-serial', '-in', client.cert], { encoding: 'utf8' }));
  await prepareNssDb(home, { caCert: pki.caCert, clients: [client] });
  installCompanion(home, release.id);
  const extensionPolicy = {
    autoRenew: true, autoRenewSpreadDays: 0,
    useCompanion: true, companionDiscover: true, companionImport: true, companionBackupFolder: backup,
  };
  await setPolicy(extensionPolicy, {
    ...certificatePolicies([API_HOST, FILES_HOST, WEBORCA_HOST], downloads),
    ExtensionInstallForcelist: [release.forcelist],
    DeveloperToolsAvailability: 1, // the test reaches the force-installed worker through DevTools
  }, release.id);
  const launch = () => launchWithExtension({ hosts: ALL_HOSTS, strictTls: true, forceInstalledId: release.id, home });
  browser = await launch();
  await browser.useDefaultDownloads();
  const worker = await browser.currentWorker();
  await until('the policy reaches the extension', () => worker.evaluate(() => chrome.storage.managed.get(null)),
    (managed) => managed.useCompanion === true);
  await worker.evaluate(() => chrome.alarms.create('auto-renew', { when: Date.now() }));

  // Found in the store, registered with no file, renewed, imported, backed up: nobody clicked.
  const record = await settledRenewal(await browser.currentWorker(), { states: ['done', 'saved', 'failed', 'uncertain', 'held'], timeoutMs: 90_000 });
  assert.equal(record.state, 'done', JSON.stringify(record));
  assert.equal(record.imported, true, 'imported by the companion');
  assert.equal(posts(), 1, server.apiRequests().join('\n'));
  const serials = nssSerials(home);
  assert.equal(serials.length, 2, 'the new certificate beside the old one (which expires on its own)');
  const newSerial = serials.find((serial) => serial !== oldSerial);
  assert.ok(newSerial, serials.join());

  // The backup copy opens with the password written beside it.
  const copies = readdirSync(backup).sort();
  assert.equal(copies.length, 2, copies.join());
  const pass = readFileSync(path.join(backup, copies.find((f) => f.endsWith('_password.txt'))), 'utf8').trim().split(/\r?\n/).at(-1);
  const copy = path.join(backup, copies.find((f) => f.endsWith('.p12')));
  assert.match(execFileSync('openssl', ['pkcs12', '-in', copy, '-passin', `pass:${pass}`, '-nokeys', '-clcerts', '-legacy'], { encoding: 'utf8' }), /BEGIN CERTIFICATE/);
  assert.equal(record.backupPath, copy);

  // The popup says what was done and asks nothing; no import reminder is left.
  const popup = await browser.context.newPage();
  await popup.goto(browser.url('popup/popup.html'));
  await popup.locator('main').getByText('このコンピューターに取り込みました', { exact: false }).first().waitFor();
  assert.equal(await popup.getByRole('button', { name: 'ログインできました' }).count(), 0);
  const notices = await notificationIds(await browser.currentWorker(), (id) => id.endsWith(':renewedAndImported'));
  assert.ok(notices.some((id) => id.endsWith(':renewedAndImported')), notices.join());
  assert.deepEqual(notices.filter((id) => id.endsWith(':awaitingImport')), [], 'no import reminder');

  // The options page tells the administrator the companion works, and on which store.
  const options = await browser.context.newPage();
  await options.goto(browser.url('options/options.html'));
  await options.getByText('補助プログラム: 動作しています（バージョン 0.1.0、Chrome / Chromium の証明書データベース（NSS））').waitFor();

  // After a restart, WebORCA sees the new certificate.
  await browser.close();
  browser = await launch();
  server.serials.length = 0;
  const page = await browser.context.newPage();
  const answer = await page.goto(`https://${API_HOST}/`);
  assert.equal(answer.status(), 404, 'the API host answered (its probe page)');
  assert.deepEqual([...new Set(server.serials.map(hexSerial))], [newSerial], 'the new certificate was presented');
});
