import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { literal } from '../kernel/util/sql.js';
import { lakeStructure, mergeStructures, type Structure } from './json-structure.js';

/** Value sets whose merged structure DuckDB's own aggregate, json_group_structure, computes as a second method. */
const VALUE_SETS: string[][] = [
  ['1', '-1'],
  ['1', '2.5'],
  ['1', '"x"'],
  ['null', 'true'],
  ['[{"a":1}]', '[{"b":"x"}]', '[]'],
  ['{"a":{"b":1}}', '{"a":{"c":[1.5]}}', '{"a":null,"d":false}'],
  ['{"a":1}', '[1]'],
  ['{"k":[[1],[2.5]]}', '{"k":[["s"]]}'],
];

async function duckdbStructures(): Promise<{ distinct: string[][]; merged: string[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const distinct: string[][] = [];
  const merged: string[] = [];
  for (const values of VALUE_SETS) {
    const rows = values.map((v) => `(${literal(v)}::JSON)`).join(', ');
    const each = await connection.runAndReadAll(`SELECT json_structure(j)::VARCHAR FROM (VALUES ${rows}) t(j)`);
    distinct.push(each.getRows().map((r) => String(r[0])));
    const all = await connection.runAndReadAll(`SELECT json_group_structure(j)::VARCHAR FROM (VALUES ${rows}) t(j)`);
    merged.push(String(all.getRows()[0]?.[0]));
  }
  connection.closeSync();
  instance.closeSync();
  return { distinct, merged };
}

describe('merging JSON structures', () => {
  it('merges the structures of values as DuckDB merges the values themselves', async () => {
    const { distinct, merged } = await duckdbStructures();
    for (const [i, structures] of distinct.entries()) {
      const ours = structures.map((s) => JSON.parse(s) as Structure).reduce((a, b) => mergeStructures(a, b), 'NULL');
      expect(ours, VALUE_SETS[i]?.join(' | ')).toEqual(JSON.parse(merged[i] as string));
    }
  });

  it('keeps keys in the order first seen, and a key named __proto__ as a key', () => {
    const merged = mergeStructures(JSON.parse('{"b":"BIGINT","__proto__":"VARCHAR"}') as Structure, { a: 'DOUBLE', b: 'DOUBLE' });
    expect(Object.keys(merged)).toEqual(['b', '__proto__', 'a']);
    expect(JSON.stringify(merged)).toBe('{"b":"DOUBLE","__proto__":"VARCHAR","a":"DOUBLE"}');
  });
});

describe('the lake type of a structure', () => {
  it('reads integers as BIGINT and keeps JSON where no struct can hold the values', () => {
    expect(lakeStructure({ q: 'UBIGINT', n: 'NULL', e: [], list: ['NULL'], ok: { x: 'DOUBLE' } })).toEqual({
      q: 'BIGINT',
      n: 'JSON',
      e: ['JSON'],
      list: ['JSON'],
      ok: { x: 'DOUBLE' },
    });
    expect(lakeStructure({ a: { Key: 'VARCHAR', key: 'BIGINT' } })).toEqual({ a: 'JSON' });
    expect(lakeStructure({})).toBe('JSON');
  });
});
