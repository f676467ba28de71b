import { createReadStream } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Workspace } from '../workspace/workspace.js';
import { CANONICAL_FIELDS, type CanonicalField } from '../workspace/settings.js';
import { CancelledError, UserError, errorMessage, throwIfAborted } from '../util/errors.js';
import type { OperationOptions } from '../util/progress.js';
import { detectFormat, type DetectedFormat, type ImportFormat } from './detect.js';
import { frameNdjson, RAW_LIMIT, type FrameReject } from './frame-ndjson.js';
import { frameCsv, type CsvFrameResult } from './frame-csv.js';
import { describeDialect, sniffCsvDialect, type CsvDialect } from './csv-dialect.js';
import { readLinesByNumber } from './read-bytes.js';
import { loadStaged, stageImport, type StageSource, type StagedReject } from './stage.js';
import { commitImport, type RejectRecord } from './commit.js';
import type { ImportNote } from './notes.js';
import { resolveStagedImport } from './lake-schema.js';

export interface ImportOptions extends OperationOptions {
  format?: ImportFormat | 'auto';
  /** Reject the whole file when any row is rejected. */
  strict?: boolean;
  /** target=source mappings: a canonical field read from another source field. */
  map?: Partial<Record<CanonicalField, string>>;
  /** Leave a last line without a newline for a later import (for logs still being written). */
  holdIncompleteTail?: boolean;
  /** A strptime format for event times (`%d/%m/%Y %H:%M`), when the values do not say which one they are in. */
  timeFormat?: string;
}

export type ImportStatus = 'imported' | 'skipped' | 'failed';

export interface ImportColumn {
  /** The field's name in the source. */
  source: string;
  /** The lake column it landed in. */
  column: string;
  type: string;
}

export interface ImportFileResult {
  path: string;
  status: ImportStatus;
  /** Rows landed in raw_events. */
  rows: number;
  rejected: number;
  /** Landed rows that repeat an event already seen (not in events). */
  duplicates: number;
  partitions: string[];
  error?: string;
  /** Why a file was skipped, in the user's words. */
  message?: string;
  importId?: number;
  format?: string;
  /** Which source field fed each canonical field ("(derived from content)" for a missing id). */
  fields?: Record<CanonicalField, string>;
  /** Byte and line range imported (a grown file imports only its new part). */
  range?: { bytesFrom: number; bytesTo: number; linesFrom: number; linesTo: number };
  /** Each source field's lake column and type. */
  columns?: ImportColumn[];
  /** A CSV file's dialect as sniffed: delimiter, quote, escape, header, decimal separator. */
  dialect?: string;
  /** What the import changed about fields and why (exact types, text kept, renames, conflicts). */
  notes?: ImportNote[];
  heldTailBytes?: number;
  durationMs: number;
  /** Milliseconds per step (scan, parse, schema, type check, write, find duplicates, move files, catalog commit). */
  timings?: Record<string, number>;
}

export interface ImportSummary {
  files: ImportFileResult[];
  rows: number;
  rejected: number;
}

