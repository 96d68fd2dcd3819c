// The diagnostics an administrator copies from the options page for the IT vendor. The core
// writes the text (crate/src/diagnostics.rs); the worker gathers what only it can ask: the
// browser's version, the companion's answer, and the words for each error code. It hands the
// core the stored metadata only: the secrets (secrets.js) are never read here.
import { CodedError } from '../shared/errors.js';
import { errorMessage } from '../shared/i18n.js';
import { CompanionRequest } from '../shared/protocol.js';
import * as core from './core.js';
import { askCompanion } from './companion.js';

/** The browser's name and full version, and the OS: the User-Agent Client Hints where
 * Chrome gives them (its User-Agent string carries a reduced version), else the string. */
async function browserName() {
  /** @typedef {{ brand: string, version: string }} Brand */
  /** @type {{ brands: Brand[], platform: string,
   *   getHighEntropyValues(hints: string[]): Promise<{ fullVersionList?: Brand[], platformVersion?: string }> } | undefined} */
  const hints = /** @type {any} */ (globalThis.navigator)?.userAgentData; // not yet in TypeScript's DOM types
  if (!hints) return globalThis.navigator?.userAgent ?? 'unknown';
  const high = await hints.getHighEntropyValues(['fullVersionList', 'platformVersion'])
    .catch(() => /** @type {{ fullVersionList?: Brand[], platformVersion?: string }} */ ({}));
  const brands = (high.fullVersionList ?? hints.brands)
    .filter(({ brand }) => !/not.?a.?brand/i.test(brand))
    .map(({ brand, version }) => `${brand} ${version}`);
  const platform = [hints.platform, high.platformVersion].filter(Boolean).join(' ');
  return `${brands.join(', ')} (${platform})`;
}

/** What the companion answers to `version` now, or why it does not, with the last status write. */
async function companionFacts(statusReport) {
  let facts;
  try {
    const { version, store, backupFolder } = await askCompanion({ type: CompanionRequest.VERSION });
    facts = { version, store, backupFolder: typeof backupFolder === 'string' ? backupFolder : null };
  } catch (error) {
    facts = { errorCode: CodedError.of(error)?.code ?? 'companion_unavailable' };
  }
  if (statusReport) {
    facts = { ...facts, statusWritten: statusReport.ok, statusCode: statusReport.code ?? null, statusAt: statusReport.at };
  }
  return facts;
}

/** Each code the core knows with its sentence in the user's language, as `[code, sentence]`
 * pairs (a settings refusal is worded by its setting, which the diagnostics name anyway). */
function codeMessages() {
  return core.errorCodes().filter((code) => code !== 'invalid_setting').map((code) => [code, errorMessage(code)]);
}

/** The text block: `stored` as the store read it, the user's settings, the policy, and the
 * last status write (`statusReport`, or null). */
export async function diagnostics({ stored, user, policy, statusReport }) {
  await core.loadCore();
  const { settings } = core.effectiveSettings(user, policy);
  const { installType, version } = await chrome.management.getSelf();
  const facts = {
    extensionVersion: version,
    installType,
    browser: await browserName(),
    companion: settings.useCompanion ? await companionFacts(statusReport) : null,
    messages: codeMessages(),
    now: Date.now(),
  };
  return core.diagnosticsText(facts, user, policy, stored.registrations, Object.values(stored.renewals));
}
