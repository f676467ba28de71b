/**
 * The entry point of the engine's utility process (`utilityProcess.fork`, which has taken ES module entry
 * points since electron/electron#40047, well before Electron 45). DuckDB queries, imports and the live
 * tailer run here, off the main process, and talk to main only through `process.parentPort`.
 */
import { serveEngine } from './host.js';
import { openEngine } from './startup.js';

// DuckDB's node bindings run queries on libuv's thread pool; main also sets this in the fork's
// environment, which is what counts, since the pool may be sized before this line runs.
process.env.UV_THREADPOOL_SIZE ??= '16';

const parent = process.parentPort;
if (!parent) {
  process.stderr.write('recount: engine-host runs as an Electron utility process (utilityProcess.fork), not on its own\n');
  process.exit(1);
}

serveEngine(
  {
    onMessage: (listener) => parent.on('message', (event) => listener(event.data)),
    post: (message) => parent.postMessage(message),
  },
  openEngine,
  () => process.exit(0),
);
