import { StatementType, type DuckDBPreparedStatement } from '@duckdb/node-api';
import type { Connection } from '../kernel/workspace/db.js';
import { onlyReads, runUserWrites } from '../kernel/workspace/user-sql.js';
import { ident, literal } from '../kernel/util/sql.js';
import type { OperationOptions } from '../shared/progress.js';

/** What a statement returned (DuckDB's `Count` for CREATE … AS and INSERT, nothing for SET), as a query. */
export function statementResult(names: string[], rows: unknown[][]): string {
  if (names.length === 0 || rows.length === 0) return `SELECT 'done' AS result`;
  const value = (v: unknown): string =>
    v === null || v === undefined
      ? 'NULL'
      : typeof v === 'number' || typeof v === 'bigint'
        ? String(v)
        : typeof v === 'boolean'
          ? String(v)
          : literal(typeof v === 'string' ? v : JSON.stringify(v));
  const body = rows.map((r) => `(${names.map((_, i) => value(r[i])).join(', ')})`).join(', ');
  return `SELECT * FROM (VALUES ${body}) AS t(${names.map((n) => ident(n)).join(', ')})`;
}

export interface StatementTable {
  table: string;
  /** A query's rows, or what a statement that is not a query returned. */
  statement: 'select' | 'statement';
  sql: string;
}

/**
 * Runs a cell of several statements, one after another, holding each one's result in a temporary table of its own
 * (`tables[i]`): a query's rows are written straight into it, never read into the engine, so each can be ten million
 * rows long. SQL that writes runs as any cell's writes do (runUserWrites): in one transaction, refused whole if it
 * writes a table of Recount's.
 */
export async function runStatements(
  connection: Connection,
  sql: string,
  pieces: readonly string[],
  tables: readonly string[],
  options: OperationOptions & { summaryTables: () => Promise<readonly string[]> },
): Promise<StatementTable[]> {
  const held: StatementTable[] = [];
  const hold = async (statement: DuckDBPreparedStatement, i: number): Promise<undefined> => {
    const text = (pieces[i] as string).trim();
    const table = ident(tables[i] as string);
    if (statement.statementType === StatementType.SELECT) {
      statement.destroySync();
      // A line break before the parenthesis, so that a last line comment does not swallow it.
      await connection.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM (${text}\n)`, undefined, options);
      held.push({ table: tables[i] as string, statement: 'select', sql: text });
    } else {
      const reader = await statement.runAndReadAll();
      await connection.run(
        `CREATE TEMP TABLE ${table} AS ${statementResult(reader.columnNames(), reader.getRowsJS() as unknown[][])}`,
      );
      held.push({ table: tables[i] as string, statement: 'statement', sql: text });
    }
    return undefined;
  };
  if (await onlyReads(connection, sql)) {
    const extracted = await connection.raw.extractStatements(sql);
    for (let i = 0; i < extracted.count; i++) await hold(await extracted.prepare(i), i);
  } else {
    await runUserWrites(connection, sql, { ...options, summaryTables: await options.summaryTables(), each: hold });
  }
  return held;
}
