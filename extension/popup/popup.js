// The popup: every registered certificate, most urgent first, and the registration form.
// It renders what the worker computes and never writes storage itself.
import { MessageType, send } from '../shared/messages.js';
import {
  CLIENT_KEYS, NEXT_ACTION_KEYS, STATUS_KEYS, daysLeftText, entryName, errorMessage, formatDate, formatDateTime, localize,
  renewalErrorMessage, t,
} from '../shared/i18n.js';
import { mountRegistrationForm } from '../shared/registration-form.js';
import { onCertificatesChanged } from '../shared/stored-keys.js';

localize(document);

const list = document.getElementById('certificates');
const empty = document.getElementById('empty');
const result = document.getElementById('result');
const fields = document.getElementById('fields');
const focused = location.hash.slice(1);

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function addField(labelKey, value, className) {
  fields.append(element('dt', '', t(labelKey)), element('dd', className, value));
}

/** What the reader found in the file just registered. */
function renderReport(report) {
  const cert = report.certificate;
  fields.replaceChildren();
  addField('fieldCommonName', cert.commonName ?? '—');
  addField('fieldOrganization', cert.organization ?? '—');
  addField('fieldNotAfter', formatDateTime(cert.notAfter), 'expiry');
  addField('fieldNotBefore', formatDateTime(cert.notBefore));
  addField('fieldRenewable', t(report.renewableClient ? 'renewableYes' : 'renewableNo'));
  addField('fieldPrivateKey', t(report.hasPrivateKey ? 'privateKeyMatches' : 'privateKeyAbsent'));
  addField('fieldSubject', cert.subject);
  addField('fieldIssuer', cert.issuer);
  addField('fieldSerial', cert.serial);
  addField('fieldKeyAlgorithm', cert.keyAlgorithm);
  addField('fieldFingerprint', cert.sha256Fingerprint);
  addField('fieldChain', report.chain.length
    ? report.chain.map((c) => c.commonName ?? c.subject).join(', ')
    : t('chainNone'));
  if (report.protection) {
    const parts = [report.protection.mac, ...report.protection.encryption].filter(Boolean);
    addField('fieldProtection', [...new Set(parts)].join(', '));
  }
  if (report.fileName) {
    const { serial, tenant, commonName } = report.fileName;
    addField('fieldFileName', t('fileNameParts', [serial, tenant, commonName]));
  }
  result.hidden = false;
}

/** The import steps per operating system, as in the ORCA user guide. */
const IMPORT_TITLE_KEYS = Object.freeze({ windows: 'importWindowsTitle', mac: 'importMacTitle', linux: 'importLinuxTitle' });
const IMPORT_STEPS_KEYS = Object.freeze({ windows: 'importWindowsSteps', mac: 'importMacSteps', linux: 'importLinuxSteps' });

function actionButton(textKey, className, onClick) {
  const el = element('button', className, t(textKey));
  el.type = 'button';
  el.addEventListener('click', onClick);
  return el;
}

/** A refusal the screen has nothing to add to (a renewal's record says why it stopped). */
function logRefusal(error) {
  console.warn('The worker refused:', error.code);
  return null;
}

/** Asks the worker to act, then shows everything as it is now. */
function moveOn(type, data) {
  return send(type, data).catch(logRefusal).then(refresh);
}

/** A renewal's card, rendered from the core's view: its card, error and actions are the
 * core's decisions; this only words them. */
