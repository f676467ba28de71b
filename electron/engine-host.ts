/**
 * The entry point of the engine's utility process (`utilityProcess.fork`, which has taken ES module entry
 * points since electron/electron#40047, well before Electron 45). DuckDB queries, imports and the live
 * tailer run here, off the main process, and talk to main only through `process.parentPort`.
 */
import { serveEngine } from './host.js';
import { openEngine } from './startup.js';
import { listenEngineSocket, type EngineSocket } from '../engine/server/engine-socket.js';
import { Engine } from '../engine/service/engine.js';

// DuckDB's node bindings run queries on libuv's thread pool; main also sets this in the fork's
// environment, which is what counts, since the pool may be sized before this line runs.
process.env.UV_THREADPOOL_SIZE ??= '16';

const parent = process.parentPort;
if (!parent) {
  process.stderr.write('recount: engine-host runs as an Electron utility process (utilityProcess.fork), not on its own\n');
  process.exit(1);
}

// The CLI beside the app runs its commands in this engine, over the socket in the workspace it holds.
let socket: EngineSocket | undefined;

serveEngine(
  {
    onMessage: (listener) => parent.on('message', (event) => listener(event.data)),
    post: (message) => parent.postMessage(message),
  },
  async (options) => {
    const opened = await openEngine(options);
    if (!(opened.engine instanceof Engine)) return opened;
    socket = await listenEngineSocket(opened.engine, {
      onWarning: (w) => process.stderr.write(`recount: ${w}\n`),
    }).catch((error: Error) => {
      process.stderr.write(`recount: the CLI cannot run its commands in this engine: ${error.message}\n`);
      return undefined;
    });
    return opened;
  },
  () => void (socket?.close() ?? Promise.resolve()).finally(() => process.exit(0)),
);
