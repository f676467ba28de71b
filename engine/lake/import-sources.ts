import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from '../kernel/workspace/db.js';
import { CancelledError, UserError, errorMessage, throwIfAborted } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import type { DetectedFormat } from './detect.js';
import { frameNdjson, type FrameReject, type HoldTail } from '../kernel/lines/frame-ndjson.js';
import { frameCsv, type CsvFrameResult } from './frame-csv.js';
import { sniffCsvDialect, type CsvDialect } from './csv-dialect.js';
import { loadStaged, type StageSource } from './stage.js';
import type { ImportNote } from './notes.js';

/**
 * One source per format, framed the same way for the import that follows: what DuckDB is to read (the file, or a
 * copy whose row N is line N), the range of the file this import covers, the rejects framing found, and the hash
 * that tells whether this content was imported before.
 */
export interface FramedSource {
  source: StageSource;
  /** Hash of the bytes this import covers from the file's start (a grown log's prefix is checked against it next time). */
  sha256: string;
  /** Hash and size of the file's whole content, as it is now: what tells it was imported before. */
  fileSha256: string;
  fileBytes: number;
  bytesFrom: number;
  bytesTo: number;
  linesFrom: number;
  linesTo: number;
  rejects: FrameReject[];
  heldTailBytes?: number;
  /** Rows DuckDB already staged from the file while it was scanned. */
  stagedEarly?: number;
  /** The file DuckDB-side rejects are re-read from, for their raw text. */
  rawSource?: { path: string; gzip: boolean };
  dialect?: CsvDialect;
  notes: ImportNote[];
  /** The earlier import of this path a grown file continues, when it does (it covers `bytesFrom` on). */
  resumes?: { importId: number; importedAt: string };
}

export interface FrameOptions extends OperationOptions {
  connection: Connection;
  scratch: string;
  maxLineBytes: number;
  holdIncompleteTail?: HoldTail;
  /** The last import of this path read the same way (a grown file continues it). */
  previous?: { importId: number; bytesTo: number; linesTo: number; sha256: string; importedAt: string };
}

/** Frames the file with the source of its format: each returns the same framed source. */
export async function frameSource(path: string, detected: DetectedFormat, options: FrameOptions): Promise<FramedSource> {
  switch (detected.format) {
    case 'ndjson':
      return frameNdjsonSource(path, detected, options);
    case 'csv':
      return frameCsvSource(path, detected, options);
    case 'json':
      return wholeFileSource(path, { format: 'json', path, layout: detected.jsonLayout ?? 'array' }, options);
    case 'parquet':
      return wholeFileSource(path, { format: 'parquet', path }, options);
  }
}

/**
 * A JSON document or a Parquet file: DuckDB reads it as it is and whole (neither grows by appends), so framing it is
 * hashing it; its rows are counted when it is staged.
 */
async function wholeFileSource(path: string, source: StageSource, options: FrameOptions): Promise<FramedSource> {
  const hashed = await hashFile(path, options);
  return {
    source,
    sha256: hashed.sha256,
    fileSha256: hashed.sha256,
    fileBytes: hashed.bytes,
    bytesFrom: 0,
    bytesTo: hashed.bytes,
    linesFrom: 0,
    linesTo: 0,
    rejects: [],
    notes: [],
  };
}

/**
 * The earlier import a file continues from, if it can have grown since: a gzip to which a member was appended
 * continues from the same decompressed offset; a plain file only if it is no shorter than what that import covered.
 */
async function resumable(path: string, detected: DetectedFormat, previous: FrameOptions['previous']) {
  return previous && (detected.gzip || (await stat(path)).size >= previous.bytesTo) ? previous : undefined;
}

/** Whether the byte just before `offset` is a newline: an import that ended without one ended inside its last line. */
async function endsWithNewline(path: string, offset: number): Promise<boolean> {
  if (offset === 0) return true;
  const handle = await open(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset - 1);
    return byte[0] === 0x0a || byte[0] === 0x0d;
  } finally {
    await handle.close();
  }
}

