// The simulated WebORCA: one HTTPS server on 127.0.0.1 answering for the WebORCA cloud host
// names (mapped there in Chromium):
//   https://weborca.cloud.orcamo.jp/        a page shaped like WebORCA's master menu
//   https://auth.cmo.orcamo.jp/api/cert     the renewal API (POST {} → { uri, pass })
//   https://auth.cmo.orcamo.jp/files/…      the renewed PKCS#12 (GET)
//   https://www.example-clinic.test/        an ordinary site (no banner may appear there)
// With `pki`, it asks for a client certificate signed by the test CA and refuses expired or
// unknown ones on the API with 403 `NOT PERMITTED CERTIFICATE`, as the ORCA servers do. The
// renewed file is a new certificate for the same subject, valid 3 years, exported like the
// ORCA cloud's (RC2-40 / 3DES / SHA-1 MAC) with a random password. `server.fault` selects a
// failure for the next requests (see FAULTS).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';

export const WEBORCA_HOST = 'weborca.cloud.orcamo.jp';
export const API_HOST = 'auth.cmo.orcamo.jp';
export const OTHER_HOST = 'www.example-clinic.test';
export const ALL_HOSTS = [WEBORCA_HOST, API_HOST, OTHER_HOST];

/** Fault modes a test can select with `server.fault = name`. */
export const FAULTS = [
  'http500', 'http503', 'timeout', 'malformed-json', 'missing-pass', 'uri-other-host', 'uri-http',
  'truncated-p12', 'corrupt-p12', 'wrong-pass-p12', 'other-subject', 'shorter-validity',
];

const DAY = 86_400_000;
const WEBORCA_PAGE = `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>WebORCA</title>
<style>body{margin:0;font-family:sans-serif} header{background:#2a5d8f;color:#fff;padding:8px} #menu button{margin:4px}</style>
</head><body><header><h1 id="title">WebORCA マスターメニュー</h1></header>
<main id="menu"><button id="orca-login">業務メニュー</button></main></body></html>`;
const OTHER_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>Other</title></head><body><h1>Another site</h1></body></html>';

/**
 * Starts the server on 127.0.0.1:`port`.
 * @param {{ key: Buffer, cert: Buffer, ca?: Buffer }} credentials TLS server identity
 * @param {{ port?: number, pki?: import('./pki.mjs').TestPki }} [options]
 */
export async function startWeborca(credentials, { port = 443, pki } = {}) {
  const log = []; // "POST auth.cmo.orcamo.jp/api/cert 200"
  const issued = new Map(); // token → { bytes, pass }
  const state = { fault: null, log, issued };
  const tls = pki ? { ...credentials, ca: credentials.ca, requestCert: true, rejectUnauthorized: false } : credentials;

  const server = https.createServer(tls, async (req, res) => {
    const host = (req.headers.host ?? '').split(':')[0];
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      log.push(`${req.method} ${host}${req.url} ${status}`);
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (host !== API_HOST) {
      send(200, host === WEBORCA_HOST ? WEBORCA_PAGE : OTHER_PAGE, 'text/html; charset=utf-8');
      return;
    }
    // The API: only a valid certificate from the test CA may use it.
    const peer = req.socket.getPeerCertificate();
    if (!pki || !req.socket.authorized || !peer?.subject) {
      send(403, 'NOT PERMITTED CERTIFICATE');
      return;
    }
    const body = await new Promise((resolve) => {
      let text = '';
      req.on('data', (chunk) => { text += chunk; });
      req.on('end', () => resolve(text));
    });
    const fault = state.fault;
    if (fault === 'timeout') {
      log.push(`${req.method} ${host}${req.url} (no answer)`);
      return; // never answers; the client's timeout must fire
    }
    if (req.method === 'POST' && req.url === '/api/cert') {
      if (body !== '{}') return send(400, 'BAD REQUEST');
      if (fault === 'http500') return send(500, 'Internal Server Error');
      if (fault === 'http503') return send(503, 'Service Unavailable');
      if (fault === 'malformed-json') return send(200, '{"uri": "https://', 'application/json');
      const token = randomBytes(12).toString('hex');
      const pass = randomBytes(9).toString('base64url');
      issued.set(token, renewedFile(pki, peer, pass, fault));
      const uri = {
        'uri-other-host': `https://files.elsewhere.test/files/${token}.p12`,
        'uri-http': `http://${API_HOST}/files/${token}.p12`,
      }[fault] ?? `https://${API_HOST}/files/${token}.p12`;
      const answer = fault === 'missing-pass' ? { uri } : { uri, pass };
      return send(200, JSON.stringify(answer), 'application/json');
    }
    const match = req.method === 'GET' && req.url.match(/^\/files\/([0-9a-f]{24})\.p12$/);
    if (match && issued.has(match[1])) {
      log.push(`${req.method} ${host}${req.url} 200`);
      res.writeHead(200, { 'content-type': 'application/x-pkcs12' });
      res.end(issued.get(match[1]).bytes);
      return;
    }
    send(404, 'NOT FOUND');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return Object.assign(state, {
    port: server.address().port,
    /** Requests the API received, as "METHOD host/path status". */
    apiRequests: () => log.filter((line) => line.includes(API_HOST)),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  });
}

/** A renewed PKCS#12 for the presenting certificate's subject, spoiled by `fault`. */
function renewedFile(pki, peer, pass, fault) {
  const cn = fault === 'other-subject' ? 'client9999' : peer.subject.CN;
  const tenant = peer.subject.O;
  const now = Date.now();
  const notAfter = fault === 'shorter-validity' ? new Date(peer.valid_to).getTime() - DAY : now + 1095 * DAY;
  const made = pki.client(`renewed-${randomBytes(4).toString('hex')}`, { cn, tenant, notBefore: now - 60_000, notAfter, password: pass });
  let bytes = readFileSync(made.p12);
  if (fault === 'truncated-p12') bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
  if (fault === 'corrupt-p12') {
    bytes = Buffer.from(bytes);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  }
  if (fault === 'wrong-pass-p12') {
    bytes = readFileSync(pki.client(`wrongpass-${randomBytes(4).toString('hex')}`, { cn, tenant, notAfter, password: `${pass}x` }).p12);
  }
  return { bytes, pass };
}
