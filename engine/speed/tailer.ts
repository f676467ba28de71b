import { NOT_AN_OBJECT, readsIntoNextLine } from '../kernel/lines/frame-ndjson.js';
import { isUtf8 } from 'node:buffer';
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CancelledError, errorMessage, throwIfAborted } from '../kernel/util/errors.js';
import { TailPositionSchema } from './checkpoint.js';
import {
  rotatedSiblings,
  EMPTY_SHA256,
  FINGERPRINT_BYTES,
  type FileId,
  type OpenedFile,
  endOfLastLine,
  fileId,
  filesWithIdentity,
  fingerprintWindow,
  holdsBytes,
  isMissing,
  lastBytes,
  openFile,
  readAnchorWindow,
  readAt,
  sameFile,
  sha256Hex,
} from './file-identity.js';

/*
 * Follows one append-only NDJSON log path like `tail -F`, as a sequence of generations: each rotation, truncation,
 * replacement or re-creation of the file starts a new one. The design follows field notes §1.4:
 *
 * - Lines are delivered only once their '\n' is there; the position is the offset after the last complete line, so a
 *   checkpoint never points into a line. Positions are persisted by the caller after applying a batch: at-least-once.
 * - A renamed or deleted file keeps being read from its open fd for `rotateWaitMs` (Fluent Bit's Rotate_Wait); its
 *   remaining lines come before the next generation's. A last line that never got its newline is surfaced as a reject
 *   when its generation ends, never as data.
 * - Truncation and in-place rewrites are detected by size and by re-reading the anchor and fingerprint after every read,
 *   not by size alone (Vector #23619). copytruncate has an inherent gap: lines written between our last read and the
 *   truncation exist only in the copy, which we do not read.
 * - mtime is never used (it may not be updated, or be skewed). Only (dev, ino), size and content are.
 *
 * Out of scope, as they concern more than one local path: network and cloud-synced folders (checklist 18: their
 * replace-via-rename just shows up here as 'rotated'/'recreated' and fs.watch may stay silent, which polling covers), and
 * gzipped rotated files (checklist 20: we follow one path and never glob, so log.1.gz is never read).
 */

export interface TailPosition {
  /** Identity of the file generation being read. */
  file: { dev: string; ino: string; fingerprint: string };
  /** Byte offset just after the last complete line delivered. */
  offset: number;
  /** Lines delivered (or rejected) so far in this generation: the next line is line + 1. */
  line: number;
  /** Hash of up to the 256 bytes before `offset`: proves on resume that the bytes we already read are still there. */
  anchor: string;
  /** Counts rotations/truncations/replacements seen; starts at 0. */
  generation: number;
}

export interface TailReject {
  line: number;
  reason: string;
  /** At most 4096 chars. */
  raw: string;
  generation: number;
}

export type TailEvent = 'rotated' | 'truncated' | 'replaced' | 'recreated' | 'resumed' | 'restarted-offline-change';

export interface TailBatch {
  /** Complete lines, each terminated by '\n', CR and a leading BOM stripped; blank lines and rejected lines are not included. */
  data: Buffer;
  /** Line number (1-based, within its generation) of each line in `data`, in order. */
  lineNumbers: Float64Array;
  count: number;
  rejects: TailReject[];
  generation: number;
  /** Identity of the file these lines came from. */
  file: TailPosition['file'];
  /** Position after this batch: persist it only after the batch is applied (at-least-once). */
  position: TailPosition;
  /**
   * What happened to the file just before this batch, if anything: 'rotated' (the path names another file and the old
   * one is still linked, e.g. renamed to log.1 or a swapped symlink), 'recreated' (the old file was deleted), 'truncated'
   * (same file, now shorter than what we read), 'replaced' (same file, but the bytes we read changed: truncated and
   * rewritten), 'resumed' (continued from `resumeFrom`), 'restarted-offline-change' (the checkpoint's file was truncated,
   * replaced or is gone, so the path is read from its start).
   */
  event?: TailEvent;
}

