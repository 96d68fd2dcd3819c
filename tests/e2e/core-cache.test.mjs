// The worker keeps the core's module in the Cache API so that V8 reuses its compiled code at
// the next start (extension/background/core.js). Chrome's content verification does not reach
// that copy: a module there that is not the packaged file is never run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchWithExtension } from '../support/browser.mjs';
import { MessageType } from '../../extension/shared/messages.js';

test('a cached core that is not the packaged file is never used: the packaged one loads again', async () => {
  const browser = await launchWithExtension();
  try {
    const coreVersion = async () => {
      const page = await browser.context.newPage();
      await page.goto(browser.url('options/options.html'));
      const answer = await page.evaluate((type) => chrome.runtime.sendMessage({ type }), MessageType.CORE_STATUS);
      await page.close();
      return answer;
    };
    const first = await coreVersion();
    assert.equal(first.ok, true);
    // The cache holds the packaged module under its hash; swap in other bytes under that name.
    const worker = await browser.currentWorker();
    const swapped = await worker.evaluate(async () => {
      const cache = await caches.open('weborca-core');
      const [key] = await cache.keys();
      if (!key) return null;
      // A valid module that is not the core (the 8-byte empty module).
      await cache.put(key, new Response(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), {
        headers: { 'Content-Type': 'application/wasm' },
      }));
      return key.url;
    });
    assert.ok(swapped, 'the worker cached the core');
    await browser.stopWorker();
    assert.deepEqual(await coreVersion(), first, 'the core answers as before, from the packaged file');
    const restored = await (await browser.currentWorker()).evaluate(async (url) => {
      const cached = await (await caches.open('weborca-core')).match(url);
      return cached ? (await cached.arrayBuffer()).byteLength : 0;
    }, swapped);
    assert.ok(restored > 100_000, `the cache holds the packaged core again (${restored} B)`);
  } finally {
    await browser.close();
  }
});
