// Starts the simulated WebORCA by itself (`make weborca`), for trying the extension by hand:
// a test CA, a client certificate (80 days left) to import into the browser, and the server
// on 127.0.0.1:443 for weborca.cloud.orcamo.jp and auth.cmo.orcamo.jp (map both to
// 127.0.0.1, e.g. in /etc/hosts or with --host-resolver-rules). Ctrl+C stops it.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { TestPki } from './pki.mjs';
import { ALL_HOSTS, startWeborca } from './weborca-server.mjs';
import { root } from './browser.mjs';

const dir = path.join(root, 'demo-output', 'weborca-sim');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const pki = new TestPki(dir);
const client = pki.client('client3948', {
  cn: 'client3948', notAfter: Date.now() + 80 * 86_400_000, password: 'demo-pass',
});
const server = await startWeborca(pki.server(ALL_HOSTS), { pki, port: Number(process.env.PORT ?? 443) });
console.log(`Simulated WebORCA on https://127.0.0.1:${server.port} for ${ALL_HOSTS.join(', ')}`);
console.log(`Test CA (trust it for servers): ${pki.caCert}`);
console.log(`Client certificate (password demo-pass): ${client.p12}`);
console.log('Fault modes: set FAULT=<mode> before starting, one of the FAULTS in weborca-server.mjs.');
server.fault = process.env.FAULT ?? null;
process.on('SIGINT', async () => {
  await server.close();
  process.exit(0);
});
