import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFilesRecursive } from '../util/fsx.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile, type ImportFileResult, type ImportOptions } from './import.js';

/**
 * Import fidelity: every value lands exactly, or the summary says what was kept otherwise. Each test is a defect
 * found by importing real files nobody here wrote; the expected values are the source text itself.
 */
let t: TestWorkspace;
beforeEach(async () => {
  t = await testWorkspace();
});
afterEach(() => t.cleanup());

const at = '"occurred_at":"2026-10-01T10:00:00Z"';

async function importContent(name: string, content: string | Buffer, options: ImportOptions = {}): Promise<ImportFileResult> {
  const path = join(t.root, name);
  await writeFile(path, content);
  return importFile(t.workspace, path, options);
}

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  return t.workspace.catalog.all(sql) as Promise<T[]>;
}

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

describe('times outside what a partition can name', () => {
  it('rejects a time before year 1 in the workspace zone with a reason, and lands the rest, up to year 10000', async () => {
    const lines = [
      '{"event_type":"a","occurred_at":"0001-01-01T00:00:00+01:00"}',
      '{"event_type":"a","occurred_at":"2026-10-01T10:00:00Z"}',
      '{"event_type":"a","occurred_at":"9999-12-31T23:59:59-01:00"}',
    ];
    const result = await importContent('years.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 1 });
    expect([...result.partitions].sort()).toEqual(['10000-01-01', '2026-10-01']);
    expect(await query(`SELECT line::INTEGER AS line, reason FROM rejects ORDER BY line`)).toEqual([
      {
        line: 1,
        reason:
          'event time "0001-01-01T00:00:00+01:00" is before the year 1 in the workspace\'s time zone: it has no partition date',
      },
    ]);
  });
});

describe('names of any bytes', () => {
  it('stores a key with a NUL, an empty key and an empty nested key, renaming what DuckDB cannot name', async () => {
    const result = await importContent('names.ndjson', `{"event_type":"a",${at},"k\\u0000ey":1,"":2,"n":{"":3,"k":4}}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 1, rejected: 0 });
    expect(await query(`SELECT k_ey::INTEGER AS k_ey, field_1::INTEGER AS field_1, CAST(n AS VARCHAR) AS n FROM events`)).toEqual(
      [{ k_ey: 1, field_1: 2, n: '{"":3,"k":4}' }],
    );
    expect(result.notes?.map((n) => [n.column, n.kind])).toEqual([
      ['k_ey', 'renamed'],
      ['field_1', 'renamed'],
      ['n', 'kept-as-text'],
    ]);
  });

  it('renames keys that differ only in case as DuckDB numbers them, and lists every rename', async () => {
    const result = await importContent('case.ndjson', `{"event_type":"a",${at},"Id":"x","ID":"y","event_date":"q"}\n`);
    expect(await query(`SELECT "Id", "ID_1", source_event_date FROM events`)).toEqual([
      { Id: 'x', ID_1: 'y', source_event_date: 'q' },
    ]);
    expect(result.notes?.map((n) => n.detail).sort()).toEqual([
      'the source field "ID" is stored as ID_1: another field has the same name but for case (DuckDB names ignore case)',
      'the source field "event_date" is stored as source_event_date: event_date is a column every lake row has',
    ]);
  });

  it('fails UTF-16 inside a gzip and UTF-16 without a byte-order mark, storing nothing', async () => {
    const text = `{"event_type":"a",${at}}\n`;
    const bom = await importContent(
      'u16.ndjson.gz',
      gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])),
    );
    expect(bom).toMatchObject({ status: 'failed' });
    expect(bom.error).toMatch(/u16\.ndjson\.gz: is UTF-16 text inside the gzip/);
    const bare = await importContent('u16.ndjson', Buffer.from(text, 'utf16le'));
    expect(bare.error).toMatch(/u16\.ndjson: is UTF-16 text without a byte-order mark/);
    const png = await importContent('chart.csv', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    expect(png.error).toMatch(/chart\.csv: is a PNG image, not text/);
    expect(await query(`SELECT count(*)::INTEGER AS n FROM imports`)).toEqual([{ n: 0 }]);
    expect(await query(`SELECT count(*)::INTEGER AS n FROM rejects`)).toEqual([{ n: 0 }]);
    expect(await listFilesRecursive(t.workspace.paths.lakeEvents)).toEqual([]);
  });
});

describe('JSON layouts decided by structure', () => {
  const pretty = [
    '{',
    '  "type": "track",',
    '  "event": "Order Completed",',
    '  "timestamp": "2026-10-01T10:00:00Z",',
    '  "context": {',
    '    "library": {',
    '      "name":',
    '        "Segment.io"',
    '    },',
    '    "active":',
    '      true',
    '  },',
    '  "total":',
    '    27.5',
    '}',
    '{ "type": "track", "event": "Order Completed",',
    '  "timestamp": "2026-10-02T10:00:00Z", "total": 3 }',
  ].join('\n');

  it('reads pretty-printed JSON whose inner lines parse alone, with --format auto and --format json', async () => {
    for (const format of ['auto', 'json'] as const) {
      // Two files of different bytes: the same content again would be skipped as imported.
      const content = format === 'auto' ? `${pretty}\n` : `${pretty}\n\n`;
      const result = await importContent(`segment-${format}.json`, content, { format, map: { event_type: 'event' } });
      expect(result).toMatchObject({ status: 'imported', format: 'json', rows: 2, rejected: 0 });
      expect(
        await query(
          `SELECT event_type, context.library.name AS lib, total FROM raw_events WHERE _import_id = ${result.importId} ORDER BY _source_line`,
        ),
      ).toEqual([
        { event_type: 'Order Completed', lib: 'Segment.io', total: 27.5 },
        { event_type: 'Order Completed', lib: null, total: 3 },
      ]);
    }
  });

  it('reads several objects on one line as concatenated JSON', async () => {
    const lines = [
      `{"event_type":"a","id":"1",${at}}{"event_type":"b","id":"2",${at}} {"event_type":"c","id":"3",${at}}`,
      `{"event_type":"d","id":"4",${at}}`,
    ];
    const result = await importContent('concat.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 4, rejected: 0 });
    expect(await query(`SELECT event_type FROM events ORDER BY event_id`)).toEqual(
      ['a', 'b', 'c', 'd'].map((event_type) => ({ event_type })),
    );
  });

  it('rejects a line cut short after a colon, a bracket or a comma alone: the next line still lands', async () => {
    const cuts = [
      `{"event_type":"a","id":"c1",${at},"q":`,
      `{"event_type":"a","id":"c2",${at},"q":[`,
      `{"event_type":"a","id":"c3","l":[1,`,
    ];
    const lines = cuts.flatMap((cut, i) => [cut, `{"event_type":"a","id":"ok${i}",${at}}`]);
    const result = await importContent('cut.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 3, rejected: 3 });
    expect(await query(`SELECT event_id, _source_line::INTEGER AS line FROM events ORDER BY line`)).toEqual([
      { event_id: 'ok0', line: 2 },
      { event_id: 'ok1', line: 4 },
      { event_id: 'ok2', line: 6 },
    ]);
    expect(await query(`SELECT line::INTEGER AS line, reason, raw FROM rejects ORDER BY line`)).toEqual(
      cuts.map((raw, i) => ({ line: 2 * i + 1, reason: 'not a valid JSON object', raw })),
    );
  });
});

describe('CSV dialects, sniffed as DuckDB sniffs them', () => {
  it('reads .csv files that use ;, | or tab, with decimal commas, and says which dialect it read', async () => {
    const rows = [
      ['sale', '2026-10-01T10:00:00Z', '1,5', 'Köln; Süd'],
      ['sale', '2026-10-01T11:00:00Z', '-0,25', 'Bonn'],
      ['sale', '2026-10-01T12:00:00Z', '12', 'Aachen'],
    ];
    const cases: [string, string, string][] = [
      ['semicolon.csv', ';', `delimiter ';', quote '"', escape doubled quote, header, decimal separator ','`],
      ['pipe.csv', '|', `delimiter '|', quote '"', escape doubled quote, header, decimal separator ','`],
      ['tab.csv', '\t', `delimiter tab, quote '"', escape doubled quote, header, decimal separator ','`],
    ];
    for (const [name, d, dialect] of cases) {
      const text = [['type', 'ts', 'amount', 'city'], ...rows]
        .map((r) => r.map((v) => (v.includes(d) || v.includes(';') ? `"${v}"` : v)).join(d))
        .join('\n');
      const result = await importContent(name, `${text}\n`);
      expect(result).toMatchObject({ status: 'imported', rows: 3, rejected: 0, dialect });
      expect(
        await query(`SELECT amount, city FROM raw_events WHERE _import_id = ${result.importId} ORDER BY _source_line`),
      ).toEqual([
        { amount: 1.5, city: 'Köln; Süd' },
        { amount: -0.25, city: 'Bonn' },
        { amount: 12, city: 'Aachen' },
      ]);
      expect(result.notes).toEqual([
        { column: 'amount', kind: 'converted', detail: 'numbers with a decimal comma, read as DOUBLE (1,5 is 1.5)' },
      ]);
    }
  });

  it('reads backslash-escaped quotes and quotes inside unquoted fields (JSON in a pipe-separated column)', async () => {
    const text = [
      'type|ts|title|payload',
      'view|2026-10-01T10:00:00Z|"The \\"Matrix\\""|{"id": 1, "tags": ["a", "b"]}',
      'view|2026-10-01T10:00:01Z|"Up"|{"id": 2}',
      'view|2026-10-01T10:00:02Z|"Say \\"hi\\" \\\\ bye"|{}',
    ].join('\n');
    const result = await importContent('escaped.csv', `${text}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 3, rejected: 0 });
    expect(result.dialect).toBe(`delimiter '|', quote '"', escape '\\', header, decimal separator '.'`);
    expect(await query(`SELECT title, CAST(payload AS VARCHAR) AS payload FROM events ORDER BY _source_line`)).toEqual([
      { title: 'The "Matrix"', payload: '{"id": 1, "tags": ["a", "b"]}' },
      { title: 'Up', payload: '{"id": 2}' },
      { title: 'Say "hi" \\ bye', payload: '{}' },
    ]);
  });

  it('lets a quote that never closes break one record only: the next line is a record, no row is lost', async () => {
    const lines = ['type,ts,page,agent'];
    for (let i = 1; i <= 40; i++) {
      const page = i === 7 ? '"/search?q=unclosed' : `"/p${i}"`;
      lines.push(`hit,2026-10-01T10:00:${String(i % 60).padStart(2, '0')}Z,${page},"Mozilla/5.0 (X11, Linux)"`);
    }
    const result = await importContent('hits.csv', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 40, rejected: 0 });
    expect(
      await query(`SELECT _source_line::INTEGER AS line, page, agent FROM events WHERE _source_line BETWEEN 7 AND 9 ORDER BY 1`),
    ).toEqual([
      { line: 7, page: '/p6', agent: 'Mozilla/5.0 (X11, Linux)' },
      { line: 8, page: '"/search?q=unclosed', agent: 'Mozilla/5.0 (X11, Linux)' },
      { line: 9, page: '/p8', agent: 'Mozilla/5.0 (X11, Linux)' },
    ]);
    expect(result.notes).toEqual([
      {
        column: '(file)',
        kind: 'converted',
        detail: '1 record has a quote that never closes, kept as text (the next line is a record of its own)',
      },
    ]);
  });

  it('names the columns of a headerless file as DuckDB does (column0, column1, …)', async () => {
    const result = await importContent('headerless.csv', 'click,2026-10-01T10:00:00Z,42\nview,2026-10-01T10:00:01Z,7\n', {
      map: { event_type: 'column0', occurred_at: 'column1' },
    });
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(result.dialect).toContain('no header');
    expect(await query(`SELECT event_type, column2::INTEGER AS n FROM events ORDER BY _source_line`)).toEqual([
      { event_type: 'click', n: 42 },
      { event_type: 'view', n: 7 },
    ]);
  });
});

describe('event times as real exports write them', () => {
  it('reads day-first, month-first, RFC 2822 and web-server log times, deciding the order from the values', async () => {
    const cases: [string, string[], string][] = [
      ['dmy.csv', ['30-04-2024 10:06:21', '01-05-2024 08:31:27'], 'times read day first: a first number goes up to 30'],
      ['mdy.csv', ['04/30/2024 10:06', '05/01/2024 08:31'], 'times read month first: a second number goes up to 30'],
      ['dotted.csv', ['30.04.2024', '01.05.2024'], 'times read day first: a first number goes up to 30'],
      ['rfc.csv', ['"Tue, 30 Apr 2024 12:06:21 +0200"', '"Wed, 01 May 2024 08:31:27 GMT"'], 'times read as RFC 2822'],
      ['clf.csv', ['30/Apr/2024:10:06:21 +0000', '01/May/2024:10:31:27 +0200'], 'times read in the Apache/nginx log form'],
    ];
    const expected: Record<string, string[]> = {
      'dmy.csv': ['2024-04-30 10:06:21', '2024-05-01 08:31:27'],
      'mdy.csv': ['2024-04-30 10:06:00', '2024-05-01 08:31:00'],
      'dotted.csv': ['2024-04-30 00:00:00', '2024-05-01 00:00:00'],
      'rfc.csv': ['2024-04-30 10:06:21', '2024-05-01 08:31:27'],
      'clf.csv': ['2024-04-30 10:06:21', '2024-05-01 08:31:27'],
    };
    for (const [name, times, why] of cases) {
      const result = await importContent(name, `kind,when\n${times.map((w) => `view,${w}`).join('\n')}\n`, {
        map: { event_type: 'kind', occurred_at: 'when' },
      });
      expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
      expect(result.notes?.find((n) => n.column === 'occurred_at')?.detail).toBe(why);
      const rows = await query<{ t: string }>(
        `SELECT strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS t FROM raw_events WHERE _import_id = ${result.importId} ORDER BY _source_line`,
      );
      expect(rows.map((r) => r.t)).toEqual(expected[name]);
    }
  });

  it('says when the order of day and month is a guess, and takes --time-format instead', async () => {
    const content = 'kind,when\nview,03/04/2024 10:00\n';
    const guessed = await importContent('ambiguous.csv', content, { map: { event_type: 'kind', occurred_at: 'when' } });
    expect(guessed.notes?.find((n) => n.column === 'occurred_at')?.detail).toBe(
      'times read month first (slashes, as in the US): no number shows which comes first; --time-format fixes it',
    );
    const told = await importContent('told.csv', `${content}view,04/04/2024 10:00\n`, {
      map: { event_type: 'kind', occurred_at: 'when' },
      timeFormat: '%d/%m/%Y %H:%M',
    });
    expect(told).toMatchObject({ rows: 2, rejected: 0 });
    expect(
      await query(
        `SELECT strftime(event_date, '%Y-%m-%d') AS d FROM raw_events WHERE _import_id = ${told.importId} ORDER BY _source_line`,
      ),
    ).toEqual([{ d: '2024-04-03' }, { d: '2024-04-04' }]);
  });

  it('chooses a time alias only if it holds instants: date and time of day together; small numbers are no epoch', async () => {
    const cran = await importContent(
      'cran.csv',
      'date,time,size,package\n2019-10-01,10:00:00,1234,ggplot2\n2019-10-01,23:59:59,99,dplyr\n',
      {
        map: { event_type: 'package' },
      },
    );
    expect(cran).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(cran.fields?.occurred_at).toBe('date + time');
    expect(
      await query(
        `SELECT strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS t, "time" FROM events ORDER BY _source_line`,
      ),
    ).toEqual([
      { t: '2019-10-01 10:00:00', time: '10:00:00' },
      { t: '2019-10-01 23:59:59', time: '23:59:59' },
    ]);

    const counters = await importContent(
      'counters.csv',
      'event,time,created_at\nclick,1,2026-10-01T10:00:00Z\nclick,2,2026-10-01T11:00:00Z\n',
    );
    expect(counters).toMatchObject({ rows: 2, rejected: 0 });
    expect(counters.fields?.occurred_at).toBe('created_at');
    expect(counters.notes?.find((n) => n.column === 'occurred_at')?.detail).toBe(
      'event times from created_at: time holds values that are not times',
    );
  });

  it('reads the event time from a nested field with a dotted --map (Mixpanel keeps it in properties)', async () => {
    const lines = [
      '{"event":"Signup","properties":{"time":1707878164,"distinct_id":"a","$city":"Cookstown"}}',
      '{"event":"Play","properties":{"time":1707868801,"distinct_id":"b"}}',
    ];
    const result = await importContent('mixpanel.ndjson', `${lines.join('\n')}\n`, { map: { occurred_at: 'properties.time' } });
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(result.fields?.occurred_at).toBe('properties.time');
    expect(
      await query(
        `SELECT event_type, epoch(occurred_at)::BIGINT::INTEGER AS t, properties.distinct_id AS who FROM events ORDER BY _source_line`,
      ),
    ).toEqual([
      { event_type: 'Signup', t: 1707878164, who: 'a' },
      { event_type: 'Play', t: 1707868801, who: 'b' },
    ]);
  });

  it('says how many event times had digits below a microsecond, and keeps other such times as text', async () => {
    const result = await importContent(
      'nanos.csv',
      'type,ts,seen\na,2026-10-01T10:00:00.123456789Z,2026-10-01T10:00:00.1234567Z\na,2026-10-01T10:00:01Z,2026-10-01T10:00:01Z\n',
    );
    expect(result).toMatchObject({ rows: 2, rejected: 0 });
    expect(result.notes).toEqual([
      {
        column: 'occurred_at',
        kind: 'converted',
        detail: '1 event time has digits below a microsecond; the lake keeps microseconds',
      },
      // The source field keeps its own column too, where every digit stays.
      { column: 'ts', kind: 'kept-as-text', detail: 'some values do not fit TIMESTAMPTZ: kept as text, every value as written' },
      {
        column: 'seen',
        kind: 'kept-as-text',
        detail: 'some values do not fit TIMESTAMPTZ: kept as text, every value as written',
      },
    ]);
    expect(await query(`SELECT seen FROM events ORDER BY _source_line`)).toEqual([
      { seen: '2026-10-01T10:00:00.1234567Z' },
      { seen: '2026-10-01T10:00:01Z' },
    ]);
  });
});

describe('keys a record holds twice', () => {
  it('keeps the first value, as DuckDB reads it, and says how many records had the key twice', async () => {
    const lines = [`{"event_type":"a","id":"1",${at},"k":1,"k":2}`, `{"event_type":"a","id":"2",${at},"k":3}`];
    const result = await importContent('twice.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ rows: 2, rejected: 0 });
    expect(await query(`SELECT k::INTEGER AS k FROM events ORDER BY event_id`)).toEqual([{ k: 1 }, { k: 3 }]);
    expect(result.notes).toEqual([
      {
        column: 'k',
        kind: 'duplicate-keys',
        detail: '1 record has the key "k" more than once: the first value is kept, as DuckDB\'s JSON functions read it',
      },
    ]);
  });
});

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
    await t.workspace.catalog.run('DELETE FROM import_columns; DELETE FROM lake_columns');
    const workspace = await t.reopen();
    expect(
      await workspace.catalog.all(`SELECT strftime(w, '%Y') AS w, w_bigint::INTEGER AS b FROM events ORDER BY occurred_at`),
    ).toEqual([
      { w: '2026', b: null },
      { w: null, b: 17 },
    ]);
  });
});
