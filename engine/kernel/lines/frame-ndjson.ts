import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { throwIfAborted } from '../util/errors.js';
import { readBytes } from './read-bytes.js';
import type { OperationOptions } from '../../shared/progress.js';

/**
 * A line DuckDB reads as a row but the import skips: it stands in for blank, oversized or invalid
 * UTF-8 lines in a sanitized copy, so that row N of the copy is still line N of the source.
 */
export const SKIP_KEY = '__recount_skip__';
const PLACEHOLDER = Buffer.from(`{"${SKIP_KEY}":1}\n`);
const NEWLINE = Buffer.from('\n');
/** Raw text kept for a rejected line; the rest is summarised by its length. */
export const RAW_LIMIT = 4096;

export interface FrameRequest extends OperationOptions {
  path: string;
  gzip: boolean;
  /** Bytes already imported from this file (a grown log resumes here); 0 for a full import. */
  fromOffset: number;
  /** Lines before fromOffset. */
  fromLine: number;
  /** Hash of the first fromOffset bytes at the last import; if the file no longer starts with them, it was replaced. */
  expectedPrefixSha256?: string;
  maxLineBytes: number;
  /**
   * Leave a last line without its newline for a later import (it may still be being written): always (`true`: a log
   * a writer appends to), or unless it is a whole JSON object by itself (`'unless-complete'`: any file that may grow,
   * which may as well just lack its last newline).
   */
  holdIncompleteTail: HoldTail;
  /** Where to write a sanitized copy when the file cannot be read as is. */
  copyPath: string;
  /** Lines end in a bare CR instead of LF. */
  crNewlines?: boolean;
}

export interface FrameReject {
  line: number;
  reason: string;
  raw: string;
}

export interface FrameResult {
  /** Hash of the bytes [0, endOffset): what a later import of the grown file compares its prefix with. */
  sha256: string;
  /** Hash of the whole file as it is now: what tells that this exact content was imported before. */
  fileSha256: string;
  /** False when the file no longer starts with what was imported before; the caller then imports it whole. */
  prefixMatches: boolean;
  fileBytes: number;
  endOffset: number;
  /** Last line number consumed. */
  endLine: number;
  /** Lines framed in [fromOffset, endOffset), blank ones included: the rows DuckDB will see, in order. */
  lines: number;
  blankLines: number;
  rejects: FrameReject[];
  heldTail?: { line: number; bytes: number };
  /** What DuckDB reads: the file itself, or the sanitized copy. */
  source: string;
  sanitized: boolean;
  /** Row index in `source` of the first framed line. */
  firstRowLine: number;
}

interface LineSink {
  line(buf: Buffer, start: number, end: number): void;
  placeholder(): void;
}

/** Turns a byte stream into lines, enforcing the line cap without ever holding an oversized line in memory. */
class Framer {
  lineNo: number;
  lines = 0;
  blank = 0;
  rejects: FrameReject[] = [];
  needsCopy = false;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryOversized = false;
  private atFileStart: boolean;

  constructor(
    startLine: number,
    private readonly maxLineBytes: number,
    atFileStart: boolean,
    private readonly sink: LineSink | undefined,
    private readonly newline = 10,
  ) {
    this.lineNo = startLine;
    this.atFileStart = atFileStart;
  }

  get pendingBytes(): number {
    return this.carryBytes;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    // Fast UTF-8 check over the complete lines of this chunk; line-level checks only if it fails.
    const lastNl = chunk.lastIndexOf(this.newline);
    const chunkValid = lastNl < 0 || isUtf8(chunk.subarray(0, lastNl + 1));
    const chunkHasNul = chunk.indexOf(0) >= 0;
    for (;;) {
      const nl = chunk.indexOf(this.newline, pos);
      if (nl < 0) {
        this.addCarry(chunk, pos, chunk.length);
        return;
      }
      if (this.carryBytes > 0 || this.carryOversized) {
        this.addCarry(chunk, pos, nl);
        const joined = Buffer.concat(this.carry);
        const oversized = this.carryOversized;
        const total = this.carryBytes;
        this.resetCarry();
        this.completeLine(joined, 0, joined.length, oversized ? total : undefined, isUtf8(joined), true);
      } else {
        this.completeLine(chunk, pos, nl, undefined, chunkValid || isUtf8(chunk.subarray(pos, nl)), chunkHasNul);
      }
      pos = nl + 1;
    }
  }

