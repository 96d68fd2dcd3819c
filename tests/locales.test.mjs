// Every key in ja exists in en and back; every key the code uses exists; every key exists
// for a reason; and no user-visible Japanese is written outside _locales.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root } from './e2e/browser.mjs';

const locale = (lang) => JSON.parse(readFileSync(path.join(root, `extension/_locales/${lang}/messages.json`), 'utf8'));
const ja = locale('ja');
const en = locale('en');

function files(dir, pattern) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === '_locales' ? [] : files(full, pattern);
    return pattern.test(name) ? [full] : [];
  });
}
const sources = [...files(path.join(root, 'extension'), /\.(js|html)$/), path.join(root, 'manifest.json')];
const text = Object.fromEntries(sources.map((file) => [file, readFileSync(file, 'utf8')]));

/** Message keys the code names: calls t/button/addField('key'…), data-i18n="key",
 * __MSG_key__, and the values of the `…_KEYS` maps in i18n.js. */
function namedKeys() {
  const keys = new Set();
  const patterns = [/\b(?:t|button|addField)\(\s*'([A-Za-z0-9_]+)'/g, /data-i18n="([A-Za-z0-9_]+)"/g,
    /__MSG_([A-Za-z0-9_]+)__/g];
  for (const source of Object.values(text)) {
    for (const pattern of patterns) for (const [, key] of source.matchAll(pattern)) keys.add(key);
    for (const [, body] of source.matchAll(/_KEYS = Object\.freeze\(\{([\s\S]*?)\}\)/g)) {
      for (const [, key] of body.matchAll(/:\s*'([A-Za-z0-9_]+)'/g)) keys.add(key);
    }
  }
  return keys;
}

/** Every quoted word in the sources: a key that appears nowhere is unused. */
function quotedWords() {
  return new Set(Object.values(text).flatMap((source) => [...source.matchAll(/['"`]([A-Za-z0-9_]+)['"`]/g)].map((m) => m[1])));
}

test('ja and en have the same keys and placeholders', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
  for (const key of Object.keys(ja)) {
    assert.deepEqual(Object.keys(en[key].placeholders ?? {}).sort(), Object.keys(ja[key].placeholders ?? {}).sort(), key);
  }
});

test('every key the code uses exists, and every key is used', () => {
  const defined = new Set(Object.keys(ja));
  for (const key of namedKeys()) assert.ok(defined.has(key), `${key} is used but missing from _locales`);
  const quoted = quotedWords();
  const named = namedKeys();
  for (const key of defined) assert.ok(named.has(key) || quoted.has(key), `${key} is in _locales but never used`);
});

test('no user-visible Japanese is hard-coded outside _locales', () => {
  for (const [file, source] of Object.entries(text)) {
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1').replace(/<!--[\s\S]*?-->/g, '');
    const found = code.match(/[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+/g);
    assert.equal(found, null, `${path.relative(root, file)} has ${found}`);
  }
});

test('every text element in the pages is localized', () => {
  for (const [file, source] of Object.entries(text).filter(([f]) => f.endsWith('.html'))) {
    const bare = [...source.matchAll(/<(\w+)(?![^>]*data-i18n)[^>]*>([^<]*[A-Za-z\u3000-\u9fff][^<]*)<\//g)];
    assert.deepEqual(bare.map((m) => m[0]), [], path.relative(root, file));
  }
});
