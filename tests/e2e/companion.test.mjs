// Zero-touch on a managed Linux terminal, with the companion (crate/companion) installed for
// the test HOME as IT would: the old certificate is only in that HOME's NSS database (no file
// registered through the popup). With the policy's discovery, automatic renewal and import,
// and the backup folder the companion's administrator set (its admin.json, not the
// extension's policy), the extension finds the certificate through the companion, renews it
// (one POST), verifies it, the companion imports it into the NSS database and backs it up —
// and nothing of it reaches Downloads; after a browser restart, the simulated WebORCA sees
// the new certificate. Nobody clicks anything.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { ALL_HOSTS, API_HOST, FILES_HOST, WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import {
  certificatePolicies, clearPolicy, launchWithExtension, message, notificationIds, prepareNssDb, registerThroughPopup, setPolicy,
  settledRenewal,
} from '../support/browser.mjs';
import { servedRelease, until } from '../support/fleet.mjs';
import { CONFIG_FILE, HOST_NAME, installConfig } from '../../scripts/companion-host.mjs';
import { ADMIN_FILE, INSTALL_DIR, MANIFEST_DIRS, PACKAGE } from '../../scripts/package-deb.mjs';

/** The companion built beside the extension says the release's version. */
const RELEASE_VERSION = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')).version;

