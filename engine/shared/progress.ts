import { z } from 'zod';

/** Progress of a long operation, as reported to the CLI's progress bar and the app's progress events. */
export const ProgressSchema = z.object({
  /** What is happening now, in the user's words ("scanning", "writing partitions", "committing"). */
  phase: z.string(),
  /** Work done and total, in `unit`; total is unknown for some phases. */
  done: z.number(),
  total: z.number().optional(),
  unit: z.enum(['bytes', 'rows', 'partitions', 'percent']),
  /** Rows handled so far, where the phase knows it. */
  rows: z.number().optional(),
});
export type Progress = z.infer<typeof ProgressSchema>;

export type ProgressListener = (progress: Progress) => void;

/** Options every long engine operation takes: cancellation and progress. */
export interface OperationOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** Rate-limits progress callbacks; the last report of a phase always goes through. */
export function throttled(listener: ProgressListener | undefined, intervalMs = 100): ProgressListener {
  if (!listener) return () => {};
  let last = 0;
  let lastPhase = '';
  return (progress) => {
    const now = Date.now();
    const finished = progress.total !== undefined && progress.done >= progress.total;
    if (progress.phase !== lastPhase || finished || now - last >= intervalMs) {
      last = now;
      lastPhase = progress.phase;
      listener(progress);
    }
  };
}
