// The messages between the extension's contexts: one typed union keyed on `type`.
// Direction is in the name: `popup→worker` requests are answered with `{ ok, ... }`.

/** Message types the service worker accepts. */
export const MessageType = Object.freeze({
  /** popup→worker: is the core loaded? → `{ ok, coreVersion }` */
  CORE_STATUS: 'core/status',
  /** popup→worker: read a certificate file → `{ ok, report }` or `{ ok: false, error }` */
  READ_CERTIFICATE: 'certificate/read',
});

/**
 * Checks a `certificate/read` request's data; returns it typed, or null when malformed.
 * @param {unknown} data
 * @returns {{ bytes: number[], password: string | null, fileName: string | null } | null}
 */
export function parseReadCertificate(data) {
  if (typeof data !== 'object' || data === null) return null;
  const { bytes, password, fileName } = /** @type {Record<string, unknown>} */ (data);
  if (!Array.isArray(bytes) || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
    return null;
  }
  if (password !== null && typeof password !== 'string') return null;
  if (fileName !== null && typeof fileName !== 'string') return null;
  return { bytes, password, fileName };
}
