import { isUtf8 } from 'node:buffer';

/*
 * The one NDJSON line framer: the lake's import (frame-ndjson.ts) and the live tailer (engine/speed) both cut bytes
 * into lines here, so that a line the live view saw is the line the import stores, with the same number and the same
 * reject reason. The rules, in the order they apply to each line:
 *
 * - A line ends at its newline; the line in progress is held until its newline comes, however the bytes were chunked.
 * - A UTF-8 byte-order mark is stripped from the file's first line only: it marks the file's encoding. At the start of
 *   a later line it is data, and DuckDB rejects that line as not a JSON object, in an import as in the live view.
 * - A line longer than maxLineBytes, counted as it stands in the file (BOM and CR included: what the framer would
 *   have to hold), is rejected; only its first RAW_LIMIT bytes are ever kept in memory.
 * - A CR before the newline is stripped; a line of nothing but spaces, tabs and CRs is blank.
 * - A line that is not valid UTF-8, holds a NUL byte, or ends where DuckDB would read on into the next line, is
 *   rejected; any other line is content.
 */

/** Raw text kept for a rejected line; the rest is summarised by its length. */
export const RAW_LIMIT = 4096;

/** The reason for a line that is not a JSON object, as the import gives it for lines DuckDB cannot read. */
export const NOT_AN_OBJECT = 'not a valid JSON object';
export const NOT_UTF8 = 'line is not valid UTF-8';
export const HAS_NUL = 'line contains a NUL byte';

export function tooLong(bytes: number, maxLineBytes: number): string {
  return `line is ${bytes} bytes, longer than the ${maxLineBytes}-byte limit`;
}

/** Where framed lines go. Line numbers count every line: blank and rejected ones too. */
export interface LineSink {
  /** A line's content: [start, end) of buf, without its newline, its CR or the file's BOM. Valid only during the call. */
  line(buf: Buffer, start: number, end: number, line: number): void;
  blank(line: number): void;
  /** `raw` is the line's text, cut to RAW_LIMIT bytes. */
  reject(line: number, reason: string, raw: string): void;
  /**
   * Whether a line of `bytes` bytes (newline excluded, at most maxLineBytes) may be framed now. False stops the push
   * before that line: a consumer whose batch is full. Longer lines are rejects, never refused.
   */
  admits?(bytes: number): boolean;
}

export interface LineFramerOptions {
  maxLineBytes: number;
  /** Lines before the first byte pushed (a framer resuming within a file). Default 0. */
  line?: number;
  /** Whether the first byte pushed is the file's first: only there is a BOM stripped. Default true. */
  atFileStart?: boolean;
  /** The newline byte: LF, or CR for a file whose lines end in a bare CR. Default LF. */
  newline?: number;
}

/** Turns a byte stream, in chunks cut anywhere, into lines; never holds more than maxLineBytes of one line. */
export class LineFramer {
  /** Lines framed so far (the last one's number). */
  line: number;
  /** Whether a BOM was stripped at the file's start. */
  strippedBom = false;
  private readonly maxLineBytes: number;
  private readonly newline: number;
  private atFileStart: boolean;
  /** The line in progress: all of it, or once it is over maxLineBytes only its first RAW_LIMIT bytes, for the reject. */
  private carry: Buffer[] = [];
  /** Bytes of the line in progress, and of those the bytes in `carry`. */
  private carryBytes = 0;
  private carryHeld = 0;
  private carryOversized = false;

  constructor(options: LineFramerOptions) {
    this.maxLineBytes = options.maxLineBytes;
    this.line = options.line ?? 0;
    this.atFileStart = options.atFileStart ?? true;
    this.newline = options.newline ?? 10;
  }

  /** Bytes of the line in progress (after the last newline). */
  get pendingBytes(): number {
    return this.carryBytes;
  }

  /** Of those, the bytes held in memory. */
  get pendingBuffered(): number {
    return this.carryHeld;
  }

  /** The line in progress as held: undefined once it is over maxLineBytes (only a prefix is held then). */
  pendingLine(): Buffer | undefined {
    return this.carryOversized ? undefined : Buffer.concat(this.carry);
  }

  /** The text of the line in progress, cut to RAW_LIMIT bytes. */
  pendingRaw(): string {
    return Buffer.concat(this.carry).toString('utf8', 0, RAW_LIMIT);
  }

  /** Forgets the line in progress: its bytes will be pushed again, or never come. */
  dropPending(): void {
    this.carry = [];
    this.carryBytes = this.carryHeld = 0;
    this.carryOversized = false;
  }

