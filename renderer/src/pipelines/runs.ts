import type { Result } from '../api';

export type RunRecord = Result<'pipelines.runs'>[number];
export type RunResult = Result<'pipelines.run'>;
export type Tone = 'success' | 'warning' | 'danger' | 'muted';

/**
 * The catalog writes times as `2026-11-25T03:01:53+00` (strftime's %z), which Date.parse rejects
 * without the offset's colon: this adds it, so every browser reads the same instant.
 */
export function engineTime(text: string): string {
  return text.replace(/([+-]\d{2})(\d{2})?$/, (_m, h: string, m: string | undefined) => `${h}:${m ?? '00'}`);
}

/** A run status from the history ("partial (cancelled)" included) or a run result, as a colour. */
export function statusTone(status: string): Tone {
  if (status.startsWith('succeeded')) return 'success';
  if (status.startsWith('partial')) return 'warning';
  if (status.startsWith('failed')) return 'danger';
  return 'muted';
}

/** The runs that computed this pipeline, newest first as the engine lists them. */
export function runsOf(runs: readonly RunRecord[], pipeline: string): RunRecord[] {
  return runs.filter((r) => r.pipelines.includes(pipeline));
}

/** A finished run with failed partitions can re-run exactly those (`--retry`). */
export function canRetry(run: RunRecord): boolean {
  return run.failed > 0 && run.finishedAt !== null;
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
  const isCancelled = (e: string | null) => Boolean(e && /^cancelled\b/i.test(e));
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
  if (result.cancelled)
    return summary.succeeded ? `Cancelled after ${summary.succeeded} of ${summary.ran} partitions` : 'Cancelled';
  switch (result.status) {
    case 'nothing-to-do':
      return 'Nothing to do: every partition is fresh';
    case 'succeeded':
      return `Ran ${summary.ran} ${summary.ran === 1 ? 'partition' : 'partitions'}`;
    case 'partial':
      return `${summary.failed} of ${summary.ran} partitions failed`;
    case 'failed':
      return summary.ran ? `All ${summary.ran} partitions failed` : 'The run failed';
  }
}
