// The service worker: the only context that runs the core, writes storage, sets the badge,
// and notifies. Listeners are registered synchronously at the top level so a worker woken
// by an event finds them; everything else is read from storage on each event.
import { MessageType, fromContentScript, validData } from '../shared/messages.js';
import { CodedError } from '../shared/errors.js';
import { daysLeftText, errorMessage, formatDate, t } from '../shared/i18n.js';
import * as core from './core.js';
import { readPolicy, store } from './store.js';
import { onPremiseOrigins } from '../shared/origins.js';
import {
  confirmBackup, feed, rememberPickerTab, removalRefused, retryFromPickerTab,
  renewalOf, renewalsForScreens, revealPassword, startRenewal, viewOf,
} from './renewal.js';
import { restrictStorage } from './secrets.js';
import { runAutoRenewal } from './auto-renewal.js';
import { Alarm, BannerAction, CompanionRequest, Event, NotificationId } from '../shared/protocol.js';
import { askCompanion } from './companion.js';
import { oneAtATime } from './one-at-a-time.js';
import { bannerView } from './banner-view.js';
import { diagnostics } from './diagnostics.js';

const BADGE_COLOURS = { warning: '#a15c00', critical: '#b3261e' };
const onError = (error) => console.error('WebORCA worker:', error);
/** Whether an error is a bug to log: not a refusal with its own code, or the core's or the
 * worker's `internal` (whose English `message` is for the log). */
const isBug = (error) => (CodedError.of(error)?.code ?? 'internal') === 'internal';
/** A start the core refused is shown by the popup; a bug is logged. */
const onRefusal = (error) => (isBug(error) ? onError(error) : undefined);

/** What is stored, the administrator's policy, the settings in force (defaults, the user's,
 * the policy) and the user's own: storage and policy read side by side, once. While a page loads, the browser
 * process that answers each read is busy, so every read one after another costs a banner
 * several milliseconds. */
async function readInForce() {
  const [stored, policy] = await Promise.all([store.read(), readPolicy()]);
  return { stored, policy, user: stored.settings, effective: core.effectiveSettings(stored.settings, policy) };
}

/** The settings in force, and the user's own. */
async function settingsInForce() {
  const { effective, user } = await readInForce();
  return { effective, user };
}

/** Settings in force and every certificate assessed now; updates badge and reminders.
 * `awaitNotifications: false` answers once the badge is set: showing a notification can
 * take a second or two, which a screen waiting for the answer must not. */
async function refresh({ awaitNotifications = true } = {}) {
  return follow(await assessNow(), { awaitNotifications });
}

/** The badge and reminders after an assessment (see `refresh`); resolves to it. */
async function follow(assessed, { awaitNotifications = true } = {}) {
  await showBadge(assessed.overview.badge);
  await withdrawReminders(assessed.overview.withdrawnReminders);
  if (assessed.overview.dueReminders.length) {
    // Assessed again in the queue: a refresh behind another sees the steps it just stored.
    const notified = notifying(async () => notify((await assessNow()).overview));
    if (awaitNotifications) await notified;
    else notified.catch(onError);
  }
  return assessed;
}

/** What storage holds and the core's overview of it now, with the settings in force. */
async function assessNow(read = readInForce()) {
  const { stored, effective, user } = await read;
  const { registrations, reminders, renewals } = stored;
  const overview = core.overview(registrations, reminders, Object.values(renewals), effective.settings, Date.now());
  return { overview, effective, stored, user };
}

/** Notifications one after another, so that two refreshes never show the same one twice. */
const notifying = oneAtATime();

async function showBadge(badge) {
  await chrome.action.setBadgeText({ text: badge?.text ?? '' });
  if (badge) await chrome.action.setBadgeBackgroundColor({ color: BADGE_COLOURS[badge.severity] });
}

/** Takes back the reminders shown for certificates whose successor is registered (the core
 * names them): one shown a moment before a renewal replaced its certificate says nothing true. */
