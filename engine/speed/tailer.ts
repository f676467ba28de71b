import { CancelledError, throwIfAborted } from '../kernel/util/errors.js';
import { BufferPool } from './tail-batch.js';
import { Follower } from './tail-follow.js';
import type { TailBatch, TailerOptions, TailPosition, TailStatus } from './tail-types.js';
import { Wake } from './tail-wake.js';

export type { TailBatch, TailEvent, TailerOptions, TailPosition, TailReject, TailStatus } from './tail-types.js';

/*
 * Follows one append-only NDJSON log path like `tail -F`, as a sequence of generations: each rotation, truncation,
 * replacement or re-creation of the file starts a new one.
 *
 * - Lines are delivered only once their '\n' is there; the position is the offset after the last complete line, so a
 *   checkpoint never points into a line. Positions are persisted by the caller after applying a batch: at-least-once.
 *   Lines are framed as the lake's import frames them (kernel/lines/line-framer.ts): the same line numbers, the same
 *   rejects, so what the live view counted is what an import of the log stores.
 * - A renamed or deleted file keeps being read from its open fd for `rotateWaitMs`, so that a writer still holding it
 *   open can finish; its remaining lines come before the next generation's. A last line that never got its newline is
 *   surfaced as a reject when its generation ends, never as data.
 * - Truncation and in-place rewrites are detected by size and by re-reading the anchor and fingerprint after every read,
 *   not by size alone: a file truncated and rewritten past the old size between two reads would look like growth.
 *   copytruncate has an inherent gap: lines written between our last read and the truncation exist only in the copy,
 *   which we do not read while following (only on a restart from a checkpoint, tail-restart.ts).
 * - mtime is never used (it may not be updated, or be skewed). Only (dev, ino), size and content are.
 *
 * Out of scope, as they concern more than one local path: network and cloud-synced folders (their replace-via-rename
 * just shows up here as 'rotated'/'recreated', and fs.watch may stay silent, which polling covers), and gzipped rotated
 * files (we follow one path and never glob, so log.1.gz is never read).
 *
 * The parts: tail-follow.ts follows the path through its generations, tail-reader.ts reads one generation,
 * tail-restart.ts starts from a checkpoint, tail-batch.ts holds a batch's memory, tail-wake.ts wakes the iterator.
 */

const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;

export class Tailer {
  private readonly maxBatchBytes: number;
  private readonly follower: Follower;
  private readonly pool: BufferPool;
  private readonly wake: Wake;
  private closed = false;
  private closing: Promise<void> | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly onAbort = () => void this.close();

  constructor(private readonly options: TailerOptions) {
    if (!Number.isInteger(options.maxLineBytes) || options.maxLineBytes < 1)
      throw new TypeError('maxLineBytes must be a positive integer');
    this.maxBatchBytes = Math.max(1, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
    // Reads of up to 4 MiB: each read is a trip through the thread pool, and small reads would mostly wait on it.
    const buffer = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, Math.max(16 * 1024, this.maxBatchBytes)));
    this.pool = new BufferPool(options.reuseBuffers ?? false);
    this.follower = new Follower(options, this.maxBatchBytes, buffer, this.pool);
    this.wake = new Wake(options.pollIntervalMs ?? 100);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Reads everything available right now (all open fds, handling any rotation/truncation seen) and returns the batches,
   * each of up to `maxBatchBytes` (the tailer's, or less).
   */
  poll(options: { maxBatches?: number; maxBatchBytes?: number } = {}): Promise<TailBatch[]> {
    return this.exclusive(async () => {
      throwIfAborted(this.options.signal);
      this.pool.reclaim();
      this.follower.batchBytes = Math.max(1, Math.min(options.maxBatchBytes ?? Infinity, this.maxBatchBytes));
      try {
        const batches: TailBatch[] = [];
        while (!this.closed && batches.length < (options.maxBatches ?? Infinity)) {
          const batch = await this.follower.step();
          if (!batch) break;
          this.pool.lend(batch);
          batches.push(batch);
          throwIfAborted(this.options.signal);
        }
        return batches;
      } finally {
        this.follower.batchBytes = this.maxBatchBytes;
      }
    });
  }

  /**
   * Starts watching the path's folder (fs.watch), which ends `wait`s as soon as something there changes; returns what
   * stops it. Without it (or with `watch: false`), `wait` lasts the poll interval.
   */
  watch(): { close(): void } {
    const watcher = this.options.watch === false ? undefined : this.wake.watch(this.options.path);
    return { close: () => watcher?.close() };
  }

  /**
   * Until the file may have changed (see `watch`), the poll interval passed or `ms` did; at once once closed. Changes
   * seen since the last wait end it at once too.
   */
  wait(ms?: number): Promise<void> {
    return this.wake.wait(this.closed, ms);
  }

  /** `ms` whatever the file does (its changes end the next `wait` at once); at once once closed. */
  sleep(ms: number): Promise<void> {
    return this.wake.sleep(this.closed, ms);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Yields batches as they arrive (fs.watch + poll interval), until the signal aborts or close() is called. */
  async *[Symbol.asyncIterator](): AsyncGenerator<TailBatch, void, undefined> {
    const watcher = this.watch();
    try {
      while (!this.closed) {
        const batch = await this.exclusive(() => {
          this.pool.reclaim();
          return this.closed ? Promise.resolve(undefined) : this.follower.step();
        });
        if (batch) {
          this.pool.lend(batch);
          yield batch;
        } else await this.wake.wait(this.closed);
      }
    } catch (error) {
      if (!(error instanceof CancelledError)) throw error;
    } finally {
      watcher.close();
    }
  }

  get position(): TailPosition {
    return this.follower.position;
  }

  get status(): TailStatus {
    return this.follower.status(this.closed);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.options.signal?.removeEventListener('abort', this.onAbort);
      this.wake.interrupt();
      await this.exclusive(() => this.follower.close());
    })();
    return this.closing;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => {});
    return run;
  }
}
