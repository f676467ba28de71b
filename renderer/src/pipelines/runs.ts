import type { Result } from '../api';
import { counted } from '../../../engine/shared/words';

export type RunRecord = Result<'pipelines.runs'>[number];
export type RunResult = Result<'pipelines.run'>;
export type Tone = 'success' | 'warning' | 'danger' | 'muted';

/** A run's outcome, from the history or a run result, as a colour; a cancelled run is coloured by how far it got. */
export function statusTone(status: RunRecord['status'] | RunResult['status']): Tone {
  if (status === 'succeeded') return 'success';
  if (status === 'partial') return 'warning';
  if (status === 'failed') return 'danger';
  return 'muted';
}

/** A run's status in the history's words: still running, or its outcome and whether it was cancelled. */
export function runStatusLabel(run: RunRecord): string {
  if (run.finishedAt === null) return 'running';
  return run.cancelled ? `${run.status} (cancelled)` : run.status;
}

/** The runs that computed this pipeline, newest first as the engine lists them. */
export function runsOf(runs: readonly RunRecord[], pipeline: string): RunRecord[] {
  return runs.filter((r) => r.pipelines.includes(pipeline));
}

const isCancelled = (e: string | null) => Boolean(e && /^cancelled\b/i.test(e));

/**
 * Partitions of a run that failed of themselves. A cancelled run also counts those it never ran (or stopped) as failed;
 * they are not failures to retry but work a later run does.
 */
export function genuinelyFailed(run: RunRecord): number {
  return run.cancelled ? run.failures.filter((f) => !isCancelled(f.error)).length : run.failed;
}

/** Partitions a cancelled run did not finish: neither succeeded nor failed of themselves. */
export function notRun(run: RunRecord): number {
  return run.cancelled ? Math.max(0, run.failed - genuinelyFailed(run)) : 0;
}

/** A finished run with failed partitions can re-run exactly those (`--retry`); a cancel is no failure. */
export function canRetry(run: RunRecord): boolean {
  return genuinelyFailed(run) > 0 && run.finishedAt !== null;
}

export interface RunSummary {
  ran: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  rows: number;
  failures: { partition: string; error: string }[];
}

/** What a run did to one pipeline: its partitions, rows, and each failure with DuckDB's message. */
export function summarizeRun(result: RunResult, pipeline: string): RunSummary {
  const mine = result.partitions.filter((p) => p.pipeline === pipeline);
  const failed = mine.filter((p) => p.status === 'failed');
  return {
    ran: mine.length,
    succeeded: mine.length - failed.length,
    failed: failed.filter((p) => !isCancelled(p.error)).length,
    cancelled: failed.filter((p) => isCancelled(p.error)).length,
    rows: mine.reduce((n, p) => n + (p.rows ?? 0), 0),
    failures: failed.filter((p) => !isCancelled(p.error)).map((p) => ({ partition: p.partition, error: p.error ?? 'failed' })),
  };
}

/** One line for a run's outcome, in the cell that started it. */
export function outcomeTitle(result: RunResult, summary: RunSummary): string {
  const ofRan = (n: number) => `${n} of ${counted(summary.ran, 'partition')}`;
  if (result.cancelled) return summary.succeeded ? `Cancelled after ${ofRan(summary.succeeded)}` : 'Cancelled';
  switch (result.status) {
    case 'nothing-to-do':
      return 'Nothing to do: every partition is fresh';
    case 'succeeded':
      return `Ran ${counted(summary.ran, 'partition')}`;
    case 'partial':
      return `${ofRan(summary.failed)} failed`;
    case 'failed':
      if (summary.ran === 1) return 'The partition failed';
      return summary.ran ? `All ${counted(summary.ran, 'partition')} failed` : 'The run failed';
  }
}
