import type { EngineEvent, RequestMessage, ResponseMessage } from '../engine/shared/contract.js';

/**
 * The engine runs in its own process (an Electron utility process), so a long DuckDB query or import
 * never blocks the window. This module is both ends of the conversation with it, written against small
 * interfaces rather than Electron's classes so that both ends are tested in plain Node.
 */

export interface HostStartOptions {
  /** The per-user recent-workspaces list, shared with `recount serve`. */
  recentFile: string;
  /** Where the demo workspace lives (made on first start). */
  demoDir: string;
  version: string;
}

export type MainToHost =
  | { type: 'start'; options: HostStartOptions }
  | { type: 'request'; message: RequestMessage; client?: string }
  | { type: 'cancel'; id: string }
  | { type: 'release'; client: string }
  | { type: 'close' };

export type HostToMain =
  | { type: 'ready'; dir: string; demo: boolean; notice?: string }
  | { type: 'failed'; error: string }
  | { type: 'response'; message: ResponseMessage }
  | { type: 'event'; event: EngineEvent }
  | { type: 'closed' };

/** What the host needs of the engine (engine/service/engine.ts). */
export interface EngineLike {
  handle(message: unknown, client?: string): Promise<ResponseMessage>;
  cancel(requestId: string): void;
  /** The client (a window's page) is gone: cancel what it runs, release what it holds. */
  releaseClient(client: string): Promise<unknown>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  close(): Promise<void>;
}

export interface Opened {
  engine: EngineLike;
  dir: string;
  demo: boolean;
  notice?: string;
}

/** The utility process's side: `process.parentPort`, reduced to what is used. */
export interface ParentLike {
  onMessage(listener: (data: unknown) => void): void;
  post(message: HostToMain): void;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs inside the utility process: opens the engine when main says start, then answers requests,
 * forwards cancels, streams events, and closes the engine on request (or when main goes away).
 */
export function serveEngine(parent: ParentLike, open: (options: HostStartOptions) => Promise<Opened>, exit: () => void): void {
  let engine: EngineLike | undefined;
  let starting: Promise<void> | undefined;
  let closing = false;

  const close = async () => {
    if (closing) return;
    closing = true;
    await starting?.catch(() => {});
    try {
      await engine?.close();
    } catch (error) {
      process.stderr.write(`recount engine: closing failed: ${errorText(error)}\n`);
    }
    parent.post({ type: 'closed' });
    exit();
  };

  parent.onMessage((data) => {
    const message = data as MainToHost;
    switch (message?.type) {
      case 'start':
        if (starting) return;
        starting = open(message.options).then(
          (opened) => {
            engine = opened.engine;
            engine.onEvent((event) => parent.post({ type: 'event', event }));
            parent.post({
              type: 'ready',
              dir: opened.dir,
              demo: opened.demo,
              ...(opened.notice ? { notice: opened.notice } : {}),
            });
          },
          (error: unknown) => parent.post({ type: 'failed', error: errorText(error) }),
        );
        return;
      case 'request': {
        const id = String(message.message?.id ?? '');
        if (!engine || closing) {
          parent.post({
            type: 'response',
            message: { id, ok: false, error: { message: 'The engine is not open', code: 'engine-unavailable' } },
          });
          return;
        }
        void engine
          .handle(message.message, message.client)
          .then((response) => parent.post({ type: 'response', message: response }));
        return;
      }
      case 'release':
        engine?.releaseClient(message.client).catch((error: unknown) => {
          process.stderr.write(`recount engine: releasing a closed window's results failed: ${errorText(error)}\n`);
        });
        return;
      case 'cancel':
        engine?.cancel(message.id);
        return;
      case 'close':
        void close();
        return;
    }
  });
}

/** Main's view of the utility process (Electron's UtilityProcess, reduced to what is used). */
export interface ChildLike {
  postMessage(message: MainToHost): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

/** The workspace the engine opened, and why it is not the one asked for, when it is not. */
export type Started = { dir: string; demo: boolean; notice?: string };

type Pending = { resolve: (response: ResponseMessage) => void; method: string };

/**
 * Main's side: starts the host, queues requests until the engine is open, matches responses to requests,
 * and fans events out. If the host dies, running requests fail with `engine-exited` and a new host is
 * started on the most recent workspace (the engine records each workspace it opens); after repeated
 * crashes it stops trying, so a workspace that crashes the engine cannot loop forever.
 */
export class EngineHost {
  private child: ChildLike | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private ready: Promise<Started> | undefined;
  private readyState: { ok: true } | { ok: false; error: string } | undefined;
  private options: HostStartOptions | undefined;
  private crashes: number[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly spawn: () => ChildLike,
    private readonly limits = { restarts: 3, windowMs: 60_000, closeTimeoutMs: 8_000 },
    private readonly now: () => number = Date.now,
  ) {}

