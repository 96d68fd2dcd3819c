// Drives renewals through the Rust core's state machine (`renewalStart`, `renewalStep`): the
// core decides every transition and returns effects; this module only performs them —
// network (through the core's `performRequest`), secrets, files, registrations,
// notifications, timers — and feeds each result back as the next event. Every record is
// stored before its effects run, so a stopped worker resumes where it was and never sends a
// second POST (see crate/src/renewal/machine.rs for the states).
import { errorMessage, t } from '../shared/i18n.js';
import { CodedError } from '../shared/errors.js';
import * as core from './core.js';
import { oneAtATime } from './one-at-a-time.js';
import { base64 } from './base64.js';
import { askCompanion } from './companion.js';
import { saveFile } from './files.js';
import { durableSecretEntry, forgetSecret, keepSecret, secretOf } from './secrets.js';
import { store } from './store.js';
import { Alarm, CompanionRequest, Effect, Event, Notice, NotificationId } from '../shared/protocol.js';

/** Runs renewal work one piece after another within this worker life (the stored state
 * guards across lives), so two messages arriving together cannot both start a POST. */
const serialized = oneAtATime();

/** Every renewal record, by the fingerprint of the certificate being renewed. */
export function allRenewals() {
  return store.renewals();
}

export async function renewalOf(fingerprint) {
  return (await allRenewals())[fingerprint] ?? null;
}

/** Stores the record — in the same write as a durable secret the step keeps, so a worker
 * stopped in between never finds an issued certificate without its password. */
async function saveRecord(record, effects = []) {
  const durable = effects.find((effect) => effect.type === Effect.KEEP_SECRET && effect.durable);
  await store.update(async (stored, get) => ({
    renewals: { ...stored.renewals, [record.fingerprint]: record },
    ...(durable ? await durableSecretEntry(get, record.fingerprint, durable.secret) : {}),
  }));
  return record;
}

/** Runs `work` for each record on its own: one unreadable record stops no other. */
async function eachRecord(records, work) {
  let last = null;
  for (const record of records) {
    try {
      last = await work(record);
    } catch (error) {
      console.error('A renewal record could not be handled:', CodedError.of(error)?.code ?? error);
    }
  }
  return last;
}

/**
 * Starts renewing a registered certificate (`automatic`: by the worker under the autoRenew
 * policy). Rejects with a CodedError when the core refuses (one under way, one awaiting
 * import, or one that may already have issued a certificate and `confirmed` is not set).
 * @param {{ settings: object, origin?: string, onChange: () => Promise<void> }} context
 */
export function startRenewal(fingerprint, context, { confirmed = false, automatic = false } = {}) {
  return serialized(async () => {
    const stored = await store.read();
    const registration = stored.registrations.find((r) => r.certificate.sha256Fingerprint === fingerprint);
    if (!registration) throw new CodedError('internal');
    await core.loadCore();
    // The core takes the rest from the settings: the endpoint by its one rule (the page's,
    // else the one every watched origin agrees on, else the earlier renewal's; none refuses
    // with no_api_url: nothing is sent), the download hosts, the folder, the companion's part.
    const step = core.renewalStart(stored.renewals[fingerprint], {
      current: registration.certificate,
      label: registration.label,
      origin: context.origin,
      confirmed,
      automatic,
      earlierRecordUnreadable: stored.setAside.some((entry) => entry.area === 'renewals' && entry.key === fingerprint),
    }, context.settings, Date.now());
    return run(step, context);
  });
}

/**
 * Feeds `event` to one renewal (or to every one) and runs what follows.
 * @param {{ type: import('../shared/protocol.js').EventType } & Record<string, unknown>} event
 * @param {{ settings: object, origin?: string, onChange: () => Promise<void> }} context
 * @param {string} [fingerprint]
 */
export function feed(event, context, fingerprint) {
  return serialized(async () => {
    if (fingerprint) {
      const record = await renewalOf(fingerprint);
      return record && advance(record, event, context);
    }
    return eachRecord(Object.values(await allRenewals()), (record) => advance(record, event, context));
  });
}

async function advance(record, event, context) {
  await core.loadCore();
  const secret = await secretOf(record.fingerprint);
  const step = core.renewalStep(record, event, secret ?? undefined, Date.now(), Math.random());
  // An event the renewal's stage does not take: nothing changed, nothing to store or redraw;
  // said for the log.
  if (step.stray) {
    console.warn('A renewal did not take an event:', step.stray);
    if (!step.effects.length) return record;
  }
  return run(step, context);
}

/** Stores the step's record, performs its effects in order, and feeds back what they
 * report, until the renewal waits for something outside (a timer, the user). */
