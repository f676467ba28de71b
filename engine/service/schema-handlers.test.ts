import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { CATALOG_NAMES } from '../kernel/workspace/catalog.js';
import type { Method, Params, Result } from '../shared/contract.js';
import { initWorkspace } from './init.js';
import { Engine } from './engine.js';

let counter = 0;
async function call<M extends Method>(engine: Engine, method: M, params: Params<M>): Promise<Result<M>> {
  const response = await engine.handle({ id: `s${++counter}`, method, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return response.result as Result<M>;
}

describe('what the editor completes, as the engine serves it', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;

  beforeAll(async () => {
    root = await tempDir('recount-schema-');
    const dir = join(root.dir, 'ws');
    await initWorkspace(dir);
    const log = join(root.dir, 'events.log');
    await writeFile(log, '');
    engine = await Engine.open({ dir, log, transport: 'browser', recentFile: join(root.dir, 'recent.json'), version: '0.0.0' });
  });
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  it("lists the lake's tables and the user's, not Recount's bookkeeping", async () => {
    await call(engine, 'query.run', { sql: 'CREATE TABLE my_notes (note VARCHAR)' });
    const names = (await call(engine, 'schema.tables', {})).map((t) => t.name);
    for (const name of ['events', 'raw_events', 'rejects', 'my_notes']) expect(names).toContain(name);
    const hidden = CATALOG_NAMES.filter((n) => !['events', 'raw_events', 'rejects'].includes(n));
    // They are there, in the database: left out, not missing.
    const present = await call(engine, 'query.run', {
      sql: `SELECT table_name FROM duckdb_tables() WHERE table_name IN ('lake_files', 'imports', 'runs')`,
    });
    expect(present.rowCount).toBe(3);
    expect(names.filter((n) => hidden.includes(n))).toEqual([]);
  });

  it("serves DuckDB's functions, and a macro as soon as it is made", async () => {
    const before = await call(engine, 'schema.functions', {});
    expect(before.find((f) => f.name === 'date_trunc')).toMatchObject({ kind: 'scalar', overloads: 4 });
    expect(before.some((f) => f.name === 'order_total')).toBe(false);
    await call(engine, 'query.run', { sql: 'CREATE MACRO order_total(price, qty) AS price * qty' });
    const after = await call(engine, 'schema.functions', {});
    expect(after.filter((f) => f.name === 'order_total')).toEqual([
      { name: 'order_total', kind: 'macro', signatures: ['order_total(price, qty)'], overloads: 1 },
    ]);
    expect(after.length).toBe(before.length + 1);
  });
});
