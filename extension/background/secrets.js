// Where a renewal's secret lives — the renewed file's password, and the file itself until
// it is saved — and for how long (docs/architecture.md, "Secrets"):
// - from the API's answer until both files are on disk: `chrome.storage.local`, so that a
//   browser closed in between loses nothing. The same password is about to be written in
//   the clear to the Downloads folder, so this adds no exposure, and it lasts seconds;
// - then, for 「確認する」 and the backup check only: `chrome.storage.session` (memory only,
//   gone when the browser closes: the password file is on disk by then);
// - after the backup check, the import, or a failure: nowhere.
// Both areas are kept from content scripts (setAccessLevel), and nothing here is logged.
const KEY = 'renewalSecrets';

async function read(area) {
  return (await area.get(KEY))[KEY] ?? {};
}

/** The area's entry with `fingerprint`'s secret set (or removed when `undefined`). */
async function entryWith(area, fingerprint, secret) {
  const all = await read(area);
  if (secret === undefined) delete all[fingerprint];
  else all[fingerprint] = secret;
  return { [KEY]: all };
}

async function write(area, fingerprint, secret) {
  await area.set(await entryWith(area, fingerprint, secret));
}

/** The secret kept for a renewal, or null. */
export async function secretOf(fingerprint) {
  return (await read(chrome.storage.session))[fingerprint] ?? (await read(chrome.storage.local))[fingerprint] ?? null;
}

/** Keeps `secret` in the one area `durable` names, and removes it from the other. */
export async function keepSecret(fingerprint, secret, durable) {
  const [keep, drop] = durable
    ? [chrome.storage.local, chrome.storage.session]
    : [chrome.storage.session, chrome.storage.local];
  await write(keep, fingerprint, secret);
  await write(drop, fingerprint, undefined);
}

/** The `chrome.storage.local` entry holding `secret` durably, for a caller that writes it in
 * one `set` together with the record it belongs to. */
export function durableSecretEntry(fingerprint, secret) {
  return entryWith(chrome.storage.local, fingerprint, secret);
}

/** Forgets a renewal's secret everywhere. */
export async function forgetSecret(fingerprint) {
  await write(chrome.storage.local, fingerprint, undefined);
  await write(chrome.storage.session, fingerprint, undefined);
}

/** Keeps content scripts out of both storage areas (session is so by default; recent
 * Chromium accepts it for local too — an older one refuses, and nothing depends on it). */
export async function restrictStorage() {
  for (const area of [chrome.storage.session, chrome.storage.local]) {
    await area.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => {});
  }
}