async function withdrawReminders(fingerprints) {
  if (!fingerprints.length) return;
  const shown = Object.keys(await chrome.notifications.getAll());
  const stale = shown.filter((id) => fingerprints.includes(NotificationId.reminderFingerprint(id)));
  await Promise.all(stale.map((id) => chrome.notifications.clear(id)));
}

/** One notification per reminder step reached; the step is stored so it fires once. */
async function notify({ dueReminders, entries }) {
  for (const due of dueReminders) {
    const entry = entries.find((e) => e.fingerprint === due.fingerprint);
    const expired = entry.assessment.status === 'expired';
    await chrome.notifications.create(NotificationId.reminder(due.fingerprint, due.step), {
      type: 'basic',
      iconUrl: chrome.runtime.getURL('icons/icon-128.png'),
      title: t(expired ? 'notificationExpiredTitle' : 'notificationTitle'),
      message: t('notificationBody', [entry.label, daysLeftText(entry.assessment), formatDate(entry.notAfter)]),
      priority: 2,
    });
  }
  // Merged into the reminders as they are now: a snooze written meanwhile is kept, and a
  // certificate removed meanwhile gets no state back (registered again, it is notified again).
  await store.update(({ reminders, registrations }) => {
    const next = { ...reminders };
    for (const due of dueReminders) {
      if (!registrations.some((r) => r.certificate.sha256Fingerprint === due.fingerprint)) continue;
      next[due.fingerprint] = { ...next[due.fingerprint], lastNotifiedStep: due.step };
    }
    return { reminders: next };
  });
  // A renewal may have registered a successor while these were being shown.
  await withdrawReminders((await assessNow()).overview.withdrawnReminders);
}

/** Where the last status write went, or why it did not (memory only: for the options page). */
const STATUS_REPORT_KEY = 'companionStatusReport';

/** Writes this terminal's status into the administrator's folder through the companion
 * (`companionStatus`, on by default wherever the companion is used): the core says what each
 * registration's renewal stands at, the worker adds the error's words. A failure is
 * remembered for the options page and never holds anything else up. */
async function reportStatus() {
  const { stored, effective } = await readInForce();
  if (!effective.settings.useCompanion || !effective.settings.companionStatus) return;
  const certificates = core.terminalStatus(stored.registrations, Object.values(stored.renewals)).map((status) => ({
    ...status,
    renewal: status.renewal && {
      ...status.renewal,
      // One line, as the status file's format takes it.
      errorMessage: status.renewal.errorCode
        ? errorMessage(status.renewal.errorCode).replace(/\s+/g, ' ').slice(0, 300) : null,
    },
  }));
  let report;
  try {
    const { path } = await askCompanion({ type: CompanionRequest.STATUS, extensionVersion: chrome.runtime.getManifest().version, certificates });
    report = { ok: true, path, at: Date.now() };
  } catch (error) {
    report = { ok: false, code: CodedError.of(error)?.code ?? 'companion_unavailable', at: Date.now() };
  }
  await chrome.storage.session.set({ [STATUS_REPORT_KEY]: report });
}

const reportStatusQuietly = () => reportStatus().catch(onError);

/** The banner on on-premise origins: registered for those the user granted access to. */
async function syncContentScripts() {
  // Notifications follow on their own: the options page waits on this, inside the user's click.
  const { effective } = await refresh({ awaitNotifications: false });
  const patterns = [];
  for (const origin of onPremiseOrigins(effective.settings)) {
    if (await chrome.permissions.contains({ origins: [`${origin}/*`] })) patterns.push(`${origin}/*`);
  }
  const id = 'banner-on-premise';
  const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [id] });
  if (existing.length) await chrome.scripting.unregisterContentScripts({ ids: [id] });
  if (patterns.length) {
    await chrome.scripting.registerContentScripts([{ id, matches: patterns, js: ['content/banner.js'], runAt: 'document_start' }]);
  }
}

/** The tab the worker last opened on the popup page (kept in session storage, so a woken
 * worker finds it). */
