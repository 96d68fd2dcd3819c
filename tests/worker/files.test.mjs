// Saving a renewed file (extension/background/files.js) with Chrome's downloads API faked: a
// folder Chrome refuses sends the file to the fallback folder and the user is told where
// (never silently), files never overwrite others, and a save that fails everywhere is null.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { fakeChrome } from '../support/fake-chrome.mjs';

const chrome = fakeChrome();
globalThis.chrome = chrome;
const { saveFile } = await import('../../extension/background/files.js');

/** The `chrome.downloads.download` calls, in order; `refuse(filename)` decides which fail. */
let downloads;
let refuse;
beforeEach(() => {
  downloads = [];
  refuse = () => false;
  chrome.recorded.notifications.length = 0;
  chrome.runtime.getContexts = async () => [{ contextType: 'OFFSCREEN_DOCUMENT' }];
  chrome.runtime.sendMessage = async ({ type }) => (type === 'blob-url' ? { url: 'blob:saved' } : {});
  chrome.downloads = {
    download: async (options) => {
      downloads.push(options);
      if (refuse(options.filename)) throw new Error('Invalid filename');
      return downloads.length;
    },
    search: async ({ id }) => [{ id, state: 'complete', filename: `/home/user/Downloads/${downloads[id - 1].filename}` }],
    erase: async () => [],
    cancel: async () => {},
  };
});

const bytes = new Uint8Array([1, 2, 3]);

test('a folder Chrome accepts: saved there, never over another file, and nothing to tell', async () => {
  const saved = await saveFile('WebORCA証明書/client3948.p12', 'application/x-pkcs12', bytes);
  assert.equal(saved, '/home/user/Downloads/WebORCA証明書/client3948.p12');
  assert.deepEqual(downloads.map(({ filename, conflictAction, saveAs }) => ({ filename, conflictAction, saveAs })),
    [{ filename: 'WebORCA証明書/client3948.p12', conflictAction: 'uniquify', saveAs: false }]);
  assert.deepEqual(chrome.recorded.notifications, []);
});

test('a folder Chrome refuses: saved in the fallback folder, and the user is told both names', async () => {
  refuse = (filename) => filename.startsWith('WebORCA証明書/');
  const saved = await saveFile('WebORCA証明書/client3948.p12', 'application/x-pkcs12', bytes);
  assert.equal(saved, '/home/user/Downloads/WebORCA/client3948.p12');
  assert.deepEqual(downloads.map(({ filename }) => filename), ['WebORCA証明書/client3948.p12', 'WebORCA/client3948.p12']);
  const [told] = chrome.recorded.notifications;
  assert.equal(told?.title, chrome.i18n.getMessage('saveFolderRefusedTitle'));
  assert.equal(told.message, chrome.i18n.getMessage('saveFolderRefusedBody', ['WebORCA証明書', 'WebORCA']));
});

test('refused everywhere: null for the state machine to retry, and no message about a file that is not there', async () => {
  refuse = () => true;
  assert.equal(await saveFile('WebORCA証明書/client3948.p12', 'application/x-pkcs12', bytes), null);
  assert.equal(downloads.length, 2);
  assert.deepEqual(chrome.recorded.notifications, []);
});
