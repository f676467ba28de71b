import type { Workspace } from '../kernel/workspace/workspace.js';

export interface RunRecord {
  runId: number;
  startedAt: string;
  finishedAt: string | null;
  runBy: string;
  command: string;
  status: string;
  pipelines: string[];
  partitions: number;
  succeeded: number;
  failed: number;
  rows: number;
  durationMs: number | null;
  error: string | null;
  definitionHashes: Record<string, string>;
  failures: { pipeline: string; partition: string; error: string }[];
}

/** Run history, newest first: who ran what, when, with which definitions, and how it went. */
export async function runHistory(workspace: Workspace, limit = 50): Promise<RunRecord[]> {
  const runs = await workspace.catalog.all<Record<string, unknown>>(
    `SELECT run_id::DOUBLE AS run_id, strftime(started_at, '%Y-%m-%dT%H:%M:%S%z') AS started_at,
       strftime(finished_at, '%Y-%m-%dT%H:%M:%S%z') AS finished_at, run_by, command, status, pipelines,
       partitions::DOUBLE AS partitions, succeeded::DOUBLE AS succeeded, failed::DOUBLE AS failed, rows::DOUBLE AS rows,
       duration_ms::DOUBLE AS duration_ms, error
     FROM runs ORDER BY run_id DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  const details = await workspace.catalog.all<{
    run_id: number;
    pipeline: string;
    partition: string;
    status: string;
    error: string;
    hash: string;
  }>(
    `SELECT run_id::DOUBLE AS run_id, pipeline, strftime(partition, '%Y-%m-%d') AS partition, status, error, definition_hash AS hash
     FROM run_partitions WHERE run_id >= $min ORDER BY run_id, pipeline, partition`,
    { min: Number(runs.at(-1)?.run_id ?? 0) },
  );
  return runs.map((r) => {
    const mine = details.filter((d) => Number(d.run_id) === Number(r.run_id));
    return {
      runId: Number(r.run_id),
      startedAt: r.started_at as string,
      finishedAt: (r.finished_at as string | null) ?? null,
      runBy: r.run_by as string,
      command: r.command as string,
      status: r.status as string,
      pipelines: r.pipelines as string[],
      partitions: Number(r.partitions),
      succeeded: Number(r.succeeded),
      failed: Number(r.failed),
      rows: Number(r.rows),
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
      error: (r.error as string | null) ?? null,
      definitionHashes: Object.fromEntries(mine.map((d) => [d.pipeline, d.hash])),
      failures: mine
        .filter((d) => d.status === 'failed')
        .map((d) => ({ pipeline: d.pipeline, partition: d.partition, error: d.error })),
    };
  });
}