interface PreviousImport {
  import_id: number;
  content_sha256: string;
  bytes_to: number;
  lines_to: number;
  imported_at: string;
  source_path: string;
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

function aliasesFor(workspace: Workspace, map: ImportOptions['map']): Record<CanonicalField, string[]> {
  const aliases = structuredClone(workspace.settings.fields) as Record<CanonicalField, string[]>;
  for (const field of CANONICAL_FIELDS) {
    const source = map?.[field];
    if (source) aliases[field] = [source, ...aliases[field].filter((a) => a !== source)];
  }
  return aliases;
}

/** Parses `--map target=source` arguments. */
export function parseFieldMap(entries: readonly string[]): Partial<Record<CanonicalField, string>> {
  const map: Partial<Record<CanonicalField, string>> = {};
  for (const entry of entries) {
    const match = /^([^=]+)=(.+)$/.exec(entry);
    if (!match) throw new UserError(`--map takes target=source, got "${entry}"`);
    const target = (match[1] as string).trim();
    if (!(CANONICAL_FIELDS as string[]).includes(target)) {
      throw new UserError(`--map target must be one of ${CANONICAL_FIELDS.join(', ')}; got "${target}"`);
    }
    map[target as CanonicalField] = (match[2] as string).trim();
  }
  return map;
}

async function findImportOfContent(workspace: Workspace, sha256: string, bytes: number): Promise<PreviousImport | undefined> {
  return workspace.catalog.one<PreviousImport & Record<string, unknown>>(
    `SELECT import_id::DOUBLE AS import_id, content_sha256, bytes_to::DOUBLE AS bytes_to, lines_to::DOUBLE AS lines_to,
        strftime(imported_at, '%Y-%m-%d %H:%M:%S %Z') AS imported_at, source_path
     FROM imports WHERE content_sha256 = $sha AND bytes_to = $bytes ORDER BY import_id LIMIT 1`,
    { sha: sha256, bytes },
  );
}

async function lastImportOfPath(workspace: Workspace, path: string): Promise<PreviousImport | undefined> {
  return workspace.catalog.one<PreviousImport & Record<string, unknown>>(
    `SELECT import_id::DOUBLE AS import_id, content_sha256, bytes_to::DOUBLE AS bytes_to, lines_to::DOUBLE AS lines_to,
        strftime(imported_at, '%Y-%m-%d %H:%M:%S %Z') AS imported_at, source_path
     FROM imports WHERE source_path = $path ORDER BY import_id DESC LIMIT 1`,
    { path },
  );
}

function skipped(path: string, started: number, message: string, format: string): ImportFileResult {
  return {
    path,
    status: 'skipped',
    rows: 0,
    rejected: 0,
    duplicates: 0,
    partitions: [],
    message,
    format,
    durationMs: Date.now() - started,
  };
}

/**
 * Imports one file into the lake, atomically: it lands whole or not at all. Re-importing content that
 * was imported before does nothing; a file that grew by appends since its last import contributes only
 * its new lines.
 */
export async function importFile(workspace: Workspace, file: string, options: ImportOptions = {}): Promise<ImportFileResult> {
  const started = Date.now();
  const path = resolve(file);
  try {
    return await workspace.exclusive(() => importUnlocked(workspace, path, options, started));
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    const message = error instanceof UserError ? error.message : `${path}: ${errorMessage(error)}`;
    return {
      path,
      status: 'failed',
      rows: 0,
      rejected: 0,
      duplicates: 0,
      partitions: [],
      error: message,
      durationMs: Date.now() - started,
    };
  }
}

async function importUnlocked(
  workspace: Workspace,
  path: string,
  options: ImportOptions,
  started: number,
): Promise<ImportFileResult> {
  const detected: DetectedFormat = await detectFormat(path, options.format ?? 'auto');
  const formatName = detected.format + (detected.gzip ? '+gzip' : '');
  const maxLineBytes = workspace.settings.import.maxLineBytes;
  const nonce = randomBytes(4).toString('hex');
  const idRow = await workspace.catalog.one<{ id: number }>(
    'SELECT (coalesce(max(import_id), 0) + 1)::DOUBLE AS id FROM imports',
  );
  const importId = Number(idRow?.id ?? 1);
  const scratch = join(workspace.paths.tmp, `import-${importId}-${nonce}`);
  const stagingDir = join(workspace.paths.staging, `${importId}-${nonce}`);
  await mkdir(scratch, { recursive: true });
  const connection = await workspace.connect();
  try {
    let source: StageSource;
    let contentSha256: string;
    let bytesFrom = 0;
    let bytesTo: number;
    let linesFrom = 0;
    let linesTo: number;
    let nodeRejects: FrameReject[] = [];
    let heldTailBytes: number | undefined;
    /** Rows already staged from the source while it was scanned. */
    let stagedEarly: number | undefined;
    /** How a CSV file is written, and what its framing changed (renamed headers, lines that are not records). */
    let dialect: CsvDialect | undefined;
    let csvNotes: ImportNote[] = [];
    /** The file DuckDB-side rejects are re-read from, for their raw text. */
    let rawSource: { path: string; gzip: boolean; lineOffset: number } | undefined;

    if (detected.format === 'ndjson') {
      const previous = detected.gzip ? undefined : await lastImportOfPath(workspace, path);
      const size = (await stat(path)).size;
      const resume = previous && size >= previous.bytes_to ? previous : undefined;
      const frameRequest = {
        path,
        gzip: detected.gzip,
        fromOffset: resume?.bytes_to ?? 0,
        fromLine: resume?.lines_to ?? 0,
        maxLineBytes,
        holdIncompleteTail: options.holdIncompleteTail ?? false,
        copyPath: join(scratch, 'source.ndjson'),
        ...(detected.crNewlines ? { crNewlines: true } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(resume ? { expectedPrefixSha256: resume.content_sha256 } : {}),
      };
      // A file new to the workspace, read as it is (not gzipped, grown or still being written): DuckDB stages it while
      // Node scans it, so the two passes overlap. If the scan finds the file needs a sanitized copy, that is staged instead.
      const early =
        !previous && !detected.gzip && !detected.crNewlines && !options.holdIncompleteTail
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
      const same = await findImportOfContent(workspace, frame.fileSha256, frame.fileBytes);
      if (same) {
        await early?.catch(() => {});
        return skipped(
          path,
          started,
          `already imported ${same.imported_at} (import #${same.import_id} of ${same.source_path})`,
          formatName,
        );
      }
      if (grown && frame.endOffset === resume.bytes_to) {
        return skipped(path, started, `nothing new since import #${resume.import_id} (${resume.imported_at})`, formatName);
      }
      contentSha256 = frame.sha256;
      bytesFrom = grown ? resume.bytes_to : 0;
      linesFrom = frame.firstRowLine - 1;
      bytesTo = frame.endOffset;
      linesTo = frame.endLine;
      nodeRejects = frame.rejects;
      heldTailBytes = frame.heldTail?.bytes;
      source = {
        format: 'ndjson',
        path: frame.source,
        rows: frame.lines,
        sanitized: frame.sanitized,
        maxObjectBytes: maxLineBytes,
        heldTail: frame.heldTail !== undefined && !frame.sanitized,
      };
      // Staged early from the file itself: good when DuckDB is to read just that (its errors are this import's then).
      if (early && !frame.sanitized) stagedEarly = await early;
      else await early?.catch(() => {});
      rawSource = { path, gzip: detected.gzip, lineOffset: 0 };
    } else if (detected.format === 'csv') {
      dialect = await sniffCsvDialect(connection, path, {
        gzip: detected.gzip,
        head: detected.head ?? '',
        ...(detected.delimiter ? { delimiter: detected.delimiter } : {}),
      });
      const frame = await frameCsv({
        path,
        gzip: detected.gzip,
        dialect,
        maxRecordBytes: maxLineBytes,
        copyPath: join(scratch, 'source.csv'),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      const same = await findImportOfContent(workspace, frame.fileSha256, frame.fileBytes);
      if (same)
        return skipped(
          path,
          started,
          `already imported ${same.imported_at} (import #${same.import_id} of ${same.source_path})`,
          formatName,
        );
      contentSha256 = frame.fileSha256;
      bytesTo = frame.fileBytes;
      linesTo = frame.endLine;
      nodeRejects = frame.rejects;
      csvNotes = csvFrameNotes(frame);
      source = {
        format: 'csv',
        path: frame.source,
        delimiter: dialect.delimiter,
        columns: frame.columns,
        rows: frame.records,
        maxRecordBytes: maxLineBytes,
        ...(dialect.timeFormats ? { timeFormats: dialect.timeFormats } : {}),
      };
      rawSource = { path, gzip: detected.gzip, lineOffset: 0 };
    } else {
      const hashed = await hashFile(path, options);
      const same = await findImportOfContent(workspace, hashed.sha256, hashed.bytes);
      if (same)
        return skipped(
          path,
          started,
          `already imported ${same.imported_at} (import #${same.import_id} of ${same.source_path})`,
          formatName,
        );
      contentSha256 = hashed.sha256;
      bytesTo = hashed.bytes;
      linesTo = 0;
      source =
        detected.format === 'parquet'
          ? { format: 'parquet', path }
          : { format: 'json', path, layout: detected.jsonLayout ?? 'array' };
    }
    throwIfAborted(options.signal);
    const scanMs = Date.now() - started;

    const importedAt = new Date().toISOString();
    const staged =
      (source.format === 'csv' || source.format === 'ndjson') && source.rows === 0
        ? undefined
        : await stageImport({
            connection,
            source,
            ...(stagedEarly !== undefined ? { staged: stagedEarly } : {}),
            sourceFile: path,
            stagingDir,
            ...(options.timeFormat ? { timeFormat: options.timeFormat } : {}),
            plan: {
              aliases: aliasesFor(workspace, options.map),
              firstRowLine: linesFrom + 1,
              sourceFile: path,
              importId,
              importedAt,
              timezone: workspace.settings.timezone,
            },
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          });
    if (source.format === 'json' || source.format === 'parquet') linesTo = staged?.stagedRows ?? 0;

    const rejects = await withRawText([...nodeRejects], staged?.rejects ?? [], rawSource);
    if (options.strict && rejects.length > 0) {
      const first = rejects[0] as RejectRecord;
      throw new UserError(
        `${path}: ${rejects.length} row${rejects.length === 1 ? '' : 's'} rejected (first: line ${first.line}: ${first.reason}); --strict imports nothing`,
        'strict-rejects',
      );
    }
    if (rejects.length > 0 && (staged?.rowsWritten ?? 0) === 0 && !rejects.some((r) => !/JSON|UTF-8/.test(r.reason))) {
      throw new UserError(
        `${path}: does not look like ${detected.format.toUpperCase()}: none of its ${rejects.length} records could be read (line ${rejects[0]?.line}: ${rejects[0]?.reason})`,
        'file-corrupt',
      );
    }

    const fields = {} as Record<CanonicalField, string>;
    for (const field of CANONICAL_FIELDS) {
      fields[field] = staged?.plan.sources[field] ?? (field === 'event_id' ? '(derived from content)' : '(missing)');
    }
    throwIfAborted(options.signal);
    const schema = (staged?.rowsWritten ?? 0) > 0 ? await resolveStagedImport(connection, workspace.dir, stagingDir) : undefined;
    const committed = await commitImport(
      workspace,
      connection,
      stagingDir,
      {
        importId,
        sourcePath: path,
        format: formatName,
        contentSha256,
        bytesFrom,
        bytesTo,
        linesFrom,
        linesTo,
        fieldMap: fields,
        importedAt,
        startedAt: started,
        ...(schema ? { schema } : {}),
      },
      rejects,
      scratch,
      options.onProgress,
    );
    const result: ImportFileResult = {
      path,
      status: 'imported',
      rows: committed.rows,
      rejected: rejects.length,
      duplicates: committed.duplicates,
      partitions: committed.partitions,
      importId,
      format: formatName,
      fields,
      range: { bytesFrom, bytesTo, linesFrom, linesTo },
      durationMs: Date.now() - started,
      timings: { scan: scanMs, ...staged?.timings, ...committed.timings },
    };
    if (staged) result.columns = staged.columns;
    const notes = [...csvNotes, ...(staged?.notes ?? []), ...(schema?.notes ?? [])];
    // The lake column each source field is read as, after schema evolution.
    if (result.columns && schema) {
      const lakeOf = new Map(schema.mappings.map((m) => [m.column, m]));
      result.columns = result.columns.map((c) => {
        const m = lakeOf.get(c.column);
        return m ? { ...c, column: m.lakeColumn } : c;
      });
    }
    if (notes.length > 0) result.notes = notes;
    if (dialect) result.dialect = describeDialect(dialect, staged?.decimalComma ?? false);
    if (heldTailBytes !== undefined) result.heldTailBytes = heldTailBytes;
    return result;
  } finally {
    // Staged files the catalog committed but could not yet move stay for the next open to move (commit.ts).
    const pending = await connection
      .one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM pending_moves WHERE import_id = ${importId}`)
      .catch(() => ({ n: 1 }));
    connection.close();
    if (Number(pending?.n ?? 0) === 0) await rm(stagingDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}

/** What framing a CSV file changed: header names stored otherwise, lines that are not records, unclosed quotes kept. */
function csvFrameNotes(frame: CsvFrameResult): ImportNote[] {
  const notes: ImportNote[] = frame.renames.map((r) => ({
    column: r.column,
    kind: 'renamed',
    detail: `the header ${JSON.stringify(r.header)} is stored as ${r.column}: ${r.why}`,
  }));
  if (frame.skippedLines > 0) {
    notes.push({
      column: '(file)',
      kind: 'converted',
      detail: `${frame.skippedLines} line${frame.skippedLines === 1 ? ' is' : 's are'} not part of the table (before the header, or comments), as DuckDB's sniffer reads the file`,
    });
  }
  if (frame.trailingDelimiters > 0) {
    notes.push({
      column: '(file)',
      kind: 'converted',
      detail: `${frame.trailingDelimiters} record${frame.trailingDelimiters === 1 ? ' ends' : 's end'} with a delimiter after the last field: the empty field after it is not a column`,
    });
  }
  if (frame.unclosedQuotesKept > 0) {
    notes.push({
      column: '(file)',
      kind: 'converted',
      detail: `${frame.unclosedQuotesKept} record${frame.unclosedQuotesKept === 1 ? ' has' : 's have'} a quote that never closes, kept as text (the next line is a record of its own)`,
    });
  }
  return notes;
}

/** Rejects in line order, each with the text of its source line. */
async function withRawText(
  framed: FrameReject[],
  staged: StagedReject[],
  rawSource: { path: string; gzip: boolean; lineOffset: number } | undefined,
): Promise<RejectRecord[]> {
  const need = new Set(staged.filter((r) => r.raw === undefined).map((r) => r.line));
  const texts =
    rawSource && need.size > 0
      ? await readLinesByNumber(rawSource.path, rawSource.gzip, need, RAW_LIMIT)
      : new Map<number, string>();
  const all: RejectRecord[] = [
    ...framed.map((r) => ({ line: r.line, reason: r.reason, raw: r.raw })),
    ...staged.map((r) => ({ line: r.line, reason: r.reason, raw: r.raw ?? texts.get(r.line) ?? null })),
  ];
  return all.sort((a, b) => a.line - b.line);
}

export async function importFiles(
  workspace: Workspace,
  files: readonly string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const results: ImportFileResult[] = [];
  for (const file of files) {
    throwIfAborted(options.signal);
    results.push(await importFile(workspace, file, options));
  }
  return {
    files: results,
    rows: results.reduce((sum, r) => sum + r.rows, 0),
    rejected: results.reduce((sum, r) => sum + r.rejected, 0),
  };
}
