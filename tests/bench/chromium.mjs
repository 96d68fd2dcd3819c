/* global chrome, document, MutationObserver, window */
// The extension's figures in headless Debian Chromium with the built dist/ (the e2e kit's
// launchWithExtension) and the simulated WebORCA on 127.0.0.1:443. Writes them as JSON to the
// file named on the command line; run.mjs prints them. Port 443 is shared with the e2e tests,
// which take no lock themselves: run.mjs holds one, and an e2e run beside it must take it too
// (`flock /tmp/weborca-443.lock make test`). By hand:
//   flock /tmp/weborca-443.lock node tests/bench/chromium.mjs target/bench/chromium.json
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestPki } from '../support/pki.mjs';
import { WEBORCA_HOST, startWeborca } from '../support/weborca-server.mjs';
import { fixtures, launchWithExtension } from '../support/browser.mjs';
import { summary } from './stats.mjs';

const RUNS = { coldStart: 10, warm: 10, banner: 10, mainThread: 7, nss: 3, registerDue: 8 };
const DAY = 86_400_000;
const out = process.argv[2];
if (!out) {
  console.error('usage: flock /tmp/weborca-443.lock node tests/bench/chromium.mjs OUT.json');
  process.exit(2);
}
const log = (text) => console.error(`chromium: ${text}`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-bench-'));
const pki = new TestPki(dir);
const server = await startWeborca(pki.server([WEBORCA_HOST]));
const browser = await launchWithExtension({ hosts: [WEBORCA_HOST] });
const figures = { runs: RUNS, notes: [] };
try {
  // The offscreen document's page, opened in a tab: an extension page that sends nothing by
  // itself, so every message the worker gets is one of ours.
  const extensionPage = await browser.context.newPage();
  await extensionPage.goto(browser.url('offscreen/offscreen.html'));
  /** One message from the extension page, timed there: `{ ms, reply }`. */
  const send = (type, data) => extensionPage.evaluate(async ([type, data]) => {
    const start = performance.now();
    const reply = await chrome.runtime.sendMessage({ type, data });
    return { ms: performance.now() - start, reply };
  }, [type, data]);
  const answered = async (type, data) => {
    const result = await send(type, data);
    if (!result.reply?.ok) throw new Error(`${type}: ${JSON.stringify(result.reply)}`);
    return result;
  };
  // The first answer after the browser started waits for the install-time work (onInstalled:
  // settings, content scripts, core): shown apart, the other figures start after it.
  figures.firstAnswer = (await answered('page/core-status')).ms;

  log('worker cold start');
  const cold = [];
  const split = [];
  for (let i = 0; i < RUNS.coldStart; i += 1) {
    await browser.stopWorker();
    cold.push((await answered('page/core-status')).ms);
    split.push(await coldStartSplit());
  }
  figures.coldStart = summary(cold);
  figures.coldStartSplit = Object.fromEntries(Object.keys(split[0]).map((key) => [key, summary(split.map((s) => s[key]))]));
  const warm = [];
  for (let i = 0; i < RUNS.warm; i += 1) warm.push((await answered('page/core-status')).ms);
  figures.warmAnswer = summary(warm);

  log('banner latency');
  const c80 = pki.client('c80', { cn: 'client1080', notAfter: Date.now() + 80 * DAY });
  await answered('page/register-certificate', {
    bytes: [...readFileSync(c80.cert)], password: null, fileName: 'client1080.crt', label: 'bench 80 days',
  });
  figures.bannerWarm = summary(await bannerRuns(false));
  figures.bannerCold = summary(await bannerRuns(true));

  log('content script main-thread time (tracing)');
  const traces = [];
  for (let i = 0; i < RUNS.mainThread; i += 1) traces.push(await contentScriptMainThread());
  figures.mainThread = {
    total: summary(traces.map((t) => t.total)),
    evaluate: summary(traces.map((t) => t.evaluate)),
    answer: summary(traces.map((t) => t.answer)),
    callbacks: summary(traces.map((t) => t.callbacks)),
  };

  log('600,000-iteration file in the worker');
  const nss = [...readFileSync(path.join(fixtures, 'nss-pk12util.p12'))];
  const nssTimes = [];
  for (let i = 0; i < RUNS.nss; i += 1) {
    nssTimes.push((await answered('page/register-certificate', {
      bytes: nss, password: 'orca-test-pass', fileName: 'nss-pk12util.p12', label: 'bench NSS',
    })).ms);
  }
  figures.nssInWorker = summary(nssTimes);

  log('registering a certificate whose reminder is due today');
  // 7 days left: the 7-day reminder is due at once. Removed after each run, which forgets
  // its reminder state, so every run notifies anew.
  const c7 = pki.client('c7', { cn: 'client1007', notAfter: Date.now() + 7 * DAY });
  const c7Bytes = [...readFileSync(c7.cert)];
  const due = [];
  let notified = 0;
  for (let i = 0; i < RUNS.registerDue; i += 1) {
    const { ms, reply } = await answered('page/register-certificate', {
      bytes: c7Bytes, password: null, fileName: 'client1007.crt', label: 'bench 7 days',
    });
    due.push(ms);
    const fingerprint = reply.registration.certificate.sha256Fingerprint;
    // The answer does not wait for the notification (it can take a second to show): wait for it.
    const worker = await browser.currentWorker();
    let ids = [];
    for (let wait = 0; wait < 50 && !ids.includes(`reminder:${fingerprint}:7`); wait += 1) {
      if (wait) await new Promise((resolve) => setTimeout(resolve, 100));
      ids = Object.keys(await worker.evaluate(() => chrome.notifications.getAll()));
    }
    if (ids.includes(`reminder:${fingerprint}:7`)) notified += 1;
    await worker.evaluate((list) => Promise.all(list.map((id) => chrome.notifications.clear(id))), ids);
    await answered('page/remove-certificate', { fingerprint });
  }
  figures.registerDue = { ...summary(due), notified };
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);

/**
 * Where a worker start's time went, from the new worker's own clock (its timeOrigin is its
 * start): the script up to the core's load (extension/background/core.js marks `core:load`),
 * the core fetched, compiled and instantiated (`core:ready`), and a first storage read
 * (chrome.storage.local.get of everything, timed here: the worker's own first read is
 * in flight at the same time).
 */
async function coldStartSplit() {
  const worker = await browser.currentWorker();
  return worker.evaluate(async () => {
    const mark = Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name, e.startTime]));
    const start = performance.now();
    await chrome.storage.local.get(null);
    return { script: mark['core:load'], core: mark['core:ready'] - mark['core:load'], storage: performance.now() - start };
  });
}

