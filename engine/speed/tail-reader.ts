import type { FileHandle } from 'node:fs/promises';
import { LineFramer, type LineSink } from '../kernel/lines/line-framer.js';
import { FINGERPRINT_BYTES, type FileId, fingerprintWindow, lastBytes, readAt, sha256Hex } from './file-identity.js';
import { BatchBuilder } from './tail-batch.js';
import type { SiblingId, TailBatch, TailEvent, TailPosition, TailStatus } from './tail-types.js';

/*
 * The reader of one file generation: reads its fd in chunks from where the last complete line ended, frames the lines
 * (kernel/lines/line-framer.ts, as the lake's import does), and checks after every read that the bytes it read before
 * are still there, so that a truncate-and-rewrite is not read at the old offset.
 */

const NEWLINE = 10;
const INCOMPLETE = 'incomplete last line (no newline)';

/** What all readers of a tailer share. */
export interface ReadSettings {
  maxLineBytes: number;
  /** Clock for when the line in progress last grew, and for rotateWaitMs deadlines. */
  now: () => number;
}

/** One open file and how far into its current generation we are. */
export class Reader {
  offset = 0;
  /** Bytes consumed from the fd; ahead of `offset` by the line in progress. */
  readOffset = 0;
  /** The first bytes of the file as read: the fingerprint's source. */
  head: Buffer = Buffer.alloc(0);
  /** Up to 256 bytes ending at `offset`, and ending at `readOffset`. */
  anchorWindow: Buffer = Buffer.alloc(0);
  history: Buffer = Buffer.alloc(0);
  restart: 'truncated' | 'replaced' | undefined;
  /** While draining: when to stop waiting for late writes, and whether the backlog seen at rotation was read. */
  deadline = Infinity;
  caughtUp = true;
  /** The rotated files beside the path when this generation began, if it is the path's file (tail-siblings.ts). */
  siblings: SiblingId[] | undefined;
  /** Frames this generation's lines and holds the line in progress. */
  private framer: LineFramer;
  /** When the line in progress last grew. */
  private pendingSince = 0;

  constructor(
    readonly handle: FileHandle,
    readonly id: FileId,
    public generation: number,
    public event: TailEvent | undefined,
    private readonly settings: ReadSettings,
  ) {
    this.framer = this.framerAt(0, 0);
  }

  /** Lines delivered (or rejected) so far in this generation. */
  get line(): number {
    return this.framer.line;
  }

  /** Continues after line `line`, at `offset`: `head` and `window` are the file's first bytes and those before `offset`. */
  placeAt(offset: number, line: number, head: Buffer, window: Buffer): void {
    this.head = head;
    this.anchorWindow = this.history = window;
    this.offset = this.readOffset = offset;
    this.framer = this.framerAt(offset, line);
  }

  /** Same fd, a new generation from offset 0: the file was truncated or rewritten in place. */
  reset(generation: number, event: TailEvent, siblings?: SiblingId[]): void {
    this.siblings = siblings;
    this.offset = this.readOffset = 0;
    this.head = this.anchorWindow = this.history = Buffer.alloc(0);
    this.framer = this.framerAt(0, 0);
    this.generation = generation;
    this.event = event;
    this.restart = undefined;
  }

  /** Starts draining: the file went away from the path, and is read on from its fd until `deadline` for late writes. */
  drainUntil(deadline: number): void {
    this.deadline = deadline;
    this.caughtUp = false;
  }

  file(): TailPosition['file'] {
    return { ...this.id, fingerprint: sha256Hex(fingerprintWindow(this.head).bytes) };
  }

  position(): TailPosition {
    const { offset, line, generation, siblings } = this;
    const position: TailPosition = { file: this.file(), offset, line, anchor: sha256Hex(this.anchorWindow), generation };
    // Past offset 0 the anchor finds a copy; at 0 only these tell a copy made since from one made before.
    if (offset === 0 && siblings) position.siblings = siblings;
    return position;
  }

  /** The line still waiting for its newline, if any. */
  incompleteLine(): TailStatus['incompleteLine'] {
    const bytes = this.framer.pendingBytes;
    if (bytes === 0) return undefined;
    const heldMs = this.settings.now() - this.pendingSince;
    return { line: this.line + 1, bytes, buffered: this.framer.pendingBuffered, heldMs };
  }

