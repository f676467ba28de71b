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

async function timedRun(workspace: Workspace, request: RunRequest): Promise<{ ms: number; partitions: number }> {
  const started = performance.now();
  const result = await runPipelines(workspace, request);
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${JSON.stringify(result.problems)}`);
  return { ms: performance.now() - started, partitions: result.partitions.length };
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
    const full = await timedRun(workspace, { full: true });
    report.add({
      section: 'batch',
      name: `full run of the 7 default pipelines (${full.partitions} partitions, ${data.lines.toLocaleString('en-US')} events, 90 days)`,
      value: full.ms / 1000,
      unit: 's',
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
