// The companion: a native messaging host the clinic's IT installs (crate/companion), which lists
// the certificates in the computer's own store, imports renewed ones there and backs them up.
// Optional: without it (not installed, not allowed, the permission not granted) every call
// resolves to a refusal with its code, and the extension goes on as it always has.
import { CodedError } from '../shared/errors.js';

/** The host's name, as its manifest registers it with Chrome. */
export const COMPANION_HOST = 'jp.weborca.cert_companion';

/** Sends one request; resolves to the answer (`ok: true`) or rejects with a CodedError. */
export async function askCompanion(request) {
  // The Web Store edition holds `nativeMessaging` only once granted on the options page; a
  // worker started before the grant has no binding for it until the extension restarts.
  if (!chrome.runtime.sendNativeMessage) throw new CodedError('companion_not_permitted');
  let answer;
  try {
    answer = await chrome.runtime.sendNativeMessage(COMPANION_HOST, request);
  } catch {
    // Not installed, not allowed for this extension, or it exited without answering.
    throw new CodedError('companion_unavailable');
  }
  if (answer?.ok) return answer;
  throw new CodedError(typeof answer?.error?.code === 'string' ? answer.error.code : 'companion_refused');
}
