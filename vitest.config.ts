import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The renderer's rune modules (*.svelte.ts) compile as the browser gets them, so their tests see real $state.
  plugins: [svelte({ configFile: false, dynamicCompileOptions: () => ({ generate: 'client' }) })],
  test: {
    include: [
      'engine/**/*.test.ts',
      'electron/**/*.test.ts',
      'renderer/**/*.test.ts',
      'eslint-rules/*.test.ts',
      'bench/*.test.ts',
      'scripts/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: DuckDB itself runs multi-threaded inside each test.
    maxWorkers: 2,
  },
});
