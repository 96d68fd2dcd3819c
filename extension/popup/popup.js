// The popup renders what the worker says; it reads the picked file's bytes and hands them,
// with the password, to the worker, which runs the Rust core. Nothing is stored here.
import { MessageType } from '../shared/messages.js';
import { errorMessage, formatDateTime, localize, t } from '../shared/i18n.js';

const form = document.getElementById('reader');
const fileInput = document.getElementById('file');
const passwordInput = document.getElementById('password');
const readButton = document.getElementById('read');
const message = document.getElementById('message');
const result = document.getElementById('result');
const fields = document.getElementById('fields');

localize(document);

function showMessage(text) {
  message.textContent = text;
  message.hidden = false;
}

function addField(labelKey, value, className) {
  const dt = document.createElement('dt');
  dt.textContent = t(labelKey);
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (className) dd.className = className;
  fields.append(dt, dd);
}

function render(report) {
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

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  message.hidden = true;
  result.hidden = true;
  const file = fileInput.files?.[0];
  if (!file) {
    showMessage(t('chooseFileFirst'));
    return;
  }
  readButton.disabled = true;
  readButton.textContent = t('reading');
  try {
    const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
    const response = await chrome.runtime.sendMessage({
      type: MessageType.READ_CERTIFICATE,
      data: { bytes, password: passwordInput.value || null, fileName: file.name },
    });
    if (response?.ok) render(response.report);
    else showMessage(errorMessage(response?.error));
  } catch (error) {
    console.error('Reading the certificate failed:', error);
    showMessage(errorMessage(undefined));
  } finally {
    passwordInput.value = '';
    readButton.disabled = false;
    readButton.textContent = t('buttonRead');
  }
});
