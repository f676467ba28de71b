import { EngineError, type ApiProgress, type Client } from '../api';
import type { CellResult } from '../notebook/notebook.svelte';

/**
 * One SQL cell's runs: whether one is under way, how long it has taken (ticking while it runs), DuckDB's
 * progress, and how the last one ended. A new run replaces one still running; cancelling answers at once
 * and lets go of a result that arrives anyway.
 */
export class QueryRun {
  running = $state(false);
  /** Milliseconds since the run started, updated while it runs. */
  elapsed = $state(0);
  progress = $state<ApiProgress>();
  error = $state<unknown>();
  cancelled = $state(false);
  private controller: AbortController | undefined;

  constructor(private readonly client: Client) {}

  async run(sql: string, cellId: string, outer?: AbortSignal): Promise<CellResult> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const signal = outer ? AbortSignal.any([controller.signal, outer]) : controller.signal;
    const current = () => this.controller === controller;

    this.running = true;
    this.error = undefined;
    this.cancelled = false;
    this.progress = undefined;
    this.elapsed = 0;
    const started = performance.now();
    const timer = setInterval(() => {
      if (current()) this.elapsed = performance.now() - started;
    }, 100);

    const call = this.client.call('query.run', { sql, cellId }, { signal, onProgress: (p) => current() && (this.progress = p) });
    // The engine may finish before it hears of the cancel: that result is nobody's, so release it.
    call.then(
      (result) => {
        if (signal.aborted) void this.client.call('query.close', { queryId: result.queryId }).catch(() => undefined);
      },
      () => undefined,
    );
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(new EngineError({ message: 'Cancelled', code: 'cancelled' }));
      if (signal.aborted) fail();
      else signal.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => undefined);

    try {
      const result = await Promise.race([call, aborted]);
      if (current()) this.elapsed = result.elapsedMs;
      return result;
    } catch (error) {
      if (current()) {
        this.elapsed = performance.now() - started;
        if ((error instanceof EngineError && error.cancelled) || signal.aborted) this.cancelled = true;
        else this.error = error;
      }
      throw error;
    } finally {
      clearInterval(timer);
      if (current()) {
        this.running = false;
        this.controller = undefined;
      }
    }
  }

  cancel(): void {
    this.controller?.abort();
  }

  dismissError(): void {
    this.error = undefined;
  }
}
