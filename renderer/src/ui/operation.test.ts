import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineError, type ApiProgress } from '../api';
import { isCancellation, Operation, type OperationContext } from './operation.svelte';

interface Pending<T> {
  params: string;
  context: OperationContext;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** An operation whose calls wait until the test answers them, in whatever order it chooses. */
function controlled<T>(options: ConstructorParameters<typeof Operation<T, string>>[1] = {}) {
  const calls: Pending<T>[] = [];
  const operation = new Operation<T, string>(
    (params, context) =>
      new Promise<T>((resolve, reject) => {
        calls.push({ params, context, resolve, reject });
      }),
    options,
  );
  return { operation, calls, call: (i: number) => calls[i] as Pending<T> };
}

/** Like the engine: a call that answers a cancel with the cancelled error. */
function rejectsWhenAborted(pending: Pending<unknown>) {
  pending.context.signal.addEventListener('abort', () =>
    pending.reject(new EngineError({ message: 'Cancelled', code: 'cancelled' })),
  );
}

const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

afterEach(() => {
  vi.useRealTimers();
});

describe('Operation', () => {
  it('keeps the answer and says it is running until then', async () => {
    const { operation, call } = controlled<{ rows: number[] }>();
    const run = operation.run('first');
    expect(operation.running).toBe(true);
    expect(call(0).params).toBe('first');
    const answer = { rows: [1, 2, 3] };
    call(0).resolve(answer);
    await expect(run).resolves.toBe(answer);
    expect(operation.running).toBe(false);
    // Held as it came, not as a deep proxy of it.
    expect(operation.value).toBe(answer);
    expect(operation.error).toBeUndefined();
    expect(operation.cancelled).toBe(false);
  });

  it('drops the answer of an earlier run that arrives after a later run began, and cancels the earlier run', async () => {
    const dropped: string[] = [];
    const { operation, call } = controlled<string>({ onDropped: (a) => dropped.push(a) });
    const first = settle(operation.run('first'));
    const second = operation.run('second');
    expect(call(0).context.signal.aborted).toBe(true);
    expect(call(1).context.signal.aborted).toBe(false);

    // The engine had finished the first before it heard of the cancel: its answer arrives anyway, then the second's.
    call(0).resolve('old');
    const earlier = await first;
    expect(earlier.ok).toBe(false);
    expect(isCancellation(!earlier.ok && earlier.error)).toBe(true);
    expect(operation.value).toBeUndefined();
    expect(operation.running).toBe(true);
    expect(dropped).toEqual(['old']);

    call(1).resolve('new');
    await expect(second).resolves.toBe('new');
    expect(operation.value).toBe('new');
    expect(operation.running).toBe(false);
    expect(operation.cancelled).toBe(false);
  });

  it('keeps the newer answer when an older one arrives last', async () => {
    const { operation, call } = controlled<string>();
    const first = settle(operation.run('first'));
    const second = operation.run('second');
    call(1).resolve('new');
    await expect(second).resolves.toBe('new');
    call(0).resolve('old');
    expect((await first).ok).toBe(false);
    expect(operation.value).toBe('new');
    expect(operation.running).toBe(false);
  });

  it('ignores progress and errors from a run that was replaced', async () => {
    const { operation, call } = controlled<string>();
    const first = settle(operation.run('first'));
    const second = operation.run('second');
    const progress: ApiProgress = { phase: 'reading', done: 1, total: 2, unit: 'rows' };
    call(0).context.onProgress({ ...progress, phase: 'stale' });
    expect(operation.progress).toBeUndefined();
    call(1).context.onProgress(progress);
    expect(operation.progress).toEqual(progress);

    call(0).reject(new Error('the old run failed'));
    expect((await first).ok).toBe(false);
    expect(operation.error).toBeUndefined();
    expect(operation.running).toBe(true);

    call(1).resolve('new');
    await second;
    expect(operation.progress).toBeUndefined();
  });

  it('records an error, keeps the previous answer, and forgets the error when dismissed', async () => {
    const { operation, call } = controlled<string>();
    const ok = operation.run('first');
    call(0).resolve('answer');
    await ok;
    const failing = settle(operation.run('second'));
    const error = new EngineError({ message: 'Binder Error: no such column', code: 'query' });
    call(1).reject(error);
    expect(await failing).toEqual({ ok: false, error });
    expect(operation.error).toBe(error);
    expect(operation.cancelled).toBe(false);
    expect(operation.value).toBe('answer');
    operation.dismiss();
    expect(operation.error).toBeUndefined();
    expect(operation.value).toBe('answer');
    operation.clear();
    expect(operation.value).toBeUndefined();
  });

  it('clear forgets only the answer, dismiss only how the run ended', async () => {
    const { operation, call } = controlled<string>();
    const ok = operation.run('first');
    call(0).resolve('answer');
    await ok;
    const failing = settle(operation.run('second'));
    call(1).reject(new Error('boom'));
    await failing;
    operation.clear();
    expect(operation.value).toBeUndefined();
    expect(operation.error).toBeInstanceOf(Error);
    operation.dismiss();
    expect(operation.error).toBeUndefined();
  });

  it('an error thrown before the task returns a promise is the run’s error', async () => {
    const operation = new Operation<string>(() => {
      throw new Error('no pipeline chosen');
    });
    await expect(operation.run()).rejects.toThrow('no pipeline chosen');
    expect(operation.error).toBeInstanceOf(Error);
    expect(operation.running).toBe(false);
  });

  it('cancel waits for the engine’s answer: a cancelled error, which is no error', async () => {
    const { operation, call } = controlled<string>();
    const run = settle(operation.run('first'));
    rejectsWhenAborted(call(0) as Pending<unknown>);
    operation.cancel();
    expect(operation.cancelling).toBe(true);
    expect(call(0).context.signal.aborted).toBe(true);
    const ended = await run;
    expect(ended.ok).toBe(false);
    expect(operation.cancelled).toBe(true);
    expect(operation.cancelling).toBe(false);
    expect(operation.error).toBeUndefined();
    expect(operation.running).toBe(false);
  });

  it('keeps what a cancelled call answers with, for calls that report what they did before stopping', async () => {
    const { operation, call } = controlled<{ cancelled: boolean }>();
    const run = operation.run('first');
    operation.cancel();
    call(0).resolve({ cancelled: true });
    await expect(run).resolves.toEqual({ cancelled: true });
    expect(operation.value).toEqual({ cancelled: true });
    expect(operation.cancelled).toBe(false);
  });

  it('with settleOnCancel, ends at once when cancelled and drops the answer that arrives later', async () => {
    const dropped: string[] = [];
    const { operation, call } = controlled<string>({ settleOnCancel: true, onDropped: (a) => dropped.push(a) });
    const run = settle(operation.run('first'));
    operation.cancel();
    const ended = await run;
    expect(ended.ok).toBe(false);
    expect(operation.cancelled).toBe(true);
    expect(operation.running).toBe(false);
    call(0).resolve('late');
    await Promise.resolve();
    expect(dropped).toEqual(['late']);
    expect(operation.value).toBeUndefined();
  });

  it('a signal from outside cancels the run as cancel() does', async () => {
    const outer = new AbortController();
    const { operation, call } = controlled<string>({ settleOnCancel: true });
    const run = settle(operation.run('first', { signal: outer.signal }));
    outer.abort();
    expect(call(0).context.signal.aborted).toBe(true);
    expect((await run).ok).toBe(false);
    expect(operation.cancelled).toBe(true);
  });

  it('a new run clears the previous run’s error and cancel note', async () => {
    const { operation, call } = controlled<string>({ settleOnCancel: true });
    const cancelled = settle(operation.run('first'));
    operation.cancel();
    await cancelled;
    expect(operation.cancelled).toBe(true);
    const next = operation.run('second');
    expect(operation.cancelled).toBe(false);
    expect(operation.error).toBeUndefined();
    call(1).resolve('ok');
    await next;
  });

  it('counts the elapsed time while running when asked to, and keeps it when the run ends', async () => {
    vi.useFakeTimers();
    const { operation, call } = controlled<string>({ tick: 100 });
    const run = operation.run('first');
    expect(operation.elapsed).toBe(0);
    await vi.advanceTimersByTimeAsync(350);
    expect(operation.elapsed).toBeGreaterThanOrEqual(300);
    call(0).resolve('done');
    await run;
    const final = operation.elapsed;
    expect(final).toBeGreaterThanOrEqual(350);
    await vi.advanceTimersByTimeAsync(500);
    expect(operation.elapsed).toBe(final);
  });

  it('tells cancellations from failures', () => {
    expect(isCancellation(new EngineError({ message: 'Cancelled', code: 'cancelled' }))).toBe(true);
    expect(isCancellation(Object.assign(new Error('Cancelled'), { code: 'cancelled' }))).toBe(true);
    expect(isCancellation(new EngineError({ message: 'no such table', code: 'query' }))).toBe(false);
    expect(isCancellation('cancelled')).toBe(false);
  });
});
