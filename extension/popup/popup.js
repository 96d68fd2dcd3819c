// The popup: every registered certificate, most urgent first, and the registration form.
// It renders what the worker computes and never writes storage itself.
import { MessageType } from '../shared/messages.js';
import {
  CLIENT_KEYS, NEXT_ACTION_KEYS, STATUS_KEYS, daysLeftText, formatDate, formatDateTime, localize, t,
} from '../shared/i18n.js';
import { mountRegistrationForm } from '../shared/registration-form.js';

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
      await chrome.runtime.sendMessage({
        type: MessageType.REMOVE_CERTIFICATE, data: { fingerprint: entry.fingerprint },
      });
      await refresh();
    });
    no.addEventListener('click', () => actions.replaceChildren(remove));
    actions.replaceChildren(question, yes, no);
    yes.focus();
  });
  actions.append(remove);
  return actions;
}

function renderEntry(entry) {
  const { assessment } = entry;
  const item = element('li', `certificate ${assessment.severity}`);
  item.id = `cert-${entry.fingerprint}`;
  if (entry.fingerprint === focused) item.classList.add('focused');
  const title = element('p', 'name', entry.commonName
    ? t('nameWithCommonName', [entry.label, entry.commonName])
    : entry.label);
  const expiry = element('p');
  expiry.append(`${t('fieldNotAfter')}: ${formatDate(entry.notAfter)} `, element('span', 'days', daysLeftText(assessment)));
  const status = element('p', 'status', `${t('fieldStatus')}: ${t(STATUS_KEYS[assessment.status])}`);
  const action = element('p', 'next-action', t(NEXT_ACTION_KEYS[assessment.nextAction]));
  const warning = entry.warningClients.map((c) => t(CLIENT_KEYS[c]));
  const others = element('p', 'others', warning.length
    ? t('clientsWarning', [warning.join(t('listSeparator'))])
    : t('clientsQuiet'));
  item.append(title, expiry, status, action, others, removeButton(entry));
  return item;
}

async function refresh() {
  const response = await chrome.runtime.sendMessage({ type: MessageType.OVERVIEW });
  if (!response?.ok) return;
  const { entries } = response.overview;
  list.replaceChildren(...entries.map(renderEntry));
  empty.hidden = entries.length > 0;
  document.getElementById(`cert-${focused}`)?.scrollIntoView();
}

const registerForm = document.getElementById('register');
registerForm.addEventListener('submit', () => { result.hidden = true; });
mountRegistrationForm(registerForm, async ({ report }) => {
  renderReport(report);
  await refresh();
});
refresh().catch((error) => console.error('Loading the certificates failed:', error));