function renderRenewal(view) {
  const card = element('div', `renewal ${view.stage}`);
  card.id = `renewal-${view.fingerprint}`;
  card.append(element('p', 'name', view.label));
  const error = view.error ? element('p', 'error', renewalErrorMessage(view.error.code)) : null;
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
      card.append(savedGuide(view));
      return card;
    case 'imported':
      // The companion did everything: say what, ask nothing.
      card.append(element('p', 'ok', t('renewalImportedCard', [formatDate(view.imported.notAfter)])));
      if (view.imported.backup) card.append(element('p', 'hint', t('renewalImportedBackup', [view.imported.backup])));
      if (view.imported.backupRefused) {
        const kept = element('p', 'warning', t('renewalImportedBackupRefused', [renewalErrorMessage(view.imported.backupRefused.code)]));
        kept.append(element('span', 'files', `${view.imported.p12File}\n${view.imported.passwordFile}`));
        card.append(kept);
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
  return send(type, { fingerprint: view.fingerprint, ...data }).then(refresh, (error) => {
    const card = document.getElementById(`renewal-${view.fingerprint}`);
    const said = card?.querySelector('.refusal') ?? element('p', 'error refusal');
    said.textContent = renewalErrorMessage(error.code);
    card?.append(said);
  });
}

/** The elements of one action the core offers on a card. */
function actionElements(view, action) {
  const retry = () => actOn(view, MessageType.RETRY_RENEWAL);
  switch (action) {
    case 'retryNow':
      return [actionButton('buttonRetry', 'secondary', retry)];
    case 'pickCertificate':
      return certificatePicker(view);
    case 'downloadAgain':
      return [actionButton('buttonDownloadAgain', '', retry)];
    case 'saveAgain':
      return [actionButton('buttonSaveAgain', '', retry)];
    case 'renewAgain':
      return [actionButton('buttonRetry', '', () => actOn(view, MessageType.RENEW_FROM_PAGE))];
    case 'renewConfirmed':
      return view.saysWhereToCheck ? [element('p', 'warning', t('renewalIssuedHint')), renewAgain(view)] : [renewAgain(view)];
    case 'revealPassword':
      return [passwordReveal(view)];
    case 'exportHeld':
      return [actionButton('buttonExportHeld', '', () => actOn(view, MessageType.EXPORT_HELD))];
    case 'discardHeld':
      return [discardHeld(view)];
    case 'confirmBackup':
    case 'confirmImport':
      return []; // steps of the saved guide
    default:
      throw new Error(`unknown renewal action ${action}`);
  }
}

/** For the administrator: what was received, against what is registered, and where it was
 * exported. The current certificate still works. */
function heldDetails(view) {
  const details = element('details', 'held');
  details.append(element('summary', '', t('heldForAdministrator')));
  const facts = element('dl');
  const add = (key, value) => facts.append(element('dt', '', t(key)), element('dd', '', value));
  add('heldReceivedIssuer', view.held.receivedIssuer ?? '—');
  add('heldCurrentIssuer', view.held.currentIssuer);
  if (view.held.uri) add('heldUri', view.held.uri);
  if (view.held.exported) {
    add('heldExportedTo', [view.held.exported.p12, view.held.exported.password].filter(Boolean).join('\n'));
  }
  details.append(facts);
  details.open = true;
  return details;
}

/** Discarding a held certificate asks first, in place, and focuses the safe choice. */
function discardHeld(view) {
  const actions = element('div', 'actions');
  const discard = actionButton('buttonDiscardHeld', 'secondary', () => {
    const yes = actionButton('buttonConfirmDiscardHeld', 'danger', () => actOn(view, MessageType.DISCARD_HELD));
    const no = actionButton('buttonCancel', 'secondary', () => actions.replaceChildren(discard));
    actions.replaceChildren(element('span', '', t('confirmDiscardHeld')), yes, no);
    no.focus();
  });
  actions.append(discard);
  return actions;
}

/** A new POST after one that may have issued a certificate: only with the user's explicit
 * confirmation, asked in place (dialogs close the popup). */
function renewAgain(view) {
  const actions = element('div', 'actions');
  const again = actionButton('buttonRenewAgain', 'secondary', () => {
    const yes = actionButton('buttonConfirmRenewAgain', 'danger',
      () => actOn(view, MessageType.RENEW_FROM_PAGE, { confirmed: true }));
    const no = actionButton('buttonCancel', 'secondary', () => actions.replaceChildren(again));
    actions.replaceChildren(element('span', '', t(view.renewDiscardsKept ? 'confirmRenewAgainDiscards' : 'confirmRenewAgain')), yes, no);
    no.focus();
  });
  actions.append(again);
  return actions;
}

/** When the browser could not present the certificate: open the API host in a tab, where
 * Chrome shows its certificate picker; the choice then holds for this browser session. */
function certificatePicker(view) {
  return [
    element('p', 'hint', t('renewalPickHint')),
    actionButton('buttonPickCertificate', 'secondary',
      () => send(MessageType.PICK_CERTIFICATE, { fingerprint: view.fingerprint }).catch(logRefusal)),
  ];
}

/** 「確認する」: the password, shown on request, with a copy button. */
function passwordReveal(view) {
  const holder = element('span');
  const shown = element('code', 'password');
  holder.append(actionButton('buttonShowPassword', 'secondary', async () => {
    const answer = await send(MessageType.REVEAL_PASSWORD, { fingerprint: view.fingerprint }).catch(logRefusal);
    const password = answer?.password;
    if (shown.textContent) return;
    if (!password) {
      // Gone from the extension (the browser was restarted): it is in the saved file.
      shown.textContent = t('renewalPasswordInFile', [view.guide?.passwordFile ?? '']);
      return;
    }
    shown.textContent = password;
    shown.after(actionButton('buttonCopy', 'secondary', () => navigator.clipboard.writeText(password)));
  }), shown);
  return holder;
}

function savedGuide(view) {
  const { guide: saved } = view;
  const offers = (action) => view.actions.includes(action);
  const guide = element('ol', 'guide');
  if (view.automatic) guide.append(element('p', 'ok', t('renewalAutomaticDone')));
  if (saved.companionRefused) {
    guide.append(element('p', 'warning', t('renewalCompanionNotImported', [renewalErrorMessage(saved.companionRefused.code)])));
  }
  if (saved.backup) guide.append(element('p', 'hint', t('renewalImportedBackup', [saved.backup])));
  const done = element('li', 'step done', t('renewalSaved', [formatDate(saved.notAfter)]));
  done.append(element('span', 'files', `${saved.p12File}\n${saved.passwordFile}`));
  guide.append(done);
  // Step: the password, shown on request, with a copy button.
  const passwordStep = element('li', `step ${saved.backedUp ? 'done' : ''}`, t('renewalStepPassword'));
  if (offers('revealPassword')) passwordStep.append(passwordReveal(view));
  guide.append(passwordStep);
  // Step: back up both files; the copy is checked.
  const backupStep = element('li', `step ${saved.backedUp ? 'done' : ''}`, t('renewalStepBackup'));
  if (offers('confirmBackup')) {
    const input = element('input');
    input.type = 'file';
    input.accept = '.p12,.pfx';
    input.setAttribute('aria-label', t('labelBackupFile'));
    const result = element('p', 'error');
    result.hidden = true;
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file) return;
      const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
      try {
        await send(MessageType.CONFIRM_BACKUP, { fingerprint: view.fingerprint, bytes });
      } catch (error) {
        result.textContent = error.code === 'backup_mismatch' ? renewalErrorMessage(error.code) : errorMessage(error);
        result.hidden = false;
        return;
      }
      await refresh();
    });
    backupStep.append(input, result);
  } else {
    backupStep.append(element('span', 'ok', t('renewalBackupConfirmed')));
  }
  guide.append(backupStep);
  // Step: import into the computer, per system, as in the ORCA user guide.
  const importStep = element('li', 'step', t('renewalStepImport'));
  for (const system of Object.keys(IMPORT_TITLE_KEYS)) {
    const details = element('details');
    details.append(element('summary', '', t(IMPORT_TITLE_KEYS[system])), element('p', '', t(IMPORT_STEPS_KEYS[system])));
    importStep.append(details);
  }
  guide.append(importStep);
  const loginStep = element('li', 'step', t('renewalStepLogin'));
  if (offers('confirmImport')) {
    loginStep.append(actionButton('buttonImported', '', () => actOn(view, MessageType.CONFIRM_IMPORTED)));
  }
  guide.append(loginStep);
  return guide;
}

