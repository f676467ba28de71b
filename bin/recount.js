#!/usr/bin/env node
// DuckDB's node bindings run queries on libuv's thread pool; the default of four threads can be
// exhausted by a few long queries and starve file I/O, so the pool is widened before it is first used.
process.env.UV_THREADPOOL_SIZE ??= '16';

const { existsSync } = await import('node:fs');
const entry = new URL('../dist/engine/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('recount: the engine is not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
