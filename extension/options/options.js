// The options page: the settings form (values the administrator fixed by policy are shown
// locked) and the registration form. The worker validates with the core and stores.
import { MessageType, send } from '../shared/messages.js';
import {
  SETTING_LABEL_KEYS, errorMessage, formatDateTime, localize, policyProblem, t,
} from '../shared/i18n.js';
import { mountRegistrationForm } from '../shared/registration-form.js';
import { announce, clearFieldError, showFieldError } from '../shared/live.js';
import { onPremiseOrigins } from '../shared/origins.js';

localize(document);

const form = document.getElementById('settings');
const message = document.getElementById('settings-message');
const saved = document.getElementById('settings-saved');
const KEYS = ['weborcaOrigins', 'renewalApiUrl', 'warnDays', 'reminderDays', 'downloadSubfolder', 'downloadHosts'];

// Splits on spaces, commas and the Japanese comma (U+3001).
const lines = (text) => text.split(/[\s,\u3001]+/).map((s) => s.trim()).filter(Boolean);

function fill({ effective, user }) {
  const { settings, locked } = effective;
  const own = {
    weborcaOrigins: (locked.includes('weborcaOrigins') ? onPremiseOrigins(settings)
      : user.weborcaOrigins ?? []).join('\n'),
    renewalApiUrl: settings.renewalApiUrl ?? '',
    warnDays: String(settings.warnDays),
    reminderDays: settings.reminderDays.join(', '),
    downloadSubfolder: settings.downloadSubfolder,
    downloadHosts: settings.downloadHosts.join('\n'),
  };
  for (const key of KEYS) {
    const input = /** @type {HTMLInputElement} */ (document.getElementById(key));
    input.value = own[key];
    input.disabled = locked.includes(key);
    document.getElementById(`${key}-lock`).hidden = !locked.includes(key);
  }
  document.getElementById('policy-note').hidden = locked.length === 0;
  document.getElementById('register').hidden = !settings.usersMayRegister;
  document.getElementById('registration-locked').hidden = settings.usersMayRegister;
}

