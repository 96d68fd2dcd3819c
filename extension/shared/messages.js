// The messages between the extension's contexts: one typed union keyed on `type`.
// The prefix names who may send it: `page/…` from the extension's own pages (popup,
// options), `content/…` from the banner on WebORCA pages. Every answer is `{ ok, … }`;
// pages send with `send`, which returns the answer or throws a CodedError.
import { CodedError } from './errors.js';

export const MessageType = Object.freeze({
  /** page→worker: is the core loaded? */
  CORE_STATUS: 'page/core-status',
  /** page→worker: read and register a file */
  REGISTER_CERTIFICATE: 'page/register-certificate',
  /** page→worker: forget a registered certificate */
  REMOVE_CERTIFICATE: 'page/remove-certificate',
  /** page→worker: every registered certificate assessed now (`setAside`: stored entries that
   * could not be read, named where the user can recognise them) */
  OVERVIEW: 'page/overview',
  /** page→worker: the user has read the notice about entries set aside */
  DISMISS_SET_ASIDE: 'page/dismiss-set-aside',
  /** page→worker: settings in force, the user's values, what policy locked */
  GET_SETTINGS: 'page/get-settings',
  /** page→worker: save the options form (all or nothing) */
  SAVE_SETTINGS: 'page/save-settings',
  /** page→worker: renew a registered certificate now (`confirmed`: the user agreed that a
   * new certificate is issued although one may already have been) */
  RENEW_FROM_PAGE: 'page/renew',
  /** page→worker: go on with a waiting or stuck renewal now (probe, download or save
   * again; never a POST on its own) */
  RETRY_RENEWAL: 'page/retry-renewal',
  /** page→worker: every renewal's view from the core (card, error, actions, guide) */
  RENEWALS: 'page/renewals',
  /** page→worker: the renewed file's password (「確認する」); null once forgotten */
  REVEAL_PASSWORD: 'page/reveal-password',
  /** page→worker: check the user's backup copy */
  CONFIRM_BACKUP: 'page/confirm-backup',
  /** page→worker: the user logged in with the new certificate */
  CONFIRM_IMPORTED: 'page/confirm-imported',
  /** page→worker: open the renewal host in a tab so the user can pick the certificate */
  PICK_CERTIFICATE: 'page/pick-certificate',
  /** page→worker: open the folder the renewed certificate's files were saved in */
  SHOW_FOLDER: 'page/show-folder',
  /** page→worker: the administrator saves a held certificate's password and file */
  EXPORT_HELD: 'page/export-held',
  /** page→worker: the administrator discards a held certificate's password and file */
  DISCARD_HELD: 'page/discard-held',
  /** page→worker: whether the companion answers, its version, store and backup folder (the options page) */
  COMPANION_STATUS: 'page/companion-status',
  /** page→worker: the diagnostics text an administrator copies for the IT vendor (no secret) */
  DIAGNOSTICS: 'page/diagnostics',
  /** content→worker: what the banner on this page should say (null: nothing) */
  BANNER: 'content/banner',
  /** content→worker: "後で" for one certificate */
  SNOOZE: 'content/snooze',
  /** content→worker: "今すぐ更新" for one certificate */
  RENEW: 'content/renew',
  /** content→worker: show the renewal guide for one certificate */
  OPEN_GUIDE: 'content/open-guide',
});

/**
 * The core's shapes are its Rust types, serialised in camelCase:
 * @typedef {object} Registration      crate/src/overview.rs `Registration`
 * @typedef {object} CertificateReport crate/src/reader.rs `CertificateReport`
 * @typedef {object} Overview          crate/src/overview.rs `Overview`
 * @typedef {object} Settings          crate/src/settings.rs `Settings`
 * @typedef {object} EffectiveSettings crate/src/settings.rs `EffectiveSettings`
 * @typedef {object} HistoryEntry      crate/src/stored.rs `HistoryEntry`
 * @typedef {object} RenewalRecord     crate/src/renewal/record.rs `RenewalRecord` (stored shape)
 * @typedef {object} RenewalView       crate/src/renewal/view.rs `RenewalView`
 * @typedef {object} BannerView        extension/background/banner-view.js
 */

