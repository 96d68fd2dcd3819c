// Saves renewed files into Downloads without leaving key material behind: the bytes become a
// `blob:` URL in an offscreen document (a service worker cannot make one), the download's
// history entry is erased once it is complete (the file stays on disk), and the URL is
// revoked. A `data:` URL would keep the whole file in `DownloadItem.url`, readable by any
// extension with the `downloads` permission and kept in the profile's history.
import { t } from '../shared/i18n.js';
import { base64 } from './base64.js';
import { NotificationId, OffscreenRequest } from '../shared/protocol.js';

const OFFSCREEN_URL = 'offscreen/offscreen.html';
const COMPLETE_WAIT_MS = 60_000;

let creating = null;
async function offscreenDocument() {
  const url = chrome.runtime.getURL(OFFSCREEN_URL);
  const existing = await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] });
  if (existing.length) return;
  creating ??= chrome.offscreen.createDocument({
    url: OFFSCREEN_URL, reasons: ['BLOBS'], justification: 'Save renewed certificate files from blob: URLs',
  }).finally(() => { creating = null; });
  await creating;
}

/** @param {import('../shared/protocol.js').OffscreenRequestType} type @param {object} data */
function toOffscreen(type, data) {
  return chrome.runtime.sendMessage({ target: 'offscreen', type, data });
}

/** Waits for a download to finish; its final path, or null if it was interrupted. */
async function completed(id) {
  for (let waited = 0; waited < COMPLETE_WAIT_MS; waited += 100) {
    const [item] = await chrome.downloads.search({ id });
    if (item?.state === 'complete') return item.filename;
    if (!item || item.state === 'interrupted') return null;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await chrome.downloads.cancel(id).catch(() => {});
  return null;
}

/** Saves `bytes` as `path` under Downloads (never overwriting). Resolves to the file's full
 * path, or null when it could not be saved (the caller's state machine decides what next).
 * `fallbackFolder` (ASCII) takes the file when Chrome refuses the path's folder name. */
export async function saveFile(path, type, bytes, fallbackFolder = 'WebORCA') {
  try {
    return await saveThroughBlob(path, type, bytes, fallbackFolder);
  } catch (error) {
    // A failed save is an event for the state machine (it retries, then asks the user),
    // never an exception that would leave the renewal hanging. The error holds no secret.
    console.error('Saving a renewed file failed:', error?.message ?? error);
    return null;
  }
}

async function saveThroughBlob(path, type, bytes, fallbackFolder) {
  await offscreenDocument();
  const { url } = await toOffscreen(OffscreenRequest.BLOB_URL, { base64: base64(bytes), type });
  try {
    const download = (filename) => chrome.downloads.download({ url, filename, conflictAction: 'uniquify', saveAs: false });
    // Chrome refuses non-ASCII folder names when the system locale is not UTF-8: keep the
    // file rather than the folder name.
    const fallback = `${fallbackFolder}/${path.split('/').pop()}`;
    const id = await download(path).catch(async () => {
      const moved = await download(fallback);
      // Never silently: the user is looking for the file where the settings said.
      await tellFolderRefused(path, fallback).catch(() => {});
      return moved;
    }).catch(() => null);
    if (id === null) return null;
    const saved = await completed(id);
    await chrome.downloads.erase({ id });
    return saved;
  } finally {
    await toOffscreen(OffscreenRequest.REVOKE, { url }).catch(() => {});
  }
}

/** Tells the user a file went to the fallback folder because its own was refused. */
function tellFolderRefused(path, fallback) {
  const folder = path.split('/').slice(0, -1).join('/');
  return chrome.notifications.create(NotificationId.folderRefused(fallback), {
    type: 'basic',
    iconUrl: chrome.runtime.getURL('icons/icon-128.png'),
    title: t('saveFolderRefusedTitle'),
    message: t('saveFolderRefusedBody', [folder, fallback.split('/')[0]]),
    priority: 2,
  });
}
