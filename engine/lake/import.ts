import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { CANONICAL_FIELDS, type CanonicalField } from '../kernel/workspace/settings.js';
import { CancelledError, UserError, errorMessage, throwIfAborted } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import { detectFormat, type ImportFormat } from './detect.js';
import { RAW_LIMIT, type FrameReject, type HoldTail } from '../kernel/lines/frame-ndjson.js';
import { describeDialect } from './csv-dialect.js';
import { readLinesByNumber } from '../kernel/lines/read-bytes.js';
import { stageImport, type StagedReject } from './stage.js';
import { commitImport, type RejectRecord } from './commit.js';
import type { ImportNote } from './notes.js';
import { resolveStagedImport } from './lake-schema.js';
import { frameSource, type FramedSource } from './import-sources.js';
import { describeReadAs, earlierImports, readAsText, type EarlierImport } from './replace.js';
import { eventsAfter, lastImportOfPath, nextImportId, pendingMoveCount } from './catalog.js';
import { todayIn } from '../shared/calendar.js';

export interface ImportOptions extends OperationOptions {
  format?: ImportFormat | 'auto';
  /** Reject the whole file when any row is rejected. */
  strict?: boolean;
  /** target=source mappings: a canonical field read from another source field. */
  map?: Partial<Record<CanonicalField, string>>;
  /**
   * Leave a last line without a newline for a later import: always (`true`, a log still being written), or, the
   * default for NDJSON, unless it is a whole JSON object (a file that may grow, or just lacks its last newline).
   */
  holdIncompleteTail?: HoldTail;
  /** A strptime format for event times (`%d/%m/%Y %H:%M`), when the values do not say which one they are in. */
  timeFormat?: string;
  /**
   * What the catalog and the lake's `_source_file` name the source, when the file is Recount's own copy of it (a
   * stream's messages): its imports continue one another under this name, and rejects are reported under it.
   */
  sourceName?: string;
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
  /** Earlier imports of the same content (read another way, or that landed nothing) this one replaced. */
  replaced?: { importId: number; importedAt: string; readAs: string }[];
  durationMs: number;
  /** Milliseconds per step (scan, parse, schema, type check, write, find duplicates, move files, catalog commit). */
  timings?: Record<string, number>;
}

