import type { TailBatch } from './tail-types.js';

/**
 * Tailer batches read but not applied yet (see ApplyPacer), taken together as one batch. Each is copied as it is
 * held: a session's tailer reuses a batch's memory at its next read. Only batches of one generation are held together
 * (line numbers start again with each), up to `maxBytes` of lines.
 */
export class PendingLines {
  private parts: TailBatch[] = [];
  private bytes = 0;
  /** Lines and rejects held: what the pacer counts. */
  size = 0;

  constructor(private readonly maxBytes: number) {}

  get empty(): boolean {
    return this.parts.length === 0;
  }

  /** Whether `batch` may be held with those held already. */
  accepts(batch: TailBatch): boolean {
    const last = this.parts.at(-1);
    return !last || (last.generation === batch.generation && this.bytes + batch.data.length <= this.maxBytes);
  }

  /** Holds a copy of `batch` (which must be `accepts`ed). */
  add(batch: TailBatch): void {
    if (!this.accepts(batch)) throw new Error('pending lines: a batch of another generation, or past the size held');
    this.parts.push({
      ...batch,
      data: Buffer.from(batch.data),
      lineNumbers: batch.lineNumbers.slice(),
      rejects: [...batch.rejects],
    });
    this.bytes += batch.data.length;
    this.size += linesOf(batch);
  }

  /** Everything held, as one batch (positioned after the last), and holds nothing more. */
  take(): TailBatch | undefined {
    const parts = this.parts;
    this.parts = [];
    this.bytes = 0;
    this.size = 0;
    if (parts.length <= 1) return parts[0];
    const last = parts.at(-1) as TailBatch;
    const lineNumbers = new Float64Array(parts.reduce((n, p) => n + p.count, 0));
    let at = 0;
    for (const part of parts) {
      lineNumbers.set(part.lineNumbers.subarray(0, part.count), at);
      at += part.count;
    }
    const event = parts.find((p) => p.event)?.event;
    return {
      data: Buffer.concat(parts.map((p) => p.data)),
      lineNumbers,
      count: at,
      rejects: parts.flatMap((p) => p.rejects),
      generation: last.generation,
      file: last.file,
      position: last.position,
      ...(event ? { event } : {}),
    };
  }
}

/** What a batch adds to the pending count: its lines and its rejects. */
export function linesOf(batch: TailBatch): number {
  return batch.count + batch.rejects.length;
}
