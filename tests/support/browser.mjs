// Starts Debian's Chromium with the unpacked extension from dist/, in a fresh profile and a
// fresh HOME (Chromium keeps its NSS database there), as chromium-testing.md describes.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dist = path.join(root, 'dist');
export const fixtures = path.join(root, 'crate/tests/fixtures');
const CHROMIUM = '/usr/lib/chromium/chromium';

/** The extension ID Chromium derives from the manifest's public key. */
export async function extensionId() {
  const manifest = JSON.parse(await readFile(path.join(root, 'manifest.json'), 'utf8'));
  const digest = createHash('sha256').update(Buffer.from(manifest.key, 'base64')).digest('hex');
  return [...digest.slice(0, 32)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

/**
 * Launches Chromium with the extension. Returns the context, the extension's ID and worker,
 * and `close()` which also removes the temporary profile.
 * `hosts` are resolved to 127.0.0.1 (the simulated WebORCA); their test CA is not trusted,
 * so certificate errors are ignored unless `strictTls` (the renewal tests trust it in NSS).
 * @param {{ headless?: boolean, lang?: string, hosts?: string[], strictTls?: boolean, home?: string, otherExtensions?: string[], user?: string }} [options]
 */
export async function launchWithExtension({
  headless = true, lang = 'ja', hosts = [], strictTls = false, prepareHome, forceInstalledId, home, otherExtensions = [], user,
} = {}) {
  // `home`: a HOME the caller keeps (a browser restarted on the same profile and NSS
  // database); otherwise a fresh one, removed by close().
  const temp = home ?? await mkdtemp(path.join(os.tmpdir(), 'weborca-e2e-'));
  if (prepareHome) await prepareHome(temp); // e.g. an NSS database with certificates
  const hostRules = hosts.length ? [`--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`] : [];
  const tls = strictTls ? [] : ['--ignore-certificate-errors'];
  // A force-install (ExtensionInstallForcelist) is fetched by the background networking the
  // unpacked runs switch off; those load dist/ instead.
  // `otherExtensions`: unpacked folders loaded beside it (another extension on the same PC).
  const unpacked = [dist, ...otherExtensions].join(',');
  const extension = forceInstalledId ? []
    : ['--disable-background-networking', `--disable-extensions-except=${unpacked}`, `--load-extension=${unpacked}`];
  const context = await chromium.launchPersistentContext(path.join(temp, 'profile'), {
    executablePath: CHROMIUM,
    headless,
    locale: lang,
    // Playwright's own defaults switch extensions and background networking off.
    ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking'],
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync',
      `--lang=${lang}`, ...extension, ...hostRules, ...tls,
    ],
    // LANG stays a UTF-8 locale that exists on every machine (file names like WebORCA証明書
    // need it); LANGUAGE picks the UI language.
    // `user`: the name the companion reports this terminal's user by (one machine plays several).
    env: { ...process.env, HOME: temp, ...(user ? { USER: user } : {}), LANGUAGE: lang, LANG: 'C.UTF-8' },
  });
  const id = forceInstalledId ?? await extensionId();
  const ours = () => context.serviceWorkers().find((w) => w.url().includes(id));
  let worker = ours();
  while (!worker) {
    const started = await context.waitForEvent('serviceworker', { timeout: 60_000 });
    if (started.url().includes(id)) worker = started;
  }
  if (process.env.E2E_DEBUG) {
    const echo = (w) => w.on('console', (m) => console.error(`[worker] ${m.text()}`));
    echo(worker);
    context.on('serviceworker', echo);
  }
  return {
    context,
    worker,
    id,
    url: (page) => `chrome-extension://${id}/${page}`,
    /** Lets Chromium's own download settings (the policy's folder) apply, not Playwright's. */
    async useDefaultDownloads() {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'default' });
      await page.close();
    },
    /** The running service worker (a new handle after a restart). */
    async currentWorker() {
      const running = context.serviceWorkers().filter((w) => w.url().includes(id));
      return running.at(-1) ?? context.waitForEvent('serviceworker');
    },
    /** Stops the extension's service worker, as Chrome does when it is idle. */
    async stopWorker() {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      // The worker really is gone before the test goes on: wait for DevTools to say so.
      const stopped = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the service worker did not stop')), 10_000);
        cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
          if (versions.some((v) => v.scriptURL.includes(id) && v.runningStatus === 'stopped')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await stopped;
      await page.close();
    },
    async close() {
      await context.close();
      if (!home) await rm(temp, { recursive: true, force: true });
    },
  };
}