  /** The bytes after the last newline; returns them as a final line unless the caller holds them back. */
  finish(hold: HoldTail): { line: number; bytes: number } | undefined {
    if (this.carryBytes === 0 && !this.carryOversized) return undefined;
    if (hold === true || (hold === 'unless-complete' && !isCompleteObject(this.carry, this.carryOversized))) {
      return { line: this.lineNo + 1, bytes: this.carryBytes };
    }
    const joined = Buffer.concat(this.carry);
    const oversized = this.carryOversized;
    const total = this.carryBytes;
    this.resetCarry();
    this.completeLine(joined, 0, joined.length, oversized ? total : undefined, isUtf8(joined), true);
    return undefined;
  }

  private addCarry(buf: Buffer, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    this.carryBytes += length;
    if (this.carryOversized) return;
    if (this.carryBytes > this.maxLineBytes) {
      // Keep only a prefix for the reject's raw text; the rest of the line is counted, not stored.
      const kept = Buffer.concat(this.carry);
      this.carry = [Buffer.concat([kept, buf.subarray(start, end)]).subarray(0, RAW_LIMIT)];
      this.carryOversized = true;
      return;
    }
    this.carry.push(Buffer.from(buf.subarray(start, end)));
  }

  private resetCarry(): void {
    this.carry = [];
    this.carryBytes = 0;
    this.carryOversized = false;
  }

  private completeLine(
    buf: Buffer,
    start: number,
    endExclusive: number,
    oversizedLength: number | undefined,
    utf8: boolean,
    mayHaveNul: boolean,
  ): void {
    this.lineNo++;
    this.lines++;
    let s = start;
    const e = endExclusive;
    if (this.atFileStart) {
      this.atFileStart = false;
      if (e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) {
        s += 3; // a UTF-8 byte-order mark: DuckDB would reject the first line for it
        this.needsCopy = true;
      }
    }
    if (oversizedLength !== undefined || e - s > this.maxLineBytes) {
      const length = oversizedLength ?? e - s;
      this.reject(`line is ${length} bytes, longer than the ${this.maxLineBytes}-byte limit`, buf, s, Math.min(e, s + RAW_LIMIT));
      return;
    }
    const crlf = e > s && buf[e - 1] === 13;
    const contentEnd = crlf ? e - 1 : e;
    if (isBlank(buf, s, contentEnd)) {
      // DuckDB skips blank lines without a row, which would shift every later line number.
      this.blank++;
      this.needsCopy = true;
      this.sink?.placeholder();
      return;
    }
    if (!utf8) {
      this.reject('line is not valid UTF-8', buf, s, Math.min(contentEnd, s + RAW_LIMIT));
      return;
    }
    if (mayHaveNul && buf.subarray(s, contentEnd).indexOf(0) >= 0) {
      this.reject('line contains a NUL byte', buf, s, Math.min(contentEnd, s + RAW_LIMIT));
      return;
    }
    if (readsIntoNextLine(buf, s, contentEnd)) {
      this.reject(NOT_AN_OBJECT, buf, s, Math.min(contentEnd, s + RAW_LIMIT));
      return;
    }
    this.sink?.line(buf, s, contentEnd);
  }

  private reject(reason: string, buf: Buffer, start: number, end: number): void {
    this.rejects.push({ line: this.lineNo, reason, raw: buf.toString('utf8', start, end) });
    this.needsCopy = true;
    this.sink?.placeholder();
  }
}

export type HoldTail = boolean | 'unless-complete';

