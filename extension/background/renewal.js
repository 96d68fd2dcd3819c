// One renewal at a time per certificate, moved through persisted states so that a second
// click, a second tab or a restarted worker never sends a second POST (each POST may issue a
// certificate). The protocol, its checks and the verification run in the Rust core.
//
//   requesting ─POST─▶ answered ─GET + verify─▶ saved ─backup─▶ backedUp ─login─▶ done
//        │  (transient failure) └──────────────▶ waiting ─alarm─▶ requesting
//        └─(worker died mid-POST)──▶ failed(interrupted)     (permanent failure) ─▶ failed
//
// Stored: `renewals` (local; no secret), the new file's password in `session` storage only
// until the user confirms the backup.
import { renewalErrorMessage, t } from '../shared/i18n.js';
import * as core from './core.js';

const RETRY_ALARM = 'renewal-retry';
const REQUEST_TIMEOUT_MS = 30_000;
const ACTIVE = ['requesting', 'answered', 'waiting'];

let queue = Promise.resolve();
/** Runs renewal steps one after another within this worker life (the storage state guards
 * across lives), so two messages arriving together cannot both start a POST. */
function serialized(step) {
  const run = queue.then(step, step);
  queue = run.catch(() => {});
  return run;
}

async function renewals() {
  return (await chrome.storage.local.get('renewals')).renewals ?? {};
}

