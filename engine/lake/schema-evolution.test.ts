import { describe, expect, it } from 'vitest';
import { lakeTest } from '../testing/lake.js';

/**
 * Schema evolution: the lake stays queryable across imports whose types differ, and stored rows keep their values.
 * Each test is a defect found by importing real files nobody here wrote; the expected values are the source text
 * itself, or worked out by hand.
 */
const lake = lakeTest();
const { importContent, query } = lake;

describe('types across files: the lake stays queryable and stored rows keep their values and meaning', () => {
  const line = (date: string, extra: string) => `{"event_type":"a","occurred_at":"${date}T10:00:00Z"${extra}}`;

  it('gives a field a column of its own where a later file has a type no type holds with the lake one', async () => {
    await importContent('first.ndjson', `${line('2026-10-01', ',"n":5,"w":"2026-10-01T10:00:00Z","p":{"a":1},"j":"x"')}\n`);
    const second = await importContent('second.ndjson', `${line('2026-10-02', ',"n":"abc","w":17,"p":2.5,"j":{"k":[1,2]}')}\n`);
    expect(second.notes?.filter((n) => n.kind === 'conflict').map((n) => n.column)).toEqual([
      'n_varchar',
      'w_bigint',
      'p_double',
      'j_struct',
    ]);
    // Every query on the lake works, and the first file's rows keep their types.
    expect(await query(`SELECT sum(n)::INTEGER AS s, count(w)::INTEGER AS w FROM events`)).toEqual([{ s: 5, w: 1 }]);
    expect(
      await query(
        `SELECT n::INTEGER AS n, n_varchar, strftime(w, '%Y-%m-%d') AS w, w_bigint::INTEGER AS wb, p.a::INTEGER AS pa, p_double,
           j, CAST(j_struct AS VARCHAR) AS js
         FROM events ORDER BY occurred_at`,
      ),
    ).toEqual([
      { n: 5, n_varchar: null, w: '2026-10-01', wb: null, pa: 1, p_double: null, j: 'x', js: null },
      { n: null, n_varchar: 'abc', w: null, wb: 17, pa: null, p_double: 2.5, j: null, js: "{'k': [1, 2]}" },
    ]);
    expect(await query(`SELECT typeof(n) AS n, typeof(j) AS j FROM raw_events LIMIT 1`)).toEqual([{ n: 'BIGINT', j: 'VARCHAR' }]);
    // A third file with text for n joins the column the conflict made.
    const third = await importContent('third.ndjson', `${line('2026-10-03', ',"n":"def"')}\n`);
    expect(third.columns?.find((c) => c.source === 'n')).toEqual({ source: 'n', column: 'n_varchar', type: 'VARCHAR' });
    expect(await query(`SELECT count(n_varchar)::INTEGER AS c FROM events`)).toEqual([{ c: 2 }]);
  });

  it('widens the lake type only exactly: integers to DECIMAL(38,0), a struct to the struct of both, BIGINT to DOUBLE within 2^53', async () => {
    await importContent('a.ndjson', `${line('2026-10-01', ',"n":1,"p":{"a":1},"f":3,"g":9007199254740993')}\n`);
    const b = await importContent(
      'b.ndjson',
      `${line('2026-10-02', ',"n":18446744073709551615,"p":{"a":2,"b":"x"},"f":2.5,"g":0.5')}\n`,
    );
    expect(b.notes?.filter((n) => n.kind !== 'exact-type').map((n) => [n.column, n.kind])).toEqual([
      ['n', 'lake-widened'],
      ['p', 'lake-widened'],
      ['f', 'lake-widened'],
      ['g_double', 'conflict'],
    ]);
    expect(
      await query(
        `SELECT CAST(n AS VARCHAR) AS n, p.a::INTEGER AS a, p.b AS b, f, CAST(g AS VARCHAR) AS g, g_double FROM events ORDER BY occurred_at`,
      ),
    ).toEqual([
      { n: '1', a: 1, b: null, f: 3, g: '9007199254740993', g_double: null },
      { n: '18446744073709551615', a: 2, b: 'x', f: 2.5, g: null, g_double: 0.5 },
    ]);
    expect(await query(`SELECT typeof(n) AS n, typeof(p) AS p, typeof(f) AS f, typeof(g) AS g FROM raw_events LIMIT 1`)).toEqual([
      { n: 'DECIMAL(38,0)', p: 'STRUCT(a BIGINT, b VARCHAR)', f: 'DOUBLE', g: 'BIGINT' },
    ]);
  });

  it('makes a workspace whose imports disagreed before the catalog knew their columns queryable at the next open', async () => {
    await importContent('first.ndjson', `${line('2026-10-01', ',"w":"2026-10-01T10:00:00Z"')}\n`);
    await importContent('second.ndjson', `${line('2026-10-02', ',"w":17')}\n`);
    // As a workspace of an earlier version: no record of the imports' columns.
    await lake.t.workspace.catalog.run('DELETE FROM import_columns; DELETE FROM lake_columns');
    const workspace = await lake.t.reopen();
    expect(
      await workspace.catalog.all(`SELECT strftime(w, '%Y') AS w, w_bigint::INTEGER AS b FROM events ORDER BY occurred_at`),
    ).toEqual([
      { w: '2026', b: null },
      { w: null, b: 17 },
    ]);
  });
});
