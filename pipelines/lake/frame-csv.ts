import { createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { throwIfAborted } from '../util/errors.js';
import type { OperationOptions } from '../util/progress.js';
import { readBytes } from './read-bytes.js';
import { RAW_LIMIT, type FrameReject } from './frame-ndjson.js';

/** The column a normalized CSV copy starts with: the physical line where the record began. */
export const LINE_COLUMN = '__recount_line';

export interface CsvFrameRequest extends OperationOptions {
  path: string;
  gzip: boolean;
  delimiter: string;
  maxRecordBytes: number;
  copyPath: string;
}

export interface CsvFrameResult {
  fileSha256: string;
  fileBytes: number;
  /** Column names from the header row, made unique and non-empty. */
  columns: string[];
  /** Data records written to the copy. */
  records: number;
  endLine: number;
  rejects: FrameReject[];
  source: string;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Splits one CSV record (RFC 4180 quoting) into field values. */
export function parseCsvRecord(text: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Header names as columns: trimmed, never empty, unique regardless of case (DuckDB identifiers ignore case). */
export function uniqueColumnNames(names: string[], reserved: readonly string[] = []): string[] {
  const seen = new Set(reserved.map((r) => r.toLowerCase()));
  return names.map((raw, index) => {
    const base = raw.trim() || `column${index + 1}`;
    let name = base;
    for (let n = 2; seen.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    seen.add(name.toLowerCase());
    return name;
  });
}

/**
 * Frames a CSV/TSV file into records with a quote-aware scan and writes a normalized copy in which
 * each record is prefixed by the physical line it started on. DuckDB's CSV reader cannot report line
 * numbers, and a record with an embedded newline spans several lines, so this is the one place where
 * line numbers can be known. Records with the wrong number of fields, broken quoting, invalid UTF-8 or
 * excessive length are rejected here with their line; the rest is parsed by DuckDB.
 */
export async function frameCsv(request: CsvFrameRequest): Promise<CsvFrameResult> {
  const { signal, onProgress } = request;
  const DELIM = request.delimiter.charCodeAt(0);
  const max = request.maxRecordBytes;
  const hash = createHash('sha256');
  const out = createWriteStream(request.copyPath);
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const write = (buf: Buffer) => {
    pending.push(buf);
    pendingBytes += buf.length;
  };
  const flush = async (force = false) => {
    if (pendingBytes === 0 || (!force && pendingBytes < 1 << 20)) return;
    const data = Buffer.concat(pending);
    pending.length = 0;
    pendingBytes = 0;
    if (!out.write(data)) await once(out, 'drain');
  };

  const delimiterBuf = Buffer.from(request.delimiter);
  const newline = Buffer.from('\n');
  const rejects: FrameReject[] = [];
  let header: string[] | undefined;
  let headerFields = 0;
  let records = 0;

  // Record state.
  let parts: Buffer[] = [];
  let recordBytes = 0;
  let oversized = false;
  let inQuotes = false;
  let afterQuote = false;
  let fieldStart = true;
  let fields = 1;
  let strayQuote = false;
  let line = 0; // physical lines completed
  let recordStartLine = 1;
  let pendingCR = false;
  let atFileStart = true;
  let offset = 0;

  const append = (chunk: Buffer, start: number, end: number) => {
    if (end <= start) return;
    recordBytes += end - start;
    if (oversized) return;
    if (recordBytes > max) {
      oversized = true;
      parts = [Buffer.concat([...parts, chunk.subarray(start, end)]).subarray(0, RAW_LIMIT)];
      return;
    }
    parts.push(Buffer.from(chunk.subarray(start, end)));
  };

  const endRecord = () => {
    let record = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    if (atFileStart && record.length >= 3 && record[0] === 0xef && record[1] === 0xbb && record[2] === 0xbf) {
      record = record.subarray(3);
    }
    if (record.length > 0 || oversized) atFileStart = false;
    const reject = (reason: string) =>
      rejects.push({ line: recordStartLine, reason, raw: record.toString('utf8', 0, Math.min(record.length, RAW_LIMIT)) });
    if (!oversized && record.length === 0) {
      // a blank line is not a record
    } else if (oversized) {
      reject(`record is ${recordBytes} bytes, longer than the ${max}-byte limit (an unterminated quote?)`);
    } else if (!isUtf8(record)) {
      reject('record is not valid UTF-8');
    } else if (!header) {
      header = parseCsvRecord(record.toString('utf8'), request.delimiter);
      headerFields = fields;
      write(Buffer.from(`${LINE_COLUMN}${request.delimiter}`));
      write(record);
      write(newline);
    } else if (inQuotes) {
      reject('unterminated quoted field');
    } else if (strayQuote) {
      reject('quote character inside an unquoted field');
    } else if (fields !== headerFields) {
      reject(`expected ${headerFields} fields, found ${fields}`);
    } else {
      write(Buffer.from(`${recordStartLine}`));
      write(delimiterBuf);
      write(record);
      write(newline);
      records++;
    }
    parts = [];
    recordBytes = 0;
    oversized = false;
    inQuotes = false;
    afterQuote = false;
    fieldStart = true;
    fields = 1;
    strayQuote = false;
  };

  try {
    for await (const chunk of readBytes(request.path, request.gzip)) {
      throwIfAborted(signal);
      hash.update(chunk);
      offset += chunk.length;
      let segStart = 0;
      const n = chunk.length;
      for (let i = 0; i < n; i++) {
        const c = chunk[i] as number;
        if (pendingCR) {
          pendingCR = false;
          if (c === LF) {
            segStart = i + 1;
            continue;
          }
        }
        if (inQuotes) {
          if (c === QUOTE) {
            inQuotes = false;
            afterQuote = true;
          } else if (c === LF) {
            line++;
            // A quote that never closes would swallow the rest of the file: give up at the length limit.
            if (recordBytes + (i - segStart) > max) {
              append(chunk, segStart, i);
              oversized = true;
              endRecord();
              recordStartLine = line + 1;
              segStart = i + 1;
            }
          }
          continue;
        }
        if (c === QUOTE) {
          if (afterQuote) {
            inQuotes = true;
            afterQuote = false;
          } else if (fieldStart) {
            inQuotes = true;
            fieldStart = false;
          } else strayQuote = true;
          continue;
        }
        if (c === DELIM) {
          afterQuote = false;
          fields++;
          fieldStart = true;
          continue;
        }
        if (c === LF || c === CR) {
          append(chunk, segStart, i);
          endRecord();
          line++;
          recordStartLine = line + 1;
          if (c === CR) pendingCR = true;
          segStart = i + 1;
          continue;
        }
        if (afterQuote) strayQuote = true;
        afterQuote = false;
        fieldStart = false;
      }
      append(chunk, segStart, n);
      await flush();
      onProgress?.({ phase: 'scanning', done: offset, unit: 'bytes', rows: records });
    }
    if (recordBytes > 0 || oversized || inQuotes) {
      endRecord();
      line++;
    }
    await flush(true);
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    throw error;
  }
  return {
    fileSha256: hash.digest('hex'),
    fileBytes: offset,
    columns: header ? uniqueColumnNames(header, [LINE_COLUMN]) : [],
    records,
    endLine: line,
    rejects,
    source: request.copyPath,
  };
}
