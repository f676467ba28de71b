import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import type { Method, Params, Result } from '../shared/contract.js';
import { initWorkspace } from './init.js';
import { Engine } from './engine.js';
import { binWidth, timeGrain } from './result-profile.js';

let counter = 0;
async function call<M extends Method>(engine: Engine, method: M, params: Params<M>): Promise<Result<M>> {
  const response = await engine.handle({ id: `v${++counter}`, method, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return response.result as Result<M>;
}

const FRUIT = `SELECT * FROM (VALUES
  (1, 'apple', 10.50::DECIMAL(12,2), DATE '2026-01-01'),
  (2, 'Banana', NULL, DATE '2026-01-03'),
  (3, 'cherry', 3.25, NULL),
  (4, NULL, 10.50, DATE '2026-01-03'),
  (5, 'apple', 1234567.89, DATE '2026-01-10'),
  (6, 'banana split', -2.00, DATE '2026-01-01')
) AS t(id, fruit, price, day)`;

describe('sorting, filtering and profiling a held result', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;
  let queryId: string;

  beforeAll(async () => {
    root = await tempDir('recount-views-');
    const dir = join(root.dir, 'ws');
    await initWorkspace(dir);
    engine = await Engine.open({ dir, transport: 'electron' });
    queryId = (await call(engine, 'query.run', { sql: FRUIT })).queryId;
  });
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  async function ids(params: Omit<Params<'query.arrange'>, 'queryId'>): Promise<{ ids: unknown[]; rowCount: number }> {
    const arranged = await call(engine, 'query.arrange', { queryId, ...params });
    expect(arranged.view).not.toBeNull();
    const page = await call(engine, 'query.page', { queryId, view: arranged.view as string, offset: 0, limit: 100 });
    expect(page.rows).toHaveLength(arranged.rowCount);
    return { ids: page.rows.map((r) => r[0]), rowCount: arranged.rowCount };
  }

  it('sorts either way with NULLs last and ties in the order the query gave them', async () => {
    // price: 1 → 10.50, 2 → NULL, 3 → 3.25, 4 → 10.50, 5 → 1234567.89, 6 → -2.00
    expect(await ids({ sort: [{ column: 'price', desc: true }] })).toEqual({ ids: [5, 1, 4, 3, 6, 2], rowCount: 6 });
    expect(await ids({ sort: [{ column: 'price', desc: false }] })).toEqual({ ids: [6, 3, 1, 4, 5, 2], rowCount: 6 });
    expect(await ids({ sort: [{ column: 'fruit', desc: false }] })).toEqual({ ids: [2, 1, 5, 6, 3, 4], rowCount: 6 });
  });

  it('filters by text, number, date and NULL, and the row count follows', async () => {
    expect(await ids({ filters: [{ column: 'fruit', op: 'contains', value: 'AN' }] })).toEqual({ ids: [2, 6], rowCount: 2 });
    expect(await ids({ filters: [{ column: 'fruit', op: 'equals', value: 'apple' }] })).toEqual({ ids: [1, 5], rowCount: 2 });
    expect(await ids({ filters: [{ column: 'price', op: '>=', value: '10.5' }] })).toEqual({ ids: [1, 4, 5], rowCount: 3 });
    expect(await ids({ filters: [{ column: 'price', op: '!=', value: '10.50' }] })).toEqual({ ids: [3, 5, 6], rowCount: 3 });
    expect(await ids({ filters: [{ column: 'price', op: 'between', min: '0', max: '10.5' }] })).toEqual({
      ids: [1, 3, 4],
      rowCount: 3,
    });
    expect(await ids({ filters: [{ column: 'price', op: 'between', max: '3.25' }] })).toEqual({ ids: [3, 6], rowCount: 2 });
    expect(await ids({ filters: [{ column: 'day', op: '>=', value: '2026-01-03' }] })).toEqual({ ids: [2, 4, 5], rowCount: 3 });
    expect(await ids({ filters: [{ column: 'fruit', op: 'null' }] })).toEqual({ ids: [4], rowCount: 1 });
    expect(await ids({ filters: [{ column: 'price', op: 'not-null' }] })).toEqual({ ids: [1, 3, 4, 5, 6], rowCount: 5 });
    // Filters and a sort together: every filter applies, then the order.
    expect(
      await ids({
        sort: [{ column: 'price', desc: true }],
        filters: [
          { column: 'fruit', op: 'contains', value: 'a' },
          { column: 'day', op: '<', value: '2026-01-05' },
        ],
      }),
    ).toEqual({ ids: [1, 6, 2], rowCount: 3 });
  });

  it('keeps exact decimals exact in a view, and no sort or filter means the result as it ran', async () => {
    const arranged = await call(engine, 'query.arrange', {
      queryId,
      filters: [{ column: 'price', op: '>', value: '1234567.88' }],
    });
    const page = await call(engine, 'query.page', { queryId, view: arranged.view as string, offset: 0, limit: 10 });
    expect(page.rows).toEqual([[5, 'apple', '1234567.89', '2026-01-10']]);
    expect(await call(engine, 'query.arrange', { queryId })).toEqual({ view: null, rowCount: 6 });
    // The view it replaced is gone, said so.
    await expect(
      call(engine, 'query.page', { queryId, view: arranged.view as string, offset: 0, limit: 10 }),
    ).rejects.toMatchObject({ code: 'view-gone' });
  });

  it('refuses a filter it cannot apply, saying why', async () => {
    await expect(
      call(engine, 'query.arrange', { queryId, filters: [{ column: 'price', op: '<', value: 'ten' }] }),
    ).rejects.toMatchObject({ code: 'bad-filter', message: '"ten" is not a number, and price is a number column' });
    await expect(call(engine, 'query.arrange', { queryId, sort: [{ column: 'colour', desc: false }] })).rejects.toMatchObject({
      code: 'bad-filter',
    });
    await expect(
      call(engine, 'query.arrange', { queryId, filters: [{ column: 'day', op: '<', value: 'soon' }] }),
    ).rejects.toMatchObject({ code: 'bad-filter', message: expect.stringContaining('soon') });
  });

  it('profiles a text column: nulls, exact distinct count, top values, least and greatest', async () => {
    expect(await call(engine, 'query.profile', { queryId, column: 'fruit' })).toEqual({
      column: 'fruit',
      type: 'VARCHAR',
      rows: 6,
      nulls: 1,
      distinct: 4,
      distinctExact: true,
      min: 'Banana',
      max: 'cherry',
      top: [
        { value: 'apple', count: 2 },
        { value: 'Banana', count: 1 },
        { value: 'banana split', count: 1 },
        { value: 'cherry', count: 1 },
      ],
    });
  });

  it('profiles a number column with its mean and a histogram of round bins', async () => {
    const profile = await call(engine, 'query.profile', { queryId, column: 'price' });
    expect(profile).toMatchObject({ rows: 6, nulls: 1, distinct: 4, min: '-2.00', max: '1234567.89' });
    // (10.5 + 3.25 + 10.5 + 1234567.89 − 2) / 5
    expect(profile.mean).toBeCloseTo(246918.028, 6);
    expect(profile.top).toEqual([
      { value: '10.50', count: 2 },
      { value: '-2.00', count: 1 },
      { value: '3.25', count: 1 },
      { value: '1234567.89', count: 1 },
    ]);
    // Span 1,234,569.89 over 20 bins is 61,728.49 wide, rounded up to 100,000; from −100,000 to 1,300,000.
    const expected = Array.from({ length: 14 }, (_, i) => ({ from: -100_000 + i * 100_000, to: i * 100_000, count: 0 }));
    expected[0]!.count = 1;
    expected[1]!.count = 3;
    expected[13]!.count = 1;
    expect(profile.histogram).toEqual(expected);
    const id = await call(engine, 'query.profile', { queryId, column: 'id' });
    expect(id.histogram).toEqual([1, 2, 3, 4, 5, 6].map((v) => ({ from: v, to: v + 1, count: 1 })));
    expect(id.mean).toBe(3.5);
  });

  it('profiles a date column with rows per day, the empty days included', async () => {
    const profile = await call(engine, 'query.profile', { queryId, column: 'day' });
    expect(profile).toMatchObject({ nulls: 1, distinct: 3, min: '2026-01-01', max: '2026-01-10' });
    expect(profile.top).toEqual([
      { value: '2026-01-01', count: 2 },
      { value: '2026-01-03', count: 2 },
      { value: '2026-01-10', count: 1 },
    ]);
    const counts: Record<string, number> = { '01': 2, '03': 2, '10': 1 };
    expect(profile.timeline).toEqual({
      grain: 'day',
      points: ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'].map((d) => ({
        at: `2026-01-${d}`,
        count: counts[d] ?? 0,
      })),
    });
  });

  it('profiles the rows a view shows', async () => {
    const { view } = await call(engine, 'query.arrange', {
      queryId,
      filters: [{ column: 'fruit', op: 'contains', value: 'an' }],
    });
    const profile = await call(engine, 'query.profile', { queryId, view: view as string, column: 'fruit' });
    expect(profile).toMatchObject({ rows: 2, nulls: 0, distinct: 2, min: 'Banana', max: 'banana split' });
  });

  it('profiles nested values by their text, and timestamps by the hour', async () => {
    const nested = await call(engine, 'query.run', {
      sql: `SELECT * FROM (VALUES ([1, 2], {'a': 1}, TIMESTAMP '2026-01-01 10:15:00'), ([1, 2], {'a': 2}, TIMESTAMP '2026-01-01 12:40:00'),
              ([3], NULL, TIMESTAMP '2026-01-02 09:00:00')) AS t(xs, s, ts)`,
    });
    const list = await call(engine, 'query.profile', { queryId: nested.queryId, column: 'xs' });
    expect(list).toMatchObject({ rows: 3, nulls: 0, distinct: 2, min: null, max: null });
    expect(list.top).toEqual([
      { value: '[1, 2]', count: 2 },
      { value: '[3]', count: 1 },
    ]);
    const struct = await call(engine, 'query.profile', { queryId: nested.queryId, column: 's' });
    expect(struct).toMatchObject({ nulls: 1, distinct: 2 });
    const at = await call(engine, 'query.profile', { queryId: nested.queryId, column: 'ts' });
    // 10:15 to 09:00 the next day spans 22 h 45 min: hourly buckets from 10:00 to 09:00, 24 of them.
    expect(at.timeline?.grain).toBe('hour');
    expect(at.timeline?.points).toHaveLength(24);
    expect(at.timeline?.points.filter((p) => p.count > 0)).toEqual([
      { at: '2026-01-01 10:00', count: 1 },
      { at: '2026-01-01 12:00', count: 1 },
      { at: '2026-01-02 09:00', count: 1 },
    ]);
  });

  it('finds the widest value of each column', async () => {
    const { values } = await call(engine, 'query.widest', { queryId });
    // Every id and every date reads as long as any other: those columns have no one widest value.
    expect(values).toHaveLength(4);
    expect(values.slice(1, 3)).toEqual(['banana split', '1234567.89']);
  });

  it('chooses round bin widths and time buckets', () => {
    expect(binWidth(99, true)).toBe(5);
    expect(binWidth(1, false)).toBe(0.05);
    expect(binWidth(5, true)).toBe(1);
    expect(binWidth(0, false)).toBe(1);
    expect(binWidth(1234569.89, false)).toBe(100_000);
    expect(timeGrain(3600)).toBe('minute');
    expect(timeGrain(2 * 86400)).toBe('hour');
    expect(timeGrain(30 * 86400)).toBe('day');
    expect(timeGrain(400 * 86400)).toBe('week');
    expect(timeGrain(5 * 365 * 86400)).toBe('month');
    expect(timeGrain(50 * 365 * 86400)).toBe('year');
  });
});

