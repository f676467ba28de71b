import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import type { GeneratedEvent } from '../generator/model.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { normalizeRows } from '../testing/rows.js';
import { runCli } from '../testing/cli.js';
import {
  declareStream,
  firstRetained,
  lastOffset,
  publishLines,
  startBroker,
  tcpProxy,
  waitForStream,
  type TestBroker,
} from '../testing/rabbitmq.js';
import { StreamSession, type StreamTick } from './stream-session.js';
import type { StreamStatus } from './amqp-source.js';

const PIPELINES = ['daily_visits', 'daily_orders', 'daily_payments', 'daily_funnel'];

let broker: TestBroker;
beforeAll(async () => {
  broker = await startBroker({ name: 'amqp-source' });
}, 180_000);
afterAll(async () => {
  await broker?.cleanup();
}, 120_000);

/** Applies batches until the message at `offset` is applied (or fails after `timeoutMs`). */
async function applyThrough(session: StreamSession, offset: number, ticks: StreamTick[] = [], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while ((session.offset ?? -1) < offset) {
    if (Date.now() > deadline)
      throw new Error(`applied through ${session.offset} of ${offset} in ${timeoutMs} ms (${JSON.stringify(session.status)})`);
    ticks.push(...(await session.pollOnce({ waitMs: 500 })));
  }
  return ticks;
}

