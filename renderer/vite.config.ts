import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

// The renderer is one static bundle that both shells load: Electron from its app:// protocol and
// browser mode from the 127.0.0.1 server. Relative asset paths let the same files serve both.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: process.env.RECOUNT_RENDERER_OUT ?? fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    sourcemap: true,
  },
});
