import { createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { throwIfAborted } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import { readBytes } from '../kernel/lines/read-bytes.js';
import type { FrameReject } from '../kernel/lines/frame-ndjson.js';
import type { CsvDialect } from './csv-dialect.js';
import { CsvCopyWriter } from './csv-copy.js';
import { CsvFramer } from './csv-framer.js';
import type { CsvRename } from './csv-record.js';

export { csvColumnNames, splitCsvRecord } from './csv-record.js';

const LF = 0x0a;

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
  renames: CsvRename[];
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
  const copy = new CsvCopyWriter(dialect, resume?.line ?? 0);
  const framer = new CsvFramer(dialect, request.maxRecordBytes, copy);
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
      const data = copy.takeOutput();
      if (data && !out.write(data)) await once(out, 'drain');
      onProgress?.({ phase: 'scanning', done: offset, unit: 'bytes', rows: copy.records });
    }
    const held = framer.end(request.holdIncompleteTail === true && prefixMatches);
    const data = copy.takeOutput();
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
      columns: copy.columns,
      renames: copy.renames,
      records: copy.records,
      endLine: framer.line,
      rejects: copy.rejects,
      skippedLines: framer.skippedLines,
      unclosedQuotesKept: copy.unclosedKept,
      trailingDelimiters: copy.trailingDelimiters,
      source: request.copyPath,
    };
  } catch (error) {
    out.destroy();
    throw error;
  }
}
