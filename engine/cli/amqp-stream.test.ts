import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import { tempDir } from '../testing/fixtures.js';
import { runCli } from '../testing/cli.js';
import { lastOffset, startBroker, type TestBroker } from '../testing/rabbitmq.js';
import { localDate } from '../generator/expected.js';
import { parseResult } from '../shared/contract.js';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startBroker({ name: 'cli-stream' });
}, 180_000);
afterAll(async () => {
  await broker?.cleanup();
}, 120_000);

interface Message {
  offset: number;
  event: { event_id: string; event_type: string; occurred_at: string; user_id?: string };
}

/** Every message of the stream, by a bare amqplib consumer from its first offset: the truth the CLI is checked against. */
async function readAll(url: string, stream: string): Promise<Message[]> {
  const last = await lastOffset(url, stream);
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(1000);
    const messages: Message[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${stream}: read ${messages.length} messages, not through ${last}`)),
        30_000,
      );
      void channel.consume(
        stream,
        (m) => {
          if (!m) return;
          const offset = m.properties.headers?.['x-stream-offset'] as number;
          channel.ack(m);
          messages.push({ offset, event: JSON.parse(m.content.toString()) as Message['event'] });
          if (offset >= last) {
            clearTimeout(timer);
            resolve();
          }
        },
        { noAck: false, arguments: { 'x-stream-offset': 'first' } },
      );
    });
    return messages;
  } finally {
    await connection.close();
  }
}

describe('a RabbitMQ stream end to end: simulate → tail → recount → compare', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let ws: string;
  beforeEach(async () => {
    root = await tempDir();
    ws = join(root.dir, 'ws');
    expect((await runCli(['init', '--workspace', ws, '--timezone', 'UTC'])).code).toBe(0);
  });
  afterEach(() => root.cleanup());

  it('the lake, the batch and the live view agree with what was published; only duplicates differ; a second recount imports nothing', async () => {
    const env = { RECOUNT_WORKSPACE: ws };
    const stream = 'shop-events';
    const simulated = await runCli([
      'simulate',
      '--to',
      broker.url,
      '--stream',
      stream,
      '--rate',
      '400',
      '--for',
      '3',
      '--duplicates',
      '0.05',
      '--late',
      '0.05',
      '--seed',
      '11',
      '--json',
    ]);
    expect(simulated.stderr).toBe('');
    const totals = JSON.parse(simulated.stdout) as { lines: number; duplicates: number; late: number };
    const messages = await readAll(broker.url, stream);
    expect(messages.length).toBe(totals.lines);
    expect(messages.map((m) => m.offset)).toEqual(messages.map((_, i) => i));
    const unique = [...new Map(messages.map((m) => [m.event.event_id, m.event])).values()];
    expect(messages.length - unique.length).toBe(totals.duplicates);

    // The live view: every message once (a tail resumed by its checkpoint from where it stopped).
    const tail = await runCli(['tail', broker.url, '--stream', stream, '--from-start', '--for', '12', '--json'], env);
    const final = JSON.parse(tail.stdout.trim().split('\n').at(-1) as string) as {
      events: number;
      new_events: number;
      rejects: number;
    };
    expect(final).toMatchObject({ events: messages.length, new_events: unique.length, rejects: 0 });

    const recounted = await runCli(['recount', broker.url, '--stream', stream, '--json'], env);
    expect(recounted.code).toBe(0);
    const first = parseResult('reconcile.recount', JSON.parse(recounted.stdout));
    expect(first.import.status).toBe('imported');
    expect(first.import.path).toBe(`amqp://guest@127.0.0.1:${broker.port}/%2F?stream=${stream}`);
    expect(first.import.rows).toBe(messages.length);
    expect(first.import.duplicates).toBe(totals.duplicates);
    expect(first.import.range).toMatchObject({ linesFrom: 0, linesTo: messages.length });
    expect(first.throughLine).toBe(messages.length);
    expect(first.run.status).toBe('succeeded');

    const compared = await runCli(['compare', 'daily_visits', '--log', broker.url, '--stream', stream, '--json'], env);
    expect(compared.stderr).toBe('');
    const result = parseResult('reconcile.compare', JSON.parse(compared.stdout));
    expect(result.rejectedLines).toEqual([]);
    const textual = await runCli(['compare', 'daily_visits', '--log', broker.url, '--stream', stream], env);
    expect(textual.stdout.split('\n')[0]).toBe(
      `daily_visits: batch watermark ${result.watermark}, 0 rejected messages in the stream`,
    );
    // The generator's truth per day: visits of each event once, every arrival, and distinct visitors.
    const visits = (events: Message['event'][]) => {
      const by = new Map<string, { visits: number; users: Set<string> }>();
      for (const e of events.filter((x) => x.event_type === 'UserVisitedWebsite')) {
        const day = localDate(Date.parse(e.occurred_at), 'UTC');
        const d = by.get(day) ?? { visits: 0, users: new Set<string>() };
        d.visits++;
        d.users.add(e.user_id ?? '');
        by.set(day, d);
      }
      return by;
    };
    const exact = visits(unique);
    const arrivals = visits(messages.map((m) => m.event));
    const days = [...exact.keys()].sort();
    expect(days.length).toBeGreaterThan(1);
    const byMetric = (metric: string) => result.rows.filter((r) => r.metric === metric);
    expect(byMetric('visits').map((r) => r.partition)).toEqual(days);
    for (const row of byMetric('visits')) {
      const want = exact.get(row.partition)?.visits as number;
      const all = arrivals.get(row.partition)?.visits as number;
      expect(row, row.partition).toMatchObject({ batch: want, realtime_exact: want, realtime_naive: all, residual: 0 });
      expect(row.reasons, row.partition).toEqual({
        duplicate_arrivals: all - want,
        not_in_lake: 0,
        late: 0,
        not_seen_live: 0,
        not_yet_in_batch: 0,
        rejected: 0,
      });
    }
    for (const row of byMetric('visitors')) {
      const want = exact.get(row.partition)?.users.size as number;
      expect(row, row.partition).toMatchObject({ batch: want, realtime_exact: want, realtime_naive: want, residual: 0 });
      expect(Object.values(row.reasons).every((v) => v === 0)).toBe(true);
    }
    const duplicates = byMetric('visits').reduce((sum, r) => sum + Number(r.reasons.duplicate_arrivals), 0);
    const duplicateVisits =
      messages.filter((m) => m.event.event_type === 'UserVisitedWebsite').length -
      unique.filter((e) => e.event_type === 'UserVisitedWebsite').length;
    expect(duplicates).toBe(duplicateVisits);

    const again = parseResult(
      'reconcile.recount',
      JSON.parse((await runCli(['recount', broker.url, '--stream', stream, '--json'], env)).stdout),
    );
    expect(again.import.status).toBe('skipped');
    expect(again.import.rows).toBe(0);
    expect(again.run.status).toBe('nothing-to-do');
    const text = await runCli(['recount', broker.url, '--stream', stream], env);
    expect(text.stdout).toBe(`import skipped: ${again.import.message}\nevery partition is fresh\n`);
  }, 240_000);
});
