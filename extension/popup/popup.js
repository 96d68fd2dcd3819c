// The popup: every registered certificate, most urgent first, and the registration form.
// It renders what the worker computes and never writes storage itself. Every outcome is said
// through the page's one live region, and the focus stays where the hands are: a control
// that is drawn again keeps it, and each action moves it to the next useful control.
import { MessageType, send } from '../shared/messages.js';
import {
  NEXT_ACTION_KEYS, STATUS_KEYS, daysLeftText, entryName, errorMessage, formatDate, formatDateTime, localize,
  t,
} from '../shared/i18n.js';
import { announce } from '../shared/live.js';
import { mountRegistrationForm } from '../shared/registration-form.js';
import { onCertificatesChanged } from '../shared/stored-keys.js';

localize(document);

const list = document.getElementById('certificates');
const empty = document.getElementById('empty');
const result = document.getElementById('result');
const fields = document.getElementById('fields');
const details = document.getElementById('details');
const focused = location.hash.slice(1);

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A control that keeps the focus when the popup is drawn again (its key names it). */
function keyed(el, key) {
  el.dataset.focusKey = key;
  return el;
}

/** What the reader found in the file just registered: plain facts first, the technical
 * details folded, for the administrator. */
function renderReport(report) {
  const cert = report.certificate;
  const addTo = (list, labelKey, value, className) => list.append(element('dt', '', t(labelKey)), element('dd', className, value));
  fields.replaceChildren();
  details.replaceChildren();
  addTo(fields, 'fieldCommonName', cert.commonName ?? '—');
  addTo(fields, 'fieldOrganization', cert.organization ?? '—');
  addTo(fields, 'fieldNotAfter', formatDateTime(cert.notAfter), 'expiry');
  addTo(fields, 'fieldRenewable', t(report.renewableClient ? 'renewableYes' : 'renewableNo'));
  addTo(fields, 'fieldPrivateKey', t(report.hasPrivateKey ? 'privateKeyMatches' : 'privateKeyAbsent'));
  addTo(details, 'fieldNotBefore', formatDateTime(cert.notBefore));
  addTo(details, 'fieldSubject', cert.subject, 'technical');
  addTo(details, 'fieldIssuer', cert.issuer, 'technical');
  addTo(details, 'fieldSerial', cert.serial, 'technical');
  addTo(details, 'fieldKeyAlgorithm', cert.keyAlgorithm, 'technical');
  addTo(details, 'fieldFingerprint', cert.sha256Fingerprint, 'technical');
  addTo(details, 'fieldChain', report.chain.length
    ? report.chain.map((c) => c.commonName ?? c.subject).join(', ')
    : t('chainNone'));
  if (report.protection) {
    const parts = [report.protection.mac, ...report.protection.encryption].filter(Boolean);
    addTo(details, 'fieldProtection', [...new Set(parts)].join(', '), 'technical');
  }
  if (report.fileName) {
    const { serial, tenant, commonName } = report.fileName;
    addTo(details, 'fieldFileName', t('fileNameParts', [serial, tenant, commonName]));
  }
  result.hidden = false;
}

/** The import steps per operating system, as in the ORCA user guide (one step a line). */
const IMPORT_TITLE_KEYS = Object.freeze({ windows: 'importWindowsTitle', mac: 'importMacTitle', linux: 'importLinuxTitle' });
const IMPORT_STEPS_KEYS = Object.freeze({ windows: 'importWindowsSteps', mac: 'importMacSteps', linux: 'importLinuxSteps' });

function textButton(text, className, onClick) {
  const el = element('button', className, text);
  el.type = 'button';
  el.addEventListener('click', onClick);
  return el;
}

function actionButton(textKey, className, onClick) {
  return textButton(t(textKey), className, onClick);
}

/** A refusal the screen has nothing to add to (a renewal's record says why it stopped). */
function logRefusal(error) {
  console.warn('The worker refused:', error.code);
  return null;
}

/** Asks the worker to act, then shows everything as it is now. */
function moveOn(type, data) {
  return send(type, data).catch(logRefusal).then(() => refresh());
}

/** The card's heading: where the focus goes when the control pressed is gone. */
const cardKey = (fingerprint) => `card:${fingerprint}`;

