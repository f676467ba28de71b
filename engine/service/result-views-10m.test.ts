import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import type { Method, Params, Result } from '../shared/contract.js';
import { initWorkspace } from './init.js';
import { Engine } from './engine.js';

let counter = 0;
async function call<M extends Method>(engine: Engine, method: M, params: Params<M>): Promise<Result<M>> {
  const response = await engine.handle({ id: `m${++counter}`, method, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return response.result as Result<M>;
}

const N = 10_000_000;
const P = 1_000_003;
/** Each row's key: i × 7919 mod a prime, so every key between 0 and P − 1 comes about ten times, in no order. */
const key = (i: number) => (i * 7919) % P;

/**
 * The same rows computed here, without DuckDB: for each key, its rows in order (a counting sort), from which any
 * position of the sorted result follows.
 */
function sortedByKey(keep: (i: number) => boolean) {
  const counts = new Int32Array(P);
  let count = 0;
  for (let i = 0; i < N; i++) {
    if (!keep(i)) continue;
    counts[key(i)]!++;
    count++;
  }
  const starts = new Int32Array(P + 1);
  for (let k = 0; k < P; k++) starts[k + 1] = starts[k]! + counts[k]!;
  const order = new Int32Array(count);
  const next = starts.slice(0, P);
  for (let i = 0; i < N; i++) if (keep(i)) order[next[key(i)]!++] = i;
  const row = (position: number): [number, number] => [order[position]!, key(order[position]!)];
  return {
    count,
    /** The row at a position of the ascending order. */
    at: row,
    /** The first rows of the descending order: keys from the greatest down, each key's rows still in query order. */
    descending(n: number): [number, number][] {
      const out: [number, number][] = [];
      for (let k = P - 1; k >= 0 && out.length < n; k--) {
        for (let p = starts[k]!; p < starts[k + 1]! && out.length < n; p++) out.push(row(p));
      }
      return out;
    },
  };
}

describe('sort and filter pushed down into DuckDB over ten million rows', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;
  let queryId: string;

  beforeAll(async () => {
    root = await tempDir('recount-views-10m-');
    const dir = join(root.dir, 'ws');
    await initWorkspace(dir);
    engine = await Engine.open({ dir, transport: 'electron' });
    const run = await call(engine, 'query.run', {
      sql: `SELECT range AS i, (range * 7919) % ${P} AS k, 'g' || (range % 13) AS g FROM range(${N})`,
    });
    expect(run.rowCount).toBe(N);
    queryId = run.queryId;
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  async function rows(view: string, offset: number, limit: number): Promise<unknown[][]> {
    return (await call(engine, 'query.page', { queryId, view, offset, limit })).rows;
  }

  it('sorts all of them by a column, its first rows and a row in the middle exactly as computed', async () => {
    const expected = sortedByKey(() => true);
    const { view, rowCount } = await call(engine, 'query.arrange', { queryId, sort: [{ column: 'k', desc: false }] });
    expect(rowCount).toBe(N);
    const first = Array.from({ length: 12 }, (_, p) => expected.at(p));
    expect((await rows(view as string, 0, 12)).map((r) => [Number(r[0]), Number(r[1])])).toEqual(first);
    // Key 0 comes for i = 0, P, 2P … 9P: ten rows, in the order the query gave them.
    expect(first.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, n) => [n * P, 0]));
    const middle = Array.from({ length: 3 }, (_, p) => expected.at(5_000_000 + p));
    expect((await rows(view as string, 5_000_000, 3)).map((r) => [Number(r[0]), Number(r[1])])).toEqual(middle);
  }, 120_000);

  it('filters them and sorts what is left, descending, with the count of what is left', async () => {
    const expected = sortedByKey((i) => i % 13 === 5);
    // ⌊(10,000,000 − 1 − 5) / 13⌋ + 1 rows have i mod 13 = 5.
    expect(expected.count).toBe(769_231);
    const { view, rowCount } = await call(engine, 'query.arrange', {
      queryId,
      sort: [{ column: 'k', desc: true }],
      filters: [{ column: 'g', op: 'equals', value: 'g5' }],
    });
    expect(rowCount).toBe(769_231);
    const got = (await rows(view as string, 0, 8)).map((r) => [Number(r[0]), Number(r[1]), r[2]]);
    expect(got).toEqual(expected.descending(8).map(([i, k]) => [i, k, 'g5']));

    const small = await call(engine, 'query.arrange', { queryId, filters: [{ column: 'k', op: '<', value: '1000' }] });
    let below = 0;
    for (let i = 0; i < N; i++) if (key(i) < 1000) below++;
    expect(small.rowCount).toBe(below);
  }, 120_000);
});
