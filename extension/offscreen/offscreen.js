// The offscreen document: turns bytes into a `blob:` URL the worker can download (a service
// worker has no URL.createObjectURL), and revokes it afterwards. It answers the worker only.
import { OffscreenRequest } from '../shared/protocol.js';

const urls = new Set();

function fromWorker(sender) {
  return sender.id === chrome.runtime.id && !sender.tab && sender.url === chrome.runtime.getURL('background.js');
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (message?.target !== 'offscreen' || !fromWorker(sender)) return false;
  if (message.type === OffscreenRequest.BLOB_URL) {
    const { base64, type } = message.data;
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    urls.add(url);
    sendResponse({ url });
  } else if (message.type === OffscreenRequest.REVOKE && urls.has(message.data.url)) {
    URL.revokeObjectURL(message.data.url);
    urls.delete(message.data.url);
    sendResponse({});
  }
  return false;
});