/** What a card says to a screen reader when it appears or changes. */
function cardOutcome(view) {
  switch (view.card) {
    case 'progress': return t('renewalInProgress');
    case 'guide': return t('renewalSaved', [formatDate(view.guide.notAfter), view.guide.names.folder]);
    case 'imported': return t('renewalImportedCard', [formatDate(view.imported.notAfter)]);
    default: return view.error ? errorMessage(view.error.code) : '';
  }
}

/** A renewal's card, rendered from the core's view: its card, error and actions are the
 * core's decisions; this only words them. */
function renderRenewal(view) {
  const card = element('div', `renewal ${view.stage}`);
  card.id = `renewal-${view.fingerprint}`;
  const name = keyed(element('h3', 'name', view.label), cardKey(view.fingerprint));
  name.tabIndex = -1;
  card.append(name);
  const error = view.error ? element('p', 'error', errorMessage(view.error.code)) : '';
  switch (view.card) {
    case 'progress':
      card.append(element('p', 'progress', t('renewalInProgress')));
      break;
    case 'waiting':
      card.append(error, element('p', 'hint', t('renewalWillRetry', [formatDateTime(view.retryAt), String(view.attempt)])));
      break;
    case 'downloadRetry':
      card.append(error, element('p', 'hint', t('renewalDownloadRetry', [formatDateTime(view.retryAt)])));
      break;
    case 'downloadStuck':
      card.append(error, element('p', 'hint', t('renewalDownloadStuckBody')));
      break;
    case 'uncertain':
      card.append(error, element('p', 'warning', t('renewalUncertainBody')), element('p', 'hint', t('renewalUncertainHint')));
      break;
    case 'held':
      card.append(error, element('p', 'warning', t('renewalHeldHint')), heldDetails(view));
      break;
    case 'saveStuck':
    case 'failed':
      card.append(error);
      break;
    case 'guide':
      card.append(...savedGuide(view));
      return card;
    case 'imported':
      // The companion did everything: say what, ask nothing.
      card.append(element('p', 'ok', t('renewalImportedCard', [formatDate(view.imported.notAfter)])));
      if (view.imported.backup) card.append(element('p', 'hint', t('renewalImportedBackup', [view.imported.backup])));
      if (view.imported.saved) {
        // Not backed up by the companion: the files saved in Downloads are the copy to keep
        // (why, when it was refused; a folder the administrator did not set is no error).
        const { backupRefused, saved } = view.imported;
        const said = backupRefused
          ? element('p', 'warning', t('renewalImportedBackupRefused', [errorMessage(backupRefused.code), saved.folder]))
          : element('p', 'hint', t('renewalImportedKeepFiles', [saved.folder]));
        card.append(said, savedFileNames(saved), folderButton(view));
      }
      return card;
    case 'done':
      return card;
    default:
      throw new Error(`unknown renewal card ${view.card}`);
  }
  for (const action of view.actions) card.append(...actionElements(view, action));
  return card;
}

/** Asks the worker to act on a card's renewal; a refusal is said on the card. */
function actOn(view, type, data) {
  return send(type, { fingerprint: view.fingerprint, ...data }).then(() => refresh({ fallback: cardKey(view.fingerprint) }), (error) => {
    const card = document.getElementById(`renewal-${view.fingerprint}`);
    const said = card?.querySelector('.refusal') ?? element('p', 'error refusal');
    said.textContent = errorMessage(error.code);
    card?.append(said);
    announce(said.textContent);
  });
}

/** The elements of one action the core offers on a card. */
function actionElements(view, action) {
  const retry = () => actOn(view, MessageType.RETRY_RENEWAL);
  const key = (el) => keyed(el, `${action}:${view.fingerprint}`);
  switch (action) {
    case 'retryNow':
      return [key(actionButton('buttonRetry', 'secondary', retry))];
    case 'pickCertificate':
      return certificatePicker(view);
    case 'downloadAgain':
      return [key(actionButton('buttonDownloadAgain', '', retry))];
    case 'saveAgain':
      return [key(actionButton('buttonSaveAgain', '', retry))];
    case 'renewAgain':
      return [key(actionButton('buttonRetry', '', () => actOn(view, MessageType.RENEW_FROM_PAGE)))];
    case 'renewConfirmed':
      return view.saysWhereToCheck ? [element('p', 'warning', t('renewalIssuedHint')), renewAgain(view)] : [renewAgain(view)];
    case 'revealPassword':
      return [passwordReveal(view)];
    case 'exportHeld':
      return [key(actionButton('buttonExportHeld', '', () => actOn(view, MessageType.EXPORT_HELD)))];
    case 'discardHeld':
      return [discardHeld(view)];
    case 'confirmBackup':
    case 'confirmImport':
      return []; // steps of the saved guide
    default:
      throw new Error(`unknown renewal action ${action}`);
  }
}

