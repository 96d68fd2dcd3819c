// The companion: a native messaging host the clinic's IT installs (crate/companion), which lists
// the certificates in the computer's own store, imports renewed ones there and backs them up.
// Optional: without it (not installed, not allowed, the permission not granted) every call
// rejects with a code that says why, and the extension goes on as it always has.
import { CodedError } from '../shared/errors.js';
import { CompanionRequest } from '../shared/protocol.js';

/** The host's name, as its manifest registers it with Chrome. */
export const COMPANION_HOST = 'jp.weborca.cert_companion';

/**
 * How long each request may take, in ms, before the companion is stopped and the request
 * answered `companion_timed_out`: the one place these limits are set. Sized for a slow clinic
 * PC: a first start scanned by antivirus takes seconds; an import opens the file with its
 * 600,000-round key derivations twice (the companion's own check, then NSS's pk12util or
 * Windows) and reads the store back; a backup writes, reads back and opens the copy. A renewal
 * waits at most this long for the companion, then goes on without it.
 */
export const COMPANION_TIME_LIMITS_MS = Object.freeze({
  [CompanionRequest.VERSION]: 10_000,
  [CompanionRequest.LIST]: 30_000,
  [CompanionRequest.IMPORT]: 60_000,
  [CompanionRequest.BACKUP]: 60_000,
  [CompanionRequest.STATUS]: 10_000,
});

/** Chrome's words when it ends the connection (`chrome.runtime.lastError.message`, seen in
 * Chromium 156), and the code each means. Any other message is `companion_unavailable`. */
const DISCONNECT_CODES = Object.freeze({
  // No host manifest of that name, or one that does not parse or names no program.
  'Specified native messaging host not found.': 'companion_not_installed',
  // The host manifest's allowed_origins does not name this extension.
  'Access to the specified native messaging host is forbidden.': 'companion_forbidden',
  // Started, then ended (or could not be run) without answering.
  'Native host has exited.': 'companion_exited',
});

/**
 * Sends one request on a port of its own; resolves to the answer (`ok: true`) or rejects with
 * a CodedError: the companion's own refusal code, why Chrome could not reach it, or
 * `companion_timed_out` (with `seconds`) when it did not answer in time. Either way the port
 * is closed, and Chrome ends the companion.
 * @param {{ type: import('../shared/protocol.js').CompanionRequestType } & Record<string, unknown>} request
 */
export async function askCompanion(request) {
  // The Web Store edition holds `nativeMessaging` only once granted on the options page; a
  // worker started before the grant has no binding for it until the extension restarts.
  if (!chrome.runtime.connectNative) throw new CodedError('companion_not_permitted');
  const limit = COMPANION_TIME_LIMITS_MS[request.type];
  const port = chrome.runtime.connectNative(COMPANION_HOST);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (done, { disconnect = true } = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (disconnect) port.disconnect(); // Chrome closes the pipes and ends the companion
      done();
    };
    const timer = setTimeout(() => settle(() => reject(new CodedError('companion_timed_out', { seconds: limit / 1000 }))), limit);
    port.onMessage.addListener((answer) => settle(() => {
      if (answer?.ok) resolve(answer);
      else reject(new CodedError(typeof answer?.error?.code === 'string' ? answer.error.code : 'companion_refused'));
    }));
    port.onDisconnect.addListener(() => {
      const said = chrome.runtime.lastError?.message;
      const code = DISCONNECT_CODES[said] ?? 'companion_unavailable';
      // Chrome's own words, in English, for the administrator's console; the pages word the code.
      if (code === 'companion_unavailable') console.warn('Chrome could not talk to the companion:', said);
      settle(() => reject(new CodedError(code)), { disconnect: false });
    });
    port.postMessage(request);
  });
}