async function run(step, context) {
  const record = await saveRecord(step.record, step.effects);
  let next = null;
  for (const effect of step.effects) {
    const reported = await perform(effect, record);
    if (reported) next = reported;
  }
  // What an effect reported goes back to the core first: an answer must never wait on
  // (or be lost with) the badge and banner refresh.
  if (next) return advance(record, next, context);
  await context.onChange().catch((error) => console.error('Refreshing after a renewal step failed:', error));
  return record;
}

/** Performs one effect; resolves to the event it reports, if any. */
async function perform(effect, record) {
  switch (effect.type) {
    case Effect.REQUEST:
      return core.performRequest(effect);
    case Effect.KEEP_SECRET:
      await keepSecret(record.fingerprint, effect.secret, effect.durable);
      return null;
    case Effect.WIPE_SECRET:
      await forgetSecret(record.fingerprint);
      return null;
    case Effect.SAVE_PASSWORD: {
      const { pass } = await secretOf(record.fingerprint);
      return saved(await saveFile(effect.path, 'text/plain', passwordFileText(effect.p12Name, pass)));
    }
    case Effect.SAVE_P12: {
      const { file } = await secretOf(record.fingerprint);
      return saved(await saveFile(effect.path, 'application/x-pkcs12', new Uint8Array(file)));
    }
    case Effect.EXPORT_HELD:
      return exportHeld(effect, await secretOf(record.fingerprint));
    case Effect.COMPANION_IMPORT:
    case Effect.COMPANION_BACKUP:
      return companionStep(effect, record, await secretOf(record.fingerprint));
    case Effect.REGISTER:
      await replaceRegistration(record, effect.certificate, effect.fileName);
      return { type: Event.REGISTERED };
    case Effect.NOTIFY:
      await notify(record, effect.notice);
      return null;
    case Effect.CHECK_SIGNATURES:
      // WebCrypto, through the core's binding: the core itself carries no RSA.
      return { type: Event.SIGNATURES_CHECKED, valid: await core.checkSignatures(effect.requests) };
    case Effect.WAKE:
      await chrome.alarms.create(Alarm.wake(record.fingerprint), { when: Math.max(effect.at, Date.now() + 1000) });
      return null;
    default:
      throw new Error(`unknown renewal effect ${effect.type}`);
  }
}

/** The password file's text: a localized first line naming the `.p12`, then the password. */
function passwordFileText(p12Name, pass) {
  return new TextEncoder().encode(`${t('passwordFileHeader', [p12Name])}\r\n${pass}\r\n`);
}

/** Asks the companion to import or back up the renewed file kept in the secret (the backup's
 * folder and names are the companion's own: the request carries only the file, its password
 * and fingerprint); reports what it did, or why not (the core then saves both files in
 * Downloads and guides the user as without it). */
async function companionStep(effect, record, secret) {
  if (!secret?.file) return { type: Event.COMPANION_REFUSED, code: 'companion_refused' };
  const importing = effect.type === Effect.COMPANION_IMPORT;
  const request = {
    type: importing ? CompanionRequest.IMPORT : CompanionRequest.BACKUP,
    p12: base64(new Uint8Array(secret.file)),
    password: secret.pass,
    fingerprint: effect.fingerprint,
  };
  try {
    const answer = await askCompanion(request);
    return importing
      ? { type: Event.COMPANION_IMPORTED }
      : { type: Event.COMPANION_BACKED_UP, path: answer.p12Path, passwordPath: answer.passwordPath };
  } catch (error) {
    return { type: Event.COMPANION_REFUSED, code: CodedError.of(error)?.code ?? 'companion_refused' };
  }
}

/** Where held files go when Chrome refuses the folder's name: never the import folder. */
const HELD_FALLBACK_FOLDER = 'WebORCA-admin-review';

/** Saves a held certificate's files where the administrator asked; reports both paths. */
async function exportHeld(effect, secret) {
  const password = await saveFile(effect.passwordPath, 'text/plain', passwordFileText(effect.p12Name, secret.pass),
    HELD_FALLBACK_FOLDER);
  if (!password) return { type: Event.SAVE_FAILED };
  if (!effect.p12Path) return { type: Event.HELD_EXPORTED, path: password };
  const p12 = await saveFile(effect.p12Path, 'application/x-pkcs12', new Uint8Array(secret.file), HELD_FALLBACK_FOLDER);
  return p12 ? { type: Event.HELD_EXPORTED, path: password, p12Path: p12 } : { type: Event.SAVE_FAILED };
}

function saved(path) {
  return path ? { type: Event.FILE_SAVED, path } : { type: Event.SAVE_FAILED };
}

/** The renewed certificate becomes current under the old one's label; the old one moves to
 * history. Safe to repeat: a worker stopped half-way registers once. */
