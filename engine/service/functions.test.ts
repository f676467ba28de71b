import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, type Connection } from '../kernel/workspace/db.js';
import { FunctionList, groupFunctions } from './functions.js';

describe('the functions completion offers', () => {
  let db: Database;
  let c: Connection;
  beforeAll(async () => {
    db = await Database.open(':memory:', { timezone: 'UTC' });
    c = await db.connect();
  });
  afterAll(() => {
    c.close();
    db.close();
  });

  it('are DuckDB’s own, each name and kind once with its overloads', async () => {
    const list = await new FunctionList().list(c);
    const trunc = list.filter((f) => f.name === 'date_trunc');
    expect(trunc).toEqual([
      {
        name: 'date_trunc',
        kind: 'scalar',
        signatures: [
          'date_trunc(part VARCHAR, timestamp INTERVAL) → INTERVAL',
          'date_trunc(part VARCHAR, timestamp DATE) → TIMESTAMP',
          'date_trunc(part VARCHAR, timestamp TIMESTAMP) → TIMESTAMP',
          'date_trunc(part VARCHAR, timestamp TIMESTAMP WITH TIME ZONE) → TIMESTAMP WITH TIME ZONE',
        ],
        overloads: 4,
        description: 'Truncate to specified precision',
        example: "date_trunc('hour', TIMESTAMPTZ '1992-09-20 20:38:40')",
      },
    ]);
    // One name, two kinds: generate_series is a list function and a table function.
    expect(list.filter((f) => f.name === 'generate_series').map((f) => f.kind)).toEqual(['scalar', 'table']);
    expect(list.find((f) => f.name === 'count')?.kind).toBe('aggregate');
    expect(list.find((f) => f.name === 'histogram_values')?.kind).toBe('table');
    // Operators and pragmas are not typed by name.
    expect(list.some((f) => !/^[a-z][a-z0-9_]*$/.test(f.name))).toBe(false);
    expect(list.some((f) => f.name === 'table_info')).toBe(false);
    // What duckdb_functions() counts, by name and kind, less pragmas and operators.
    const expected = await c.one<{ n: string }>(
      `SELECT count(DISTINCT (function_name, CASE function_type WHEN 'table_macro' THEN 'table' ELSE function_type END))::VARCHAR AS n
       FROM duckdb_functions() WHERE function_type <> 'pragma' AND regexp_full_match(function_name, '[a-z][a-z0-9_]*')`,
    );
    expect(list.length).toBe(Number(expected?.n));
  });

  it('include the user’s macros as soon as they are made', async () => {
    const functions = new FunctionList();
    const before = await functions.list(c);
    expect(before.some((f) => f.name === 'order_total')).toBe(false);
    await c.run('CREATE MACRO order_total(price, qty) AS price * qty');
    const after = await functions.list(c);
    expect(after.filter((f) => f.name === 'order_total')).toEqual([
      { name: 'order_total', kind: 'macro', signatures: ['order_total(price, qty)'], overloads: 1 },
    ]);
    expect(after.length).toBe(before.length + 1);
  });

  it('write out a few parameters, then an ellipsis; varargs end with one', () => {
    const row = {
      type: 'table',
      description: null,
      return_type: null,
      varargs: null,
      examples: [],
      internal: true,
    };
    const out = groupFunctions([
      {
        ...row,
        name: 'wide',
        parameters: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
        parameter_types: ['INTEGER', null, null, null, null, null, null],
      },
      {
        ...row,
        name: 'many',
        type: 'scalar',
        parameters: ['value'],
        parameter_types: ['ANY'],
        varargs: 'ANY',
        return_type: 'VARCHAR',
      },
      {
        ...row,
        name: 'many',
        type: 'scalar',
        parameters: ['value'],
        parameter_types: ['ANY'],
        varargs: 'ANY',
        return_type: 'VARCHAR',
      },
      { ...row, name: 'say', type: 'pragma', parameters: [], parameter_types: [] },
    ]);
    expect(out).toEqual([
      { name: 'wide', kind: 'table', signatures: ['wide(a INTEGER, b, c, d, e, f, …)'], overloads: 1 },
      { name: 'many', kind: 'scalar', signatures: ['many(value ANY, ANY…) → VARCHAR'], overloads: 1 },
    ]);
  });
});
