// `make bench`: every figure of the extension on this machine, printed as tables and written
// to BENCHMARKS.md (overwritten each run) with the machine, the date and the goals
// judged from the figures. Figures, never assertions: the run fails only when a part cannot
// be measured at all.
//   reader.mjs     the core vs node-forge, PKI.js, native Rust and the openssl CLI; hostile files
//   chromium.mjs   the worker, the banner and the content script in Chromium (holding the port-443 lock)
//   sizes.mjs      the Wasm, its glue, the zipped extension, the Wasm's top contributors
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../support/browser.mjs';
import { hostileFigures, opensslStart, prepareReader, readerFigures } from './reader.mjs';
import { sizeFigures } from './sizes.mjs';
import { SIZE_GOAL } from '../support/sizes.mjs';
import { cell, markdownTable, number, printTable, ratio } from './stats.mjs';

const LOCK = '/tmp/weborca-443.lock';
const started = new Date();
const markdown = [];
const failures = [];

/** A section: printed now, and kept for BENCHMARKS.md. */
function section(title, intro = []) {
  console.log(`\n== ${title}`);
  for (const line of intro) console.log(line);
  markdown.push(`## ${title}`, '', ...intro.flatMap((line) => [line, '']));
}
/** `code`: columns shown as code in Markdown (Rust names like `<f64 as core::fmt::Display>`
 * would otherwise read as HTML tags). */
function table(header, rows, { code = [] } = {}) {
  printTable(header, rows);
  const quoted = rows.map((row) => row.map((c, i) => (code.includes(i) ? `\`${c}\`` : c)));
  markdown.push(markdownTable(header, quoted), '');
}
function notes(lines) {
  for (const line of lines) console.log(`  ${line}`);
  markdown.push(...lines.map((line) => `- ${line}`), '');
}

const version = (command, args) => {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0];
  } catch {
    return 'not found';
  }
};
const kib = (bytes) => `${bytes.toLocaleString('en')} B (${(bytes / 1024).toFixed(1)} KiB)`;

// --- the machine ------------------------------------------------------------------------------
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model;
const osName = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? os.type();
const machine = [
  `CPU: ${cpu}, ${os.cpus().length} cores; memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `OS: ${osName}, Linux ${os.release()}`,
  `Node ${process.version}; ${version('/usr/lib/chromium/chromium', ['--version'])}; ${version('openssl', ['version']).replace(/ \(Library.*$/, '')}`,
  `${version('rustc', ['--version'])}; ${version('wasm-bindgen', ['--version'])}; ${version(path.join(root, 'node_modules/.bin/wasm-opt'), ['--version'])}`,
  // Other work on the machine shows in the spreads: say how busy it was.
  `load average at the start: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min)`,
];
console.log(`make bench, ${started.toISOString()}`);
for (const line of machine) console.log(line);

// --- the reader ---------------------------------------------------------------------------------
prepareReader();
section('Reader: opening each .p12', [
  'Median (min–max, runs) of one open: parse, MAC, every bag decrypted, certificates read. Wasm: `pkg/` under Node, '
    + 'initialised as the worker does and awaited; native: the same core in the release profile '
    + '(`crate/examples/bench_reader.rs`); native, software SHA: the same built with `--cfg sha1_backend="soft" --cfg sha2_backend="soft"`, '
    + 'i.e. without the CPU\'s SHA extensions (SHA-NI), which `sha1` and `sha2` use natively and no Wasm can; openssl: wall time of one `openssl pkcs12 -nodes -out /dev/null` process. '
    + 'Wasm, node-forge and PKI.js are timed in turns (one open each per round), so other load on the machine falls on all three alike.',
]);
const reader = await readerFigures((name) => process.stderr.write(`reader: ${name}\n`));
const start = opensslStart();
const legacyMark = (row) => (row.legacy ? ' (-legacy)' : '');
table(['file', 'Wasm core', 'node-forge', 'PKI.js', 'native', 'native, software SHA', 'openssl CLI'], reader.map((r) => [
  r.name, cell(r.wasm), cell(r.forge), cell(r.pkijs), cell(r.native), cell(r.nativeSoftSha), `${cell(r.openssl)}${legacyMark(r)}`,
]));
console.log('');
table(['file', 'forge/Wasm', 'PKI.js/Wasm', 'Wasm/native', 'Wasm/native, software SHA', 'Wasm/openssl'], reader.map((r) => [
  r.name, ratio(r.forge, r.wasm), ratio(r.pkijs, r.wasm), ratio(r.wasm, r.native), ratio(r.wasm, r.nativeSoftSha), ratio(r.wasm, r.openssl),
]));
notes([
  `openssl's process start alone (\`openssl version\`, same spawn): ${cell(start)}; every openssl figure includes it, `
    + 'so Wasm/openssl says something only for the 600,000-iteration file.',
  '(-legacy): OpenSSL 3 opens the file only with its legacy provider (RC2-40 certificate bags).',
  'Windows-style: openssl-made with the parameters Windows\' certutil / Export wizard writes (tests/bench/windows-style.sh), written under target/bench/.',
  'The runs per column are fewer for files that take the Wasm core over 200 ms (NSS pk12util\'s 600,000 iterations).',
]);

