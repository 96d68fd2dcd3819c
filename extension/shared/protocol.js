// Every name the extension's JavaScript puts on a wire it does not own — the core's renewal
// events and effects, the companion's requests, the offscreen document's, alarms and
// notification ids — written once, here. The core's own lists hold this file to them
// (crate/src/renewal/worker_names.rs); page↔worker messages are in messages.js.

/** Events fed to the core's renewal (`renewalStep`): crate/src/renewal/event.rs `EventKind`. */
export const Event = Object.freeze({
  WORKER_STARTED: 'workerStarted',
  TICK: 'tick',
  RETRY_NOW: 'retryNow',
  PICKER_OPENED: 'pickerOpened',
  BACKUP_CONFIRMED: 'backupConfirmed',
  IMPORT_CONFIRMED: 'importConfirmed',
  EXPORT_HELD: 'exportHeld',
  DISCARD_HELD: 'discardHeld',
  RESPONSE: 'response',
  NETWORK_FAILED: 'networkFailed',
  FILE_SAVED: 'fileSaved',
  SAVE_FAILED: 'saveFailed',
  REGISTERED: 'registered',
  HELD_EXPORTED: 'heldExported',
  SIGNATURES_CHECKED: 'signaturesChecked',
  COMPANION_IMPORTED: 'companionImported',
  COMPANION_BACKED_UP: 'companionBackedUp',
  COMPANION_REFUSED: 'companionRefused',
});

/** @typedef {typeof Event[keyof typeof Event]} EventType one of the core's events */

/** Effects the core's renewal returns: crate/src/renewal/effect.rs `Effect`. */
export const Effect = Object.freeze({
  REQUEST: 'request',
  KEEP_SECRET: 'keepSecret',
  WIPE_SECRET: 'wipeSecret',
  SAVE_PASSWORD: 'savePassword',
  SAVE_P12: 'saveP12',
  REGISTER: 'register',
  NOTIFY: 'notify',
  WAKE: 'wake',
  CHECK_SIGNATURES: 'checkSignatures',
  COMPANION_IMPORT: 'companionImport',
  COMPANION_BACKUP: 'companionBackup',
  EXPORT_HELD: 'exportHeld',
});

/** What a renewal's notification is about: crate/src/renewal/effect.rs `Notice`. */
export const Notice = Object.freeze({
  FAILED: 'failed',
  UNCERTAIN: 'uncertain',
  SAVE_FAILED: 'saveFailed',
  DOWNLOAD_STUCK: 'downloadStuck',
  AWAITING_IMPORT: 'awaitingImport',
  RENEWED_AUTOMATICALLY: 'renewedAutomatically',
  HELD: 'held',
  RENEWED_AND_IMPORTED: 'renewedAndImported',
});

/** The banner's buttons, as the core offers them: crate/src/overview.rs `BannerAction`. */
export const BannerAction = Object.freeze({
  RENEW: 'renew',
  GUIDE: 'guide',
  SNOOZE: 'snooze',
});

/** Requests to the companion (`type`): crate/companion/src/request.rs `Request`. */
export const CompanionRequest = Object.freeze({
  VERSION: 'version',
  LIST: 'list',
  IMPORT: 'import',
  BACKUP: 'backup',
  STATUS: 'status',
});

/** @typedef {typeof CompanionRequest[keyof typeof CompanionRequest]} CompanionRequestType */

/** Requests from the worker to its offscreen document (both ends are ours). */
export const OffscreenRequest = Object.freeze({
  /** bytes → a `blob:` URL */
  BLOB_URL: 'blob-url',
  /** forget a `blob:` URL */
  REVOKE: 'revoke',
});

/** @typedef {typeof OffscreenRequest[keyof typeof OffscreenRequest]} OffscreenRequestType */

/** The worker's alarms. */
export const Alarm = Object.freeze({
  /** the hourly check */
  REFRESH: 'refresh',
  /** the next automatic renewal (`autoRenew`) */
  AUTO_RENEW: 'auto-renew',
  /** `renewal-wake:<fingerprint>`: one renewal's timer */
  wake: (fingerprint) => `renewal-wake:${fingerprint}`,
  /** The renewal a wake alarm belongs to, or null. */
  wakeFingerprint: (name) => (name.startsWith('renewal-wake:') ? name.slice('renewal-wake:'.length) : null),
});

/** The worker's notification ids; a click on one about a certificate opens its card. */
export const NotificationId = Object.freeze({
  /** An expiry reminder for one certificate at one step. */
  reminder: (fingerprint, step) => `reminder:${fingerprint}:${step}`,
  /** A renewal's notice. */
  renewal: (fingerprint, notice) => `renewal:${fingerprint}:${notice}`,
  /** A file saved in the fallback folder. */
  folderRefused: (fallback) => `save-folder-refused:${fallback}`,
  /** The certificate a reminder is about, or null. */
  reminderFingerprint: (id) => (id.startsWith('reminder:') ? id.split(':')[1] : null),
  /** The certificate a reminder or a renewal's notice is about, or null. */
  certificate: (id) => (id.startsWith('reminder:') || id.startsWith('renewal:') ? id.split(':')[1] : null),
});