describe("a timestamp's profile in the workspace's time zone", () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;

  beforeAll(async () => {
    root = await tempDir('recount-views-tz-');
    const dir = join(root.dir, 'ws');
    await initWorkspace(dir, { timezone: 'Asia/Kolkata' });
    engine = await Engine.open({ dir, transport: 'electron' });
  });
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  it('buckets and shows instants as the workspace reads them (UTC+05:30)', async () => {
    const run = await call(engine, 'query.run', {
      sql: `SELECT * FROM (VALUES (TIMESTAMPTZ '2026-01-01 00:30:00+00'), (TIMESTAMPTZ '2026-01-01 20:10:00+00')) AS t(ts)`,
    });
    const profile = await call(engine, 'query.profile', { queryId: run.queryId, column: 'ts' });
    // 00:30 UTC is 06:00 in Kolkata; 20:10 UTC is 01:40 the next day there: 20 hourly buckets, 06:00 to 01:00.
    expect(profile.timeline?.grain).toBe('hour');
    expect(profile.timeline?.points).toHaveLength(20);
    expect(profile.timeline?.points[0]).toEqual({ at: '2026-01-01 06:00', count: 1 });
    expect(profile.timeline?.points[19]).toEqual({ at: '2026-01-02 01:00', count: 1 });
    const page = await call(engine, 'query.page', { queryId: run.queryId, offset: 0, limit: 1 });
    expect(profile.min).toEqual(page.rows[0]?.[0]);
    const sorted = await call(engine, 'query.arrange', {
      queryId: run.queryId,
      filters: [{ column: 'ts', op: '>=', value: '2026-01-02 00:00' }],
    });
    // Midnight of 2 January in Kolkata is 18:30 UTC on the 1st: only the second instant is after it.
    expect(sorted.rowCount).toBe(1);
  });
});
