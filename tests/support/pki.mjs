// A throwaway PKI made with the openssl command line, as WebORCA's own is: a test CA,
// a server certificate for the simulated WebORCA hosts, and client certificates with any
// validity (past ones included, through `openssl ca -startdate/-enddate`), exported as
// PKCS#12 the way the ORCA cloud does (-legacy: RC2-40, 3DES, SHA-1 MAC).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const openssl = (args, options = {}) => execFileSync('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });

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
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', this.caKey, '-out', this.caCert,
      '-days', '3650', '-subj', '/C=JP/O=WebORCA Test/CN=WebORCA Test CA']);
    writeFileSync(path.join(dir, 'index.txt'), '');
    writeFileSync(path.join(dir, 'serial'), `${randomBytes(8).toString('hex').toUpperCase()}\n`);
    this.config = path.join(dir, 'ca.cnf');
    writeFileSync(this.config, [
      '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt',
      'new_certs_dir = $dir/issued', 'serial = $dir/serial', 'default_md = sha256', 'policy = any',
      'unique_subject = no', 'copy_extensions = copy', 'email_in_dn = no',
      '[any]', 'countryName = optional', 'organizationName = optional', 'commonName = supplied',
    ].join('\n'));
  }

  /**
   * Issues a certificate for `subject` valid from `notBefore` to `notAfter` (ms).
   * @returns {{ key: string, cert: string }} file paths
   */
  issue(name, subject, { notBefore, notAfter, san }) {
    const key = path.join(this.dir, `${name}.key`);
    const csr = path.join(this.dir, `${name}.csr`);
    const cert = path.join(this.dir, `${name}.crt`);
    const extra = san ? ['-addext', `subjectAltName=${san}`] : [];
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject, ...extra]);
    openssl(['ca', '-batch', '-config', this.config, '-cert', this.caCert, '-keyfile', this.caKey, '-in', csr,
      '-out', cert, '-notext', '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter)]);
    return { key, cert };
  }

  /** A WebORCA-style client certificate (CN=client…, O=u…) as .crt and legacy .p12. */
  client(name, { cn, tenant = 'u00001294', notBefore = Date.now() - 86_400_000, notAfter, password }) {
    const issued = this.issue(name, `/C=JP/O=${tenant}/CN=${cn}`, { notBefore, notAfter });
    const p12 = path.join(this.dir, `${name}.p12`);
    openssl(['pkcs12', '-export', '-legacy', '-in', issued.cert, '-inkey', issued.key, '-name', cn,
      '-passout', `pass:${password ?? ''}`, '-out', p12]);
    return { ...issued, p12, password };
  }

  /** A server certificate for `hosts` (TLS for the simulated WebORCA). */
  server(hosts) {
    const san = hosts.map((h) => (/^\d+\.\d+\.\d+\.\d+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    const now = Date.now();
    const issued = this.issue('server', `/CN=${hosts[0]}`, { notBefore: now - 86_400_000, notAfter: now + 365 * 86_400_000, san });
    return { key: readFileSync(issued.key), cert: readFileSync(issued.cert), ca: readFileSync(this.caCert) };
  }
}
