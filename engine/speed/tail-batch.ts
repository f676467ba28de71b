import type { TailBatch, TailReject } from './tail-types.js';

/*
 * A batch's memory and limits: the pool its buffers come from, and the builder that fills one batch within its byte
 * budget.
 */

const NEWLINE = 10;

/** Where batches get their memory: fresh allocations, or buffers handed back by earlier batches. */
export class BufferPool {
  private free: Buffer[] = [];
  private lent: Buffer[] = [];
  /** The memory behind each batch's data. */
  private readonly backing = new WeakMap<TailBatch, Buffer>();

  constructor(private readonly reuse: boolean) {}

  /** A buffer of at least `bytes`; when buffers are reused, one of `full` bytes, so that a batch never outgrows it. */
  take(bytes: number, full: number): Buffer {
    if (!this.reuse) return Buffer.allocUnsafe(bytes);
    const index = this.free.findIndex((b) => b.length >= bytes);
    return index < 0 ? Buffer.allocUnsafe(Math.max(bytes, full)) : (this.free.splice(index, 1)[0] as Buffer);
  }

  /** A buffer no batch refers to any more. */
  give(buffer: Buffer): void {
    if (!this.reuse || buffer.length === 0) return;
    this.free.push(buffer);
    // Bounded: the largest few, which serve any batch.
    if (this.free.length > 4) this.free.sort((a, b) => b.length - a.length).pop();
  }

  /** Records the memory behind a batch's data, for `lend`. */
  own(batch: TailBatch, buffer: Buffer): void {
    this.backing.set(batch, buffer);
  }

  /** A batch handed to the consumer: its memory is not reused until the consumer asks for more. */
  lend(batch: TailBatch): void {
    const buffer = this.backing.get(batch);
    if (this.reuse && buffer) this.lent.push(buffer);
  }

  /** The consumer asks for more: what it held is free again. */
  reclaim(): void {
    for (const buffer of this.lent.splice(0)) this.give(buffer);
  }
}

/**
 * Accumulates one batch within its byte budget. Consecutive lines that are copied as they stand (each directly
 * followed by its newline in the source) are gathered into one run and copied at once: one copy per chunk read
 * instead of one per line, since once batch memory is reused the per-line copies would be most of the framing's cost.
 */
export class BatchBuilder {
  private data: Buffer = Buffer.alloc(0);
  private length = 0;
  private numbers = new Float64Array(0);
  count = 0;
  readonly rejects: TailReject[] = [];
  private rejectBytes = 0;
  /** The run of lines not copied yet: [runStart, runEnd) of runSource, newlines included. */
  private runSource: Buffer | undefined;
  private runStart = 0;
  private runEnd = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly pool: BufferPool = new BufferPool(false),
  ) {}

  get size(): number {
    return this.length + (this.runEnd - this.runStart) + this.rejectBytes;
  }

  /** At its budget: the read stops here. */
  get full(): boolean {
    return this.size >= this.maxBytes;
  }

  get empty(): boolean {
    return this.count === 0 && this.rejects.length === 0;
  }

  /** A line of `bytes` must wait for the next batch; an empty batch takes any line, so every line fits somewhere. */
  fullFor(bytes: number): boolean {
    return !this.empty && this.size + bytes > this.maxBytes;
  }

  addLine(source: Buffer, start: number, end: number, line: number): void {
    const asItStands = source[end] === NEWLINE;
    if (asItStands && source === this.runSource && start === this.runEnd) this.runEnd = end + 1;
    else {
      this.flush();
      if (asItStands) {
        this.runSource = source;
        this.runStart = start;
        this.runEnd = end + 1;
      } else {
        this.reserve(end - start + 1);
        this.length += source.copy(this.data, this.length, start, end);
        this.data[this.length++] = NEWLINE;
      }
    }
    if (this.count === this.numbers.length) {
      const grown = new Float64Array(Math.max(256, this.count * 2));
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.numbers[this.count++] = line;
  }

  /** Copies the pending run: before the memory it points into is read over, and before the batch is handed out. */
  flush(): void {
    if (!this.runSource) return;
    this.reserve(this.runEnd - this.runStart);
    this.length += this.runSource.copy(this.data, this.length, this.runStart, this.runEnd);
    this.runSource = undefined;
    this.runStart = this.runEnd = 0;
  }

  private reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.data.length) return;
    const grown = this.pool.take(
      Math.max(needed, Math.min(this.maxBytes, Math.max(64 * 1024, this.data.length * 2))),
      // A batch may pass maxBytes by up to one line (each batch takes at least one).
      this.maxBytes + (this.maxBytes >> 4),
    );
    this.data.copy(grown, 0, 0, this.length);
    this.pool.give(this.data);
    this.data = grown;
  }

  reject(reject: TailReject): void {
    this.rejects.push(reject);
    this.rejectBytes += reject.raw.length + 64;
  }

  /** The memory behind `data`. */
  get backing(): Buffer {
    return this.data;
  }

  finish(): Pick<TailBatch, 'data' | 'lineNumbers' | 'count' | 'rejects'> {
    this.flush();
    return {
      data: this.data.subarray(0, this.length),
      lineNumbers: this.numbers.slice(0, this.count),
      count: this.count,
      rejects: this.rejects,
    };
  }
}