describe('a live view following a RabbitMQ stream', () => {
  let t: TestWorkspace;
  let truth: Truth;
  let lines: string[];
  let stream: string;
  let streams = 0;
  beforeEach(async () => {
    t = await testWorkspace();
    const source = join(t.root, 'source.ndjson');
    truth = await writeEvents(
      source,
      { days: 3, eventsPerDay: 200, seed: 21, duplicates: 0.1, late: 0.05, malformed: 0 },
      'ndjson',
    );
    lines = (await readFile(source, 'utf8')).split('\n').filter(Boolean);
    stream = `events-${++streams}`;
  });
  afterEach(() => t.cleanup());

  /** The view holds exactly the first `upTo` lines: each event once in exact mode, every arrival in naive mode. */
  const expectState = (session: StreamSession, arrivedLines: string[]) => {
    const byId = new Map(truth.events.map((e) => [e.event_id, e]));
    const arrived = arrivedLines.map((l) => byId.get((JSON.parse(l) as { event_id: string }).event_id) as GeneratedEvent);
    const unique = [...new Map(arrived.map((e) => [e.event_id, e])).values()];
    for (const p of PIPELINES) {
      expect(normalizeRows(p, session.view.rows(p, 'exact')), `${p} exact`).toEqual(EXPECTED[p]?.(unique, 'UTC'));
      expect(normalizeRows(p, session.view.rows(p, 'naive')), `${p} naive`).toEqual(EXPECTED[p]?.(arrived, 'UTC'));
    }
    expect(session.view.counters.events).toBe(arrived.length);
    expect(session.view.counters.newEvents).toBe(unique.length);
  };

  it('takes in every message once, duplicates and late events as a log has them, and rejects non-events by offset', async () => {
    await declareStream(broker.url, stream);
    // Offsets run 0, 1, 2… in a stream of one segment: the message at index i has offset i.
    const pretty = JSON.stringify(JSON.parse(lines[5] as string), null, 2);
    const messages = [
      ...lines.slice(0, 100),
      'not json at all',
      '',
      `${pretty}\r\n`,
      '{"event_id": "x"}\n{"event_id": "y"}',
      '\ufeff' + (lines[100] as string),
      ...lines.slice(101),
    ];
    await publishLines(broker.url, stream, messages);
    const session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'beginning' });
    try {
      const ticks = await applyThrough(session, messages.length - 1);
      expect(session.status.state).toBe('following');
      const rejects = ticks.flatMap((tick) => tick.sessionRejects);
      expect(rejects.map((r) => [r.offset, r.reason])).toEqual([
        [100, 'not a valid JSON object'],
        [103, 'not a valid JSON object'],
      ]);
      expect(rejects[1]?.raw).toBe('{"event_id": "x"}\n{"event_id": "y"}');
      // Offset 100 went to the view, which rejected it as it rejects such a line of a log; 103 could never be one line.
      // The pretty-printed copy of line 5 is one more arrival of its event; the blank message is no line at all.
      expectState(session, [...lines.slice(0, 100), lines[5] as string, ...lines.slice(100)]);
      expect(ticks.flatMap((tick) => Array.from(tick.lineNumbers))).toEqual(
        messages.map((_, i) => i).filter((i) => ![101, 103].includes(i)),
      );
    } finally {
      await session.close();
    }
  });

  it('resumes after a restart, or a crash before its checkpoint, at the next offset: nothing lost, nothing counted twice', async () => {
    await declareStream(broker.url, stream);
    await publishLines(broker.url, stream, lines.slice(0, 250));
    let session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'beginning' });
    await applyThrough(session, 249);
    await session.close();

    // Without a checkpoint for what it applied after 399, a crashed session's successor reads 400… again onto the
    // state checkpointed at 399.
    await publishLines(broker.url, stream, lines.slice(250, 400));
    session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'end' });
    const resumed = await applyThrough(session, 399);
    expect(resumed[0]?.first).toBe(250);
    await session.checkpoint();
    await publishLines(broker.url, stream, lines.slice(400, 500));
    await applyThrough(session, 499);
    expectState(session, lines.slice(0, 500));
    await session.close({ checkpoint: false });

    await publishLines(broker.url, stream, lines.slice(500));
    session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'end' });
    try {
      const ticks = await applyThrough(session, lines.length - 1);
      expect(ticks[0]?.first).toBe(400);
      expectState(session, lines);
    } finally {
      await session.close();
    }
    // A restart with nothing new changes nothing.
    session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'end' });
    try {
      expect(await session.pollOnce({ waitMs: 1500 })).toEqual([]);
      expectState(session, lines);
    } finally {
      await session.close();
    }
  });

  it('starts at what is published from now on unless asked for the beginning, and --from-start forgets the checkpoint', async () => {
    await declareStream(broker.url, stream);
    await publishLines(broker.url, stream, lines.slice(0, 100));
    const atEnd = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'end' });
    // The consumer is attached once the source follows; what is published after that is read.
    while (atEnd.status.state !== 'following') await new Promise((resolve) => setTimeout(resolve, 50));
    await publishLines(broker.url, stream, lines.slice(100, 150));
    await applyThrough(atEnd, 149);
    expect(atEnd.view.counters.lines).toBe(50);
    await atEnd.close();
    const replay = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'beginning', restart: true });
    try {
      await applyThrough(replay, 149);
      expectState(replay, lines.slice(0, 150));
    } finally {
      await replay.close();
    }
  });

  it('reconnects when its connection is cut and goes on after the last offset it had, counting each message once', async () => {
    await declareStream(broker.url, stream);
    const proxy = await tcpProxy(broker.port);
    const statuses: StreamStatus['state'][] = [];
    const url = `amqp://guest:guest@127.0.0.1:${proxy.port}/`;
    const session = await StreamSession.open(t.workspace, { url, stream, start: 'beginning', retryMs: 50, prefetch: 50 });
    session.onStatus = (s) => statuses.push(s.state);
    try {
      const third = Math.floor(lines.length / 3);
      await publishLines(broker.url, stream, lines.slice(0, third));
      await applyThrough(session, third - 1);
      expect(proxy.cut()).toBeGreaterThan(0);
      await publishLines(broker.url, stream, lines.slice(third, 2 * third));
      await applyThrough(session, 2 * third - 1);
      // Cut again while messages are still coming: some were delivered and not yet taken.
      const publishing = publishLines(broker.url, stream, lines.slice(2 * third));
      await session.pollOnce({ waitMs: 500 });
      proxy.cut();
      await publishing;
      await applyThrough(session, lines.length - 1);
      expect(statuses).toContain('reconnecting');
      expect(statuses.at(-1)).toBe('following');
      expect(session.warnings.some((w) => /reconnecting in/.test(w))).toBe(true);
      expectState(session, lines);
    } finally {
      await session.close();
      await proxy.close();
    }
  });

  it('reports offsets the stream no longer holds as a gap, with how many, and goes on from the first it holds', async () => {
    // A stream that keeps only its last few kilobytes, in small segments: retention removes whole old segments.
    await declareStream(broker.url, stream, { 'x-max-length-bytes': 60_000, 'x-stream-max-segment-size-bytes': 10_000 });
    await publishLines(broker.url, stream, lines.slice(0, 40));
    let session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'beginning' });
    await applyThrough(session, 39);
    const checkpointed = session.offset as number;
    await session.close();
    await publishLines(broker.url, stream, lines.slice(40));
    // The broker applies retention shortly after a segment fills: wait until what it holds stays the same.
    let first = await firstRetained(broker.url, stream);
    for (let previous = -1; previous !== first.offset;) {
      previous = first.offset;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      first = await firstRetained(broker.url, stream);
    }
    expect(first.offset).toBeGreaterThan(checkpointed + 1);
    session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'end' });
    try {
      const ticks = await applyThrough(session, first.offset);
      const gaps = ticks.flatMap((tick) => (tick.gap ? [tick.gap] : []));
      expect(gaps).toEqual([{ from: checkpointed + 1, to: first.offset - 1, offsets: first.offset - checkpointed - 1 }]);
      expect(session.status.lostOffsets).toBe(first.offset - checkpointed - 1);
      expect(session.warnings).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `offsets ${checkpointed + 1}–${first.offset - 1} \\(${first.offset - checkpointed - 1} offsets\\) are no longer in the stream`,
          ),
        ),
      );
      // What is still there is read on, each message once: the last lines published, from the first retained on.
      await applyThrough(session, await lastOffset(broker.url, stream), ticks);
      const firstIndex = lines.length - ticks.reduce((n, tick) => n + tick.lines, 0);
      expect(lines[firstIndex]).toBe(first.body);
      // The broker spends an offset at each segment's start: the messages lost are at most the offsets lost.
      expect(firstIndex).toBeGreaterThan(40);
      expect(firstIndex - 40).toBeLessThanOrEqual(first.offset - checkpointed - 1);
      expectState(session, [...lines.slice(0, 40), ...lines.slice(firstIndex)]);
    } finally {
      await session.close();
    }
  });

  it('fails clearly when the stream is deleted, missing, or not a stream', async () => {
    await declareStream(broker.url, stream);
    await publishLines(broker.url, stream, lines.slice(0, 50));
    const session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'beginning', retryMs: 50 });
    const controller = new AbortController();
    let applied = 0;
    const following = session.follow(controller.signal, (tick) => (applied += tick.lines));
    try {
      while (applied < 50) await new Promise((resolve) => setTimeout(resolve, 50));
      const connection = await amqp.connect(broker.url);
      await (await connection.createChannel()).deleteQueue(stream);
      await connection.close();
      await expect(following).rejects.toThrow(`the stream ${stream} was deleted`);
      expect(session.status).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/was deleted/) });
    } finally {
      controller.abort();
      await following.catch(() => {});
      await session.close();
    }
    const missing = await StreamSession.open(t.workspace, { url: broker.url, stream: 'no-such-stream', start: 'end' });
    try {
      await expect(missing.follow(new AbortController().signal, () => {})).rejects.toThrow(
        /there is no stream no-such-stream at amqp:\/\/guest@127\.0\.0\.1/,
      );
    } finally {
      await missing.close();
    }
    const connection = await amqp.connect(broker.url);
    await (await connection.createChannel()).assertQueue('classic-queue');
    await connection.close();
    const classic = await StreamSession.open(t.workspace, { url: broker.url, stream: 'classic-queue', start: 'end' });
    try {
      await expect(classic.follow(new AbortController().signal, () => {})).rejects.toThrow(
        'classic-queue at amqp://guest@127.0.0.1',
      );
      expect(classic.status.lastError).toMatch(/is not a stream queue/);
    } finally {
      await classic.close();
    }
  });

  it('recount simulate --to publishes demo traffic that recount tail amqp://… --stream follows, with the same output as a log', async () => {
    const simulated = await runCli([
      'simulate',
      '--to',
      broker.url,
      '--stream',
      stream,
      '--rate',
      '200',
      '--for',
      '3',
      '--seed',
      '4',
      '--duplicates',
      '0.05',
      '--json',
    ]);
    expect(simulated.code, simulated.stderr).toBe(0);
    const totals = JSON.parse(simulated.stdout) as { lines: number; events: number; duplicates: number };
    expect(totals.duplicates).toBeGreaterThan(0);
    const tail = (args: string[]) => runCli(['tail', broker.url, '--stream', stream, '--workspace', t.dir, '--json', ...args]);
    await t.workspace.close();
    const tailed = await tail(['--from-start', '--for', '6']);
    expect(tailed.code, tailed.stderr).toBe(0);
    const out = tailed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.some((l) => l.type === 'update')).toBe(true);
    expect(out.at(-1)).toMatchObject({
      type: 'final',
      log: `amqp://guest@127.0.0.1:${broker.port}/%2F?stream=${stream}`,
      lines: totals.lines,
      events: totals.lines,
      new_events: totals.events,
      rejects: 0,
    });
    // The password is never shown.
    expect(tailed.stdout + tailed.stderr).not.toContain('guest:guest');
    // Again, from its checkpoint: nothing new to count.
    const again = await tail(['--for', '2']);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      lines: totals.lines,
      new_events: totals.events,
    });
    const missing = await runCli(['tail', broker.url, '--workspace', t.dir, '--for', '1']);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/needs --stream NAME/) });
  });

  it('rides out a broker stopped and started again, and counts exactly', async () => {
    await declareStream(broker.url, stream);
    const half = Math.floor(lines.length / 2);
    await publishLines(broker.url, stream, lines.slice(0, half));
    const session = await StreamSession.open(t.workspace, {
      url: broker.url,
      stream,
      start: 'beginning',
      retryMs: 100,
      maxRetryMs: 1000,
    });
    const statuses: StreamStatus[] = [];
    session.onStatus = (s) => statuses.push(s);
    try {
      await applyThrough(session, half - 1);
      await broker.stop();
      await session.pollOnce({ waitMs: 1000 });
      expect(session.status.state).toBe('reconnecting');
      await broker.start();
      await waitForStream(broker.url, stream);
      await publishLines(broker.url, stream, lines.slice(half));
      await applyThrough(session, await lastOffset(broker.url, stream), [], 120_000);
      expect(statuses.filter((s) => s.state === 'reconnecting').length).toBeGreaterThan(1);
      expect(statuses.some((s) => s.lastError?.includes('ECONNREFUSED'))).toBe(true);
      expect(session.status.state).toBe('following');
      expectState(session, lines);
    } finally {
      await session.close();
    }
  }, 240_000);
});