/** Shows a setting's value in force as a line of text. */
function shown(value) {
  if (typeof value === 'boolean') return t(value ? 'settingOn' : 'settingOff');
  if (Array.isArray(value)) return value.join(', ') || '—';
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

/** What the administrator decided, what of it was refused, and whether this browser
 * installed the extension by policy: the first thing an administrator checks. */
function fillPolicy({ effective, installType }) {
  const { settings, locked, policyErrors } = effective;
  const admin = installType === 'admin';
  document.getElementById('policy').hidden = !admin && locked.length === 0 && policyErrors.length === 0;
  document.getElementById('installed-by-admin').hidden = !admin;
  const values = document.getElementById('policy-values');
  values.replaceChildren();
  for (const key of locked) {
    const dt = document.createElement('dt');
    dt.textContent = t(SETTING_LABEL_KEYS[key]);
    const dd = document.createElement('dd');
    dd.id = `policy-${key}`;
    dd.textContent = shown(key === 'weborcaOrigins' ? onPremiseOrigins(settings) : settings[key]);
    values.append(dt, dd);
  }
  const problems = policyErrors.map((error) => {
    const li = document.createElement('li');
    li.dataset.key = error.key;
    li.textContent = policyProblem(error);
    return li;
  });
  document.getElementById('policy-errors').replaceChildren(...problems);
  document.getElementById('policy-problems').hidden = problems.length === 0;
}

/** Origins the settings in force need and the extension may not reach yet: a policy can
 * name them, but only a click here grants the access (Chrome has no policy for it). */
async function fillHostAccess({ effective }) {
  const missing = [];
  for (const origin of effective.accessOrigins) {
    if (!await chrome.permissions.contains({ origins: [`${origin}/*`] })) missing.push(origin);
  }
  document.getElementById('host-access-origins').replaceChildren(...missing.map((origin) => {
    const li = document.createElement('li');
    li.textContent = origin;
    return li;
  }));
  document.getElementById('host-access').hidden = missing.length === 0;
  return missing;
}


/** The form's values, for the keys the user may change. */
function formInput(locked) {
  const value = (key) => /** @type {HTMLInputElement} */ (document.getElementById(key)).value;
  const input = {
    weborcaOrigins: lines(value('weborcaOrigins')),
    renewalApiUrl: value('renewalApiUrl').trim(),
    warnDays: Number(value('warnDays')),
    reminderDays: lines(value('reminderDays')).map(Number),
    downloadSubfolder: value('downloadSubfolder'),
    downloadHosts: lines(value('downloadHosts')),
  };
  for (const key of locked) delete input[key];
  return input;
}

/** On-premise origins need host access for the banner; asked for here, on the user's click. */
async function requestOrigins(origins) {
  const patterns = origins.map((origin) => `${origin}/*`);
  if (!patterns.length || await chrome.permissions.contains({ origins: patterns })) return true;
  return chrome.permissions.request({ origins: patterns });
}

let current;
let missingAccess = [];
async function load() {
  const response = await send(MessageType.GET_SETTINGS)
    .catch((error) => console.warn('The worker refused the settings:', error.code));
  if (!response) return;
  current = response;
  fill(response);
  fillPolicy(response);
  fillCompanion(response).catch((error) => console.warn('The companion status failed:', error));
  missingAccess = await fillHostAccess(response);
}

/** The companion's store, as the options page names it. */
const COMPANION_STORE_KEYS = Object.freeze({ nss: 'companionStoreNss', windows: 'companionStoreWindows' });

/** Why the companion cannot be used, worded for the administrator: what Chrome or the
 * companion found, then what to do. Other codes are worded as the popup words them. */
const COMPANION_PROBLEM_KEYS = Object.freeze({
  companion_not_installed: 'companionProblemNotInstalled',
  companion_forbidden: 'companionProblemForbidden',
  companion_origin_not_allowed: 'companionProblemOriginNotAllowed',
  companion_config_untrusted: 'companionProblemConfigUntrusted',
  companion_exited: 'companionProblemExited',
  companion_timed_out: 'companionProblemTimedOut',
});

/** The administrator's words for a companion failure: the extension's ID where the fix needs
 * it, the time limit for a time-out. */
/** @param {{ code: string, context?: { seconds?: number } }} problem */
function companionProblem({ code, context }) {
  if (!COMPANION_PROBLEM_KEYS[code]) return errorMessage(code);
  const detail = code === 'companion_timed_out' ? String(context?.seconds ?? '') : chrome.runtime.id;
  return t(COMPANION_PROBLEM_KEYS[code], [detail]);
}

/** Shows `text` in the companion's status, one paragraph a line. */
function showCompanionStatus(status, text) {
  status.replaceChildren(...text.split('\n').map((line) => {
    const p = document.createElement('p');
    p.className = 'hint';
    p.textContent = line;
    return p;
  }));
}

/** Whether this terminal's status is written into the administrator's folder, and where or
 * why not (the worker's last attempt, this browser session). */
function statusReportText(settings, report) {
  if (!settings.companionStatus) return t('companionStatusOff');
  if (!report) return t('companionStatusNotYet');
  if (report.ok) return t('companionStatusWritten', [report.path, formatDateTime(report.at)]);
  return t('companionStatusFailed', [companionProblem({ code: report.code })]);
}

/** Whether the companion the policy asks for answers, and if not why, in words the
 * administrator can act on; when it does, its version, store, and the backup folder set in
 * the companion's own configuration (or that none is). */
async function fillCompanion({ effective }) {
  const status = document.getElementById('companion-status');
  const grant = document.getElementById('companion-grant');
  status.hidden = !effective.settings.useCompanion;
  grant.hidden = true;
  if (status.hidden) return;
  const permitted = await chrome.permissions.contains({ permissions: ['nativeMessaging'] });
  grant.hidden = permitted;
  try {
    const { version, store, backupFolder, statusReport } = await send(MessageType.COMPANION_STATUS);
    const working = t('companionWorking', [version, t(COMPANION_STORE_KEYS[store] ?? 'companionStoreOther')]);
    const backup = backupFolder ? t('companionBackupFolderSet', [backupFolder]) : t('companionBackupFolderNone');
    const lines = [working, backup];
    if (backupFolder) lines.push(statusReportText(effective.settings, statusReport));
    showCompanionStatus(status, lines.join('\n'));
  } catch (error) {
    const problem = permitted ? error : { code: 'companion_not_permitted' };
    showCompanionStatus(status, t('companionNotWorking', [companionProblem(problem)]));
  }
}

document.getElementById('grant-companion').addEventListener('click', async () => {
  // Asked at once, inside the click. Granted, the extension restarts: a running worker gets
  // `sendNativeMessage` only when it starts again.
  if (await chrome.permissions.request({ permissions: ['nativeMessaging'] }).catch(() => false)) chrome.runtime.reload();
});


document.getElementById('grant-access').addEventListener('click', () => {
  // Asked at once, inside the click: Chrome grants access only during a user gesture.
  chrome.permissions.request({ origins: missingAccess.map((origin) => `${origin}/*`) })
    .catch(() => false).then(load);
});

const submit = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFieldError(message);
  submit.after(message);
  saved.hidden = true;
  const input = formInput(current?.effective.locked ?? []);
  let effective;
  try {
    ({ effective } = await send(MessageType.SAVE_SETTINGS, { input }));
  } catch (error) {
    // Beside the field it is about, which gets the focus; otherwise under 保存.
    const field = KEYS.includes(error?.context?.key) ? document.getElementById(error.context.key) : null;
    if (field) {
      showFieldError(field, message, errorMessage(error));
      field.focus();
    } else {
      message.textContent = errorMessage(error);
      message.hidden = false;
      announce(message.textContent);
    }
    return;
  }
  // The servers the saved settings reach (on-premise WebORCA, the renewal API, the download
  // hosts) need host access: the core lists them (`accessOrigins`); asked for while the click
  // still counts as the user's gesture.
  await requestOrigins(effective.accessOrigins).catch(() => false);
  saved.hidden = false;
  announce(t('settingsSaved'));
  await load();
  if (document.activeElement === document.body) submit.focus();
});