// --- Chromium -------------------------------------------------------------------------------------
const chromiumJson = path.join(root, 'target/bench/chromium.json');
mkdirSync(path.dirname(chromiumJson), { recursive: true });
console.error(`chromium: waiting for ${LOCK} (the simulated WebORCA's port 443)`);
const chromiumRun = spawnSync('flock', [LOCK, process.execPath, path.join(root, 'tests/bench/chromium.mjs'), chromiumJson], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
let chromium = null;
if (chromiumRun.status === 0) {
  chromium = JSON.parse(readFileSync(chromiumJson, 'utf8'));
} else {
  failures.push(`the Chromium part failed (exit ${chromiumRun.status ?? chromiumRun.signal})`);
}
section('In Chromium', [
  'Headless Debian Chromium with dist/ loaded unpacked (tests/support/browser.mjs), the simulated WebORCA on 127.0.0.1:443. '
    + 'Times are taken in the page that sends or shows (performance.now()).',
]);
if (chromium) {
  const c = chromium;
  const mt = c.mainThread;
  table(['what', 'median (min–max, runs)'], [
    ['worker cold start → first answer (page/core-status after the worker was stopped)', cell(c.coldStart)],
    ['… the new worker\'s script, up to loading the core (its own clock)', cell(c.coldStartSplit.script)],
    ['… the core fetched from the Cache API, compiled and instantiated', cell(c.coldStartSplit.core)],
    ['… a storage read (chrome.storage.local.get of everything)', cell(c.coldStartSplit.storage)],
    ['the same message, worker running', cell(c.warmAnswer)],
    ['banner in the DOM after DOMContentLoaded, worker running', cell(c.bannerWarm)],
    ['banner in the DOM after DOMContentLoaded, worker stopped before the load', cell(c.bannerCold)],
    ['content script main-thread time, total', cell(mt.total)],
    ['… evaluating content/banner.js (compile + run)', cell(mt.evaluate)],
    ['… the task handling the worker\'s answer (builds the banner)', cell(mt.answer)],
    ['… its callbacks (IntersectionObserver)', cell(mt.callbacks)],
    ['600,000-iteration file (nss-pk12util.p12) registered in the worker', cell(c.nssInWorker)],
    ['registering a certificate whose reminder is due today (7 days left)', `${cell(c.registerDue)}; notified ${c.registerDue.notified} of ${c.registerDue.n}`],
  ]);
  notes([
    `The first answer after the browser started (the worker's install-time work may still be running): ${number(c.firstAnswer)} ms; the figures above start after it.`,
    'Cold start: the worker is stopped with CDP ServiceWorker.stopAllWorkers, then woken by the message; Playwright attaches to the new worker, which may add a little. '
      + 'Its split is read from the new worker\'s performance marks (extension/background/core.js); the rest of the answer is the worker\'s start before its clock, and the message both ways.',
    'Banner: a MutationObserver installed before the page\'s HTML (Page.addScriptToEvaluateOnNewDocument) stamps the insertion of '
      + '`<weborca-cert-banner>`; measured from the navigation\'s domContentLoadedEventStart. The content script runs at document_start: it asks the worker at once and draws the banner once the page is parsed. '
      + 'Waited for with CDP Runtime.evaluate (Playwright\'s injected script, 10–17 ms on the page\'s main thread, would hold up the answer).',
    'Main-thread time: a Chromium trace of each page load (categories devtools.timeline, v8, toplevel, mojom), summing on the renderer\'s main thread '
      + 'the EvaluateScript of content/banner.js, the tasks that receive the reply on the extension message port (the reply and the microtasks that build the banner; '
      + 'they include the synchronous fetch of the message bundle by chrome.i18n), and v8.callFunction in the content script\'s world. '
      + 'Style, layout and paint of the next frame are not counted.',
    'Registration: chrome.runtime.sendMessage(page/register-certificate) from an extension page to the reply; the worker reads, stores, assesses and sets the badge before it answers; the due notification follows (waited for, up to 5 s, and counted).',
  ]);
} else {
  notes(['Not measured: see the failure above.']);
}

// --- sizes ----------------------------------------------------------------------------------------
const sizes = await sizeFigures();
section('Sizes', ['The shipped files (gzip -9, brotli quality 11) and dist/ zipped as the Web Store upload.']);
const sizeRow = (name, s) => [name, kib(s.raw), kib(s.gzip), kib(s.brotli)];
table(['file', 'raw', 'gzip', 'brotli'], [
  sizeRow('pkg/weborca_cert_bg.wasm', sizes.wasm),
  sizeRow('pkg/weborca_cert.js (wasm-bindgen glue)', sizes.glue),
  sizeRow('dist/background.js (worker bundle, glue included)', sizes.worker),
  ['dist/ zipped (Web Store upload)', kib(sizes.zip), '—', '—'],
]);
if (sizes.top.note) {
  notes([sizes.top.note]);
} else {
  const share = (bytes) => `${((100 * bytes) / sizes.top.codeBytes).toFixed(1)} %`;
  console.log('\nTop contributors of the Wasm (twiggy, shallow size):');
  markdown.push('Top contributors of the Wasm (twiggy, shallow size):', '');
  table(['function or item', 'bytes', 'share'], sizes.top.items.map((i) => [i.name, i.bytes.toLocaleString('en'), share(i.bytes)]), { code: [0] });
  table(['crate', 'bytes', 'share'], sizes.top.crates.map((c) => [c.name, c.bytes.toLocaleString('en'), share(c.bytes)]));
  notes([
    'From the release build bound with `wasm-bindgen --keep-debug` and optimised like the Makefile\'s `wasm` target '
      + 'but with `wasm-opt -g` (names kept, then left out of the figures): '
      + `${sizes.top.codeBytes.toLocaleString('en')} B of items against ${sizes.wasm.raw.toLocaleString('en')} B shipped.`,
    'A crate is read from the function\'s name: generic code (e.g. `core` iterators) counts under the crate that defines it, whoever instantiated it.',
  ]);
}

// The cut list, written by hand (each cut needs a build with and without it): kept beside.
const cuts = readFileSync(path.join(root, 'tests/bench/cuts.md'), 'utf8').trim();
markdown.push(cuts, '');

// --- hostile files --------------------------------------------------------------------------------
const hostile = await hostileFigures();
section('Hostile files', ['Each must open or be refused within the reader\'s work budget (Wasm core, 3 runs each).']);
table(['hostile file', 'Wasm core', 'answer'], hostile.rows.map((r) => [r.file, cell(r.time), r.answer]));
notes([`Worst case of ${hostile.count} files (hostile files and every fixture): ${hostile.worst.file}, ${cell(hostile.worst.time)}.`]);

// --- the goals ------------------------------------------------------------------------------------
const goals = [];
const goal = (text, figure, met) => goals.push({ text, figure, met });
const readable = (column) => reader.filter((r) => r.wasm.median && r[column].median);
/** The row with the lowest `value`, or null for none. */
const lowest = (rows, value) => (rows.length ? rows.reduce((a, b) => (value(b) < value(a) ? b : a)) : null);
for (const [column, name, factor] of [['forge', 'node-forge', 5], ['pkijs', 'PKI.js', 3]]) {
  const rows = readable(column);
  const speedup = (r) => r[column].median / r.wasm.median;
  const worst = lowest(rows, speedup);
  const met = rows.filter((r) => speedup(r) >= factor).length;
  goal(`every .p12 ≥ ${factor}× faster than ${name} where it reads the file`,
    worst ? `${met} of ${rows.length} files; lowest ${speedup(worst).toFixed(1)}× (${worst.name})` : 'no file read',
    Boolean(worst) && met === rows.length);
}
{
  const rows = readable('native');
  const slowdown = (r) => r.wasm.median / r.native.median;
  const worst = lowest(rows, (r) => -slowdown(r));
  const met = rows.filter((r) => slowdown(r) <= 1.5).length;
  goal('every .p12 within 1.5× of native', worst ? `${met} of ${rows.length} files; highest ${slowdown(worst).toFixed(1)}× (${worst.name})` : 'not measured',
    Boolean(worst) && met === rows.length);
}
const nssOpenssl = reader.find((r) => r.name === 'nss-pk12util.p12')?.openssl;
if (chromium && nssOpenssl?.median) {
  const times = chromium.nssInWorker.median / nssOpenssl.median;
  goal('the 600,000-iteration file in the Chromium worker within 2× of `openssl pkcs12`',
    `${number(chromium.nssInWorker.median)} ms vs ${number(nssOpenssl.median)} ms: ${times.toFixed(1)}×`, times <= 2);
} else {
  goal('the 600,000-iteration file in the Chromium worker within 2× of `openssl pkcs12`', 'not measured', false);
}
goal('`.wasm` ≤ 350 KB raw', kib(sizes.wasm.raw), sizes.wasm.raw <= SIZE_GOAL.raw);
goal('`.wasm` ≤ 120 KB brotli', kib(sizes.wasm.brotli), sizes.wasm.brotli <= SIZE_GOAL.brotli);
goal('zipped extension ≤ 250 KB', kib(sizes.zip), sizes.zip <= SIZE_GOAL.zip);
if (chromium) {
  goal('worker cold start ≤ 30 ms', `${number(chromium.coldStart.median)} ms`, chromium.coldStart.median <= 30);
  goal('banner ≤ 30 ms after DOMContentLoaded (worker running)', `${number(chromium.bannerWarm.median)} ms`, chromium.bannerWarm.median <= 30);
  goal('banner ≤ 30 ms after DOMContentLoaded (worker stopped before the load)', `${number(chromium.bannerCold.median)} ms`, chromium.bannerCold.median <= 30);
  goal('content script main-thread time < 2 ms', `${number(chromium.mainThread.total.median)} ms`, chromium.mainThread.total.median < 2);
  goal('registering a file whose reminder is due today answers in < 300 ms', `${number(chromium.registerDue.median)} ms`, chromium.registerDue.median < 300);
}
const goalLines = goals.map((g) => `[${g.met ? 'x' : ' '}] ${g.text}: ${g.figure} — ${g.met ? 'met' : 'not met'}`);
console.log(`\n== Goals (judged on medians; 1 KB = 1,000 bytes)\n${goalLines.join('\n')}`);
for (const failure of failures) console.log(`FAILED: ${failure}`);

// --- BENCHMARKS.md --------------------------------------------------------------------------------
const benchmarks = [
  '# Benchmarks',
  '',
  `Written by \`make bench\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; every run overwrites it. `
    + 'Figures, not assertions: each is the median of several runs with its spread, on the machine below.',
  '',
  '## Machine',
  '',
  ...machine.map((line) => `- ${line}`),
  `- load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`,
  '',
  '## Reproduce',
  '',
  '```sh',
  'make bench',
  '```',
  '',
  'It builds `dist/` first, then runs `node tests/bench/run.mjs`; the Chromium part holds `flock /tmp/weborca-443.lock` '
    + 'while it uses port 443 (an e2e run beside it must hold the same lock). The Windows-style files and the named Wasm build go to `target/bench/`.',
  '',
  '## Goals',
  '',
  'Judged on the medians below (1 KB read as 1,000 bytes).',
  '',
  ...goals.map((g) => `- [${g.met ? 'x' : ' '}] ${g.text}: ${g.figure} — **${g.met ? 'met' : 'not met'}**`),
  ...failures.map((f) => `- **Failed:** ${f}`),
  '',
  ...markdown,
];
writeFileSync(path.join(root, 'BENCHMARKS.md'), `${benchmarks.join('\n').trimEnd()}\n`);
console.log(`\nWrote BENCHMARKS.md (${((Date.now() - started) / 1000).toFixed(0)} s).`);
if (failures.length) process.exit(1);
