import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import layers from './eslint-rules/layers.js';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'release/',
      'coverage/',
      '.tmp/',
      'e2e/screenshots/',
      'e2e/artifacts/',
      '.bench/',
      'eslint-rules/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,svelte}', 'e2e/**/*.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    // The engine and the contract never import Electron: it stays a thin shell around them.
    files: ['engine/**/*.ts', 'renderer/**/*.{ts,svelte}', 'sample-data/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only electron/ may import Electron.' }] }],
    },
  },
  {
    // The engine's layers (README, Architecture): kernel under lake, batch and speed, serving above them, the
    // renderer on engine/shared alone.
    files: ['**/*.{ts,cts,mts,js,mjs,svelte}'],
    plugins: { recount: { rules: { layers } } },
    rules: { 'recount/layers': 'error' },
  },
);