export interface TailerOptions {
  path: string;
  /**
   * Where to start when there is no usable `resumeFrom`: the start of the file, or its end (after its last newline).
   * It applies to the file found at the first poll; a file that appears later is new, and is read from its start.
   */
  start: 'beginning' | 'end';
  resumeFrom?: TailPosition;
  /** Longer lines are rejected, never buffered whole. */
  maxLineBytes: number;
  /** Default 4 MiB. A batch holds at least one line, so a single line up to maxLineBytes may exceed it. */
  maxBatchBytes?: number;
  /** Default 100; fs.watch wakes the iterator sooner, polling covers missed watch events. */
  pollIntervalMs?: number;
  /** Default 5000: keep reading a renamed/deleted file's open fd this long for late writes. */
  rotateWaitMs?: number;
  signal?: AbortSignal;
  /** Default true. Off, the iterator relies on polling alone. */
  watch?: boolean;
  /**
   * Default false. On, a batch's `data` is only valid until the next `poll()` or iteration step, whose batches reuse its
   * memory: for consumers that apply each batch before asking for more. Filling fresh memory costs more than framing the
   * lines (page faults: about half the tailer's time on a 300 MB log, measured in `npm run bench`).
   */
  reuseBuffers?: boolean;
  /** Clock for rotateWaitMs deadlines; tests inject one. */
  now?: () => number;
  /**
   * What the tailer found of the file's history while it was stopped (files rotated twice, a copytruncate, a file gone):
   * what it read to lose nothing, and what it could not.
   */
  onWarning?: (message: string) => void;
}

export type TailStatus = {
  state: 'following' | 'waiting-for-file' | 'closed';
  path: string;
  generation: number;
  offset: number;
  line: number;
  /** Rotated fds still open. */
  draining: number;
  lastError?: string;
  /** A line still waiting for its newline: `bytes` seen so far, `buffered` of them held in memory, unchanged for `heldMs`. */
  incompleteLine?: { line: number; bytes: number; buffered: number; heldMs: number };
};

const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;
const RAW_LIMIT = 4096;
const NEWLINE = 10;
const CR = 13;
const INCOMPLETE = 'incomplete last line (no newline)';

/** One open file and how far into its current generation we are. */
class Reader {
  offset = 0;
  line = 0;
  /** Bytes consumed from the fd; ahead of `offset` by the line in progress. */
  readOffset = 0;
  /** The first bytes of the file as read: the fingerprint's source. */
  head: Buffer = Buffer.alloc(0);
  /** Up to 256 bytes ending at `offset`, and ending at `readOffset`. */
  anchorWindow: Buffer = Buffer.alloc(0);
  history: Buffer = Buffer.alloc(0);
  /** The line in progress: all of it, or once it is over maxLineBytes only a prefix for the reject. */
  carry: Buffer[] = [];
  carryBytes = 0;
  oversized = false;
  carryChangedAt = 0;
  restart: 'truncated' | 'replaced' | undefined;
  /** While draining: when to stop waiting for late writes, and whether the backlog seen at rotation was read. */
  deadline = Infinity;
  caughtUp = true;

  constructor(
    readonly handle: FileHandle,
    readonly id: FileId,
    public generation: number,
    public event?: TailEvent,
  ) {}

  reset(generation: number, event: TailEvent): void {
    this.offset = this.line = this.readOffset = 0;
    this.head = this.anchorWindow = this.history = Buffer.alloc(0);
    this.clearCarry();
    this.generation = generation;
    this.event = event;
    this.restart = undefined;
  }

  clearCarry(): void {
    this.carry = [];
    this.carryBytes = 0;
    this.oversized = false;
  }

  file(): TailPosition['file'] {
    return { ...this.id, fingerprint: sha256Hex(fingerprintWindow(this.head).bytes) };
  }

  position(): TailPosition {
    const { offset, line, generation } = this;
    return { file: this.file(), offset, line, anchor: sha256Hex(this.anchorWindow), generation };
  }
}

/** Where batches get their memory: fresh allocations, or buffers handed back by earlier batches. */
class BufferPool {
  private free: Buffer[] = [];
  private lent: Buffer[] = [];

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