/** For the administrator, folded: what was received, against what is registered, and where
 * it was exported. The current certificate still works. */
function heldDetails(view) {
  const fold = element('details', 'fold held');
  fold.append(element('summary', '', t('detailsForAdministrator')));
  const facts = element('dl', 'fields');
  const add = (key, value) => facts.append(element('dt', '', t(key)), element('dd', 'technical', value));
  add('heldReceivedIssuer', view.held.receivedIssuer ?? '—');
  add('heldCurrentIssuer', view.held.currentIssuer);
  if (view.held.uri) add('heldUri', view.held.uri);
  if (view.held.exported) {
    add('heldExportedTo', [view.held.exported.p12, view.held.exported.password].filter(Boolean).join('\n'));
  }
  fold.append(facts);
  return fold;
}

/**
 * A question asked in place (dialogs close the popup): `ask` replaces the button with the
 * question, the confirming button and やめる, and focuses やめる — the safe choice, so Enter
 * pressed twice never confirms. やめる puts the button back, focused.
 */
function confirmInPlace(askText, focusKey, question, confirmText, onConfirm) {
  const actions = element('div', 'actions');
  const ask = keyed(textButton(askText, 'secondary', () => {
    const yes = textButton(confirmText, 'danger', onConfirm);
    const no = keyed(actionButton('buttonCancel', 'secondary', () => {
      actions.replaceChildren(ask);
      ask.focus();
    }), `cancel:${focusKey}`);
    const said = element('p', 'question', question());
    said.id = `question-${focusKey}`;
    actions.replaceChildren(said, yes, no);
    actions.setAttribute('role', 'group');
    actions.setAttribute('aria-labelledby', said.id);
    no.focus();
  }), focusKey);
  actions.append(ask);
  return actions;
}

/** Discarding a held certificate asks first. */
function discardHeld(view) {
  return confirmInPlace(t('buttonDiscardHeld'), `discardHeld:${view.fingerprint}`, () => t('confirmDiscardHeld'),
    t('buttonConfirmDiscardHeld'), () => actOn(view, MessageType.DISCARD_HELD));
}

/** A new POST after one that may have issued a certificate: only with the user's explicit
 * confirmation. */
function renewAgain(view) {
  return confirmInPlace(t('buttonRenewAgain'), `renewAgain:${view.fingerprint}`,
    () => t(view.renewDiscardsKept ? 'confirmRenewAgainDiscards' : 'confirmRenewAgain'),
    t('buttonConfirmRenewAgain'), () => actOn(view, MessageType.RENEW_FROM_PAGE, { confirmed: true }));
}

/** When the browser could not present the certificate: open the API host in a tab, where
 * Chrome shows its certificate picker; the choice then holds for this browser session. */
function certificatePicker(view) {
  return [
    element('p', 'hint', t('renewalPickHint')),
    keyed(actionButton('buttonPickCertificate', 'secondary',
      () => send(MessageType.PICK_CERTIFICATE, { fingerprint: view.fingerprint }).catch(logRefusal)), `pick:${view.fingerprint}`),
  ];
}

