// The simulated WebORCA: one HTTPS server on 127.0.0.1 answering for these host names
// (mapped there in Chromium):
//   https://weborca.cloud.orcamo.jp/        a page shaped like WebORCA's master menu
//   https://auth.cmo.orcamo.jp/api/cert     the renewal API (POST {} → { uri, pass })
//   https://auth.cmo.orcamo.jp/files/…      the renewed PKCS#12 (GET)
//   https://auth.cmo.orcamo.jp/ (any other) 404 NOT FOUND (the client's cheap probe: GET /)
//   https://files.cmo.orcamo.jp/files/…     the renewed PKCS#12 again, from a sibling host of
//                                           the API's domain (fault uri-sibling-host)
//   https://www.example-clinic.test/        an ordinary site (no banner may appear there)
//   https://files.elsewhere.test/           a foreign host (fault uri-other-host)
// The two foreign hosts (www.example-clinic.test, files.elsewhere.test) serve any issued file
// at /files/<token>.p12 too, to anyone: a client that follows a redirect or a foreign uri
// there would succeed, so a test can only pass if the client refuses to go (and their log
// shows whether a request reached them).
// With `pki`, the server asks for a client certificate signed by the test CA; the API and the
// files host refuse expired or unknown ones with 403 `NOT PERMITTED CERTIFICATE`, as the ORCA
// servers do. The renewed file is a new certificate for the same subject from the test CA,
// valid 3 years, exported like the ORCA cloud's (RC2-40 / 3DES / SHA-1 MAC, with the CA
// certificate as chain) with a random password.
// `server.fault` selects a failure for the next requests:
//   http500, http503       the POST answers 500 / 503
//   timeout                nothing on the API host is ever answered (POST, GETs, the probe)
//   post-hang              only the POST is never answered (the probe still gets its 404)
//   post-slow              the POST is answered, and the certificate issued, only after
//                          `server.slowMs` (35 s by default: after the client's 30 s timeout)
//   post-redirect          the POST answers 302 to https://www.example-clinic.test/moved, with
//                          the { uri, pass } JSON of a certificate really issued as its body
//   malformed-json         the POST answers 200 with truncated JSON
//   huge-answer            the POST answers 200 with 8 MB of JSON (a certificate is issued)
//   drip-answer            the POST answers 200 and then one byte a second, for ever (until
//                          the client's single deadline for the whole exchange cuts it off)
//   huge-file              the GET of the issued file serves 8 MB
//   p12-bomb               the issued file is a real PKCS#12 whose every key derivation runs
//                          2,000,000 iterations (openssl -iter 2000000): a work bomb
//   missing-pass           the answer has no `pass`
//   uri-other-host         `uri` is on files.elsewhere.test (FOREIGN_HOST)
//   uri-sibling-host       `uri` is on files.cmo.orcamo.jp (FILES_HOST), which serves it to a
//                          valid client certificate
//   uri-http               `uri` is http://auth.cmo.orcamo.jp/files/…
//   get-redirect           the GET of the file answers 302 to
//                          https://www.example-clinic.test/files/<token>.p12
//   get-hang               GETs of the file are not answered while the fault stays; once the
//                          test sets `server.fault = null`, a new GET gets the file
//   get-503-once           the first GET of each issued file answers 503, later ones 200
//   truncated-p12, corrupt-p12, wrong-pass-p12   a damaged file / another password
//   other-subject          the new certificate is for CN=client9999
//   shorter-validity       the new certificate ends a day before the presented one
//   other-issuer           the new certificate is self-signed (same CN and O, 3 years)
//   forged-issuer          the new certificate comes from the impostor CA (same issuer DN,
//                          another key), with the impostor CA as chain
//   forged-issuer-no-aki   likewise, without authorityKeyIdentifier: only the signature can
//                          tell it from the real CA's
//   no-aki                 the real test CA issues it, with a profile that writes no
//                          authorityKeyIdentifier (a valid renewal)
//   corrupt-once           the first GET of each issued file serves it with one bit flipped
//                          (its MAC fails, as after a proxy or antivirus rewrote it); later
//                          GETs serve it intact
// Faults on the POST and on the file's content are read when the POST arrives, faults on the
// GET when the GET arrives. Every request to every host is logged in `server.log` as
// "METHOD host/path status" ("(no answer)" for one not answered yet, replaced by its status
// if a slow answer comes); `requestsTo(host)` and `apiRequests()` filter it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';

export const WEBORCA_HOST = 'weborca.cloud.orcamo.jp';
export const API_HOST = 'auth.cmo.orcamo.jp';
/** Another host of the API's own domain that can serve the renewed file. */
export const FILES_HOST = 'files.cmo.orcamo.jp';
export const OTHER_HOST = 'www.example-clinic.test';
/** A host outside WebORCA's domains named by the `uri-other-host` fault. */
export const FOREIGN_HOST = 'files.elsewhere.test';
export const ALL_HOSTS = [WEBORCA_HOST, API_HOST, FILES_HOST, OTHER_HOST, FOREIGN_HOST];

