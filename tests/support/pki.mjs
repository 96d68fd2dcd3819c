// A throwaway PKI made with the openssl command line, as WebORCA's own is: a test CA,
// a server certificate for the simulated WebORCA hosts, and client certificates with any
// validity (past ones included, through `openssl ca -startdate/-enddate`), exported as
// PKCS#12 the way the ORCA cloud does (-legacy: RC2-40, 3DES, SHA-1 MAC), with the CA
// certificate as chain unless `chain: false`. Certificates carry the X.509v3 extensions a
// real CA writes: the CA subjectKeyIdentifier, basicConstraints=critical,CA:TRUE and
// keyUsage=critical,keyCertSign,cRLSign; issued ones authorityKeyIdentifier (the CA's key
// id), subjectKeyIdentifier and basicConstraints=CA:FALSE (plus the server's SAN).
// For tests against a server that misbehaves: `impostorCa()` is a second, unrelated CA with
// the very same subject DN but its own key, and `selfSigned()` a self-signed client
// certificate.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const openssl = (args, options = {}) => execFileSync('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });

const DAY = 86_400_000;
/** The test CA's subject; the impostor CA has the same one. */
export const CA_SUBJECT = '/C=JP/O=WebORCA Test/CN=WebORCA Test CA';

/** `YYYYMMDDHHMMSSZ` for openssl ca. */
function asn1Time(millis) {
  return new Date(millis).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

export class TestPki {
  /** Creates the CA in `dir` (a fresh temporary folder). */
  constructor(dir) {
    this.dir = dir;
    mkdirSync(path.join(dir, 'issued'), { recursive: true });
    this.caKey = path.join(dir, 'ca.key');
    this.caCert = path.join(dir, 'ca.crt');
    writeFileSync(path.join(dir, 'index.txt'), '');
    writeFileSync(path.join(dir, 'serial'), `${randomBytes(8).toString('hex').toUpperCase()}\n`);
    this.config = path.join(dir, 'ca.cnf');
    writeFileSync(this.config, [
      '[req]', 'distinguished_name = req_dn', 'prompt = no', '[req_dn]', 'CN = unused',
      '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt',
      'new_certs_dir = $dir/issued', 'serial = $dir/serial', 'default_md = sha256', 'policy = any',
      'unique_subject = no', 'copy_extensions = copy', 'email_in_dn = no', 'x509_extensions = leaf_ext',
      '[any]', 'countryName = optional', 'organizationName = optional', 'commonName = supplied',
      '[ca_ext]', 'subjectKeyIdentifier = hash', 'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      '[leaf_ext]', 'authorityKeyIdentifier = keyid:always', 'subjectKeyIdentifier = hash', 'basicConstraints = CA:FALSE',
      // A CA profile that writes no authorityKeyIdentifier (RFC 5280 makes it a SHOULD).
      // (OpenSSL 3 writes one unless told 'none'.)
      '[leaf_noaki_ext]', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = none', 'basicConstraints = CA:FALSE',
      // openssl 3.0 cannot find the issuer key id of a -selfsign certificate with keyid:always.
      '[self_ext]', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', 'basicConstraints = CA:FALSE',
      '',
    ].join('\n'));
    openssl(['req', '-x509', '-config', this.config, '-extensions', 'ca_ext', '-newkey', 'rsa:2048', '-nodes',
      '-keyout', this.caKey, '-out', this.caCert, '-days', '3650', '-subj', CA_SUBJECT]);
  }

  /**
   * Issues a certificate for `subject` valid from `notBefore` to `notAfter` (ms).
   * `selfSign` signs it with its own key instead of the CA's (issuer = subject); `aki: false`
   * leaves out the authorityKeyIdentifier, as some CA profiles do.
   * @returns {{ key: string, cert: string }} file paths
   */
  issue(name, subject, { notBefore, notAfter, san, selfSign = false, aki = true }) {
    const key = path.join(this.dir, `${name}.key`);
    const csr = path.join(this.dir, `${name}.csr`);
    const cert = path.join(this.dir, `${name}.crt`);
    const extra = san ? ['-addext', `subjectAltName=${san}`] : [];
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject, ...extra]);
    const signer = selfSign ? ['-selfsign', '-keyfile', key, '-extensions', 'self_ext']
      : ['-cert', this.caCert, '-keyfile', this.caKey, ...(aki ? [] : ['-extensions', 'leaf_noaki_ext'])];
    openssl(['ca', '-batch', '-config', this.config, ...signer, '-in', csr,
      '-out', cert, '-notext', '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter)]);
    return { key, cert };
  }

  /**
   * A WebORCA-style client certificate (CN=client…, O=u…) as .crt and legacy .p12; the .p12
   * also holds the CA certificate unless `chain` is false; `aki: false` as a CA profile
   * without authorityKeyIdentifier issues it.
   */
  client(name, { cn, tenant = 'u00001294', notBefore = Date.now() - DAY, notAfter, password, chain = true, aki = true }) {
    const issued = this.issue(name, `/C=JP/O=${tenant}/CN=${cn}`, { notBefore, notAfter, aki });
    return { ...issued, p12: this.#export(name, issued, cn, password, chain ? this.caCert : null), password };
  }

  /**
   * A self-signed client certificate (issuer = subject, no CA) for `cn`/`tenant`, as .crt and
   * legacy .p12 (without chain). Same return shape as `client()`.
   */
  selfSigned(name, { cn, tenant = 'u00001294', notBefore = Date.now() - DAY, notAfter, password }) {
    const issued = this.issue(name, `/C=JP/O=${tenant}/CN=${cn}`, { notBefore, notAfter, selfSign: true });
    return { ...issued, p12: this.#export(name, issued, cn, password, null), password };
  }

  /**
   * A second, unrelated CA with the same subject DN as this one but its own key, in the
   * `impostor` sub-folder (made once, then reused). It has the same API (`client()`,
   * `issue()`, `caCert`…); what it issues carries its own key id as authorityKeyIdentifier.
   * @returns {TestPki}
   */
  impostorCa() {
    this.impostor ??= new TestPki(path.join(this.dir, 'impostor'));
    return this.impostor;
  }

  /** A server certificate for `hosts` (TLS for the simulated WebORCA). */
  server(hosts) {
    const san = hosts.map((h) => (/^\d+\.\d+\.\d+\.\d+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    const now = Date.now();
    const issued = this.issue('server', `/CN=${hosts[0]}`, { notBefore: now - DAY, notAfter: now + 365 * DAY, san });
    return { key: readFileSync(issued.key), cert: readFileSync(issued.cert), ca: readFileSync(this.caCert) };
  }

  /** Exports `issued` as legacy PKCS#12 (RC2-40 / 3DES / SHA-1 MAC), with `chainFile` if given. */
  #export(name, issued, cn, password, chainFile) {
    const p12 = path.join(this.dir, `${name}.p12`);
    const chain = chainFile ? ['-certfile', chainFile] : [];
    openssl(['pkcs12', '-export', '-legacy', '-in', issued.cert, '-inkey', issued.key, ...chain, '-name', cn,
      '-passout', `pass:${password ?? ''}`, '-out', p12]);
    return p12;
  }
}