const DAY = 86_400_000;
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
  server.log.length = 0;
  await clearPolicy();
});
after(async () => {
  await server?.close();
  await release?.updates.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** The companion from the release's own .deb, unpacked into this HOME (its binary and the
 * install config the package wrote, naming the release's ID), with the package's host
 * manifest pointed there, where Chromium looks for user-level hosts. Its admin.json (a link
 * to the /etc conffile in the package) becomes the file dpkg and an administrator would leave
 * there: `backupFolder`, or none set. The companion trusts it only owned by root and writable
 * by nobody else (the tests run as root; modes as the package has them). */
function installCompanion(home, deb, backupFolder) {
  const unpacked = path.join(home, 'companion');
  execFileSync('dpkg-deb', ['-x', deb, unpacked]);
  const admin = path.join(unpacked, INSTALL_DIR, ADMIN_FILE);
  assert.ok(lstatSync(admin).isSymbolicLink(), 'the package links admin.json to its conffile');
  unlinkSync(admin);
  writeFileSync(admin, `${JSON.stringify({ backupFolder: backupFolder ?? '' })}\n`, { mode: 0o644 });
  chmodSync(admin, 0o644);
  assert.equal(statSync(path.dirname(admin)).mode & 0o777, 0o755);
  const binary = path.join(unpacked, INSTALL_DIR, PACKAGE);
  const packaged = JSON.parse(readFileSync(path.join(unpacked, MANIFEST_DIRS[0], `${HOST_NAME}.json`), 'utf8'));
  const manifest = JSON.stringify({ ...packaged, path: binary });
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

/** Every file under `folder` (none when it does not exist), with its bytes. */
function filesUnder(folder) {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true }).map((name) => path.join(folder, name))
    .filter((file) => statSync(file).isFile()).map((file) => ({ file, bytes: readFileSync(file) }));
}

/**
 * A terminal whose certificate (ending in 30 days) is only in its NSS database, the companion
 * installed from the release's .deb with `backupFolder` in its admin.json, and the policy for
 * discovery, automatic renewal and import; Chromium started on it with the force-installed
 * release. `allowedIds`: what the companion's install config allows (the release's ID unless
 * given). `user`: the user name this terminal reports its status under; `policy`: more policy.
 */
async function terminal({ backupFolder, allowedIds, user, policy = {} }) {
  const home = mkdtempSync(path.join(dir, 'home-'));
  const downloads = mkdtempSync(path.join(dir, 'downloads-'));
  const client = pki.client(`zero-touch-${path.basename(home)}`, { cn: 'client3948', notAfter: Date.now() + 30 * DAY, password: 'client-pass' });
  const oldSerial = hexSerial(execFileSync('openssl', ['x509', '-noout', '-serial', '-in', client.cert], { encoding: 'utf8' }));
  await prepareNssDb(home, { caCert: pki.caCert, clients: [client] });
  installCompanion(home, release.deb, backupFolder);
  if (allowedIds) {
    writeFileSync(path.join(home, 'companion', INSTALL_DIR, CONFIG_FILE), JSON.stringify(installConfig(allowedIds)));
  }
  await setPolicy({
    autoRenew: true, autoRenewSpreadDays: 0,
    useCompanion: true, companionDiscover: true, companionImport: true, ...policy,
  }, {
    ...certificatePolicies([API_HOST, FILES_HOST, WEBORCA_HOST], downloads),
    ExtensionInstallForcelist: [release.forcelist],
    DeveloperToolsAvailability: 1, // the test reaches the force-installed worker through DevTools
  }, release.id);
  const launch = () => launchWithExtension({ hosts: ALL_HOSTS, strictTls: true, forceInstalledId: release.id, home, user });
  browser = await launch();
  await browser.useDefaultDownloads();
  const worker = await browser.currentWorker();
  await until('the policy reaches the extension', () => worker.evaluate(() => chrome.storage.managed.get(null)),
    (managed) => managed.useCompanion === true);
  return { home, downloads, client, oldSerial, launch };
}

/** Wakes automatic renewal now and waits for the renewal to settle. */
async function renewedAutomatically() {
  await (await browser.currentWorker()).evaluate(() => chrome.alarms.create('auto-renew', { when: Date.now() }));
  return settledRenewal(await browser.currentWorker(), { states: ['done', 'saved', 'backedUp', 'failed', 'uncertain', 'held'], timeoutMs: 90_000 });
}

async function popup() {
  const page = await browser.context.newPage();
  await page.goto(browser.url('popup/popup.html'));
  return page;
}

test('with the companion, a certificate only in the computer is found, renewed, imported and backed up with no click, nothing in Downloads', async () => {
  const backup = path.join(dir, 'nas', '受付PC');
  const { home, downloads, oldSerial, launch } = await terminal({ backupFolder: backup });

  // Found in the store, registered with no file, renewed, imported, backed up: nobody clicked.
  const record = await renewedAutomatically();
  assert.equal(record.state, 'done', JSON.stringify(record));
  assert.equal(record.imported, true, 'imported by the companion');
  assert.equal(posts(), 1, server.apiRequests().join('\n'));
  const serials = nssSerials(home);
  assert.equal(serials.length, 2, 'the new certificate beside the old one (which expires on its own)');
  const newSerial = serials.find((serial) => serial !== oldSerial);
  assert.ok(newSerial, serials.join());

  // The backup copy opens with the password written beside it.
  const copies = readdirSync(backup).filter((f) => !f.startsWith('weborca-status')).sort();
  assert.equal(copies.length, 2, copies.join());
  const pass = readFileSync(path.join(backup, copies.find((f) => f.endsWith('_password.txt'))), 'utf8').trim().split(/\r?\n/).at(-1);
  const copy = path.join(backup, copies.find((f) => f.endsWith('.p12')));
  assert.match(execFileSync('openssl', ['pkcs12', '-in', copy, '-passin', `pass:${pass}`, '-nokeys', '-clcerts', '-legacy'], { encoding: 'utf8' }), /BEGIN CERTIFICATE/);
  assert.equal(record.backupPath, copy);

  // Imported and backed up, both checked: nothing of the certificate or its password was
  // written to Downloads, and the extension keeps neither.
  const issued = readFileSync(copy);
  for (const { file, bytes } of filesUnder(downloads)) {
    assert.ok(!bytes.includes(issued), `the .p12 in ${file}`);
    assert.ok(!bytes.includes(Buffer.from(pass)), `the password in ${file}`);
  }
  const kept = await (await browser.currentWorker()).evaluate(async () => ({
    local: (await chrome.storage.local.get('renewalSecrets')).renewalSecrets ?? {},
    session: (await chrome.storage.session.get('renewalSecrets')).renewalSecrets ?? {},
  }));
  assert.deepEqual(kept, { local: {}, session: {} }, 'the secret is wiped once registered');

  // This terminal's status, in the administrator's folder: renewed, imported and backed up,
  // with nothing of the certificate or its password; the folder's page says it is done.
  let status;
  for (let i = 0; i < 100 && !status?.certificates?.[0]?.renewal?.backedUpAt; i += 1) {
    const name = readdirSync(backup).find((f) => f.startsWith('weborca-status__') && f.endsWith('.json'));
    status = name ? JSON.parse(readFileSync(path.join(backup, name), 'utf8')) : null;
    if (!status?.certificates?.[0]?.renewal?.backedUpAt) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(status?.format, 'weborca-terminal-status', JSON.stringify(status));
  const [reported] = status.certificates;
  assert.equal(hexSerial(reported.serial), newSerial, JSON.stringify(reported));
  assert.ok(reported.renewal.importedAt && reported.renewal.backedUpAt, JSON.stringify(reported));
  for (const name of readdirSync(backup).filter((f) => f.startsWith('weborca-status'))) {
    const bytes = readFileSync(path.join(backup, name));
    assert.ok(!bytes.includes(Buffer.from(pass)) && !bytes.includes(issued.subarray(100, 164)), `nothing secret in ${name}`);
  }
  assert.match(readFileSync(path.join(backup, 'weborca-status.html'), 'utf8'), /完了/);

  // The popup says what was done and asks nothing; no import reminder is left.
  const page = await popup();
  await page.locator('main').getByText('このコンピューターに取り込みました', { exact: false }).first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'ログインできました' }).count(), 0);
  const notices = await notificationIds(await browser.currentWorker(), (id) => id.endsWith(':renewedAndImported'));
  assert.ok(notices.some((id) => id.endsWith(':renewedAndImported')), notices.join());
  assert.deepEqual(notices.filter((id) => id.endsWith(':awaitingImport')), [], 'no import reminder');
  // Its 30-day reminder came when it was found; once its successor is registered, it goes.
  await page.waitForTimeout(1500);
  const left = Object.keys(await (await browser.currentWorker()).evaluate(() => chrome.notifications.getAll()));
  assert.deepEqual(left.filter((id) => id.startsWith(`reminder:${record.fingerprint}:`)), [], `no reminder for the old certificate: ${left.join()}`);
  assert.equal(await page.getByRole('button', { name: await message('buttonShowFolder') }).count(), 0, 'nothing in Downloads to show');

  // The options page tells the administrator the companion works, and on which store.
  const options = await browser.context.newPage();
  await options.goto(browser.url('options/options.html'));
  await options.getByText(`補助プログラム: 動作しています（バージョン ${RELEASE_VERSION}、Chrome / Chromium の証明書データベース（NSS））`).waitFor();
  await options.getByText(`この端末の状況を ${path.join(backup, 'weborca-status__')}`, { exact: false }).waitFor();

  // After a restart, WebORCA sees the new certificate.
  await browser.close();
  browser = await launch();
  server.serials.length = 0;
  const answer = await (await browser.context.newPage()).goto(`https://${API_HOST}/`);
  assert.equal(answer.status(), 404, 'the API host answered (its probe page)');
  assert.deepEqual([...new Set(server.serials.map(hexSerial))], [newSerial], 'the new certificate was presented');
});

