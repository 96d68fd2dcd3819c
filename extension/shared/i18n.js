// Localized text: every string a user sees comes from _locales through chrome.i18n.

/** Error codes from the Rust core (`Error::code`) → message keys, written out in full so
 * unused or missing keys show up in the locale test. */
const ERROR_MESSAGE_KEYS = Object.freeze({
  wrong_password: 'errorWrongPassword',
  not_certificate: 'errorNotCertificate',
  truncated: 'errorTruncated',
  malformed: 'errorMalformed',
  unsupported_algorithm: 'errorUnsupportedAlgorithm',
  iterations_too_high: 'errorIterationsTooHigh',
  no_certificate: 'errorNoCertificate',
  key_mismatch: 'errorKeyMismatch',
  too_large: 'errorTooLarge',
  internal: 'errorInternal',
});

/**
 * @param {string} key
 * @param {string[]} [substitutions]
 */
export function t(key, substitutions) {
  return chrome.i18n.getMessage(key, substitutions) || key;
}

/** Fills every `[data-i18n]` element's text (and `[data-i18n-title]` titles) under `root`. */
export function localize(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  document.documentElement.lang = chrome.i18n.getUILanguage().startsWith('ja') ? 'ja' : 'en';
}

/**
 * The sentence for an error object `{ code, ... }` from the core.
 * @param {{ code?: string, oid?: string } | undefined} error
 */
export function errorMessage(error) {
  const key = ERROR_MESSAGE_KEYS[error?.code ?? 'internal'] ?? ERROR_MESSAGE_KEYS.internal;
  return t(key, error?.oid ? [error.oid] : undefined);
}

/**
 * A date and time in Japan's time zone, the one WebORCA and its users live in.
 * @param {number} millis milliseconds since the Unix epoch
 */
export function formatDateTime(millis) {
  return new Intl.DateTimeFormat(chrome.i18n.getUILanguage(), {
    timeZone: 'Asia/Tokyo',
    dateStyle: 'long',
    timeStyle: 'short',
  }).format(new Date(millis));
}