  start(options: HostStartOptions): Promise<Started> {
    this.options = options;
    this.ready = this.launch(options);
    return this.ready;
  }

  private launch(options: HostStartOptions): Promise<Started> {
    this.readyState = undefined;
    const child = this.spawn();
    this.child = child;
    return new Promise((resolve, reject) => {
      child.on('message', (data) => {
        const message = data as HostToMain;
        switch (message?.type) {
          case 'ready':
            this.readyState = { ok: true };
            resolve({ dir: message.dir, demo: message.demo, ...(message.notice ? { notice: message.notice } : {}) });
            return;
          case 'failed':
            this.readyState = { ok: false, error: message.error };
            reject(new Error(message.error));
            return;
          case 'response': {
            const pending = this.pending.get(message.message.id);
            if (!pending) return;
            this.pending.delete(message.message.id);
            pending.resolve(message.message);
            return;
          }
          case 'event':
            for (const listener of this.listeners) listener(message.event);
            return;
        }
      });
      child.on('exit', (code) => {
        if (this.child !== child) return;
        this.child = undefined;
        const error = `The engine stopped unexpectedly (exit code ${code})`;
        if (!this.readyState) {
          this.readyState = { ok: false, error };
          reject(new Error(error));
        }
        this.failPending(error);
        if (!this.closing) this.restart(code);
      });
      child.postMessage({ type: 'start', options });
    });
  }

  private restart(code: number): void {
    const now = this.now();
    this.crashes = [...this.crashes.filter((t) => now - t < this.limits.windowMs), now];
    if (this.crashes.length > this.limits.restarts || !this.options) {
      process.stderr.write(`recount: the engine keeps stopping (last exit code ${code}); not restarting it\n`);
      return;
    }
    this.ready = this.launch(this.options);
    // The renderer reloads everything on a workspace change, which is what a fresh engine needs.
    this.ready.then(
      () => this.emit({ type: 'workspace.changed', what: 'workspace' }),
      () => {},
    );
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private failPending(message: string): void {
    for (const [id, pending] of this.pending)
      pending.resolve({ id, ok: false, error: { message: `${message} while running ${pending.method}`, code: 'engine-exited' } });
    this.pending.clear();
  }

  /**
   * Sends one request, from `client` (the window's page it came from); resolves with the engine's response, which may
   * be an error but is never a rejection.
   */
  async request(message: RequestMessage, client?: string): Promise<ResponseMessage> {
    const unavailable = (error: string): ResponseMessage => ({
      id: message.id,
      ok: false,
      error: { message: error, code: 'engine-unavailable' },
    });
    if (!this.ready || this.closing) return unavailable('The engine is not running');
    try {
      await this.ready;
    } catch (error) {
      return unavailable(`The engine could not start: ${errorText(error)}`);
    }
    const child = this.child;
    if (!child) return unavailable('The engine is not running');
    if (this.pending.has(message.id)) return unavailable(`A request with id ${message.id} is already running`);
    return new Promise((resolve) => {
      this.pending.set(message.id, { resolve, method: message.method });
      child.postMessage({ type: 'request', message, ...(client === undefined ? {} : { client }) });
    });
  }

  /** A window's page is gone (reloaded, or the window destroyed): the engine lets go of what it ran and held. */
  releaseClient(client: string): void {
    this.child?.postMessage({ type: 'release', client });
  }

  cancel(id: string): void {
    if (this.pending.has(id)) this.child?.postMessage({ type: 'cancel', id });
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks the engine to close its workspace (DuckDB checkpoints on close), killing the process if it hangs. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const child = this.child;
      if (!child) return resolve();
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, this.limits.closeTimeoutMs);
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.postMessage({ type: 'close' });
    });
    return this.closing;
  }
}
