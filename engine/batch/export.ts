import { rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join, resolve } from 'node:path';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { CancelledError, UserError, duckdbMessage } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import { fsyncDir, fsyncFile } from '../kernel/util/fsx.js';
import type { OperationOptions } from '../shared/progress.js';
import { parseStatement } from '../kernel/pipeline/ast.js';

export type ExportFormat = 'csv' | 'parquet';

export interface ExportRequest extends OperationOptions {
  /** A table or view name, or a SELECT statement. */
  source: string;
  out: string;
  format?: ExportFormat;
}

export interface ExportResult {
  out: string;
  format: ExportFormat;
  rows: number;
  bytes: number;
}

/**
 * A cell as CSV text: dates and times in ISO 8601, decimals exactly as stored, nested values as JSON,
 * and text that a spreadsheet would run as a formula (= + - @, tab, CR) prefixed with an apostrophe
 * (OWASP's advice), except plain negative numbers stored as text.
 */
function csvCell(column: string, type: string): string {
  const c = ident(column);
  const t = type.toUpperCase();
  if (t === 'VARCHAR' || t === 'JSON' || t.startsWith('ENUM')) {
    const text = t === 'VARCHAR' ? c : `CAST(${c} AS VARCHAR)`;
    return `CASE WHEN regexp_matches(${text}, '^[=+\\-@\\t\\r]') AND NOT regexp_full_match(${text}, '-[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?')
      THEN '''' || ${text} ELSE ${text} END`;
  }
  if (t.startsWith('TIMESTAMP')) return `replace(CAST(${c} AS VARCHAR), ' ', 'T')`;
  if (/[[\]]|^(STRUCT|MAP|UNION)/.test(t)) return `CAST(to_json(${c}) AS VARCHAR)`;
  return `CAST(${c} AS VARCHAR)`;
}

async function resolveSource(connection: Connection, source: string): Promise<{ sql: string; table: boolean }> {
  const name = source.trim();
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    const found = await connection.one(
      `SELECT 1 FROM (SELECT table_name AS n FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()) WHERE lower(n) = lower($name)`,
      { name },
    );
    if (!found) throw new UserError(`No table or view named ${name}`);
    // A table's rows have no order of their own: sort by every column so that a re-export is byte-identical.
    return { sql: `SELECT * FROM ${ident(name)} ORDER BY ALL`, table: true };
  }
  const parsed = await parseStatement(connection, name);
  if (!parsed.ok && parsed.notSelect) throw new UserError('Export takes a table name or a SELECT statement');
  if (!parsed.ok) throw new UserError(`Cannot export: ${parsed.error}`);
  return { sql: name.replace(/;\s*$/, ''), table: false };
}

/**
 * Writes a table or a query result to a file: RFC 4180 CSV (UTF-8, header row, CRLF) or Parquet.
 * The file is written next to its destination under a temporary name and renamed into place, so a
 * failed or cancelled export leaves no partial file and never clobbers the previous one.
 */
export async function exportData(workspace: Workspace, request: ExportRequest): Promise<ExportResult> {
  const connection = await workspace.connect();
  try {
    const { sql } = await resolveSource(connection, request.source);
    return await exportQuery(connection, sql, request);
  } finally {
    connection.close();
  }
}

/** Exports the result of `sql`, as read on `connection` (a result held in a temporary table needs its own). */
export async function exportQuery(
  connection: Connection,
  sql: string,
  request: Omit<ExportRequest, 'source'>,
): Promise<ExportResult> {
  const out = resolve(request.out);
  const format: ExportFormat = request.format ?? (out.toLowerCase().endsWith('.parquet') ? 'parquet' : 'csv');
  const tmp = join(dirname(out), `.${basename(out)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    let select = sql;
    if (format === 'csv') {
      let columns: { column_name: string; column_type: string }[];
      try {
        columns = await connection.all(`DESCRIBE ${sql}`);
      } catch (error) {
        throw new UserError(duckdbMessage(error));
      }
      select = `SELECT ${columns.map((c) => `${csvCell(c.column_name, c.column_type)} AS ${ident(c.column_name)}`).join(', ')} FROM (${sql})`;
    }
    const options =
      format === 'csv' ? `FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NEW_LINE E'\\r\\n'` : 'FORMAT parquet';
    let rows = 0;
    try {
      const copied = await connection.one<Record<string, string>>(`COPY (${select}) TO ${literal(tmp)} (${options})`, undefined, {
        ...(request.signal ? { signal: request.signal } : {}),
        onProgress: (p) => request.onProgress?.({ ...p, phase: 'exporting' }),
      });
      rows = Number(Object.values(copied ?? {})[0] ?? 0);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      throw new UserError(duckdbMessage(error));
    }
    await fsyncFile(tmp);
    await rename(tmp, out);
    await fsyncDir(dirname(out));
    return { out, format, rows, bytes: (await stat(out)).size };
  } finally {
    await rm(tmp, { force: true });
  }
}