/**
 * Each message's data, and what its answer carries besides `ok: true`.
 * @typedef {{ fingerprint: string }} Target  one certificate, by its SHA-256 fingerprint
 * @typedef {{
 *   'page/core-status': [undefined, { coreVersion: string }],
 *   'page/register-certificate': [{ bytes: number[], password: string | null, fileName: string | null, label: string },
 *     { registration: Registration, report: CertificateReport }],
 *   'page/remove-certificate': [Target, {}],
 *   'page/overview': [undefined, { overview: Overview, settings: Settings, history: HistoryEntry[],
 *     setAside: { area: string, label: string | null }[], newerSchema: boolean }],
 *   'page/dismiss-set-aside': [undefined, {}],
 *   'page/get-settings': [undefined, { effective: EffectiveSettings, user: object, installType: string }],
 *   'page/save-settings': [{ input: object }, { effective: EffectiveSettings }],
 *   'page/renew': [Target & { confirmed?: boolean }, { renewal: RenewalRecord }],
 *   'page/retry-renewal': [Target, { renewal: RenewalRecord | null }],
 *   'page/renewals': [undefined, { renewals: Record<string, RenewalView> }],
 *   'page/reveal-password': [Target, { password: string | null }],
 *   'page/confirm-backup': [Target & { bytes: number[] }, { renewal: RenewalRecord }],
 *   'page/confirm-imported': [Target, { renewal: RenewalRecord | null }],
 *   'page/pick-certificate': [Target, {}],
 *   'page/show-folder': [Target, {}],
 *   'page/export-held': [Target, { renewal: RenewalRecord | null }],
 *   'page/discard-held': [Target, { renewal: RenewalRecord | null }],
 *   'page/companion-status': [undefined, { version: string, store: string, backupFolder: string | null,
 *     statusReport: { ok: boolean, path?: string, code?: string, at: number } | null }],
 *   'page/diagnostics': [undefined, { text: string }],
 *   'content/banner': [undefined, { banner: BannerView | null }],
 *   'content/snooze': [Target, { stale?: true }],
 *   'content/renew': [Target, { stale?: true }],
 *   'content/open-guide': [Target, { stale?: true }],
 * }} Messages
 */

/**
 * Sends a message to the worker and returns its answer. A refusal comes back as the
 * CodedError the worker threw; no answer at all (the message was not for anyone, or the
 * worker failed to start) as `internal`.
 * @template {keyof Messages} T
 * @param {T} type
 * @param {Messages[T][0]} [data]
 * @returns {Promise<{ ok: true } & Messages[T][1]>}
 */
export async function send(type, data) {
  let answer;
  try {
    answer = await chrome.runtime.sendMessage({ type, data });
  } catch (error) {
    throw new CodedError('internal', {}, { cause: error });
  }
  if (answer?.ok) return answer;
  throw CodedError.of(answer?.error) ?? new CodedError('internal');
}

const isBytes = (v) => Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b < 256);
const isOptionalString = (v) => v === null || typeof v === 'string';
const isFingerprint = (v) => typeof v === 'string' && /^[0-9A-F]{64}$/.test(v);

/** Checks each message's `data`; a message that fails is refused, never half-handled. */
export const validData = Object.freeze({
  [MessageType.CORE_STATUS]: () => true,
  [MessageType.REGISTER_CERTIFICATE]: (d) => isBytes(d?.bytes) && isOptionalString(d.password)
    && isOptionalString(d.fileName) && typeof d.label === 'string' && d.label.length <= 100,
  [MessageType.REMOVE_CERTIFICATE]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.OVERVIEW]: () => true,
  [MessageType.DISMISS_SET_ASIDE]: () => true,
  [MessageType.GET_SETTINGS]: () => true,
  [MessageType.SAVE_SETTINGS]: (d) => typeof d?.input === 'object' && d.input !== null,
  [MessageType.RENEW_FROM_PAGE]: (d) => isFingerprint(d?.fingerprint)
    && (d.confirmed === undefined || typeof d.confirmed === 'boolean'),
  [MessageType.RETRY_RENEWAL]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.RENEWALS]: () => true,
  [MessageType.REVEAL_PASSWORD]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.CONFIRM_BACKUP]: (d) => isFingerprint(d?.fingerprint) && isBytes(d.bytes),
  [MessageType.CONFIRM_IMPORTED]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.PICK_CERTIFICATE]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.SHOW_FOLDER]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.EXPORT_HELD]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.DISCARD_HELD]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.COMPANION_STATUS]: () => true,
  [MessageType.DIAGNOSTICS]: () => true,
  [MessageType.BANNER]: () => true,
  [MessageType.SNOOZE]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.RENEW]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.OPEN_GUIDE]: (d) => isFingerprint(d?.fingerprint),
});

/** Whether a message type may come from a content script (a WebORCA page). */
export const fromContentScript = (type) => type.startsWith('content/');
