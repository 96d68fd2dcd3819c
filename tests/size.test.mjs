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

// None of the goals is met yet, so each budget is the size reached (777,978 / 238,087 /
// 362,702 B) plus about 1%: any regression fails. See docs/architecture.md, Size. Raised by
// issue 18 from 722,263 / 221,080 B (same toolchain): the renewal's stages as a type, its
// stored-shape conversions, the core's view and the code list +19.8 KB raw; the HTTP executor
// on gloo-net, the design's choice, +6.7 KB raw and 4 KB of JS glue. Then by issues 19 and 20
// together, +29.3 KB raw: the companion's stages, plan, settings and discovery (most of it:
// the machine +3.7 KB, serde for the new shapes +5 KB) and the second hardening (entries kept
// in place, folder names, Retry-After). Issues 25 and 28 together: the Wasm 782,654 / 240,375 B
// (within its budget: the companion-first order and the terminal's status, about +3.6 KB raw over
// the 779 KB issue 27 measured), the zip
// 368,892 B (about +2.9 KB: the reasons, time limits and status words in two languages, the worker's
// status report), so its budget becomes 372,000. Issue 27 cuts them; its first cuts (simd128
// for the core, wasm-opt --converge; tests/bench/cuts.md lists each with its figures) reached
// 761,299 / 235,568 B and a 363,004 B zip, and the budgets are those plus about 1%. Lower a
// budget whenever a cut lands; use GOAL once met.
const BUDGET = { raw: 769_000, brotli: 238_000, zip: 366_700 };

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
