import { EngineError, type ApiProgress } from '../api';

/** What a task is handed on each run: the signal that cancels it and where to report progress. */
export interface OperationContext {
  signal: AbortSignal;
  /** Reports how far the run is; undefined as a task moves on to a step that has not reported yet. */
  onProgress: (progress: ApiProgress | undefined) => void;
}

export type OperationTask<T, P> = (params: P, context: OperationContext) => Promise<T>;

export interface OperationOptions<T> {
  /**
   * Settle a run as cancelled as soon as it is cancelled, without waiting for the engine to answer. For calls
   * whose answer is worthless once cancelled; calls that answer a cancel with what they did must wait for it.
   */
  settleOnCancel?: boolean;
  /** Given each answer that is not kept (its run was replaced, or cancelled first), to release what it holds. */
  onDropped?: (answer: T) => void;
  /** Milliseconds between updates of `elapsed` while a run is under way; without it, `elapsed` is set as a run ends. */
  tick?: number;
}

/** True for the ways a cancelled call ends: the engine's cancelled error, or an aborted upload's. */
export function isCancellation(error: unknown): boolean {
  return (
    (error instanceof EngineError && error.cancelled) ||
    (error instanceof Error && (error as Error & { code?: string }).code === 'cancelled')
  );
}

const cancelledError = () => new EngineError({ message: 'Cancelled', code: 'cancelled' });

/**
 * One kind of cancellable engine call and how its newest run stands: running, progress, the answer, the error
 * or that it was cancelled. A new run replaces one still under way (cancelling it): answers may arrive out of
 * order, and an earlier run's answer arriving last would show older data, so only the newest run's is kept.
 * Answers are held as they came, not as deep proxies: they can be large and are replaced, never edited.
 */
export class Operation<T, P = void> {
  /** The answer of the newest run that answered; it stays while a later run is under way. */
  value = $state.raw<T>();
  running = $state(false);
  progress = $state.raw<ApiProgress>();
  /** Why the newest run failed; a cancelled run is not an error. */
  error = $state.raw<unknown>();
  /** The newest run ended because it was cancelled. */
  cancelled = $state(false);
  /** Cancel was asked for and the run has not ended yet. */
  cancelling = $state(false);
  /** Milliseconds the newest run took, or has taken so far. */
  elapsed = $state(0);

  private controller: AbortController | undefined;

  constructor(
    private readonly task: OperationTask<T, P>,
    private readonly options: OperationOptions<T> = {},
  ) {}

  /**
   * Runs the task, replacing a run still under way. Resolves with the answer once it is kept; rejects with the
   * task's error, or with a cancelled error when the run was cancelled or replaced before its answer was kept.
   */
  async run(params: P, options: { signal?: AbortSignal } = {}): Promise<T> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const signal = options.signal ? AbortSignal.any([controller.signal, options.signal]) : controller.signal;
    const current = () => this.controller === controller;

    this.running = true;
    this.cancelling = false;
    this.cancelled = false;
    this.error = undefined;
    this.progress = undefined;
    this.elapsed = 0;
    const started = performance.now();
    const timer = this.options.tick
      ? setInterval(() => {
          if (current()) this.elapsed = performance.now() - started;
        }, this.options.tick)
      : undefined;

    try {
      let call: Promise<T>;
      try {
        call = this.task(params, {
          signal,
          onProgress: (p) => {
            if (current()) this.progress = p;
          },
        });
      } catch (error) {
        call = Promise.reject(error);
      }
      const answer = await (this.options.settleOnCancel ? this.untilCancelled(call, signal) : call);
      if (!current()) {
        // A newer run started while this answer was on its way.
        this.options.onDropped?.(answer);
        throw cancelledError();
      }
      this.value = answer;
      return answer;
    } catch (error) {
      if (current()) {
        if (isCancellation(error) || signal.aborted) this.cancelled = true;
        else this.error = error;
      }
      throw error;
    } finally {
      clearInterval(timer);
      if (current()) {
        this.elapsed = performance.now() - started;
        this.running = false;
        this.cancelling = false;
        this.progress = undefined;
        this.controller = undefined;
      }
    }
  }

  /** Cancels the run under way, if any. */
  cancel(): void {
    if (!this.controller) return;
    this.cancelling = true;
    this.controller.abort();
  }

  /** Forgets how the newest run ended (its error, or that it was cancelled), keeping the answer. */
  dismiss(): void {
    this.error = undefined;
    this.cancelled = false;
  }

  /** Forgets the answer, when what it answered no longer applies; a run under way still answers. */
  clear(): void {
    this.value = undefined;
  }

  /** The call's answer, or a cancelled error as soon as the signal fires; an answer arriving after that is dropped. */
  private untilCancelled(call: Promise<T>, signal: AbortSignal): Promise<T> {
    call.then(
      (answer) => {
        if (signal.aborted) this.options.onDropped?.(answer);
      },
      () => undefined,
    );
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted) reject(cancelledError());
      else signal.addEventListener('abort', () => reject(cancelledError()), { once: true });
      call.then(resolve, reject);
    });
  }
}