/** The extension's message text for `key` in `lang`, from the built locales. */
export async function message(key, lang = 'ja') {
  const messages = JSON.parse(await readFile(path.join(dist, '_locales', lang, 'messages.json'), 'utf8'));
  return messages[key].message;
}

/** The fixtures and what openssl reported for them (crate/tests/fixtures/expected.tsv). */
export async function expectedFixtures() {
  const tsv = await readFile(path.join(fixtures, 'expected.tsv'), 'utf8');
  return Object.fromEntries(tsv.split('\n').filter((l) => l && !l.startsWith('#')).map((line) => {
    const [file, password, cn, o, serial, notAfter, sha256] = line.split('\t');
    return [file, { file, password, cn, o, serial, notAfter: Number(notAfter) * 1000, sha256 }];
  }));
}

/** `2029年11月23日` for an instant, in Japan's time zone, computed without Intl. */
export function japaneseDate(millis) {
  const jst = new Date(millis + 9 * 3600 * 1000);
  return `${jst.getUTCFullYear()}年${jst.getUTCMonth() + 1}月${jst.getUTCDate()}日`;
}

const POLICY_FILE = '/etc/chromium/policies/managed/weborca-cert-assistant-test.json';

/** Sets the extension's admin policy (Chromium's 3rdparty policy) and any browser policies
 * until `clearPolicy()`; `id` is the extension's (the development key's by default). The
 * file is written whole in one rename, so Chromium's watcher never reads half of it. */
export async function setPolicy(values, browserPolicies = {}, id = undefined) {
  const { mkdir, rename, writeFile } = await import('node:fs/promises');
  await mkdir(path.dirname(POLICY_FILE), { recursive: true });
  const policy = { ...browserPolicies, '3rdparty': { extensions: { [id ?? await extensionId()]: values } } };
  // Written beside the folder (Chromium reads every file inside it), then moved in.
  const temp = path.join(path.dirname(POLICY_FILE), '..', '.weborca-cert-assistant-test.tmp');
  await writeFile(temp, JSON.stringify(policy));
  await rename(temp, POLICY_FILE);
}

/** Chromium's NSS database in `home`: the test CA trusted for servers, and client `p12`s. */
export async function prepareNssDb(home, { caCert, clients = [] }) {
  const { execFileSync } = await import('node:child_process');
  const { mkdir } = await import('node:fs/promises');
  const db = `sql:${path.join(home, '.pki/nssdb')}`;
  await mkdir(path.join(home, '.pki/nssdb'), { recursive: true });
  execFileSync('certutil', ['-N', '-d', db, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', db, '-n', 'WebORCA Test CA', '-t', 'C,,', '-i', caCert]);
  for (const { p12, password } of clients) {
    execFileSync('pk12util', ['-i', p12, '-d', db, '-W', password ?? '', '-K', ''], { stdio: 'pipe' });
  }
}

/** Removes what `setPolicy()` wrote. */
export async function clearPolicy() {
  await rm(POLICY_FILE, { force: true });
}

/** A little more than the time the banner's buttons must be visible before a click counts
 * (VISIBLE_BEFORE_CLICK_MS in extension/content/banner.js). */
const BANNER_VISIBLE_MS = 700;

/** The banner's text and buttons, read through its closed shadow root with CDP. */
export async function banner(page) {
  const cdp = await page.context().newCDPSession(page);
  const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
  const find = (node) => (node.nodeName === 'WEBORCA-CERT-BANNER' ? node
    : [...(node.children ?? []), ...(node.shadowRoots ?? []), ...(node.contentDocument ? [node.contentDocument] : [])]
      .map(find).find(Boolean));
  const host = find(root);
  if (!host) return null;
  const texts = [];
  const buttons = []; // { name, backendNodeId }
  const walk = (node, button) => {
    if (node.nodeName === 'STYLE') return;
    const inButton = node.nodeName === 'BUTTON' ? { name: '', backendNodeId: node.backendNodeId } : button;
    if (inButton && !button) buttons.push(inButton);
    if (node.nodeType === 3 && node.nodeValue.trim()) {
      if (inButton) inButton.name += node.nodeValue.trim();
      else texts.push(node.nodeValue.trim());
    }
    for (const child of [...(node.children ?? []), ...(node.shadowRoots ?? [])]) walk(child, inButton);
  };
  walk(host, null);
  const named = (name) => {
    const target = buttons.find((b) => b.name === name);
    assert.ok(target, `no button ${name}`);
    return target;
  };
  /** A real (trusted) mouse click at the button's centre, as a user's, once it has been on
   * screen as long as the banner requires. */
  const click = async (name) => {
    const { model } = await cdp.send('DOM.getBoxModel', { backendNodeId: named(name).backendNodeId });
    const [x1, y1, , , x3, y3] = model.content;
    await page.waitForTimeout(BANNER_VISIBLE_MS);
    await page.mouse.click((x1 + x3) / 2, (y1 + y3) / 2);
  };
  /** A click dispatched by script (`isTrusted` false), as a page could. */
  const syntheticClick = async (name) => {
    const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: named(name).backendNodeId });
    await cdp.send('Runtime.callFunctionOn', { objectId: object.objectId, functionDeclaration: 'function () { this.click(); }' });
  };
  return { text: texts.join(' '), buttons: buttons.map((b) => b.name), click, syntheticClick };
}


