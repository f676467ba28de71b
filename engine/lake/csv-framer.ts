import { RAW_LIMIT } from '../kernel/lines/frame-ndjson.js';
import type { CsvDialect } from './csv-dialect.js';
import type { CsvCopyWriter } from './csv-copy.js';

const LF = 0x0a;
const CR = 0x0d;
const DQUOTE = 0x22;

/**
 * The byte-level state machine behind frameCsv: record boundaries, line numbers, and what each record needs. Each
 * record it ends goes to the copy writer, with the line it started on and what the scan saw of it.
 */
export class CsvFramer {
  /** Physical lines completed. */
  line = 0;
  /** Lines that are not records: skipped before the header, or comments. */
  skippedLines = 0;

  private readonly delim: number;
  private readonly quote: number;
  private readonly escape: number;
  private readonly comment: number;

  // The record being read.
  private parts: Buffer[] = [];
  private recordBytes = 0;
  private oversized = false;
  private inQuotes = false;
  /** A quote inside quotes, whose meaning (closing, or the first of a doubled quote) the next byte decides. */
  private quoteInQuotes = false;
  private escaped = false;
  private afterClose = false;
  private fieldStart = true;
  private fields = 1;
  /** The record does not read the same as RFC 4180 and must be encoded again. */
  private reencode = false;
  /** Text right after a closing quote: perhaps the quote was text, not a quote. */
  private closeThenText = false;
  private recordStartLine = 1;
  private inComment = false;
  private pendingCR = false;
  private toSkip: number;

  constructor(
    dialect: CsvDialect,
    private readonly max: number,
    private readonly copy: CsvCopyWriter,
  ) {
    this.delim = dialect.delimiter.charCodeAt(0);
    this.quote = dialect.quote ? dialect.quote.charCodeAt(0) : -1;
    this.escape = dialect.escape ? dialect.escape.charCodeAt(0) : -1;
    this.comment = dialect.comment ? dialect.comment.charCodeAt(0) : -1;
    this.toSkip = dialect.skipRows;
  }

  push(chunk: Buffer): void {
    const queue = [chunk];
    while (queue.length > 0) {
      const buf = queue.shift() as Buffer;
      const stop = this.scan(buf);
      if (stop >= 0) queue.unshift(this.reframe(), buf.subarray(stop));
      // A quote open across lines past the limit: framed again now, so that memory stays bounded by the limit.
      else if (this.inQuotes && this.spansLines() && this.recordBytes > this.max) queue.unshift(this.reframe());
    }
  }

  /** Ends the last record; with `hold`, one that is not whole and has no newline is left out: its bytes are returned. */
  end(hold = false): number | undefined {
    if (this.quoteInQuotes) {
      // The file ended right after a closing quote.
      this.quoteInQuotes = false;
      this.inQuotes = false;
    }
    const partial = this.inQuotes || (this.copy.headerFields >= 0 && this.fields < this.copy.headerFields);
    if (hold && this.recordBytes > 0 && !this.oversized && !this.spansLines() && partial) return this.recordBytes;
    for (;;) {
      if (this.recordBytes === 0 && !this.oversized && !this.inQuotes && !this.quoteInQuotes) return undefined;
      if ((this.inQuotes || this.fieldCountWrongAcrossLines()) && this.spansLines()) {
        this.push(this.reframe());
        continue;
      }
      this.endRecord();
      this.line++;
      return undefined;
    }
  }

  private spansLines(): boolean {
    return this.line + 1 > this.recordStartLine;
  }

  private fieldCountWrongAcrossLines(): boolean {
    return this.copy.headerFields >= 0 && this.fields !== this.copy.headerFields;
  }

  private append(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.recordBytes += end - start;
    if (this.oversized) return;
    if (this.recordBytes > this.max && !this.spansLines()) {
      this.oversized = true;
      this.parts = [Buffer.concat([...this.parts, chunk.subarray(start, end)]).subarray(0, RAW_LIMIT)];
      return;
    }
    this.parts.push(Buffer.from(chunk.subarray(start, end)));
  }

