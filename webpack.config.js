// Bundles the extension's scripts into dist/ next to the manifest, locales, pages and the
// Wasm core (built into pkg/ by `make wasm`).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import CopyPlugin from 'copy-webpack-plugin';
import webpack from 'webpack';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
/** The shipped core's SHA-256: the worker keeps its compiled module under this name
 * (extension/background/core.js). */
const coreSha256 = createHash('sha256').update(readFileSync(path.join(root, 'pkg/weborca_cert_bg.wasm'))).digest('hex');

const shared = {
  mode: 'production',
  devtool: false, // eval-based source maps break the extension CSP
  output: { path: dist, filename: '[name].js' },
  // Leave `new URL('…_bg.wasm', import.meta.url)` alone: the worker passes the URL itself.
  module: { parser: { javascript: { url: false } } },
  performance: { hints: false },
};

export default [
  {
    ...shared,
    name: 'worker',
    target: 'webworker',
    entry: { background: './extension/background/index.js' },
    plugins: [
      new webpack.DefinePlugin({ CORE_WASM_SHA256: JSON.stringify(coreSha256) }),
      new CopyPlugin({
        patterns: [
          { from: 'manifest.json' },
          { from: 'managed_schema.json' },
          { from: 'extension/_locales', to: '_locales' },
          { from: 'extension/icons', to: 'icons' },
          { from: 'pkg/weborca_cert_bg.wasm' },
        ],
      }),
    ],
  },
  {
    ...shared,
    name: 'pages',
    target: 'web',
    entry: {
      'popup/popup': './extension/popup/popup.js',
      'options/options': './extension/options/options.js',
      'content/banner': './extension/content/banner.js',
      'offscreen/offscreen': './extension/offscreen/offscreen.js',
    },
    plugins: [
      new CopyPlugin({
        patterns: [
          { from: 'extension/popup/*.html', to: 'popup/[name][ext]' },
          { from: 'extension/options/*.html', to: 'options/[name][ext]' },
          { from: 'extension/offscreen/*.html', to: 'offscreen/[name][ext]' },
          { from: 'extension/shared/pages.css', to: 'shared/pages.css' },
        ],
      }),
    ],
  },
];
