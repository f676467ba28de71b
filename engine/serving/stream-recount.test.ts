import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { declareStream, publishLines, startBroker, type TestBroker } from '../testing/rabbitmq.js';
import { StreamSession } from '../speed/stream-session.js';
import { streamAddress } from '../speed/stream-address.js';
import { recountStream } from './recount.js';
import { streamCopyDir } from './stream-import.js';
import { reconcile } from './reconcile.js';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startBroker({ name: 'stream-recount' });
}, 180_000);
afterAll(async () => {
  await broker?.cleanup();
}, 120_000);

describe('recount and compare over a RabbitMQ stream', () => {
  let t: TestWorkspace;
  let truth: Truth;
  let lines: string[];
  let stream: string;
  let streams = 0;
  beforeEach(async () => {
    t = await testWorkspace();
    const source = join(t.root, 'source.ndjson');
    truth = await writeEvents(source, { days: 3, eventsPerDay: 150, seed: 7, duplicates: 0.1, late: 0, malformed: 0 }, 'ndjson');
    lines = (await readFile(source, 'utf8')).split('\n').filter(Boolean);
    stream = `recount-${++streams}`;
  });
  afterEach(() => t.cleanup());

  const lake = (sql: string) => t.workspace.catalog.all(sql);

  it('imports every retained message once, by offset: the lake names the stream, line = offset + 1; again imports nothing', async () => {
    await declareStream(broker.url, stream);
    const pretty = JSON.stringify(JSON.parse(lines[3] as string), null, 2);
    // Offsets 0…: the generator's lines, with a message that is no event at 40 and a pretty-printed event at 41.
    const messages = [...lines.slice(0, 40), 'not json', `${pretty}\n`, ...lines.slice(40)];
    await publishLines(broker.url, stream, messages);
    const label = streamAddress(broker.url, stream).label;

    const first = await recountStream(t.workspace, { url: broker.url, stream });
    expect(first.import.status).toBe('imported');
    expect(first.import.path).toBe(label);
    expect(first.stream.offsets).toEqual({ from: 0, to: messages.length - 1 });
    expect(first.stream.through).toBe(messages.length - 1);
    expect(first.throughLine).toBe(messages.length);
    expect(first.import.rejected).toBe(1);
    // Every arrival but the one that is no event: the pretty copy of line 3 is one more arrival of its event.
    expect(first.import.rows).toBe(messages.length - 1);
    expect(first.run.status).toBe('succeeded');

    const rows = await lake(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids, min(_source_line)::INTEGER AS lo,
         max(_source_line)::INTEGER AS hi, list(DISTINCT _source_file::VARCHAR) AS files FROM raw_events`,
    );
    expect(rows).toEqual([{ n: messages.length - 1, ids: truth.events.length, lo: 1, hi: messages.length, files: [label] }]);
    const atLine = (line: number) =>
      lake(`SELECT event_id FROM raw_events WHERE _source_line = ${line}`).then((r) => r.map((x) => x.event_id));
    // The message at offset o is line o + 1.
    expect(await atLine(42 + 1)).toEqual([(JSON.parse(lines[40] as string) as { event_id: string }).event_id]);
    expect(await atLine(41 + 1)).toEqual([(JSON.parse(lines[3] as string) as { event_id: string }).event_id]);
    expect(await lake('SELECT source_file, line::INTEGER AS line, raw FROM rejects')).toEqual([
      { source_file: label, line: 41, raw: 'not json' },
    ]);
    expect(await lake('SELECT count(*)::INTEGER AS n FROM events')).toEqual([{ n: truth.events.length }]);

    const again = await recountStream(t.workspace, { url: broker.url, stream });
    expect(again.import.status).toBe('skipped');
    expect(again.stream.offsets).toBeNull();
    expect(again.stream.through).toBe(messages.length - 1);
    expect(again.run.status).toBe('nothing-to-do');
    expect(await lake('SELECT count(*)::INTEGER AS n FROM raw_events')).toEqual([{ n: messages.length - 1 }]);
  }, 120_000);

  it('imports through the offset the tail applied, and the rest once a tail applied it', async () => {
    await declareStream(broker.url, stream);
    await publishLines(broker.url, stream, lines.slice(0, 200));
    const session = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'beginning' });
    while ((session.offset ?? -1) < 199) await session.pollOnce({ waitMs: 500 });
    await session.close();
    await publishLines(broker.url, stream, lines.slice(200));

    const first = await recountStream(t.workspace, { url: broker.url, stream });
    expect(first.stream.offsets).toEqual({ from: 0, to: 199 });
    expect(await lake('SELECT count(*)::INTEGER AS n FROM raw_events')).toEqual([{ n: 200 }]);
    expect((await recountStream(t.workspace, { url: broker.url, stream })).import.status).toBe('skipped');

    const tail = await StreamSession.open(t.workspace, { url: broker.url, stream, start: 'end' });
    while ((tail.offset ?? -1) < lines.length - 1) await tail.pollOnce({ waitMs: 500 });
    await tail.close();
    const second = await recountStream(t.workspace, { url: broker.url, stream });
    expect(second.stream.offsets).toEqual({ from: 200, to: lines.length - 1 });
    expect(second.import.rows).toBe(lines.length - 200);
    expect(
      await lake(
        'SELECT min(_source_line)::INTEGER AS lo, max(_source_line)::INTEGER AS hi FROM raw_events WHERE _import_id = ' +
          String(second.import.importId),
      ),
    ).toEqual([{ lo: 201, hi: lines.length }]);
    expect(await lake('SELECT count(*)::INTEGER AS n FROM events')).toEqual([{ n: truth.events.length }]);
  }, 120_000);

  it('an append to its copy that a crash cut short is written again, never imported', async () => {
    await declareStream(broker.url, stream);
    await publishLines(broker.url, stream, lines.slice(0, 100));
    const address = streamAddress(broker.url, stream);
    expect((await recountStream(t.workspace, { url: broker.url, stream })).stream.offsets).toEqual({ from: 0, to: 99 });
    // A crash while the next messages were appended: half a line past what the copy records.
    const copy = join(streamCopyDir(t.workspace, address), 'messages.ndjson');
    await appendFile(copy, (lines[100] as string).slice(0, 30));
    await publishLines(broker.url, stream, lines.slice(100));
    const next = await recountStream(t.workspace, { url: broker.url, stream });
    expect(next.stream.offsets).toEqual({ from: 100, to: lines.length - 1 });
    expect(next.import.rejected).toBe(0);
    expect(next.import.rows).toBe(lines.length - 100);
    expect(await lake('SELECT count(*)::INTEGER AS n, max(_source_line)::INTEGER AS hi FROM raw_events')).toEqual([
      { n: lines.length, hi: lines.length },
    ]);
    expect((await readFile(copy, 'utf8')).split('\n').slice(0, -1)).toEqual(lines);
  }, 60_000);

  it('an empty stream imports nothing, and a missing one is an error naming it', async () => {
    await declareStream(broker.url, stream);
    const label = streamAddress(broker.url, stream).label;
    const empty = await recountStream(t.workspace, { url: broker.url, stream });
    expect(empty.stream).toEqual({ source: label, offsets: null, through: null, emptyOffsets: 0 });
    expect(empty.import.rows).toBe(0);
    expect(empty.import.status).not.toBe('failed');
    await expect(recountStream(t.workspace, { url: broker.url, stream: 'no-such-stream' })).rejects.toThrow(
      `there is no stream no-such-stream at ${streamAddress(broker.url, 'no-such-stream').label}`,
    );
  }, 60_000);

  it('compare replays the stream into a fresh view: a message that is no event is rejected by offset; --from-offset leaves the offsets before it unseen live', async () => {
    await declareStream(broker.url, stream);
    const messages = [...lines.slice(0, 40), 'not json', ...lines.slice(40)];
    await publishLines(broker.url, stream, messages);
    const label = streamAddress(broker.url, stream).label;
    await recountStream(t.workspace, { url: broker.url, stream });

    const events = truth.events.map((e) => e);
    const visits = (list: typeof events) => {
      const by = new Map<string, number>();
      for (const e of list.filter((x) => x.event_type === 'UserVisitedWebsite')) {
        const day = new Date(e.occurred_at_ms).toISOString().slice(0, 10);
        by.set(day, (by.get(day) ?? 0) + 1);
      }
      return by;
    };
    const byId = new Map(truth.events.map((e) => [e.event_id, e]));
    const arrivalsOf = (ls: string[]) =>
      ls.map((l) => byId.get((JSON.parse(l) as { event_id: string }).event_id) as (typeof events)[number]);

    const whole = await reconcile(t.workspace, 'daily_visits', label, { ids: true, stream: { url: broker.url, stream } });
    expect(whole.log).toBe(label);
    expect(whole.rejectedLines).toEqual([{ line: 40, reason: 'not a valid JSON object' }]);
    expect(whole.events?.['(no partition)']?.rejected).toEqual([40]);
    const exact = visits(events);
    const naive = visits(arrivalsOf(lines));
    for (const row of whole.rows.filter((r) => r.metric === 'visits')) {
      expect(row).toMatchObject({ batch: exact.get(row.partition), realtime_exact: exact.get(row.partition), residual: 0 });
      expect(row.reasons).toMatchObject({
        duplicate_arrivals: (naive.get(row.partition) ?? 0) - (exact.get(row.partition) ?? 0),
        not_seen_live: 0,
      });
    }

    // From offset 100: the messages before it are in the lake and never seen live.
    const later = await reconcile(t.workspace, 'daily_visits', label, { stream: { url: broker.url, stream, fromOffset: 100 } });
    expect(later.rejectedLines).toEqual([]);
    const seenIds = new Set(messages.slice(100).map((l) => (JSON.parse(l) as { event_id: string }).event_id));
    const unseen = visits(events.filter((e) => !seenIds.has(e.event_id)));
    const liveExact = visits(events.filter((e) => seenIds.has(e.event_id)));
    for (const row of later.rows.filter((r) => r.metric === 'visits')) {
      expect(row.realtime_exact ?? 0).toBe(liveExact.get(row.partition) ?? 0);
      expect(row.reasons.not_seen_live).toBe(0 - (unseen.get(row.partition) ?? 0));
      expect(row.residual).toBe(0);
    }
  }, 120_000);
});
