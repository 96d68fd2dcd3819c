// Where a renewal's secret lives — the renewed file's password, and the file itself until
// it is saved — and for how long (docs/architecture.md, "Secrets"):
// - from the API's answer until both files are on disk: `chrome.storage.local`, so that a
//   browser closed in between loses nothing. The same password is about to be written in
//   the clear to the Downloads folder, so this adds no exposure, and it lasts seconds;
// - then, for 「確認する」 and the backup check only: `chrome.storage.session` (memory only,
//   gone when the browser closes: the password file is on disk by then);
// - after the backup check, the import, or a failure: nowhere.
// Both areas are kept from content scripts (setAccessLevel), and nothing here is logged.
import { store } from './store.js';

const KEY = 'renewalSecrets';
const session = () => chrome.storage.session;

/** `all` with `fingerprint`'s secret set (or removed when `undefined`). */
function withSecret(all, fingerprint, secret) {
  const next = { ...(all ?? {}) };
  if (secret === undefined) delete next[fingerprint];
  else next[fingerprint] = secret;
  return next;
}

/** The secret kept for a renewal, or null. */
export async function secretOf(fingerprint) {
  const inSession = (await session().get(KEY))[KEY] ?? {};
  return inSession[fingerprint] ?? (await store.value(KEY, {}))[fingerprint] ?? null;
}

/** Keeps `secret` in the one area `durable` names, and removes it from the other; both
 * writes in the store's turn, so no other write lands between them. */
export function keepSecret(fingerprint, secret, durable) {
  return store.update(async (_stored, get) => {
    const kept = (await session().get(KEY))[KEY];
    await session().set({ [KEY]: withSecret(kept, fingerprint, durable ? undefined : secret) });
    return { [KEY]: withSecret(await get(KEY), fingerprint, durable ? secret : undefined) };
  });
}

/** The `chrome.storage.local` entry holding `secret` durably, for a caller that writes it in
 * one `set` together with the record it belongs to (`get` reads inside `store.update`). */
export async function durableSecretEntry(get, fingerprint, secret) {
  return { [KEY]: withSecret(await get(KEY), fingerprint, secret) };
}

/** Forgets a renewal's secret everywhere. */
export function forgetSecret(fingerprint) {
  return keepSecret(fingerprint, undefined, false);
}

/** Keeps content scripts out of both storage areas: session is so by default; local holds
 * a renewal's password and the settings, and Chrome accepts it there from Chrome 140 on,
 * which is why the manifest asks for 140 (`minimum_chrome_version`). A refusal is a fault. */
export async function restrictStorage() {
  for (const area of [chrome.storage.session, chrome.storage.local]) {
    await area.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });
  }
}
