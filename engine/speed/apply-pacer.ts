/**
 * When a live session applies the lines it has read. Applying a batch costs about the same whether it holds one line
 * or a thousand (the ingest steps and every pipeline's delta query are planned and run for each batch), so at a trickle
 * of events, applying each read at once spends a core on planning. Lines read are held, and applied together when:
 *
 * - `lines` of them are pending (a high rate: holding them longer would add latency and save little), or
 * - the interval since the last batch began has passed. The interval adapts to what applying costs here: the recent
 *   time a batch took divided by `budget` (the share of a core applying may take), at most `maxWaitMs`, and at most
 *   the time `lines` lines took to arrive at the last batch's rate (the end of a flood is not held for long). After a
 *   quiet spell the interval has long passed, so a lone event is applied as soon as it is read.
 *
 * Reading costs little, but each read is a few trips through the thread pool: while lines are held at a rate that
 * will not bring `lines` of them before they are due, the log is read again only when they are (`readsOnChange`).
 */
export interface PacerOptions {
  /** Pending lines applied at once however soon after the last batch (default 500). */
  lines?: number;
  /** The share of a core batches may take while events trickle in (default 0.01). */
  budget?: number;
  /** The longest a line read waits to be applied (default 4000 ms). */
  maxWaitMs?: number;
  /** The clock (tests inject one). */
  now?: () => number;
}

/** Each batch's time counts for this share of the estimate: a few batches make it, one outlier does not. */
const WEIGHT = 0.3;

export class ApplyPacer {
  readonly lines: number;
  readonly budget: number;
  readonly maxWaitMs: number;
  private readonly now: () => number;
  private lastStart = -Infinity;
  /** What applying a batch takes here, in ms (a moving average). */
  private cost: number | undefined;
  /** Lines per ms between the starts of the last two batches. */
  private rate: number | undefined;

  constructor(options: PacerOptions = {}) {
    this.lines = Math.max(1, options.lines ?? 500);
    this.budget = options.budget ?? 0.01;
    if (!(this.budget > 0 && this.budget <= 1)) throw new RangeError('the pacing budget must be in (0, 1]');
    this.maxWaitMs = Math.max(0, options.maxWaitMs ?? 4000);
    this.now = options.now ?? (() => performance.now());
  }

  /** The least time between the starts of two batches that do not hold `lines` lines. */
  get intervalMs(): number {
    const filling = this.rate === undefined ? Infinity : this.lines / this.rate;
    return Math.min(this.maxWaitMs, (this.cost ?? 0) / this.budget, filling);
  }

  /** The time `pending` lines (and rejects) are due to be applied: never for none, now for `lines` or more. */
  dueAt(pending: number): number {
    if (pending <= 0) return Infinity;
    if (pending >= this.lines) return -Infinity;
    return this.lastStart + this.intervalMs;
  }

  due(pending: number): boolean {
    return this.now() >= this.dueAt(pending);
  }

  /** How long to wait for `pending` lines to come due (undefined for none: until something arrives). */
  waitMs(pending: number): number | undefined {
    const at = this.dueAt(pending);
    return at === Infinity ? undefined : Math.max(0, at - this.now());
  }

  /**
   * Whether, with `pending` lines held, a change to the log is worth a read before they are due: only when lines
   * arrive fast enough (or at a rate not known yet) to make `lines` of them sooner.
   */
  readsOnChange(pending: number): boolean {
    const wait = this.waitMs(pending);
    if (wait === undefined || this.rate === undefined) return true;
    return (this.lines - pending) / this.rate < wait;
  }

  /** Applies a batch of `lines` lines (and rejects), timing it: the next interval follows from how long batches take. */
  async apply<T>(lines: number, work: () => Promise<T>): Promise<T> {
    const start = this.now();
    if (this.lastStart > -Infinity) this.rate = lines / Math.max(1, start - this.lastStart);
    this.lastStart = start;
    try {
      return await work();
    } finally {
      const took = this.now() - start;
      this.cost = this.cost === undefined ? took : this.cost + WEIGHT * (took - this.cost);
    }
  }
}
