/**
 * Times the live view's ingest steps: milliseconds per step, summed over batches (for `npm run bench`). Lanes run
 * their steps side by side, so the totals overlap in time and add up to more than the time taken.
 */
export class StepTimer {
  readonly totals: Record<string, number> = {};

  /** Adds the time since `since` to a step's total; returns now, the next step's start. */
  lap(step: string, since: number): number {
    const now = performance.now();
    this.totals[step] = (this.totals[step] ?? 0) + (now - since);
    return now;
  }
}
