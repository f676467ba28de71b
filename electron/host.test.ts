import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { EngineEvent, RequestMessage, ResponseMessage } from '../engine/shared/contract.js';
import {
  EngineHost,
  serveEngine,
  type ChildLike,
  type EngineLike,
  type HostStartOptions,
  type MainToHost,
  type Opened,
} from './host.js';

const options: HostStartOptions = { recentFile: '/cfg/recent.json', demoDir: '/data/demo', version: '1.2.3' };
const tick = () => new Promise((done) => setImmediate(done));

/** An engine that answers `app.info` at once and holds `query.run` until cancelled. */
class FakeEngine implements EngineLike {
  listeners = new Set<(event: EngineEvent) => void>();
  held = new Map<string, (response: ResponseMessage) => void>();
  cancelled: string[] = [];
  /** Which client each request came from, and the clients released, in order. */
  clients: [string, string | undefined][] = [];
  released: string[] = [];
  closed = false;

  async handle(message: unknown, client?: string): Promise<ResponseMessage> {
    const { id, method } = message as RequestMessage;
    this.clients.push([id, client]);
    if (method === 'query.run') return new Promise((resolve) => this.held.set(id, resolve));
    return { id, ok: true, result: { method } };
  }
  cancel(id: string): void {
    this.cancelled.push(id);
    this.held.get(id)?.({ id, ok: false, error: { message: 'Cancelled', code: 'cancelled' } });
  }
  async releaseClient(client: string): Promise<void> {
    this.released.push(client);
    // What the client ran is cancelled, as the engine does.
    for (const [id, from] of this.clients) if (from === client) this.cancel(id);
  }
  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * A utility process in memory: main's ChildLike on one side, the host's serveEngine on the other, with
 * messages crossing asynchronously and through structuredClone, as they do between processes.
 */
class FakeChild extends EventEmitter implements ChildLike {
  readonly received: MainToHost[] = [];
  private toHost?: (data: unknown) => void;
  exited = false;
  killed = false;

  constructor(open: (options: HostStartOptions) => Promise<Opened>, hang = false) {
    super();
    serveEngine(
      {
        onMessage: (listener) => (this.toHost = listener),
        post: (message) => setImmediate(() => !this.exited && this.emit('message', structuredClone(message))),
      },
      open,
      () => (hang ? undefined : this.exit(0)),
    );
  }
  postMessage(message: MainToHost): void {
    this.received.push(message);
    const copy = structuredClone(message);
    setImmediate(() => !this.exited && this.toHost?.(copy));
  }
  kill(): boolean {
    this.killed = true;
    this.exit(-15);
    return true;
  }
  exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    setImmediate(() => this.emit('exit', code));
  }
}

function setup(open?: (options: HostStartOptions) => Promise<Opened>, hang = false) {
  const engines: FakeEngine[] = [];
  const children: FakeChild[] = [];
  const openFake =
    open ??
    (async (o: HostStartOptions): Promise<Opened> => {
      const engine = new FakeEngine();
      engines.push(engine);
      return { engine, dir: o.demoDir, demo: true };
    });
  let now = 0;
  const host = new EngineHost(
    () => {
      const child = new FakeChild(openFake, hang);
      children.push(child);
      return child;
    },
    { restarts: 2, windowMs: 60_000, closeTimeoutMs: 50 },
    () => (now += 1000),
  );
  return { host, engines, children };
}

const request = (id: string, method: RequestMessage['method'], params: unknown = {}): RequestMessage => ({ id, method, params });

