import { readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFilesRecursive } from '../kernel/util/fsx.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile, type ImportFileResult, type ImportOptions } from './import.js';

/**
 * Bad input, one fixture per kind (encodings, framing, types, sizes, names): a bad row is rejected with its
 * line and reason and the rest lands; a file that cannot be read fails with a message naming it and
 * changes nothing.
 */
let t: TestWorkspace;
beforeEach(async () => {
  t = await testWorkspace();
});
afterEach(() => t.cleanup());

const ev = (id: string, extra = '', time = '2026-10-01T10:00:00Z') =>
  `{"event_id":"${id}","event_type":"UserVisitedWebsite","occurred_at":"${time}","user_id":"u1"${extra}}`;

async function importContent(name: string, content: string | Buffer, options: ImportOptions = {}): Promise<ImportFileResult> {
  const path = join(t.root, name);
  await writeFile(path, content);
  return importFile(t.workspace, path, options);
}

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  return t.workspace.catalog.all(sql) as Promise<T[]>;
}

async function rejects(): Promise<{ line: number; reason: string }[]> {
  return query(`SELECT line::INTEGER AS line, reason FROM rejects ORDER BY line`);
}

async function expectNothingChanged(): Promise<void> {
  expect(await query(`SELECT count(*)::INTEGER AS n FROM imports`)).toEqual([{ n: 0 }]);
  expect(await listFilesRecursive(t.workspace.paths.lakeEvents)).toEqual([]);
}

async function writeParquet(path: string, select: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
}

describe('files that hold no rows', () => {
  it('imports an empty file as zero rows', async () => {
    expect(await importContent('empty.ndjson', '')).toMatchObject({ status: 'imported', rows: 0, rejected: 0 });
  });

  it('imports a header-only CSV as zero rows', async () => {
    expect(await importContent('header.csv', 'event_id,event_type,occurred_at\n')).toMatchObject({
      status: 'imported',
      rows: 0,
      rejected: 0,
    });
  });
});

describe('encodings and newlines', () => {
  it('strips a UTF-8 byte-order mark', async () => {
    const result = await importContent('bom.ndjson', `\uFEFF${ev('a')}\n${ev('b')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(await query(`SELECT event_id, _source_line::INTEGER AS line FROM events ORDER BY 2`)).toEqual([
      { event_id: 'a', line: 1 },
      { event_id: 'b', line: 2 },
    ]);
  });

  it('fails a UTF-16 file with a message that says so', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${ev('a')}\n`, 'utf16le')]);
    const result = await importContent('utf16.ndjson', utf16);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/utf16\.ndjson: is UTF-16 text/);
    await expectNothingChanged();
  });

  it('reads CRLF, bare-CR and mixed newlines with the right line numbers', async () => {
    expect((await importContent('crlf.ndjson', `${ev('a')}\r\n${ev('b')}\r\n`)).rows).toBe(2);
    expect((await importContent('cr.ndjson', `${ev('c')}\r${ev('d')}\r${ev('e')}`)).rows).toBe(3);
    expect((await importContent('mixed.ndjson', `${ev('f')}\r\n${ev('g')}\n\n${ev('h')}\r\n`)).rows).toBe(3);
    expect(await query(`SELECT event_id, _source_line::INTEGER AS line FROM events WHERE _import_id = 3 ORDER BY 2`)).toEqual([
      { event_id: 'f', line: 1 },
      { event_id: 'g', line: 2 },
      { event_id: 'h', line: 4 },
    ]);
  });

  it('rejects a line of invalid UTF-8 bytes and a line with a NUL byte, keeping the others', async () => {
    const content = Buffer.concat([
      Buffer.from(`${ev('a')}\n`),
      Buffer.from('{"event_id":"b","event_type":"\xff\xfe","occurred_at":"2026-10-01T10:00:00Z"}\n', 'latin1'),
      Buffer.from(`${ev('c', ',"x":"a\u0000b"')}\n`.replace('\\u0000', '\u0000')),
      Buffer.from(`${ev('d')}\n`),
    ]);
    const result = await importContent('bytes.ndjson', content);
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 2 });
    expect(await rejects()).toEqual([
      { line: 2, reason: 'line is not valid UTF-8' },
      { line: 3, reason: 'line contains a NUL byte' },
    ]);
  });

  it('treats U+2028 and an escaped newline inside a string as ordinary content', async () => {
    const result = await importContent('unicode.ndjson', `${ev('a', ',"note":"x\u2028y\\nz"')}\n`);
    expect(result.rows).toBe(1);
    expect(await query(`SELECT note FROM events`)).toEqual([{ note: 'x\u2028y\nz' }]);
  });
});

