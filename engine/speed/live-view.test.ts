import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED, READ_BACK } from '../generator/expected.js';
import type { GeneratedEvent } from '../generator/model.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile } from '../lake/import.js';
import { runPipelines } from '../batch/runner.js';
import { inArrivalOrder, LiveView, readsNatively, type LiveBatch } from './live-view.js';
import { normalizeRows } from '../testing/rows.js';

const REALTIME = ['daily_visits', 'weekly_visitors', 'daily_orders', 'daily_product_sales', 'daily_payments', 'daily_funnel'];

function batches(lines: string[], cuts: number[]): LiveBatch[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * lines.length)))]
    .filter((c) => c > 0 && c < lines.length)
    .sort((a, b) => a - b);
  const out: LiveBatch[] = [];
  let start = 0;
  for (const end of [...points, lines.length]) {
    const slice = lines.slice(start, end);
    out.push({
      data: Buffer.from(slice.map((l) => `${l}\n`).join('')),
      lineNumbers: slice.map((_, i) => start + i + 1),
      count: slice.length,
    });
    start = end;
  }
  return out;
}

/** Every arrival, duplicates included: what a stream that counts each line sees. */
function arrivals(truth: Truth, lines: string[]): GeneratedEvent[] {
  const byId = new Map(truth.events.map((e) => [e.event_id, e]));
  return lines.map((l) => byId.get((JSON.parse(l) as { event_id: string }).event_id) as GeneratedEvent);
}

