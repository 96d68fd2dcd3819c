// Why the companion cannot be used, told apart, in Chromium through the force-installed
// release (the edition that holds `nativeMessaging`): no host manifest, a host manifest that
// does not name the extension, the real companion refusing under its install config (not
// listing the ID, or a config others could change), a host that exits without answering, and
// one that never answers. Each is said in its own words on the options page; a renewal whose
// companion hangs goes on to the manual path once the time limit is up, says why once in the
// popup, and the renewal queued behind it is not held.
//
// The real companion (target/release/weborca-companion, `make build`) is installed for the
// test HOME as a user-level host, in a folder of its own with its install config (0755, 0644,
// owned by root: the tests run as root). Only what the real binary must never do — exit
// without answering, never answer — is a two-line shell script.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { ALL_HOSTS, API_HOST, FILES_HOST, WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import {
  certificatePolicies, clearPolicy, dist, launchWithExtension, prepareNssDb, registerThroughPopup, root, setPolicy,
} from '../support/browser.mjs';
import { servedRelease, until } from '../support/fleet.mjs';
import { CONFIG_FILE, HOST_NAME, hostManifest, installConfig } from '../../scripts/companion-host.mjs';
import { MANIFEST_DIRS } from '../../scripts/package-deb.mjs';
import { COMPANION_TIME_LIMITS_MS } from '../../extension/background/companion.js';

/** The release's one version (tests/release.test.mjs holds every manifest and package to it). */
const RELEASE_VERSION = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')).version;

const DAY = 86_400_000;
const COMPANION = path.join(root, 'target/release/weborca-companion');
const OTHER_ID = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
let dir;
let pki;
let server;
let release;
let browser;

