import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import { tempDir } from '../testing/fixtures.js';
import { declareStream, lastOffset, startBroker, type TestBroker } from '../testing/rabbitmq.js';
import { initWorkspace } from './init.js';
import { Engine } from './engine.js';
import { workspaceLog } from './app-paths.js';
import type { Method, Params, Result } from '../shared/contract.js';

let counter = 0;
async function call<M extends Method>(engine: Engine, method: M, params: Params<M>): Promise<Result<M>> {
  const response = await engine.handle({ id: `ls${++counter}`, method, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return response.result as Result<M>;
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The event ids of every message of the stream, read by a bare amqplib consumer. */
async function publishedIds(url: string, stream: string): Promise<string[]> {
  const last = await lastOffset(url, stream);
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(1000);
    const ids: string[] = [];
    await new Promise<void>((resolve) => {
      void channel.consume(
        stream,
        (m) => {
          if (!m) return;
          channel.ack(m);
          ids.push((JSON.parse(m.content.toString()) as { event_id: string }).event_id);
          if ((m.properties.headers?.['x-stream-offset'] as number) >= last) resolve();
        },
        { noAck: false, arguments: { 'x-stream-offset': 'first' } },
      );
    });
    return ids;
  } finally {
    await connection.close();
  }
}

let broker: TestBroker;
let root: { dir: string; cleanup: () => Promise<void> };
let engine: Engine;
let dir: string;
beforeAll(async () => {
  broker = await startBroker({ name: 'engine-stream' });
  await declareStream(broker.url, 'app-events');
  root = await tempDir('recount-live-stream-');
  dir = join(root.dir, 'ws');
  await initWorkspace(dir);
  engine = await Engine.open({ dir, log: workspaceLog(dir), transport: 'browser' });
}, 180_000);
afterAll(async () => {
  await engine?.close();
  await root?.cleanup();
  await broker?.cleanup();
}, 120_000);

describe('the engine following a RabbitMQ stream (live.follow)', () => {
  it('follows the stream, publishes demo traffic to it, recounts and compares it, and goes back to the log', async () => {
    const followed = await call(engine, 'live.follow', { kind: 'amqp', url: broker.url, stream: 'app-events' });
    const label = `amqp://guest@127.0.0.1:${broker.port}/%2F?stream=app-events`;
    expect(followed).toMatchObject({ log: label, stream: { stream: 'app-events', source: label, lostOffsets: 0 } });
    expect(JSON.stringify(followed)).not.toContain('guest:guest');
    await until('following', async () => (await call(engine, 'live.state', {})).stream?.state === 'following');

    expect((await call(engine, 'live.simulate', { running: true, rate: 200 })).simulating).toBe(true);
    await until('demo traffic reached the view', async () => (await call(engine, 'live.state', {})).counters.events > 100);
    expect((await call(engine, 'live.simulate', { running: false })).simulating).toBe(false);
    const ids = await publishedIds(broker.url, 'app-events');
    await until('every message applied', async () => (await call(engine, 'live.state', {})).counters.events === ids.length);
    const state = await call(engine, 'live.state', {});
    expect(state.counters).toMatchObject({ events: ids.length, newEvents: new Set(ids).size, rejects: 0 });
    expect(state.stream?.offset).toBe(ids.length - 1);

    const recounted = await call(engine, 'reconcile.recount', {});
    expect(recounted.import).toMatchObject({ status: 'imported', path: label, rows: ids.length });
    expect(recounted.import.range).toMatchObject({ linesFrom: 0, linesTo: ids.length });
    expect(recounted.throughLine).toBe(ids.length);

    const compared = await call(engine, 'reconcile.compare', { pipeline: 'daily_visits', throughLine: recounted.throughLine });
    expect(compared.log).toBe(label);
    expect(compared.rejectedLines).toEqual([]);
    for (const row of compared.rows) {
      expect(row.residual).toBe(0);
      expect(row.batch, `${row.partition} ${row.metric}`).toEqual(row.realtime_exact);
      for (const reason of ['not_in_lake', 'late', 'not_seen_live', 'not_yet_in_batch', 'rejected'])
        expect(row.reasons[reason], `${row.partition} ${row.metric} ${reason}`).toBe(0);
    }
    expect((await call(engine, 'reconcile.recount', {})).import.status).toBe('skipped');

    const back = await call(engine, 'live.follow', { kind: 'file' });
    expect(back.log).toBe(workspaceLog(dir));
    expect(back.stream).toBeUndefined();
  }, 180_000);

  it('a workspace left while it followed a stream follows its log when switched back to', async () => {
    await call(engine, 'live.follow', { kind: 'amqp', url: broker.url, stream: 'app-events' });
    const other = join(root.dir, 'other');
    await initWorkspace(other);
    await call(engine, 'workspace.open', { dir: other });
    await call(engine, 'workspace.open', { dir });
    const state = await call(engine, 'live.state', {});
    expect(state.log).toBe(workspaceLog(dir));
    expect(state.stream).toBeUndefined();
  }, 60_000);

  it('refuses a source that is no amqp:// address at the contract, and keeps following what it followed', async () => {
    const response = await engine.handle({
      id: 'bad',
      method: 'live.follow',
      params: { kind: 'amqp', url: 'http://x', stream: 's' },
    });
    expect(response.ok).toBe(false);
    expect((await call(engine, 'live.state', {})).log).toBe(workspaceLog(dir));
  });
});