async function frameNdjsonSource(path: string, detected: DetectedFormat, options: FrameOptions): Promise<FramedSource> {
  const { connection, maxLineBytes } = options;
  const previous = options.previous;
  const resume = await resumable(path, detected, previous);
  // An earlier import that ended inside a last line without its newline: that newline, when it comes, ends the same line.
  const midLine = resume && !detected.gzip ? !(await endsWithNewline(path, resume.bytesTo)) : false;
  const hold = options.holdIncompleteTail ?? (detected.gzip ? false : 'unless-complete');
  const frameRequest = {
    path,
    gzip: detected.gzip,
    fromOffset: resume?.bytesTo ?? 0,
    fromLine: (resume?.linesTo ?? 0) - (midLine ? 1 : 0),
    maxLineBytes,
    holdIncompleteTail: hold,
    copyPath: join(options.scratch, 'source.ndjson'),
    ...(detected.crNewlines ? { crNewlines: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(resume ? { expectedPrefixSha256: resume.sha256 } : {}),
  };
  // A file new to the workspace, read as it is (not gzipped, grown or still being written): DuckDB stages it while
  // Node scans it, so the two passes overlap. If the scan finds the file needs a sanitized copy, that is staged instead.
  const early =
    !previous && !detected.gzip && !detected.crNewlines && hold !== true
      ? loadStaged({
          connection,
          source: { format: 'ndjson', path, rows: 0, sanitized: false, maxObjectBytes: maxLineBytes, heldTail: false },
          sourceFile: path,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        })
      : undefined;
  // Awaited once the scan is done; a failure meanwhile must not count as unhandled.
  early?.catch(() => {});
  let frame = await frameNdjson(frameRequest).catch(async (error: unknown) => {
    await early?.catch(() => {});
    throw error;
  });
  const grown = resume !== undefined && frame.prefixMatches;
  if (resume && !grown) {
    // The file was replaced rather than appended to: import it whole.
    frame = await frameNdjson({ ...frameRequest, fromOffset: 0, fromLine: 0, expectedPrefixSha256: undefined });
  }
  // Staged early from the file itself: good when DuckDB is to read just that (its errors are this import's then),
  // not when the scan held back a last line, which the early read took in.
  let stagedEarly: number | undefined;
  if (early && !frame.sanitized && !frame.heldTail) stagedEarly = await early;
  else await early?.catch(() => {});
  return {
    source: {
      format: 'ndjson',
      path: frame.source,
      rows: frame.lines,
      sanitized: frame.sanitized,
      maxObjectBytes: maxLineBytes,
      heldTail: frame.heldTail !== undefined && !frame.sanitized,
    },
    sha256: frame.sha256,
    fileSha256: frame.fileSha256,
    fileBytes: frame.fileBytes,
    bytesFrom: grown ? resume.bytesTo : 0,
    bytesTo: frame.endOffset,
    linesFrom: frame.firstRowLine - 1,
    linesTo: frame.endLine,
    rejects: frame.rejects,
    ...(frame.heldTail ? { heldTailBytes: frame.heldTail.bytes } : {}),
    ...(stagedEarly !== undefined ? { stagedEarly } : {}),
    rawSource: { path, gzip: detected.gzip },
    notes: [],
    ...(grown ? { resumes: { importId: resume.importId, importedAt: resume.importedAt } } : {}),
  };
}

async function frameCsvSource(path: string, detected: DetectedFormat, options: FrameOptions): Promise<FramedSource> {
  const dialect = await sniffCsvDialect(options.connection, path, {
    gzip: detected.gzip,
    head: detected.head ?? '',
    ...(detected.delimiter ? { delimiter: detected.delimiter } : {}),
  });
  const resume = await resumable(path, detected, options.previous);
  const request = {
    path,
    gzip: detected.gzip,
    dialect,
    maxRecordBytes: options.maxLineBytes,
    copyPath: join(options.scratch, 'source.csv'),
    // A CSV file may grow as a log does: a last record without its newline that is not whole waits for the next import.
    holdIncompleteTail: !detected.gzip && options.holdIncompleteTail !== false,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  let frame = await frameCsv({
    ...request,
    ...(resume ? { resume: { bytes: resume.bytesTo, line: resume.linesTo, sha256: resume.sha256 } } : {}),
  });
  const grown = resume !== undefined && frame.prefixMatches;
  // Replaced rather than appended to: framed whole.
  if (resume && !grown) frame = await frameCsv(request);
  return {
    source: {
      format: 'csv',
      path: frame.source,
      delimiter: dialect.delimiter,
      columns: frame.columns,
      rows: frame.records,
      maxRecordBytes: options.maxLineBytes,
      ...(dialect.timeFormats ? { timeFormats: dialect.timeFormats } : {}),
    },
    sha256: frame.sha256,
    fileSha256: frame.fileSha256,
    fileBytes: frame.fileBytes,
    bytesFrom: grown ? resume.bytesTo : 0,
    bytesTo: frame.endOffset,
    linesFrom: grown ? resume.linesTo : 0,
    linesTo: frame.endLine,
    rejects: frame.rejects,
    ...(frame.heldTailBytes !== undefined ? { heldTailBytes: frame.heldTailBytes } : {}),
    rawSource: { path, gzip: detected.gzip },
    dialect,
    notes: csvFrameNotes(frame),
    ...(grown ? { resumes: { importId: resume.importId, importedAt: resume.importedAt } } : {}),
  };
}

async function hashFile(path: string, options: OperationOptions): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      throwIfAborted(options.signal);
      hash.update(chunk);
      bytes += chunk.length;
      options.onProgress?.({ phase: 'scanning', done: bytes, unit: 'bytes' });
    }
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    throw new UserError(`${path}: cannot read (${errorMessage(error)})`, 'file-unreadable');
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** What framing a CSV file changed: header names stored otherwise, lines that are not records, unclosed quotes kept. */
function csvFrameNotes(frame: CsvFrameResult): ImportNote[] {
  const notes: ImportNote[] = frame.renames.map((r) => ({
    column: r.column,
    kind: 'renamed',
    detail: `the header ${JSON.stringify(r.header)} is stored as ${r.column}: ${r.why}`,
  }));
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (frame.skippedLines > 0) {
    notes.push({
      column: '(file)',
      kind: 'converted',
      detail: `${count(frame.skippedLines, 'line is', 'lines are')} not part of the table (before the header, or comments), as DuckDB's sniffer reads the file`,
    });
  }
  if (frame.trailingDelimiters > 0) {
    notes.push({
      column: '(file)',
      kind: 'converted',
      detail: `${count(frame.trailingDelimiters, 'record ends', 'records end')} with a delimiter after the last field: the empty field after it is not a column`,
    });
  }
  if (frame.unclosedQuotesKept > 0) {
    notes.push({
      column: '(file)',
      kind: 'converted',
      detail: `${count(frame.unclosedQuotesKept, 'record has', 'records have')} a quote that never closes, kept as text (the next line is a record of its own)`,
    });
  }
  return notes;
}