const POPUP_TAB_KEY = 'popupTab';
const openingPopupTab = oneAtATime();

/** Shows the popup page in a tab: the one opened before when it is still there, else a new
 * one. One after another, so a page sending the same message again and again (a compromised
 * WebORCA page, a double click) never opens more than one tab. */
function openPopupTab(fragment = '') {
  const page = chrome.runtime.getURL('popup/popup.html');
  const url = `${page}${fragment}`;
  return openingPopupTab(async () => {
    const kept = /** @type {number | undefined} */ ((await chrome.storage.session.get(POPUP_TAB_KEY))[POPUP_TAB_KEY]);
    const tab = kept === undefined ? null : await chrome.tabs.get(kept).catch(() => null);
    // A tab the user has since taken elsewhere is theirs (its url is hidden when elsewhere).
    if (tab?.url?.startsWith(page)) return chrome.tabs.update(tab.id, { url, active: true });
    const created = await chrome.tabs.create({ url });
    await chrome.storage.session.set({ [POPUP_TAB_KEY]: created.id });
    return created;
  });
}

/** The administrator's settings decide whether users may register or remove. */
async function requireAllowed(setting, code) {
  const { effective } = await settingsInForce();
  if (!effective.settings[setting]) throw new CodedError(code);
}

/** Automatic renewal (policy only): first the certificates the companion finds in the
 * computer's store, then starts what is due, sets the next timer. */
async function autoRenew() {
  await discoverFromStore();
  await runAutoRenewal(await renewalContext(), onRefusal);
}

/** Registers the WebORCA terminal certificates the companion finds in the computer's store,
 * without any file, when the policy asks for it (the core decides which: `discovery.rs`).
 * Without a companion nothing changes; the reason is logged once per worker life. */
let discoveryRefusalLogged = false;
async function discoverFromStore() {
  const { effective } = await settingsInForce();
  if (!effective.settings.useCompanion || !effective.settings.companionDiscover) return;
  let listed;
  try {
    listed = await askCompanion({ type: CompanionRequest.LIST });
  } catch (error) {
    if (!discoveryRefusalLogged) console.warn('The companion could not list certificates:', CodedError.of(error)?.code);
    discoveryRefusalLogged = true;
    return;
  }
  await core.loadCore();
  let added = 0;
  await store.update(({ registrations, history }) => {
    const found = core.discoveredRegistrations(listed.certificates, registrations, history, Date.now());
    added = found.length;
    return added ? { registrations: [...registrations, ...found] } : {};
  });
  if (added) await refresh();
}

/** After the settings or the policy changed: banner scripts, badge, then automatic renewal
 * in the background (a renewal under way must not hold up the answer to a settings page). */
async function settingsChanged() {
  await syncContentScripts();
  autoRenew().catch(onError);
}

async function registerCertificate({ bytes, password, fileName, label }) {
  await requireAllowed('usersMayRegister', 'registration_locked');
  const report = await core.readCertificate(new Uint8Array(bytes), password ?? undefined, fileName ?? undefined);
  const fingerprint = report.certificate.sha256Fingerprint;
  let registration;
  await store.update(({ registrations }) => {
    const previous = registrations.find((r) => r.certificate.sha256Fingerprint === fingerprint);
    registration = core.newRegistration(report.certificate, label, fileName ?? undefined, previous?.registeredAt, Date.now());
    // The same certificate registered again updates its record.
    const others = registrations.filter((r) => r.certificate.sha256Fingerprint !== fingerprint);
    return { registrations: [...others, registration] };
  });
  await refresh({ awaitNotifications: false });
  autoRenew().catch(onError); // a certificate already in the window may be due
  return { registration, report };
}

/** What a renewal step needs from the worker: the settings in force, read fresh. (The badge,
 * reminders and banner follow each step, through `onChange`, then this terminal's status.) */
async function renewalContext(origin) {
  const { effective } = await settingsInForce();
  return { settings: effective.settings, origin, onChange: () => refresh().then(reportStatusQuietly) };
}