function removeButton(entry) {
  const actions = element('div', 'actions');
  const remove = element('button', 'secondary', t('buttonRemove'));
  remove.type = 'button';
  remove.addEventListener('click', () => {
    // Removing asks first, in place: dialogs close the popup.
    const question = element('span', '', t('confirmRemove', [entry.label]));
    const yes = element('button', 'danger', t('buttonConfirmRemove'));
    const no = element('button', 'secondary', t('buttonCancel'));
    yes.type = 'button';
    no.type = 'button';
    yes.addEventListener('click', async () => {
      try {
        await send(MessageType.REMOVE_CERTIFICATE, { fingerprint: entry.fingerprint });
      } catch (error) {
        // Refused while a renewal of it is under way: say why.
        actions.replaceChildren(element('p', 'error', renewalErrorMessage(error.code)), remove);
        return;
      }
      await refresh();
    });
    no.addEventListener('click', () => actions.replaceChildren(remove));
    actions.replaceChildren(question, yes, no);
    yes.focus();
  });
  actions.append(remove);
  return actions;
}

function renderEntry(entry, settings) {
  const { assessment } = entry;
  const item = element('li', `certificate ${assessment.severity}`);
  item.id = `cert-${entry.fingerprint}`;
  if (entry.fingerprint === focused) item.classList.add('focused');
  const title = element('p', 'name', entryName(entry));
  const expiry = element('p');
  expiry.append(`${t('fieldNotAfter')}: ${formatDate(entry.notAfter)} `, element('span', 'days', daysLeftText(assessment)));
  const status = element('p', 'status', `${t('fieldStatus')}: ${t(STATUS_KEYS[assessment.status])}`);
  const action = element('p', 'next-action', t(NEXT_ACTION_KEYS[assessment.nextAction]));
  const warning = entry.warningClients.map((c) => t(CLIENT_KEYS[c]));
  const others = element('p', 'others', warning.length
    ? t('clientsWarning', [warning.join(t('listSeparator'))])
    : t('clientsQuiet'));
  item.append(title, expiry, status, action, others);
  if (assessment.nextAction === 'renewNow') {
    const refused = element('p', 'error');
    refused.hidden = true;
    const renew = actionButton('bannerRenewNow', '', async () => {
      renew.disabled = true;
      try {
        await send(MessageType.RENEW_FROM_PAGE, { fingerprint: entry.fingerprint });
      } catch (error) {
        // Refused before any request (e.g. no renewal API known): say why, do not go silent.
        refused.textContent = renewalErrorMessage(error.code);
        refused.hidden = false;
        renew.disabled = false;
        return;
      }
      await refresh();
    });
    item.append(renew, refused);
  }
  if (settings.usersMayRemove) item.append(removeButton(entry));
  return item;
}

/** Renewals under way, and every certificate: each shown even when the other is refused. */
async function refresh() {
  await Promise.all([refreshRenewals(), refreshCertificates()]);
}

async function refreshRenewals() {
  const answer = await send(MessageType.RENEWALS).catch(logRefusal);
  const open = Object.values(answer?.renewals ?? {}).filter((view) => view.listed);
  document.getElementById('renewal-cards').replaceChildren(...open.map(renderRenewal));
  document.getElementById('renewals').hidden = open.length === 0;
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

const registerForm = document.getElementById('register');
registerForm.addEventListener('submit', () => { result.hidden = true; });
mountRegistrationForm(registerForm, async ({ report }) => {
  renderReport(report);
  await refresh();
});
refresh().catch((error) => console.error('Loading the certificates failed:', error));
// The worker moves renewals forward in the background: follow it.
onCertificatesChanged(() => refresh().catch(console.error));
