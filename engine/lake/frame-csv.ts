import { createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { throwIfAborted } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import { readBytes } from '../kernel/lines/read-bytes.js';
import { RAW_LIMIT, type FrameReject } from '../kernel/lines/frame-ndjson.js';
import type { CsvDialect } from './csv-dialect.js';
import { LINE_COLUMN } from '../kernel/events/plan.js';

export interface CsvFrameRequest extends OperationOptions {
  path: string;
  gzip: boolean;
  dialect: CsvDialect;
  maxRecordBytes: number;
  copyPath: string;
  /**
   * A grown file continues an earlier import: the bytes it covered (checked against its hash, else the file was
   * replaced and is framed whole) and the line it ended on; records starting on or before that line are not framed again.
   */
  resume?: { bytes: number; line: number; sha256: string };
  /** Hold a last record that has no newline and is not whole (too few fields, or a quote open) for the next import. */
  holdIncompleteTail?: boolean;
}

export interface CsvFrameResult {
  fileSha256: string;
  fileBytes: number;
  /** Hash of the bytes up to endOffset, what a later import of the grown file checks its prefix against. */
  sha256: string;
  endOffset: number;
  /** The file starts with the bytes the resumed import covered (true when nothing is resumed). */
  prefixMatches: boolean;
  heldTailBytes?: number;
  /** Column names from the header row (or column0… without one), unique and usable as DuckDB names. */
  columns: string[];
  /** Header names stored under another name, and why. */
  renames: { header: string; column: string; why: string }[];
  /** Data records written to the copy. */
  records: number;
  endLine: number;
  rejects: FrameReject[];
  /** Lines that are not records: skipped before the header, or comments. */
  skippedLines: number;
  /** Records whose first line had a quote that never closed, kept with the quote as text. */
  unclosedQuotesKept: number;
  /** Records that end with a delimiter after their last field (the empty field after it is dropped). */
  trailingDelimiters: number;
  source: string;
}

const LF = 0x0a;
const CR = 0x0d;
const DQUOTE = 0x22;

/**
 * Splits one record into fields by the dialect: a quote opens a quoted field only at the field's start; inside it the
 * escape character takes the next quote or escape as text (a doubled quote, when the escape is the quote); text
 * after a closing quote, and a quote inside an unquoted field, are text (as DuckDB and Python's csv read them). With
 * `unclosedAsText`, a quote that never closes is text from where it stands.
 */
export function splitCsvRecord(
  text: string,
  dialect: CsvDialect,
  unclosedAsText = false,
  /** A quote whose closing quote is followed by text, not a delimiter, is text itself (the field is unquoted). */
  strictClose = false,
): string[] {
  const { delimiter, quote, escape } = dialect;
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    let field = '';
    if (quote && text.startsWith(quote, i)) {
      const open = i;
      i += quote.length;
      let closed = false;
      while (i < n) {
        if (escape && escape !== quote && text.startsWith(escape, i)) {
          const next = text.slice(i + escape.length, i + escape.length + Math.max(quote.length, escape.length));
          if (next.startsWith(quote) || next.startsWith(escape)) {
            const taken = next.startsWith(quote) ? quote : escape;
            field += taken;
            i += escape.length + taken.length;
            continue;
          }
        }
        if (text.startsWith(quote, i)) {
          if (escape === quote && text.startsWith(quote, i + quote.length)) {
            field += quote;
            i += 2 * quote.length;
            continue;
          }
          i += quote.length;
          closed = true;
          break;
        }
        field += text[i];
        i++;
      }
      const endsField = i >= n || text.startsWith(delimiter, i);
      if ((!closed && unclosedAsText) || (closed && strictClose && !endsField)) {
        i = open;
        field = '';
        // Read as an unquoted field: up to the next delimiter, quotes and all.
        const end = text.indexOf(delimiter, i);
        fields.push(end < 0 ? text.slice(i) : text.slice(i, end));
        if (end < 0) return fields;
        i = end + delimiter.length;
        continue;
      } else {
        // Text after the closing quote, up to the delimiter, belongs to the field.
        const end = text.indexOf(delimiter, i);
        const stop = end < 0 ? n : end;
        field += text.slice(i, stop);
        i = stop;
        fields.push(field);
        if (end < 0) return fields;
        i += delimiter.length;
        continue;
      }
    }
    const end = text.indexOf(delimiter, i);
    if (end < 0) {
      fields.push(field + text.slice(i));
      return fields;
    }
    fields.push(field + text.slice(i, end));
    i = end + delimiter.length;
  }
}

