import { describe, expect, it } from 'vitest';
import { AT as at, lakeTest } from '../testing/lake.js';

/**
 * Import fidelity, numbers: every integer and number stored exactly, or kept as text with the summary saying so.
 * Each test is a defect found by importing real files nobody here wrote; the expected values are the source text
 * itself, or worked out by hand.
 */
const lake = lakeTest();
const { importContent, query } = lake;

describe('integers are stored exactly', () => {
  it('keeps a 19-digit CSV integer within int64 as BIGINT, digit for digit', async () => {
    const result = await importContent(
      'rees.csv',
      'event_time,event_type,category_id\n2019-10-01 00:00:00 UTC,view,2103807459595387724\n2019-10-01 00:00:01 UTC,view,2053013555631882655\n',
    );
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(
      await query(`SELECT CAST(category_id AS VARCHAR) AS v, typeof(category_id) AS t FROM events ORDER BY _source_line`),
    ).toEqual([
      { v: '2103807459595387724', t: 'BIGINT' },
      { v: '2053013555631882655', t: 'BIGINT' },
    ]);
  });

  it('stores integers beyond int64 as UBIGINT or DECIMAL(38,0), and beyond 38 digits as text, in JSON and CSV alike', async () => {
    const values = ['9223372036854775809', '18446744073709551615', '12345678901234567890123', '-9223372036854775809'];
    const json = values.map((v, i) => `{"event_type":"Order","id":"o${i}",${at},"u":${i === 1 ? v : i},"d":${v}}`);
    const result = await importContent('orders.ndjson', `${json.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 4, rejected: 0 });
    expect(
      await query(
        `SELECT CAST(u AS VARCHAR) AS u, typeof(u) AS tu, CAST(d AS VARCHAR) AS d, typeof(d) AS td FROM events ORDER BY event_id`,
      ),
    ).toEqual([
      { u: '0', tu: 'UBIGINT', d: values[0], td: 'DECIMAL(38,0)' },
      { u: values[1], tu: 'UBIGINT', d: values[1], td: 'DECIMAL(38,0)' },
      { u: '2', tu: 'UBIGINT', d: values[2], td: 'DECIMAL(38,0)' },
      { u: '3', tu: 'UBIGINT', d: values[3], td: 'DECIMAL(38,0)' },
    ]);
    expect(result.notes).toEqual([
      { column: 'u', kind: 'exact-type', detail: 'integers beyond a signed 64-bit integer, stored exactly as UBIGINT' },
      { column: 'd', kind: 'exact-type', detail: 'integers beyond 64 bits, stored exactly as DECIMAL(38,0)' },
    ]);

    const huge = '123456789012345678901234567890123456789012';
    const csv = await importContent('orders.csv', `type,ts,order_no,n\nOrder,2026-10-01T10:00:00Z,${huge},${values[0]}\n`);
    expect(csv.notes).toEqual([
      { column: 'order_no', kind: 'kept-as-text', detail: 'integers of more than 38 digits, kept exactly as text' },
      { column: 'n', kind: 'exact-type', detail: 'integers beyond a signed 64-bit integer, stored exactly as UBIGINT' },
    ]);
    expect(await query(`SELECT order_no, CAST(n AS VARCHAR) AS n FROM events WHERE _import_id = ${csv.importId}`)).toEqual([
      { order_no: huge, n: values[0] },
    ]);
  });

  it('keeps nested integers beyond 64 bits instead of nulling them in a struct', async () => {
    const lines = [
      `{"event_type":"a","id":"1",${at},"ctx":{"hash":18446744073709551615,"n":1},"items":[{"sku":-123456789012345678901234}]}`,
      `{"event_type":"a","id":"2",${at},"ctx":{"hash":7,"n":2},"items":[{"sku":5}]}`,
    ];
    const result = await importContent('nested.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ rows: 2, rejected: 0 });
    expect(
      await query(`SELECT CAST(ctx.hash AS VARCHAR) AS hash, CAST(items[1].sku AS VARCHAR) AS sku FROM events ORDER BY event_id`),
    ).toEqual([
      { hash: '18446744073709551615', sku: '-123456789012345678901234' },
      { hash: '7', sku: '5' },
    ]);
    expect(result.notes?.map((n) => [n.column, n.kind])).toEqual([
      ['ctx', 'exact-type'],
      ['items', 'exact-type'],
    ]);
  });

  it('stores decimals a double would round as an exact DECIMAL, and keeps doubles a double gives back', async () => {
    const result = await importContent(
      'amounts.csv',
      'type,ts,amount,price\na,2026-10-01T10:00:00Z,12345678901234567.25,35.79\na,2026-10-01T10:00:01Z,0.5,0.30000000000000004\n',
    );
    expect(result.notes).toEqual([
      {
        column: 'amount',
        kind: 'exact-type',
        detail: 'numbers with more digits than a double keeps, stored exactly as DECIMAL(19,2)',
      },
    ]);
    expect(
      await query(`SELECT CAST(amount AS VARCHAR) AS amount, price, typeof(price) AS t FROM events ORDER BY _source_line`),
    ).toEqual([
      { amount: '12345678901234567.25', price: 35.79, t: 'DOUBLE' },
      { amount: '0.50', price: 0.30000000000000004, t: 'DOUBLE' },
    ]);
  });
});

describe('values no number type holds', () => {
  it('keeps 1e400, NaN and Infinity exactly as text, and says so', async () => {
    const lines = [
      `{"event_type":"a","id":"1",${at},"big":1e400,"nan":NaN,"inf":-Infinity}`,
      `{"event_type":"a","id":"2",${at},"big":1.5,"nan":2.5,"inf":3}`,
    ];
    const result = await importContent('special.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ rows: 2, rejected: 0 });
    expect(await query(`SELECT big, nan, inf FROM events ORDER BY event_id`)).toEqual([
      { big: '1e400', nan: 'NaN', inf: '-Infinity' },
      { big: '1.5', nan: '2.5', inf: '3' },
    ]);
    expect(result.notes?.map((n) => [n.column, n.kind])).toEqual([
      ['big', 'kept-as-text'],
      ['nan', 'kept-as-text'],
      ['inf', 'kept-as-text'],
    ]);
  });
});
