#!/usr/bin/env node
// The companion for Debian and Ubuntu terminals, as a .deb an administrator installs with
// apt or a fleet tool: the binary and its install config under /usr/lib/weborca-companion/,
// the host manifest for Google Chrome and for Chromium under /etc (conffiles), the
// administrator's settings /etc/weborca-companion/admin.json (a conffile: the backup folder;
// the companion reads it through a link beside the binary), and a dependency on libnss3-tools
// (certutil, pk12util: the NSS store it imports into). Every folder is 0755 and every file
// 0644 (the binary 0755), whatever the builder's umask: the companion trusts only files that
// nobody but root may change.
//
//   node scripts/package-deb.mjs --ids <extension id>[,<id>…] --out release/
// The IDs are the Web Store edition's and the self-hosted edition's (`make package` passes
// them). Built with dpkg-deb from target/release/weborca-companion (`make build`).
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONFIG_FILE, HOST_NAME, hostManifest, installConfig } from './companion-host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGE = 'weborca-companion';
export const INSTALL_DIR = `/usr/lib/${PACKAGE}`;
/** The administrator's settings (the backup folder), a conffile; linked beside the binary. */
export const ADMIN_CONFFILE = `/etc/${PACKAGE}/admin.json`;
export const ADMIN_FILE = 'admin.json';
/** Where each browser looks for system-wide hosts on Linux. */
export const MANIFEST_DIRS = ['/etc/opt/chrome/native-messaging-hosts', '/etc/chromium/native-messaging-hosts'];

/** The newest glibc symbol version `binary` needs: the least libc6 it runs on. */
function glibcNeeded(binary) {
  const symbols = execFileSync('objdump', ['-T', binary], { encoding: 'utf8' });
  const versions = [...symbols.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)].map((m) => m[1]);
  const newer = (a, b) => {
    const [x, y] = [a, b].map((v) => v.split('.').map(Number));
    for (let i = 0; i < Math.max(x.length, y.length); i += 1) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
    return false;
  };
  return versions.reduce((best, v) => (newer(v, best) ? v : best), '2.2.5');
}

/** Builds the .deb into `out`; returns its path. */
export async function buildDeb({ ids, out, binary = path.join(root, 'target/release/weborca-companion') }) {
  const cargo = await readFile(path.join(root, 'crate/companion/Cargo.toml'), 'utf8');
  const version = cargo.match(/^version = "([^"]+)"/m)[1];
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const stage = await mkdtemp(path.join(os.tmpdir(), 'weborca-deb-'));
  try {
    const at = (file) => path.join(stage, file);
    await chmod(stage, 0o755); // the package's root, `/`
    await mkdir(at(INSTALL_DIR), { recursive: true });
    await copyFile(binary, at(`${INSTALL_DIR}/${PACKAGE}`));
    await chmod(at(`${INSTALL_DIR}/${PACKAGE}`), 0o755);
    await writeFile(at(`${INSTALL_DIR}/${CONFIG_FILE}`), `${JSON.stringify(installConfig(ids), null, 2)}\n`);
    const manifest = `${JSON.stringify(hostManifest(`${INSTALL_DIR}/${PACKAGE}`, ids), null, 2)}\n`;
    const conffiles = [ADMIN_CONFFILE];
    await mkdir(at(path.dirname(ADMIN_CONFFILE)), { recursive: true });
    await writeFile(at(ADMIN_CONFFILE), `${JSON.stringify({ backupFolder: '' }, null, 2)}\n`);
    await symlink(ADMIN_CONFFILE, at(`${INSTALL_DIR}/${ADMIN_FILE}`));
    for (const dir of MANIFEST_DIRS) {
      await mkdir(at(dir), { recursive: true });
      await writeFile(at(`${dir}/${HOST_NAME}.json`), manifest);
      conffiles.push(`${dir}/${HOST_NAME}.json`);
    }
    await mkdir(at(`/usr/share/doc/${PACKAGE}`), { recursive: true });
    await writeFile(at(`/usr/share/doc/${PACKAGE}/copyright`), `${PACKAGE}: WebORCA 証明書更新アシスタント\nLicense: MIT OR Apache-2.0\n`);
    await mkdir(at('DEBIAN'));
    await writeFile(at('DEBIAN/control'), [
      `Package: ${PACKAGE}`,
      `Version: ${version}`,
      `Architecture: ${arch}`,
      'Section: utils',
      'Priority: optional',
      `Depends: libc6 (>= ${glibcNeeded(binary)}), libnss3-tools, libsqlite3-0`,
      'Maintainer: WebORCA 証明書更新アシスタント <weborca-cert-assistant@localhost>',
      'Description: WebORCA certificate companion (native messaging host)',
      ' Lets the WebORCA 証明書更新アシスタント extension find the WebORCA client',
      ' certificates in the user\'s NSS database (the one Chrome and Chromium use),',
      ' import each renewed certificate there and back it up to a folder the',
      ' administrator names. It never deletes a certificate or exports a key.',
      '',
    ].join('\n'));
    await writeFile(at('DEBIAN/conffiles'), `${conffiles.join('\n')}\n`);
    await setModes(stage, new Set([path.join(stage, INSTALL_DIR, PACKAGE)]));
    await mkdir(out, { recursive: true });
    const deb = path.join(out, `${PACKAGE}_${version}_${arch}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
    return deb;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** 0755 for folders and `executables`, 0644 for every other file, links left as they are:
 * dpkg-deb keeps the modes it finds, and they would otherwise follow the builder's umask. */
async function setModes(dir, executables) {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await setModes(full, executables);
    else if (entry.isFile()) await chmod(full, executables.has(full) ? 0o755 : 0o644);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { ids: { type: 'string' }, out: { type: 'string', default: 'release' } } });
  const deb = await buildDeb({ ids: (values.ids ?? '').split(','), out: path.resolve(values.out) });
  console.log(deb);
}
