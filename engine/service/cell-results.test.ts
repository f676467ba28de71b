import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { tempDir } from '../testing/fixtures.js';
import { initWorkspace } from './init.js';
import { Engine } from './engine.js';
import { tablesRead, viewQuery } from './table-reads.js';
import { Database } from '../kernel/workspace/db.js';
import { boundedRows, cellFileName } from './result-cache.js';
import type { EngineEvent, Method, Params, Result } from '../shared/contract.js';
import { BATCH_TABLES, LAKE_TABLES, SAVED_ROWS, staleTables } from '../shared/saved-results.js';

let counter = 0;
async function call<M extends Method>(engine: Engine, method: M, params: Params<M>): Promise<Result<M>> {
  const response = await engine.handle({ id: `c${++counter}`, method, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return response.result as Result<M>;
}

const PIPELINES = [
  'daily_funnel',
  'daily_orders',
  'daily_payments',
  'daily_product_sales',
  'daily_visits',
  'monthly_visitors',
  'weekly_visitors',
];

describe("cells' saved results and when they go stale", () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let dir: string;
  let engine: Engine;
  let source: string;
  let truth: Truth;
  const events: EngineEvent[] = [];
  const changes = () => events.filter((e): e is Extract<EngineEvent, { type: 'tables.changed' }> => e.type === 'tables.changed');

  beforeAll(async () => {
    root = await tempDir('recount-results-');
    dir = join(root.dir, 'ws');
    await initWorkspace(dir);
    source = join(root.dir, 'source.ndjson');
    truth = await writeEvents(source, { days: 2, eventsPerDay: 120, seed: 5, duplicates: 0, late: 0, malformed: 0 }, 'ndjson');
    engine = await Engine.open({ dir, transport: 'browser' });
    engine.onEvent((e) => events.push(e));
    await call(engine, 'notebooks.create', { name: 'Daily' });
    await call(engine, 'notebooks.save', {
      name: 'Daily',
      notebook: {
        title: 'Daily',
        cells: [
          { kind: 'sql', id: 'by-type', sql: 'SELECT event_type, count(*) AS n FROM events GROUP BY ALL ORDER BY 1' },
          { kind: 'sql', id: 'many', sql: 'SELECT range AS n FROM range(12345)' },
        ],
      },
    });
  });
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  it("keeps a cell's result, bounded, for the notebook's next open", async () => {
    const ran = await call(engine, 'query.run', {
      sql: 'SELECT range AS n FROM range(12345)',
      notebook: 'Daily',
      cellId: 'many',
    });
    expect(ran.rowCount).toBe(12345);
    expect(ran.tables).toEqual([]);
    const saved = await call(engine, 'notebooks.results', { name: 'Daily' });
    expect(saved.results).toHaveLength(1);
    const [many] = saved.results;
    expect(many).toMatchObject({ kind: 'sql', cellId: 'many', sql: 'SELECT range AS n FROM range(12345)', rowCount: 12345 });
    expect(many?.kind === 'sql' && many.rows.length).toBe(SAVED_ROWS);
    // As query.page gives them: BIGINT as exact decimal text.
    expect(many?.kind === 'sql' && many.rows.slice(0, 2)).toEqual([['0'], ['1']]);
    expect(many?.kind === 'sql' && many.rows[SAVED_ROWS - 1]).toEqual([String(SAVED_ROWS - 1)]);
    expect(many?.ranAt).toBe(ran.ranAt);
    const file = join(dir, '.recount', 'cache', 'Daily', 'many.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(many);
    // Nothing is kept for a run that names no cell.
    await call(engine, 'query.run', { sql: 'SELECT 1 AS one' });
    expect((await call(engine, 'notebooks.results', { name: 'Daily' })).results).toHaveLength(1);
  });

  it('says a result is stale once an import changed a table it read, and fresh after it runs again', async () => {
    const before = await call(engine, 'query.run', {
      sql: 'SELECT event_type, count(*) AS n FROM events GROUP BY ALL ORDER BY 1',
      notebook: 'Daily',
      cellId: 'by-type',
    });
    expect(before.rowCount).toBe(0);
    expect(before.tables).toEqual(['duplicate_arrivals', 'events', 'raw_events']);
    await call(engine, 'lake.import', { paths: [source] });
    const changed = changes();
    expect(changed).toHaveLength(1);
    expect(changed[0]?.tables).toEqual([...LAKE_TABLES]);
    expect(Date.parse(changed[0]?.at ?? '')).toBeGreaterThan(Date.parse(before.ranAt));

    const saved = await call(engine, 'notebooks.results', { name: 'Daily' });
    const byType = saved.results.find((r) => r.cellId === 'by-type');
    expect(byType?.kind === 'sql' && byType.rows).toEqual([]);
    // The catalog says when the lake last changed: at the import, after the result ran.
    expect(Object.keys(saved.changes).sort()).toEqual(['duplicate_arrivals', 'events', 'raw_events']);
    expect(staleTables(byType?.tables ?? [], byType?.ranAt ?? '', saved.changes)).toEqual([
      'duplicate_arrivals',
      'events',
      'raw_events',
    ]);
    const many = saved.results.find((r) => r.cellId === 'many');
    expect(staleTables(many?.tables ?? [], many?.ranAt ?? '', saved.changes)).toEqual([]);

    const after = await call(engine, 'query.run', {
      sql: 'SELECT event_type, count(*) AS n FROM events GROUP BY ALL ORDER BY 1',
      notebook: 'Daily',
      cellId: 'by-type',
    });
    const again = await call(engine, 'notebooks.results', { name: 'Daily' });
    const fresh = again.results.find((r) => r.cellId === 'by-type');
    expect(fresh?.ranAt).toBe(after.ranAt);
    expect(staleTables(fresh?.tables ?? [], fresh?.ranAt ?? '', again.changes)).toEqual([]);
    const expected = new Map<string, number>();
    for (const e of truth.events) expected.set(e.event_type, (expected.get(e.event_type) ?? 0) + 1);
    expect(fresh?.kind === 'sql' && fresh.rows).toEqual(
      [...expected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => [t, String(n)]),
    );
  });

  it('says which summary tables a pipeline run wrote, and nothing for a run with nothing to do', async () => {
    events.length = 0;
    const run = await call(engine, 'pipelines.run', {});
    expect(run.status).toBe('succeeded');
    expect(changes().map((e) => e.tables)).toEqual([[...PIPELINES, ...BATCH_TABLES].sort()]);
    const summary = await call(engine, 'query.run', { sql: 'SELECT * FROM daily_visits', notebook: 'Daily', cellId: 'many' });
    expect(summary.tables).toEqual(['daily_visits']);
    events.length = 0;
    const again = await call(engine, 'pipelines.run', {});
    expect(again.status).toBe('nothing-to-do');
    expect(changes()).toEqual([]);
  });

  it('moves results with a renamed notebook, drops a deleted cell’s, and removes them with the notebook', async () => {
    const cache = join(dir, '.recount', 'cache');
    await call(engine, 'notebooks.rename', { from: 'Daily', to: 'Daily 2' });
    expect((await readdir(join(cache, 'Daily 2'))).sort()).toEqual(['by-type.json', 'many.json']);
    expect((await call(engine, 'notebooks.results', { name: 'Daily 2' })).results.map((r) => r.cellId)).toEqual([
      'by-type',
      'many',
    ]);
    // A file of the cache that is damaged is passed over, not an error: the cell runs again.
    await writeFile(join(cache, 'Daily 2', 'by-type.json'), '{"kind":"sql"');
    expect((await call(engine, 'notebooks.results', { name: 'Daily 2' })).results.map((r) => r.cellId)).toEqual(['many']);
    await call(engine, 'notebooks.save', {
      name: 'Daily 2',
      notebook: { title: 'Daily', cells: [{ kind: 'sql', id: 'by-type', sql: 'SELECT 1' }] },
    });
    expect(await readdir(join(cache, 'Daily 2'))).toEqual(['by-type.json']);
    await call(engine, 'notebooks.delete', { name: 'Daily 2' });
    expect(await readdir(cache)).toEqual([]);
  });
});

describe('the tables a statement reads', () => {
  it("finds a view's query in the statement DuckDB keeps for it", () => {
    expect(viewQuery('CREATE VIEW v_both AS SELECT * FROM v_orders INNER JOIN t_users USING (id);')).toBe(
      'SELECT * FROM v_orders INNER JOIN t_users USING (id)',
    );
    expect(viewQuery('CREATE OR REPLACE TEMP VIEW "my AS view"(a, b) AS SELECT 1, 2')).toBe('SELECT 1, 2');
    expect(viewQuery('CREATE VIEW main.events AS\n SELECT r.* FROM raw_events AS r')).toBe('SELECT r.* FROM raw_events AS r');
    expect(viewQuery('SELECT 1')).toBeUndefined();
  });

  it('are what DuckDB binds, with the views on the way, less CTEs and files', async () => {
    const db = await Database.open(':memory:', { timezone: 'UTC' });
    const c = await db.connect();
    try {
      await c.run('CREATE TABLE t_orders (id INTEGER); CREATE TABLE t_users (id INTEGER)');
      await c.run('CREATE VIEW v_orders AS SELECT * FROM t_orders');
      await c.run('CREATE VIEW v_both AS SELECT * FROM v_orders JOIN t_users USING (id)');
      expect(await tablesRead(c, 'SELECT * FROM t_orders')).toEqual(['t_orders']);
      expect(await tablesRead(c, 'SELECT * FROM v_both')).toEqual(['t_orders', 't_users', 'v_both', 'v_orders']);
      expect(
        await tablesRead(
          c,
          'WITH t_users AS (SELECT 1 AS id) SELECT * FROM t_users, (SELECT * FROM t_orders) WHERE id IN (SELECT id FROM v_orders)',
        ),
      ).toEqual(['t_orders', 'v_orders']);
      expect(await tablesRead(c, `SELECT * FROM range(3), read_csv('/dev/null'), 'x.parquet'`)).toEqual([]);
      expect(await tablesRead(c, 'INSERT INTO t_orders SELECT id FROM T_USERS')).toEqual(['t_users']);
      expect(await tablesRead(c, 'SELEC nothing')).toEqual([]);
    } finally {
      c.close();
      db.close();
    }
  });
});

describe('the bounds of a saved result', () => {
  it('keeps at most the row limit, and fewer rows when they are wide', () => {
    const rows = Array.from({ length: 10 }, (_, i) => [i, 'x'.repeat(10)]);
    expect(boundedRows(rows, 4)).toEqual(rows.slice(0, 4));
    // Each row is 16 characters of JSON, and one more between rows: three take 51.
    expect(JSON.stringify(rows[0])).toBe('[0,"xxxxxxxxxx"]');
    expect(boundedRows(rows, 100, 51)).toEqual(rows.slice(0, 3));
    expect(boundedRows(rows, 100, 50)).toEqual(rows.slice(0, 2));
  });

  it('names a cell’s file by its id, or by a hash when the id is not a plain name', () => {
    expect(cellFileName('sql-mk2x91')).toBe('sql-mk2x91.json');
    expect(cellFileName('../../etc/passwd')).toMatch(/^cell-[0-9a-f]{24}\.json$/);
    expect(cellFileName('../../etc/passwd')).toBe(cellFileName('../../etc/passwd'));
    expect(cellFileName('a b')).not.toBe(cellFileName('a_b'));
  });
});