before(async () => {
  assert.ok(existsSync(COMPANION), 'make build first: the real companion is used');
  // A system-wide host would be found where the test removes the user's: none may be there.
  for (const folder of MANIFEST_DIRS) assert.equal(existsSync(path.join(folder, `${HOST_NAME}.json`)), false, folder);
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-companion-reasons-'));
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

/** The extension's words for `key` in Japanese, placeholders filled as chrome.i18n does. */
function worded(key, substitutions = []) {
  const messages = JSON.parse(readFileSync(path.join(dist, '_locales/ja/messages.json'), 'utf8'));
  const { message, placeholders = {} } = messages[key];
  return message.replace(/\$([A-Za-z0-9_]+)\$/g, (_, name) => placeholders[name.toLowerCase()].content
    .replace(/\$(\d)/g, (__, n) => substitutions[Number(n) - 1]));
}

/** Where Chromium looks for the user's native messaging hosts, and what may be put there. */
function companionHosts(home) {
  const folder = path.join(home, 'profile/NativeMessagingHosts');
  const manifestFile = path.join(folder, `${HOST_NAME}.json`);
  let installs = 0;
  const register = (program, ids = [release.id]) => {
    mkdirSync(folder, { recursive: true });
    writeFileSync(manifestFile, JSON.stringify(hostManifest(program, ids)));
  };
  /** A folder of its own for each install, root's and 0755, as the companion demands. */
  const installFolder = () => {
    installs += 1;
    const into = path.join(home, `companion-${installs}`);
    mkdirSync(into);
    chmodSync(into, 0o755);
    return into;
  };
  return {
    /** Nothing registered: the companion is not installed. */
    none: () => rmSync(manifestFile, { force: true }),
    /** The real companion, its install config allowing `allowedIds` (`configMode`: its file's
     * mode), its backup folder `backupFolder`; registered for `manifestIds`. Returns its path. */
    real({ allowedIds = [release.id], manifestIds = [release.id], configMode = 0o644, backupFolder } = {}) {
      const into = installFolder();
      const binary = path.join(into, 'weborca-companion');
      copyFileSync(COMPANION, binary);
      chmodSync(binary, 0o755);
      const file = (name, value, mode = 0o644) => {
        writeFileSync(path.join(into, name), `${JSON.stringify(value)}\n`);
        chmodSync(path.join(into, name), mode);
      };
      file(CONFIG_FILE, installConfig(allowedIds), configMode);
      if (backupFolder) file('admin.json', { backupFolder });
      register(binary, manifestIds);
      return binary;
    },
    /** A stand-in for what the real companion must never do: `script` is its shell body. */
    standIn(script) {
      const program = path.join(installFolder(), 'stand-in.sh');
      writeFileSync(program, `#!/bin/sh\n${script}\n`);
      chmodSync(program, 0o755);
      register(program);
      return program;
    },
    /** A host that never answers; `running()` says whether it is still alive. */
    hanging() {
      const program = this.standIn('echo $$ > "$0.pid"\nexec sleep 600');
      const pid = () => (existsSync(`${program}.pid`) ? Number(readFileSync(`${program}.pid`, 'utf8')) : null);
      const running = () => {
        const status = pid() && existsSync(`/proc/${pid()}/status`) ? readFileSync(`/proc/${pid()}/status`, 'utf8') : '';
        return /^State:\s+[^Z]/m.test(status); // a zombie has ended
      };
      return { started: () => pid() !== null, running };
    },
  };
}

/** A terminal whose certificate `nss` is in its NSS database, the release force-installed
 * with the policy that uses the companion to import (no backup folder in the policy, no
 * discovery, no automatic renewal); Chromium started on it. */
async function terminal({ nss } = {}) {
  const home = mkdtempSync(path.join(dir, 'home-'));
  const downloads = mkdtempSync(path.join(dir, 'downloads-'));
  await prepareNssDb(home, { caCert: pki.caCert, clients: nss ? [nss] : [] });
  await setPolicy({ useCompanion: true, companionImport: true }, {
    ...certificatePolicies([API_HOST, FILES_HOST, WEBORCA_HOST], downloads),
    ExtensionInstallForcelist: [release.forcelist],
    DeveloperToolsAvailability: 1, // the test reaches the force-installed worker through DevTools
  }, release.id);
  browser = await launchWithExtension({ hosts: ALL_HOSTS, strictTls: true, forceInstalledId: release.id, home });
  await browser.useDefaultDownloads();
  const worker = await browser.currentWorker();
  await until('the policy reaches the extension', () => worker.evaluate(() => chrome.storage.managed.get(null)),
    (managed) => managed.useCompanion === true);
  return { home, hosts: companionHosts(home) };
}

/** The lines the options page shows for the companion, once it has asked it. */
async function companionStatus(timeout = 15_000) {
  const page = await browser.context.newPage();
  await page.goto(browser.url('options/options.html'));
  const lines = page.locator('#companion-status p');
  await lines.first().waitFor({ timeout });
  const said = await lines.allTextContents();
  await page.close();
  return said;
}

/** What the options page says when the companion cannot be used, for the reason `key` words. */
const notWorking = (key, substitution) => [...worded('companionNotWorking', [worded(key, [substitution])]).split('\n')];

test('the options page tells each reason apart, in words an administrator can act on, and what a working companion was set to', async () => {
  const { hosts } = await terminal();
  const said = {};

  hosts.none();
  said.notInstalled = await companionStatus();
  assert.deepEqual(said.notInstalled, notWorking('companionProblemNotInstalled'));
  // `apt remove` keeps the host manifest under /etc (a conffile) and removes the program:
  // Chrome says the same, and so does the extension.
  const removed = hosts.real();
  rmSync(removed);
  assert.deepEqual(await companionStatus(), said.notInstalled, 'a manifest left behind, its program removed');

  hosts.real({ manifestIds: [OTHER_ID] });
  said.forbidden = await companionStatus();
  assert.deepEqual(said.forbidden, notWorking('companionProblemForbidden', release.id));

  hosts.real({ allowedIds: [OTHER_ID] });
  said.refusedByConfig = await companionStatus();
  assert.deepEqual(said.refusedByConfig, notWorking('companionProblemOriginNotAllowed', release.id));

  hosts.real({ configMode: 0o666 });
  said.configUntrusted = await companionStatus();
  assert.deepEqual(said.configUntrusted, notWorking('companionProblemConfigUntrusted'));

  hosts.standIn('exit 0');
  said.exited = await companionStatus();
  assert.deepEqual(said.exited, notWorking('companionProblemExited'));

  const hang = hosts.hanging();
  const asked = Date.now();
  said.timedOut = await companionStatus(COMPANION_TIME_LIMITS_MS.version + 10_000);
  const waited = Date.now() - asked;
  assert.deepEqual(said.timedOut, notWorking('companionProblemTimedOut', String(COMPANION_TIME_LIMITS_MS.version / 1000)));
  assert.ok(waited >= COMPANION_TIME_LIMITS_MS.version - 500, `answered after ${waited} ms, before the time limit`);
  await until('Chrome ends the companion that did not answer', () => hang.running(), (running) => !running, 10_000);

  // Each in its own words: no two alike, none the old catch-all.
  const texts = Object.values(said).map((lines) => lines.join('\n'));
  assert.equal(new Set(texts).size, texts.length, texts.join('\n---\n'));
  for (const text of texts) assert.ok(!text.includes(worded('renewalErrorCompanionUnavailable')), text);

  // Working: its version and store, and the backup folder set in the companion, or that none is.
  hosts.real();
  const store = worded('companionStoreNss');
  assert.deepEqual(await companionStatus(), [worded('companionWorking', [RELEASE_VERSION, store]), ...worded('companionBackupFolderNone').split('\n')]);
  const folder = path.join(dir, 'nas', '受付PC');
  hosts.real({ backupFolder: folder });
  const [working, backup, statusLine, ...more] = await companionStatus();
  assert.deepEqual([working, backup, more], [worded('companionWorking', [RELEASE_VERSION, store]), worded('companionBackupFolderSet', [folder]), []]);
  // And whether this terminal's status is written there: not yet, or (the hourly check came
  // meanwhile) where.
  const writtenStart = worded('companionStatusWritten', ['\u0000', '']).split('\u0000')[0];
  assert.ok(statusLine === worded('companionStatusNotYet') || statusLine.startsWith(`${writtenStart}${folder}`), statusLine);
});

/** Each renewal's stage and the companion's reason, by the fingerprint of the certificate it
 * renews (short enough to read in a failure). */
async function renewals() {
  const worker = await browser.currentWorker();
  const records = (await worker.evaluate(() => chrome.storage.local.get('renewals'))).renewals ?? {};
  return Object.fromEntries(Object.entries(records)
    .map(([fingerprint, record]) => [fingerprint, { state: record.state, companion: record.companionError?.code ?? null }]));
}

/** Asks the worker to renew `fingerprint`, as the popup's 今すぐ更新 does, without waiting. */
async function renew(page, fingerprint) {
  await page.evaluate((target) => { chrome.runtime.sendMessage({ type: 'page/renew', data: { fingerprint: target } }); }, fingerprint);
}

test('a companion that never answers: the renewal goes on to the manual guide at the time limit with its own reason, and the one behind it is not held', async () => {
  // Two certificates of the same terminal (the same name, one older): WebORCA renews whichever
  // Chrome presents, which renews either.
  const older = pki.client('hang-older', { cn: 'client3948', notAfter: Date.now() + 25 * DAY, password: 'client-pass' });
  const current = pki.client('hang-current', { cn: 'client3948', notAfter: Date.now() + 30 * DAY, password: 'client-pass' });
  const { hosts } = await terminal({ nss: current });
  const page = await browser.context.newPage();
  await page.goto(browser.url('popup/popup.html'));
  await registerThroughPopup(page, { file: current.p12, password: 'client-pass', label: '受付PC' });
  await registerThroughPopup(page, { file: older.p12, password: 'client-pass', label: '受付PC（旧）' });
  const entries = await page.evaluate(async () => (await chrome.runtime.sendMessage({ type: 'page/overview' })).overview.entries);
  const fingerprint = (label) => entries.find((entry) => entry.label === label).fingerprint;
  const [first, second] = [fingerprint('受付PC'), fingerprint('受付PC（旧）')];

  const hang = hosts.hanging();
  await renew(page, first);
  await until('the first renewal asks the companion to import', renewals, (all) => all[first]?.state === 'importing', 45_000);
  const asked = Date.now();
  await until('the companion has started', () => hang.started(), Boolean, 10_000);
  // The next renewal is asked for while the companion hangs: it waits its turn, no longer. Its
  // companion is gone by then (not installed): its own reason.
  hosts.none();
  await renew(page, second);

  const limit = COMPANION_TIME_LIMITS_MS.import;
  await until('the first renewal goes on without the companion', renewals,
    (all) => all[first]?.state !== 'importing', limit + 15_000);
  const waited = Date.now() - asked;
  // Then, as without a companion, both files are saved in Downloads and the guide takes over.
  const settled = await until('the first renewal saves its files', renewals,
    (all) => !['verified', 'passwordSaved', 'backingUp', 'filesSaved'].includes(all[first]?.state), limit + 15_000);
  assert.equal(settled[first].state, 'saved', JSON.stringify(settled[first]));
  assert.equal(settled[first].companion, 'companion_timed_out', JSON.stringify(settled[first]));
  assert.ok(waited >= limit - 1000 && waited <= limit + 10_000, `went on after ${waited} ms (limit ${limit} ms)`);
  await until('Chrome ends the companion that did not answer', () => hang.running(), (running) => !running, 10_000);

  const next = await until('the renewal behind it runs to its end', renewals,
    (all) => all[second] && !['probing', 'requesting', 'answered', 'verified', 'passwordSaved', 'importing', 'backingUp', 'filesSaved']
      .includes(all[second].state),
    30_000);
  assert.equal(next[second].state, 'saved', JSON.stringify(next[second]));
  assert.equal(next[second].companion, 'companion_not_installed', JSON.stringify(next[second]));
  assert.equal(server.apiRequests().filter((line) => line.startsWith('POST')).length, 2, 'one POST each');

  // The popup guides both by hand and says each reason once, in its own words.
  await page.reload();
  for (const key of ['renewalErrorCompanionTimedOut', 'renewalErrorCompanionNotInstalled']) {
    const said = page.locator('main').getByText(worded('renewalCompanionNotImported', [worded(key)]));
    await said.waitFor();
    assert.equal(await said.count(), 1, `${key} said once`);
  }
  assert.equal(await page.getByRole('button', { name: 'ログインできました' }).count(), 2, 'each guided by hand');
});