/** The answer to a banner's button the banner no longer offers (a WebORCA tab stays open all
 * day: another tab snoozed it, the certificate expired, another became more urgent): the page
 * draws the banner again. */
const STALE_BANNER = Object.freeze({ stale: true });

/** Whether the banner shows now offers `action` for `fingerprint` (the core decides both): a
 * WebORCA page can act on the certificate its banner shows, with its buttons, and no other. */
function bannerOffers(overview, fingerprint, action) {
  const { banner } = overview;
  return banner?.fingerprint === fingerprint && banner.actions.includes(action);
}

const handlers = {
  async [MessageType.CORE_STATUS]() {
    await core.loadCore();
    return { coreVersion: core.coreVersion() };
  },
  [MessageType.REGISTER_CERTIFICATE]: registerCertificate,
  async [MessageType.REMOVE_CERTIFICATE]({ fingerprint }) {
    await requireAllowed('usersMayRemove', 'removal_locked');
    // A renewal under way needs the registration it renews: removing it is refused.
    const refused = await removalRefused(fingerprint);
    if (refused) throw new CodedError(refused);
    await store.update(({ registrations, reminders }) => {
      const others = Object.fromEntries(Object.entries(reminders).filter(([key]) => key !== fingerprint));
      return {
        registrations: registrations.filter((r) => r.certificate.sha256Fingerprint !== fingerprint),
        reminders: others,
      };
    });
    await refresh();
    return {};
  },
  async [MessageType.OVERVIEW]() {
    const { overview, effective, stored } = await refresh();
    return { overview, settings: effective.settings, history: stored.history, setAside: stored.notice, newerSchema: stored.newerSchema };
  },
  async [MessageType.DISMISS_SET_ASIDE]() {
    await store.update(({ setAside }) => ({ setAside: setAside.map((entry) => ({ ...entry, dismissed: true })) }));
    return {};
  },
  async [MessageType.GET_SETTINGS]() {
    const { effective, user } = await refresh();
    const { installType } = await chrome.management.getSelf();
    return { effective, user, installType };
  },
  async [MessageType.SAVE_SETTINGS]({ input }) {
    await core.loadCore();
    const valid = core.validateSettings(input); // throws `{ code: 'invalid_setting', key, reason }`
    await store.update(({ settings }) => ({ settings: { ...settings, ...valid } }));
    await settingsChanged();
    const { effective } = await settingsInForce();
    return { effective };
  },
  async [MessageType.BANNER](_data, _sender, inForce) {
    // The page waits for this answer alone: the badge and reminders follow it. Assessed on
    // what the sender's check read a moment ago.
    const assessed = await assessNow(inForce);
    follow(assessed).catch(onError);
    return { banner: bannerView(assessed.overview) };
  },
  async [MessageType.SNOOZE]({ fingerprint }) {
    const { overview, effective } = await refresh();
    const entry = overview.entries.find((e) => e.fingerprint === fingerprint);
    if (!entry || !bannerOffers(overview, fingerprint, BannerAction.SNOOZE)) return STALE_BANNER;
    const snoozedUntil = core.snoozeUntil(entry.notAfter, Date.now(), effective.settings);
    await store.update(({ reminders }) => ({
      reminders: { ...reminders, [fingerprint]: { ...reminders[fingerprint], snoozedUntil } },
    }));
    return {};
  },
  async [MessageType.RENEW]({ fingerprint }, sender) {
    // The popup follows the renewal; the banner's click only starts it, never one that may
    // already have issued a certificate (the popup asks for that confirmation), and only for
    // the certificate the banner shows with 今すぐ更新 now (a page cannot name any other).
    const { overview } = await refresh();
    if (!bannerOffers(overview, fingerprint, BannerAction.RENEW)) return STALE_BANNER;
    startRenewal(fingerprint, await renewalContext(new URL(sender.url).origin)).catch(onRefusal);
    await openPopupTab(`#${fingerprint}`);
    return {};
  },
  async [MessageType.OPEN_GUIDE]({ fingerprint }) {
    // Only for the certificate the banner shows now: a page cannot name any other.
    const { overview } = await refresh();
    if (!bannerOffers(overview, fingerprint, BannerAction.GUIDE)) return STALE_BANNER;
    await openPopupTab(`#${fingerprint}`);
    return {};
  },
  async [MessageType.RENEW_FROM_PAGE]({ fingerprint, confirmed }) {
    return { renewal: await startRenewal(fingerprint, await renewalContext(), { confirmed: Boolean(confirmed) }) };
  },
  async [MessageType.RETRY_RENEWAL]({ fingerprint }) {
    return { renewal: await feed({ type: Event.RETRY_NOW }, await renewalContext(), fingerprint) };
  },
  async [MessageType.RENEWALS]() {
    return { renewals: await renewalsForScreens() };
  },
  async [MessageType.REVEAL_PASSWORD]({ fingerprint }) {
    return { password: await revealPassword(fingerprint) };
  },
  async [MessageType.CONFIRM_BACKUP]({ fingerprint, bytes }) {
    return { renewal: await confirmBackup(fingerprint, bytes, await renewalContext()) };
  },
  async [MessageType.CONFIRM_IMPORTED]({ fingerprint }) {
    return { renewal: await feed({ type: Event.IMPORT_CONFIRMED }, await renewalContext(), fingerprint) };
  },
  async [MessageType.EXPORT_HELD]({ fingerprint }) {
    return { renewal: await feed({ type: Event.EXPORT_HELD }, await renewalContext(), fingerprint) };
  },
  async [MessageType.DISCARD_HELD]({ fingerprint }) {
    return { renewal: await feed({ type: Event.DISCARD_HELD }, await renewalContext(), fingerprint) };
  },
  async [MessageType.COMPANION_STATUS]() {
    const { version, store: kind, backupFolder } = await askCompanion({ type: CompanionRequest.VERSION });
    const statusReport = (await chrome.storage.session.get(STATUS_REPORT_KEY))[STATUS_REPORT_KEY] ?? null;
    return { version, store: kind, backupFolder: typeof backupFolder === 'string' ? backupFolder : null, statusReport };
  },
  async [MessageType.DIAGNOSTICS]() {
    const { stored, policy, user } = await readInForce();
    const statusReport = (await chrome.storage.session.get(STATUS_REPORT_KEY))[STATUS_REPORT_KEY] ?? null;
    return { text: await diagnostics({ stored, user, policy, statusReport }) };
  },
  async [MessageType.SHOW_FOLDER]({ fingerprint }) {
    // Only for a renewal whose files are saved in Downloads (not one the companion imported
    // and backed up, which wrote nothing there). Their download entries are erased (no trace
    // of key material stays in the history), so `chrome.downloads.show(id)` has no item to
    // open: Downloads opens, and the guide names the sub-folder inside it.
    await core.loadCore();
    const record = await renewalOf(fingerprint);
    if (!record || !viewOf(record)?.savedInDownloads) return {};
    chrome.downloads.showDefaultFolder();
    return {};
  },
  async [MessageType.PICK_CERTIFICATE]({ fingerprint }) {
    await core.loadCore();
    const record = await renewalOf(fingerprint);
    const origin = record && viewOf(record)?.apiOrigin;
    if (!origin) return {};
    // Chrome shows its certificate picker for a page navigation; the choice then holds for
    // this host in this browser session, so the worker's next attempt can present it.
    const tab = await chrome.tabs.create({ url: origin });
    await rememberPickerTab(fingerprint, tab.id, await renewalContext());
    return {};
  },
};