/** Whether the bytes of an unterminated last line are a whole JSON object: then they are a line, not a fragment. */
function isCompleteObject(parts: Buffer[], oversized: boolean): boolean {
  if (oversized) return false;
  try {
    const value: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The reason for a line that is not a JSON object, as the import gives it for lines DuckDB cannot read. */
export const NOT_AN_OBJECT = 'not a valid JSON object';

/**
 * Whether DuckDB's NDJSON reader would read a broken line on into the next one. JSON lets a value follow a newline, so
 * a line cut short after a `:`, a `[` or a `,` in a list takes the next line as the rest of its value, and both are
 * lost (measured: every other cut leaves the next line alone). Such lines are rejected before DuckDB sees them.
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

/** Buffers the sanitized copy and honours the stream's backpressure. */
class CopySink implements LineSink {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly out: WriteStream) {}

  line(buf: Buffer, start: number, end: number): void {
    this.parts.push(buf.subarray(start, end), NEWLINE);
    this.size += end - start + 1;
  }

  placeholder(): void {
    this.parts.push(PLACEHOLDER);
    this.size += PLACEHOLDER.length;
  }

  async flush(force = false): Promise<void> {
    if (this.size === 0 || (!force && this.size < 1 << 20)) return;
    // Lines may point into the chunk being read, so copy before the next chunk arrives.
    const data = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    if (!this.out.write(data)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush(true);
    this.out.end();
    await once(this.out, 'finish');
  }
}

/**
 * One streaming pass over an NDJSON file: hashes it (identity for re-imports, prefix for grown files),
 * frames it into lines with exact line numbers, rejects lines DuckDB must not see, and tells whether
 * DuckDB can read the file as it is. A sanitized, line-aligned copy is written only for files that
 * need one (gzipped, grown, or with blank, oversized or non-UTF-8 lines).
 */
export async function frameNdjson(request: FrameRequest): Promise<FrameResult> {
  // A log still being written (holdIncompleteTail) may grow between this pass and DuckDB's read: only a
  // copy pins exactly the lines that were framed.
  const mustCopy = request.gzip || request.fromOffset > 0 || Boolean(request.crNewlines) || request.holdIncompleteTail === true;
  let result = await framePass(request, mustCopy);
  const grewMeanwhile = !mustCopy && (await stat(request.path)).size !== result.frame.fileBytes;
  if (!mustCopy && (result.sanitizedNeeded || grewMeanwhile)) result = await framePass(request, true);
  return result.frame;
}

async function framePass(request: FrameRequest, writeCopy: boolean): Promise<{ frame: FrameResult; sanitizedNeeded: boolean }> {
  const { signal, onProgress } = request;
  // Both hashes cover the file from its first byte; the consumed one stops at the last complete line. One hash
  // is kept, and the whole file's is finished from a copy of it: hashing 300 MB twice cost 140 ms more (measured).
  const consumedHash: Hash = createHash('sha256');
  const out = writeCopy ? createWriteStream(request.copyPath) : undefined;
  const sink = out ? new CopySink(out) : undefined;
  const newline = request.crNewlines ? 13 : 10;
  const framer = new Framer(request.fromLine, request.maxLineBytes, request.fromOffset === 0, sink, newline);
  let offset = 0;
  let prefixMatches = true;
  let prefixChecked = request.fromOffset === 0;
  // Bytes of the current line not yet fed to consumedHash: it covers complete lines only.
  let unhashedTail: Buffer[] = [];
  try {
    for await (const raw of readBytes(request.path, request.gzip)) {
      throwIfAborted(signal);
      let chunk = raw;
      if (!prefixChecked) {
        const need = request.fromOffset - offset;
        if (chunk.length < need) {
          consumedHash.update(chunk);
          offset += chunk.length;
          continue;
        }
        consumedHash.update(chunk.subarray(0, need));
        prefixChecked = true;
        prefixMatches = consumedHash.copy().digest('hex') === request.expectedPrefixSha256;
        offset += need;
        chunk = chunk.subarray(need);
        if (!prefixMatches) {
          unhashedTail = [Buffer.from(chunk)];
          break;
        }
      }
      offset += chunk.length;
      framer.push(chunk);
      const lastNl = chunk.lastIndexOf(newline);
      if (lastNl >= 0) {
        for (const part of unhashedTail) consumedHash.update(part);
        unhashedTail = [];
        consumedHash.update(chunk.subarray(0, lastNl + 1));
        unhashedTail.push(Buffer.from(chunk.subarray(lastNl + 1)));
      } else {
        unhashedTail.push(Buffer.from(chunk));
      }
      // Bound memory of a newline-free stretch: the tail only matters for hashing once a newline arrives.
      if (unhashedTail.length > 64) {
        const joined = Buffer.concat(unhashedTail);
        unhashedTail = [joined];
      }
      await sink?.flush();
      onProgress?.({ phase: 'scanning', done: offset, unit: 'bytes', rows: framer.lines });
    }
    if (!prefixChecked) prefixMatches = false; // the file is now shorter than what was imported
    const heldTail = prefixMatches ? framer.finish(request.holdIncompleteTail) : undefined;
    const fileHash = consumedHash.copy();
    for (const part of unhashedTail) fileHash.update(part);
    if (!heldTail) for (const part of unhashedTail) consumedHash.update(part);
    await sink?.close();
    const endOffset = heldTail ? offset - heldTail.bytes : offset;
    const frame: FrameResult = {
      sha256: consumedHash.digest('hex'),
      fileSha256: fileHash.digest('hex'),
      prefixMatches,
      fileBytes: offset,
      endOffset,
      endLine: framer.lineNo,
      lines: framer.lines,
      blankLines: framer.blank,
      rejects: framer.rejects,
      source: writeCopy ? request.copyPath : request.path,
      sanitized: writeCopy,
      firstRowLine: request.fromLine + 1,
    };
    if (heldTail) frame.heldTail = heldTail;
    return { frame, sanitizedNeeded: framer.needsCopy };
  } catch (error) {
    out?.destroy();
    throw error;
  }
}