  /** Ends the generation: a last line that never got its newline becomes a reject, never data. */
  endGeneration(): TailBatch | undefined {
    if (this.framer.pendingBytes === 0) return undefined;
    const reject = { line: this.line + 1, reason: INCOMPLETE, raw: this.framer.pendingRaw(), generation: this.generation };
    this.framer.dropPending();
    return {
      ...new BatchBuilder(0).finish(),
      rejects: [reject],
      generation: this.generation,
      file: this.file(),
      position: this.position(),
    };
  }

  /**
   * Reads chunks into `out` until end of file or a full batch. With `verify` (the current file), each chunk is kept only
   * if the bytes before it are still what we read: a truncate-and-rewrite between two reads would otherwise be read at
   * the old offset.
   */
  async read(out: BatchBuilder, buffer: Buffer, verify: boolean): Promise<'eof' | 'full' | 'changed'> {
    for (;;) {
      if (out.full) return 'full';
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.readOffset);
      // Also checked at end of file: a same-size rewrite would otherwise wait for the next append to be noticed.
      if (verify && !(await this.intact())) return 'changed';
      if (bytesRead === 0) return 'eof';
      const whole = this.consume(buffer.subarray(0, bytesRead), out);
      // The next read goes into the same buffer: lines still pointing into it are copied out now.
      out.flush();
      if (!whole) return 'full';
    }
  }

  /** Whether the file was truncated or rewritten under the bytes read so far. */
  async changedInPlace(): Promise<'truncated' | 'replaced' | undefined> {
    if (this.restart) return this.restart;
    if (Number((await this.handle.stat({ bigint: true })).size) < this.readOffset) return 'truncated';
    return (await this.intact()) ? undefined : 'replaced';
  }

  private async intact(): Promise<boolean> {
    if (this.readOffset === 0) return true;
    const window = this.history;
    if (!(await readAt(this.handle, this.readOffset - window.length, window.length)).equals(window)) return false;
    const fingerprint = fingerprintWindow(this.head).bytes;
    if (this.readOffset - window.length <= 0 || fingerprint.length === 0) return true;
    return (await readAt(this.handle, 0, fingerprint.length)).equals(fingerprint);
  }

  private framerAt(offset: number, line: number): LineFramer {
    return new LineFramer({ maxLineBytes: this.settings.maxLineBytes, line, atFileStart: offset === 0 });
  }

  /** Frames a chunk read at `readOffset` into lines. False when the batch filled up: the rest is read again next time. */
  private consume(chunk: Buffer, out: BatchBuilder): boolean {
    const start = this.readOffset;
    const before = this.history;
    if (this.head.length < FINGERPRINT_BYTES && start <= this.head.length) {
      const from = this.head.length - start;
      const take = Math.min(chunk.length - from, FINGERPRINT_BYTES - this.head.length);
      if (take > 0) this.head = Buffer.concat([this.head, chunk.subarray(from, from + take)]);
    }
    const taken = this.framer.push(chunk, batchSink(out, this.generation));
    const full = taken < chunk.length;
    // Just after the last line framed from this chunk: where a checkpoint may point.
    const framedTo = full ? taken : chunk.lastIndexOf(NEWLINE) + 1;
    if (framedTo > 0) {
      this.offset = start + framedTo;
      this.anchorWindow = lastBytes(before, chunk, framedTo);
    }
    if (full) {
      this.readOffset = this.offset;
      this.history = this.anchorWindow;
      this.framer.dropPending();
      return false;
    }
    if (framedTo < chunk.length) this.pendingSince = this.settings.now();
    this.readOffset = start + chunk.length;
    this.history = lastBytes(before, chunk, chunk.length);
    return true;
  }
}

/** Framed lines into a batch: content as lines, rejects with their generation, and no line past the batch's budget. */
function batchSink(out: BatchBuilder, generation: number): LineSink {
  return {
    line: (buf, start, end, line) => out.addLine(buf, start, end, line),
    blank: () => {},
    reject: (line, reason, raw) => out.reject({ line, reason, raw, generation }),
    admits: (bytes) => !out.fullFor(bytes + 1),
  };
}
