// Every card the popup can show for a renewal, as the stored records that lead to it (the
// flat shape of crate/src/renewal/record.rs `StoredRecord`), made from a registered
// certificate. The accessibility test and the demo show each one in the real popup.

const HOUR = 3_600_000;

/** The stored renewal records, by state name, for the registered `certificate`. */
export function renewalStates(certificate, label = '受付PC', now = Date.now()) {
  const renewed = {
    certificate: { ...certificate, sha256Fingerprint: 'B'.repeat(64), notAfter: now + 1095 * 24 * HOUR },
    names: { p12: '4660__JP_u00001294_client3948_20291123.p12', password: '4660__JP_u00001294_client3948_20291123_password.txt' },
  };
  const folder = '/home/reception/Downloads/WebORCA証明書';
  const files = { p12: `${folder}/${renewed.names.p12}`, password: `${folder}/${renewed.names.password}` };
  const nas = '/mnt/nas/受付PC';
  const backup = { p12: `${nas}/${renewed.names.p12}`, password: `${nas}/${renewed.names.password}` };
  const base = {
    fingerprint: certificate.sha256Fingerprint, label, issued: 'no', current: certificate,
    apiUrl: 'https://auth.cmo.orcamo.jp/api/cert', downloadHosts: [], folder: 'WebORCA証明書',
    attempt: 1, downloadAttempt: 0, saveAttempt: 0, startedAt: now - HOUR, updatedAt: now,
  };
  const uri = 'https://files.cmo.orcamo.jp/renewed.p12';
  const record = (state, extra) => ({ ...base, state, ...extra });
  return {
    progress: record('probing', {}),
    waiting: record('waiting', { nextAttemptAt: now + HOUR, error: { code: 'connection_failed' } }),
    downloadRetry: record('answered', { issued: 'yes', uri, downloadAttempt: 1, nextAttemptAt: now + HOUR, error: { code: 'download_failed' } }),
    downloadStuck: record('answered', { issued: 'yes', uri, downloadAttempt: 5, error: { code: 'download_gone', status: 404 } }),
    saveStuck: record('verified', { issued: 'yes', renewed, saveAttempt: 3, error: { code: 'save_failed' } }),
    uncertain: record('uncertain', { issued: 'maybe', error: { code: 'timeout' } }),
    failedIssued: record('failed', { issued: 'yes', error: { code: 'malformed_answer' } }),
    failedNotConnected: record('failed', { error: { code: 'auto_not_connected' } }),
    held: record('held', { issued: 'yes', error: { code: 'renewed_other_issuer' }, received: { ...certificate, issuer: 'CN=Other CA' } }),
    heldExported: record('held', {
      issued: 'yes', error: { code: 'untrusted_uri' }, uri: 'http://files.elsewhere.test/x.p12',
      exported: { password: `${folder}/管理者確認用/x_password.txt`, p12: null },
    }),
    guide: record('saved', { issued: 'yes', renewed, files, remindedAt: now }),
    guideBackedUp: record('backedUp', { issued: 'yes', renewed, files, remindedAt: now }),
    guideCompanionRefused: record('saved', {
      issued: 'yes', renewed, files, remindedAt: now, automatic: true,
      companion: { import: true }, companionError: { code: 'companion_unavailable' },
    }),
    // Imported and backed up by the companion: nothing in Downloads, `files` are its copies.
    imported: record('done', {
      issued: 'yes', renewed, files: backup, imported: true, companion: { import: true },
      backupPath: backup.p12, onlyBackedUp: true,
    }),
    importedBackupRefused: record('done', {
      issued: 'yes', renewed, files, imported: true, companion: { import: true },
      companionError: { code: 'companion_backup_failed' },
    }),
  };
}

/** The cards the states above show (`.renewal` has the stage; the test checks each appears). */
export const CARD_OF_STATE = Object.freeze({
  progress: 'progress', waiting: 'waiting', downloadRetry: 'downloadRetry', downloadStuck: 'downloadStuck',
  saveStuck: 'saveStuck', uncertain: 'uncertain', failedIssued: 'failed', failedNotConnected: 'failed', held: 'held',
  heldExported: 'held', guide: 'guide', guideBackedUp: 'guide', guideCompanionRefused: 'guide', imported: 'imported',
  importedBackupRefused: 'imported',
});

/** Stores `record` as the only renewal (none for null) and reloads `popup` on it. Call the
 * worker's `chrome.alarms.clearAll()` first, so no timer moves a made-up record on. */
export async function showRenewal(worker, popup, record) {
  await worker.evaluate((renewals) => chrome.storage.local.set({ renewals }),
    record ? { [record.fingerprint]: record } : {});
  await popup.reload();
  if (record) await popup.locator('.renewal').first().waitFor();
  else await popup.locator('#certificates > li').first().waitFor();
}