  /** A batch's buffer, handed to the consumer until it asks for more. */
  lend(buffer: Buffer | undefined): void {
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
 * instead of one per line, which was the tailer's largest cost on a 300 MB log once batch memory was reused.
 */
class BatchBuilder {
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

export class Tailer {
  private readonly path: string;
  private readonly maxLineBytes: number;
  private readonly maxBatchBytes: number;
  /** The size batches are cut at by the read under way (a poll may ask for less than maxBatchBytes). */
  private batchBytes: number;
  private readonly pollIntervalMs: number;
  private readonly rotateWaitMs: number;
  private readonly now: () => number;
  private readonly resume: TailPosition | undefined;
  /** The file the path names, and older generations still being drained (oldest first). */
  private current: Reader | undefined;
  private draining: Reader[] = [];
  /** The position when no file is open. */
  private last: TailPosition;
  private nextGeneration = 0;
  /** What the next file to appear at the path follows, when the previous one went away first. */
  private nextEvent: TailEvent | undefined;
  private started = false;
  /** Batches produced ahead of their turn: a generation's end found while retiring it. */
  private ready: TailBatch[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private lastError: string | undefined;
  private failedSinceIdle = false;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly buffer: Buffer;
  private readonly pool: BufferPool;
  /** The memory behind each batch's data, for the pool. */
  private readonly backing = new WeakMap<TailBatch, Buffer>();
  private readonly waiters = new Set<() => void>();
  private dirty = false;
  private readonly onAbort = () => void this.close();

  constructor(private readonly options: TailerOptions) {
    if (!Number.isInteger(options.maxLineBytes) || options.maxLineBytes < 1)
      throw new TypeError('maxLineBytes must be a positive integer');
    this.path = options.path;
    this.maxLineBytes = options.maxLineBytes;
    this.maxBatchBytes = Math.max(1, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
    this.batchBytes = this.maxBatchBytes;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.rotateWaitMs = options.rotateWaitMs ?? 5000;
    this.now = options.now ?? Date.now;
    // Reads of up to 4 MiB: each read is a trip through the thread pool (a 300 MB log in 1 MiB reads waited 150 ms on them).
    this.buffer = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, Math.max(16 * 1024, this.maxBatchBytes)));
    this.pool = new BufferPool(options.reuseBuffers ?? false);
    const resume = options.resumeFrom && TailPositionSchema.safeParse(options.resumeFrom);
    if (resume && !resume.success) this.lastError = 'ignored an invalid resumeFrom position; using the start policy';
    this.resume = resume?.success ? resume.data : undefined;
    this.last = this.resume ?? {
      file: { dev: '', ino: '', fingerprint: '' },
      offset: 0,
      line: 0,
      anchor: EMPTY_SHA256,
      generation: 0,
    };
    this.nextGeneration = this.last.generation;
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
      this.batchBytes = Math.max(1, Math.min(options.maxBatchBytes ?? Infinity, this.maxBatchBytes));
      try {
        const batches: TailBatch[] = [];
        while (!this.closed && batches.length < (options.maxBatches ?? Infinity)) {
          const batch = await this.step();
          if (!batch) break;
          this.pool.lend(this.backing.get(batch));
          batches.push(batch);
          throwIfAborted(this.options.signal);
        }
        return batches;
      } finally {
        this.batchBytes = this.maxBatchBytes;
      }
    });
  }

  /** Yields batches as they arrive (fs.watch + poll interval), until the signal aborts or close() is called. */
  async *[Symbol.asyncIterator](): AsyncGenerator<TailBatch, void, undefined> {
    const watcher = this.watchDirectory();
    try {
      while (!this.closed) {
        const batch = await this.exclusive(() => {
          this.pool.reclaim();
          return this.closed ? Promise.resolve(undefined) : this.step();
        });
        if (batch) {
          this.pool.lend(this.backing.get(batch));
          yield batch;
        } else await this.waitForChange();
      }
    } catch (error) {
      if (!(error instanceof CancelledError)) throw error;
    } finally {
      watcher?.close();
    }
  }

  get position(): TailPosition {
    const behind = this.draining.find((r) => !r.caughtUp);
    const reader = behind ?? this.current ?? this.draining.at(-1);
    return reader ? reader.position() : this.last;
  }

  get status(): TailStatus {
    const position = this.position;
    const current = this.current;
    const status: TailStatus = {
      state: this.closed ? 'closed' : current ? 'following' : 'waiting-for-file',
      path: this.path,
      generation: current?.generation ?? position.generation,
      offset: current?.offset ?? position.offset,
      line: current?.line ?? position.line,
      draining: this.draining.length,
    };
    if (this.lastError !== undefined) status.lastError = this.lastError;
    if (current && current.carryBytes > 0) {
      const buffered = current.carry.reduce((sum, part) => sum + part.length, 0);
      status.incompleteLine = {
        line: current.line + 1,
        bytes: current.carryBytes,
        buffered,
        heldMs: this.now() - current.carryChangedAt,
      };
    }
    return status;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.options.signal?.removeEventListener('abort', this.onAbort);
      this.wakeUp();
      await this.exclusive(async () => {
        this.last = this.position;
        const readers = this.current ? [...this.draining, this.current] : this.draining;
        this.current = undefined;
        this.draining = [];
        this.ready = [];
        await Promise.all(readers.map((r) => r.handle.close().catch(() => {})));
      });
    })();
    return this.closing;
  }

  /** The next batch: old generations first, then the file the path names now. Undefined when caught up. */
  private async step(): Promise<TailBatch | undefined> {
    const batch = await this.nextBatch();
    if (!batch) {
      if (!this.failedSinceIdle) this.lastError = undefined;
      this.failedSinceIdle = false;
    }
    return batch;
  }

  private async nextBatch(): Promise<TailBatch | undefined> {
    if (!this.started && !(await this.start())) return undefined;
    const ready = this.ready.shift();
    if (ready) return ready;
    const old = await this.stepDraining();
    if (old) return old;
    if (await this.followPath()) {
      const rotated = this.ready.shift() ?? (await this.stepDraining());
      if (rotated) return rotated;
    }
    return this.current ? this.readBatch(this.current) : undefined;
  }

  private async stepDraining(): Promise<TailBatch | undefined> {
    for (const reader of [...this.draining]) {
      const batch = await this.readBatch(reader);
      if (batch) return batch;
      if (reader.caughtUp && this.now() >= reader.deadline) {
        const ended = await this.finish(reader);
        if (ended) return ended;
      }
    }
    return undefined;
  }

  private async start(): Promise<boolean> {
    let opened;
    try {
      opened = await openFile(this.path).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (this.resume && this.resume.file.dev !== '') await this.startFromCheckpoint(this.resume, opened);
      else if (opened) {
        const reader = new Reader(opened.handle, opened.id, this.nextGeneration++);
        // A position taken before any file existed means every file since is new: read it whole.
        if (this.options.start === 'end' && !this.resume) await this.seekToEnd(reader, opened.size);
        this.current = reader;
      }
      this.started = true;
      return true;
    } catch (error) {
      await opened?.handle.close().catch(() => {});
      for (const reader of this.draining) await reader.handle.close().catch(() => {});
      this.draining = [];
      this.current = undefined;
      this.nextGeneration = this.last.generation;
      this.nextEvent = undefined;
      if (error instanceof CancelledError) throw error;
      this.fail(error);
      return false;
    }
  }

  private async startFromCheckpoint(checkpoint: TailPosition, opened: OpenedFile | undefined): Promise<void> {
    this.nextGeneration = checkpoint.generation + 1;
    const warn = (message: string) => this.options.onWarning?.(message);
    if (opened && sameFile(opened.id, checkpoint.file)) {
      const resumed = await this.resumeAt(opened.handle, opened.id, checkpoint);
      if (resumed) {
        this.current = resumed;
        return;
      }
      // Truncated or rewritten while we were stopped. With copytruncate, the copy (log.1) holds what we had not read.
      const copy = await this.findCopy(checkpoint, opened.id);
      if (copy) {
        copy.reader.deadline = this.now() + this.rotateWaitMs;
        copy.reader.caughtUp = false;
        this.draining.push(copy.reader);
        // Copied and truncated more than once while stopped: each later copy (log.1 when ours is log.2) holds lines of
        // its own, written after our copy's. Without this they were skipped silently (tailer-stopped.model.test.ts).
        const newer = await this.rotatedAfter(copy.path, [copy.reader.id, opened.id]);
        for (const reader of newer) {
          reader.deadline = this.now() + this.rotateWaitMs;
          reader.caughtUp = false;
          this.draining.push(reader);
        }
        const later =
          newer.length === 0
            ? ''
            : `, then ${newer.length === 1 ? 'the copy made after it is' : `the ${newer.length} copies made after it are`} read whole`;
        warn(
          `${this.path} was copied and truncated while Recount was stopped (copytruncate): the lines after line ${checkpoint.line} are read from the copy ${basename(copy.path)}${later}; lines written between the copy and the truncation are in neither file and cannot be counted`,
        );
      } else {
        warn(
          `${this.path} was truncated or rewritten while Recount was stopped, and no copy of it beside it holds the lines after line ${checkpoint.line}: any written after the checkpoint and before that are lost; it is read again from its start`,
        );
      }
      this.current = new Reader(opened.handle, opened.id, this.nextGeneration++, copy ? 'truncated' : 'restarted-offline-change');
      return;
    }
    // The checkpoint's file is no longer at the path: if it was rotated while we were away, finish it first, then
    // every file rotated after it (a second rotation while stopped would otherwise skip the one between).
    const rotated = await this.findRotated(checkpoint);
    if (rotated) {
      rotated.reader.deadline = this.now() + this.rotateWaitMs;
      rotated.reader.caughtUp = false;
      this.draining.push(rotated.reader);
      const newer = await this.rotatedAfter(rotated.path, [rotated.reader.id, ...(opened ? [opened.id] : [])]);
      for (const reader of newer) {
        reader.deadline = this.now() + this.rotateWaitMs;
        reader.caughtUp = false;
        this.draining.push(reader);
      }
      if (newer.length > 0) {
        warn(
          `${this.path} was rotated ${newer.length + 1} times while Recount was stopped: ${basename(rotated.path)} is finished from line ${checkpoint.line}, then ${newer.length === 1 ? 'the file rotated after it is' : `the ${newer.length} files rotated after it are`} read whole`,
        );
      }
    } else {
      warn(
        `the file ${this.path} named when Recount stopped (at line ${checkpoint.line}) is gone, deleted or compressed by rotation: lines it held after that are not read, and could not be counted`,
      );
    }
    const event: TailEvent = rotated ? 'rotated' : 'restarted-offline-change';
    if (opened) this.current = new Reader(opened.handle, opened.id, this.nextGeneration++, event);
    else this.nextEvent = event;
  }

  /** A rotated copy of the file (another inode) that still holds the bytes the checkpoint saw: copytruncate's copy. */
  private async findCopy(checkpoint: TailPosition, current: FileId): Promise<{ reader: Reader; path: string } | undefined> {
    for (const candidate of (await rotatedSiblings(this.path)).reverse()) {
      const opened = await openFile(candidate).catch(() => undefined);
      if (!opened) continue;
      if (!sameFile(opened.id, current)) {
        const reader = await this.resumeAt(opened.handle, opened.id, checkpoint).catch(() => undefined);
        if (reader) return { reader, path: candidate };
      }
      await opened.handle.close().catch(() => {});
    }
    return undefined;
  }

  /** Readers from the start of every rotated file newer than `older` (none of the files `skip` names), oldest first. */
  private async rotatedAfter(older: string, skip: FileId[]): Promise<Reader[]> {
    const siblings = await rotatedSiblings(this.path);
    const at = siblings.indexOf(older);
    if (at < 0) return [];
    const readers: Reader[] = [];
    for (const candidate of siblings.slice(at + 1)) {
      const opened = await openFile(candidate).catch(() => undefined);
      if (!opened) continue;
      if (skip.some((id) => sameFile(opened.id, id))) {
        await opened.handle.close().catch(() => {});
        continue;
      }
      readers.push(new Reader(opened.handle, opened.id, this.nextGeneration++, 'rotated'));
      skip.push(opened.id);
    }
    return readers;
  }

  /** A reader at the checkpoint's offset, if this file still holds the bytes the checkpoint saw. */
  private async resumeAt(handle: FileHandle, id: FileId, checkpoint: TailPosition): Promise<Reader | undefined> {
    const reader = new Reader(handle, id, checkpoint.generation, 'resumed');
    // At offset 0 nothing was delivered from this file and its fingerprint was provisional: any content is new.
    if (checkpoint.offset === 0) return reader;
    const held = await holdsBytes(handle, { ...checkpoint, fingerprint: checkpoint.file.fingerprint });
    if (!held) return undefined;
    reader.head = held.head;
    reader.anchorWindow = reader.history = held.window;
    reader.offset = reader.readOffset = checkpoint.offset;
    reader.line = checkpoint.line;
    return reader;
  }

  private async findRotated(checkpoint: TailPosition): Promise<{ reader: Reader; path: string } | undefined> {
    for (const candidate of await filesWithIdentity(this.path, checkpoint.file)) {
      const opened = await openFile(candidate).catch(() => undefined);
      if (!opened) continue;
      const reader = sameFile(opened.id, checkpoint.file)
        ? await this.resumeAt(opened.handle, opened.id, checkpoint).catch(() => undefined)
        : undefined;
      if (reader) return { reader, path: candidate };
      await opened.handle.close().catch(() => {});
    }
    return undefined;
  }

  private async seekToEnd(reader: Reader, size: number): Promise<void> {
    const { offset, line } = await endOfLastLine(reader.handle, size, this.options.signal);
    if (offset === 0) return;
    reader.head = fingerprintWindow(await readAt(reader.handle, 0, FINGERPRINT_BYTES)).bytes;
    reader.anchorWindow = reader.history = await readAnchorWindow(reader.handle, offset);
    reader.offset = reader.readOffset = offset;
    reader.line = line;
  }

  /** Notices the path naming another file (or none). True when a generation was retired and must be drained first. */
  private async followPath(): Promise<boolean> {
    let id: FileId;
    try {
      id = fileId(await stat(this.path, { bigint: true }));
    } catch (error) {
      if (!isMissing(error)) {
        this.fail(error);
        return false;
      }
      if (!this.current) return false;
      this.nextEvent = await this.retire(this.current);
      return true;
    }
    if (this.current && sameFile(id, this.current.id)) return false;
    let opened;
    try {
      opened = await openFile(this.path);
    } catch (error) {
      this.fail(isMissing(error) ? `${this.path} vanished between stat and open; retrying` : error);
      return false;
    }
    if (this.current && sameFile(opened.id, this.current.id)) {
      await opened.handle.close();
      return false;
    }
    const event = this.current ? await this.retire(this.current) : this.nextEvent;
    this.nextEvent = undefined;
    this.current = new Reader(opened.handle, opened.id, this.nextGeneration++, event);
    return this.draining.length > 0;
  }

  /** Moves the current file to draining, and says what became of it. */
  private async retire(reader: Reader): Promise<TailEvent> {
    // Truncated or rewritten before it went away: that restart belongs before the next file's generation.
    const why = await this.changedInPlace(reader).catch(() => undefined);
    if (why) {
      const ended = this.endGeneration(reader);
      reader.reset(this.nextGeneration++, why);
      if (ended) {
        ended.position = reader.position();
        this.ready.push(ended);
      }
    }
    let linked = true;
    try {
      linked = (await reader.handle.stat({ bigint: true })).nlink > 0n;
    } catch {
      // Still drained from the fd either way; only the event's name depends on it.
    }
    reader.deadline = this.now() + this.rotateWaitMs;
    reader.caughtUp = false;
    this.draining.push(reader);
    this.current = undefined;
    return linked ? 'rotated' : 'recreated';
  }

  /** Ends a drained generation: its incomplete last line becomes a reject, and its fd is closed. */
  private async finish(reader: Reader): Promise<TailBatch | undefined> {
    const ended = this.endGeneration(reader);
    if (!this.current && this.draining.at(-1) === reader) this.last = reader.position();
    this.draining.splice(this.draining.indexOf(reader), 1);
    await reader.handle.close().catch(() => {});
    if (ended) ended.position = this.position;
    return ended;
  }

  /** Same fd, new generation from offset 0: the file was truncated or rewritten in place. */
  private async restartGeneration(reader: Reader, why: 'truncated' | 'replaced'): Promise<TailBatch | undefined> {
    const ended = this.endGeneration(reader);
    reader.reset(this.nextGeneration++, why);
    if (!ended) return this.readBatch(reader);
    ended.position = this.position;
    return ended;
  }

  private endGeneration(reader: Reader): TailBatch | undefined {
    if (reader.carryBytes === 0) return undefined;
    const raw = Buffer.concat(reader.carry).toString('utf8', 0, RAW_LIMIT).slice(0, RAW_LIMIT);
    const reject: TailReject = { line: reader.line + 1, reason: INCOMPLETE, raw, generation: reader.generation };
    reader.clearCarry();
    const batch: TailBatch = {
      ...new BatchBuilder(0).finish(),
      rejects: [reject],
      generation: reader.generation,
      file: reader.file(),
      position: reader.position(),
    };
    return batch;
  }

  private async readBatch(reader: Reader): Promise<TailBatch | undefined> {
    const isCurrent = reader === this.current;
    try {
      if (reader.restart || Number((await reader.handle.stat({ bigint: true })).size) < reader.readOffset) {
        const why = reader.restart ?? 'truncated';
        if (isCurrent) return await this.restartGeneration(reader, why);
        // A rotated file that shrank has nothing more for us: end it now.
        reader.deadline = -Infinity;
        reader.caughtUp = true;
        return undefined;
      }
      const out = new BatchBuilder(this.batchBytes, this.pool);
      const result = await this.fill(reader, out, isCurrent);
      if (result === 'changed') {
        reader.restart = 'replaced';
        if (out.empty) {
          this.pool.give(out.backing);
          return await this.restartGeneration(reader, 'replaced');
        }
      }
      if (out.empty && !reader.event) {
        this.pool.give(out.backing);
        if (result === 'eof' && !isCurrent) reader.caughtUp = true;
        return undefined;
      }
      const batch: TailBatch = {
        ...out.finish(),
        generation: reader.generation,
        file: reader.file(),
        position: this.position,
      };
      this.backing.set(batch, out.backing);
      if (reader.event) batch.event = reader.event;
      reader.event = undefined;
      return batch;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  /**
   * Reads chunks into `out` until end of file or a full batch. On the current file, each chunk is kept only if the bytes
   * before it are still what we read: a truncate-and-rewrite between two reads would otherwise be read at the old offset.
   */
  private async fill(reader: Reader, out: BatchBuilder, verify: boolean): Promise<'eof' | 'full' | 'changed'> {
    for (;;) {
      if (out.size >= this.batchBytes) return 'full';
      const { bytesRead } = await reader.handle.read(this.buffer, 0, this.buffer.length, reader.readOffset);
      // Also checked at end of file: a same-size rewrite would otherwise wait for the next append to be noticed.
      if (verify && !(await this.intact(reader))) return 'changed';
      if (bytesRead === 0) return 'eof';
      const whole = this.consume(reader, this.buffer.subarray(0, bytesRead), out);
      // The next read goes into the same buffer: lines still pointing into it are copied out now.
      out.flush();
      if (!whole) return 'full';
    }
  }

  private async changedInPlace(reader: Reader): Promise<'truncated' | 'replaced' | undefined> {
    if (reader.restart) return reader.restart;
    if (Number((await reader.handle.stat({ bigint: true })).size) < reader.readOffset) return 'truncated';
    return (await this.intact(reader)) ? undefined : 'replaced';
  }

  private async intact(reader: Reader): Promise<boolean> {
    if (reader.readOffset === 0) return true;
    const window = reader.history;
    if (!(await readAt(reader.handle, reader.readOffset - window.length, window.length)).equals(window)) return false;
    const fingerprint = fingerprintWindow(reader.head).bytes;
    if (reader.readOffset - window.length <= 0 || fingerprint.length === 0) return true;
    return (await readAt(reader.handle, 0, fingerprint.length)).equals(fingerprint);
  }

  /** Frames a chunk read at `readOffset` into lines. False when the batch filled up: the rest is read again next time. */
  private consume(reader: Reader, chunk: Buffer, out: BatchBuilder): boolean {
    const start = reader.readOffset;
    const before = reader.history;
    if (reader.head.length < FINGERPRINT_BYTES && start <= reader.head.length) {
      const from = reader.head.length - start;
      const take = Math.min(chunk.length - from, FINGERPRINT_BYTES - reader.head.length);
      if (take > 0) reader.head = Buffer.concat([reader.head, chunk.subarray(from, from + take)]);
    }
    // One UTF-8 and NUL check over the chunk's complete lines; per-line checks only when it fails.
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    const utf8 = lastNewline >= 0 && isUtf8(chunk.subarray(0, lastNewline + 1));
    const nul = chunk.indexOf(0) >= 0;
    let pos = 0;
    let full = false;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, pos);
      if (nl < 0) {
        this.addCarry(reader, chunk, pos, chunk.length);
        break;
      }
      if (reader.carryBytes > 0) {
        const total = reader.carryBytes + nl - pos;
        if (total <= this.maxLineBytes && out.fullFor(total + 1)) {
          full = true;
          break;
        }
        this.addCarry(reader, chunk, pos, nl);
        const oversized = reader.oversized;
        const joined = Buffer.concat(reader.carry);
        reader.clearCarry();
        this.frameLine(reader, out, joined, 0, joined.length, oversized ? total : undefined, isUtf8(joined), true);
      } else {
        if (nl - pos <= this.maxLineBytes && out.fullFor(nl - pos + 1)) {
          full = true;
          break;
        }
        this.frameLine(reader, out, chunk, pos, nl, undefined, utf8, nul);
      }
      pos = nl + 1;
      reader.offset = start + pos;
    }
    if (reader.offset > start) reader.anchorWindow = lastBytes(before, chunk, reader.offset - start);
    if (full) {
      reader.readOffset = reader.offset;
      reader.history = reader.anchorWindow;
      reader.clearCarry();
      return false;
    }
    reader.readOffset = start + chunk.length;
    reader.history = lastBytes(before, chunk, chunk.length);
    return true;
  }

  private addCarry(reader: Reader, buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    reader.carryBytes += end - start;
    reader.carryChangedAt = this.now();
    if (reader.oversized) return;
    if (reader.carryBytes > this.maxLineBytes) {
      // Keep a prefix for the reject's raw text; the rest of the line is counted, never stored.
      const prefix = Buffer.concat([...reader.carry, buf.subarray(start, Math.min(end, start + RAW_LIMIT))]);
      reader.carry = [Buffer.from(prefix.subarray(0, RAW_LIMIT))];
      reader.oversized = true;
      return;
    }
    reader.carry.push(Buffer.from(buf.subarray(start, end)));
  }

  private frameLine(
    reader: Reader,
    out: BatchBuilder,
    buf: Buffer,
    start: number,
    end: number,
    oversizedLength: number | undefined,
    utf8: boolean,
    mayHaveNul: boolean,
  ): void {
    const line = ++reader.line;
    if (oversizedLength !== undefined || end - start > this.maxLineBytes) {
      const length = oversizedLength ?? end - start;
      return rejectLine(
        out,
        reader,
        line,
        `line is ${length} bytes, longer than the ${this.maxLineBytes}-byte limit`,
        buf,
        start,
        end,
      );
    }
    let s = start;
    let e = end;
    // A BOM at any line start: a file appended whole to the log brings its own.
    if (e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    if (e > s && buf[e - 1] === CR) e--;
    if (isBlank(buf, s, e)) return;
    if (!utf8 && !isUtf8(buf.subarray(s, e))) return rejectLine(out, reader, line, 'not valid UTF-8', buf, s, e);
    if (mayHaveNul && buf.subarray(s, e).indexOf(0) >= 0) return rejectLine(out, reader, line, 'contains a NUL byte', buf, s, e);
    // As in an import: DuckDB would read a line cut short after ':' or ',' on into the next one, losing both.
    if (readsIntoNextLine(buf, s, e)) return rejectLine(out, reader, line, NOT_AN_OBJECT, buf, s, e);
    out.addLine(buf, s, e, line);
  }

  private fail(error: unknown): void {
    this.lastError = typeof error === 'string' ? error : errorMessage(error);
    this.failedSinceIdle = true;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => {});
    return run;
  }

  private watchDirectory(): FSWatcher | undefined {
    if (this.options.watch === false) return undefined;
    try {
      // The directory, not the file: a watch on the file goes stale at the first rotation.
      const watcher = watch(dirname(this.path), { persistent: false }, () => this.wakeUp());
      watcher.on('error', () => watcher.close());
      return watcher;
    } catch {
      return undefined;
    }
  }

  /** Coalesces watch events: a burst wakes the iterator once, and an event during a read makes the next wait return at once. */
  private wakeUp(): void {
    if (this.waiters.size === 0) this.dirty = true;
    for (const wake of [...this.waiters]) wake();
  }

  private waitForChange(): Promise<void> {
    if (this.dirty || this.closed) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.waiters.add(done);
    });
  }
}

function rejectLine(
  out: BatchBuilder,
  reader: Reader,
  line: number,
  reason: string,
  buf: Buffer,
  start: number,
  end: number,
): void {
  const raw = buf.toString('utf8', start, Math.min(end, start + RAW_LIMIT)).slice(0, RAW_LIMIT);
  out.reject({ line, reason, raw, generation: reader.generation });
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== CR) return false;
  }
  return true;
}
