import { describe, expect, it } from 'vitest';
import { lakeTest } from '../testing/lake.js';

/**
 * Import fidelity, CSV: the dialect DuckDB's sniffer finds, and broken quotes that break one record only.
 * Each test is a defect found by importing real files nobody here wrote; the expected values are the source text
 * itself, or worked out by hand.
 */
const lake = lakeTest();
const { importContent, query } = lake;

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

describe('CSV records that end with their delimiter', () => {
  it('drops the empty field after a trailing delimiter, as DuckDB reads report exports, and says so', async () => {
    const result = await importContent('report.tsv', 'Kind\tDate\tUnits\nsale\t2026-10-01\t1\t\nsale\t2026-10-02\t2\t\n', {
      map: { event_type: 'Kind', occurred_at: 'Date' },
    });
    expect(result).toMatchObject({ rows: 2, rejected: 0 });
    expect(await query(`SELECT "Units"::INTEGER AS u FROM events ORDER BY _source_line`)).toEqual([{ u: 1 }, { u: 2 }]);
    expect(result.notes).toContainEqual({
      column: '(file)',
      kind: 'converted',
      detail: '2 records end with a delimiter after the last field: the empty field after it is not a column',
    });
  });
});
