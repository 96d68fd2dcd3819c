// The service worker: the only context that runs the core. Listeners are registered
// synchronously at the top level so a worker woken by an event finds them.
import { MessageType, parseReadCertificate } from '../shared/messages.js';
import { coreVersion, loadCore, readCertificate } from './core.js';

loadCore().catch((error) => console.error('WebORCA core failed to load:', error));

/** Only the extension's own pages (popup, options, in a popup or a tab) may ask; a content
 * script's sender.url is the web page's, so it does not pass. */
function fromOwnPage(sender) {
  return sender.id === chrome.runtime.id && typeof sender.url === 'string'
    && sender.url.startsWith(chrome.runtime.getURL(''));
}

const handlers = {
  async [MessageType.CORE_STATUS]() {
    await loadCore();
    return { ok: true, coreVersion: coreVersion() };
  },
  async [MessageType.READ_CERTIFICATE](data) {
    const request = parseReadCertificate(data);
    if (!request) return { ok: false, error: { code: 'internal' } };
    await loadCore();
    try {
      const report = readCertificate(
        new Uint8Array(request.bytes),
        request.password ?? undefined,
        request.fileName ?? undefined,
      );
      return { ok: true, report };
    } catch (error) {
      // The core's errors are `{ code, ... }`; the password is never part of them.
      return { ok: false, error: typeof error?.code === 'string' ? error : { code: 'internal' } };
    }
  },
};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = handlers[message?.type];
  if (!handler || !fromOwnPage(sender)) return false;
  handler(message.data).then(sendResponse, (error) => {
    console.error('WebORCA worker failed on', message.type, error);
    sendResponse({ ok: false, error: { code: 'internal' } });
  });
  return true; // answered asynchronously
});