test('a companion that refuses this extension imports nothing: the certificate registered by hand is renewed and the import guide says why', async () => {
  const backup = path.join(dir, 'nas-refused', '受付PC');
  const { home, client, oldSerial } = await terminal({ backupFolder: backup, allowedIds: ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'] });
  // Discovery is refused too: nothing is registered until someone registers the file.
  await (await browser.currentWorker()).evaluate(() => chrome.alarms.create('auto-renew', { when: Date.now() }));
  const page = await popup();
  await page.waitForTimeout(1500);
  assert.deepEqual((await (await browser.currentWorker()).evaluate(() => chrome.storage.local.get('registrations'))).registrations ?? [], []);
  await registerThroughPopup(page, { file: client.p12, password: 'client-pass', label: '受付PC' });

  const record = await renewedAutomatically();
  assert.equal(record.state, 'saved', JSON.stringify(record));
  assert.equal(posts(), 1);
  assert.deepEqual(nssSerials(home), [oldSerial], 'nothing imported');
  assert.equal(existsSync(backup), false, 'nothing written to the backup folder');
  await page.reload();
  const reason = await message('renewalErrorCompanionOriginNotAllowed');
  const said = page.locator('main').getByText(`自動では取り込めませんでした。${reason}`);
  await said.waitFor();
  await page.getByRole('button', { name: 'ログインできました' }).waitFor();
  assert.equal(await said.count(), 1, 'said once');
});

test('a backup folder that cannot be written: imported, nothing half-written, the files saved in Downloads and named with the reason', async () => {
  const blocked = path.join(dir, 'not-a-folder');
  writeFileSync(blocked, 'a file where the backup folder should be');
  const backup = path.join(blocked, '受付PC');
  const { home, downloads, oldSerial } = await terminal({ backupFolder: backup });
  const record = await renewedAutomatically();
  assert.equal(record.state, 'done', JSON.stringify(record));
  assert.equal(record.imported, true);
  assert.equal(nssSerials(home).filter((serial) => serial !== oldSerial).length, 1, 'imported');
  assert.equal(readFileSync(blocked, 'utf8'), 'a file where the backup folder should be', 'nothing half-written');
  const page = await popup();
  const reason = await message('renewalErrorCompanionBackupFolder');
  await page.locator('main').getByText(reason, { exact: false }).waitFor();
  const kept = await page.locator('.renewal .names li').allTextContents();
  assert.deepEqual(kept.map((name) => path.extname(name)), ['.p12', '.txt'], kept.join());
  const saved = filesUnder(downloads).map(({ file }) => path.basename(file));
  assert.deepEqual(saved.sort(), [...kept].sort(), 'the files named are the ones in Downloads');
  await page.getByRole('button', { name: await message('buttonShowFolder') }).waitFor();
  // The status could not be written either: the renewal went on, and the options page says why.
  const options = await browser.context.newPage();
  await options.goto(browser.url('options/options.html'));
  await options.getByText('この端末の状況を書けませんでした。', { exact: false }).waitFor();
});

test('no backup folder set by the administrator: imported, the files saved in Downloads and named, with no error said', async () => {
  const { home, downloads, oldSerial } = await terminal({ backupFolder: undefined });
  const record = await renewedAutomatically();
  assert.equal(record.state, 'done', JSON.stringify(record));
  assert.equal(record.imported, true);
  assert.equal(record.companionError, undefined, 'the administrator\'s choice, not a failure');
  assert.equal(nssSerials(home).filter((serial) => serial !== oldSerial).length, 1, 'imported');
  const page = await popup();
  await page.locator('main').getByText('このコンピューターに取り込みました', { exact: false }).first().waitFor();
  const kept = await page.locator('.renewal .names li').allTextContents();
  assert.deepEqual(filesUnder(downloads).map(({ file }) => path.basename(file)).sort(), [...kept].sort());
  assert.equal(await page.locator('.renewal .warning').count(), 0, 'nothing said as an error');
  await page.getByRole('button', { name: await message('buttonShowFolder') }).waitFor();
});

test('the Web Store edition asks for the companion permission on the options page, only when the policy uses the companion', async () => {
  // The unpacked build is the store edition: `nativeMessaging` is optional and not granted.
  browser = await launchWithExtension({});
  const options = await browser.context.newPage();
  await options.goto(browser.url('options/options.html'));
  await options.locator('#policy-heading').waitFor({ state: 'attached' });
  assert.equal(await options.getByRole('button', { name: '補助プログラムとの通信を許可する' }).count(), 0, 'no companion: nothing asked');
  await browser.close();
  await setPolicy({ useCompanion: true });
  browser = await launchWithExtension({});
  const page = await browser.context.newPage();
  await page.goto(browser.url('options/options.html'));
  await page.getByRole('button', { name: '補助プログラムとの通信を許可する' }).waitFor();
  await page.getByText(await message('renewalErrorCompanionNotPermitted'), { exact: false }).waitFor();
  // The worker says the same to a renewal: not granted, the manual path as before.
  const answer = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'page/companion-status' }));
  assert.deepEqual(answer, { ok: false, error: { code: 'companion_not_permitted' } });
  // Headless Chromium cannot answer the permission prompt itself; the grant is not tested here.
});

