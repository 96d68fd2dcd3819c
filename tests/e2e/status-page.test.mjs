// The administrator's page of every terminal (issue 28), as the real companion writes it into
// the administrator's folder and a browser opens it from the share: three terminals (three
// users' HOMEs) report through the companion's own binary — one renewed, imported and backed
// up with no click, one renewed whose import is left to a person, one whose renewal failed —
// plus one expired; the page lists them most urgent first with the right words, marks a
// terminal that stopped writing as silent, holds no secret, loads nothing, and passes axe-core
// (WCAG 2.1 A/AA) at a desktop and a narrow width without a horizontal scroll.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { extensionId, root } from '../support/browser.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const DAY = 86_400_000;
const SECRET = 'status-page-secret-pass';

let dir;
let folder;
let binary;
let browser;

/** One native messaging frame (little-endian length here). */
function frame(message) {
  const body = Buffer.from(JSON.stringify(message));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([length, body]);
}

/** Asks the installed companion as `user` (their own HOME), as Chrome would. */
function ask(user, message) {
  const home = path.join(dir, 'homes', user);
  mkdirSync(home, { recursive: true });
  const run = spawnSync(binary, [`chrome-extension://${ID}/`], {
    input: frame(message), env: { PATH: process.env.PATH, HOME: home, USER: user },
  });
  const out = run.stdout;
  assert.ok(out.length >= 4, run.stderr.toString());
  return JSON.parse(out.subarray(4, 4 + out.readUInt32LE(0)).toString());
}

function certificate(name, days, renewal = null) {
  return { name, commonName: 'client3948', serial: '0A1B', notAfter: Date.now() + days * DAY, foundInStore: true, renewal };
}

const done = (imported, backedUp) => ({
  stage: 'done', errorCode: null, errorMessage: null, renewedAt: Date.now(),
  importedAt: imported ? Date.now() : null, backedUpAt: backedUp ? Date.now() : null,
});
const failed = {
  stage: 'failed', errorCode: 'connection_failed', errorMessage: 'WebORCA の証明書サーバーに接続できませんでした。',
  renewedAt: null, importedAt: null, backedUpAt: null,
};

let ID;

before(async () => {
  ID = await extensionId();
  dir = mkdtempSync(path.join(os.tmpdir(), 'weborca-status-page-'));
  chmodSync(dir, 0o755);
  // Installed as a package would: root's, writable by nobody else.
  const install = path.join(dir, 'install');
  mkdirSync(install, { mode: 0o755 });
  binary = path.join(install, 'weborca-companion');
  copyFileSync(path.join(root, 'target/release/weborca-companion'), binary);
  chmodSync(binary, 0o755);
  folder = path.join(dir, 'nas');
  writeFileSync(path.join(install, 'weborca-companion.json'), JSON.stringify({ allowedExtensions: [ID] }), { mode: 0o644 });
  writeFileSync(path.join(install, 'admin.json'), JSON.stringify({ backupFolder: folder }), { mode: 0o644 });
  browser = await chromium.launch({ executablePath: '/usr/lib/chromium/chromium', args: ['--no-sandbox', '--disable-gpu'] });

  for (const [user, certificates] of [
    ['reception', [certificate('受付PC', 1095, done(true, true))]],
    ['exam-room', [certificate('診察室', 1095, done(false, false))]],
    ['treatment', [certificate('処置室', 40, failed)]],
    ['office', [certificate('事務室', -3)]],
  ]) {
    const answer = ask(user, { type: 'status', extensionVersion: '0.1.0', certificates });
    assert.equal(answer.ok, true, JSON.stringify(answer));
  }
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`file://${path.join(folder, 'weborca-status.html')}`);
  return { page, requests };
}

test('every terminal most urgent first, each with its own words and what to do', async () => {
  const { page, requests } = await open();
  const rows = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    standing: tr.querySelector('.badge').textContent,
    terminal: tr.children[1].textContent,
    todo: tr.children[4].textContent,
  })));
  assert.deepEqual(rows.map((r) => r.standing), ['期限切れ', '更新に失敗', '更新済み・未取り込み', '完了']);
  assert.deepEqual(rows.map((r) => r.terminal.replace(/^.*\((.*)\)$/, '$1')), ['office', 'treatment', 'exam-room', 'reception']);
  assert.match(rows[0].todo, /再発行を依頼/);
  assert.match(rows[1].todo, /接続できませんでした/, 'the failed terminal says why');
  assert.match(rows[2].todo, /取り込んでください/);
  assert.equal(requests.filter((url) => !url.startsWith('file://')).length, 0, 'nothing loaded from elsewhere');
  await page.close();
});

test('a terminal that stops writing is marked silent, by its own time stamp', async () => {
  const statusFolder = folder;
  const office = readdirSync(statusFolder).find((name) => name.includes('__office__'));
  const file = JSON.parse(readFileSync(path.join(statusFolder, office), 'utf8'));
  file.writtenAt = Date.now() - 3 * DAY; // as the office PC last wrote it, three days ago
  writeFileSync(path.join(statusFolder, office), JSON.stringify(file));
  const run = spawnSync(binary, ['report', folder], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Expired\toffice|Expired\t.*\(office\).*\[silent\]/);
  const { page } = await open();
  const silent = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Boolean(tr.querySelector('.silent'))));
  assert.deepEqual(silent, [true, false, false, false]);
  await page.close();
});

test('no status file or page holds a secret, and the page passes axe at a desktop and a narrow width', async () => {
  for (const name of readdirSync(folder)) {
    const text = readFileSync(path.join(folder, name), 'utf8');
    assert.ok(!text.includes(SECRET) && !/"(password|p12|pass|key)"/i.test(text), name);
  }
  // A report cannot even carry one.
  const refused = ask('reception', {
    type: 'status', extensionVersion: '0.1.0', certificates: [{ ...certificate('受付PC', 1095), password: SECRET }],
  });
  assert.equal(refused.error?.code, 'companion_malformed_message');
  for (const width of [1280, 760]) {
    const { page } = await open(width);
    await page.evaluate(AXE);
    const violations = await page.evaluate(async (tags) => {
      const result = await globalThis.axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
    }, WCAG);
    assert.deepEqual(violations, [], `width ${width}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at ${width}: ${overflow}px`);
    await page.close();
  }
});
