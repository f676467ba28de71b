import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile } from '../lake/import.js';
import { exportData } from './export.js';

let t: TestWorkspace;
beforeEach(async () => {
  t = await testWorkspace({ timezone: 'Asia/Kolkata' });
  await t.workspace.catalog.run(`CREATE TABLE sheet AS SELECT * FROM (VALUES
    (2, DATE '2026-10-02', 'plain', CAST(0.10 AS DECIMAL(18, 2)), TIMESTAMPTZ '2026-10-02 04:30:00+00', [1, 2]),
    (1, DATE '2026-10-01', '=SUM(A1:A9)', CAST(12345678901234.56 AS DECIMAL(18, 2)), NULL, NULL),
    (3, DATE '2026-10-03', 'a "quoted", two-line
value', CAST(-5.00 AS DECIMAL(18, 2)), TIMESTAMPTZ '2026-10-03 00:00:00+00', []),
    (4, DATE '2026-10-04', '-12.5', NULL, NULL, NULL),
    (5, DATE '2026-10-05', '@cmd', NULL, NULL, NULL),
    (6, DATE '2026-10-06', '+1 555', NULL, NULL, NULL),
    (7, DATE '2026-10-07', '', NULL, NULL, NULL)
  ) AS v(id, day, note, amount, seen_at, tags)`);
});
afterEach(() => t.cleanup());

describe('export', () => {
  it('writes RFC 4180 CSV: header, CRLF, quoting, ISO dates, exact decimals, formulas neutralized, rows sorted', async () => {
    const out = join(t.root, 'sheet.csv');
    const result = await exportData(t.workspace, { source: 'sheet', out });
    expect(result).toMatchObject({ out, format: 'csv', rows: 7 });
    expect(await readFile(out, 'utf8')).toBe(
      [
        'id,day,note,amount,seen_at,tags',
        "1,2026-10-01,'=SUM(A1:A9),12345678901234.56,,",
        '2,2026-10-02,plain,0.10,2026-10-02T10:00:00+05:30,"[1,2]"',
        '3,2026-10-03,"a ""quoted"", two-line\nvalue",-5.00,2026-10-03T05:30:00+05:30,[]',
        '4,2026-10-04,-12.5,,,',
        "5,2026-10-05,'@cmd,,,",
        "6,2026-10-06,'+1 555,,,",
        '7,2026-10-07,"",,,',
        '',
      ].join('\r\n'),
    );
  });

  it('re-exports unchanged data byte for byte, and exports a SELECT in its own order', async () => {
    const a = join(t.root, 'a.csv');
    const b = join(t.root, 'b.csv');
    await exportData(t.workspace, { source: 'sheet', out: a });
    await exportData(t.workspace, { source: 'sheet', out: b });
    expect(await readFile(b)).toEqual(await readFile(a));
    const q = join(t.root, 'q.csv');
    await exportData(t.workspace, { source: 'SELECT id FROM sheet WHERE id > 4 ORDER BY id DESC', out: q });
    expect(await readFile(q, 'utf8')).toBe('id\r\n7\r\n6\r\n5\r\n');
  });

  it('writes Parquet that reads back with the same values and types', async () => {
    const out = join(t.root, 'sheet.parquet');
    await exportData(t.workspace, { source: 'sheet', out });
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const rows = (
      await c.runAndReadAll(`SELECT id, amount::VARCHAR AS amount, typeof(amount) AS t FROM '${out}' ORDER BY id LIMIT 2`)
    ).getRowObjectsJson();
    expect(rows).toEqual([
      { id: 1, amount: '12345678901234.56', t: 'DECIMAL(18,2)' },
      { id: 2, amount: '0.10', t: 'DECIMAL(18,2)' },
    ]);
    c.closeSync();
    instance.closeSync();
  });

  it('leaves no partial file when the export fails, and keeps the previous file', async () => {
    const out = join(t.root, 'keep.csv');
    await writeFile(out, 'previous content');
    await expect(exportData(t.workspace, { source: 'SELECT CAST(note AS INTEGER) FROM sheet', out })).rejects.toThrow(
      /Could not convert string/,
    );
    expect(await readFile(out, 'utf8')).toBe('previous content');
    expect((await readdir(t.root)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('names what is wrong with the source', async () => {
    await expect(exportData(t.workspace, { source: 'nope', out: join(t.root, 'x.csv') })).rejects.toThrow(
      'No table or view named nope',
    );
    await expect(exportData(t.workspace, { source: 'DROP TABLE sheet', out: join(t.root, 'x.csv') })).rejects.toThrow(
      'Export takes a table name or a SELECT statement',
    );
  });

  it('exports the events view of a real import', async () => {
    const file = join(t.root, 'e.ndjson');
    await writeFile(file, '{"event_id":"a","event_type":"X","occurred_at":"2026-10-01T10:00:00Z","price":1.5}\n');
    await importFile(t.workspace, file);
    const out = join(t.root, 'events.csv');
    await exportData(t.workspace, { source: 'SELECT event_id, event_date, price FROM events', out });
    expect(await readFile(out, 'utf8')).toBe('event_id,event_date,price\r\na,2026-10-01,1.5\r\n');
  });
});
