// The release's one version and its identity, without a browser: manifest.json, package.json
// and crate/Cargo.toml declare the same version (the packages and the core report it), the
// extension ID is computed as Chrome does, and the update manifest is well formed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { declaredVersions, extensionIdOf, packageRelease, storeIdsOf, updatesXml } from '../scripts/package.mjs';
import { extensionId, root } from './support/browser.mjs';

test('manifest.json, package.json and Cargo.toml declare one version', async () => {
  const versions = await declaredVersions();
  assert.equal(new Set(Object.values(versions)).size, 1, JSON.stringify(versions));
  assert.match(versions['manifest.json'], /^\d+(\.\d+){0,3}$/, 'a version Chrome accepts');
});

test('the extension ID is derived from the key as Chrome derives it', async () => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
  // The development key's ID is the one Chromium gives the unpacked extension in every e2e test.
  assert.equal(extensionIdOf(Buffer.from(manifest.key, 'base64')), await extensionId());
  assert.match(extensionIdOf(Buffer.from('any key')), /^[a-p]{32}$/);
});

test('updates.xml names the app, its version and where the CRX is', () => {
  const xml = updatesXml({ id: 'a'.repeat(32), version: '1.2.3', codebase: "https://u.example.jp/w/x.crx?a=1&b='2'" });
  assert.match(xml, /<app appid='a{32}'>/);
  assert.match(xml, /codebase='https:\/\/u\.example\.jp\/w\/x\.crx\?a=1&amp;b=&apos;2&apos;' version='1\.2\.3'/);
});

test("the manifest's banner origins and host permissions are the core's default origins and API host", async () => {
  const { effectiveSettings, renewalApiUrl } = await import('./support/core.mjs');
  const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
  const { settings } = effectiveSettings({}, {});
  // The banner runs, without asking, exactly where the core watches by default.
  const matches = manifest.content_scripts.flatMap((script) => script.matches).sort();
  assert.deepEqual(matches, settings.weborcaOrigins.map((origin) => `${origin}/*`).sort());
  // The worker may fetch the API of each default origin without asking: its host is granted.
  // A match pattern `scheme://*.host/*` as Chrome reads it: the host or any subdomain.
  const granted = manifest.host_permissions.map((pattern) => {
    const [, scheme, host] = pattern.match(/^(\w+):\/\/([^/]+)\/\*$/);
    const domain = host.replace(/^\*\./, '').replaceAll('.', '\\.');
    return new RegExp(`^${scheme}://${host.startsWith('*.') ? '([^/]+\\.)?' : ''}${domain}/`);
  });
  for (const origin of settings.weborcaOrigins) {
    const api = renewalApiUrl(settings, origin);
    assert.ok(api, `the core has an API for ${origin}`);
    const { origin: apiOrigin } = new URL(api);
    assert.ok(granted.some((pattern) => pattern.test(`${apiOrigin}/`)), `${apiOrigin} is in host_permissions`);
  }
  // And nothing broader than the cloud is granted up front.
  assert.deepEqual(manifest.host_permissions, ['https://*.orcamo.jp/*']);
});

test('the manifest asks for a Chrome that can keep storage.local from content scripts', () => {
  // chrome.storage.local.setAccessLevel is accepted from Chrome 140 (MDN browser-compat-data:
  // "Supported by all storage areas from Chrome 140"); before, content scripts read the
  // renewal's password and the settings (tests/e2e/storage-access.test.mjs).
  const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
  assert.ok(Number(manifest.minimum_chrome_version) >= 140, manifest.minimum_chrome_version);
});

test('a release is not packaged without the store edition\'s ID, unless told there is none', async () => {
  // Without it the companion refuses the store edition on every terminal (issue 29).
  for (const storeId of [undefined, '']) {
    await assert.rejects(packageRelease({ key: '/nonexistent.pem', baseUrl: 'https://u.example.jp/', storeId, out: '/nonexistent' }),
      /STORE_ID is required/);
  }
  assert.throws(() => storeIdsOf('not-an-id'), /not an extension ID/);
  assert.deepEqual(storeIdsOf('none'), []);
  assert.deepEqual(storeIdsOf('a'.repeat(32)), ['a'.repeat(32)]);
  // And `make package` stops before building when STORE_ID is missing (-n: nothing runs).
  let refusal;
  try {
    execFileSync('make', ['-n', '--no-print-directory', 'package', 'KEY=k.pem', 'BASE_URL=https://u.example.jp/'],
      { cwd: root, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, MAKEFLAGS: '' } });
  } catch (error) {
    refusal = error;
  }
  assert.ok(refusal, 'make package without STORE_ID fails');
  assert.match(refusal.stderr, /STORE_ID/);
});
