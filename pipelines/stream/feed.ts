import type { TailBatch, Tailer } from './tailer.js';

/**
 * Reads a log's batches one at a time and hands each to `apply`, reading the next batch while `apply` is still
 * at work on the last one: from when it calls `read` (it is done with the batch's memory, which the next batch
 * reuses), or else when it returns. Framing lines is JS work on this thread and applying a batch is mostly
 * DuckDB's, on its own threads, so side by side a replay takes about the longer of the two, not their sum.
 * `apply` returns whether to go on. For replays: a batch read ahead and not applied is lost to a checkpoint.
 */
export async function feed(tailer: Tailer, apply: (batch: TailBatch, read: () => void) => Promise<boolean>): Promise<void> {
  let next = tailer.poll({ maxBatches: 1 });
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