describe('EngineHost and serveEngine', () => {
  it('starts the engine with the options and answers requests sent before it was ready', async () => {
    const { host, children } = setup();
    const started = host.start(options);
    const early = host.request(request('r1', 'app.info'));
    await expect(started).resolves.toEqual({ dir: '/data/demo', demo: true });
    await expect(early).resolves.toEqual({ id: 'r1', ok: true, result: { method: 'app.info' } });
    expect(children[0]?.received[0]).toEqual({ type: 'start', options });
  });

  it('matches responses to requests when they finish out of order, and forwards cancels', async () => {
    const { host, engines } = setup();
    await host.start(options);
    const slow = host.request(request('q1', 'query.run', { sql: 'SELECT 1' }));
    const fast = host.request(request('a1', 'app.info'));
    await expect(fast).resolves.toMatchObject({ id: 'a1', ok: true });
    host.cancel('q1');
    host.cancel('unknown');
    await expect(slow).resolves.toEqual({ id: 'q1', ok: false, error: { message: 'Cancelled', code: 'cancelled' } });
    expect(engines[0]?.cancelled).toEqual(['q1']);
  });

  it("carries each request's window to the engine, and releases a window's page when main says it is gone", async () => {
    const { host, engines } = setup();
    await host.start(options);
    const held = host.request(request('q2', 'query.run', { sql: 'SELECT 1' }), 'window-1');
    await expect(host.request(request('a2', 'app.info'), 'window-2')).resolves.toMatchObject({ id: 'a2', ok: true });
    await expect(host.request(request('a3', 'app.info'))).resolves.toMatchObject({ id: 'a3', ok: true });
    host.releaseClient('window-1');
    await expect(held).resolves.toEqual({ id: 'q2', ok: false, error: { message: 'Cancelled', code: 'cancelled' } });
    expect(engines[0]?.clients).toEqual([
      ['q2', 'window-1'],
      ['a2', 'window-2'],
      ['a3', undefined],
    ]);
    expect(engines[0]?.released).toEqual(['window-1']);
  });

  it('refuses a second request with an id still running', async () => {
    const { host } = setup();
    await host.start(options);
    void host.request(request('q1', 'query.run', { sql: 'SELECT 1' }));
    await tick();
    await expect(host.request(request('q1', 'app.info'))).resolves.toMatchObject({
      id: 'q1',
      ok: false,
      error: { code: 'engine-unavailable' },
    });
  });

  it('fans engine events out to every listener until it unsubscribes', async () => {
    const { host, engines } = setup();
    await host.start(options);
    const a: EngineEvent[] = [];
    const b: EngineEvent[] = [];
    const offA = host.onEvent((e) => a.push(e));
    host.onEvent((e) => b.push(e));
    const event: EngineEvent = { type: 'workspace.changed', what: 'lake' };
    engines[0]?.emit(event);
    await tick();
    offA();
    engines[0]?.emit({ type: 'workspace.changed', what: 'notebooks' });
    await tick();
    expect(a).toEqual([event]);
    expect(b).toEqual([event, { type: 'workspace.changed', what: 'notebooks' }]);
  });

  it('reports an engine that could not open, on start and on every request', async () => {
    const { host } = setup(() => Promise.reject(new Error('the workspace is locked')));
    await expect(host.start(options)).rejects.toThrow('the workspace is locked');
    await expect(host.request(request('r1', 'app.info'))).resolves.toEqual({
      id: 'r1',
      ok: false,
      error: { message: 'The engine could not start: the workspace is locked', code: 'engine-unavailable' },
    });
  });

  it('fails running requests when the process dies, restarts it and says the workspace changed', async () => {
    const { host, children, engines } = setup();
    await host.start(options);
    const events: EngineEvent[] = [];
    host.onEvent((e) => events.push(e));
    const running = host.request(request('q1', 'query.run', { sql: 'SELECT 1' }));
    await tick();
    children[0]?.exit(139);
    await expect(running).resolves.toEqual({
      id: 'q1',
      ok: false,
      error: { message: 'The engine stopped unexpectedly (exit code 139) while running query.run', code: 'engine-exited' },
    });
    await expect(host.request(request('r2', 'app.info'))).resolves.toMatchObject({ id: 'r2', ok: true });
    expect(children).toHaveLength(2);
    expect(engines).toHaveLength(2);
    expect(events).toEqual([{ type: 'workspace.changed', what: 'workspace' }]);
  });

  it('stops restarting an engine that keeps dying', async () => {
    const { host, children } = setup();
    await host.start(options);
    for (let i = 0; i < 3; i++) {
      await host.request(request(`r${i}`, 'app.info'));
      children.at(-1)?.exit(1);
      await tick();
      await tick();
    }
    // Two restarts allowed within the window: the third death is final.
    expect(children).toHaveLength(3);
    await expect(host.request(request('last', 'app.info'))).resolves.toMatchObject({
      ok: false,
      error: { code: 'engine-unavailable' },
    });
  });

  it('closes the engine on quit, and does not restart it', async () => {
    const { host, children, engines } = setup();
    await host.start(options);
    await host.close();
    expect(engines[0]?.closed).toBe(true);
    expect(children[0]?.killed).toBe(false);
    expect(children).toHaveLength(1);
    await expect(host.request(request('r1', 'app.info'))).resolves.toMatchObject({
      ok: false,
      error: { code: 'engine-unavailable' },
    });
  });

  it('kills an engine that does not close in time', async () => {
    const { host, children } = setup(undefined, true);
    await host.start(options);
    await host.close();
    expect(children[0]?.killed).toBe(true);
    expect(children).toHaveLength(1);
  });
});

describe('serveEngine', () => {
  it('answers requests that arrive before start with engine-unavailable', async () => {
    const posted: unknown[] = [];
    let deliver: (data: unknown) => void = () => {};
    serveEngine(
      { onMessage: (listener) => (deliver = listener), post: (message) => posted.push(message) },
      () => new Promise(() => {}),
      () => {},
    );
    deliver({ type: 'request', message: request('r1', 'app.info') });
    deliver({ type: 'bogus' });
    deliver(null);
    expect(posted).toEqual([
      {
        type: 'response',
        message: { id: 'r1', ok: false, error: { message: 'The engine is not open', code: 'engine-unavailable' } },
      },
    ]);
  });
});