/** 「確認する」: the password, shown on request (and said), with a copy button. */
function passwordReveal(view) {
  const holder = element('div', 'reveal');
  const show = keyed(actionButton('buttonShowPassword', 'secondary', async () => {
    if (holder.querySelector('.password, .hint')) return;
    const answer = await send(MessageType.REVEAL_PASSWORD, { fingerprint: view.fingerprint }).catch(logRefusal);
    const password = answer?.password;
    if (!password) {
      // Gone from the extension (the browser was restarted): it is in the saved file.
      const said = element('p', 'hint', t('renewalPasswordInFile', [view.guide?.names.password ?? '']));
      holder.append(said);
      announce(said.textContent);
      return;
    }
    const shown = element('code', 'password', password);
    const copy = keyed(actionButton('buttonCopy', 'secondary', async () => {
      try {
        await navigator.clipboard.writeText(password);
        copy.textContent = t('copied');
        announce(t('copied'));
      } catch {
        announce(t('copyFailed'));
      }
    }), `copy:${view.fingerprint}`);
    holder.append(shown, copy);
    announce(t('passwordShown', [password]));
  }), `reveal:${view.fingerprint}`);
  holder.append(show);
  return holder;
}

/** The saved files by name (the core's `FileNames`). */
function savedFileNames(names) {
  const list = element('ul', 'names');
  list.append(element('li', '', names.p12), element('li', '', names.password));
  return list;
}

/** Opens Downloads, where the guide's folder is. */
function folderButton(view) {
  return keyed(actionButton('buttonShowFolder', 'secondary',
    () => send(MessageType.SHOW_FOLDER, { fingerprint: view.fingerprint }).catch(logRefusal)), `folder:${view.fingerprint}`);
}

/** One step of the guide: folded unless it is the one the core says is open. */
function guideStep(view, step, titleKey, done) {
  const item = element('li', `step ${done ? 'done' : ''}`);
  const fold = element('details');
  fold.open = view.guide.currentStep === step;
  fold.append(element('summary', '', t(titleKey)));
  item.append(fold);
  return { item, fold };
}

/** The saved certificate's guide, made to fit the popup: the step under way open, the others
 * folded, and 「ログインできました」 always in view. */
function savedGuide(view) {
  const { guide: saved } = view;
  const offers = (action) => view.actions.includes(action);
  const parts = [];
  const when = formatDate(saved.notAfter);
  parts.push(element('p', 'ok', view.automatic
    ? t('renewalAutomaticDone', [when, saved.names.folder])
    : t('renewalSaved', [when, saved.names.folder])));
  if (saved.backedUp) parts.push(element('p', 'ok', t('renewalBackupConfirmed')));
  if (saved.companionRefused) {
    parts.push(element('p', 'warning', t('renewalCompanionNotImported', [errorMessage(saved.companionRefused.code)])));
  }
  if (saved.backup) parts.push(element('p', 'hint', t('renewalImportedBackup', [saved.backup])));
  const steps = element('ol', 'guide');
  // Step: see the password, back up both files; the copy is checked.
  const backup = guideStep(view, 'backup', 'renewalStepBackupTitle', saved.backedUp);
  if (offers('confirmBackup')) {
    const buttons = element('div', 'row');
    if (offers('revealPassword')) buttons.append(passwordReveal(view));
    buttons.append(folderButton(view));
    backup.fold.append(element('p', '', t('renewalStepBackup')), savedFileNames(saved.names), buttons);
    const input = keyed(element('input'), `backup:${view.fingerprint}`);
    input.type = 'file';
    input.accept = '.p12,.pfx';
    input.id = `backup-${view.fingerprint}`;
    const label = element('label', '', t('labelBackupFile'));
    label.htmlFor = input.id;
    const said = element('p', 'error');
    said.id = `backup-error-${view.fingerprint}`;
    said.hidden = true;
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file) return;
      const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
      try {
        await send(MessageType.CONFIRM_BACKUP, { fingerprint: view.fingerprint, bytes });
      } catch (error) {
        said.textContent = errorMessage(error);
        said.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', said.id);
        announce(said.textContent);
        return;
      }
      announce(t('renewalBackupConfirmed'));
      await refresh({ fallback: `import:${view.fingerprint}` });
    });
    backup.fold.append(label, input, said);
  }
  steps.append(backup.item);
  // Step: import into the computer, per system, as in the ORCA user guide.
  const importing = guideStep(view, 'import', 'renewalStepImport', false);
  keyed(importing.fold.querySelector('summary'), `import:${view.fingerprint}`);
  if (saved.backedUp) importing.fold.append(savedFileNames(saved.names), folderButton(view));
  for (const system of Object.keys(IMPORT_TITLE_KEYS)) {
    const how = element('details', 'system');
    const lines = element('ol', 'how');
    for (const line of t(IMPORT_STEPS_KEYS[system]).split('\n')) lines.append(element('li', '', line));
    how.append(element('summary', '', t(IMPORT_TITLE_KEYS[system])), lines);
    importing.fold.append(how);
  }
  importing.fold.append(element('p', 'hint', t('renewalTwoCertificates')));
  steps.append(importing.item);
  // Step: log in; its button is the guide's main one and is never folded away.
  const login = element('li', 'step login');
  login.append(element('p', '', t('renewalStepLogin')));
  if (offers('confirmImport')) {
    login.append(keyed(actionButton('buttonImported', 'primary', () => actOn(view, MessageType.CONFIRM_IMPORTED)),
      `imported:${view.fingerprint}`));
  }
  steps.append(login);
  parts.push(steps);
  return parts;
}