describe('the live view', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
  });
  afterEach(() => t.cleanup());

  it('equals the batch layer in exact mode, and counts every arrival in naive mode, over random streams cut into random batches', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        async (seed, cuts, duplicates, late) => {
          const file = join(t.root, `stream-${run++}.ndjson`);
          const truth = await writeEvents(
            file,
            { days: 3, eventsPerDay: 120, seed, duplicates, late, malformed: 0, start: '2026-10-03' },
            'ndjson',
          );
          const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
          const view = await LiveView.create(t.workspace, { source: file });
          try {
            for (const batch of batches(lines, cuts)) await view.ingest(batch);
            expect(view.problems).toEqual([]);
            for (const pipeline of REALTIME) {
              expect(normalizeRows(pipeline, view.rows(pipeline, 'exact')), `${pipeline} exact`).toEqual(
                EXPECTED[pipeline]?.(truth.events, 'UTC'),
              );
              expect(normalizeRows(pipeline, view.rows(pipeline, 'naive')), `${pipeline} naive`).toEqual(
                EXPECTED[pipeline]?.(arrivals(truth, lines), 'UTC'),
              );
            }
          } finally {
            await view.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('gives the same rows as the batch layer computes from the lake over the same events', async () => {
    const file = join(t.root, 'events.ndjson');
    await writeEvents(file, { days: 5, eventsPerDay: 300, seed: 8, duplicates: 0.05, late: 0.05, malformed: 0.01 }, 'ndjson');
    await importFile(t.workspace, file);
    expect((await runPipelines(t.workspace)).status).toBe('succeeded');
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    const view = await LiveView.create(t.workspace, { source: file, modes: ['exact'] });
    try {
      let rejected = 0;
      for (const batch of batches(lines, [0.2, 0.5, 0.51, 0.9])) rejected += (await view.ingest(batch)).rejects.length;
      expect(rejected).toBeGreaterThan(0);
      // Rows come from state wherever the outputs are keys and aggregates as they stand (or cast to BIGINT).
      expect(REALTIME.filter((p) => view.incremental(p)?.direct)).toEqual(REALTIME.filter((p) => p !== 'daily_payments'));
      for (const pipeline of REALTIME) {
        expect(normalizeRows(pipeline, view.rows(pipeline, 'exact')), pipeline).toEqual(
          await t.workspace.catalog.all(READ_BACK[pipeline] as string),
        );
      }
    } finally {
      await view.close();
    }
  });

  it('resumes from a snapshot without counting anything twice', async () => {
    const file = join(t.root, 'events.ndjson');
    const truth = await writeEvents(
      file,
      { days: 2, eventsPerDay: 200, seed: 3, duplicates: 0.1, late: 0, malformed: 0 },
      'ndjson',
    );
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    const [first, second] = batches(lines, [0.5]) as [LiveBatch, LiveBatch];
    const before = await LiveView.create(t.workspace, { source: file });
    await before.ingest(first);
    const snapshot = JSON.parse(JSON.stringify(before.snapshot()));
    const events = join(t.root, 'exact.parquet');
    await before.saveEvents(events);
    await before.close();
    const after = await LiveView.create(t.workspace, { source: file });
    try {
      await after.restore(snapshot, events);
      await after.ingest(second);
      for (const pipeline of REALTIME) {
        expect(normalizeRows(pipeline, after.rows(pipeline, 'exact')), pipeline).toEqual(
          EXPECTED[pipeline]?.(truth.events, 'UTC'),
        );
        expect(normalizeRows(pipeline, after.rows(pipeline, 'naive')), pipeline).toEqual(
          EXPECTED[pipeline]?.(arrivals(truth, lines), 'UTC'),
        );
      }
    } finally {
      await after.close();
    }
  });

  it('numbers events and rejects by their own lines when the batch skips lines, and keeps the first of two arrivals', async () => {
    const event = (id: string, type: string | null, at: string) =>
      JSON.stringify({ event_id: id, ...(type ? { event_type: type } : {}), occurred_at: at, user_id: 'u1' });
    // Lines 3, 6 and 7 of the log were blank or rejected by the tailer: the batch has lines 1, 2, 4, 5, 8, 9.
    const text = [
      event('a', 'UserVisitedWebsite', '2026-10-01T10:00:00Z'),
      '{"event_id": "broken',
      event('b', 'UserVisitedWebsite', '2026-10-01T11:00:00Z'),
      event('c', null, '2026-10-01T12:00:00Z'),
      event('a', 'UserVisitedWebsite', '2026-10-01T10:00:00Z'),
      event('d', 'UserVisitedWebsite', 'not a time'),
    ];
    const batch: LiveBatch = { data: Buffer.from(text.join('\n') + '\n'), lineNumbers: [1, 2, 4, 5, 8, 9], count: 6 };
    const view = await LiveView.create(t.workspace, { source: 'log.ndjson', modes: ['naive', 'exact'] });
    try {
      const result = await view.ingest(batch);
      expect([result.events, result.newEvents]).toEqual([3, 2]);
      expect(result.rejects.map((r) => [r.line, r.reason])).toEqual([
        [2, 'not a valid JSON object'],
        [5, 'missing event type (none of: event_type, type, event, name)'],
        [9, 'unparseable timestamp "not a time"'],
      ]);
      const exact = await t.workspace.catalog.all(
        `SELECT event_id, _source_line::DOUBLE AS line, _arrival::DOUBLE AS arrival FROM ${view.exactEventsTable} ORDER BY _arrival`,
      );
      expect(exact).toEqual([
        { event_id: 'a', line: 1, arrival: 1 },
        { event_id: 'b', line: 4, arrival: 3 },
      ]);
      const all = await t.workspace.catalog.all(
        `SELECT event_id, _source_line::DOUBLE AS line FROM ${view.arrivalsTable} ORDER BY _arrival`,
      );
      expect(all).toEqual([
        { event_id: 'a', line: 1 },
        { event_id: 'b', line: 4 },
        { event_id: 'a', line: 8 },
      ]);
      expect(normalizeRows('daily_visits', view.rows('daily_visits', 'naive'))).toEqual([
        { event_date: '2026-10-01', visits: 3, visitors: 1 },
      ]);
      expect(normalizeRows('daily_visits', view.rows('daily_visits', 'exact'))).toEqual([
        { event_date: '2026-10-01', visits: 2, visitors: 1 },
      ]);
    } finally {
      await view.close();
    }
  });

  it('numbers arrivals and source lines across runs of consecutive lines, gaps, skipped lines and a restore', async () => {
    const event = (id: string) =>
      JSON.stringify({ event_id: id, event_type: 'UserVisitedWebsite', occurred_at: '2026-10-01T10:00:00Z', user_id: 'u1' });
    const batch = (ids: string[], lineNumbers: number[]): LiveBatch => ({
      data: Buffer.from(ids.map((id) => `${event(id)}\n`).join('')),
      lineNumbers,
      count: ids.length,
    });
    const numbered = (view: LiveView, table: 'exactEventsTable' | 'arrivalsTable') =>
      t.workspace.catalog.all(
        `SELECT event_id, _source_line::DOUBLE AS line, _arrival::DOUBLE AS arrival FROM ${view[table]} ORDER BY _arrival`,
      );
    const view = await LiveView.create(t.workspace, { source: 'log.ndjson', modes: ['exact'] });
    const restored = await LiveView.create(t.workspace, { source: 'log.ndjson', modes: ['exact'] });
    try {
      await view.ingest(batch(['a', 'b', 'c'], [1, 2, 3]));
      await view.ingest(batch(['d', 'a'], [4, 5]));
      // Lines 6 and 7 went to the tailer's rejects; then a batch that skips line 11.
      await view.ingest(batch(['e', 'f'], [8, 9]));
      await view.ingest(batch(['g', 'h'], [10, 12]));
      const exact = [
        { event_id: 'a', line: 1, arrival: 1 },
        { event_id: 'b', line: 2, arrival: 2 },
        { event_id: 'c', line: 3, arrival: 3 },
        { event_id: 'd', line: 4, arrival: 4 },
        { event_id: 'e', line: 8, arrival: 6 },
        { event_id: 'f', line: 9, arrival: 7 },
        { event_id: 'g', line: 10, arrival: 8 },
        { event_id: 'h', line: 12, arrival: 9 },
      ];
      expect(await numbered(view, 'exactEventsTable')).toEqual(exact);
      expect(await numbered(view, 'arrivalsTable')).toEqual(
        [...exact.slice(0, 4), { event_id: 'a', line: 5, arrival: 5 }, ...exact.slice(4)].sort((x, y) => x.arrival - y.arrival),
      );
      const saved = join(t.root, 'exact.parquet');
      await view.saveEvents(saved);
      await restored.restore(view.snapshot(), saved);
      await restored.ingest(batch(['i', 'a', 'j'], [13, 14, 15]));
      expect(await numbered(restored, 'exactEventsTable')).toEqual([
        ...exact,
        { event_id: 'i', line: 13, arrival: 10 },
        { event_id: 'j', line: 15, arrival: 12 },
      ]);
      expect(normalizeRows('daily_visits', restored.rows('daily_visits', 'exact'))).toEqual([
        { event_date: '2026-10-01', visits: 10, visitors: 1 },
      ]);
    } finally {
      await view.close();
      await restored.close();
    }
  });

  it('keeps the order of lines when batches are read side by side and a later one is read first', async () => {
    const event = (id: string) =>
      JSON.stringify({ event_id: id, event_type: 'UserVisitedWebsite', occurred_at: '2026-10-01T10:00:00Z', user_id: id });
    let line = 0;
    const batch = (ids: string[]): LiveBatch => ({
      data: Buffer.from(ids.map((id) => `${event(id)}\n`).join('')),
      lineNumbers: ids.map(() => ++line),
      count: ids.length,
    });
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
    // A big batch, then one of two lines whose read ends long before the big one's, then another big one.
    const batches = [batch(ids('a', 40_000)), batch(['x', 'a1']), batch(ids('b', 30_000))];
    const view = await LiveView.create(t.workspace, { source: 'log.ndjson', modes: ['naive', 'exact'] });
    try {
      const results = await Promise.all(batches.map((b) => view.ingest(b)));
      expect(results.map((r) => [r.lines, r.events, r.newEvents])).toEqual([
        [40_000, 40_000, 40_000],
        [2, 2, 1],
        [30_000, 30_000, 30_000],
      ]);
      const arrivals = await t.workspace.catalog.all<{ n: number; misnumbered: number; x: number; a1: string }>(
        `SELECT count(*)::DOUBLE AS n, count(*) FILTER (WHERE _arrival <> _source_line)::DOUBLE AS misnumbered,
           max(_arrival) FILTER (WHERE event_id = 'x')::DOUBLE AS x, string_agg(_arrival::VARCHAR, ',' ORDER BY _arrival) FILTER (WHERE event_id = 'a1') AS a1
         FROM ${view.arrivalsTable}`,
      );
      expect(arrivals).toEqual([{ n: 70_002, misnumbered: 0, x: 40_001, a1: '1,40002' }]);
      const exact = await t.workspace.catalog.all<{ n: number; first: string; last: string }>(
        `SELECT count(*)::DOUBLE AS n, arg_min(event_id, _arrival) AS first, arg_max(event_id, _arrival) AS last FROM ${view.exactEventsTable}`,
      );
      expect(exact).toEqual([{ n: 70_001, first: 'a1', last: 'b30000' }]);
      // Row ids follow arrivals too (the store finds a batch by them): the first row is line 1's, the last line 70,002's.
      const rows = await t.workspace.catalog.all<{ first: string; last: string }>(
        `SELECT arg_min(event_id, rowid) AS first, arg_max(event_id, rowid) AS last FROM "${view.database}".main.arrived`,
      );
      expect(rows).toEqual([{ first: 'a1', last: 'b30000' }]);
      expect(normalizeRows('daily_visits', view.rows('daily_visits', 'naive'))).toEqual([
        { event_date: '2026-10-01', visits: 70_002, visitors: 70_001 },
      ]);
      expect(normalizeRows('daily_visits', view.rows('daily_visits', 'exact'))).toEqual([
        { event_date: '2026-10-01', visits: 70_001, visitors: 70_001 },
      ]);
    } finally {
      await view.close();
    }
  });

  it('equals the batch layer for min, max, counts of a column, sums and rounded averages, grouped by a key that can be NULL', async () => {
    const { writeFile } = await import('node:fs/promises');
    // method is NULL for every event but PaymentInitiated: a NULL group key. Times, text and decimals are min/max'ed.
    // order_id is NULL for visits and carts: count(DISTINCT) leaves NULLs out.
    await writeFile(
      join(t.workspace.paths.pipelines, 'payment_extremes.sql'),
      `-- description: x\n-- grain: day\n-- realtime: true
SELECT event_date, method, count(*) AS n, count(amount) AS with_amount,
  sum(CAST(amount AS DECIMAL(18, 2))) AS total, min(occurred_at) AS first_at, max(occurred_at) AS last_at,
  min(user_id) AS first_user, max(CAST(amount AS DECIMAL(18, 2))) AS top,
  round(avg(CAST(amount AS DECIMAL(18, 2))), 6) AS mean, count(DISTINCT user_id) AS users, count(DISTINCT order_id) AS orders
FROM events GROUP BY event_date, method\n`,
    );
    const file = join(t.root, 'events.ndjson');
    await writeEvents(file, { days: 3, eventsPerDay: 300, seed: 21, duplicates: 0.1, late: 0.05, malformed: 0 }, 'ndjson');
    await importFile(t.workspace, file);
    expect((await runPipelines(t.workspace)).status).toBe('succeeded');
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    const view = await LiveView.create(t.workspace, { source: file, modes: ['exact'] });
    try {
      for (const batch of batches(lines, [0.1, 0.35, 0.7])) await view.ingest(batch);
      expect(view.problems).toEqual([]);
      const key = (r: Record<string, unknown>) => `${String(r.event_date)}|${String(r.method)}`;
      const live = view
        .rows('payment_extremes', 'exact')
        .map((r) => ({ ...r, key: key(r) }) as Record<string, unknown> & { key: string });
      const batch = (await t.workspace.catalog.all<Record<string, unknown>>('SELECT * FROM payment_extremes')).map((r) => ({
        ...r,
        key: key(r),
      }));
      const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      expect(live.filter((r) => r.method === null).length).toBe(3);
      expect(live.sort(byKey)).toEqual(batch.sort(byKey));
    } finally {
      await view.close();
    }
  });

  it('reads the fields a pipeline names even where an alias repeats them, and not the fields of an unnested struct', async () => {
    const { writeFile } = await import('node:fs/promises');
    // `country AS country` defines the name it reads; `item.quantity` is a struct field, not the events' quantity.
    await writeFile(
      join(t.workspace.paths.pipelines, 'country_units.sql'),
      `-- description: x\n-- grain: day\n-- realtime: true
SELECT event_date, country AS country, count(*) AS n, CAST(sum(item.quantity) AS BIGINT) AS units
FROM (SELECT event_date, country, unnest(CAST(CAST(items AS JSON) AS STRUCT(product_id VARCHAR, quantity BIGINT, price DECIMAL(18, 2))[])) AS item FROM events)
GROUP BY event_date, country\n`,
    );
    const file = join(t.root, 'events.ndjson');
    await writeEvents(file, { days: 2, eventsPerDay: 300, seed: 5, duplicates: 0.05, late: 0, malformed: 0 }, 'ndjson');
    await importFile(t.workspace, file);
    const run = await runPipelines(t.workspace);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    const view = await LiveView.create(t.workspace, { source: file, modes: ['exact'] });
    try {
      for (const batch of batches(lines, [0.5])) await view.ingest(batch);
      expect(view.problems).toEqual([]);
      const live = view.rows('country_units', 'exact');
      const batch = await t.workspace.catalog.all<Record<string, unknown>>(
        'SELECT * FROM country_units ORDER BY event_date, country',
      );
      expect(live.every((r) => r.country !== null)).toBe(true);
      expect(live).toEqual(batch);
      const columns = await t.workspace.catalog.all<{ column_name: string }>(`DESCRIBE ${view.exactEventsTable}`);
      expect(columns.map((c) => c.column_name)).not.toContain('quantity');
    } finally {
      await view.close();
    }
  });

  it('gives a line without an id the identity an import gives it, from the whole record', async () => {
    const { writeFile } = await import('node:fs/promises');
    // No ids: visits of one user in the same second that differ only in a field no realtime pipeline reads (the
    // device) are two events; a line logged twice is one.
    const visit = (at: string, user: string, device: string) =>
      JSON.stringify({ event_type: 'UserVisitedWebsite', occurred_at: at, user_id: user, device });
    const lines = [
      visit('2026-10-01T10:00:00Z', 'u1', 'mobile'),
      visit('2026-10-01T10:00:00Z', 'u1', 'desktop'),
      visit('2026-10-01T11:00:00Z', 'u2', 'mobile'),
      visit('2026-10-01T10:00:00Z', 'u1', 'mobile'),
      visit('2026-10-02T09:00:00Z', 'u2', 'tablet'),
    ];
    const file = join(t.root, 'no-ids.ndjson');
    await writeFile(file, lines.map((l) => `${l}\n`).join(''));
    expect((await importFile(t.workspace, file)).status).toBe('imported');
    expect((await runPipelines(t.workspace, { pipelines: ['daily_visits'] })).status).toBe('succeeded');
    const view = await LiveView.create(t.workspace, { source: file, modes: ['naive', 'exact'], pipelines: ['daily_visits'] });
    try {
      for (const batch of batches(lines, [0.5])) await view.ingest(batch);
      expect(normalizeRows('daily_visits', view.rows('daily_visits', 'exact'))).toEqual([
        { event_date: '2026-10-01', visits: 3, visitors: 2 },
        { event_date: '2026-10-02', visits: 1, visitors: 1 },
      ]);
      expect(view.rows('daily_visits', 'exact')).toEqual(
        await t.workspace.catalog.all('SELECT * FROM daily_visits ORDER BY event_date'),
      );
      expect(normalizeRows('daily_visits', view.rows('daily_visits', 'naive'))[0]).toEqual({
        event_date: '2026-10-01',
        visits: 4,
        visitors: 2,
      });
      // The same identities as the lake's, so the served view can tell which live events the lake already holds.
      const ids = (sql: string) => t.workspace.catalog.all<{ event_id: string }>(sql);
      expect(await ids(`SELECT event_id FROM ${view.exactEventsTable} ORDER BY event_id`)).toEqual(
        await ids('SELECT event_id FROM events ORDER BY event_id'),
      );
    } finally {
      await view.close();
    }
  });

  it('reports a realtime pipeline whose aggregates cannot be merged, and keeps the others', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(t.workspace.paths.pipelines, 'median_amount.sql'),
      `-- description: x\n-- grain: day\n-- realtime: true\nSELECT event_date, median(amount) AS m FROM events GROUP BY event_date\n`,
    );
    const file = join(t.root, 'events.ndjson');
    await writeEvents(file, { days: 1, eventsPerDay: 100, seed: 3, duplicates: 0, late: 0, malformed: 0 }, 'ndjson');
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    const view = await LiveView.create(t.workspace, { source: file });
    try {
      await view.ingest(batches(lines, [])[0] as LiveBatch);
      expect(view.problems).toEqual([
        {
          pipeline: 'median_amount',
          error:
            'median_amount cannot be updated incrementally: the aggregate median() cannot be merged from partial results; set "-- realtime: false" to run it in batch only',
        },
      ]);
      expect(view.pipelines.sort()).toEqual([...REALTIME].sort());
    } finally {
      await view.close();
    }
  });
});