async function replaceRegistration(record, certificate, fileName) {
  await store.update(({ registrations, history }) => {
    const old = registrations.find((r) => r.certificate.sha256Fingerprint === record.fingerprint);
    const others = registrations.filter((r) => ![record.fingerprint, certificate.sha256Fingerprint]
      .includes(r.certificate.sha256Fingerprint));
    const renewed = core.newRegistration(certificate, record.label, fileName ?? undefined, undefined, Date.now());
    return {
      registrations: [...others, renewed],
      ...(old ? { history: [...history, { ...old, replacedAt: Date.now() }] } : {}),
    };
  });
}

/** Each notice's title and body; the body gets the core's view of the renewal. */
const NOTICE_TEXT = Object.freeze({
  [Notice.FAILED]: [() => t('renewalFailedTitle'), (view) => errorMessage(view?.error?.code)],
  [Notice.UNCERTAIN]: [() => t('renewalUncertainTitle'), () => t('renewalUncertainBody')],
  [Notice.SAVE_FAILED]: [() => t('renewalSaveFailedTitle'), () => t('renewalErrorSaveFailed')],
  [Notice.DOWNLOAD_STUCK]: [() => t('renewalDownloadStuckTitle'), () => t('renewalDownloadStuckBody')],
  [Notice.AWAITING_IMPORT]: [() => t('renewalAwaitingImportTitle'), () => t('renewalAwaitingImportBody')],
  [Notice.RENEWED_AUTOMATICALLY]: [() => t('renewalAutomaticTitle'), () => t('renewalAutomaticBody')],
  [Notice.HELD]: [() => t('renewalHeldTitle'), () => t('renewalHeldBody')],
  [Notice.RENEWED_AND_IMPORTED]: [() => t('renewalImportedTitle'), () => t('renewalImportedBody')],
});

async function notify(record, notice) {
  const [title, body] = NOTICE_TEXT[notice];
  const view = viewOf(record);
  await chrome.notifications.create(NotificationId.renewal(record.fingerprint, notice), {
    type: 'basic',
    iconUrl: chrome.runtime.getURL('icons/icon-128.png'),
    title: title(),
    message: t('renewalNoticeBody', [record.label, body(view)]),
    priority: 2,
  });
}

/** Remembers the tab opened for the certificate picker, so its loading can trigger a retry. */
export function rememberPickerTab(fingerprint, tabId, context) {
  return feed({ type: Event.PICKER_OPENED, tabId }, context, fingerprint);
}

/** The certificate-picker tab `tabId` finished loading: the certificate was chosen, so the
 * renewal waiting on it (the core's view names its tab) tries again now. Looked up in the
 * queue, so two loads close together retry once. */
export function retryFromPickerTab(tabId, context) {
  return serialized(async () => {
    await core.loadCore();
    const record = Object.values(await allRenewals()).find((r) => viewOf(r)?.retryOnTab === tabId);
    return record ? advance(record, { type: Event.RETRY_NOW }, context) : null;
  });
}

/** The password of a saved renewal, while the core's view allows it (files being saved, or
 * the backup not yet checked). `null` once it is gone (e.g. the browser was restarted after
 * both files were saved): it is in the saved password file. */
export async function revealPassword(fingerprint) {
  await core.loadCore();
  const record = await renewalOf(fingerprint);
  const secret = await secretOf(fingerprint);
  return record && secret && viewOf(record)?.showsPassword ? secret.pass : null;
}

/** Checks the user's backup copy opens with the password and is the renewed certificate (the
 * core decides); then the password is wiped from the extension. */
export async function confirmBackup(fingerprint, bytes, context) {
  const record = await renewalOf(fingerprint);
  const secret = await secretOf(fingerprint);
  if (!record || !secret) throw new CodedError('internal');
  await core.loadCore();
  let report;
  try {
    report = await core.readCertificate(new Uint8Array(bytes), secret.pass, undefined);
  } catch {
    throw new CodedError('backup_mismatch');
  }
  if (!core.renewalBackupMatches(record, report.certificate.sha256Fingerprint)) throw new CodedError('backup_mismatch');
  return feed({ type: Event.BACKUP_CONFIRMED }, context, fingerprint);
}

/** What the screens show for `record`, decided by the core (the core must be loaded);
 * null for an unreadable record, which is reported where it is handled, not here. */
export function viewOf(record) {
  try {
    return core.renewalView(record);
  } catch {
    return null;
  }
}

/** Every renewal's view, for the popup. */
export async function renewalsForScreens() {
  await core.loadCore();
  const all = await allRenewals();
  return Object.fromEntries(Object.entries(all).map(([fingerprint, record]) => [fingerprint, viewOf(record)])
    .filter(([, view]) => view));
}

/** Why the certificate may not be removed now (a renewal is under way), or null. */
export async function removalRefused(fingerprint) {
  await core.loadCore();
  return core.renewalRemovalRefused(await renewalOf(fingerprint) ?? undefined) ?? null;
}
