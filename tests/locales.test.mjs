// Every key in ja exists in en and back; every key the code uses exists; every key exists
// for a reason; and no user-visible Japanese is written outside _locales.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root } from './support/browser.mjs';

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

/** The arguments of the call whose `(` is at `open` in `source`, as written (quotes and
 * brackets respected). */
function argumentsAt(source, open) {
  const args = [];
  let depth = 0;
  let quote = null;
  let from = open + 1;
  for (let i = open + 1; i < source.length; i += 1) {
    const c = source[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = null;
    } else if (`'"\``.includes(c)) quote = c;
    else if ('([{'.includes(c)) depth += 1;
    else if (')]}'.includes(c) && depth > 0) depth -= 1;
    else if ((c === ',' || c === ')') && depth === 0) {
      args.push(source.slice(from, i).trim());
      if (c === ')') return args;
      from = i + 1;
    }
  }
  return args;
}

const LITERAL = /^'([A-Za-z0-9_]+)'$/;
const CHOICE = /^[^?'"`]+\?\s*'([A-Za-z0-9_]+)'\s*:\s*'([A-Za-z0-9_]+)'$/;
const FROM_MAP = /^[A-Z_]+_KEYS\[[^\]]+\](?:\s*\?\?\s*(?:'([A-Za-z0-9_]+)'|[A-Z_]+_KEYS\.[A-Za-z_]+))?$/;

/** The keys an argument names: a literal, a choice of two literals, or a `…_KEYS` map entry
 * (the map's values are read with the maps) with a literal fallback. Anything else: null. */
function keysOf(argument) {
  for (const form of [LITERAL, CHOICE, FROM_MAP]) {
    const match = argument.match(form);
    if (match) return match.slice(1).filter(Boolean);
  }
  return null;
}

/**
 * Message keys the code names, and each place a key reaches `t()` in a way this test cannot
 * read. Keys are found in `t(…)`, in the calls of every helper that hands one of its
 * parameters to `t()` (found, not listed: `actionButton`, `addField`, `button`…), in
 * `data-i18n="…"`, `__MSG_…__`, and the values of `…_KEYS = Object.freeze({…})` maps.
 * @param {Record<string, string>} sources file → text
 */
export function namedKeys(sources) {
  const keys = new Set();
  const unreadable = [];
  const helpers = new Map([['t', 0]]); // name → which argument is the key
  const passedOn = new Set(); // `file:offset` of each `t(parameter)` inside a helper
  const definitions = /(?:function\s+([A-Za-z0-9_]+)\s*|(?:const|let)\s+([A-Za-z0-9_]+)\s*=\s*(?:async\s*)?)\(([^)]*)\)/g;
  for (const [file, source] of Object.entries(sources)) {
    for (const match of source.matchAll(definitions)) {
      const name = match[1] ?? match[2];
      const params = match[3].split(',').map((p) => p.trim().split(/[\s=]/)[0]);
      const end = source.indexOf('\n}', match.index);
      const body = source.slice(match.index, end < 0 ? undefined : end);
      for (const call of body.matchAll(/(?<![.\w])t\(/g)) {
        const index = params.indexOf(argumentsAt(body, call.index + 1)[0]);
        if (index < 0 || name === 't') continue;
        helpers.set(name, index);
        passedOn.add(`${file}:${match.index + call.index}`);
      }
    }
  }
  for (const [file, source] of Object.entries(sources)) {
    for (const [name, index] of helpers) {
      for (const call of source.matchAll(new RegExp(`(?<![.\\w])${name}\\(`, 'g'))) {
        if (passedOn.has(`${file}:${call.index}`)) continue;
        // A definition's parameter list is not a call.
        if (/(?:function\s+|(?:const|let)\s+)$/.test(source.slice(Math.max(0, call.index - 9), call.index))) continue;
        const argument = argumentsAt(source, call.index + name.length)[index];
        if (argument === undefined) continue;
        const named = keysOf(argument);
        if (named) for (const key of named) keys.add(key);
        // `localize()` reads `data-i18n`, whose keys are read from the pages.
        else if (argument !== 'el.dataset.i18n') {
          const line = source.slice(0, call.index).split('\n').length;
          unreadable.push(`${path.relative(root, file)}:${line} ${name}(${argument})`);
        }
      }
    }
    for (const pattern of [/data-i18n="([A-Za-z0-9_]+)"/g, /__MSG_([A-Za-z0-9_]+)__/g]) {
      for (const [, key] of source.matchAll(pattern)) keys.add(key);
    }
    for (const [, body] of source.matchAll(/_KEYS = Object\.freeze\(\{([\s\S]*?)\}\)/g)) {
      for (const [, key] of body.matchAll(/:\s*'([A-Za-z0-9_]+)'/g)) keys.add(key);
    }
  }
  return { keys, unreadable, helpers: [...helpers.keys()] };
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
  const { keys: named, unreadable } = namedKeys(text);
  assert.deepEqual(unreadable, [], 'a message key reaches t() through a variable: name it in t(), a helper call or a _KEYS map');
  for (const key of named) assert.ok(defined.has(key), `${key} is used but missing from _locales`);
  const quoted = quotedWords();
  for (const key of defined) assert.ok(named.has(key) || quoted.has(key), `${key} is in _locales but never used`);
});

