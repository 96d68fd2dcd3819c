// The size of what users download: the core's Wasm (raw and brotli, as tests/bench/reader.mjs
// measures it) and the Chrome Web Store zip of dist/ (written by scripts/package.mjs's own
// function). Fails when a figure grows past its budget, printing all of them. Needs
// `make build`.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { root } from './support/browser.mjs';
import { SIZE_GOAL as GOAL, compressed, webstoreZipSize } from './support/sizes.mjs';

// None of the goals is met yet, so each budget is the size reached (717,555 / 219,570 /
// 332,294 B) plus about 1%: any regression fails. See docs/architecture.md, Size. Lower a
// budget whenever a cut lands; use GOAL once met.
const BUDGET = { raw: 725_000, brotli: 222_000, zip: 336_000 };

async function measure() {
  // gzip is printed only: what a CRX's deflate is near.
  return { ...compressed(await readFile(path.join(root, 'pkg/weborca_cert_bg.wasm'))), zip: await webstoreZipSize() };
}

test('the Wasm and the Web Store zip stay within their budgets', async (t) => {
  const size = await measure();
  const lines = Object.entries(BUDGET).map(([name, budget]) => {
    const gap = size[name] - GOAL[name];
    return `${name.padEnd(6)} ${String(size[name]).padStart(7)} B  budget ${budget}  goal ${GOAL[name]}`
      + (gap > 0 ? ` (${gap} B over the goal)` : ' (goal met)');
  });
  const report = [...lines, `gzip   ${String(size.gzip).padStart(7)} B  (not budgeted)`].join('\n');
  for (const line of report.split('\n')) t.diagnostic(line);
  for (const [name, budget] of Object.entries(BUDGET)) {
    assert.ok(size[name] <= budget, `${name}: ${size[name]} B is over its budget of ${budget} B\n${report}`);
  }
});
