import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { UserError, errorMessage } from '../kernel/util/errors.js';
import type { Engine } from '../service/engine.js';
import type { ResponseMessage } from '../shared/contract.js';
import {
  ClientMessageSchema,
  ENGINE_MOVED,
  MAX_LINE,
  WRITERS,
  engineSocketDir,
  engineSocketPath,
  type EngineMessage,
} from './socket-wire.js';

/** What the socket needs of the engine (an interface, so that a test can stand in for it). */
export type SocketEngine = Pick<Engine, 'handle' | 'cancel' | 'onEvent' | 'busy' | 'dir'>;

export interface EngineSocket {
  /** Where it listens now (it follows the engine to another workspace). */
  readonly path: string;
  close(): Promise<void>;
}

/** Whether something listens at `path`: a socket a killed process left behind refuses the connection. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Clears the way for the socket. Only a socket nobody answers on is removed: the one a killed engine left (whoever
 * holds the workspace's database lock, as the caller does, is the only engine there can be). Anything else at that
 * path is not Recount's to delete.
 */
async function clearStale(path: string): Promise<void> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return;
  if (!info.isSocket())
    throw new UserError(
      `${path} is where the engine's socket goes, but it is not a socket; Recount leaves it alone: move it away`,
    );
  if (await socketAnswers(path)) throw new UserError(`Another Recount engine already answers at ${path}`);
  await unlink(path);
}

async function listen(
  dir: string,
  onConnection: (socket: Socket) => void,
): Promise<{ server: Server; path: string; ino: number }> {
  const folder = engineSocketDir(dir);
  const path = engineSocketPath(dir);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  await clearStale(path);
  const server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return { server, path, ino: (await lstat(path)).ino };
}

/** Removes the socket file if it is still the one this engine made. */
async function removeOwn(path: string, ino: number): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info?.isSocket() && info.ino === ino) await unlink(path).catch(() => {});
}

/**
 * Serves the engine to the CLI over a Unix socket in the workspace it holds: newline-delimited JSON, requests and
 * answers of the app's contract, each checked with its schemas, and the progress of the connection's own requests.
 * A connection that closes cancels what it left running (the CLI was stopped). A writer that arrives while another
 * one runs is told it waits; the engine runs them in turn.
 */
export async function listenEngineSocket(
  engine: SocketEngine,
  options: { onWarning?: (message: string) => void } = {},
): Promise<EngineSocket> {
  const connections = new Set<Socket>();
  const holds = (dir: string): boolean => {
    try {
      return engine.dir === dir;
    } catch {
      return false;
    }
  };

  const serve = (dir: string) => (socket: Socket) => {
    connections.add(socket);
    const mine = new Set<string>();
    let buffer = '';
    const send = (message: EngineMessage) => {
      if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
    };
    const unsubscribe = engine.onEvent((event) => {
      if (event.type === 'progress' && mine.has(event.requestId)) send(event);
    });
    const refuse = (id: string, code: string, message: string) =>
      send({ id, ok: false, error: { code, message } } satisfies ResponseMessage);

    const receive = (line: string) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        return refuse('', 'bad-request', 'a message is one line of JSON');
      }
      const parsed = ClientMessageSchema.safeParse(json);
      if (!parsed.success) return refuse(String((json as { id?: unknown })?.id ?? ''), 'bad-request', 'malformed message');
      const message = parsed.data;
      if ('cancel' in message) {
        // Only its own requests: a connection cannot stop the app's.
        if (mine.has(message.cancel)) engine.cancel(message.cancel);
        return;
      }
      if (mine.has(message.id)) return refuse(message.id, 'bad-request', `request ${message.id} is already running`);
      if (!holds(dir)) return refuse(message.id, ENGINE_MOVED, `the engine no longer holds ${dir}`);
      if (WRITERS[message.method]) {
        const ahead = engine
          .busy()
          .map((m) => WRITERS[m])
          .find(Boolean);
        if (ahead) send({ type: 'notice', requestId: message.id, message: `waiting for the ${ahead} in progress…` });
      }
      mine.add(message.id);
      void engine.handle(message).then((answer) => {
        mine.delete(message.id);
        send(answer);
      });
    };

    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (line.trim() !== '') receive(line);
      }
      if (buffer.length > MAX_LINE) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      connections.delete(socket);
      unsubscribe();
      for (const id of mine) engine.cancel(id);
    });
  };

  let current = { dir: engine.dir, ...(await listen(engine.dir, serve(engine.dir))) };
  let closed = false;

  // Connections made before stay open (they are told the engine moved); only new ones are no longer accepted.
  const stop = async (listening: typeof current) => {
    listening.server.close();
    await removeOwn(listening.path, listening.ino);
  };

  // The app can switch workspaces: the socket goes with the engine, and the folder it left is free for the CLI.
  let moving: Promise<void> = Promise.resolve();
  const unsubscribe = engine.onEvent((event) => {
    if (event.type !== 'workspace.changed' || event.what !== 'workspace') return;
    moving = moving.then(async () => {
      if (closed || holds(current.dir)) return;
      await stop(current);
      try {
        current = { dir: engine.dir, ...(await listen(engine.dir, serve(engine.dir))) };
      } catch (error) {
        options.onWarning?.(`the CLI cannot reach this engine: ${errorMessage(error)}`);
      }
    });
  });

  return {
    get path() {
      return current.path;
    },
    close: async () => {
      closed = true;
      unsubscribe();
      await moving;
      for (const socket of connections) socket.destroy();
      await stop(current);
    },
  };
}
