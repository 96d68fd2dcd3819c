// One contract for codes: every code the core can reject or record with (its `errorCodes()`)
// and every code the worker throws has a Japanese and an English message. A made-up code
// must fail the same check, so the check itself is shown able to fail.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { errorCodes } from './support/core.mjs';
import { root } from './support/browser.mjs';
import { messageKeysFor } from '../extension/shared/i18n.js';

const locale = (lang) => JSON.parse(readFileSync(path.join(root, `extension/_locales/${lang}/messages.json`), 'utf8'));
const locales = { ja: locale('ja'), en: locale('en') };

/** Why `code` has no message in some locale, or null when it is worded in both. */
function missingMessage(code) {
  const keys = messageKeysFor(code);
  if (keys.length === 0) return `${code}: no message key`;
  for (const [lang, messages] of Object.entries(locales)) {
    const missing = keys.filter((key) => !messages[key]?.message);
    if (missing.length) return `${code}: no ${lang} message for ${missing.join(', ')}`;
  }
  return null;
}

/** The codes the worker throws itself: `new CodedError('…')` and `requireAllowed(…, '…')`. */
function workerCodes() {
  const dir = path.join(root, 'extension/background');
  const codes = new Set();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.js'))) {
    const source = readFileSync(path.join(dir, name), 'utf8');
    for (const [, code] of source.matchAll(/new CodedError\('([a-z_]+)'/g)) codes.add(code);
    for (const [, code] of source.matchAll(/requireAllowed\('[A-Za-z]+', '([a-z_]+)'\)/g)) codes.add(code);
  }
  return [...codes];
}

test('every code the core can emit has a Japanese and an English message', () => {
  const codes = errorCodes();
  assert.ok(codes.length > 40, `the core lists its codes (${codes.length})`);
  for (const expected of ['renewal_already_attempted', 'renewal_held', 'renewed_other_issuer', 'wrong_password', 'invalid_setting']) {
    assert.ok(codes.includes(expected), `${expected} is in the core's list`);
  }
  assert.deepEqual(codes.map(missingMessage).filter(Boolean), []);
});

test('every code the worker throws has a Japanese and an English message', () => {
  const codes = workerCodes();
  assert.ok(codes.includes('not_weborca_page') && codes.includes('removal_locked'), codes.join());
  assert.deepEqual(codes.map(missingMessage).filter(Boolean), []);
});

test('a made-up code fails the check', () => {
  assert.equal(missingMessage('renewal_made_up'), 'renewal_made_up: no message key');
});
