import { StatementType, type DuckDBPreparedStatement, type DuckDBResultReader } from '@duckdb/node-api';
import type { Connection } from './db.js';
import { CATALOG_NAMES } from './catalog.js';
import { UserError } from '../util/errors.js';
import { ident, literal } from '../util/sql.js';
import type { OperationOptions } from '../../shared/progress.js';

export interface UserWriteOptions extends OperationOptions {
  /** The summary tables Recount wrote, guarded beside the catalog's own tables (the batch layer knows which they are). */
  summaryTables: readonly string[];
  /**
   * Runs each statement in place of running and reading it whole (a SQL cell holds each statement's result in a table
   * of its own); what it returns, when anything, is the reader returned for the last.
   */
  each?: (statement: DuckDBPreparedStatement, index: number) => Promise<DuckDBResultReader | undefined>;
}

/**
 * The analyst's own SQL that writes (CREATE, INSERT, UPDATE, COPY…): it keeps DuckDB's full power over the user's own
 * tables and files, but Recount's catalog and summary tables are written by Recount only. DuckDB has no permission
 * on a table, and its read-only mode is for a whole database, so the statements run in a transaction of their own and
 * commit only if no table or view of Recount's changed: a statement that writes one is rolled back, with a message
 * that names it. Reading them stays free (a SELECT never comes here).
 */
export async function runUserWrites(connection: Connection, sql: string, options: UserWriteOptions): Promise<DuckDBResultReader> {
  const names = [...CATALOG_NAMES, ...options.summaryTables];
  const before = await fingerprint(connection, names);
  const extracted = await connection.raw.extractStatements(sql);
  await connection.run('BEGIN TRANSACTION');
  let reader: DuckDBResultReader | undefined;
  try {
    for (let i = 0; i < extracted.count; i++) {
      const statement = await extracted.prepare(i);
      if (statement.statementType === StatementType.TRANSACTION) {
        throw new UserError(
          'a SQL cell runs its statements in one transaction of its own: BEGIN, COMMIT and ROLLBACK are not needed',
          'sql-error',
        );
      }
      if (options.signal?.aborted) throw new UserError('cancelled', 'cancelled');
      reader = options.each ? ((await options.each(statement, i)) ?? reader) : await statement.runAndReadAll();
    }
    const after = await fingerprint(connection, names);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((name) => before.get(name) !== after.get(name));
    if (changed.length > 0) {
      throw new UserError(
        `this SQL writes ${changed.join(', ')}, which ${changed.length === 1 ? 'is' : 'are'} Recount's own: the catalog and the summary tables are written by Recount only (import, run, recount), and nothing was changed. Your own tables, views and files are yours to write.`,
        'catalog-protected',
      );
    }
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => {});
    throw error;
  }
  if (!reader && (!options.each || extracted.count === 0)) throw new UserError('there is no statement to run', 'sql-error');
  return reader as DuckDBResultReader;
}

const READS = new Set([StatementType.SELECT, StatementType.EXPLAIN, StatementType.PRAGMA, StatementType.CALL, StatementType.SET]);

/** Whether every statement of the SQL only reads (prepared, without running): such SQL needs no guard. */
export async function onlyReads(connection: Connection, sql: string): Promise<boolean> {
  try {
    const extracted = await connection.raw.extractStatements(sql);
    for (let i = 0; i < extracted.count; i++) {
      const statement = await extracted.prepare(i);
      const type = statement.statementType;
      statement.destroySync();
      if (!READS.has(type)) return false;
    }
    return extracted.count > 0;
  } catch {
    // One that does not prepare alone (it needs an earlier one run first): run them all under the guard.
    return false;
  }
}

/**
 * A fingerprint of each of Recount's tables and views (the catalog's, and each pipeline's summary table) as this
 * connection sees them: its columns and the sum of its rows' hashes (order does not matter, every change of a value
 * does), or a view's definition; an absent one is ''.
 */
async function fingerprint(connection: Connection, names: readonly string[]): Promise<Map<string, string>> {
  const list = names.map(literal).join(', ');
  const objects = await connection.all<{ name: string; kind: string; sql: string | null }>(
    `SELECT table_name AS name, 'table' AS kind, NULL AS sql FROM duckdb_tables()
       WHERE database_name = current_database() AND schema_name = 'main' AND table_name IN (${list})
     UNION ALL
     SELECT view_name, 'view', sql FROM duckdb_views()
       WHERE database_name = current_database() AND schema_name = 'main' AND view_name IN (${list})`,
  );
  const prints = new Map<string, string>(names.map((n) => [n, '']));
  const tables = objects.filter((o) => o.kind === 'table');
  for (const view of objects.filter((o) => o.kind === 'view')) prints.set(view.name, `view:${view.sql ?? ''}`);
  if (tables.length > 0) {
    const rows = await connection.all<{ name: string; print: string }>(
      tables
        .map(
          (t) =>
            `SELECT ${literal(t.name)} AS name, count(*)::VARCHAR || ':' || coalesce(sum(hash(r))::VARCHAR, '') || ':' ||
               (SELECT string_agg(column_name || ' ' || data_type, ',' ORDER BY column_index) FROM duckdb_columns()
                WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ${literal(t.name)}) AS print
             FROM main.${ident(t.name)} AS r`,
        )
        .join(' UNION ALL '),
    );
    for (const row of rows) prints.set(row.name, row.print);
  }
  return prints;
}
