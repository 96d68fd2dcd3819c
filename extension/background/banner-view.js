// What the banner on a WebORCA page says, in the user's language. Built in the worker so that
// the content script only renders: it loads no message bundle and formats no date in the
// page's renderer (that cost ~18 ms of the page's main thread, measured by `make bench`).
import { daysLeftText, entryName, formatDate, t, textLanguage } from '../shared/i18n.js';
import { BannerAction } from '../shared/protocol.js';

/** Each button's words; the core chooses which buttons, the first the main one. */
const BUTTON_TEXT_KEYS = Object.freeze({
  [BannerAction.RENEW]: 'bannerRenewNow',
  [BannerAction.GUIDE]: 'bannerHowTo',
  [BannerAction.SNOOZE]: 'bannerLater',
});

/** The banner's sentence by status; any other status is in the renewal window. */
const BANNER_TEXT_KEYS = Object.freeze({
  expired: 'bannerExpired',
  notRenewable: 'bannerNotRenewable',
});

/**
 * The words of the banner the core chose (`overview.banner`), or null for none.
 * @returns {null | { severity: string, lang: string, label: string, text: string, fingerprint: string,
 *   buttons: { text: string, kind: 'primary' | 'secondary', action: 'renew' | 'guide' | 'snooze' }[] }}
 */
export function bannerView(overview) {
  const { banner } = overview;
  if (!banner) return null;
  const buttons = banner.actions.map((action, index) => ({
    text: t(BUTTON_TEXT_KEYS[action]),
    kind: index === 0 ? 'primary' : 'secondary',
    action,
  }));
  const common = { lang: textLanguage(), label: t('bannerLabel'), fingerprint: banner.fingerprint, buttons };
  if (banner.kind === 'pendingImport') {
    return { ...common, severity: 'warning', text: t('bannerPendingImport', [banner.label]) };
  }
  // The core chose it from its own entries.
  const entry = overview.entries.find((e) => e.fingerprint === banner.fingerprint);
  return { ...common, severity: entry.assessment.severity, text: sentence(entry, banner.others) };
}

function sentence(entry, others) {
  const substitutions = [entryName(entry), daysLeftText(entry.assessment), formatDate(entry.notAfter)];
  const text = t(BANNER_TEXT_KEYS[entry.assessment.status] ?? 'bannerRenew', substitutions);
  return others > 0 ? `${text} ${t('bannerOthers', [String(others)])}` : text;
}
