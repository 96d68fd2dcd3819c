// Every file in docs/admin/examples/ is what an administrator can copy as it is: it parses, every
// extension setting it names is in managed_schema.json with the schema's type, and every
// registry key is one Chrome, Edge or the companion reads. (crate/tests/admin_examples.rs holds
// the Linux and Admin console values to the core's own checks.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root } from './support/browser.mjs';

const folder = path.join(root, 'docs/admin/examples');
const schema = JSON.parse(readFileSync(path.join(root, 'managed_schema.json'), 'utf8')).properties;
const EXTENSION_ID = 'EXTENSION_ID'; // the examples' placeholder, as the guide explains

/** Browser policies the examples may set beside the extension's own (Chrome and Edge share them). */
const BROWSER_POLICIES = { ExtensionInstallForcelist: 'array', ExtensionSettings: 'object', AutoSelectCertificateForUrls: 'array' };

/** The registry keys a `.reg` example may write, by where they are read. */
const BROWSERS = String.raw`HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\(?:Google\\Chrome|Microsoft\\Edge)`;
const REGISTRY_KEYS = [
  { kind: 'browser', pattern: new RegExp(`^${BROWSERS}$`) },
  { kind: 'list', pattern: new RegExp(String.raw`^${BROWSERS}\\(ExtensionInstallForcelist|AutoSelectCertificateForUrls)$`) },
  { kind: 'extension', pattern: new RegExp(String.raw`^${BROWSERS}\\3rdparty\\extensions\\${EXTENSION_ID}\\policy$`) },
  { kind: 'extensionList', pattern: new RegExp(String.raw`^${BROWSERS}\\3rdparty\\extensions\\${EXTENSION_ID}\\policy\\(\w+)$`) },
  // crate/companion/src/admin/windows.rs: KEY and VALUE.
  { kind: 'companion', pattern: /^HKEY_LOCAL_MACHINE\\SOFTWARE\\WebORCA\\Companion$/ },
];

/** The JSON type name of `value` as the schema writes it. */
function typeOf(value) {
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  if (value === null) return 'null';
  return typeof value;
}

/** An extension setting, checked against the schema: its name exists and its value has its type. */
function checkSetting(file, name, value) {
  const entry = schema[name];
  assert.ok(entry, `${file}: "${name}" is not a setting in managed_schema.json`);
  assert.equal(typeOf(value), entry.type, `${file}: "${name}" is ${entry.type} in the schema`);
  if (entry.type === 'array') for (const item of value) assert.equal(typeOf(item), entry.items.type, `${file}: ${name}[]`);
}

function checkBrowserPolicy(file, name, value) {
  assert.ok(name in BROWSER_POLICIES, `${file}: "${name}" is not a browser policy the guide uses`);
  assert.equal(typeOf(value), BROWSER_POLICIES[name], `${file}: ${name}`);
  if (name === 'AutoSelectCertificateForUrls') {
    for (const rule of value) {
      const parsed = JSON.parse(rule);
      assert.ok(parsed.pattern && parsed.filter?.ISSUER?.CN, `${file}: ${rule}`);
    }
  }
  if (name === 'ExtensionInstallForcelist') for (const item of value) assert.match(item, new RegExp(`^${EXTENSION_ID};https://`), file);
  if (name === 'ExtensionSettings') assert.equal(value[EXTENSION_ID]?.installation_mode, 'force_installed', file);
}

/** The values of a `.reg` file (regedit's version 5 format) by key: strings, and dwords as
 * numbers. Written here because no maintained npm package reads .reg files; it refuses what
 * the examples do not use rather than guessing. */