/**
 * Milliseconds from the WebORCA page's DOMContentLoaded to the banner's element entering the
 * DOM, for each run; `stopFirst` stops the worker before each load (Chrome stops an idle one
 * after 30 s, so many real page loads find it stopped).
 */
async function bannerRuns(stopFirst) {
  const times = [];
  for (let i = 0; i < RUNS.banner; i += 1) {
    if (stopFirst) await browser.stopWorker();
    const page = await browser.context.newPage();
    // Playwright's init script is CDP Page.addScriptToEvaluateOnNewDocument: it runs before
    // the page's own HTML, so the observer sees the banner's host element arrive (its shadow
    // root is closed, the element itself is in the page's DOM).
    await page.addInitScript(() => {
      window.__bench = {};
      new MutationObserver((records, observer) => {
        for (const record of records) {
          for (const node of record.addedNodes) {
            if (node.nodeName === 'WEBORCA-CERT-BANNER') {
              window.__bench.banner = performance.now();
              observer.disconnect();
            }
          }
        }
      }).observe(document, { childList: true, subtree: true });
    });
    // Waited for with CDP's own Runtime.evaluate, not page.waitForFunction: Playwright's
    // injected script is a 10–17 ms evaluation on the page's main thread (seen in a trace),
    // which held up the worker's answer there; a real WebORCA page has none of it.
    const cdp = await browser.context.newCDPSession(page);
    await page.goto(`https://${WEBORCA_HOST}/`);
    const elapsed = 'window.__bench.banner - performance.getEntriesByType("navigation")[0].domContentLoadedEventStart';
    let ms;
    for (let waited = 0; ms === undefined; waited += 20) {
      if (waited > 15_000) throw new Error('no banner within 15 s');
      await new Promise((resolve) => { setTimeout(resolve, 20); });
      // Before the banner the difference is NaN, which CDP sends without a `value`.
      ({ result: { value: ms } } = await cdp.send('Runtime.evaluate', { expression: elapsed, returnByValue: true }));
    }
    times.push(ms);
    await page.close();
  }
  return times;
}

/**
 * The content script's main-thread time on one WebORCA page load, from a Chromium trace of
 * the page's renderer: its evaluation (EvaluateScript of content/banner.js: compile and run),
 * the task that handles the worker's answer and builds the banner (the extension message
 * port's reply and the microtasks after it: the page itself sends no extension messages),
 * and its callbacks (v8.callFunction in the content script's isolated world, e.g. the
 * IntersectionObserver). The style, layout and paint of the frame that then shows the banner
 * are Blink's, not counted here.
 */
async function contentScriptMainThread() {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
  const complete = new Promise((resolve) => { cdp.once('Tracing.tracingComplete', resolve); });
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'toplevel', 'mojom'] },
  });
  await page.goto(`https://${WEBORCA_HOST}/`);
  await page.waitForFunction(() => document.querySelector('weborca-cert-banner') !== null, null, { timeout: 15_000 });
  await page.waitForTimeout(1000); // the IntersectionObserver's first callbacks (delay 100 ms)
  await cdp.send('Tracing.end');
  await complete;
  await page.close();

  const script = browser.url('content/banner.js');
  const evaluation = events.filter((e) => e.name === 'EvaluateScript' && e.args?.data?.url === script);
  if (evaluation.length !== 1) throw new Error(`${evaluation.length} evaluations of ${script} in the trace`);
  const [{ pid, tid }] = evaluation;
  const thread = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X');
  const world = thread.find((e) => e.name === 'v8.run' && e.args?.fileName === script)?.args.worldId;
  const tasks = thread.filter((e) => e.name === 'RunTask');
  const around = (e) => tasks.find((t) => t.ts <= e.ts && e.ts + e.dur <= t.ts + t.dur) ?? e;
  const answers = thread.filter((e) => e.name === 'Receive mojo message'
    && e.args?.chrome_mojo_event_info?.mojo_interface_tag === 'extensions.mojom.MessagePort').map(around);
  const callbacks = thread.filter((e) => e.name === 'v8.callFunction' && world !== undefined && e.args?.worldId === world);
  const ms = (list) => list.reduce((sum, e) => sum + e.dur, 0) / 1000;
  // The total counts overlapping intervals once.
  const intervals = [...evaluation, ...answers, ...callbacks].map((e) => [e.ts, e.ts + e.dur]).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [from, to] of intervals) {
    total += Math.max(0, to - Math.max(from, end));
    end = Math.max(end, to);
  }
  return { total: total / 1000, evaluate: ms(evaluation), answer: ms(answers), callbacks: ms(callbacks) };
}
