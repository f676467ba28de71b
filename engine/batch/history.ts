import type { Workspace } from '../kernel/workspace/workspace.js';
import { readPartitionRuns, readRuns, type StoredRun } from './ledger.js';

export interface RunRecord extends StoredRun {
  definitionHashes: Record<string, string>;
  failures: { pipeline: string; partition: string; error: string }[];
}

/** Run history, newest first: who ran what, when, with which definitions, and how it went. */
export async function runHistory(workspace: Workspace, limit = 50): Promise<RunRecord[]> {
  const runs = await readRuns(workspace.catalog, limit);
  const details = await readPartitionRuns(workspace.catalog, runs.at(-1)?.runId ?? 0);
  return runs.map((run) => {
    const mine = details.filter((d) => d.runId === run.runId);
    return {
      ...run,
      definitionHashes: Object.fromEntries(mine.map((d) => [d.pipeline, d.definitionHash])),
      failures: mine
        .filter((d) => d.status === 'failed')
        .map((d) => ({ pipeline: d.pipeline, partition: d.partition, error: d.error })),
    };
  });
}