describe('broken JSON', () => {
  it('rejects trailing garbage and a lone surrogate, keeping the good lines, and holds back a truncated last object', async () => {
    const content = [ev('a'), `${ev('b')}x`, ev('c', ',"s":"\\ud800"'), ev('d'), ev('e').slice(0, 30)].join('\n');
    const result = await importContent('broken.ndjson', content);
    // The last line has no newline and is no whole object: a writer may still be writing it, so the next import of
    // the grown file lands it (growing-log.test.ts).
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 2, heldTailBytes: 30 });
    expect(await rejects()).toEqual([
      { line: 2, reason: 'not a valid JSON object' },
      { line: 3, reason: 'not a valid JSON object' },
    ]);
  });

  it('reads a JSON array named .ndjson as an array of records', async () => {
    const result = await importContent('array.ndjson', `[\n  ${ev('a')},\n  ${ev('b')}\n]\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 2, format: 'json' });
  });

  it('reads pretty-printed JSON objects', async () => {
    const pretty = [ev('a'), ev('b')].map((e) => JSON.stringify(JSON.parse(e), null, 2)).join('\n');
    expect(await importContent('pretty.json', pretty)).toMatchObject({ status: 'imported', rows: 2 });
  });

  it('keeps a record with a duplicate key', async () => {
    const result = await importContent(
      'dupkey.ndjson',
      `{"event_id":"a","event_type":"UserVisitedWebsite","event_type":"Other","occurred_at":"2026-10-01T10:00:00Z"}\n`,
    );
    expect(result).toMatchObject({ status: 'imported', rows: 1 });
  });

  it('keeps a depth-1000 nested value as JSON', async () => {
    const deep = '['.repeat(1000) + ']'.repeat(1000);
    const result = await importContent('deep.ndjson', `${ev('a', `,"d":${deep}`)}\n`);
    expect(result.rows).toBe(1);
    expect(await query(`SELECT typeof(d) AS t, length(CAST(d AS VARCHAR))::INTEGER AS n FROM events`)).toEqual([
      { t: 'JSON', n: 2000 },
    ]);
  });

  it('keeps numbers beyond int64 and booleans written as strings without losing their text', async () => {
    const result = await importContent('numbers.ndjson', `${ev('a', ',"big":12345678901234567890123,"flag":"true"')}\n`);
    expect(result.rows).toBe(1);
    expect(await query(`SELECT CAST(big AS VARCHAR) AS big, typeof(big) AS t, flag FROM events`)).toEqual([
      { big: '12345678901234567890123', t: 'DECIMAL(38,0)', flag: 'true' },
    ]);
    expect(result.notes).toEqual([
      { column: 'big', kind: 'exact-type', detail: 'integers beyond 64 bits, stored exactly as DECIMAL(38,0)' },
    ]);
  });
});

describe('schema inference beyond the sample', () => {
  it('widens a field whose type drifts after the first 20,480 rows, keeping every value', async () => {
    const lines = Array.from({ length: 25_000 }, (_, i) => ev(`e${i}`, `,"n":${i}`));
    lines.push(ev('drift', ',"n":"abc"'));
    const result = await importContent('drift.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 25_001, rejected: 0 });
    expect(result.notes?.map((n) => [n.column, n.kind])).toEqual([['n', 'kept-as-text']]);
    expect(
      await query(
        `SELECT count(n)::INTEGER AS n, max(CASE WHEN event_id = 'drift' THEN n END) AS drifted, max(CASE WHEN event_id = 'e24999' THEN n END) AS last FROM events`,
      ),
    ).toEqual([{ n: 25_001, drifted: 'abc', last: '24999' }]);
  });

  it('widens fields whose late values a cast would read but not keep ("007", "1_000.5", "yes", a time on a date)', async () => {
    const lines = Array.from({ length: 21_000 }, (_, i) =>
      ev(`e${i}`, `,"n":${i},"x":${i}.5,"ok":${i % 2 === 0},"d":"2026-10-${String(1 + (i % 28)).padStart(2, '0')}"`),
    );
    lines.push(ev('late', ',"n":"007","x":"1_000.5","ok":"yes","d":"2026-10-01 10:00:00"'));
    const result = await importContent('casts.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 21_001, rejected: 0 });
    expect(result.notes?.map((n) => [n.column, n.kind])).toEqual([
      ['n', 'kept-as-text'],
      ['x', 'kept-as-text'],
      ['ok', 'kept-as-text'],
      ['d', 'kept-as-text'],
    ]);
    expect(await query(`SELECT event_id, n, x, ok, d FROM events WHERE event_id IN ('e3', 'late') ORDER BY event_id`)).toEqual([
      { event_id: 'e3', n: '3', x: '3.5', ok: 'false', d: '2026-10-04' },
      { event_id: 'late', n: '007', x: '1_000.5', ok: 'yes', d: '2026-10-01 10:00:00' },
    ]);
  });

  it('keeps nested keys and nested values of another kind that first appear after row 20,480', async () => {
    const lines = Array.from({ length: 21_000 }, (_, i) => ev(`e${i}`, `,"items":[{"p":"P${i}","q":${i}}],"ctx":{"a":${i}}`));
    lines.push(ev('late', ',"items":[{"p":"X","q":"two","gift":true}],"ctx":{"a":1,"b":{"c":"x"}}'));
    const result = await importContent('nested.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 21_001, rejected: 0 });
    expect(
      await query(
        `SELECT event_id, items[1].p AS p, CAST(items[1].q AS VARCHAR) AS q, items[1].gift AS gift, ctx.a::INTEGER AS a, ctx.b.c AS c
         FROM events WHERE event_id IN ('e20999', 'late') ORDER BY event_id`,
      ),
    ).toEqual([
      { event_id: 'e20999', p: 'P20999', q: '20999', gift: null, a: 20_999, c: null },
      { event_id: 'late', p: 'X', q: '"two"', gift: true, a: 1, c: 'x' },
    ]);
    expect(await query(`SELECT typeof(items) AS items, typeof(ctx) AS ctx FROM events LIMIT 1`)).toEqual([
      { items: 'STRUCT(p VARCHAR, q JSON, gift BOOLEAN)[]', ctx: 'STRUCT(a BIGINT, b STRUCT(c VARCHAR))' },
    ]);
  });

  it('keeps a field that first appears after row 20,480', async () => {
    const lines = Array.from({ length: 21_000 }, (_, i) => ev(`e${i}`));
    lines.push(ev('late-field', ',"coupon":"SAVE10"'));
    expect((await importContent('newfield.ndjson', `${lines.join('\n')}\n`)).rows).toBe(21_001);
    expect(await query(`SELECT coupon, typeof(coupon) AS type FROM events WHERE coupon IS NOT NULL`)).toEqual([
      { coupon: 'SAVE10', type: 'VARCHAR' },
    ]);
  });
});

describe('required fields and timestamps', () => {
  it('rejects rows without a type or time, or with an unparseable time', async () => {
    const content = [
      '{"event_id":"a","occurred_at":"2026-10-01T10:00:00Z"}',
      '{"event_id":"b","event_type":"X"}',
      '{"event_id":"c","event_type":"X","occurred_at":null}',
      '{"event_id":"d","event_type":"","occurred_at":"2026-10-01T10:00:00Z"}',
      '{"event_id":"e","event_type":"X","occurred_at":"2024-02-30T10:00:00Z"}',
      '{"event_id":"f","event_type":"X","occurred_at":"2016-12-31T23:59:60Z"}',
      '{"event_id":"g","event_type":"X","occurred_at":"infinity"}',
      // DuckDB's special values, in every form that ends as a Z or an offset does, or is one as it stands.
      ...['-infinity', ' Infinity ', 'infinityZ', '-infinity Z', 'infinity+05:30', 'infinity UTC'].map(
        (at, i) => `{"event_id":"s${i}","event_type":"X","occurred_at":${JSON.stringify(at)}}`,
      ),
    ].join('\n');
    const result = await importContent('required.ndjson', content);
    expect(result).toMatchObject({ rows: 0, rejected: 13 });
    expect((await rejects()).map((r) => r.reason)).toEqual([
      'missing event type (none of: event_type, type, event, name)',
      'missing event time (none of: occurred_at, timestamp, event_time, ts, time, created_at)',
      'missing event time (none of: occurred_at, timestamp, event_time, ts, time, created_at)',
      'missing event type (none of: event_type, type, event, name)',
      'unparseable timestamp "2024-02-30T10:00:00Z"',
      'unparseable timestamp "2016-12-31T23:59:60Z"',
      'unparseable timestamp "infinity"',
      ...['-infinity', ' Infinity ', 'infinityZ', '-infinity Z', 'infinity+05:30', 'infinity UTC'].map(
        (at) => `unparseable timestamp "${at}"`,
      ),
    ]);
  });

  it('reads ISO with Z or offset, "… UTC", zone-less local time, and epoch s/ms/µs/ns', async () => {
    const t2 = await testWorkspace({ timezone: 'Asia/Kolkata' });
    try {
      const cases: [string, string][] = [
        ['"2026-10-01T10:00:00Z"', '2026-10-01 10:00:00'],
        ['"2026-10-01T15:30:00+05:30"', '2026-10-01 10:00:00'],
        ['"2026-10-01 10:00:00 UTC"', '2026-10-01 10:00:00'],
        ['"2026-10-01 15:30:00"', '2026-10-01 10:00:00'],
        ['1790848800', '2026-10-01 10:00:00'],
        ['1790848800000', '2026-10-01 10:00:00'],
        ['1790848800000000', '2026-10-01 10:00:00'],
        ['1790848800000000000', '2026-10-01 10:00:00'],
        ['"1790848800.5"', '2026-10-01 10:00:00.5'],
        ['"0001-01-01T00:00:00Z"', '0001-01-01 00:00:00'],
        ['"9999-12-31T23:59:59Z"', '9999-12-31 23:59:59'],
      ];
      const content = cases.map(([time], i) => `{"event_id":"t${i}","event_type":"X","occurred_at":${time}}`).join('\n');
      const path = join(t2.root, 'times.ndjson');
      await writeFile(path, content);
      const result = await importFile(t2.workspace, path);
      expect(result).toMatchObject({ rows: cases.length, rejected: 0 });
      const rows = (await t2.workspace.catalog.all(
        `SELECT event_id, strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%g') AS utc FROM events ORDER BY _source_line`,
      )) as { event_id: string; utc: string }[];
      expect(rows.map((r) => r.utc.replace(/\.000$/, '').replace(/(\.\d*?)0+$/, '$1'))).toEqual(cases.map(([, utc]) => utc));
    } finally {
      await t2.cleanup();
    }
  });

  it('puts a local time inside a DST gap on its local day', async () => {
    const t2 = await testWorkspace({ timezone: 'America/New_York' });
    try {
      const path = join(t2.root, 'dst.ndjson');
      await writeFile(path, '{"event_id":"a","event_type":"X","occurred_at":"2026-03-08 02:30:00"}\n');
      expect((await importFile(t2.workspace, path)).rows).toBe(1);
      expect(await t2.workspace.catalog.all(`SELECT strftime(event_date, '%Y-%m-%d') AS d FROM events`)).toEqual([
        { d: '2026-03-08' },
      ]);
    } finally {
      await t2.cleanup();
    }
  });
});

