import { defineConfig } from 'vitest/config';

// Browser tests: the built app in browser mode, driven in Debian's Chromium. One file at a time: each
// starts its own engine and browser, and the machine has two cores.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
