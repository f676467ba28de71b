import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { trimmedOrNull } from './plan.js';
import { localDateSql, textToTimestamptz } from './timestamps.js';

// The fast forms must give exactly what the plain DuckDB functions give: each is checked against them.
let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  // A session zone other than UTC: the UTC date must not depend on it.
  await connection.run(`SET TimeZone = 'Asia/Kolkata'`);
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function mismatches(sql: string): Promise<[number, number]> {
  const reader = await connection.runAndReadAll(sql);
  const [row] = reader.getRowsJson() as [string, string][];
  return [Number(row?.[0]), Number(row?.[1])];
}

describe('lake SQL fast paths', () => {
  it("a UTC partition date equals timezone('UTC', t)::DATE, before 1970, at midnight and at the ends of the range", async () => {
    const fast = localDateSql('t', 'UTC');
    expect(fast).not.toContain('timezone(');
    const [bad, total] = await mismatches(`
      SELECT count(*) FILTER (WHERE ${fast} IS DISTINCT FROM CAST(timezone('UTC', t) AS DATE)), count(*)
      FROM (
        SELECT to_timestamp((random() - 0.5) * 5e11) + to_microseconds(floor(random() * 1e6)::BIGINT) AS t FROM range(200000)
        UNION ALL SELECT TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(d::BIGINT) FROM range(-3, 4) r(d)
        UNION ALL SELECT TIMESTAMPTZ '1969-12-31 00:00:00+00' + to_microseconds(d::BIGINT) FROM range(-3, 4) r(d)
        UNION ALL SELECT * FROM (VALUES (TIMESTAMPTZ '0001-01-01 00:00:00+00'), (TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'), (NULL)) v(t)
      )`);
    expect(total).toBe(200_000 + 7 + 7 + 3);
    expect(bad).toBe(0);
  });

  it("trimmedOrNull equals nullif(trim(x), '') for every code point at either end, and for blanks", async () => {
    const fast = trimmedOrNull('x');
    const [bad, total] = await mismatches(`
      SELECT count(*) FILTER (WHERE ${fast} IS DISTINCT FROM nullif(trim(x), '')), count(*)
      FROM (
        SELECT chr(cp::INTEGER) || 'id' AS x FROM range(1, 70000) r(cp) WHERE cp NOT BETWEEN 55296 AND 57343
        UNION ALL SELECT 'id' || chr(cp::INTEGER) FROM range(1, 70000) r(cp) WHERE cp NOT BETWEEN 55296 AND 57343
        UNION ALL SELECT * FROM (VALUES (''), (' '), ('   '), (' a '), ('a'), (NULL)) v(x)
      )`);
    expect(total).toBe(2 * (69_999 - 2048) + 6);
    expect(bad).toBe(0);
  });

  it('reads "… <zone>" for exactly the zone names DuckDB knows, and nothing for names it does not', async () => {
    const names = (await connection.runAndReadAll('SELECT name FROM pg_timezone_names()')).getRowsJson().map((r) => String(r[0]));
    const known = `',${names.filter((n) => !n.includes(',')).join(',')},'`;
    const parsed = textToTimestamptz(`'2020-06-01 12:00:00 ' || z`, { local: 'UTC', known });
    // Every known name, against timezone() itself; then near misses: other case, pieces of names, names run together.
    const [bad, total] = await mismatches(`
      SELECT count(*) FILTER (WHERE ${parsed} IS DISTINCT FROM timezone(z, TIMESTAMP '2020-06-01 12:00:00')), count(*)
      FROM pg_timezone_names() t(z)`);
    expect(total).toBe(names.length);
    expect(bad).toBe(0);
    const misses = ['utc', 'Europe', 'Paris', 'rope/Paris', 'Europe/Pari', 'Europe/ParisX', 'UTCUTC', 'Nowhere/Zone', 'Zulu2'];
    expect(names.filter((n) => misses.includes(n))).toEqual([]);
    const rows = (
      await connection.runAndReadAll(`SELECT z, ${parsed} IS NULL FROM (VALUES ${misses.map((m) => `('${m}')`).join(', ')}) v(z)`)
    ).getRowsJson();
    expect(rows.map((r) => r[1])).toEqual(misses.map(() => true));
  });
});
