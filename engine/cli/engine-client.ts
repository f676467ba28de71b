import { randomBytes } from 'node:crypto';
import { lstat, unlink } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { CancelledError, UserError } from '../kernel/util/errors.js';
import type { Progress } from '../shared/progress.js';
import { parseResult, type Method, type Params, type Result } from '../shared/contract.js';
import { ENGINE_MOVED, EngineMessageSchema, MAX_LINE, engineSocketPath, type ClientMessage } from '../server/socket-wire.js';

/** The engine stopped holding the workspace (the app switched to another): the CLI opens it itself. */
export class EngineMovedError extends Error {
  constructor() {
    super('the engine no longer holds this workspace');
    this.name = 'EngineMovedError';
  }
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Told when the request waits for another writer. */
  onNotice?: (message: string) => void;
}

interface Pending {
  method: Method;
  options: CallOptions;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The CLI's side of the engine's socket (engine/server/engine-socket.ts): requests of the app's contract sent to the
 * engine that holds the workspace, their progress and answers read back and checked against the contract.
 */
export class EngineClient {
  private readonly pending = new Map<string, Pending>();
  private buffer = '';
  private gone: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.fail(new Error('the Recount engine holding this workspace went away before it answered')));
  }

  /** The engine holding `dir`, if one answers at its socket; none when nothing listens there. */
  static async connect(dir: string): Promise<EngineClient | undefined> {
    const path = engineSocketPath(resolve(dir));
    const socket = await new Promise<Socket | undefined>((done) => {
      const attempt = connect(path);
      attempt.once('connect', () => {
        attempt.removeAllListeners('error');
        done(attempt);
      });
      attempt.once('error', () => done(undefined));
    });
    return socket ? new EngineClient(socket) : undefined;
  }

  call<M extends Method>(method: M, params: Params<M>, options: CallOptions = {}): Promise<Result<M>> {
    if (this.gone) return Promise.reject(this.gone);
    const id = `cli-${randomBytes(8).toString('hex')}`;
    return new Promise<Result<M>>((resolvePromise, reject) => {
      const onAbort = () => this.send({ cancel: id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        options,
        resolve: (result) => {
          options.signal?.removeEventListener('abort', onAbort);
          resolvePromise(result as Result<M>);
        },
        reject: (error) => {
          options.signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.send({ id, method, params });
      if (options.signal?.aborted) onAbort();
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private send(message: ClientMessage): void {
    if (!this.socket.destroyed) this.socket.write(`${JSON.stringify(message)}\n`);
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      if (line.trim() !== '') this.handle(line);
    }
    if (this.buffer.length > MAX_LINE) this.socket.destroy();
  }

  private handle(line: string): void {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      json = undefined;
    }
    const parsed = EngineMessageSchema.safeParse(json);
    if (!parsed.success) return this.fail(new Error('the Recount engine sent a message this CLI does not understand'));
    const message = parsed.data;
    if ('type' in message) {
      if (message.type === 'progress') this.pending.get(message.requestId)?.options.onProgress?.(message.progress);
      else if (message.type === 'notice') this.pending.get(message.requestId)?.options.onNotice?.(message.message);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) {
      try {
        pending.resolve(parseResult(pending.method, message.result));
      } catch {
        pending.reject(new Error(`the Recount engine's answer to ${pending.method} is not the contract's`));
      }
      return;
    }
    const { code, message: text } = message.error;
    pending.reject(
      code === 'cancelled' ? new CancelledError() : code === ENGINE_MOVED ? new EngineMovedError() : new UserError(text, code),
    );
  }

  private fail(error: Error): void {
    this.gone ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/**
 * Removes the engine's socket a killed engine left in `dir`: called with the workspace's database lock held, when no
 * engine can be serving it, and only on a socket (the file Recount wrote there).
 */
export async function removeStaleSocket(dir: string): Promise<void> {
  const path = engineSocketPath(resolve(dir));
  const info = await lstat(path).catch(() => undefined);
  if (info?.isSocket()) await unlink(path).catch(() => {});
}