describe('inArrivalOrder', () => {
  it('sorts every column by the first, and returns columns already in order as they are', () => {
    const columns = [Float64Array.of(3, 1, 2), Float64Array.of(30, 10, 20), Float64Array.of(-3, -1, -2)];
    expect(inArrivalOrder(columns).map((c) => Array.from(c))).toEqual([
      [1, 2, 3],
      [10, 20, 30],
      [-1, -2, -3],
    ]);
    const ordered = [Float64Array.of(1, 2, 5), Float64Array.of(7, 8, 9)];
    expect(inArrivalOrder(ordered)).toBe(ordered);
  });
});

describe('readsNatively', () => {
  it('reads plain text, numbers, booleans and nestings of them typed, and parses the rest from text', () => {
    const native = [
      'VARCHAR',
      'BIGINT',
      'DOUBLE',
      'BOOLEAN',
      'BIGINT[3]',
      'VARCHAR[][]',
      'MAP(VARCHAR, BIGINT)',
      'STRUCT(product_id VARCHAR, quantity BIGINT, price DOUBLE)[]',
      'STRUCT(date VARCHAR, "time" BIGINT, "a b" STRUCT(x DOUBLE)[])',
    ];
    const text = [
      'DECIMAL(18,2)',
      'TIMESTAMP WITH TIME ZONE',
      'TIMESTAMP',
      'DATE',
      'JSON',
      'UUID',
      'HUGEINT',
      'MAP(VARCHAR, DATE)',
      'STRUCT(a DECIMAL(18,2))',
      'STRUCT(a VARCHAR, b JSON)[]',
      'UNION(a INTEGER)',
      'STRUCT(a VARCHAR',
    ];
    expect(native.filter((t) => !readsNatively(t))).toEqual([]);
    expect(text.filter((t) => readsNatively(t))).toEqual([]);
  });
});