mountRegistrationForm(/** @type {HTMLFormElement} */ (document.getElementById('register')), ({ registration }) => {
  const done = document.getElementById('registered');
  done.textContent = t('registeredAs', [registration.label]);
  done.hidden = false;
});
document.getElementById('copy-diagnostics').addEventListener('click', async () => {
  const said = document.getElementById('diagnostics-message');
  const shownText = /** @type {HTMLTextAreaElement} */ (document.getElementById('diagnostics-text'));
  said.hidden = true;
  let text;
  try {
    ({ text } = await send(MessageType.DIAGNOSTICS));
  } catch (error) {
    said.textContent = errorMessage(error);
    said.className = 'error';
    said.hidden = false;
    announce(said.textContent);
    return;
  }
  // Shown as well, so it can be selected by hand where the clipboard is refused.
  shownText.value = text;
  shownText.hidden = false;
  const copied = await navigator.clipboard.writeText(text).then(() => true, () => false);
  said.textContent = t(copied ? 'diagnosticsCopied' : 'diagnosticsCopyFailed');
  said.className = copied ? 'ok' : 'error';
  said.hidden = false;
  announce(said.textContent);
});
load().catch((error) => console.error('Loading the settings failed:', error));
// A policy that changes (or first arrives, seconds after a force-install) shows at once.
chrome.storage.onChanged.addListener((_changes, area) => {
  if (area === 'managed') load().catch((error) => console.error('Reloading the settings failed:', error));
});
