// The smallest correct PKCS#12 opener with PKI.js 3 (what an extension written on PKI.js and
// WebCrypto would ship), for the bench's PKI.js column: parse the PFX, verify its MAC if it
// has one, decrypt every safe contents and shrouded key bag, return the certificates.
// It uses Node's WebCrypto (`globalThis.crypto`), as an extension would use the browser's.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: globalThis.crypto }));

/** Names for the OIDs PKI.js and node-forge refuse, so "cannot read" says what the file uses. */
const NAMES = {
  '1.2.840.113549.1.12.1.3': 'pbeWithSHAAnd3-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.6': 'pbeWithSHAAnd40BitRC2-CBC',
  '1.2.840.113549.1.5.14': 'PBMAC1',
};
const SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const CERT_BAG = '1.2.840.113549.1.12.10.1.3';

/** Why a library could not open a file, in a few words (an error or its message). */
export function shortReason(error) {
  const text = String(error?.message ?? error).split('\n')[0];
  const oid = text.match(/\d+(?:\.\d+){4,}/)?.[0];
  if (oid && NAMES[oid]) return `no ${NAMES[oid]}`;
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Opens `bytes` with `password`; resolves to the certificates, rejects if PKI.js cannot. */
export async function openWithPkijs(bytes, password) {
  // PBES2 takes the password's UTF-8 bytes; PKI.js turns them into BMPString for the MAC.
  const secret = new TextEncoder().encode(password).buffer;
  const asn1 = asn1js.fromBER(new Uint8Array(bytes));
  if (asn1.offset === -1) throw new Error(`BER: ${asn1.result.error}`);
  const pfx = new pkijs.PFX({ schema: asn1.result });
  await pfx.parseInternalValues({ password: secret, checkIntegrity: Boolean(pfx.macData) });
  const safe = pfx.parsedValue.authenticatedSafe;
  await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password: secret })) });
  const certificates = [];
  for (const { value } of safe.parsedValue.safeContents) {
    for (const bag of value.safeBags) {
      if (bag.bagId === SHROUDED_KEY_BAG) await bag.bagValue.parseInternalValues({ password: secret });
      if (bag.bagId === CERT_BAG) certificates.push(bag.bagValue.parsedValue);
    }
  }
  if (!certificates.length) throw new Error('no certificate');
  return certificates;
}