/** Fault modes a test can select with `server.fault = name`. */
export const FAULTS = [
  'http500', 'http503', 'timeout', 'malformed-json', 'missing-pass', 'uri-other-host', 'uri-http',
  'truncated-p12', 'corrupt-p12', 'wrong-pass-p12', 'other-subject', 'shorter-validity',
  'post-redirect', 'get-redirect', 'other-issuer', 'forged-issuer', 'uri-sibling-host',
  'post-slow', 'post-hang', 'get-hang', 'get-503-once', 'forged-issuer-no-aki', 'no-aki', 'corrupt-once',
];

const DAY = 86_400_000;
const FILE_PATH = /^\/files\/([0-9a-f]{24})\.p12$/;
const WEBORCA_PAGE = `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>WebORCA</title>
<style>body{margin:0;font-family:sans-serif} header{background:#2a5d8f;color:#fff;padding:8px} #menu button{margin:4px}</style>
</head><body><header><h1 id="title">WebORCA マスターメニュー</h1></header>
<main id="menu"><button id="orca-login">業務メニュー</button></main></body></html>`;
/** A WebORCA page that builds its <body> in its own DOMContentLoaded handler, after a script
 * the server holds back (REBUILT_PAGE_DELAY_MS), so the worker's answer comes before the page
 * is parsed: what a page built by a framework does. */
export const REBUILT_PAGE = '/rebuilt';
const REBUILT_PAGE_DELAY_MS = 400;
const REBUILT_HTML = `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>WebORCA</title>
<script src="/held-back.js"></script>
<script>document.addEventListener('DOMContentLoaded', () => {
  document.body.innerHTML = '<header><h1 id="title">WebORCA マスターメニュー</h1></header><main id="menu"></main>';
});</script></head><body><p>読み込み中…</p></body></html>`;
const OTHER_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>Other</title></head><body><h1>Another site</h1></body></html>';

/**
 * Starts the server on 127.0.0.1:`port`.
 * @param {{ key: Buffer, cert: Buffer, ca?: Buffer }} credentials TLS server identity
 * @param {{ port?: number, pki?: import('./pki.mjs').TestPki }} [options]
 */
