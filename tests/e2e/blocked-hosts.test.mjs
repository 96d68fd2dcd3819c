// The self-hosted edition asks for every https site; an administrator narrows it with
// Chrome's ExtensionSettings `runtime_blocked_hosts` / `runtime_allowed_hosts`
// (docs/admin). Force-installed under `runtime_blocked_hosts: ["*://*"]` with only the
// WebORCA cloud's domain allowed, the extension still shows its banner there and renews, and
// cannot read from, or show a banner on, a host outside the list.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { ALL_HOSTS, API_HOST, FILES_HOST, OTHER_HOST, WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import {
  banner, certificatePolicies, clearPolicy, launchWithExtension, prepareNssDb, registerThroughPopup, setPolicy,
  settledRenewal,
} from '../support/browser.mjs';
import { servedRelease, until } from '../support/fleet.mjs';

const DAY = 86_400_000;
const PASSWORD = 'client-pass';
let dir;
let pki;
let server;
let browser;
let release;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-blocked-hosts-'));
  pki = new TestPki(dir);
  server = await startWeborca(pki.server(ALL_HOSTS), { pki });
  release = await servedRelease(dir);
});
after(async () => {
  await browser?.close();
  await clearPolicy();
  await server?.close();
  await release?.updates.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

test('under runtime_blocked_hosts with the WebORCA domain allowed: the banner and a renewal work, other hosts stay unreadable', async () => {
  const downloads = mkdtempSync(path.join(dir, 'downloads-'));
  const client = pki.client('narrowed', { cn: 'client3948', notAfter: Date.now() + 30 * DAY, password: PASSWORD });
  // The policy also names an on-premise origin the administrator did not allow to the extension.
  await setPolicy({ weborcaOrigins: [`https://${OTHER_HOST}`] }, {
    // Every host the test visits presents the certificate without Chrome's picker.
    ...certificatePolicies([API_HOST, FILES_HOST, WEBORCA_HOST, OTHER_HOST], downloads),
    ExtensionInstallForcelist: [release.forcelist],
    DeveloperToolsAvailability: 1,
    ExtensionSettings: {
      [release.id]: { runtime_blocked_hosts: ['*://*'], runtime_allowed_hosts: ['*://*.orcamo.jp'] },
    },
  }, release.id);
  browser = await launchWithExtension({
    hosts: ALL_HOSTS,
    strictTls: true,
    forceInstalledId: release.id,
    prepareHome: (home) => prepareNssDb(home, { caCert: pki.caCert, clients: [client] }),
  });
  await browser.useDefaultDownloads();
  const worker = await browser.currentWorker();
  await until('the policy reaches the extension', () => worker.evaluate(() => chrome.storage.managed.get(null)),
    (managed) => Array.isArray(managed.weborcaOrigins));
  const popup = await browser.context.newPage();
  await popup.goto(browser.url('popup/popup.html'));
  await registerThroughPopup(popup, { file: client.p12, password: PASSWORD, label: '受付PC' });

  // The banner on the allowed WebORCA cloud, and a renewal through it: one POST, files saved.
  const site = await browser.context.newPage();
  await site.goto(`https://${WEBORCA_HOST}/`);
  const shown = await until('the banner on WebORCA', async () => { await site.waitForTimeout(800); return banner(site); }, Boolean);
  await shown.click('今すぐ更新');
  const record = await settledRenewal(await browser.currentWorker(), { timeoutMs: 60_000 });
  assert.equal(record.state, 'saved', JSON.stringify(record.error));
  assert.equal(server.apiRequests().filter((line) => line.startsWith('POST')).length, 1);
  assert.equal(readdirSync(path.join(downloads, 'WebORCA証明書')).length, 2);

  // A host outside the list: no banner there, and the worker cannot read from it. Chrome
  // withholds the host permission, so the worker's fetch is an ordinary cross-origin request:
  // it may still be sent (the server's log shows it), but its answer stays unreadable.
  const other = await browser.context.newPage();
  await other.goto(`https://${OTHER_HOST}/`);
  await other.waitForTimeout(1500);
  assert.equal(await banner(other), null, 'no content script on a blocked host');
  const read = await (await browser.currentWorker()).evaluate(async (url) => {
    try {
      return await (await fetch(url, { credentials: 'include' })).text();
    } catch {
      return null;
    }
  }, `https://${OTHER_HOST}/`);
  assert.equal(read, null, 'the blocked host\'s answer is out of the worker\'s reach');
});
