// The messages between the extension's contexts: one typed union keyed on `type`.
// The prefix names who may send it: `page/…` from the extension's own pages (popup,
// options), `content/…` from the banner on WebORCA pages. Every answer is `{ ok, … }`.

export const MessageType = Object.freeze({
  /** page→worker: is the core loaded? → `{ coreVersion }` */
  CORE_STATUS: 'page/core-status',
  /** page→worker: read and register a file → `{ registration }` */
  REGISTER_CERTIFICATE: 'page/register-certificate',
  /** page→worker: forget a registered certificate → `{}` */
  REMOVE_CERTIFICATE: 'page/remove-certificate',
  /** page→worker: every registered certificate assessed now → `{ overview, settings, history,
   * setAside: [{ area, label }], newerSchema }` (setAside: stored entries that could not be read) */
  OVERVIEW: 'page/overview',
  /** page→worker: the user has read the notice about entries set aside → `{}` */
  DISMISS_SET_ASIDE: 'page/dismiss-set-aside',
  /** page→worker: settings in force, the user's values, what policy locked → `{ effective, user }` */
  GET_SETTINGS: 'page/get-settings',
  /** page→worker: save the options form (all or nothing) → `{ effective }` */
  SAVE_SETTINGS: 'page/save-settings',
  /** page→worker: renew a registered certificate now (`confirmed`: the user agreed that a
   * new certificate is issued although one may already have been) → `{ renewal }` */
  RENEW_FROM_PAGE: 'page/renew',
  /** page→worker: go on with a waiting or stuck renewal now (probe, download or save
   * again; never a POST on its own) → `{ renewal }` */
  RETRY_RENEWAL: 'page/retry-renewal',
  /** page→worker: every renewal record, each with the core's `facts` for the screens → `{ renewals }` */
  RENEWALS: 'page/renewals',
  /** page→worker: the renewed file's password (「確認する」) → `{ password }` */
  REVEAL_PASSWORD: 'page/reveal-password',
  /** page→worker: check the user's backup copy → `{ renewal }` */
  CONFIRM_BACKUP: 'page/confirm-backup',
  /** page→worker: the user logged in with the new certificate → `{ renewal }` */
  CONFIRM_IMPORTED: 'page/confirm-imported',
  /** page→worker: open the renewal host in a tab so the user can pick the certificate → `{}` */
  PICK_CERTIFICATE: 'page/pick-certificate',
  /** content→worker: what the banner on this page should say → `{ banner }` (null: nothing) */
  BANNER: 'content/banner',
  /** content→worker: "後で" for one certificate → `{}` */
  SNOOZE: 'content/snooze',
  /** content→worker: "今すぐ更新" for one certificate → `{}` */
  RENEW: 'content/renew',
  /** content→worker: show the renewal guide for one certificate → `{}` */
  OPEN_GUIDE: 'content/open-guide',
});

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
  [MessageType.BANNER]: () => true,
  [MessageType.SNOOZE]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.RENEW]: (d) => isFingerprint(d?.fingerprint),
  [MessageType.OPEN_GUIDE]: (d) => isFingerprint(d?.fingerprint),
});

/** Whether a message type may come from a content script (a WebORCA page). */
export const fromContentScript = (type) => type.startsWith('content/');
