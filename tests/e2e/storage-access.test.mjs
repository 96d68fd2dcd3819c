// A content script's world on a WebORCA page cannot read or write chrome.storage.local, which
// holds a renewal's password and verified .p12 for a while, and the settings (renewalApiUrl,
// downloadHosts): the worker restricts it (secrets.js `restrictStorage`), and the manifest's
// minimum_chrome_version is the first Chrome that accepts that for the local area.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestPki } from '../support/pki.mjs';
import { WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import { launchWithExtension } from '../support/browser.mjs';

let dir;
let server;
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-pki-'));
  server = await startWeborca(new TestPki(dir).server([WEBORCA_HOST]));
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a content script's world on a WebORCA page cannot read or write storage.local", async () => {
  const browser = await launchWithExtension({ hosts: [WEBORCA_HOST] });
  try {
    const worker = await browser.currentWorker();
    await worker.evaluate(() => chrome.storage.local.set({ renewalSecrets: { AB: { pass: 'secret' } } }));
    const page = await browser.context.newPage();
    await page.goto(`https://${WEBORCA_HOST}/`);
    await page.waitForLoadState('load');
    const tabId = await worker.evaluate(async (url) => (await chrome.tabs.query({})).find((t) => t.url?.startsWith(url))?.id,
      `https://${WEBORCA_HOST}/`);
    assert.ok(tabId, 'the WebORCA tab');
    // The banner's world: the extension's isolated world in that tab.
    const [{ result }] = await worker.evaluate((target) => chrome.scripting.executeScript({
      target: { tabId: target }, world: 'ISOLATED',
      func: async () => {
        const attempt = async (work) => { try { return JSON.stringify(await work()); } catch (error) { return `refused: ${error.message}`; } };
        return {
          read: await attempt(() => chrome.storage.local.get(null)),
          write: await attempt(() => chrome.storage.local.set({ settings: { renewalApiUrl: 'https://evil.example/' } })),
        };
      },
    }), tabId);
    assert.match(result.read, /^refused/, result.read);
    assert.match(result.write, /^refused/, result.write);
    const kept = await worker.evaluate(() => chrome.storage.local.get(['renewalSecrets', 'settings']));
    assert.deepEqual(kept, { renewalSecrets: { AB: { pass: 'secret' } } }, 'nothing written from the page');
  } finally {
    await browser.close();
  }
});