test('the key finder sees a made-up key through any helper (a test of the test)', () => {
  const sources = {
    'popup.js': `function actionButton(textKey, className) { return element('button', className, t(textKey)); }
function addField(labelKey, value) { fields.append(t(labelKey), value); }
const row = (value, labelKey) => t(labelKey);
actionButton('madeUpButton', 'secondary');
addField(expired ? 'madeUpA' : 'madeUpB', 1);
row(1, 'madeUpRow');
t(MADE_UP_KEYS[status] ?? 'madeUpFallback');
const MADE_UP_KEYS = Object.freeze({ a: 'madeUpInMap' });`,
    'banner.js': `const key = 'madeUpHidden';
t(key);`,
  };
  const { keys, unreadable, helpers } = namedKeys(sources);
  assert.deepEqual(helpers.sort(), ['actionButton', 'addField', 'row', 't']);
  for (const key of ['madeUpButton', 'madeUpA', 'madeUpB', 'madeUpRow', 'madeUpFallback', 'madeUpInMap']) {
    assert.ok(keys.has(key), key);
  }
  assert.equal(unreadable.length, 1);
  assert.match(unreadable[0], /banner\.js:2 t\(key\)/);
  // And in the real code, the helpers are found.
  assert.ok(namedKeys(text).helpers.includes('actionButton'));
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

/** Words a receptionist should never meet: PKI jargon, raw technical text, other clients'
 * product names, guesses, and 【…】→ chains of menu paths. */
const JARGON = [/\bCN\b/, /認証局/, /署名/, /秘密鍵/, /\bOID\b/, /\bAPI\b/, /オンプレミス/, /推定/, /monsiaj/i, /glclient/i,
  /【/, /→/, /CN=/, /RSA/, /pbeWith/];
/** Keys shown only in the administrator's folds or settings, where technical names belong. */
const FOR_ADMINISTRATORS = new Set(['fieldSubject', 'fieldFingerprint', 'fieldKeyAlgorithm', 'fieldProtection',
  'companionStoreNss', 'policyDroppedHint']);

/** Sentences in a message (a question counts as one). */
const sentences = (text) => text.split(/[。？！]/).filter((s) => s.trim()).length;

/** Every finding of the plain-words rule in `messages` (a test of the test feeds it bad ones). */
function plainWordProblems(messages) {
  const problems = [];
  for (const [key, { message }] of Object.entries(messages)) {
    if (FOR_ADMINISTRATORS.has(key)) continue;
    const text = message.replace(/\$[A-Z_]+\$/g, '…'); // placeholders are not words
    for (const word of JARGON) if (word.test(text)) problems.push(`${key}: ${word}`);
    // Short enough to read at a glance: two sentences, one more for a question; each line of
    // a list of steps is read on its own.
    const most = /^confirm/.test(key) ? 3 : 2;
    for (const line of text.split('\n')) {
      if (sentences(line) > most) problems.push(`${key}: ${sentences(line)} sentences`);
      if (line.length > 90) problems.push(`${key}: ${line.length} characters`);
    }
  }
  return problems;
}

test('every Japanese message is plain and short: no jargon, at most two sentences, 90 characters a line', () => {
  assert.deepEqual(plainWordProblems(ja), []);
  const made = {
    a: { message: '証明書の CN を使います。' },
    b: { message: '一。二。三。' },
    c: { message: '【証明書管理】→【OK】' },
    fieldSubject: { message: 'CN=client1' },
  };
  assert.deepEqual(plainWordProblems(made).map((p) => p.split(':')[0]), ['a', 'b', 'c', 'c']);
});
