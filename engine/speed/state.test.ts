import { DuckDBInstance, JsonDuckDBValueConverter, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncrementalPipeline } from './incremental.js';
import { PipelineState, type HashList } from './state.js';

/** A list of 64-bit hashes as a delta query's UBIGINT vector holds them: low word, then high word, of each. */
function hashes(...values: bigint[]): HashList {
  const words = new Uint32Array(new BigUint64Array(values).buffer);
  return { words, start: 0, end: words.length };
}

/** One group key (a date) and one distinct count: enough to watch the value sets. */
const pipeline: IncrementalPipeline = {
  name: 'distinct_values',
  deltaSql: '',
  smallDeltaSql: '',
  keyColumns: ['__k0'],
  aggregates: [{ kind: 'count-distinct', columns: ['__a0'] }],
  finalizeSql: (table) => `SELECT __k0 AS event_date, __a0 AS n FROM ${table}`,
  outputColumns: ['event_date', 'n'],
  keyOutputs: ['event_date'],
  additive: { n: false },
};

function state(): PipelineState {
  return new PipelineState(pipeline, [{ name: '__k0', type: 'DATE' }], [{ name: '__a0', type: 'JSON' }]);
}

describe('distinct-count state', () => {
  // Hashes that share their low word, their high word, or are the largest 64-bit number: all different values.
  const [a, b, c, d, max] = [1n, 1n + (1n << 32n), 2n + (1n << 32n), 0n, 2n ** 64n - 1n];

  it('counts each hash once across batches and groups apart, all 64 bits of it, and a NULL list as no values', () => {
    const s = state();
    s.merge([
      ['2026-10-01', hashes(a, b, c)],
      ['2026-10-02', hashes(a)],
    ]);
    expect(s.distinctValues()).toBe(4);
    s.merge([
      ['2026-10-01', hashes(b, d, max, a)],
      ['2026-10-02', null],
    ]);
    expect(s.distinctValues()).toBe(6);
  });

  it('restores what it serialized, and refuses a snapshot that held the values rather than their hashes', () => {
    const s = state();
    s.merge([['2026-10-01', hashes(a, b, max)]]);
    const restored = state();
    restored.restore(JSON.parse(JSON.stringify(s.serialize())));
    restored.merge([['2026-10-01', hashes(max, c, a)]]);
    expect(restored.distinctValues()).toBe(4);

    expect(() => state().restore({ groups: [{ key: ['2026-10-01'], partials: [{ texts: ['a'], others: ['1'] }] }] })).toThrow(
      'earlier version of Recount',
    );
  });
});

/** A pipeline as planIncremental would compile it, for state alone (no delta query runs here). */
function compiled(p: Omit<IncrementalPipeline, 'deltaSql' | 'smallDeltaSql' | 'additive'>): IncrementalPipeline {
  return { deltaSql: '', smallDeltaSql: '', additive: {}, ...p };
}

