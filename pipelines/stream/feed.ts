import type { TailBatch, Tailer } from './tailer.js';
import type { LiveBatch, LiveIngest, LiveView } from './live-view.js';

/**
 * The batch size a replay reads a log in (the tailer's `maxBatchBytes`). A batch costs a fixed part (planning every
 * delta query, a round of each ingest step) besides its lines, and a replay has all its lines at once: replaying a
 * million events (292 MB) through the six default realtime pipelines took 3.4 s in batches of 4 MiB (the tailer's
 * default, right for a live log, whose batches are what arrived since the last poll) against 1.3 s in batches of
 * 64 MiB; 16 and 32 MiB were slower, 96 and 128 MiB no faster (measured on 2 cores). The memory is the tailer's
 * batch buffers and the view's three batch files, each up to this size, while the replay runs.
 */
export const REPLAY_BATCH_BYTES = 64 * 1024 * 1024;
/**
 * The first batch of a replay is smaller: nothing else runs until it is read, its schema found and every pipeline
 * compiled, so the steps after it start sooner (about 3% sooner done, measured). Still more lines than the schema
 * is sampled from (DuckDB's 20,480).
 */
export const REPLAY_FIRST_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Reads a log's batches one at a time and hands each to `apply`, reading the next batch while `apply` is still
 * at work on the last one: from when it calls `read` (it is done with the batch's memory, which the next batch
 * reuses), or else when it returns. Framing lines is JS work on this thread and applying a batch is mostly
 * DuckDB's, on its own threads, so side by side a replay takes about the longer of the two, not their sum.
 * `apply` returns whether to go on. For replays: a batch read ahead and not applied is lost to a checkpoint.
 */
export async function feed(
  tailer: Tailer,
  apply: (batch: TailBatch, read: () => void) => Promise<boolean>,
  options: { firstBatchBytes?: number } = {},
): Promise<void> {
  let next = tailer.poll({ maxBatches: 1, ...(options.firstBatchBytes ? { maxBatchBytes: options.firstBatchBytes } : {}) });
  for (;;) {
    const [batch] = await next;
    if (!batch) return;
    let reading = false;
    const read = () => {
      if (reading) return;
      reading = true;
      next = tailer.poll({ maxBatches: 1 });
      // Awaited below or at the top of the loop; until then its failure must not count as unhandled.
      next.catch(() => {});
    };
    let more = false;
    try {
      more = await apply(batch, read);
    } finally {
      // Stopping, or failing, with a read under way: it finishes before the caller may close the tailer.
      if (reading && !more) await next.catch(() => {});
    }
    if (!more) return;
    read();
  }
}

export interface ReplayOptions {
  /** May cut a batch short and say it is the last (undefined: skip it). */
  take?: (batch: TailBatch) => { batch: LiveBatch; last: boolean } | undefined;
  /** Each batch's outcome, in order. */
  applied?: (ingest: LiveIngest, batch: TailBatch) => void;
  signal?: AbortSignal;
}

/**
 * Replays a log into a live view, with DuckDB's threads as a replay wants them (LiveView.replaying): each batch is
 * handed over once the one before it is being read into the store, while the ones before it are identified and
 * aggregated (see LiveView.ingest), and read from the log meanwhile.
 */
export async function feedView(tailer: Tailer, view: LiveView, options: ReplayOptions = {}): Promise<void> {
  await view.replaying(() => replay(tailer, view, options));
}

async function replay(tailer: Tailer, view: LiveView, options: ReplayOptions): Promise<void> {
  const pending: Promise<void>[] = [];
  try {
    await feed(
      tailer,
      async (batch, read) => {
        if (options.signal?.aborted) return false;
        const taken = options.take ? options.take(batch) : { batch, last: false };
        if (!taken) return true;
        let stored = () => {};
        const accepted = new Promise<void>((resolve) => (stored = resolve));
        const applied = view
          .ingest(taken.batch, { onRead: read, onStored: stored })
          .then((ingest) => options.applied?.(ingest, batch));
        // Awaited below; until then a failure must not count as unhandled.
        applied.catch(() => {});
        pending.push(applied);
        await accepted;
        return !taken.last;
      },
      { firstBatchBytes: REPLAY_FIRST_BATCH_BYTES },
    );
  } finally {
    await Promise.allSettled(pending);
  }
  await Promise.all(pending);
}
