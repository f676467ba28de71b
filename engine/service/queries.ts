import { runUserWrites } from '../kernel/workspace/user-sql.js';
import { randomBytes } from 'node:crypto';
import type { Json } from '@duckdb/node-api';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { CancelledError, UserError, duckdbMessage } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import { displayConverter, resultColumn, type ResultColumn } from '../kernel/util/values.js';
import type { OperationOptions } from '../shared/progress.js';
import { parseStatement } from '../kernel/pipeline/ast.js';
import { summaryTables } from '../batch/state.js';
import { tablesRead } from './table-reads.js';

/** What a statement returned (DuckDB's `Count` for CREATE … AS and INSERT, nothing for SET), as a query. */
function statementResult(names: string[], rows: unknown[][]): string {
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

/** A held result: its table, on the connection that holds it (temporary tables live on one connection). */
export interface QueryResult {
  id: string;
  connection: Connection;
  table: string;
  columns: ResultColumn[];
  rowCount: number;
  usedAt: number;
  /** The client connection that ran it; its result goes when that client does. */
  owner: string | undefined;
}

/**
 * Results of SQL cells. A SELECT is materialized once into a temporary table on its own connection
 * (DuckDB UI's approach) and then read a page at a time by row range, so a ten-million-row result
 * never travels whole and any page is as quick as the first. Other statements run as they are.
 */
export class QueryResults {
  private results = new Map<string, QueryResult>();
  private static readonly LIMIT = 24;

  constructor(private readonly workspace: Workspace) {}

  async run(
    sql: string,
    options: OperationOptions = {},
    owner?: string,
  ): Promise<{
    queryId: string;
    columns: ResultColumn[];
    rowCount: number;
    elapsedMs: number;
    statement: string;
    ranAt: string;
    tables: string[];
  }> {
    const started = performance.now();
    const ranAt = new Date().toISOString();
    // SQL cells run the analyst's own SQL, as the DuckDB CLI does: that is the notebook's purpose, by design.
    // DuckDB's allowed_directories and lock_configuration are instance-wide, so confining cells would also stop
    // imports from reading the user's files. What keeps this safe is that only the user's own window can reach the
    // engine: IPC checks the sender, browser mode checks token, Host and Origin on every request.
    const connection = await this.workspace.connect();
    const id = randomBytes(6).toString('hex');
    const table = `result_${id}`;
    try {
      const parsed = await parseStatement(connection, sql);
      const isSelect = parsed.ok && (parsed.statement.type === 'SELECT_NODE' || parsed.statement.type === 'SET_OPERATION_NODE');
      const body = sql.trim().replace(/;\s*$/, '');
      // Which tables it reads, for telling when its result goes stale; never a reason for the query to fail.
      const tables = await tablesRead(connection, body).catch(() => [] as string[]);
      if (isSelect) {
        // Bound on its own first, so that an error points into the analyst's SQL, not into the wrapper below.
        await connection.raw.prepare(body);
        await connection.run(`CREATE TEMP TABLE ${ident(table)} AS ${body}`, undefined, options);
      } else {
        // A statement that is not a query (CREATE, INSERT, PRAGMA…) runs as written; what it returns is the result.
        const produced = await connection
          .run(`CREATE TEMP TABLE ${ident(table)} AS SELECT * FROM (${body === '' ? 'SELECT 1' : body})`, undefined, options)
          .then(() => true)
          .catch(() => false);
        if (!produced) {
          const reader = await runUserWrites(connection, body, {
            ...options,
            summaryTables: await summaryTables(this.workspace.catalog),
          });
          await connection.run(
            `CREATE TEMP TABLE ${ident(table)} AS ${statementResult(reader.columnNames(), reader.getRowsJS() as unknown[][])}`,
          );
        }
      }
      const columns = await this.columns(connection, table);
      const count = await connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${ident(table)}`);
      // A client that went away while its result was being made releases it here, since it was never held.
      if (options.signal?.aborted) throw new CancelledError();
      const rowCount = Number(count?.n ?? 0);
      const result: QueryResult = { id, connection, table, columns, rowCount, usedAt: Date.now(), owner };
      this.results.set(id, result);
      this.evict();
      return {
        queryId: id,
        columns,
        rowCount: result.rowCount,
        elapsedMs: Math.round(performance.now() - started),
        statement: isSelect ? 'select' : 'statement',
        ranAt,
        tables,
      };
    } catch (error) {
      connection.close();
      if (error instanceof CancelledError) throw error;
      throw new UserError(duckdbMessage(error), 'sql-error');
    }
  }

  private async columns(connection: Connection, table: string): Promise<ResultColumn[]> {
    const reader = await connection.read(`SELECT * FROM ${ident(table)} LIMIT 0`);
    return reader.deduplicatedColumnNames().map((name, i) => {
      const type = reader.columnType(i);
      return resultColumn(name, type);
    });
  }

  async page(queryId: string, offset: number, limit: number): Promise<{ offset: number; rows: Json[][] }> {
    const result = this.get(queryId);
    result.usedAt = Date.now();
    // rowid follows insertion order in a temporary table: a row range is a zone-map scan, not an OFFSET walk.
    const reader = await result.connection.read(
      `SELECT * FROM ${ident(result.table)} WHERE rowid >= ${offset} AND rowid < ${offset + limit} ORDER BY rowid`,
    );
    return { offset, rows: reader.convertRows(displayConverter(this.workspace.settings.timezone)) as Json[][] };
  }

  /** The SQL that reads a result back whole (for export). */
  table(queryId: string): { connection: Connection; sql: string } {
    const result = this.get(queryId);
    return { connection: result.connection, sql: `SELECT * FROM ${ident(result.table)} ORDER BY rowid` };
  }

  close(queryId: string): void {
    const result = this.results.get(queryId);
    if (!result) return;
    this.results.delete(queryId);
    result.connection.close();
  }

  closeAll(): void {
    for (const id of [...this.results.keys()]) this.close(id);
  }

  /** Closes every result one client holds (its temporary tables go with their connections); returns how many. */
  closeOwnedBy(owner: string): number {
    const owned = [...this.results.values()].filter((r) => r.owner === owner);
    for (const result of owned) this.close(result.id);
    return owned.length;
  }

  /** How many results are held, and by which clients. */
  held(): { results: number; owners: Set<string> } {
    const owners = new Set<string>();
    for (const result of this.results.values()) if (result.owner !== undefined) owners.add(result.owner);
    return { results: this.results.size, owners };
  }

  /** A held result, for reading it sorted, filtered or profiled (result-views.ts); counts as a use of it. */
  source(queryId: string): QueryResult {
    const result = this.get(queryId);
    result.usedAt = Date.now();
    return result;
  }

  private get(queryId: string): QueryResult {
    const result = this.results.get(queryId);
    if (!result) throw new UserError('This result is no longer held; run the cell again', 'result-gone');
    return result;
  }

  private evict(): void {
    const byAge = [...this.results.values()].sort((a, b) => a.usedAt - b.usedAt);
    while (byAge.length > QueryResults.LIMIT) this.close((byAge.shift() as QueryResult).id);
  }
}
