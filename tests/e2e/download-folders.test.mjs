// The Downloads sub-folder a user or an administrator names is accepted only where Chrome's
// downloads API accepts it: otherwise the renewed files would land in the fallback folder. The
// core's rule (crate/src/folder.rs) is Chrome's; here Chromium itself is asked about every
// name, and the test fails where the two part.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchWithExtension } from '../support/browser.mjs';
import { validateSettings } from '../support/core.mjs';

/** Names Chromium 156 refuses ("Invalid filename"), those it accepts, and near misses. */
const NAMES = [
  'CLOCK$', 'clock$.d', 'desktop.ini', 'Thumbs.db', 'backup.lnk', 'certs.local', '.certs', 'a/.hidden',
  'certs.', 'CON', 'nul.txt', 'COM1', 'lpt9.log', 'x.{20D04FE0-3AEA-1069-A2D8-08002B30309D}',
  'WebORCA証明書', 'WebORCA/2026', 'certs.localized', 'lnk', 'desktop', 'v1.2', 'COM10', 'console',
  'クリニック 証明書', 'a b', 'a-b_c', 'a\uFDD0', 'b\uFFFF',
];

/** What the core does with each name: the folder it would save in, or null when refused. */
function coreFolder(name) {
  try {
    return validateSettings({ downloadSubfolder: name }).downloadSubfolder;
  } catch (error) {
    assert.equal(error.code, 'invalid_setting', name);
    return null;
  }
}

test("a download folder is accepted only where Chrome's downloads API accepts it", async () => {
  const browser = await launchWithExtension();
  try {
    const worker = await browser.currentWorker();
    /** Chrome's answer for `folder/x.txt`: true when it starts the download (then cancelled). */
    const chromeAccepts = (folder) => worker.evaluate(async (filename) => {
      try {
        const id = await chrome.downloads.download({ url: 'data:text/plain,x', filename, saveAs: false, conflictAction: 'uniquify' });
        await chrome.downloads.cancel(id).catch(() => {});
        await chrome.downloads.erase({ id });
        return true;
      } catch (error) {
        if (!/Invalid filename/.test(error.message)) throw error;
        return false;
      }
    }, `${folder}/x.txt`);
    const parted = [];
    for (const name of NAMES) {
      const folder = coreFolder(name);
      // Accepted by the core: the folder it keeps must be one Chrome takes. Refused: Chrome
      // must refuse the name too (else the core refuses a name for nothing).
      const chrome = await chromeAccepts(folder ?? name);
      if (chrome !== (folder !== null)) parted.push(`${name}: core ${folder === null ? 'refuses' : `keeps "${folder}"`}, Chrome ${chrome ? 'accepts' : 'refuses'}`);
    }
    assert.deepEqual(parted, [], 'the core and Chrome agree on every name');
    // The ones the issue found each refused by both.
    for (const name of ['CLOCK$', 'clock$.d', 'desktop.ini', 'thumbs.db', 'backup.lnk', 'certs.local', '.certs', 'a/.hidden']) {
      assert.equal(coreFolder(name), null, name);
    }
  } finally {
    await browser.close();
  }
});
