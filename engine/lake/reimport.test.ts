import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lakeTest } from '../testing/lake.js';
import { runCli } from '../testing/cli.js';
import { workspaceStatus } from '../batch/status.js';
import { runPipelines } from '../batch/runner.js';
import { importFile } from './import.js';

/**
 * An import is its content and how it was read: a failed read never blocks the corrected one, a read that lands the
 * same bytes otherwise replaces the earlier one and says so, and no event is kept twice.
 */
const lake = lakeTest();
const { importContent, query } = lake;

const rows = [
  'kind,at,user_id',
  'view,2026-10-01T10:00:00Z,u1',
  'view,2026-10-01T11:00:00Z,u2',
  'click,2026-10-02T09:00:00Z,u1',
].join('\n');

describe('importing the same content again', () => {
  it('says a read where nothing landed failed, exits 1, and lets the corrected retry import it', async () => {
    const file = join(lake.t.root, 'clicks.csv');
    await writeFile(file, `${rows}\n`);
    await lake.t.workspace.close(); // the CLI opens the workspace itself
    const cli = await runCli(['import', file, '--workspace', lake.t.dir]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('nothing landed: all 3 rows were rejected (first: line 2: missing event type');
    const retry = await runCli([
      'import',
      file,
      '--map',
      'event_type=kind',
      '--map',
      'occurred_at=at',
      '--workspace',
      lake.t.dir,
    ]);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(/imported {2}.*clicks\.csv/);
    expect(retry.stdout).toMatch(/replaces import #1 of .* \(read with the defaults, 0 rows\)/);
    const workspace = await lake.t.reopen();
    expect(await workspace.catalog.all('SELECT event_type, count(*)::INTEGER AS n FROM events GROUP BY 1 ORDER BY 1')).toEqual([
      { event_type: 'click', n: 1 },
      { event_type: 'view', n: 2 },
    ]);
    // The failed read's rejects went with it.
    expect(await workspace.catalog.all('SELECT import_id::INTEGER AS i, count(*)::INTEGER AS n FROM rejects GROUP BY 1')).toEqual(
      [],
    );
    expect(await workspace.catalog.all('SELECT import_id::INTEGER AS i FROM imports')).toEqual([{ i: 2 }]);
  });

  it('skips the same content read the same way, and replaces it when read another way, keeping no duplicate', async () => {
    const map = { event_type: 'kind', occurred_at: 'at' } as const;
    const first = await importContent('a.csv', `${rows}\n`, { map });
    expect(first).toMatchObject({ status: 'imported', rows: 3 });
    expect(await importContent('copy-of-a.csv', `${rows}\n`, { map })).toMatchObject({ status: 'skipped' });
    // Another file holding two of the same events: duplicates of the first import's.
    const other = await importContent('b.csv', `${rows.split('\n').slice(0, 3).join('\n')}\n`, { map });
    expect(other).toMatchObject({ rows: 2, duplicates: 2 });
    expect(await runPipelines(lake.t.workspace, { pipelines: ['daily_visits'] })).toMatchObject({ status: 'succeeded' });
    const fresh = async () =>
      (await workspaceStatus(lake.t.workspace)).pipelines
        .find((p) => p.name === 'daily_visits')
        ?.partitions.map((p) => [p.partition, p.fresh ? 'fresh' : p.reason]);
    expect(await fresh()).toEqual([
      ['2026-10-01', 'fresh'],
      ['2026-10-02', 'fresh'],
    ]);
    // The first file again, its time read with a format: it replaces the first import.
    const again = await importFile(lake.t.workspace, join(lake.t.root, 'a.csv'), { map, timeFormat: '%Y-%m-%dT%H:%M:%SZ' });
    expect(again).toMatchObject({ status: 'imported', rows: 3 });
    expect(again.replaced?.map((r) => r.importId)).toEqual([first.importId]);
    // Every event once: b's two arrivals are now the first ones, the new import's copies of them duplicates.
    expect(await query('SELECT _import_id::INTEGER AS i, count(*)::INTEGER AS n FROM events GROUP BY 1 ORDER BY 1')).toEqual([
      { i: other.importId, n: 2 },
      { i: again.importId, n: 1 },
    ]);
    expect(await query('SELECT count(*)::INTEGER AS raw FROM raw_events')).toEqual([{ raw: 5 }]);
    expect(await query('SELECT count(*)::INTEGER AS n FROM imports WHERE import_id = ' + first.importId)).toEqual([{ n: 0 }]);
    // The partitions the replaced import held are stale for the batch layer.
    expect(await fresh()).toEqual([
      ['2026-10-01', 'new-data'],
      ['2026-10-02', 'new-data'],
    ]);
  });
});
