// Running the Windows companion under Wine for the tests in this folder: a prefix (a Windows
// user's profile and registry) in a temporary folder, and the companion spoken to as Chrome
// does, native messaging frames on stdin and stdout. Test set-up only: nothing here ships.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXE = path.join(root, 'target/x86_64-pc-windows-gnu/release/weborca-companion.exe');
export const WINE = '/usr/lib/wine/wine64';
/** An extension ID allowed by the install config written here. */
export const ID = 'abcdefghijklmnopabcdefghijklmnop';

/** Wine's environment for `prefix`: no display, no debug channels, no Gecko or Mono prompt. */
export function wineEnv(prefix) {
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return env;
}

/** Runs a Windows program under Wine in `prefix`; its status, stdout (a Buffer) and stderr. */
export function wine(prefix, args, { input, cwd } = {}) {
  const run = spawnSync(WINE, args, { env: wineEnv(prefix), input, cwd, timeout: 120_000, maxBuffer: 16 << 20 });
  if (run.error) throw run.error;
  return run;
}

/** Waits until the prefix's wineserver has ended, which writes its registry to the `.reg` files:
 * the next program then starts a new one that reads the store from disk. */
export function settle(prefix) {
  execFileSync(path.join(path.dirname(WINE), 'wineserver'), ['-w'], { env: wineEnv(prefix), timeout: 120_000 });
}

/** The companion as the .msi lays it out — the binary with `weborca-companion.json` beside it —
 * plus Wine 8's missing `ProcessPrng` (process-prng.c, built here with mingw, never shipped). */
export function installCompanion(folder, allowed = [ID]) {
  mkdirSync(folder, { recursive: true });
  const exe = path.join(folder, 'weborca-companion.exe');
  copyFileSync(EXE, exe);
  writeFileSync(path.join(folder, 'weborca-companion.json'), JSON.stringify({ allowedExtensions: allowed }));
  addProcessPrng(folder);
  return exe;
}

/** Builds the `ProcessPrng` stand-in into `folder` (beside an .exe Wine is to start). */
export function addProcessPrng(folder) {
  execFileSync('x86_64-w64-mingw32-gcc', [
    '-O2', '-shared', '-s', '-o', path.join(folder, 'bcryptprimitives.dll'),
    path.join(root, 'tests/windows/process-prng.c'), '-ladvapi32',
  ]);
}

/** Frames as Chrome writes them: a 32-bit length in the machine's order (little-endian on x64). */
export function frames(messages) {
  return Buffer.concat(messages.map((message) => {
    const body = Buffer.from(JSON.stringify(message));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(body.length);
    return Buffer.concat([length, body]);
  }));
}

/** The answers in the companion's output; a cut frame throws. */
export function answers(output) {
  const found = [];
  let rest = output;
  while (rest.length > 0) {
    if (rest.length < 4) throw new Error(`a cut length prefix: ${rest.toString('hex')}`);
    const length = rest.readUInt32LE(0);
    if (rest.length < 4 + length) throw new Error(`a cut frame of ${length} bytes`);
    found.push(JSON.parse(rest.subarray(4, 4 + length).toString('utf8')));
    rest = rest.subarray(4 + length);
  }
  return found;
}

/** One companion process (Chrome starts one per connection) sent `messages`; its answers. */
export function companion(prefix, exe, messages, origin = `chrome-extension://${ID}/`) {
  // Chrome on Windows adds the parent window after the origin.
  const run = wine(prefix, [exe, origin, '--parent-window=0'], { input: frames(messages) });
  return { status: run.status, answers: answers(run.stdout), stderr: run.stderr.toString('utf8') };
}

/** The SHA-1 names of the entries of the current user's MY store, as the prefix's registry holds
 * them (read after `settle`). */
export function myStoreEntries(prefix) {
  const reg = readFileSync(path.join(prefix, 'user.reg'), 'utf8');
  return [...reg.matchAll(/^\[Software\\\\Microsoft\\\\SystemCertificates\\\\MY\\\\Certificates\\\\([0-9A-F]{40})\]/gm)]
    .map((match) => match[1]);
}
