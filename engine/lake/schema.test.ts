import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { exactSupertype } from './schema.js';
import { formatType, parseType } from './types.js';

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

async function typeOf(type: string): Promise<string> {
  const reader = await connection.runAndReadAll(`SELECT typeof(NULL::${type}) AS t`);
  return String(reader.getRowsJson()[0]?.[0]);
}

const TYPES = [
  'BIGINT',
  'TIMESTAMP WITH TIME ZONE',
  'DECIMAL(18,2)',
  'VARCHAR[][]',
  'INTEGER[3]',
  'MAP(VARCHAR, DOUBLE[])',
  'STRUCT(a BIGINT, "b c" VARCHAR, "x""y" STRUCT(t TIMESTAMP WITH TIME ZONE, d DATE)[])',
  'STRUCT("with" VARCHAR, "time" TIME)',
  'UNION(a INTEGER, b VARCHAR)',
];

describe('lake types', () => {
  it('spells every type so that DuckDB reads it as the same type', async () => {
    for (const type of TYPES) expect(await typeOf(formatType(parseType(type)))).toBe(await typeOf(type));
  });

  it('widens only to a type that holds every value of both exactly, as DuckDB casts them', async () => {
    const cases: [string, string, string | undefined][] = [
      ['INTEGER', 'BIGINT', 'BIGINT'],
      ['BIGINT', 'UBIGINT', 'DECIMAL(38,0)'],
      ['UINTEGER', 'INTEGER', 'BIGINT'],
      ['BIGINT', 'DECIMAL(10,2)', 'DECIMAL(21,2)'],
      ['DECIMAL(20,10)', 'DECIMAL(25,0)', 'DECIMAL(35,10)'],
      ['DECIMAL(30,10)', 'DECIMAL(30,0)', undefined],
      ['DECIMAL(38,10)', 'DECIMAL(38,0)', undefined],
      ['INTEGER', 'DOUBLE', 'DOUBLE'],
      ['DECIMAL(16,2)', 'DOUBLE', undefined],
      ['VARCHAR', 'JSON', 'VARCHAR'],
      ['BIGINT', 'VARCHAR', undefined],
      ['BIGINT', 'TIMESTAMP WITH TIME ZONE', undefined],
      ['STRUCT(a INTEGER)', 'STRUCT(b VARCHAR, a BIGINT)', 'STRUCT("a" BIGINT, "b" VARCHAR)'],
      ['STRUCT(a INTEGER)', 'STRUCT(a VARCHAR)', undefined],
      ['BIGINT[]', 'DECIMAL(4,1)[]', 'DECIMAL(20,1)[]'],
      ['JSON', 'STRUCT(a BIGINT)', 'JSON'],
      ['DOUBLE', 'STRUCT(a BIGINT)', undefined],
    ];
    for (const [a, b, expected] of cases) {
      const merged = exactSupertype(parseType(a), parseType(b));
      expect(merged ? formatType(merged.type) : undefined, `${a} ∪ ${b}`).toBe(expected);
      if (!merged) continue;
      // Every extreme value of both types survives the cast into the supertype, digit for digit.
      for (const source of [a, b]) {
        const t = formatType(merged.type);
        const reader = await connection.runAndReadAll(
          `SELECT count(*) FILTER (WHERE CAST(CAST(v AS ${t}) AS ${source}) IS DISTINCT FROM v)::INTEGER
           FROM (SELECT unnest([${extremes(source)}]) AS v)`,
        );
        if (!/^(STRUCT|JSON)|\[\]/.test(source) && !/^(STRUCT|JSON)/.test(t))
          expect(reader.getRowsJson()[0]?.[0], `${source} → ${t}`).toBe(0);
      }
    }
  });

  it('asks for a check on the data where only the values can say a double holds them', () => {
    expect(exactSupertype(parseType('BIGINT'), parseType('DOUBLE'))?.checks).toEqual([
      { side: 'lake', path: [], limit: 2 ** 53 },
    ]);
    expect(exactSupertype(parseType('STRUCT(p DOUBLE)[]'), parseType('STRUCT(p BIGINT)[]'))?.checks).toEqual([
      { side: 'import', path: ['[]', 'p'], limit: 2 ** 53 },
    ]);
  });
});

function extremes(type: string): string {
  const values: Record<string, string[]> = {
    INTEGER: ['-2147483648', '2147483647'],
    UINTEGER: ['0', '4294967295'],
    BIGINT: ['-9223372036854775808', '9223372036854775807'],
    UBIGINT: ['0', '18446744073709551615'],
    'DECIMAL(10,2)': ['-99999999.99', '99999999.99'],
    'DECIMAL(20,10)': ['-9999999999.9999999999', '0.0000000001'],
    'DECIMAL(25,0)': ['-9999999999999999999999999', '9999999999999999999999999'],
    DOUBLE: ['0.1', '-1.5e300'],
    VARCHAR: ["'text'"],
    JSON: ['\'{"a":1}\''],
  };
  return (values[type] ?? ['NULL']).map((v) => `CAST(${v} AS ${type})`).join(', ');
}
