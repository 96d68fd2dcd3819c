// The names of the worker's entries in chrome.storage.local. Only the worker's store
// (background/store.js) writes them; a screen follows them with `onCertificatesChanged`.

/** The entries the core decodes one by one (and stamps with the schema version). */
export const DECODED_KEYS = Object.freeze(['schemaVersion', 'registrations', 'reminders', 'renewals', 'history', 'settings', 'setAside']);

/** The entries a change of which changes what a certificate screen shows. */
const CERTIFICATE_KEYS = Object.freeze(['registrations', 'renewals']);

/** Calls `listener` after the worker stored a change to the certificates or their renewals
 * (it moves renewals on in the background). */
export function onCertificatesChanged(listener) {
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && CERTIFICATE_KEYS.some((key) => Object.hasOwn(changes, key))) listener();
  });
}
