// Localized text: every string a user sees comes from _locales through chrome.i18n. Maps
// from the core's codes to message keys are written out in full, so a missing or unused
// key shows up in the locale test.
import { CodedError } from './errors.js';

/** Every code (the core's, the worker's, the companion's) → its message key: the one map. */
const MESSAGE_KEYS = Object.freeze({
  wrong_password: 'errorWrongPassword',
  not_certificate: 'errorNotCertificate',
  truncated: 'errorTruncated',
  malformed: 'errorMalformed',
  unsupported_algorithm: 'errorUnsupportedAlgorithm',
  iterations_too_high: 'errorIterationsTooHigh',
  too_much_work: 'errorTooMuchWork',
  too_many_parts: 'errorTooManyParts',
  no_certificate: 'errorNoCertificate',
  key_mismatch: 'errorKeyMismatch',
  too_large: 'errorTooLarge',
  registration_locked: 'errorRegistrationLocked',
  not_weborca_page: 'errorNotWeborcaPage',
  internal: 'errorInternal',
  connection_failed: 'renewalErrorConnection',
  auto_not_connected: 'renewalErrorAutoNotConnected',
  removal_locked: 'errorRemovalLocked',
  timeout: 'renewalErrorTimeout',
  server_error: 'renewalErrorServer',
  not_permitted: 'renewalErrorNotPermitted',
  rejected: 'renewalErrorRejected',
  malformed_answer: 'renewalErrorMalformedAnswer',
  answer_too_large: 'renewalErrorAnswerTooLarge',
  untrusted_uri: 'renewalErrorUntrustedUri',
  renewed_wrong_password: 'renewalErrorRenewedWrongPassword',
  renewed_unreadable: 'renewalErrorRenewedUnreadable',
  renewed_too_large: 'renewalErrorRenewedTooLarge',
  renewed_too_complex: 'renewalErrorRenewedTooComplex',
  renewed_unsupported: 'renewalErrorRenewedUnsupported',
  renewed_other_subject: 'renewalErrorRenewedOtherSubject',
  renewed_not_later: 'renewalErrorRenewedNotLater',
  renewed_key_mismatch: 'renewalErrorRenewedKeyMismatch',
  renewed_no_key: 'renewalErrorRenewedNoKey',
  renewed_other_issuer: 'renewalErrorRenewedOtherIssuer',
  renewed_bad_signature: 'renewalErrorRenewedBadSignature',
  renewed_unverifiable: 'renewalErrorRenewedUnverifiable',
  redirected: 'renewalErrorRedirected',
  connection_lost: 'renewalErrorConnectionLost',
  download_failed: 'renewalErrorDownloadFailed',
  download_gone: 'renewalErrorDownloadGone',
  download_refused: 'renewalErrorDownloadRefused',
  secret_lost: 'renewalErrorSecretLost',
  renewal_in_progress: 'renewalErrorInProgress',
  renewal_awaits_import: 'renewalErrorAwaitsImport',
  renewal_needs_confirmation: 'renewalErrorNeedsConfirmation',
  renewal_already_attempted: 'renewalErrorAlreadyAttempted',
  renewal_held: 'renewalErrorHeld',
  interrupted: 'renewalErrorInterrupted',
  no_api_url: 'renewalErrorNoApiUrl',
  save_failed: 'renewalErrorSaveFailed',
  backup_mismatch: 'renewalErrorBackupMismatch',
  companion_unavailable: 'renewalErrorCompanionUnavailable',
  companion_not_permitted: 'renewalErrorCompanionNotPermitted',
  companion_refused: 'renewalErrorCompanionRefused',
  companion_fingerprint_mismatch: 'renewalErrorCompanionFingerprintMismatch',
  companion_store_failed: 'renewalErrorCompanionStoreFailed',
  companion_not_in_store: 'renewalErrorCompanionNotInStore',
  companion_backup_folder: 'renewalErrorCompanionBackupFolder',
  companion_backup_failed: 'renewalErrorCompanionBackupFailed',
  companion_backup_unreadable: 'renewalErrorCompanionBackupUnreadable',
  companion_origin_not_allowed: 'renewalErrorCompanionOriginNotAllowed',
  companion_message_too_large: 'renewalErrorCompanionMessageTooLarge',
  companion_malformed_message: 'renewalErrorCompanionMalformedMessage',
  companion_not_installed: 'renewalErrorCompanionNotInstalled',
  companion_forbidden: 'renewalErrorCompanionForbidden',
  companion_exited: 'renewalErrorCompanionExited',
  companion_timed_out: 'renewalErrorCompanionTimedOut',
  companion_config_untrusted: 'renewalErrorCompanionConfigUntrusted',
  companion_backup_not_set: 'renewalErrorCompanionBackupNotSet',
  companion_not_a_renewal: 'renewalErrorCompanionNotRenewal',
  companion_extra_keys: 'renewalErrorCompanionExtraKeys',
  companion_key_protected: 'renewalErrorCompanionKeyProtected',
  companion_status_failed: 'renewalErrorCompanionStatusFailed',
  companion_issuer_unknown: 'renewalErrorCompanionIssuerUnknown',
  companion_extra_certificates: 'renewalErrorCompanionExtraCertificates',
});

/** One sentence per setting, whatever the reason (out of range, not a number, empty…): each
 * says what the field accepts. */
