import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { throwIfAborted } from '../util/errors.js';
import { readBytes } from './read-bytes.js';
import { LineFramer, type LineSink } from './line-framer.js';
import type { OperationOptions } from '../../shared/progress.js';

/**
 * A line DuckDB reads as a row but the import skips: it stands in for blank, oversized or invalid
 * UTF-8 lines in a sanitized copy, so that row N of the copy is still line N of the source.
 */
export const SKIP_KEY = '__recount_skip__';
const PLACEHOLDER = Buffer.from(`{"${SKIP_KEY}":1}\n`);
const NEWLINE = Buffer.from('\n');

export { NOT_AN_OBJECT, RAW_LIMIT, readsIntoNextLine } from './line-framer.js';

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

interface CopyLines {
  line(buf: Buffer, start: number, end: number): void;
  placeholder(): void;
}

/** The import's view of the framed lines: counts them, collects rejects, and notes what DuckDB must not read as it is. */
class Framer implements LineSink {
  lines = 0;
  blankLines = 0;
  rejects: FrameReject[] = [];
  private flagged = false;
  private readonly core: LineFramer;

  constructor(
    startLine: number,
    maxLineBytes: number,
    atFileStart: boolean,
    private readonly sink: CopyLines | undefined,
    newline = 10,
  ) {
    this.core = new LineFramer({ maxLineBytes, line: startLine, atFileStart, newline });
  }

  get lineNo(): number {
    return this.core.line;
  }

  /** A blank or rejected line, or a BOM: DuckDB cannot read the file as it is. */
  get needsCopy(): boolean {
    return this.flagged || this.core.strippedBom;
  }

  push(chunk: Buffer): void {
    this.core.push(chunk, this);
  }

  /** The bytes after the last newline; returns them as a final line unless the caller holds them back. */
  finish(hold: HoldTail): { line: number; bytes: number } | undefined {
    if (this.core.pendingBytes === 0) return undefined;
    if (hold === true || (hold === 'unless-complete' && !isCompleteObject(this.core.pendingLine()))) {
      return { line: this.core.line + 1, bytes: this.core.pendingBytes };
    }
    this.core.end(this);
    return undefined;
  }

  line(buf: Buffer, start: number, end: number): void {
    this.lines++;
    this.sink?.line(buf, start, end);
  }

  blank(): void {
    // DuckDB skips blank lines without a row, which would shift every later line number.
    this.lines++;
    this.blankLines++;
    this.flagged = true;
    this.sink?.placeholder();
  }

  reject(line: number, reason: string, raw: string): void {
    this.lines++;
    this.rejects.push({ line, reason, raw });
    this.flagged = true;
    this.sink?.placeholder();
  }
}

export type HoldTail = boolean | 'unless-complete';

/** Whether the bytes of an unterminated last line (undefined: too long to hold) are a whole JSON object by themselves. */
function isCompleteObject(line: Buffer | undefined): boolean {
  if (!line) return false;
  try {
    const value: unknown = JSON.parse(line.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Buffers the sanitized copy and honours the stream's backpressure. */
class CopySink implements CopyLines {
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
  // is kept, and the whole file's is finished from a copy of it, so the file's bytes are hashed once, not twice.
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
      blankLines: framer.blankLines,
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
