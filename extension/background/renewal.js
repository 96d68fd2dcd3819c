// One renewal at a time per certificate. The states and every decision between them live in
// the Rust core (`renewal::start`, `renewal::transition`); this module does the effects —
// network through the core, session storage for the password, downloads, notifications,
// alarms — and stores the record after every step, so a second click, a second tab or a
// restarted worker never sends a second POST.
//
//   requesting ─POST─▶ answered ─GET + verify + save─▶ saved ─backup─▶ backedUp ─login─▶ done
//        ├─(transient)─▶ waiting ─alarm─▶ requesting          (permanent) ─▶ failed
//        └─(worker died mid-POST)─▶ failed(interrupted)
import { renewalErrorMessage, t } from '../shared/i18n.js';
import * as core from './core.js';

const RETRY_ALARM = 'renewal-retry';
const REQUEST_TIMEOUT_MS = 30_000;
export const RENEWAL_RETRY_ALARM = RETRY_ALARM;

let queue = Promise.resolve();
/** Runs renewal steps one after another within this worker life (the stored state guards
 * across lives), so two messages arriving together cannot both start a POST. */
function serialized(step) {
  const run = queue.then(step, step);
  queue = run.catch(() => {});
  return run;
}

/** Every renewal record, by the fingerprint of the certificate being renewed. */
export async function allRenewals() {
  return (await chrome.storage.local.get('renewals')).renewals ?? {};
}

export async function renewalOf(fingerprint) {
  return (await allRenewals())[fingerprint] ?? null;
}

async function save(record) {
  const all = await allRenewals();
  all[record.fingerprint] = record;
  await chrome.storage.local.set({ renewals: all });
  return record;
}

/** Applies `event` to the stored record (the core decides what it becomes) and stores it. */
async function apply(record, event) {
  await core.loadCore();
  return save(core.renewalTransition(record, event, Date.now(), Math.random()));
}

async function secrets() {
  return (await chrome.storage.session.get('renewalSecrets')).renewalSecrets ?? {};
}

async function setSecret(fingerprint, pass) {
  const all = await secrets();
  if (pass === undefined) delete all[fingerprint];
  else all[fingerprint] = pass;
  await chrome.storage.session.set({ renewalSecrets: all });
}

/**
 * Starts renewing a registered certificate, or returns the renewal already under way.
 * @param {{ store: object, settings: object, origin?: string, onChange: () => Promise<void> }} context
 */
export function startRenewal(fingerprint, context) {
  return serialized(async () => {
    const existing = await renewalOf(fingerprint);
    const registration = (await context.store.registrations())
      .find((r) => r.certificate.sha256Fingerprint === fingerprint);
    if (!registration) throw { code: 'internal' };
    await core.loadCore();
    const apiUrl = core.renewalApiUrl(context.settings, context.origin ?? context.settings.weborcaOrigins[0]);
    if (!apiUrl) throw { code: 'no_api_url' };
    const record = core.startRenewal(existing ?? undefined, fingerprint, registration.label, apiUrl, Date.now());
    if (!record) return existing;
    return advance(await save(record), context);
  });
}

/** A new worker, a retry alarm, or a retry the user asked for: carries renewals forward. */
export function resumeRenewals(context, event = { type: 'workerStarted' }) {
  return serialized(async () => {
    for (let record of Object.values(await allRenewals())) {
      const before = record.state;
      record = await apply(record, event);
      if (record.state === 'failed' && before !== 'failed') await notifyFailure(record);
      if (record.state === 'requesting' || record.state === 'answered') await advance(record, context);
    }
    await scheduleRetry();
  });
}

