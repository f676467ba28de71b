import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { initWorkspace, openWorkspace } from '../engine/service/init.js';
import type { Workspace } from '../engine/kernel/workspace/workspace.js';
import { importFile } from '../engine/lake/import.js';
import { runPipelines, type RunRequest } from '../engine/batch/runner.js';
import { writeEvents } from '../engine/generator/generate.js';
import { BENCH_DIR, dataset } from './data.js';
import { IMPORT_DATASET } from './import.js';
import type { Report } from './report.js';
import { loadPipelines } from '../engine/kernel/pipeline/definition.js';
import { ident } from '../engine/kernel/util/sql.js';

async function timedRun(workspace: Workspace, request: RunRequest): Promise<{ ms: number; partitions: number }> {
  const started = performance.now();
  const result = await runPipelines(workspace, request);
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${JSON.stringify(result.problems)}`);
  return { ms: performance.now() - started, partitions: result.partitions.length };
}

/**
 * The baseline for a run: bare DuckDB, on a connection of the same database, materialises the lake's events (of the
 * dates given) once, then creates a table of each pipeline's own SQL over them (a temporary view named events
 * shadows the catalog's, as Recount's runs do). No partitions, states, checksums, history or atomic commits.
 */
async function bareRun(workspace: Workspace, where = 'true'): Promise<number> {
  const { pipelines } = await loadPipelines(workspace.catalog, workspace.paths.pipelines);
  const connection = await workspace.connect();
  try {
    const started = performance.now();
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE bare_events AS SELECT * FROM ${ident(workspace.catalogName)}.main.events WHERE ${where}`,
    );
    await connection.run('CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM bare_events');
    for (const p of pipelines) await connection.run(`CREATE OR REPLACE TEMP TABLE ${ident(`bare_${p.name}`)} AS ${p.sql}`);
    const ms = performance.now() - started;
    for (const p of pipelines) await connection.run(`DROP TABLE ${ident(`bare_${p.name}`)}`);
    await connection.run('DROP VIEW events');
    await connection.run('DROP TABLE bare_events');
    return ms;
  } finally {
    connection.close();
  }
}

/** The batch layer on a lake of a million events over 90 days: full, one-partition and incremental runs. */
export async function benchBatch(report: Report): Promise<void> {
  const data = await dataset('import', IMPORT_DATASET);
  const dir = join(BENCH_DIR, 'batch-ws');
  await rm(dir, { recursive: true, force: true });
  await initWorkspace(dir);
  const workspace = await openWorkspace(dir);
  try {
    await importFile(workspace, data.path);
    const bareFull = await bareRun(workspace);
    const full = await timedRun(workspace, { full: true });
    report.add({
      section: 'batch',
      name: `full run of the 7 default pipelines (${full.partitions} partitions, ${data.lines.toLocaleString('en-US')} events, 90 days)`,
      value: full.ms / 1000,
      unit: 's',
      baseline: {
        name: 'bare DuckDB: events materialised once, then `CREATE TABLE AS` of each pipeline',
        value: bareFull / 1000,
        unit: 's',
      },
      ratio: full.ms / bareFull,
      target: '≤ 1.5×',
      met: full.ms / bareFull <= 1.5,
    });
    const [from, to] = ['2026-11-01', '2026-11-30'];
    const bareBackfill = await bareRun(workspace, `event_date BETWEEN DATE '${from}' AND DATE '${to}'`);
    const backfill = await timedRun(workspace, { from, to });
    report.add({
      section: 'batch',
      name: `30-day backfill of the 7 default pipelines (${backfill.partitions} partitions)`,
      value: backfill.ms / 1000,
      unit: 's',
      baseline: { name: 'the same bare DuckDB over those 30 days', value: bareBackfill / 1000, unit: 's' },
      ratio: backfill.ms / bareBackfill,
      target: '≤ 1.5×',
      met: backfill.ms / bareBackfill <= 1.5,
    });
    const day = '2026-11-15';
    const one = await timedRun(workspace, { pipelines: ['daily_visits'], from: day, to: day });
    report.add({
      section: 'batch',
      name: 'one-partition re-run (daily_visits, one day)',
      value: one.ms / 1000,
      unit: 's',
      target: 'well under 1 s',
      met: one.ms < 500,
    });
    const newDay = join(BENCH_DIR, 'tmp-new-day.ndjson');
    await writeEvents(newDay, { ...IMPORT_DATASET, days: 1, start: '2026-12-30', seed: 77 }, 'ndjson', { truth: false });
    await importFile(workspace, newDay);
    await rm(newDay, { force: true });
    const incremental = await timedRun(workspace, {});
    const ratio = incremental.ms / full.ms;
    report.add({
      section: 'batch',
      name: `incremental run after importing one new day (${incremental.partitions} partitions)`,
      value: incremental.ms / 1000,
      unit: 's',
      baseline: { name: 'full run', value: full.ms / 1000, unit: 's' },
      ratio,
      target: '≤ 10% of the full run',
      met: ratio <= 0.1,
    });
  } finally {
    await workspace.close();
    await rm(dir, { recursive: true, force: true });
  }
}