describe('oversized lines', () => {
  it('rejects a 10 MB single line without stopping, and resynchronises at the next line', async () => {
    const huge = `{"event_id":"big","event_type":"X","occurred_at":"2026-10-01T10:00:00Z","pad":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    const result = await importContent('huge.ndjson', `${ev('a')}\n${huge}\n${ev('b')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 1 });
    const [reject] = await query<{ line: number; reason: string; n: number }>(
      `SELECT line::INTEGER AS line, reason, length(raw)::INTEGER AS n FROM rejects`,
    );
    expect(reject).toEqual({ line: 2, reason: `line is ${huge.length} bytes, longer than the 1048576-byte limit`, n: 4096 });
  });
});

describe('CSV', () => {
  const header = 'event_id,event_type,occurred_at,note';

  it('keeps quoted fields with embedded newlines, numbering each record by the line it starts on', async () => {
    const csv = `${header}\na,X,2026-10-01T10:00:00Z,"two\nlines"\nb,X,2026-10-01T10:00:00Z,"say ""hi"""\nc,X,2026-10-01T10:00:00Z,plain\n`;
    expect(await importContent('quotes.csv', csv)).toMatchObject({ rows: 3, rejected: 0 });
    expect(await query(`SELECT event_id, note, _source_line::INTEGER AS line FROM events ORDER BY line`)).toEqual([
      { event_id: 'a', note: 'two\nlines', line: 2 },
      { event_id: 'b', note: 'say "hi"', line: 4 },
      { event_id: 'c', note: 'plain', line: 5 },
    ]);
  });

  it('rejects rows with missing or extra columns; keeps a stray quote and a quote that never closes as text', async () => {
    const csv = `${header}\na,X,2026-10-01T10:00:00Z,ok\nb,X,2026-10-01T10:00:00Z\nc,X,2026-10-01T10:00:00Z,x,extra\nd,X,2026-10-01T10:00:00Z,ab"c\ne,X,2026-10-01T10:00:00Z,fine\nf,X,2026-10-01T10:00:00Z,"never closed\n`;
    expect(await importContent('ragged.csv', csv)).toMatchObject({ rows: 4, rejected: 2 });
    expect(await rejects()).toEqual([
      { line: 3, reason: 'expected 4 fields, found 3' },
      { line: 4, reason: 'expected 4 fields, found 5' },
    ]);
    expect(await query(`SELECT event_id, _source_line::INTEGER AS line, note FROM events ORDER BY line`)).toEqual([
      { event_id: 'a', line: 2, note: 'ok' },
      { event_id: 'd', line: 5, note: 'ab"c' },
      { event_id: 'e', line: 6, note: 'fine' },
      { event_id: 'f', line: 7, note: '"never closed' },
    ]);
  });

  it('sniffs a semicolon delimiter and reads TSV by extension, with CRLF and bare CR lines', async () => {
    expect(await importContent('semi.txt', `event_id;event_type;occurred_at\r\na;X;2026-10-01T10:00:00Z\r\n`)).toMatchObject({
      rows: 1,
      format: 'csv',
    });
    expect(await importContent('tabs.tsv', `event_id\tevent_type\toccurred_at\rb\tX\t2026-10-01T10:00:00Z\r`)).toMatchObject({
      rows: 1,
    });
  });

  it('infers column types from every value, keeping codes with leading zeros as text', async () => {
    const csv = `event_id,event_type,occurred_at,qty,price,zip,ok,day\na,X,2026-10-01T10:00:00Z,1,1.50,007,true,2026-10-01\nb,X,2026-10-01T10:00:00Z,2,2,012,false,2026-10-02\n`;
    await importContent('types.csv', csv);
    expect(
      await query(`SELECT typeof(qty) q, typeof(price) p, typeof(zip) z, typeof(ok) o, typeof(day) d FROM events LIMIT 1`),
    ).toEqual([{ q: 'BIGINT', p: 'DOUBLE', z: 'VARCHAR', o: 'BOOLEAN', d: 'DATE' }]);
  });
});

