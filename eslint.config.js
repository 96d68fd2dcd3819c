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
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      eqeqeq: 'error',
      'prefer-const': 'error',
    },
  },
];
