import { isUtf8 } from 'node:buffer';
import { RAW_LIMIT, type FrameReject } from '../kernel/lines/frame-ndjson.js';
import { LINE_COLUMN } from '../kernel/events/plan.js';
import type { CsvDialect } from './csv-dialect.js';
import { csvColumnNames, encodeField, splitCsvRecord, type CsvRename } from './csv-record.js';

/** What the byte scan saw of a record that ended where a record ends (not a broken first line framed again). */
export interface ScannedRecord {
  fields: number;
  /** The record does not read the same as RFC 4180 and must be encoded again. */
  reencode: boolean;
  /** A quote was still open when the record ended. */
  unclosed: boolean;
  /** Text right after a closing quote: perhaps the quote was text, not a quote. */
  closeThenText: boolean;
}

/**
 * The normalized copy that DuckDB reads: a header of column names, then each data record prefixed by the physical
 * line it started on, as RFC 4180 with the file's delimiter. A record is copied as its own bytes where they read the
 * same as RFC 4180, else its fields are encoded again. Records that cannot be read are rejected with their line.
 */
export class CsvCopyWriter {
  /** Data records written to the copy. */
  records = 0;
  unclosedKept = 0;
  trailingDelimiters = 0;
  rejects: FrameReject[] = [];
  columns: string[] = [];
  renames: CsvRename[] = [];
  /** The header's number of fields: -1 until the header is read, -2 when the first record's width names the columns. */
  headerFields = -1;
  /** Nothing but skipped lines came before: a byte-order mark may still start the next record. */
  atFileStart = true;

  private output: Buffer[] = [];
  private readonly delimiterBuf: Buffer;

  constructor(
    private readonly dialect: CsvDialect,
    /** Records starting on or before this line were imported before (a grown file): framed, not written or rejected. */
    private readonly skipThrough = 0,
  ) {
    this.delimiterBuf = Buffer.from(dialect.delimiter);
    if (!dialect.header) this.headerFields = -2; // named from the first record's width
  }

  takeOutput(): Buffer | undefined {
    if (this.output.length === 0) return undefined;
    const data = Buffer.concat(this.output);
    this.output = [];
    return data;
  }

  /**
   * One complete record's bytes, starting on `line`; `scanned` is left out for a broken first line framed again,
   * whose fields are counted here.
   */
  record(raw: Buffer, line: number, scanned?: ScannedRecord): void {
    let record = raw;
    if (this.atFileStart && record.length >= 3 && record[0] === 0xef && record[1] === 0xbb && record[2] === 0xbf) {
      record = record.subarray(3);
      if (scanned) scanned.reencode = true;
    }
    if (record.length > 0) this.atFileStart = false;
    if (record.length === 0) return; // a blank line is not a record
    if (!isUtf8(record)) {
      this.reject(record, line, 'record is not valid UTF-8');
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
    if (!scanned) {
      values = splitCsvRecord(text, this.dialect, true);
      fields = values.length;
      unclosedKept = Boolean(this.dialect.quote) && splitCsvRecord(text, this.dialect, false).length !== fields;
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
      if (line > this.skipThrough) this.trailingDelimiters++;
    }
    if (this.headerFields === -2) {
      this.columns = Array.from({ length: fields }, (_, i) => `column${i}`);
      this.headerFields = fields;
      this.output.push(Buffer.from(`${LINE_COLUMN}${this.dialect.delimiter}${this.columns.join(this.dialect.delimiter)}\n`));
    }
    if (fields !== this.headerFields) {
      const reason = unclosedKept ? 'unterminated quoted field' : `expected ${this.headerFields} fields, found ${fields}`;
      this.reject(record, line, reason);
      return;
    }
    if (line <= this.skipThrough) return; // imported before
    if (unclosedKept) this.unclosedKept++;
    this.output.push(Buffer.from(`${line}`), this.delimiterBuf);
    if (values || scanned?.reencode) {
      const encoded = (values ?? splitCsvRecord(text, this.dialect)).map(encodeField).join(this.dialect.delimiter);
      this.output.push(Buffer.from(encoded));
    } else {
      this.output.push(Buffer.from(record));
    }
    this.output.push(Buffer.from('\n'));
    this.records++;
  }

  reject(record: Buffer, line: number, reason: string): void {
    if (line <= this.skipThrough) return; // rejected by the import that covered it
    this.rejects.push({
      line,
      reason,
      raw: record.toString('utf8', 0, Math.min(record.length, RAW_LIMIT)),
    });
  }
}
