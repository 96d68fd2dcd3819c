// The simulated WebORCA: an HTTPS server answering for the WebORCA cloud host names (mapped
// to 127.0.0.1 in Chromium) with a page shaped like WebORCA's, and for another host with an
// ordinary page, so tests can tell where the banner must and must not appear.
import https from 'node:https';

export const WEBORCA_HOST = 'weborca.cloud.orcamo.jp';
export const OTHER_HOST = 'www.example-clinic.test';

const WEBORCA_PAGE = `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>WebORCA</title>
<style>body{margin:0;font-family:sans-serif} header{background:#2a5d8f;color:#fff;padding:8px} #menu button{margin:4px}</style>
</head><body><header><h1 id="title">WebORCA マスターメニュー</h1></header>
<main id="menu"><button id="orca-login">業務メニュー</button></main></body></html>`;
const OTHER_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>Other</title></head><body><h1>Another site</h1></body></html>';

/**
 * Starts the server on 127.0.0.1:`port` with TLS `credentials` ({ key, cert }).
 * @returns {Promise<{ port: number, requests: string[], close(): Promise<void> }>}
 */
export async function startWeborca(credentials, { port = 443 } = {}) {
  const requests = [];
  const server = https.createServer(credentials, (req, res) => {
    requests.push(`${req.method} ${req.headers.host}${req.url}`);
    const page = req.headers.host?.startsWith(WEBORCA_HOST) ? WEBORCA_PAGE : OTHER_PAGE;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