/** The extension's own pages, or a content script in a tab; nothing else is answered. */
function allowed(type, sender) {
  if (sender.id !== chrome.runtime.id || typeof sender.url !== 'string') return false;
  const ownPage = sender.url.startsWith(chrome.runtime.getURL(''));
  return fromContentScript(type) ? !ownPage && Boolean(sender.tab) : ownPage;
}

/** A content script's message counts only from the top frame of a page on a WebORCA origin
 * under the settings in force now (a page elsewhere, or a frame a WebORCA page embeds, gets
 * nothing, even where an older registration of the banner script still runs). Resolves to
 * what it read (the handler assesses on it), or null. */
async function fromWeborcaPage(sender) {
  if (sender.frameId !== 0) return null;
  const inForce = await readInForce();
  return core.isWeborcaOrigin(inForce.effective.settings, new URL(sender.url).origin) ? inForce : null;
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const type = message?.type;
  const handler = Object.hasOwn(handlers, type) ? handlers[type] : undefined;
  if (!handler || !allowed(type, sender) || !validData[type](message.data)) return false;
  // A page's message carries what its check read (storage and the settings in force).
  const checked = fromContentScript(type) ? fromWeborcaPage(sender) : Promise.resolve(undefined);
  // A page that is not (or no longer) a WebORCA page is refused, not a failure to log.
  checked.then((inForce) => (inForce !== null ? handler(message.data, sender, inForce)
    : Promise.reject(new CodedError('not_weborca_page')))).then(
    (result) => sendResponse({ ok: true, ...result }),
    (error) => {
      // The core's errors and the worker's refusals never contain the password.
      if (isBug(error)) console.error('WebORCA worker failed on', type, error);
      sendResponse({ ok: false, error: (CodedError.of(error) ?? new CodedError('internal')).toJSON() });
    },
  );
  return true; // answered asynchronously
});