  /**
   * Frames the chunk's complete lines into `sink` and holds the bytes after its last newline. Returns how much of the
   * chunk was taken: all of it, or, when `sink.admits` refused a line, up to that line's start in the chunk (0 if it
   * began in an earlier chunk, whose bytes are then still pending).
   */
  push(chunk: Buffer, sink: LineSink): number {
    const newline = this.newline;
    const lastNewline = chunk.lastIndexOf(newline);
    if (lastNewline < 0) {
      this.addCarry(chunk, 0, chunk.length);
      return chunk.length;
    }
    // One UTF-8 and NUL check over the chunk's complete lines; per-line checks only when it fails.
    const utf8 = isUtf8(chunk.subarray(0, lastNewline + 1));
    const nul = chunk.indexOf(0) >= 0;
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(newline, pos);
      if (nl < 0) {
        this.addCarry(chunk, pos, chunk.length);
        return chunk.length;
      }
      if (this.carryBytes > 0) {
        const total = this.carryBytes + nl - pos;
        if (sink.admits && total <= this.maxLineBytes && !sink.admits(total)) return pos;
        this.addCarry(chunk, pos, nl);
        const oversized = this.carryOversized ? total : undefined;
        const joined = Buffer.concat(this.carry);
        this.dropPending();
        this.frame(joined, 0, joined.length, oversized, false, true, sink);
      } else {
        if (sink.admits && nl - pos <= this.maxLineBytes && !sink.admits(nl - pos)) return pos;
        this.frame(chunk, pos, nl, undefined, utf8, nul, sink);
      }
      pos = nl + 1;
    }
  }

  /** Frames the line in progress as the last line, without its newline (the input ended there). */
  end(sink: LineSink): void {
    if (this.carryBytes === 0) return;
    const oversized = this.carryOversized ? this.carryBytes : undefined;
    const joined = Buffer.concat(this.carry);
    this.dropPending();
    this.frame(joined, 0, joined.length, oversized, false, true, sink);
  }

  private addCarry(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.carryBytes += end - start;
    // Over the limit, only the line's first RAW_LIMIT bytes are kept, for the reject's raw text, however the line was
    // chunked; the rest of it is counted, never stored.
    if (!this.carryOversized && this.carryBytes > this.maxLineBytes) {
      this.carryOversized = true;
      if (this.carryHeld > RAW_LIMIT) {
        this.carry = [Buffer.concat(this.carry, RAW_LIMIT)];
        this.carryHeld = RAW_LIMIT;
      }
    }
    const keep = this.carryOversized ? Math.min(end - start, RAW_LIMIT - this.carryHeld) : end - start;
    if (keep <= 0) return;
    this.carry.push(Buffer.from(buf.subarray(start, start + keep)));
    this.carryHeld += keep;
  }

  /**
   * One line, [start, end) of buf without its newline. `oversizedLength`: the line was longer than maxLineBytes and
   * buf holds only its first RAW_LIMIT bytes. `utf8`: the line is known to be valid UTF-8; `mayHaveNul`: it may hold a NUL.
   */
  private frame(
    buf: Buffer,
    start: number,
    end: number,
    oversizedLength: number | undefined,
    utf8: boolean,
    mayHaveNul: boolean,
    sink: LineSink,
  ): void {
    const line = ++this.line;
    let s = start;
    if (this.atFileStart) {
      this.atFileStart = false;
      // DuckDB would reject the first line for it; the import's sanitized copy leaves it out.
      if (end - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) {
        s += 3;
        this.strippedBom = true;
      }
    }
    if (oversizedLength !== undefined || end - start > this.maxLineBytes) {
      // The raw text is the line's first RAW_LIMIT bytes, as an oversized line held across chunks keeps them.
      const reason = tooLong(oversizedLength ?? end - start, this.maxLineBytes);
      return sink.reject(line, reason, buf.toString('utf8', s, Math.min(end, start + RAW_LIMIT)));
    }
    const e = end > s && buf[end - 1] === 13 ? end - 1 : end;
    if (isBlank(buf, s, e)) return sink.blank(line);
    if (!utf8 && !isUtf8(buf.subarray(s, e))) return sink.reject(line, NOT_UTF8, raw(buf, s, e));
    if (mayHaveNul && buf.subarray(s, e).indexOf(0) >= 0) return sink.reject(line, HAS_NUL, raw(buf, s, e));
    // DuckDB would read a line cut short after ':' or ',' on into the next one, losing both.
    if (readsIntoNextLine(buf, s, e)) return sink.reject(line, NOT_AN_OBJECT, raw(buf, s, e));
    sink.line(buf, s, e, line);
  }
}

function raw(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, Math.min(end, start + RAW_LIMIT));
}

/**
 * Whether DuckDB's NDJSON reader would read a broken line on into the next one. JSON lets a value follow a newline, so
 * a line cut short after a `:`, a `[` or a `,` in a list takes the next line as the rest of its value, and both are
 * lost (every other cut leaves the next line alone). Such lines are rejected before DuckDB sees them.
 */
export function readsIntoNextLine(buf: Buffer, start: number, end: number): boolean {
  let last = end - 1;
  while (last >= start && (buf[last] === 32 || buf[last] === 9 || buf[last] === 13)) last--;
  const c = buf[last];
  return last >= start && (c === 0x3a || c === 0x5b || c === 0x2c);
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
