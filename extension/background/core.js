/* global CORE_WASM_SHA256 */
// Loads the Rust core (Wasm) once per worker life. The promise is not state that must
// survive a restart: a restarted worker simply loads the core again.
import init from '../../pkg/weborca_cert.js';

export {
  autoRenewalPlan, checkSignatures, coreVersion, diagnosticsText, discoveredRegistrations, errorCodes, effectiveSettings, isWeborcaOrigin, newRegistration, overview, performRequest, readCertificate,
  renewalApiUrl, renewalBackupMatches, renewalRemovalRefused, renewalStart, renewalStep, renewalView, snoozeUntil,
  storedState, terminalStatus, validateSettings, withEntriesKeptInPlace,
} from '../../pkg/weborca_cert.js';

const CORE_FILE = 'weborca_cert_bg.wasm';
/** The Cache API entry holding the core: V8 keeps its compiled code beside a response the
 * Cache API holds and reuses it at the next worker start (a chrome-extension:// response gets
 * no such code cache, and the Cache API takes http(s) keys only, hence a name that resolves
 * nowhere). Named by the file's SHA-256 (webpack.config.js), so a new build never meets an
 * old build's module. */
const CACHE = 'weborca-core';

let ready = null;

/** Resolves when the Wasm core is instantiated. wasm-bindgen's `init` compiles the response
 * as it streams in; the marks `core:…` time a worker start (tests/bench/chromium.mjs). */
export function loadCore() {
  ready ??= (async () => {
    performance.mark('core:load');
    await init({ module_or_path: await coreResponse() });
    performance.mark('core:ready');
  })();
  return ready;
}

/** @param {ArrayBuffer} bytes */
async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The core's response from the Cache API (stored there from the package the first time, any
 * other build's entry removed), or its URL when there is no Cache API (Node's tests, where the
 * core is already loaded) or it fails: `init` then fetches the file itself. */
async function coreResponse() {
  const url = chrome.runtime.getURL(CORE_FILE);
  if (typeof CORE_WASM_SHA256 !== 'string' || typeof caches === 'undefined') return url;
  try {
    const key = `https://weborca-core.invalid/${CORE_WASM_SHA256}/${CORE_FILE}`;
    const cache = await caches.open(CACHE);
    const cached = await cache.match(key);
    // Content verification does not reach the Cache API: a cached module is used only when its
    // bytes are the packaged file's (the hash the bundle carries), read from a copy so that the
    // response itself still compiles as it streams (and meets V8's code cache).
    if (cached && await sha256Hex(await cached.clone().arrayBuffer()) === CORE_WASM_SHA256) return cached;
    // The extension's own packaged file, not the network.
    // eslint-disable-next-line no-restricted-globals
    const response = await fetch(url);
    await Promise.all((await cache.keys()).map((old) => cache.delete(old)));
    await cache.put(key, response.clone());
    return response;
  } catch {
    return url;
  }
}
