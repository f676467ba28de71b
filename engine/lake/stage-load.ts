import type { Connection } from '../kernel/workspace/db.js';
import { UserError, duckdbMessage } from '../kernel/util/errors.js';
import { literal } from '../kernel/util/sql.js';
import type { OperationOptions } from '../shared/progress.js';
import { LINE_COLUMN } from '../kernel/events/plan.js';
import { ndjsonRecordsReader } from '../kernel/events/records.js';

/** The temp table a source is staged in: one row per record, its rowid the record's order in the source. */
export const STAGED_TABLE = 'import_staged';

/** The file DuckDB stages (the original, or the framed copy) and what framing learnt of it. */
export type StageSource =
  | { format: 'ndjson'; path: string; rows: number; sanitized: boolean; maxObjectBytes: number; heldTail: boolean }
  | { format: 'json'; path: string; layout: 'array' | 'unstructured' }
  | {
      format: 'csv';
      path: string;
      delimiter: string;
      columns: string[];
      rows: number;
      maxRecordBytes: number;
      /** Time formats DuckDB's sniffer found in the file (strptime). */
      timeFormats?: string[];
    }
  | { format: 'parquet'; path: string };

/** What loading a source into the staging table needs. */
export interface LoadRequest extends OperationOptions {
  connection: Connection;
  source: StageSource;
  /** The file the rows came from, as recorded with each row. */
  sourceFile: string;
}

function readerFor(source: StageSource, extra = ''): string {
  switch (source.format) {
    case 'ndjson':
      return `read_json(${literal(source.path)}, format = 'newline_delimited', ignore_errors = true,
        maximum_object_size = ${Math.max(16 << 20, source.maxObjectBytes * 2)}${extra})`;
    case 'json':
      return `read_json(${literal(source.path)}, format = ${literal(source.layout)}${extra})`;
    case 'csv':
      // The normalized copy (csv-copy.ts): RFC 4180 quoting with the file's delimiter, whatever the file's own dialect.
      return `read_csv(${literal(source.path)}, header = true, delim = ${literal(source.delimiter)}, quote = '"', escape = '"',
        auto_detect = false, strict_mode = false, null_padding = false, max_line_size = ${Math.max(2 << 20, source.maxRecordBytes * 2)},
        columns = {${[LINE_COLUMN, ...source.columns].map((c) => `${literal(c)}: ${literal(c === LINE_COLUMN ? 'BIGINT' : 'VARCHAR')}`).join(', ')}})`;
    case 'parquet':
      return `read_parquet(${literal(source.path)})`;
  }
}

/**
 * Loads the source into a temp table whose rowid is its row order (insertion order is preserved). An
 * import may start this while it still scans the file (see `stageImport`'s `staged`).
 */
export async function loadStaged(request: LoadRequest): Promise<number> {
  const { connection, source } = request;
  let sql: string;
  switch (source.format) {
    case 'ndjson':
      // Every key as a MAP entry, its value as text: nothing in a record can be dropped for lack of a column.
      sql = `SELECT json FROM ${ndjsonRecordsReader(source.path, source.maxObjectBytes)}`;
      // A held-back last line is still in the file DuckDB reads; LIMIT keeps it out (only then: it costs parallelism).
      if (source.heldTail) sql += ` LIMIT ${source.rows}`;
      break;
    case 'json':
      sql = `SELECT TRY_CAST(json AS MAP(VARCHAR, VARCHAR)) AS json, json AS _raw
             FROM ${readerFor(source, `, records = false, columns = {json: 'JSON'}`)}`;
      break;
    default:
      sql = `SELECT * FROM ${readerFor(source)}`;
  }
  try {
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${STAGED_TABLE} AS ${sql}`, undefined, {
      signal: request.signal,
      onProgress: (p) => request.onProgress?.({ ...p, phase: 'parsing' }),
    });
  } catch (error) {
    if ((error as Error).name === 'CancelledError') throw error;
    throw new UserError(
      `${request.sourceFile}: cannot be read as ${source.format.toUpperCase()}: ${duckdbMessage(error)}`,
      'file-corrupt',
    );
  }
  const row = await connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${STAGED_TABLE}`);
  return Number(row?.n ?? 0);
}
