import { EngineError, type ApiProgress, type Client, type Params } from '../api';
import type { RunResult } from './runs';

export type RunKind = 'stale' | 'backfill' | 'full' | 'retry' | 'partition';

/** One pipeline run started from the app: its progress while it runs, then its result or error. */
export class PipelineRun {
  kind = $state<RunKind>();
  running = $state(false);
  progress = $state<ApiProgress>();
  result = $state<RunResult>();
  error = $state<unknown>();
  cancelling = $state(false);
  /** Cancelled before the engine began: nothing ran. */
  cancelledEarly = $state(false);
  private controller: AbortController | undefined;

  constructor(private readonly client: Client) {}

  async start(kind: RunKind, params: Params<'pipelines.run'>): Promise<RunResult | undefined> {
    if (this.running) return undefined;
    const controller = new AbortController();
    this.controller = controller;
    this.kind = kind;
    this.running = true;
    this.cancelling = false;
    this.cancelledEarly = false;
    this.progress = undefined;
    this.result = undefined;
    this.error = undefined;
    try {
      // A cancelled run still answers, with `cancelled` set and the partitions that did not finish.
      this.result = await this.client.call('pipelines.run', params, {
        signal: controller.signal,
        onProgress: (p) => (this.progress = p),
      });
      return this.result;
    } catch (error) {
      if (error instanceof EngineError && error.cancelled) this.cancelledEarly = true;
      else this.error = error;
      return undefined;
    } finally {
      this.running = false;
      this.cancelling = false;
      this.controller = undefined;
    }
  }

  cancel(): void {
    this.cancelling = true;
    this.controller?.abort();
  }

  dismiss(): void {
    this.result = undefined;
    this.error = undefined;
    this.cancelledEarly = false;
  }
}
