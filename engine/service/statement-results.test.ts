import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import type { Method, Params, Result } from '../shared/contract.js';
import { initWorkspace } from './init.js';
import { Engine } from './engine.js';

let counter = 0;
async function call<M extends Method>(engine: Engine, method: M, params: Params<M>): Promise<Result<M>> {
  const response = await engine.handle({ id: `s${++counter}`, method, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return response.result as Result<M>;
}

describe('a cell of several statements', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;

  beforeAll(async () => {
    root = await tempDir('recount-statements-');
    const dir = join(root.dir, 'ws');
    await initWorkspace(dir);
    engine = await Engine.open({ dir, transport: 'electron' });
  });
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  const page = async (queryId: string) => (await call(engine, 'query.page', { queryId, offset: 0, limit: 100 })).rows;

  it("holds each query's result, paged on its own", async () => {
    const run = await call(engine, 'query.run', {
      sql: "SELECT range AS n FROM range(3);\nSELECT 'a;b' AS s, 2 AS t -- the last; of them\n",
    });
    expect(run.statements?.map((s) => [s.sql, s.statement, s.rowCount, s.columns.map((c) => c.name)])).toEqual([
      ['SELECT range AS n FROM range(3)', 'select', 3, ['n']],
      ["SELECT 'a;b' AS s, 2 AS t -- the last; of them", 'select', 1, ['s', 't']],
    ]);
    // The result itself is the last statement's.
    expect(run).toMatchObject({ queryId: run.statements?.[1]?.queryId, rowCount: 1, statement: 'select' });
    expect(await page(run.statements![0]!.queryId)).toEqual([['0'], ['1'], ['2']]);
    expect(await page(run.statements![1]!.queryId)).toEqual([['a;b', 2]]);
    // Sorting one of them works as for any result.
    const sorted = await call(engine, 'query.arrange', {
      queryId: run.statements![0]!.queryId,
      sort: [{ column: 'n', desc: true }],
    });
    const rows = await call(engine, 'query.page', {
      queryId: run.statements![0]!.queryId,
      view: sorted.view!,
      offset: 0,
      limit: 9,
    });
    expect(rows.rows).toEqual([['2'], ['1'], ['0']]);
    // Closing the cell's result closes them all.
    await call(engine, 'query.close', { queryId: run.queryId });
    await expect(page(run.statements![0]!.queryId)).rejects.toMatchObject({ code: 'result-gone' });
  });

  it('runs writes and reads in order, in one transaction, each with what it returned', async () => {
    const run = await call(engine, 'query.run', {
      sql: 'CREATE TABLE mine AS SELECT range AS x FROM range(4); INSERT INTO mine VALUES (10); SELECT sum(x) AS total FROM mine',
    });
    expect(run.statements?.map((s) => [s.statement, s.rowCount])).toEqual([
      ['statement', 1],
      ['statement', 1],
      ['select', 1],
    ]);
    expect(await page(run.statements![0]!.queryId)).toEqual([[4]]);
    expect(await page(run.statements![1]!.queryId)).toEqual([[1]]);
    // 0 + 1 + 2 + 3 + 10
    expect(await page(run.statements![2]!.queryId)).toEqual([['16']]);
  });

  it('rolls back every statement when one fails, and says why', async () => {
    await expect(
      call(engine, 'query.run', { sql: 'CREATE TABLE gone AS SELECT 1 AS a; SELECT nope FROM gone' }),
    ).rejects.toMatchObject({ code: 'sql-error', message: expect.stringContaining('nope') });
    const check = await call(engine, 'query.run', {
      sql: "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'gone'",
    });
    expect(await page(check.queryId)).toEqual([['0']]);
  });

  it('a single statement has no list of statements', async () => {
    const run = await call(engine, 'query.run', { sql: 'SELECT 1 AS one;' });
    expect(run.statements).toBeUndefined();
  });
});