function removeButton(entry) {
  return confirmInPlace(t('buttonRemove'), `remove:${entry.fingerprint}`, () => t('confirmRemove', [entry.label]),
    t('buttonConfirmRemove'), async () => {
      try {
        await send(MessageType.REMOVE_CERTIFICATE, { fingerprint: entry.fingerprint });
      } catch (error) {
        // Refused while a renewal of it is under way: say why, beside the certificate.
        const item = document.getElementById(`cert-${entry.fingerprint}`);
        const said = element('p', 'error', errorMessage(error.code));
        item?.querySelector('.actions')?.replaceWith(said, removeButton(entry));
        /** @type {HTMLElement | null} */ (item?.querySelector('[data-focus-key^="remove:"]'))?.focus();
        announce(said.textContent);
        return;
      }
      announce(t('removed', [entry.label]));
      await refresh({ fallback: 'list' });
    });
}

function renderEntry(entry, settings) {
  const { assessment } = entry;
  const item = element('li', `certificate ${assessment.severity}`);
  item.id = `cert-${entry.fingerprint}`;
  if (entry.fingerprint === focused) item.classList.add('focused');
  const title = element('h3', 'name', entryName(entry));
  const expiry = element('p');
  expiry.append(`${t('fieldNotAfter')}: ${formatDate(entry.notAfter)} `, element('span', 'days', daysLeftText(assessment)));
  const status = element('p', 'status', `${t('fieldStatus')}: ${t(STATUS_KEYS[assessment.status])}`);
  const action = element('p', 'next-action', t(NEXT_ACTION_KEYS[assessment.nextAction]));
  item.append(title, expiry, status, action);
  if (entry.foundInStore) item.append(element('p', 'hint found-in-store', t('foundInStore')));
  if (assessment.nextAction === 'renewNow') {
    const refused = element('p', 'error');
    refused.hidden = true;
    refused.id = `refused-${entry.fingerprint}`;
    let busy = false;
    const renew = keyed(actionButton('bannerRenewNow', '', async () => {
      // Busy is said with aria-disabled: a disabled button would lose the focus.
      if (busy) return;
      busy = true;
      renew.setAttribute('aria-disabled', 'true');
      try {
        await send(MessageType.RENEW_FROM_PAGE, { fingerprint: entry.fingerprint });
      } catch (error) {
        // Refused before any request (e.g. no renewal address known): say why, do not go silent.
        refused.textContent = errorMessage(error.code);
        refused.hidden = false;
        renew.setAttribute('aria-describedby', refused.id);
        announce(refused.textContent);
        busy = false;
        renew.removeAttribute('aria-disabled');
        return;
      }
      // The renewal's card says how it goes: the focus moves there.
      await refresh({ fallback: cardKey(entry.fingerprint), move: true });
    }), `renew:${entry.fingerprint}`);
    item.append(renew, refused);
  }
  if (settings.usersMayRemove) item.append(removeButton(entry));
  return item;
}

/** What each card last said (by fingerprint), so that a change is announced once. */
const said = new Map();
let renewalsShown = null;

/**
 * Renewals under way, and every certificate: each shown even when the other is refused.
 * The focused control keeps the focus when it is drawn again; when it is gone (or `move`),
 * the control keyed `fallback` gets it.
 */