describe('rows made from state without a finalize query', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });
  /** The rows the finalize query gives, in the JSON form the live view reads them in. */
  const finalized = async (sql: string | undefined) =>
    (await connection.runAndReadAll(sql as string)).convertRows(JsonDuckDBValueConverter);

  it('are exactly the rows the finalize query returns, value for value and in the same JSON form', async () => {
    // Keys, counts, a distinct count, exact and floating sums, min and max: the forms the default pipelines use,
    // with the values where text forms differ (negative and zero decimals, a NULL sum, a huge sum, infinity).
    const direct = compiled({
      name: 'direct_outputs',
      keyColumns: ['__k0', '__k1'],
      aggregates: [
        { kind: 'count', columns: ['__a0'] },
        { kind: 'count-distinct', columns: ['__a1'] },
        { kind: 'sum', columns: ['__a2'] },
        { kind: 'sum', columns: ['__a3'] },
        { kind: 'sum', columns: ['__a4'] },
        { kind: 'min', columns: ['__a5'] },
        { kind: 'max', columns: ['__a6'] },
      ],
      finalizeSql: (table) =>
        `SELECT __k0 AS d, __k1 AS p, __a0 AS n, __a1 AS users, __a2 AS revenue, __a3 AS weight, __a4 AS units, __a5 AS first, __a6 AS top FROM ${table}`,
      outputColumns: ['d', 'p', 'n', 'users', 'revenue', 'weight', 'units', 'first', 'top'],
      keyOutputs: ['d', 'p'],
      direct: [
        { from: 'key', index: 0 },
        { from: 'key', index: 1 },
        ...[0, 1, 2, 3, 4, 5, 6].map((index) => ({ from: 'aggregate' as const, index })),
      ],
    });
    const s = new PipelineState(
      direct,
      [
        { name: '__k0', type: 'DATE' },
        { name: '__k1', type: 'VARCHAR' },
      ],
      [
        { name: '__a0', type: 'BIGINT' },
        { name: '__a1', type: 'JSON' },
        { name: '__a2', type: 'DECIMAL(38,2)' },
        { name: '__a3', type: 'DOUBLE' },
        { name: '__a4', type: 'HUGEINT' },
        { name: '__a5', type: 'VARCHAR' },
        { name: '__a6', type: 'BIGINT' },
      ],
    );
    s.merge([
      ['2026-10-01', 'P1', '3', hashes(1n, 2n), '-0.50', 1.25, '170141183460469231731687303715884105', 'b', '7'],
      ['2026-10-01', 'P2', '1', hashes(1n), '0.00', null, '0', 'a', '-3'],
      ['2026-10-02', null, '2', null, null, 'Infinity', null, null, null],
    ]);
    s.merge([
      ['2026-10-01', 'P1', '2', hashes(2n, 3n), '10.05', 2.5, '1', 'a', '9'],
      ['2026-10-02', null, '1', hashes(), '-10.00', 1, '-5', 'z', '12'],
    ]);
    const byKey = (rows: unknown[][]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    const fromQuery = await finalized(s.finalizeSql());
    expect(fromQuery).toHaveLength(3);
    expect(byKey(s.directRows() as unknown[][])).toEqual(byKey(fromQuery as unknown[][]));
    // And for some groups only, as after a batch that touched them.
    const some = [JSON.stringify(['2026-10-02', null])];
    expect(s.directRows(some)).toEqual(await finalized(s.finalizeSql(some)));
  });

  it('cast to BIGINT are the rows the finalize query returns, and left to it when a value does not fit', async () => {
    // daily_product_sales writes CAST(sum(item.quantity) AS BIGINT): an integer sum is HUGEINT until cast.
    const cast = compiled({
      name: 'cast_outputs',
      keyColumns: ['__k0'],
      aggregates: [
        { kind: 'sum', columns: ['__a0'] },
        { kind: 'max', columns: ['__a1'] },
        { kind: 'count', columns: ['__a2'] },
      ],
      finalizeSql: (table) =>
        `SELECT __k0 AS d, CAST(__a0 AS BIGINT) AS units, CAST(__a1 AS BIGINT) AS top, CAST(__a2 AS BIGINT) AS n FROM ${table}`,
      outputColumns: ['d', 'units', 'top', 'n'],
      keyOutputs: ['d'],
      direct: [
        { from: 'key', index: 0 },
        { from: 'aggregate', index: 0, cast: 'BIGINT' },
        { from: 'aggregate', index: 1, cast: 'BIGINT' },
        { from: 'aggregate', index: 2, cast: 'BIGINT' },
      ],
    });
    const types = (a0: string) =>
      new PipelineState(
        cast,
        [{ name: '__k0', type: 'DATE' }],
        [
          { name: '__a0', type: a0 },
          { name: '__a1', type: 'INTEGER' },
          { name: '__a2', type: 'BIGINT' },
        ],
      );
    const s = types('HUGEINT');
    s.merge([
      ['2026-10-01', '9223372036854775800', 7, '2'],
      ['2026-10-02', '-4', -3, '1'],
      ['2026-10-03', null, null, '0'],
    ]);
    s.merge([['2026-10-01', '7', 2, '1']]);
    const rows = await finalized(s.finalizeSql());
    expect(rows).toEqual([
      ['2026-10-01', '9223372036854775807', '7', '3'],
      ['2026-10-02', '-4', '-3', '1'],
      ['2026-10-03', null, null, '0'],
    ]);
    expect(s.directRows()).toEqual(rows);
    // One past BIGINT's largest: the cast fails in the query, so the rows are the query's to make (and fail).
    s.merge([['2026-10-01', '1', null, '0']]);
    expect(s.directRows()).toBeUndefined();
    await expect(finalized(s.finalizeSql())).rejects.toThrow(/out of range|overflow/i);
    // A sum that is not an integer is never cast here: its text would differ from the cast's rounding.
    expect(types('DECIMAL(38,2)').directRows()).toBeUndefined();
  });

  it('are left to the finalize query for outputs that are expressions, or whose types read back in another form', () => {
    const base = {
      ...pipeline,
      direct: [
        { from: 'key' as const, index: 0 },
        { from: 'aggregate' as const, index: 0 },
      ],
    };
    expect(new PipelineState(base, [{ name: '__k0', type: 'DATE' }], [{ name: '__a0', type: 'JSON' }]).directRows()).toEqual([]);
    expect(
      new PipelineState(
        base,
        [{ name: '__k0', type: 'TIMESTAMP WITH TIME ZONE' }],
        [{ name: '__a0', type: 'JSON' }],
      ).directRows(),
    ).toBeUndefined();
    expect(state().directRows()).toBeUndefined();
  });
});