function parseReg(text) {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  assert.equal(lines[0], 'Windows Registry Editor Version 5.00', 'the header regedit needs');
  const keys = new Map();
  let current = null;
  for (const [index, line] of lines.slice(1).entries()) {
    if (line.trim() === '' || line.startsWith(';')) continue;
    const where = `line ${index + 2}`;
    const key = line.match(/^\[([^\]]+)\]$/);
    if (key) {
      current = new Map();
      assert.ok(!keys.has(key[1]), `${where}: ${key[1]} twice`);
      keys.set(key[1], current);
      continue;
    }
    assert.ok(current, `${where}: a value before any key`);
    const value = line.match(/^"((?:[^"\\]|\\.)*)"=(?:"((?:[^"\\]|\\.)*)"|dword:([0-9a-f]{8}))$/);
    assert.ok(value, `${where}: not a string or dword value: ${line}`);
    const unescape = (quoted) => quoted.replace(/\\(.)/g, (_, char) => {
      assert.ok(char === '\\' || char === '"', `${where}: \\${char} is not an escape regedit knows (double a backslash)`);
      return char;
    });
    current.set(unescape(value[1]), value[2] === undefined ? Number.parseInt(value[3], 16) : unescape(value[2]));
  }
  return keys;
}

/** A numbered list key (`"1"`, `"2"`, …) as an array. */
function listOf(file, values) {
  const names = [...values.keys()];
  assert.deepEqual(names, names.map((_, i) => String(i + 1)), `${file}: a list is numbered from 1`);
  return [...values.values()];
}

function checkReg(file, text) {
  const keys = parseReg(text);
  assert.ok(keys.size > 0, file);
  for (const [key, values] of keys) {
    const match = REGISTRY_KEYS.map(({ kind, pattern }) => ({ kind, found: key.match(pattern) })).find(({ found }) => found);
    assert.ok(match, `${file}: ${key} is not a key Chrome, Edge or the companion reads`);
    const { kind, found } = match;
    if (kind === 'browser') {
      for (const [name, value] of values) checkBrowserPolicy(file, name, JSON.parse(value));
    } else if (kind === 'list') {
      checkBrowserPolicy(file, found[1], listOf(file, values));
    } else if (kind === 'extension') {
      for (const [name, value] of values) {
        const type = schema[name]?.type;
        // Booleans and integers are REG_DWORD, strings REG_SZ (Chrome's registry mapping).
        const read = type === 'boolean' && typeof value === 'number' ? value === 1 : value;
        if (type === 'boolean') assert.ok(value === 0 || value === 1, `${file}: ${name} is 0 or 1`);
        checkSetting(file, name, read);
      }
    } else if (kind === 'extensionList') {
      checkSetting(file, found[1], listOf(file, values));
    } else {
      assert.deepEqual([...values.keys()], ['BackupFolder'], `${file}: the companion reads BackupFolder only`);
      const folder = values.get('BackupFolder');
      assert.equal(typeof folder, 'string', `${file}: BackupFolder is REG_SZ`);
      assert.match(folder, /^(\\\\[^\\]+\\[^\\]|[A-Za-z]:\\)/, `${file}: BackupFolder is absolute (a UNC path or a drive): ${folder}`);
    }
  }
}

/** A Chrome policy file for Linux: browser policies and the extension's under 3rdparty. */
function checkLinuxPolicy(file, document) {
  for (const [name, value] of Object.entries(document)) {
    if (name !== '3rdparty') checkBrowserPolicy(file, name, value);
  }
  const extensions = document['3rdparty']?.extensions;
  assert.deepEqual(Object.keys(extensions ?? {}), [EXTENSION_ID], `${file}: 3rdparty.extensions.${EXTENSION_ID}`);
  for (const [name, value] of Object.entries(extensions[EXTENSION_ID])) checkSetting(file, name, value);
}

/** The values of the extension's payload in a macOS profile (a plist: only the shapes it uses). */
function checkMobileconfig(file, text) {
  const payload = text.match(new RegExp(`<string>com\\.google\\.Chrome\\.extensions\\.${EXTENSION_ID}</string>([\\s\\S]*?)</dict>`));
  assert.ok(payload, `${file}: a com.google.Chrome.extensions.${EXTENSION_ID} payload`);
  const entries = [...payload[1].matchAll(/<key>(\w+)<\/key>\s*(<true\/>|<false\/>|<integer>(-?\d+)<\/integer>|<string>([^<]*)<\/string>)/g)];
  const settings = entries.filter(([, name]) => !name.startsWith('Payload'));
  assert.ok(settings.length > 0, file);
  for (const [, name, raw, integer, string] of settings) {
    const value = raw === '<true/>' ? true : raw === '<false/>' ? false : integer !== undefined ? Number(integer) : string;
    checkSetting(file, name, value);
  }
}

