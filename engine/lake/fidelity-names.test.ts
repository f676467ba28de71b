import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { listFilesRecursive } from '../kernel/util/fsx.js';
import { AT as at, lakeTest } from '../testing/lake.js';

/**
 * Import fidelity, names: a field of any name lands, under a name DuckDB can query, and every rename is said.
 * Each test is a defect found by importing real files nobody here wrote; the expected values are the source text
 * itself, or worked out by hand.
 */
const lake = lakeTest();
const { importContent, query } = lake;

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
    expect(await listFilesRecursive(lake.t.workspace.paths.lakeEvents)).toEqual([]);
  });
});
