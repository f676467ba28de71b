import type { Client } from '../api';
import type { MetricValue } from '../chart/numbers';
import { Operation } from '../ui/operation.svelte';
import { metricsOf, recountOutcome, type Reconciliation, type RecountOutcome } from './reconcile';

/** A comparison the engine answered, with what it was asked for and when. */
export interface Compared {
  pipeline: string;
  result: Reconciliation;
  /** When the answer came, in milliseconds since the epoch. */
  at: number;
  /** When it was asked for (ISO 8601): a table changed after this makes it stale. */
  ranAt: string;
  /** Set when the comparison is as of a recount: the log through the line that recount imported. */
  through: number | undefined;
  /** A comparison saved by an earlier run, shown when the notebook opened. */
  saved?: boolean;
}

/** The compare cell a comparison is for: the engine keeps its result for the notebook's next open. */
export interface CompareCellKey {
  notebook: string;
  cellId: string;
}

export type EventIds = NonNullable<Reconciliation['events']>;

/** A reason's number in the reasons table, whose events were asked for. */
export interface Drill {
  partition: string;
  reason: string;
  metric: string;
  key: string;
  value: MetricValue;
}

const through = (line: number | undefined) => (line !== undefined ? { throughLine: line } : {});

/**
 * A compare cell's calls to the engine: comparing a realtime pipeline's batch, realtime and served numbers; a
 * recount (import the log, run the batch for what it changed, compare again as of what it imported); and the
 * event ids behind the comparison shown, fetched the first time they are asked for.
 */
export class Comparison {
  readonly comparing: Operation<Compared, { pipeline: string; through: number | undefined }>;
  readonly recounting: Operation<RecountOutcome, { metric: string }>;
  readonly ids: Operation<{ events: EventIds; of: Compared }, Compared>;

  constructor(
    client: Client,
    private readonly pipeline: () => string,
    cell: () => CompareCellKey | undefined = () => undefined,
  ) {
    this.comparing = new Operation(async (asked, { signal, onProgress }) => {
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a timestamp read once, not state
      const ranAt = new Date().toISOString();
      const result = await client.call(
        'reconcile.compare',
        { pipeline: asked.pipeline, ...through(asked.through), ...cell() },
        { signal, onProgress },
      );
      return { ...asked, result, at: Date.now(), ranAt };
    });

    this.recounting = new Operation(async ({ metric }, { signal, onProgress }) => {
      const before = this.result;
      const done = await client.call('reconcile.recount', {}, { signal, onProgress });
      onProgress({ phase: 'comparing again', done: 0, unit: 'percent' });
      // As of the recount: lines a writer appended since are neither live nor in the lake yet.
      const after = await this.compare({ signal, through: done.throughLine });
      return recountOutcome(done, before, after.result, metric || (metricsOf(after.result)[0] ?? ''));
    });

    this.ids = new Operation(async (of, { signal }) => {
      const answer = await client.call(
        'reconcile.compare',
        { pipeline: of.pipeline, ids: true, ...through(of.through) },
        { signal },
      );
      return { events: answer.events ?? {}, of };
    });
  }

  /** Shows a comparison an earlier run saved, until the cell compares again. */
  restore(saved: { pipeline: string; ranAt: string; through?: number | undefined; result: Reconciliation }): void {
    this.comparing.value = {
      pipeline: saved.pipeline,
      result: saved.result,
      at: Date.parse(saved.ranAt),
      ranAt: saved.ranAt,
      through: saved.through,
      saved: true,
    };
  }

  get result(): Reconciliation | undefined {
    return this.comparing.value?.result;
  }

  /** The event ids behind the comparison shown, once fetched for it. */
  get events(): EventIds | undefined {
    const ids = this.ids.value;
    return ids && ids.of === this.comparing.value ? ids.events : undefined;
  }

  /** Compares again, replacing a comparison under way; rejects when it fails (`comparing.error` says why) or is cancelled. */
  compare(options: { signal?: AbortSignal; through?: number } = {}): Promise<Compared> {
    return this.comparing.run(
      { pipeline: this.pipeline(), through: options.through },
      options.signal ? { signal: options.signal } : {},
    );
  }

  /** Recounts, reporting the change in `metric` (or the first metric); rejects when it fails or is cancelled. */
  recount(metric: string): Promise<RecountOutcome> {
    this.recounting.clear();
    return this.recounting.run({ metric });
  }

  /** Fetches the event ids behind the comparison shown, unless they are in; a failure shows as `ids.error`. */
  async loadIds(): Promise<void> {
    this.ids.dismiss();
    const compared = this.comparing.value;
    if (!compared || this.events) return;
    await this.ids.run(compared).catch(() => undefined);
  }

  /** Another pipeline was chosen: the comparison and the recount's outcome were of the one before. */
  forget(): void {
    this.comparing.clear();
    this.recounting.clear();
  }

  cancelAll(): void {
    this.comparing.cancel();
    this.recounting.cancel();
    this.ids.cancel();
  }
}