const CHECKS = {
  'google-admin-console.json': (file, text) => {
    for (const [name, wrapped] of Object.entries(JSON.parse(text))) {
      assert.deepEqual(Object.keys(wrapped), ['Value'], `${file}: the Admin console wraps each value`);
      checkSetting(file, name, wrapped.Value);
    }
  },
  // crate/companion/src/admin.rs: AdminFile.
  'linux-companion-admin.json': (file, text) => {
    const admin = JSON.parse(text);
    assert.deepEqual(Object.keys(admin), ['backupFolder'], `${file}: the companion reads backupFolder only`);
    assert.match(admin.backupFolder, /^\//, `${file}: an absolute path`);
  },
};

function checkExample(file, text) {
  if (CHECKS[file]) return CHECKS[file](file, text);
  if (file.endsWith('.reg')) return checkReg(file, text);
  if (file.endsWith('.mobileconfig')) return checkMobileconfig(file, text);
  if (file.startsWith('linux-') && file.endsWith('.json')) return checkLinuxPolicy(file, JSON.parse(text));
  return assert.fail(`${file}: no check for this kind of example`);
}

test('every example in docs/admin/examples parses and names only settings the schema has, with their types', () => {
  const files = readdirSync(folder).sort();
  assert.ok(files.length >= 10, files.join(', '));
  for (const file of files) checkExample(file, readFileSync(path.join(folder, file), 'utf8'));
});

test('Chrome and Edge each have a force-install example, and the companion its folder on both systems', () => {
  const files = readdirSync(folder);
  const text = (file) => readFileSync(path.join(folder, file), 'utf8');
  const reg = files.filter((file) => file.endsWith('.reg')).map(text).join('\n');
  assert.match(reg, /\\Google\\Chrome\\ExtensionInstallForcelist\]/);
  assert.match(reg, /\\Microsoft\\Edge\\ExtensionInstallForcelist\]/);
  assert.match(reg, /\\Microsoft\\Edge\\3rdparty\\extensions\\EXTENSION_ID\\policy\]/);
  assert.match(reg, /\\Microsoft\\Edge\\AutoSelectCertificateForUrls\]/);
  assert.ok(parseReg(text('windows-companion.reg')).get(String.raw`HKEY_LOCAL_MACHINE\SOFTWARE\WebORCA\Companion`).get('BackupFolder').startsWith('\\\\'));
  assert.ok(files.includes('linux-companion-admin.json'));
});

test('the checks refuse what an administrator could get wrong', () => {
  const reg = (body) => `Windows Registry Editor Version 5.00\n\n${body}\n`;
  const policy = String.raw`[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Google\Chrome\3rdparty\extensions\EXTENSION_ID\policy]`;
  assert.throws(() => checkReg('x.reg', reg(`${policy}\n"warnDayz"=dword:0000005a`)), /warnDayz" is not a setting/);
  assert.throws(() => checkReg('x.reg', reg(`${policy}\n"warnDays"="90"`)), /warnDays" is integer/);
  assert.throws(() => checkReg('x.reg', reg(String.raw`[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Edge\3rdparty\EXTENSION_ID\policy]`)), /not a key/);
  assert.throws(() => checkReg('x.reg', reg(String.raw`[HKEY_LOCAL_MACHINE\SOFTWARE\WebORCA\Companion]` + '\n"BackupFolder"="\\\\nas\\share"')), /escape/);
  assert.throws(() => checkLinuxPolicy('x.json', { '3rdparty': { extensions: { EXTENSION_ID: { autoRenew: 'true' } } } }), /autoRenew" is boolean/);
});