/** A field as the normalized copy writes it (RFC 4180 with the file's delimiter): empty unquoted, anything else quoted. */
function encodeField(value: string): string {
  return value === '' ? '' : `"${value.replace(/"/g, '""')}"`;
}

/**
 * Column names as DuckDB's CSV reader names them: trimmed; an empty one `column<i>` (0-based); one that repeats an
 * earlier name but for case gets `_1`, `_2`… A NUL becomes `_` (DuckDB's parser stops at one).
 */
export function csvColumnNames(
  names: string[],
  reserved: readonly string[] = [],
): { columns: string[]; renames: CsvFrameResult['renames'] } {
  const seen = new Set(reserved.map((r) => r.toLowerCase()));
  const renames: CsvFrameResult['renames'] = [];
  const columns = names.map((raw, index) => {
    const usable = raw.replace(/\0/g, '_').trim();
    const base = usable || `column${index}`;
    let name = base;
    for (let n = 1; seen.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    seen.add(name.toLowerCase());
    if (name !== raw) {
      const why = raw.includes('\0')
        ? 'its name holds a NUL character'
        : raw.trim() === ''
          ? 'its name is empty'
          : name !== usable
            ? 'another column has the same name but for case (DuckDB names ignore case)'
            : 'spaces around the name are not part of it';
      renames.push({ header: raw, column: name, why });
    }
    return name;
  });
  return { columns, renames };
}

/**
 * Frames a CSV/TSV file into records by its dialect and writes a normalized copy in which each record is prefixed by
 * the physical line it started on, read by DuckDB as RFC 4180 with the file's delimiter. DuckDB's CSV reader cannot
 * report line numbers, and a record with an embedded newline spans several lines, so this is the one place where line
 * numbers can be known. A record in the copy is its own bytes where they read the same as RFC 4180 (most records),
 * else its fields encoded again (backslash escapes, quotes inside unquoted fields, no quoting at all).
 *
 * A quote that opens a field and never closes would swallow every line after it. So a record that spans lines and
 * then does not hold the header's number of fields, or outgrows the length limit, is framed again: its first line
 * alone is the broken record (kept with its quote as text when its fields then fit, else rejected), and framing
 * starts over on the next line. No line is lost to another's quote.
 */
export async function frameCsv(request: CsvFrameRequest): Promise<CsvFrameResult> {
  const { signal, onProgress, dialect, resume } = request;
  const framer = new CsvFramer(dialect, request.maxRecordBytes, resume?.line ?? 0);
  // The hash of whole lines only: a held last record leaves it at the last newline (as frame-ndjson.ts does).
  const hash = createHash('sha256');
  let unhashed: Buffer[] = [];
  let prefixMatches = resume === undefined;
  const out = createWriteStream(request.copyPath);
  let offset = 0;
  try {
    for await (const chunk of readBytes(request.path, request.gzip)) {
      throwIfAborted(signal);
      if (resume && !prefixMatches && offset < resume.bytes && offset + chunk.length >= resume.bytes) {
        const cut = resume.bytes - offset;
        const prefix = hash.copy();
        for (const part of unhashed) prefix.update(part);
        prefix.update(chunk.subarray(0, cut));
        prefixMatches = prefix.digest('hex') === resume.sha256;
      }
      const lastLf = chunk.lastIndexOf(LF);
      if (lastLf >= 0) {
        for (const part of unhashed) hash.update(part);
        hash.update(chunk.subarray(0, lastLf + 1));
        unhashed = [Buffer.from(chunk.subarray(lastLf + 1))];
      } else unhashed.push(Buffer.from(chunk));
      offset += chunk.length;
      framer.push(chunk);
      const data = framer.takeOutput();
      if (data && !out.write(data)) await once(out, 'drain');
      onProgress?.({ phase: 'scanning', done: offset, unit: 'bytes', rows: framer.records });
    }
    const held = framer.end(request.holdIncompleteTail === true && prefixMatches);
    const data = framer.takeOutput();
    if (data) out.write(data);
    out.end();
    await once(out, 'finish');
    const whole = hash.copy();
    for (const part of unhashed) whole.update(part);
    if (!held) for (const part of unhashed) hash.update(part);
    return {
      fileSha256: whole.digest('hex'),
      fileBytes: offset,
      sha256: hash.digest('hex'),
      endOffset: held ? offset - held : offset,
      prefixMatches,
      ...(held ? { heldTailBytes: held } : {}),
      columns: framer.columns,
      renames: framer.renames,
      records: framer.records,
      endLine: framer.line,
      rejects: framer.rejects,
      skippedLines: framer.skippedLines,
      unclosedQuotesKept: framer.unclosedKept,
      trailingDelimiters: framer.trailingDelimiters,
      source: request.copyPath,
    };
  } catch (error) {
    out.destroy();
    throw error;
  }
}

/** The byte-level state machine behind frameCsv: record boundaries, line numbers, and what each record needs. */
class CsvFramer {
  records = 0;
  /** Physical lines completed. */
  line = 0;
  skippedLines = 0;
  unclosedKept = 0;
  trailingDelimiters = 0;
  rejects: FrameReject[] = [];
  columns: string[] = [];
  renames: CsvFrameResult['renames'] = [];

  private readonly delim: number;
  private readonly quote: number;
  private readonly escape: number;
  private readonly comment: number;
  private readonly delimiterBuf: Buffer;
  private headerFields = -1;
  private output: Buffer[] = [];

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
  private atFileStart = true;
  private toSkip: number;

  constructor(
    private readonly dialect: CsvDialect,
    private readonly max: number,
    /** Records starting on or before this line were imported before (a grown file): framed, not written or rejected. */
    private readonly skipThrough = 0,
  ) {
    this.delim = dialect.delimiter.charCodeAt(0);
    this.quote = dialect.quote ? dialect.quote.charCodeAt(0) : -1;
    this.escape = dialect.escape ? dialect.escape.charCodeAt(0) : -1;
    this.comment = dialect.comment ? dialect.comment.charCodeAt(0) : -1;
    this.delimiterBuf = Buffer.from(dialect.delimiter);
    this.toSkip = dialect.skipRows;
    if (!dialect.header) this.headerFields = -2; // named from the first record's width
  }

  takeOutput(): Buffer | undefined {
    if (this.output.length === 0) return undefined;
    const data = Buffer.concat(this.output);
    this.output = [];
    return data;
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
    const partial = this.inQuotes || (this.headerFields >= 0 && this.fields < this.headerFields);
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
    return this.headerFields >= 0 && this.fields !== this.headerFields;
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
          this.atFileStart = false;
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
    this.record(content, true);
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
      this.reject(record, `record is ${total} bytes, longer than the ${this.max}-byte limit`);
      return;
    }
    this.record(record, false, { fields, reencode, unclosed, closeThenText });
  }

  /** One complete record's bytes; `alone` when it is a broken first line framed again, whose fields are counted here. */
  private record(
    raw: Buffer,
    alone: boolean,
    scanned?: { fields: number; reencode: boolean; unclosed: boolean; closeThenText: boolean },
  ): void {
    let record = raw;
    if (this.atFileStart && record.length >= 3 && record[0] === 0xef && record[1] === 0xbb && record[2] === 0xbf) {
      record = record.subarray(3);
      if (scanned) scanned.reencode = true;
    }
    if (record.length > 0) this.atFileStart = false;
    if (record.length === 0) return; // a blank line is not a record
    if (!isUtf8(record)) {
      this.reject(record, 'record is not valid UTF-8');
      return;
    }
    const text = record.toString('utf8');
    if (this.headerFields === -1) {
      const { columns, renames } = csvColumnNames(splitCsvRecord(text, this.dialect, true), [LINE_COLUMN]);
      this.columns = columns;
      this.renames = renames;
      this.headerFields = columns.length;
      this.output.push(
        Buffer.from(`${LINE_COLUMN}${this.dialect.delimiter}${columns.map(encodeField).join(this.dialect.delimiter)}\n`),
      );
      return;
    }
    let values: string[] | undefined;
    let fields = scanned?.fields ?? 0;
    let unclosedKept = false;
    if (alone || !scanned) {
      values = splitCsvRecord(text, this.dialect, true);
      fields = values.length;
      unclosedKept = this.quote >= 0 && splitCsvRecord(text, this.dialect, false).length !== fields;
    } else if (scanned.unclosed) {
      // An unclosed quote on a record's only line, at the end of the file.
      values = splitCsvRecord(text, this.dialect, true);
      fields = values.length;
      unclosedKept = true;
    } else if (scanned.closeThenText) {
      // `"/search?q=x,"Mozilla"`: the first quote is text that happens to start a field. Read so, if the fields fit.
      const literal = splitCsvRecord(text, this.dialect, true, true);
      // Without a header yet, the record's own width as read otherwise, as every later line is judged.
      const width = this.headerFields >= 0 ? this.headerFields : splitCsvRecord(text, this.dialect, true).length;
      if (literal.length === width) {
        values = literal;
        fields = literal.length;
        unclosedKept = true;
      }
    }
    if (fields === this.headerFields + 1 && this.headerFields > 0 && text.endsWith(this.dialect.delimiter)) {
      // A delimiter after the last field (report exports end their lines so): an empty field the header has no name
      // for, which DuckDB's reader drops too.
      values = (values ?? splitCsvRecord(text, this.dialect)).slice(0, -1);
      fields = values.length;
      if (this.recordStartLine > this.skipThrough) this.trailingDelimiters++;
    }
    if (this.headerFields === -2) {
      this.columns = Array.from({ length: fields }, (_, i) => `column${i}`);
      this.headerFields = fields;
      this.output.push(Buffer.from(`${LINE_COLUMN}${this.dialect.delimiter}${this.columns.join(this.dialect.delimiter)}\n`));
    }
    if (fields !== this.headerFields) {
      const reason = unclosedKept ? 'unterminated quoted field' : `expected ${this.headerFields} fields, found ${fields}`;
      this.reject(record, reason);
      return;
    }
    if (this.recordStartLine <= this.skipThrough) return; // imported before
    if (unclosedKept) this.unclosedKept++;
    this.output.push(Buffer.from(`${this.recordStartLine}`), this.delimiterBuf);
    if (values || scanned?.reencode) {
      const encoded = (values ?? splitCsvRecord(text, this.dialect)).map(encodeField).join(this.dialect.delimiter);
      this.output.push(Buffer.from(encoded));
    } else {
      this.output.push(Buffer.from(record));
    }
    this.output.push(Buffer.from('\n'));
    this.records++;
  }

  private reject(record: Buffer, reason: string): void {
    if (this.recordStartLine <= this.skipThrough) return; // rejected by the import that covered it
    this.rejects.push({
      line: this.recordStartLine,
      reason,
      raw: record.toString('utf8', 0, Math.min(record.length, RAW_LIMIT)),
    });
  }
}