async function saveRecord(record) {
  const all = await renewals();
  all[record.fingerprint] = { ...record, updatedAt: Date.now() };
  await chrome.storage.local.set({ renewals: all });
  return all[record.fingerprint];
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

/** The renewal of `fingerprint`, if any. */
export async function renewalOf(fingerprint) {
  return (await renewals())[fingerprint] ?? null;
}

/** Every renewal record (for the popup). */
export { renewals as allRenewals };

/**
 * Starts renewing a registered certificate, or returns the renewal already under way.
 * @param {{ store: object, settings: object, origin?: string, onChange: () => Promise<void> }} context
 */
export function startRenewal(fingerprint, context) {
  return serialized(async () => {
    const existing = await renewalOf(fingerprint);
    if (existing && ACTIVE.includes(existing.state)) return existing;
    const registration = (await context.store.registrations())
      .find((r) => r.certificate.sha256Fingerprint === fingerprint);
    if (!registration) throw { code: 'internal' };
    const origin = context.origin ?? context.settings.weborcaOrigins[0];
    const apiUrl = core.renewalApiUrl(context.settings, origin);
    if (!apiUrl) throw { code: 'no_api_url' };
    const record = await saveRecord({
      fingerprint, label: registration.label, state: 'requesting', attempt: 1, apiUrl,
      startedAt: Date.now(), error: null,
    });
    return advance(record, context);
  });
}

/** After a worker restart or a retry alarm: carries every unfinished renewal forward. */
export function resumeRenewals(context, { retryDue = false } = {}) {
  return serialized(async () => {
    for (const record of Object.values(await renewals())) {
      if (record.state === 'requesting') {
        // The worker stopped while a POST was in flight: it may have issued a certificate
        // whose address we never received. Never POST again on our own; the user decides.
        await saveRecord({ ...record, state: 'failed', error: { code: 'interrupted', transient: false } });
        await notifyFailure(record, 'interrupted');
      } else if (record.state === 'answered') {
        await advance(record, context);
      } else if (record.state === 'waiting' && retryDue && record.nextAttemptAt <= Date.now()) {
        await advance(await saveRecord({ ...record, state: 'requesting', attempt: record.attempt + 1 }), context);
      }
    }
    await scheduleRetry();
  });
}

/** Runs the steps from the record's state until it is saved, waiting or failed. */
async function advance(record, context) {
  try {
    if (record.state === 'requesting') {
      await core.loadCore();
      const answer = await core.requestRenewal(record.apiUrl, [], AbortSignal.timeout(REQUEST_TIMEOUT_MS));
      await setSecret(record.fingerprint, answer.pass);
      record = await saveRecord({ ...record, state: 'answered', uri: answer.uri });
    }
    if (record.state === 'answered') {
      const pass = (await secrets())[record.fingerprint];
      if (pass === undefined) throw { code: 'interrupted', transient: false };
      const bytes = await core.downloadRenewed(record.uri, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
      const registrations = await context.store.registrations();
      const old = registrations.find((r) => r.certificate.sha256Fingerprint === record.fingerprint);
      const report = core.verifyRenewed(bytes, pass, old.certificate);
      const names = core.savedNames(report.certificate, Date.now());
      const folder = context.settings.downloadSubfolder;
      const files = {
        p12: await saveFile(`${folder}/${names.p12}`, 'application/x-pkcs12', bytes),
        password: await saveFile(`${folder}/${names.password}`, 'text/plain',
          new TextEncoder().encode(`${t('passwordFileHeader', [names.p12])}\r\n${pass}\r\n`)),
      };
      await replaceRegistration(context.store, old, report, names.p12);
      record = await saveRecord({
        ...record, state: 'saved', uri: null, files, newFingerprint: report.certificate.sha256Fingerprint,
        newNotAfter: report.certificate.notAfter, guide: { backedUp: false },
      });
    }
  } catch (error) {
    record = await fail(record, error);
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

async function fail(record, error) {
  const code = typeof error?.code === 'string' ? error.code : 'internal';
  if (code === 'internal') console.error('Renewal step failed:', error);
  const delay = error?.transient ? core.retryDelay(record.attempt, Math.random()) : undefined;
  if (record.state === 'requesting' && delay !== undefined) {
    const waiting = await saveRecord({
      ...record, state: 'waiting', error: { code, status: error.status ?? null }, nextAttemptAt: Date.now() + delay,
    });
    await scheduleRetry();
    return waiting;
  }
  await setSecret(record.fingerprint, undefined);
  const failed = await saveRecord({ ...record, state: 'failed', uri: null, error: { code, status: error?.status ?? null } });
  await notifyFailure(record, code);
  return failed;
}

async function notifyFailure(record, code) {
  await chrome.notifications.create(`renewal-failed:${record.fingerprint}`, {
    type: 'basic',
    iconUrl: chrome.runtime.getURL('icons/icon-128.png'),
    title: t('renewalFailedTitle'),
    message: t('renewalFailedBody', [record.label, renewalErrorMessage(code)]),
    priority: 2,
  });
}

/** One alarm for the earliest waiting renewal. */
async function scheduleRetry() {
  const waiting = Object.values(await renewals()).filter((r) => r.state === 'waiting');
  if (!waiting.length) {
    await chrome.alarms.clear(RETRY_ALARM);
    return;
  }
  const when = Math.min(...waiting.map((r) => r.nextAttemptAt));
  await chrome.alarms.create(RETRY_ALARM, { when: Math.max(when, Date.now() + 1000) });
}

export const RENEWAL_RETRY_ALARM = RETRY_ALARM;

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
    if (item?.state === 'interrupted') throw { code: 'save_failed', transient: false };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw { code: 'save_failed', transient: false };
}

/** Retries a waiting renewal at once (after the user picked the certificate in a tab). */
export async function retryNow(fingerprint, context) {
  const record = await renewalOf(fingerprint);
  if (record?.state !== 'waiting') return;
  await saveRecord({ ...record, nextAttemptAt: 0 });
  await resumeRenewals(context, { retryDue: true });
}

/** Remembers the tab opened for the certificate picker, so its loading can trigger a retry. */
export async function rememberPickerTab(fingerprint, tabId) {
  const record = await renewalOf(fingerprint);
  if (record) await saveRecord({ ...record, pickerTabId: tabId });
}

/** The renewal whose certificate-picker tab this is, if any. */
export async function renewalForPickerTab(tabId) {
  return Object.values(await renewals()).find((r) => r.pickerTabId === tabId) ?? null;
}

/** The password of a saved renewal, while the backup is not confirmed. */
export async function revealPassword(fingerprint) {
  const record = await renewalOf(fingerprint);
  const pass = (await secrets())[fingerprint];
  if (!record || record.state !== 'saved' || pass === undefined) return null;
  return pass;
}

/** Checks the user's backup copy opens with the password and is the renewed certificate;
 * then the password is wiped from the extension. */
export async function confirmBackup(fingerprint, bytes) {
  const record = await renewalOf(fingerprint);
  const pass = (await secrets())[fingerprint];
  if (!record || record.state !== 'saved' || pass === undefined) throw { code: 'internal' };
  await core.loadCore();
  const report = core.readCertificate(new Uint8Array(bytes), pass, undefined);
  if (report.certificate.sha256Fingerprint !== record.newFingerprint) throw { code: 'backup_mismatch' };
  await setSecret(fingerprint, undefined);
  return saveRecord({ ...record, state: 'backedUp', guide: { ...record.guide, backedUp: true } });
}

/** The user logged in to WebORCA with the new certificate: the renewal is finished. */
export async function confirmImported(fingerprint) {
  const record = await renewalOf(fingerprint);
  if (!record || !['saved', 'backedUp'].includes(record.state)) throw { code: 'internal' };
  await setSecret(fingerprint, undefined);
  return saveRecord({ ...record, state: 'done', finishedAt: Date.now() });
}
