// Loads the Rust core (Wasm) once per worker life. The promise is not state that must
// survive a restart: a restarted worker simply loads the core again.
import init from '../../pkg/weborca_cert.js';

export {
  autoRenewalPlan, coreVersion, diagnosticsText, discoveredRegistrations, errorCodes, effectiveSettings, isWeborcaOrigin, newRegistration, overview, performRequest, readCertificate,
  renewalApiUrl, renewalBackupMatches, renewalRemovalRefused, renewalStart, renewalStep, renewalView, snoozeUntil,
  storedState, terminalStatus, validateSettings, withEntriesKeptInPlace,
} from '../../pkg/weborca_cert.js';

let ready = null;

/** Resolves when the Wasm core is instantiated. */
export function loadCore() {
  ready ??= init({ module_or_path: chrome.runtime.getURL('weborca_cert_bg.wasm') });
  return ready;
}
