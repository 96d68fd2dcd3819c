// The Rust core as the extension loads it (pkg/, built by `make build`), instantiated once for
// Node: the worker tests, the release test and the reader bench call it as the worker does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '../../pkg/weborca_cert.js';

const pkg = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../pkg');
core.initSync({ module: readFileSync(path.join(pkg, 'weborca_cert_bg.wasm')) });

export const {
  readCertificate, renewalStart, renewalStep, renewalView, storedState, effectiveSettings, renewalApiUrl, errorCodes,
  withEntriesKeptInPlace, validateSettings,
} = core;
