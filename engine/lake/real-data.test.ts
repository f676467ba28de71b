import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile } from './import.js';

/** Real public data (its source in corpus/SOURCES.md): the REES46 e-commerce sample has no event ids and logs some rows twice, field for field. */
const SAMPLE = fileURLToPath(new URL('./corpus/rees46/rees46-2019-Oct-sample.csv', import.meta.url));

describe('the REES46 sample', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
  });
  afterEach(() => t.cleanup());

  it('imports every row with an identity derived from its content, so exact double-logged rows are one event', async () => {
    const text = await readFile(SAMPLE, 'utf8');
    const dataLines = text
      .split('\n')
      .slice(1)
      .filter((l) => l !== '');
    const distinctRows = new Set(dataLines);
    const perType = new Map<string, number>();
    for (const line of distinctRows) {
      const type = line.split(',')[1] as string;
      perType.set(type, (perType.get(type) ?? 0) + 1);
    }

    const result = await importFile(t.workspace, SAMPLE);
    expect(result).toMatchObject({
      status: 'imported',
      rows: dataLines.length,
      rejected: 0,
      duplicates: dataLines.length - distinctRows.size,
    });
    expect(result.fields).toEqual({ event_id: '(derived from content)', event_type: 'event_type', occurred_at: 'event_time' });

    const byType = (await t.workspace.catalog.all(
      `SELECT event_type, count(*)::INTEGER AS n FROM events GROUP BY 1 ORDER BY 1`,
    )) as {
      event_type: string;
      n: number;
    }[];
    expect(byType).toEqual(
      [...perType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([event_type, n]) => ({ event_type, n })),
    );
    const [first] = (await t.workspace.catalog.all(
      `SELECT strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS at, strftime(event_date, '%Y-%m-%d') AS d, typeof(price) AS price, typeof(user_id) AS user_id, brand, length(event_id)::INTEGER AS id_length
       FROM events ORDER BY _source_line LIMIT 1`,
    )) as Record<string, unknown>[];
    // First data row: 2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,541312140,…
    expect(first).toEqual({
      at: '2019-10-01 00:00:00',
      d: '2019-10-01',
      price: 'DOUBLE',
      user_id: 'BIGINT',
      brand: 'shiseido',
      id_length: 32,
    });
  });

  it('counts rows logged twice with every field identical as one event, in the same file and across files', async () => {
    const text = await readFile(SAMPLE, 'utf8');
    const [header, ...rows] = text.split('\n').filter((l) => l !== '');
    const doubled = rows.filter((_, i) => i % 50 === 7); // 20 rows, repeated as a logger retry would
    const withRepeats = join(t.root, 'rees46-with-repeats.csv');
    await writeFile(withRepeats, [header, ...rows.slice(0, 500), ...doubled, ...rows.slice(500)].join('\n') + '\n');

    const first = await importFile(t.workspace, withRepeats);
    expect(first).toMatchObject({ rows: rows.length + doubled.length, duplicates: doubled.length });
    expect(await t.workspace.catalog.all(`SELECT count(*)::INTEGER AS n FROM events`)).toEqual([{ n: rows.length }]);

    const again = await importFile(t.workspace, SAMPLE);
    expect(again).toMatchObject({ status: 'imported', rows: rows.length, duplicates: rows.length });
    expect(
      await t.workspace.catalog.all(`SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids FROM events`),
    ).toEqual([{ n: rows.length, ids: rows.length }]);
  });
});
