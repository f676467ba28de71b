import { connect, type Socket } from 'node:net';
import { lstat, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import type { EngineEvent, Method, ResponseMessage } from '../shared/contract.js';
import { listenEngineSocket, type EngineSocket, type SocketEngine } from './engine-socket.js';
import { engineSocketPath } from './socket-wire.js';

/** An engine stand-in: each request reports one progress event and runs until the test finishes or cancels it. */
class FakeEngine implements SocketEngine {
  readonly running = new Map<string, { method: Method; answer: (response: ResponseMessage) => void }>();
  readonly cancelled: string[] = [];
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private held: string;

  constructor(dir: string) {
    this.held = dir;
  }

  get dir(): string {
    return this.held;
  }

  moveTo(dir: string): void {
    this.held = dir;
    this.emit({ type: 'workspace.changed', what: 'workspace' });
  }

  handle(message: unknown): Promise<ResponseMessage> {
    const { id, method } = message as { id: string; method: Method };
    return new Promise((answer) => {
      this.running.set(id, { method, answer });
      this.emit({ type: 'progress', requestId: id, progress: { phase: 'working', done: 1, total: 2, unit: 'rows' } });
    });
  }

  finish(id: string, result: unknown): void {
    this.running.get(id)?.answer({ id, ok: true, result });
    this.running.delete(id);
  }

  cancel(id: string): void {
    this.cancelled.push(id);
    this.running.get(id)?.answer({ id, ok: false, error: { code: 'cancelled', message: 'Cancelled' } });
    this.running.delete(id);
  }

  busy(): Method[] {
    return [...this.running.values()].map((r) => r.method);
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** A raw client: what it was sent, line by line. */
async function client(path: string): Promise<{ socket: Socket; lines: unknown[]; send(message: unknown): void }> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const lines: unknown[] = [];
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      lines.push(JSON.parse(buffer.slice(0, end)));
      buffer = buffer.slice(end + 1);
    }
  });
  return {
    socket,
    lines,
    send: (message) => socket.write(typeof message === 'string' ? message : `${JSON.stringify(message)}\n`),
  };
}

async function until(check: () => boolean): Promise<void> {
  for (const end = Date.now() + 10_000; !check();) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let root: { dir: string; cleanup: () => Promise<void> };
let engine: FakeEngine;
let socket: EngineSocket | undefined;

beforeEach(async () => {
  root = await tempDir('recount-socket-unit-');
  engine = new FakeEngine(join(root.dir, 'ws'));
  await mkdir(engine.dir);
  socket = await listenEngineSocket(engine);
});

afterEach(async () => {
  await socket?.close();
  await root.cleanup();
});

describe('the engine socket', () => {
  it('listens owner-only in the workspace, and refuses to start beside another engine answering there', async () => {
    expect(socket?.path).toBe(join(engine.dir, '.recount', 'engine.sock'));
    expect((await stat(join(engine.dir, '.recount'))).mode & 0o777).toBe(0o700);
    expect((await lstat(engineSocketPath(engine.dir))).mode & 0o777).toBe(0o600);
    await expect(listenEngineSocket(engine)).rejects.toThrow(`Another Recount engine already answers at ${socket?.path}`);
    await socket?.close();
    socket = undefined;
    await expect(lstat(engineSocketPath(engine.dir))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("sends each connection its own requests' progress and answers, and tells a writer behind another that it waits", async () => {
    const one = await client(engineSocketPath(engine.dir));
    const two = await client(engineSocketPath(engine.dir));
    one.send({ id: 'a', method: 'lake.import', params: { paths: ['/x'] } });
    await until(() => engine.running.has('a'));
    two.send({ id: 'b', method: 'pipelines.run', params: {} });
    await until(() => engine.running.has('b') && two.lines.length === 2);
    engine.finish('a', { files: [], rows: 0, rejected: 0 });
    engine.finish('b', { done: true });
    await until(() => one.lines.length === 2 && two.lines.length === 3);
    const progress = (id: string) => ({
      type: 'progress',
      requestId: id,
      progress: { phase: 'working', done: 1, total: 2, unit: 'rows' },
    });
    expect(one.lines).toEqual([progress('a'), { id: 'a', ok: true, result: { files: [], rows: 0, rejected: 0 } }]);
    expect(two.lines).toEqual([
      { type: 'notice', requestId: 'b', message: 'waiting for the import in progress…' },
      progress('b'),
      { id: 'b', ok: true, result: { done: true } },
    ]);
    one.socket.destroy();
    two.socket.destroy();
  });

  it('cancels only what a connection asked for, and all it left running when it goes away', async () => {
    const one = await client(engineSocketPath(engine.dir));
    const two = await client(engineSocketPath(engine.dir));
    one.send({ id: 'a', method: 'query.run', params: { sql: 'SELECT 1' } });
    one.send({ id: 'b', method: 'query.run', params: { sql: 'SELECT 2' } });
    await until(() => engine.running.size === 2);
    two.send({ cancel: 'a' });
    one.send({ cancel: 'a' });
    await until(() => one.lines.some((l) => (l as { id?: string }).id === 'a'));
    expect(engine.cancelled).toEqual(['a']);
    one.socket.destroy();
    await until(() => engine.cancelled.length === 2);
    expect(engine.cancelled).toEqual(['a', 'b']);
    two.socket.destroy();
  });

  it('answers a malformed line with an error and goes on; a workspace the engine left is refused as moved', async () => {
    const one = await client(engineSocketPath(engine.dir));
    one.send('{not json\n');
    one.send({ id: 'x', method: 'no.such', params: {} });
    await until(() => one.lines.length === 2);
    expect(one.lines).toEqual([
      { id: '', ok: false, error: { code: 'bad-request', message: 'a message is one line of JSON' } },
      { id: 'x', ok: false, error: { code: 'bad-request', message: 'malformed message' } },
    ]);
    const first = engine.dir;
    const second = join(root.dir, 'other');
    await mkdir(second);
    engine.moveTo(second);
    const exists = (path: string) =>
      lstat(path).then(
        () => true,
        () => false,
      );
    await until(() => socket?.path === engineSocketPath(second));
    expect(await exists(engineSocketPath(second))).toBe(true);
    expect(await exists(engineSocketPath(first))).toBe(false);
    // A connection made to the old workspace is told, so that the CLI opens that workspace itself.
    one.send({ id: 'y', method: 'pipelines.status', params: {} });
    await until(() => one.lines.length === 3);
    expect(one.lines[2]).toEqual({
      id: 'y',
      ok: false,
      error: { code: 'engine-moved', message: `the engine no longer holds ${first}` },
    });
    expect(engine.running.size).toBe(0);
    one.socket.destroy();
  });
});