/** Runs the effects of the record's state until it is saved, waiting or failed. */
async function advance(record, context) {
  try {
    if (record.state === 'requesting') {
      const answer = await core.requestRenewal(record.apiUrl, [], AbortSignal.timeout(REQUEST_TIMEOUT_MS));
      await setSecret(record.fingerprint, answer.pass);
      record = await apply(record, { type: 'answered', uri: answer.uri });
    }
    if (record.state === 'answered') {
      const pass = (await secrets())[record.fingerprint];
      if (pass === undefined) throw { code: 'interrupted' }; // the browser restarted: session storage is gone
      const bytes = await core.downloadRenewed(record.uri, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
      const old = (await context.store.registrations())
        .find((r) => r.certificate.sha256Fingerprint === record.fingerprint);
      const report = core.verifyRenewed(bytes, pass, old.certificate);
      const names = core.savedNames(report.certificate, Date.now());
      const folder = context.settings.downloadSubfolder;
      const files = {
        p12: await saveFile(`${folder}/${names.p12}`, 'application/x-pkcs12', bytes),
        password: await saveFile(`${folder}/${names.password}`, 'text/plain',
          new TextEncoder().encode(`${t('passwordFileHeader', [names.p12])}\r\n${pass}\r\n`)),
      };
      // Only now, with the verified file on disk, does the registration change.
      await replaceRegistration(context.store, old, report, names.p12);
      record = await apply(record, {
        type: 'saved', files, newFingerprint: report.certificate.sha256Fingerprint,
        newNotAfter: report.certificate.notAfter,
      });
    }
  } catch (error) {
    const code = typeof error?.code === 'string' ? error.code : 'internal';
    if (code === 'internal') console.error('Renewal step failed:', error);
    record = await apply(record, { type: 'failed', code, transient: Boolean(error?.transient), status: error?.status ?? null });
    if (record.state === 'failed') {
      await setSecret(record.fingerprint, undefined);
      await notifyFailure(record);
    }
    await scheduleRetry();
  }
  await context.onChange();
  return record;
}

/** The old certificate moves to history; the renewed one becomes current, labelled the same. */
async function replaceRegistration(store, old, report, fileName) {
  const registrations = await store.registrations();
  const { history = [] } = await chrome.storage.local.get('history');
  await chrome.storage.local.set({ history: [...history, { ...old, replacedAt: Date.now() }] });
  await store.saveRegistrations([
    ...registrations.filter((r) => r.certificate.sha256Fingerprint !== old.certificate.sha256Fingerprint),
    { label: old.label, fileName, registeredAt: Date.now(), certificate: report.certificate },
  ]);
}

async function notifyFailure(record) {
  await chrome.notifications.create(`renewal-failed:${record.fingerprint}`, {
    type: 'basic',
    iconUrl: chrome.runtime.getURL('icons/icon-128.png'),
    title: t('renewalFailedTitle'),
    message: t('renewalFailedBody', [record.label, renewalErrorMessage(record.error?.code)]),
    priority: 2,
  });
}

/** One alarm for the earliest waiting renewal. */
async function scheduleRetry() {
  const waiting = Object.values(await allRenewals()).filter((r) => r.state === 'waiting');
  if (!waiting.length) {
    await chrome.alarms.clear(RETRY_ALARM);
    return;
  }
  const when = Math.min(...waiting.map((r) => r.nextAttemptAt));
  await chrome.alarms.create(RETRY_ALARM, { when: Math.max(when, Date.now() + 1000) });
}

/** Saves bytes with chrome.downloads (never overwriting); resolves to the file's full path. */
async function saveFile(filename, type, bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const url = `data:${type};base64,${btoa(binary)}`;
  const download = (name) => chrome.downloads.download({ url, filename: name, conflictAction: 'uniquify', saveAs: false });
  // Chrome refuses non-ASCII folder names when the system locale is not UTF-8: keep the
  // file rather than the folder name.
  const id = await download(filename).catch(() => download(`WebORCA/${filename.split('/').pop()}`));
  for (let waited = 0; waited < 10_000; waited += 100) {
    const [item] = await chrome.downloads.search({ id });
    if (item?.state === 'complete') return item.filename;
    if (item?.state === 'interrupted') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw { code: 'save_failed' };
}

/** Retries a waiting renewal at once (the user picked the certificate in a tab). */
export function retryNow(context) {
  return resumeRenewals(context, { type: 'retryDue', now: true });
}

/** Remembers the tab opened for the certificate picker, so its loading can trigger a retry. */
export async function rememberPickerTab(fingerprint, tabId) {
  const record = await renewalOf(fingerprint);
  if (record) await apply(record, { type: 'pickerOpened', tabId });
}

/** The renewal whose certificate-picker tab this is, if any. */
export async function renewalForPickerTab(tabId) {
  return Object.values(await allRenewals()).find((r) => r.pickerTabId === tabId) ?? null;
}

/** The password of a saved renewal, while the backup is not confirmed. */
export async function revealPassword(fingerprint) {
  const record = await renewalOf(fingerprint);
  const pass = (await secrets())[fingerprint];
  return record?.state === 'saved' && pass !== undefined ? pass : null;
}

/** Checks the user's backup copy opens with the password and is the renewed certificate;
 * then the password is wiped from the extension. */
export async function confirmBackup(fingerprint, bytes) {
  const record = await renewalOf(fingerprint);
  const pass = (await secrets())[fingerprint];
  if (record?.state !== 'saved' || pass === undefined) throw { code: 'internal' };
  await core.loadCore();
  let report;
  try {
    report = core.readCertificate(new Uint8Array(bytes), pass, undefined);
  } catch {
    throw { code: 'backup_mismatch' };
  }
  if (report.certificate.sha256Fingerprint !== record.newFingerprint) throw { code: 'backup_mismatch' };
  await setSecret(fingerprint, undefined);
  return apply(record, { type: 'backupConfirmed' });
}

/** The user logged in to WebORCA with the new certificate: the renewal is finished. */
export async function confirmImported(fingerprint) {
  const record = await renewalOf(fingerprint);
  if (!record) throw { code: 'internal' };
  await setSecret(fingerprint, undefined);
  return apply(record, { type: 'importConfirmed' });
}

/** A renewal whose new certificate is saved but not yet confirmed imported, if any. */
export async function pendingImport() {
  await core.loadCore();
  return Object.values(await allRenewals()).find((record) => core.renewalAwaitsImport(record)) ?? null;
}