test('three terminals share one folder: the administrator\'s page lists them most urgent first, each in its own words', async () => {
  const shared = path.join(dir, 'nas', 'clinic');
  /** The status this terminal wrote, once its renewal's step `settled` shows in it. */
  const statusOf = (user, settled) => until(`${user}'s status`, () => {
    const name = existsSync(shared) && readdirSync(shared).find((f) => f.startsWith('weborca-status__') && f.includes(`__${user}__`));
    return name ? JSON.parse(readFileSync(path.join(shared, name), 'utf8')) : null;
  }, (status) => status && settled(status.certificates[0]?.renewal ?? {}), 20_000);
  const finish = async () => {
    await browser.close();
    browser = undefined;
  };

  // Renewed, imported and backed up with no click.
  await terminal({ backupFolder: shared, user: 'reception' });
  assert.equal((await renewedAutomatically()).state, 'done');
  await statusOf('reception', (renewal) => renewal.backedUpAt && renewal.importedAt);
  await finish();
  // The import left to a person (the policy does not import): renewed, backed up, not imported.
  await terminal({ backupFolder: shared, user: 'exam', policy: { companionImport: false } });
  assert.equal((await renewedAutomatically()).state, 'backedUp', 'backed up by the companion, to be imported by hand');
  await statusOf('exam', (renewal) => renewal.renewedAt && !renewal.importedAt);
  await finish();
  // The server's answer was refused (8 MB of JSON): the renewal failed, and says why.
  server.fault = 'huge-answer';
  await terminal({ backupFolder: shared, user: 'treatment' });
  const failed = await renewedAutomatically();
  server.fault = null;
  assert.ok(['failed', 'uncertain'].includes(failed.state), JSON.stringify(failed));
  const status = await statusOf('treatment', (renewal) => renewal.errorCode);

  const page = await browser.context.newPage();
  await page.goto(`file://${path.join(shared, 'weborca-status.html')}`);
  const rows = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    standing: tr.querySelector('.badge').textContent, terminal: tr.children[1].textContent, todo: tr.children[4].textContent,
  })));
  assert.deepEqual(rows.map((row) => [row.standing, row.terminal.replace(/^.*\((.*)\)$/, '$1')]), [
    ['更新に失敗', 'treatment'], ['更新済み・未取り込み', 'exam'], ['完了', 'reception'],
  ]);
  assert.ok(rows[0].todo.includes(status.certificates[0].renewal.errorMessage), rows[0].todo);
  // Nothing of a certificate file or a password in any status file or the page.
  for (const name of readdirSync(shared).filter((f) => f.startsWith('weborca-status'))) {
    const text = readFileSync(path.join(shared, name), 'utf8');
    assert.ok(!/-----BEGIN|"(password|pass|p12|key)"|client-pass/.test(text), name);
  }
});