  /**
   * Scans bytes until the buffer ends (-1) or a record that spans lines turns out broken (the header's number of
   * fields not met, or text right after a closing quote, which a quote that really closes never has): then returns the index
   * where scanning stopped, the record's bytes so far being in `parts`, for `reframe`.
   */
  private scan(chunk: Buffer): number {
    let segStart = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk[i] as number;
      if (this.pendingCR) {
        this.pendingCR = false;
        if (c === LF) {
          segStart = i + 1;
          continue;
        }
      }
      if (this.toSkip > 0 || this.inComment) {
        if (c === LF || c === CR) {
          if (this.toSkip > 0) this.toSkip--;
          this.inComment = false;
          this.skippedLines++;
          this.line++;
          this.recordStartLine = this.line + 1;
          if (c === CR) this.pendingCR = true;
          this.copy.atFileStart = false;
        }
        segStart = i + 1;
        continue;
      }
      if (this.quoteInQuotes) {
        this.quoteInQuotes = false;
        if (c === this.quote) continue; // a doubled quote: one quote of text
        this.inQuotes = false;
        this.afterClose = true;
      }
      if (this.inQuotes) {
        if (this.escaped) {
          this.escaped = false;
          if (c === LF) this.line++;
          continue;
        }
        if (c === this.escape && this.escape !== this.quote) {
          this.escaped = true;
          this.reencode = true;
        } else if (c === this.quote) {
          if (this.escape === this.quote) this.quoteInQuotes = true;
          else {
            this.inQuotes = false;
            this.afterClose = true;
          }
        } else if (c === LF) {
          if (this.oversized) {
            // One line over the limit inside a quote: rejected for its length; the next line starts a record.
            this.append(chunk, segStart, i);
            this.endRecord();
            this.line++;
            this.recordStartLine = this.line + 1;
            segStart = i + 1;
            continue;
          }
          this.line++;
          if (this.recordBytes + (i - segStart) > this.max) {
            // A quote that never closes within the length limit: the first line is the broken record.
            this.append(chunk, segStart, i + 1);
            return i + 1;
          }
        }
        continue;
      }
      if (c === this.quote && this.fieldStart) {
        this.inQuotes = true;
        this.fieldStart = false;
        if (this.quote !== DQUOTE) this.reencode = true;
        continue;
      }
      if (c === this.delim) {
        this.afterClose = false;
        this.fields++;
        this.fieldStart = true;
        continue;
      }
      if (c === LF || c === CR) {
        if (this.fieldCountWrongAcrossLines() && this.spansLines()) {
          this.append(chunk, segStart, i);
          return i;
        }
        this.append(chunk, segStart, i);
        this.endRecord();
        this.line++;
        this.recordStartLine = this.line + 1;
        if (c === CR) this.pendingCR = true;
        segStart = i + 1;
        continue;
      }
      if (c === this.comment && this.fieldStart && this.fields === 1 && this.recordBytes === 0 && i === segStart) {
        this.inComment = true;
        continue;
      }
      // A quote where it opens nothing is text; so is anything after a closing quote. RFC 4180 would not read either.
      if (c === DQUOTE || this.afterClose) {
        // In a record that spans lines, that is a sign its quote was a stray one that closed on a later line.
        if (this.spansLines() && (c === this.quote || this.afterClose)) {
          this.append(chunk, segStart, i);
          return i;
        }
        this.reencode = true;
        if (this.afterClose) this.closeThenText = true;
      }
      this.afterClose = false;
      this.fieldStart = false;
    }
    this.append(chunk, segStart, n);
    return -1;
  }

  /**
   * The record in `parts` spans lines and is broken: its first line alone becomes the record (its unclosed quote as
   * text), and the bytes after that line are returned to be framed again.
   */
  private reframe(): Buffer {
    const bytes = Buffer.concat(this.parts);
    const firstEnd = bytes.indexOf(LF);
    const first = bytes.subarray(0, firstEnd < 0 ? bytes.length : firstEnd);
    const rest = firstEnd < 0 ? Buffer.alloc(0) : bytes.subarray(firstEnd + 1);
    this.line = this.recordStartLine - 1;
    this.resetRecord();
    const content = first.length > 0 && first[first.length - 1] === CR ? first.subarray(0, -1) : first;
    this.copy.record(content, this.recordStartLine);
    this.line = this.recordStartLine;
    this.recordStartLine = this.line + 1;
    return rest;
  }

  private resetRecord(): void {
    this.parts = [];
    this.recordBytes = 0;
    this.oversized = false;
    this.inQuotes = false;
    this.quoteInQuotes = false;
    this.escaped = false;
    this.afterClose = false;
    this.fieldStart = true;
    this.fields = 1;
    this.reencode = false;
    this.closeThenText = false;
  }

  private endRecord(): void {
    const record = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    const oversized = this.oversized;
    const total = this.recordBytes;
    const unclosed = this.inQuotes || this.quoteInQuotes;
    const fields = this.fields;
    const reencode = this.reencode;
    const closeThenText = this.closeThenText;
    this.resetRecord();
    if (oversized) {
      this.copy.reject(record, this.recordStartLine, `record is ${total} bytes, longer than the ${this.max}-byte limit`);
      return;
    }
    this.copy.record(record, this.recordStartLine, { fields, reencode, unclosed, closeThenText });
  }
}
