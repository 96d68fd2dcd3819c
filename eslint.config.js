import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'pkg/', 'crate/pkg/', 'target/', 'node_modules/', 'tests/.tmp/', 'demo-output/'] },
  js.configs.recommended,
  {
    files: ['extension/**/*.js'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.serviceworker, chrome: 'readonly' },
    },
  },
  {
    files: ['*.js', 'tests/**/*.{js,mjs}', 'scripts/**/*.{js,mjs}'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.node },
    },
  },
  {
    // Functions passed to page.evaluate() run in extension pages.
    files: ['tests/e2e/**/*.mjs', 'tests/support/browser.mjs', 'tests/support/popup-states.mjs', 'tests/demo.mjs'],
    languageOptions: { globals: { ...globals.browser, chrome: 'readonly' } },
  },
  {
    // What docs/security.md promises of the extension's own code: no network call but the
    // core's (`performRequest`, in Rust), no HTML from strings, no code from strings.
    // `tests/source-rules.test.mjs` shows each rule firing.
    files: ['extension/**/*.js'],
    rules: {
      'no-restricted-globals': ['error',
        ...['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource', 'importScripts'].map((name) => ({
          name, message: 'The extension reaches the network only through the core (performRequest).',
        }))],
      'no-restricted-properties': ['error',
        ...['fetch', 'sendBeacon', 'XMLHttpRequest', 'WebSocket'].map((property) => ({
          property, message: 'The extension reaches the network only through the core (performRequest).',
        })),
        ...['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'write', 'writeln', 'createContextualFragment'].map((property) => ({
          property, message: 'Text goes into pages with textContent; no HTML from strings.',
        }))],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      eqeqeq: 'error',
      'prefer-const': 'error',
    },
  },
];
