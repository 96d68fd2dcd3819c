// Running the Windows companion under Wine for the tests in this folder: a prefix (a Windows
// user's profile and registry) in a temporary folder, and the companion spoken to as Chrome
// does, native messaging frames on stdin and stdout. Test set-up only: nothing here ships.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

/** Builds store-tool.exe (store-tool.c: puts certificates and keys into MY as a terminal holds
 * them, and reads back MY and the user's key containers) into `folder`; its path. */
export function buildStoreTool(folder) {
  mkdirSync(folder, { recursive: true });
  const exe = path.join(folder, 'store-tool.exe');
  execFileSync('x86_64-w64-mingw32-gcc', [
    '-O2', '-s', '-o', exe, path.join(root, 'tests/windows/store-tool.c'), '-lcrypt32', '-lncrypt', '-ladvapi32',
  ]);
  return exe;
}

/** Runs store-tool in `prefix`; its output lines (a failure throws). */
export function storeTool(prefix, tool, args) {
  const run = wine(prefix, [tool, ...args]);
  if (run.status !== 0) throw new Error(`store-tool ${args[0]}: ${run.stderr.toString()}`);
  return run.stdout.toString().split(/\r?\n/).filter((line) => line !== '');
}

/** MY as CryptoAPI shows it: per entry its SHA-1, its key's container (or -) and whether the key
 * opens silently, sorted. */
export function myEntries(prefix, tool) {
  return storeTool(prefix, tool, ['entries']).sort();
}

/** Every private key the user has: the containers CryptoAPI and CNG list, and the files under
 * the profile's Crypto folders (Windows keeps CryptoAPI keys in Crypto\RSA\<SID>, CNG keys in
 * Crypto\Keys; Wine 8 keeps CryptoAPI keys in its registry, which the containers list shows). */
export function keyStore(prefix, tool) {
  const files = [];
  const users = path.join(prefix, 'drive_c/users');
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(`file ${path.relative(users, full)}`);
    }
  };
  for (const user of existsSync(users) ? readdirSync(users) : []) {
    for (const tree of ['AppData/Roaming/Microsoft/Crypto', 'AppData/Local/Microsoft/Crypto']) {
      const folder = path.join(users, user, tree);
      if (existsSync(folder)) walk(folder);
    }
  }
  return [...storeTool(prefix, tool, ['containers']), ...files].sort();
}