describe('gzip', () => {
  it('reads a gzipped file, and concatenated gzip members as one stream', async () => {
    const gz = Buffer.concat([gzipSync(`${ev('a')}\n`), gzipSync(`${ev('b')}\n`)]);
    expect(await importContent('events.ndjson.gz', gz)).toMatchObject({ status: 'imported', rows: 2, format: 'ndjson+gzip' });
  });

  it('fails a truncated gzip file and changes nothing', async () => {
    const gz = gzipSync(Array.from({ length: 2000 }, (_, i) => ev(`e${i}`)).join('\n'));
    const result = await importContent('cut.ndjson.gz', gz.subarray(0, gz.length - 200));
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/cut\.ndjson\.gz: the gzip stream is truncated/);
    await expectNothingChanged();
  });

  it('fails a .gz file that is not gzip', async () => {
    const result = await importContent('plain.ndjson.gz', `${ev('a')}\n`);
    expect(result.error).toMatch(/plain\.ndjson\.gz: named \.gz but is not a gzip file/);
    await expectNothingChanged();
  });
});

describe('Parquet', () => {
  const select = (id: string) =>
    `SELECT '${id}' AS event_id, 'X' AS event_type, TIMESTAMPTZ '2026-10-01 10:00:00+00' AS occurred_at`;

  it('fails a truncated Parquet file and one with the wrong magic bytes, changing nothing', async () => {
    const good = join(t.root, 'good.parquet');
    await writeParquet(good, `${select('a')} FROM range(1000)`);
    const bytes = await readFile(good);
    const cut = await importContent('cut.parquet', bytes.subarray(0, bytes.length - 100));
    expect(cut.status).toBe('failed');
    expect(cut.error).toMatch(/cut\.parquet: cannot be read as PARQUET/);
    const fake = await importContent('fake.parquet', 'event_id,event_type\n');
    expect(fake.error).toMatch(/fake\.parquet: not a Parquet file/);
    await expectNothingChanged();
  });

  it('imports files whose schemas differ (added column, decimal precision, integer time) into one queryable lake', async () => {
    const a = join(t.root, 'a.parquet');
    const b = join(t.root, 'b.parquet');
    await writeParquet(a, `${select('a')}, CAST(1.5 AS DECIMAL(10,2)) AS amount`);
    await writeParquet(
      b,
      `SELECT 'b' AS event_id, 'X' AS event_type, 1790848800000 AS ts, CAST(2.25 AS DECIMAL(18,4)) AS amount, 'new' AS extra`,
    );
    expect((await importFile(t.workspace, a)).rows).toBe(1);
    expect((await importFile(t.workspace, b)).rows).toBe(1);
    expect(
      await query(
        `SELECT event_id, amount::VARCHAR AS amount, extra, strftime(event_date, '%Y-%m-%d') AS d FROM events ORDER BY 1`,
      ),
    ).toEqual([
      { event_id: 'a', amount: '1.5000', extra: null, d: '2026-10-01' },
      { event_id: 'b', amount: '2.2500', extra: 'new', d: '2026-10-01' },
    ]);
  });
});