/** Picks `file`, types its password and name, and presses 登録, as a receptionist would;
 * resolves when the popup (or options page) is done with it. */
export async function registerThroughPopup(page, { file, password = '', label }) {
  // The popup folds the form while a renewal is under way: unfold it, as a user would.
  const folded = page.locator('#register-fold:not([open]) > summary');
  if (await folded.count()) await folded.click();
  await page.getByLabel('証明書ファイル', { exact: true }).setInputFiles(file);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  if (label !== undefined) await page.getByLabel('名前').fill(label);
  await page.getByRole('button', { name: '登録' }).click();
  // Busy is said with aria-disabled (a disabled button would lose the focus).
  // The popup may fold the form once a renewal shows (automatic renewal starts at once).
  await page.locator('#register button[type="submit"]:not([aria-disabled])').waitFor({ state: 'attached' });
}

/** Browser policies that present the test CA's client certificate to `hosts` without a
 * prompt and download into `downloads`. */
export function certificatePolicies(hosts, downloads) {
  const pattern = (host) => JSON.stringify({ pattern: `https://${host}`, filter: { ISSUER: { CN: 'WebORCA Test CA' } } });
  return {
    ...(hosts.length ? { AutoSelectCertificateForUrls: hosts.map(pattern) } : {}),
    DownloadDirectory: downloads,
    PromptForDownloadLocation: false,
  };
}

/** The ids of the notifications shown, once one of them satisfies `wanted` (a renewal record
 * is stored before its effects run, so its notification comes a moment after it), or the
 * ids there are after `timeoutMs`. */
export async function notificationIds(worker, wanted, timeoutMs = 5000) {
  let ids = [];
  for (const start = Date.now(); Date.now() - start < timeoutMs;) {
    ids = Object.keys(await worker.evaluate(() => chrome.notifications.getAll()));
    if (ids.some(wanted)) break;
    await new Promise((resolve) => { setTimeout(resolve, 150); });
  }
  return ids;
}

const BUSY = ['probing', 'requesting', 'answered', 'verified', 'passwordSaved', 'importing', 'backingUp', 'filesSaved'];

/** The (first) renewal record once it waits for something outside: a timer, the user, or
 * nothing more (`states`, if given, are the ones to wait for). */
export async function settledRenewal(worker, { states, timeoutMs = 45_000 } = {}) {
  const settled = (record) => (states ? states.includes(record.state)
    : !BUSY.includes(record.state) || Boolean(record.error));
  for (const start = Date.now(); Date.now() - start < timeoutMs;) {
    const { renewals = {} } = await worker.evaluate(() => chrome.storage.local.get('renewals'));
    const record = Object.values(renewals)[0];
    if (record && settled(record)) return record;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error('the renewal did not settle');
}
