// The promises docs/security.md makes of the extension's own code (no network call but the
// core's, no HTML or code from strings) are lint rules in eslint.config.js. This shows each
// rule fires on code that breaks it, and that extension/ keeps them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

/** The rules `code` breaks, linted as if it were a file of the worker. */
async function rulesBroken(code) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, 'extension/background/example.js') });
  return [...new Set(result.messages.map((m) => m.ruleId))];
}

for (const [code, rule] of [
  ["fetch('https://collector.example/');", 'no-restricted-globals'],
  ["globalThis.fetch('https://collector.example/');", 'no-restricted-properties'],
  ['new XMLHttpRequest();', 'no-restricted-globals'],
  ["new WebSocket('wss://collector.example/');", 'no-restricted-globals'],
  ["new EventSource('https://collector.example/');", 'no-restricted-globals'],
  ["navigator.sendBeacon('https://collector.example/', '');", 'no-restricted-properties'],
  ["importScripts('https://cdn.example/x.js');", 'no-restricted-globals'],
  ["document.body.innerHTML = '<b>x</b>';", 'no-restricted-properties'],
  ["document.body.insertAdjacentHTML('beforeend', '<b>x</b>');", 'no-restricted-properties'],
  ["document.write('<b>x</b>');", 'no-restricted-properties'],
  ["eval('1');", 'no-eval'],
  ["setTimeout('alert(1)', 1);", 'no-implied-eval'],
  ["new Function('return 1');", 'no-new-func'],
]) {
  test(`the lint refuses in extension/: ${code}`, async () => {
    assert.deepEqual(await rulesBroken(code), [rule]);
  });
}

test('extension/ keeps the rules: no network call but the core\'s, no HTML or code from strings', async () => {
  const results = await eslint.lintFiles(['extension/']);
  const broken = results.flatMap((r) => r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.ruleId}`));
  assert.deepEqual(broken, []);
  assert.ok(results.length >= 20, `linted ${results.length} files`);
});