chrome.alarms.onAlarm.addListener((alarm) => {
  // The hourly check also ticks every renewal (import reminders); a wake alarm, its own.
  const fingerprint = Alarm.wakeFingerprint(alarm.name);
  if (alarm.name === Alarm.REFRESH) {
    refresh().then(() => renewalContext()).then((context) => feed({ type: Event.TICK }, context))
      .then(autoRenew).then(reportStatusQuietly).catch(onError);
  } else if (alarm.name === Alarm.AUTO_RENEW) {
    autoRenew().catch(onError);
  } else if (fingerprint) {
    renewalContext().then((context) => feed({ type: Event.TICK }, context, fingerprint)).catch(onError);
  }
});
chrome.tabs.onUpdated.addListener((tabId, change) => {
  // The certificate-picker tab finished loading: the certificate was chosen, retry now.
  if (change.status !== 'complete') return;
  renewalContext().then((context) => retryFromPickerTab(tabId, context)).catch(onError);
});
chrome.notifications.onClicked.addListener((id) => {
  const fingerprint = NotificationId.certificate(id);
  if (fingerprint) openPopupTab(`#${fingerprint}`);
});
chrome.storage.onChanged.addListener((_changes, area) => {
  // The policy changed — or first arrived, seconds after a force-install (Chrome sends no
  // "policy loaded" event; until then the defaults apply and nothing is decided for good):
  // banner scripts, badge, reminders and automatic renewal follow at once.
  if (area === 'managed') settingsChanged().catch(onError);
});
chrome.runtime.onStartup.addListener(() => settingsChanged().catch(onError));
chrome.runtime.onInstalled.addListener(() => settingsChanged().catch(onError));
chrome.permissions.onAdded.addListener(() => syncContentScripts().catch(onError));

// Re-created on every worker start: an hourly check, so reminders come even when no
// WebORCA page is open. Left alone when it exists, so restarts do not postpone it.
chrome.alarms.get(Alarm.REFRESH).then((alarm) => {
  if (!alarm) chrome.alarms.create(Alarm.REFRESH, { periodInMinutes: 60, delayInMinutes: 1 });
});
core.loadCore().catch(onError);
restrictStorage().catch(onError);
// The badge and reminders as they are now, then a renewal the previous worker left unfinished
// is carried forward (never re-POSTed).
refresh().then(() => renewalContext()).then((context) => feed({ type: Event.WORKER_STARTED }, context)).catch(onError);