export interface ImportSummary {
  files: ImportFileResult[];
  rows: number;
  rejected: number;
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

function outcome(path: string, started: number, status: ImportStatus, text: string, format?: string): ImportFileResult {
  return {
    path,
    status,
    rows: 0,
    rejected: 0,
    duplicates: 0,
    partitions: [],
    ...(status === 'failed' ? { error: text } : { message: text }),
    ...(format ? { format } : {}),
    durationMs: Date.now() - started,
  };
}

/**
 * Imports one file into the lake, atomically: it lands whole or not at all. Re-importing content the same way does
 * nothing; a file that grew by appends since its last import contributes only its new lines; content read another way
 * (or again after an import of it that landed nothing) replaces the earlier imports of it (replace.ts).
 */
export async function importFile(workspace: Workspace, file: string, options: ImportOptions = {}): Promise<ImportFileResult> {
  const started = Date.now();
  const path = resolve(file);
  const name = options.sourceName ?? path;
  try {
    return await workspace.exclusive(() => importUnlocked(workspace, path, options, started));
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    const message = error instanceof UserError ? error.message : `${name}: ${errorMessage(error)}`;
    return outcome(name, started, 'failed', message);
  }
}

/**
 * Why an import of this content is a skip, if it is: the same content was imported the same way before and landed
 * rows, or a file that grew by appends has nothing new since the import it continues.
 */
function alreadyImported(framed: FramedSource, earlier: { skip?: EarlierImport }): string | undefined {
  if (earlier.skip) {
    const { importId, importedAt, sourcePath } = earlier.skip;
    return `already imported ${importedAt} (import #${importId} of ${sourcePath})`;
  }
  if (framed.resumes && framed.bytesTo === framed.bytesFrom) {
    const { importId, importedAt } = framed.resumes;
    return `nothing new since import #${importId} (${importedAt})`;
  }
  return undefined;
}

/** Refuses an import whose rejects say it must not land: any under `strict`, or every record of a file of another format. */
function checkRejects(
  path: string,
  format: string,
  rejects: readonly RejectRecord[],
  rowsWritten: number,
  strict: boolean,
): void {
  const first = rejects[0];
  if (!first) return;
  if (strict) {
    throw new UserError(
      `${path}: ${rejects.length} row${rejects.length === 1 ? '' : 's'} rejected (first: line ${first.line}: ${first.reason}); --strict imports nothing`,
      'strict-rejects',
    );
  }
  if (rowsWritten === 0 && !rejects.some((r) => !/JSON|UTF-8/.test(r.reason))) {
    throw new UserError(
      `${path}: does not look like ${format.toUpperCase()}: none of its ${rejects.length} records could be read (line ${first.line}: ${first.reason})`,
      'file-corrupt',
    );
  }
}

async function importUnlocked(
  workspace: Workspace,
  file: string,
  options: ImportOptions,
  started: number,
): Promise<ImportFileResult> {
  // The name the catalog records; the file is what is read.
  const path = options.sourceName ?? file;
  const detected = await detectFormat(file, options.format ?? 'auto');
  const formatName = detected.format + (detected.gzip ? '+gzip' : '');
  const readAs = readAsText({
    format: options.format ?? 'auto',
    map: options.map ?? {},
    ...(options.timeFormat ? { timeFormat: options.timeFormat } : {}),
  });
  const nonce = randomBytes(4).toString('hex');
  const importId = await nextImportId(workspace.catalog);
  const scratch = join(workspace.paths.tmp, `import-${importId}-${nonce}`);
  const stagingDir = join(workspace.paths.staging, `${importId}-${nonce}`);
  await mkdir(scratch, { recursive: true });
  const connection = await workspace.connect();
  try {
    // Only a log format can have grown since its last import, and continue it.
    const previous =
      detected.format === 'ndjson' || detected.format === 'csv'
        ? await lastImportOfPath(workspace.catalog, path, readAs, readAsText({ format: 'auto', map: {} }))
        : undefined;
    const framed = await frameSource(file, detected, {
      connection,
      scratch,
      maxLineBytes: workspace.settings.import.maxLineBytes,
      ...(options.holdIncompleteTail !== undefined ? { holdIncompleteTail: options.holdIncompleteTail } : {}),
      ...(previous ? { previous } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const earlier = await earlierImports(workspace.catalog, {
      sha256: framed.fileSha256,
      bytes: framed.fileBytes,
      path,
      readAs,
      wholeFile: framed.bytesFrom === 0,
    });
    const skipped = alreadyImported(framed, earlier);
    if (skipped) return outcome(path, started, 'skipped', skipped, formatName);
    throwIfAborted(options.signal);
    const scanMs = Date.now() - started;
    const { source, rejects: framingRejects, bytesFrom, bytesTo, linesFrom } = framed;

    const importedAt = new Date().toISOString();
    const staged =
      (source.format === 'csv' || source.format === 'ndjson') && source.rows === 0
        ? undefined
        : await stageImport({
            connection,
            source,
            ...(framed.stagedEarly !== undefined ? { staged: framed.stagedEarly } : {}),
            sourceFile: path,
            stagingDir,
            ...(options.timeFormat ? { timeFormat: options.timeFormat } : {}),
            plan: {
              aliases: aliasesFor(workspace, options.map),
              firstRowLine: linesFrom + 1,
              sourceFile: path,
              importId,
              importedAt,
              zones: workspace.timeZones,
            },
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          });
    // A JSON document's or a Parquet file's records are numbered as DuckDB staged them.
    const linesTo = source.format === 'json' || source.format === 'parquet' ? (staged?.stagedRows ?? 0) : framed.linesTo;

    const rejects = await withRawText([...framingRejects], staged?.rejects ?? [], framed.rawSource);
    checkRejects(path, detected.format, rejects, staged?.rowsWritten ?? 0, Boolean(options.strict));

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
        contentSha256: framed.sha256,
        bytesFrom,
        bytesTo,
        linesFrom,
        linesTo,
        fieldMap: fields,
        importedAt,
        startedAt: started,
        readAs,
        replaces: earlier.replaces.map((e) => e.importId),
        ...(schema ? { schema } : {}),
      },
      rejects,
      scratch,
      options.onProgress,
    );
    // Nothing landed and rows were rejected: a failure, though its rejects are kept for the user to read (and a
    // corrected retry replaces it).
    const total = committed.rows === 0 && rejects.length > 0;
    const result: ImportFileResult = {
      path,
      status: total ? 'failed' : 'imported',
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
    if (total) {
      const first = rejects[0] as RejectRecord;
      result.error = `${path}: nothing landed: all ${rejects.length} row${rejects.length === 1 ? ' was' : 's were'} rejected (first: line ${first.line}: ${first.reason}); see them with: recount query "SELECT * FROM rejects WHERE import_id = ${importId}"`;
    }
    if (earlier.replaces.length > 0) {
      result.replaced = earlier.replaces.map((e) => ({ importId: e.importId, importedAt: e.importedAt, readAs: e.readAs }));
      result.message = `replaces ${earlier.replaces
        .map((e) => `import #${e.importId} of ${e.importedAt} (read with ${describeReadAs(e.readAs)}, ${e.rows} rows)`)
        .join(', ')}`;
    }
    if (staged) result.columns = staged.columns;
    const notes = [
      ...framed.notes,
      ...(staged?.notes ?? []),
      ...(schema?.notes ?? []),
      ...(await futureEvents(workspace, importId)),
    ];
    // The lake column each source field is read as, after schema evolution.
    if (result.columns && schema) {
      const lakeOf = new Map(schema.mappings.map((m) => [m.column, m]));
      result.columns = result.columns.map((c) => {
        const m = lakeOf.get(c.column);
        return m ? { ...c, column: m.lakeColumn } : c;
      });
    }
    if (notes.length > 0) result.notes = notes;
    if (framed.dialect) result.dialect = describeDialect(framed.dialect, staged?.decimalComma ?? false);
    if (framed.heldTailBytes !== undefined) result.heldTailBytes = framed.heldTailBytes;
    return result;
  } finally {
    // Staged files the catalog committed but could not yet move stay for the next open to move (commit.ts).
    const pending = await pendingMoveCount(connection, importId).catch(() => 1);
    connection.close();
    if (pending === 0) await rm(stagingDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Events an import dated after today in the workspace's zone: kept (they are what the file says), but said, as a
 * clock set wrong would put them there. The batch watermark never passes the last closed partition regardless.
 */
async function futureEvents(workspace: Workspace, importId: number): Promise<ImportNote[]> {
  const today = todayIn(workspace.settings.timezone);
  const { events: n, last } = await eventsAfter(workspace.catalog, importId, today);
  if (n === 0) return [];
  return [
    {
      column: 'occurred_at',
      kind: 'future-events',
      detail: `${n} event${n === 1 ? ' is' : 's are'} dated after today (${today}), the furthest on ${last}: a clock set wrong? They are kept; the batch watermark stays at the last closed partition`,
    },
  ];
}

/** Rejects in line order, each with the text of its source line. */
async function withRawText(
  framed: FrameReject[],
  staged: StagedReject[],
  rawSource: { path: string; gzip: boolean } | undefined,
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

/** Imports files one after another; `names` gives a file its `sourceName`, by the path it is given as. */
export async function importFiles(
  workspace: Workspace,
  files: readonly string[],
  options: ImportOptions & { names?: Readonly<Record<string, string>> } = {},
): Promise<ImportSummary> {
  const { names, ...common } = options;
  const results: ImportFileResult[] = [];
  for (const file of files) {
    throwIfAborted(options.signal);
    const sourceName = names && Object.hasOwn(names, file) ? names[file] : undefined;
    results.push(await importFile(workspace, file, sourceName ? { ...common, sourceName } : common));
  }
  return {
    files: results,
    rows: results.reduce((sum, r) => sum + r.rows, 0),
    rejected: results.reduce((sum, r) => sum + r.rejected, 0),
  };
}