/** @param {{ fallback?: string, move?: boolean }} [options] */
async function refresh({ fallback, move = false } = {}) {
  const active = /** @type {HTMLElement | null} */ (document.activeElement);
  const before = active?.dataset?.focusKey;
  const inside = (id) => document.getElementById(id)?.contains(active);
  const replaced = inside('renewal-cards') || inside('certificates');
  await Promise.all([refreshRenewals(), refreshCertificates()]);
  /** @type {(key: string | undefined) => HTMLElement | null} */
  const find = (key) => (key ? document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`) : null);
  const target = (move && find(fallback)) || find(before) || (fallback === 'list' ? document.getElementById('list-heading') : find(fallback));
  const lost = replaced || document.activeElement === document.body || move;
  if (lost && target && document.activeElement !== target) {
    if (target.tabIndex < 0 && !target.hasAttribute('tabindex')) target.tabIndex = -1;
    target.focus();
  }
}

async function refreshRenewals() {
  const answer = await send(MessageType.RENEWALS).catch(logRefusal);
  const open = Object.values(answer?.renewals ?? {}).filter((view) => view.listed);
  document.getElementById('renewal-cards').replaceChildren(...open.map(renderRenewal));
  document.getElementById('renewals').hidden = open.length === 0;
  // Each card's outcome is said when it changes (not when the popup opens: it is on screen).
  for (const view of open) {
    const words = cardOutcome(view);
    if (renewalsShown && words && said.get(view.fingerprint) !== words) announce(words);
    said.set(view.fingerprint, words);
  }
  // The registration form is folded while a renewal is under way, so the guide fits.
  // Not while the user is in it (a registration may start an automatic renewal at once).
  const listed = open.length > 0;
  const fold = /** @type {HTMLDetailsElement} */ (document.getElementById('register-fold'));
  if (listed !== renewalsShown && !fold.contains(document.activeElement)) fold.open = !listed;
  renewalsShown = listed;
}

async function refreshCertificates() {
  const response = await send(MessageType.OVERVIEW).catch(logRefusal);
  if (!response) return;
  const { entries } = response.overview;
  list.replaceChildren(...entries.map((entry) => renderEntry(entry, response.settings)));
  document.getElementById('register-section').hidden = !response.settings.usersMayRegister;
  empty.hidden = entries.length > 0;
  const history = response.history ?? [];
  document.getElementById('history').replaceChildren(...history.map((old) => element('li', '', t('historyItem', [
    old.label, old.certificate.commonName ?? old.certificate.subject, formatDate(old.certificate.notAfter), formatDate(old.replacedAt),
  ]))));
  document.getElementById('history-section').hidden = history.length === 0;
  renderSetAside(response.setAside ?? [], response.newerSchema);
  document.getElementById(`cert-${focused}`)?.scrollIntoView();
}

/** Stored entries the worker could not read: said in words, with what still works. */
function renderSetAside(setAside, newerSchema) {
  const section = document.getElementById('set-aside');
  const names = setAside.map((entry) => entry.label).filter(Boolean);
  const text = [];
  if (setAside.length) {
    text.push(names.length
      ? t('setAsideNamed', [String(setAside.length), names.map((name) => t('quotedName', [name])).join(t('nameSeparator'))])
      : t('setAsideUnnamed', [String(setAside.length)]));
  }
  if (newerSchema) text.push(t('setAsideNewerVersion'));
  document.getElementById('set-aside-text').textContent = text.join(' ');
  document.getElementById('set-aside-dismiss').hidden = setAside.length === 0;
  section.hidden = text.length === 0;
}

document.getElementById('set-aside-dismiss').addEventListener('click', () => moveOn(MessageType.DISMISS_SET_ASIDE));

const registerForm = /** @type {HTMLFormElement} */ (document.getElementById('register'));
registerForm.addEventListener('submit', () => { result.hidden = true; });
mountRegistrationForm(registerForm, async ({ report }) => {
  renderReport(report);
  await refresh();
});
refresh().catch((error) => console.error('Loading the certificates failed:', error));
// The worker moves renewals forward in the background: follow it.
onCertificatesChanged(() => refresh().catch(console.error));
