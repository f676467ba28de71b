import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile } from '../lake/import.js';
import { runPipelines } from './runner.js';
import { exportData } from './export.js';

const PIPELINES = [...Object.keys(EXPECTED), 'failures_but_one_day'];

let t: TestWorkspace;
beforeEach(async () => {
  t = await testWorkspace({ timezone: 'America/New_York' });
  const file = join(t.root, 'events.ndjson');
  await writeEvents(
    file,
    { days: 40, eventsPerDay: 120, seed: 5, duplicates: 0.05, late: 0.05, malformed: 0, start: '2026-10-20' },
    'ndjson',
  );
  expect((await importFile(t.workspace, file)).status).toBe('imported');
  // Rows on some days only: a partition whose input has events but whose query gives no rows.
  await writeFile(
    join(t.workspace.paths.pipelines, 'failures_but_one_day.sql'),
    `-- description: failed payments\n-- grain: day\n-- realtime: false\nSELECT event_date, count(*) AS n FROM events
     WHERE event_type = 'PaymentFailed' AND event_date <> DATE '2026-11-03' GROUP BY event_date\n`,
  );
});
afterEach(() => t.cleanup());

async function snapshot(): Promise<{ states: unknown[]; exports: string[] }> {
  const states = await t.workspace.catalog.all(
    `SELECT pipeline, strftime(partition, '%Y-%m-%d') AS p, rows::DOUBLE AS rows, checksum FROM pipeline_partitions ORDER BY 1, 2`,
  );
  const exports: string[] = [];
  for (const name of PIPELINES) {
    const out = join(t.root, `${name}.csv`);
    await exportData(t.workspace, { source: name, out });
    exports.push(await readFile(out, 'utf8'));
  }
  return { states, exports };
}

describe('a run of many partitions in one query', () => {
  it('gives every partition the rows, checksum and export bytes of a run one partition a query', async () => {
    const alone = await runPipelines(t.workspace, { full: true, partitionsPerQuery: 1 });
    expect(alone.status).toBe('succeeded');
    const one = await snapshot();
    for (const size of [undefined, 7]) {
      const together = await runPipelines(t.workspace, { full: true, ...(size ? { partitionsPerQuery: size } : {}) });
      expect(together.status).toBe('succeeded');
      expect(together.partitions.map((p) => [p.pipeline, p.partition, p.rows, p.checksum])).toEqual(
        alone.partitions.map((p) => [p.pipeline, p.partition, p.rows, p.checksum]),
      );
      expect(await snapshot()).toEqual(one);
    }
    // The partition with events and no rows: 0 rows, the checksum of nothing.
    const empty = alone.partitions.find((p) => p.pipeline === 'failures_but_one_day' && p.partition === '2026-11-03');
    expect(empty).toMatchObject({ status: 'succeeded', rows: 0, checksum: 'd41d8cd98f00b204e9800998ecf8427e' });
  });

  it('records each partition in the history and its state, and the next run has nothing to do', async () => {
    const run = await runPipelines(t.workspace);
    expect(run.status).toBe('succeeded');
    const recorded = await t.workspace.catalog.all<{ n: number }>(
      `SELECT count(*)::DOUBLE AS n FROM run_partitions WHERE run_id = ${run.runId} AND status = 'succeeded'`,
    );
    expect(recorded[0]?.n).toBe(run.partitions.length);
    expect((await runPipelines(t.workspace)).status).toBe('nothing-to-do');
  });
});
