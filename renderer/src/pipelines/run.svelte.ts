import type { Client, Params } from '../api';
import { Operation } from '../ui/operation.svelte';
import type { RunResult } from './runs';

export type RunKind = 'stale' | 'backfill' | 'full' | 'retry' | 'partition';

/** One pipeline run started from the app: its progress while it runs, then its result or error. */
export class PipelineRun {
  kind = $state<RunKind>();
  // A cancelled run still answers, with `cancelled` set and the partitions that did not finish: the cancel waits for it.
  private readonly operation: Operation<RunResult, Params<'pipelines.run'>>;

  constructor(client: Client) {
    this.operation = new Operation((params, { signal, onProgress }) =>
      client.call('pipelines.run', params, { signal, onProgress }),
    );
  }

  get running(): boolean {
    return this.operation.running;
  }
  get progress() {
    return this.operation.progress;
  }
  get result(): RunResult | undefined {
    return this.operation.value;
  }
  get error(): unknown {
    return this.operation.error;
  }
  get cancelling(): boolean {
    return this.operation.cancelling;
  }
  /** Cancelled before the engine began: nothing ran. */
  get cancelledEarly(): boolean {
    return this.operation.cancelled;
  }

  /** Starts a run unless one is under way; resolves with its result, or undefined when it failed or nothing ran. */
  async start(kind: RunKind, params: Params<'pipelines.run'>): Promise<RunResult | undefined> {
    if (this.running) return undefined;
    this.kind = kind;
    // The previous outcome goes as the new run starts, not when it answers.
    this.operation.clear();
    try {
      return await this.operation.run(params);
    } catch {
      return undefined;
    }
  }

  cancel(): void {
    this.operation.cancel();
  }

  dismiss(): void {
    this.operation.clear();
    this.operation.dismiss();
  }
}
