// The options page: the settings form (values the administrator fixed by policy are shown
// locked) and the registration form. The worker validates with the core and stores.
import { MessageType } from '../shared/messages.js';
import { errorMessage, localize, t } from '../shared/i18n.js';
import { mountRegistrationForm } from '../shared/registration-form.js';
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
    const input = document.getElementById(key);
    input.value = own[key];
    input.disabled = locked.includes(key);
    document.getElementById(`${key}-lock`).hidden = !locked.includes(key);
  }
  document.getElementById('policy-note').hidden = locked.length === 0;
}

/** The form's values, for the keys the user may change. */
function formInput(locked) {
  const value = (key) => document.getElementById(key).value;
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
async function load() {
  const response = await chrome.runtime.sendMessage({ type: MessageType.GET_SETTINGS });
  if (response?.ok) {
    current = response;
    fill(response);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  message.hidden = true;
  saved.hidden = true;
  const input = formInput(current?.effective.locked ?? []);
  // The renewal API needs host access too (without it the browser's CORS rules block it).
  const apiOrigin = /^https:\/\//.test(input.renewalApiUrl ?? '') ? [new URL(input.renewalApiUrl).origin] : [];
  // So do the hosts allowed to serve the renewed file (the GET presents the certificate).
  const hostOrigins = (input.downloadHosts ?? []).filter((h) => /^[a-z0-9.-]+(:\d+)?$/i.test(h)).map((h) => `https://${h}`);
  await requestOrigins([...(input.weborcaOrigins ?? []), ...apiOrigin, ...hostOrigins]).catch(() => false);
  const response = await chrome.runtime.sendMessage({ type: MessageType.SAVE_SETTINGS, data: { input } });
  if (response?.ok) {
    saved.hidden = false;
    await load();
  } else {
    message.textContent = errorMessage(response?.error);
    message.hidden = false;
  }
});

mountRegistrationForm(document.getElementById('register'), ({ registration }) => {
  const done = document.getElementById('registered');
  done.textContent = t('registeredAs', [registration.label]);
  done.hidden = false;
});
load().catch((error) => console.error('Loading the settings failed:', error));