const SETTING_ERROR_KEYS = Object.freeze({
  weborcaOrigins: 'settingsErrorOrigins',
  renewalApiUrl: 'settingsErrorApiUrl',
  warnDays: 'settingsErrorWarnDays',
  reminderDays: 'settingsErrorReminderDays',
  downloadSubfolder: 'settingsErrorFolder',
  downloadHosts: 'settingsErrorDownloadHosts',
});

/** Each setting's name as the options page shows it (policy values and problems). */
export const SETTING_LABEL_KEYS = Object.freeze({
  weborcaOrigins: 'settingOrigins',
  renewalApiUrl: 'settingApiUrl',
  warnDays: 'settingWarnDays',
  reminderDays: 'settingReminderDays',
  downloadSubfolder: 'settingFolder',
  downloadHosts: 'settingDownloadHosts',
  autoRenew: 'settingAutoRenew',
  autoRenewSpreadDays: 'settingAutoRenewSpreadDays',
  usersMayRegister: 'settingUsersMayRegister',
  usersMayRemove: 'settingUsersMayRemove',
  useCompanion: 'settingUseCompanion',
  companionDiscover: 'settingCompanionDiscover',
  companionImport: 'settingCompanionImport',
  companionStatus: 'settingCompanionStatus',
});

/** Why a policy value is not used (the core's `SettingsError` reasons). */
const POLICY_REASON_KEYS = Object.freeze({
  type: 'policyReasonType',
  unknown: 'policyReasonUnknown',
  range: 'policyReasonRange',
  empty: 'policyReasonEmpty',
  origin: 'policyReasonOrigin',
  url: 'policyReasonUrl',
  folder: 'policyReasonFolder',
  host: 'policyReasonHost',
});

/** 「お知らせを始める日数」(warnDays): why the administrator's value is not used. */
export function policyProblem({ key, reason }) {
  const name = SETTING_LABEL_KEYS[key] ? `${t(SETTING_LABEL_KEYS[key])} (${key})` : key;
  return t('policyProblem', [name, t(POLICY_REASON_KEYS[reason] ?? 'policyReasonType')]);
}


/** The message keys that may word `code` (a code from the core's `errorCodes()` or the
 * worker's own); empty for a code without a message, which a test forbids. */
export function messageKeysFor(code) {
  if (code === 'invalid_setting') return Object.values(SETTING_ERROR_KEYS);
  return [MESSAGE_KEYS[code]].filter(Boolean);
}

export const STATUS_KEYS = Object.freeze({
  valid: 'statusValid',
  renewalWindow: 'statusRenewalWindow',
  urgent: 'statusUrgent',
  expired: 'statusExpired',
  notRenewable: 'statusNotRenewable',
});

export const NEXT_ACTION_KEYS = Object.freeze({
  none: 'actionNone',
  renewNow: 'actionRenewNow',
  renewOnManagementSite: 'actionRenewOnManagementSite',
  reissueByAdministrator: 'actionReissueByAdministrator',
});

/**
 * @param {string} key
 * @param {string[]} [substitutions]
 */
export function t(key, substitutions) {
  return chrome.i18n.getMessage(key, substitutions) || key;
}

/** The language of the words shown: the locale Chrome took the messages from (Japanese, the
 * default, when the browser's language has none), not the browser's own language. */
export function textLanguage() {
  return t('langCode');
}

/** Fills every `[data-i18n]` element's text under `root`. */
export function localize(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  document.documentElement.lang = textLanguage();
}

/** The sentence for a code, or for an error from the core, the worker or the companion (a
 * CodedError): the one function from code to message. Anything else is worded as an internal
 * error. */
export function errorMessage(error) {
  const coded = typeof error === 'string' ? new CodedError(error) : CodedError.of(error);
  const { code, context } = coded ?? new CodedError('internal');
  if (code === 'invalid_setting') {
    return t(SETTING_ERROR_KEYS[String(context.key)] ?? 'errorInternal');
  }
  // The algorithm's OID is for the administrator (the console), not the receptionist.
  if (context.oid) console.info('Unsupported algorithm:', context.oid);
  return t(MESSAGE_KEYS[code] ?? MESSAGE_KEYS.internal);
}

function formatter(options) {
  return new Intl.DateTimeFormat(chrome.i18n.getUILanguage(), { timeZone: 'Asia/Tokyo', ...options });
}

/** How a certificate is named on every screen: its label, with its CN when it has one. */
export function entryName(entry) {
  return entry.commonName ? t('nameWithCommonName', [entry.label, entry.commonName]) : entry.label;
}

/** Date and time in Japan's time zone, the one WebORCA and its users live in. */
export function formatDateTime(millis) {
  return formatter({ dateStyle: 'long', timeStyle: 'short' }).format(new Date(millis));
}

/** Date only, in Japan's time zone. */
export function formatDate(millis) {
  return formatter({ dateStyle: 'long' }).format(new Date(millis));
}

/** "あと 80 日" / "本日まで" / "期限切れ" for an assessment's days left. */
export function daysLeftText(assessment) {
  if (assessment.status === 'expired') return t('daysExpired');
  if (assessment.daysLeft === 0) return t('daysLastDay');
  return t('daysLeft', [String(assessment.daysLeft)]);
}