export async function startWeborca(credentials, { port = 443, pki } = {}) {
  const log = []; // "POST auth.cmo.orcamo.jp/api/cert 200"
  const issued = new Map(); // token → { bytes, pass, gets }
  const timers = new Set(); // post-slow answers still to come
  const serials = []; // the serial (hex) of each client certificate the API hosts accepted
  const state = { fault: null, log, issued, serials, slowMs: 35_000 };
  const tls = pki ? { ...credentials, ca: credentials.ca, requestCert: true, rejectUnauthorized: false } : credentials;
  /** `https://host` (with the port unless 443), as the answers name it. */
  const origin = (host) => `https://${host}${state.port === 443 ? '' : `:${state.port}`}`;

  const server = https.createServer(tls, async (req, res) => {
    const host = (req.headers.host ?? '').split(':')[0];
    const line = (status) => `${req.method} ${host}${req.url} ${status}`;
    const send = (status, body, type = 'text/plain; charset=utf-8', headers = {}) => {
      log.push(line(status));
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(body);
    };
    /** Leaves the request unanswered (close() still ends its connection). */
    const hang = () => { log.push(line('(no answer)')); };
    const file = req.method === 'GET' && req.url.match(FILE_PATH) && issued.get(req.url.match(FILE_PATH)[1]);

    if (host !== API_HOST && host !== FILES_HOST) {
      // Not WebORCA: an ordinary page, and any issued file to anyone (see the top comment).
      if (file && host !== WEBORCA_HOST) return send(200, file.bytes, 'application/x-pkcs12');
      if (host === WEBORCA_HOST && req.url === REBUILT_PAGE) return send(200, REBUILT_HTML, 'text/html; charset=utf-8');
      if (host === WEBORCA_HOST && req.url === '/held-back.js') {
        await new Promise((resolve) => { setTimeout(resolve, REBUILT_PAGE_DELAY_MS); });
        return send(200, '// held back', 'text/javascript');
      }
      return send(200, host === WEBORCA_HOST ? WEBORCA_PAGE : OTHER_PAGE, 'text/html; charset=utf-8');
    }
    // The API and its files host: only a valid certificate from the test CA may use them.
    const peer = req.socket.getPeerCertificate();
    if (!pki || !req.socket.authorized || !peer?.subject) return send(403, 'NOT PERMITTED CERTIFICATE');
    serials.push(peer.serialNumber.toUpperCase());
    const body = await new Promise((resolve) => {
      let text = '';
      req.on('data', (chunk) => { text += chunk; });
      req.on('end', () => resolve(text));
    });
    const fault = state.fault;
    if (fault === 'timeout' && host === API_HOST) return hang(); // the client's timeout must fire

    if (file) {
      if (fault === 'get-hang') return hang();
      if (fault === 'get-503-once' && file.gets++ === 0) return send(503, 'Service Unavailable');
      if (fault === 'corrupt-once' && file.gets++ === 0) return send(200, flipped(file.bytes), 'application/x-pkcs12');
      if (fault === 'get-redirect') {
        return send(302, 'Found', undefined, { location: `${origin(OTHER_HOST)}${req.url}` });
      }
      if (fault === 'huge-file') return send(200, Buffer.alloc(8 << 20, 0x30), 'application/x-pkcs12');
      return send(200, file.bytes, 'application/x-pkcs12');
    }
    if (host !== API_HOST || req.method !== 'POST' || req.url !== '/api/cert') return send(404, 'NOT FOUND');

    if (body !== '{}') return send(400, 'BAD REQUEST');
    if (fault === 'post-hang') return hang();
    if (fault === 'http500') return send(500, 'Internal Server Error');
    if (fault === 'http503') return send(503, 'Service Unavailable');
    if (fault === 'malformed-json') return send(200, '{"uri": "https://', 'application/json');
    const answer = () => {
      const token = randomBytes(12).toString('hex');
      const pass = randomBytes(9).toString('base64url');
      issued.set(token, { ...renewedFile(pki, peer, pass, fault), gets: 0 });
      const uri = {
        'uri-other-host': `${origin(FOREIGN_HOST)}/files/${token}.p12`,
        'uri-sibling-host': `${origin(FILES_HOST)}/files/${token}.p12`,
        'uri-http': `http://${API_HOST}/files/${token}.p12`,
      }[fault] ?? `${origin(API_HOST)}/files/${token}.p12`;
      return JSON.stringify(fault === 'missing-pass' ? { uri } : { uri, pass });
    };
    if (fault === 'huge-answer') {
      answer(); // issued, as a real server would before answering
      return send(200, `{"uri":"${'x'.repeat(8 << 20)}","pass":"p"}`, 'application/json');
    }
    if (fault === 'drip-answer') {
      answer();
      log.push(line(200));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const drip = setInterval(() => res.write(' '), 1000);
      timers.add(drip);
      res.on('close', () => { clearInterval(drip); timers.delete(drip); });
      return undefined;
    }
    if (fault === 'post-redirect') {
      return send(302, answer(), 'application/json', { location: `${origin(OTHER_HOST)}/moved` });
    }
    if (fault === 'post-slow') {
      hang();
      const at = log.length - 1;
      const pending = log[at];
      const timer = setTimeout(() => {
        timers.delete(timer);
        const json = answer(); // issued even if the client has gone
        if (log[at] === pending) log[at] = line(200); // (unless a test has cleared the log since)
        if (!res.destroyed) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(json);
        }
      }, state.slowMs);
      timers.add(timer);
      return undefined;
    }
    return send(200, answer(), 'application/json');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const hostOf = (entry) => entry.split(' ')[1].split('/')[0];
  return Object.assign(state, {
    port: server.address().port,
    /** Requests `host` received, as "METHOD host/path status". */
    requestsTo: (host) => log.filter((entry) => hostOf(entry) === host),
    /** Requests the API host (only) received, as "METHOD host/path status". */
    apiRequests: () => log.filter((entry) => hostOf(entry) === API_HOST),
    /** Stops the server; unanswered requests are cut off and pending slow answers dropped. */
    close: () => new Promise((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      server.close(resolve);
    }),
  });
}

/** A renewed PKCS#12 for the presenting certificate's subject, spoiled by `fault`. */
function renewedFile(pki, peer, pass, fault) {
  const cn = fault === 'other-subject' ? 'client9999' : peer.subject.CN;
  const tenant = peer.subject.O;
  const now = Date.now();
  const notAfter = fault === 'shorter-validity' ? new Date(peer.valid_to).getTime() - DAY : now + 1095 * DAY;
  const name = () => `renewed-${randomBytes(4).toString('hex')}`;
  const validity = { cn, tenant, notBefore: now - 60_000, notAfter, password: pass };
  const issuer = {
    'other-issuer': () => pki.selfSigned(name(), validity),
    'forged-issuer': () => pki.impostorCa().client(name(), validity),
    'forged-issuer-no-aki': () => pki.impostorCa().client(name(), { ...validity, aki: false }),
    'no-aki': () => pki.client(name(), { ...validity, aki: false }),
  };
  const made = (issuer[fault] ?? (() => pki.client(name(), validity)))();
  let bytes = readFileSync(made.p12);
  if (fault === 'truncated-p12') bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
  if (fault === 'corrupt-p12') bytes = flipped(bytes, 0xff);
  if (fault === 'p12-bomb') {
    bytes = execFileSync('openssl', ['pkcs12', '-export', '-in', made.cert, '-inkey', made.key,
      '-passout', `pass:${pass}`, '-iter', '2000000']);
  }
  if (fault === 'wrong-pass-p12') {
    bytes = readFileSync(pki.client(`wrongpass-${randomBytes(4).toString('hex')}`, { cn, tenant, notAfter, password: `${pass}x` }).p12);
  }
  return { bytes, pass };
}

/** A copy of `bytes` with bits flipped in the middle byte (inside the MAC-protected content). */
function flipped(bytes, mask = 0x01) {
  const copy = Buffer.from(bytes);
  copy[Math.floor(copy.length / 2)] ^= mask;
  return copy;
}
