import { runUserWrites } from '../kernel/workspace/user-sql.js';
import { randomBytes } from 'node:crypto';
import type { Json } from '@duckdb/node-api';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { CancelledError, UserError, duckdbMessage } from '../kernel/util/errors.js';
import { ident } from '../kernel/util/sql.js';
import { displayConverter, resultColumn, type ResultColumn } from '../kernel/util/values.js';
import type { OperationOptions } from '../shared/progress.js';
import { parseStatement } from '../kernel/pipeline/ast.js';
import { summaryTables } from '../batch/state.js';
import { tablesRead } from './table-reads.js';
import { runStatements, statementResult } from './statement-results.js';
import { splitStatements } from '../kernel/util/split-sql.js';

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
  /** The results of a cell's statements, this one among them, held on one connection and closed together. */
  siblings?: readonly string[];
}

/** One statement's result, of a cell of several. */
export interface StatementResult {
  queryId: string;
  columns: ResultColumn[];
  rowCount: number;
  statement: 'select' | 'statement';
  /** The statement's own text. */
  sql: string;
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
    statements?: StatementResult[];
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
      const pieces = splitStatements(sql);
      // Several statements: each one's result, as DuckDB counts them (a text the splitter reads otherwise runs whole).
      if (pieces.length > 1 && (await connection.raw.extractStatements(sql)).count === pieces.length) {
        const statements = await this.runEach(connection, id, sql, pieces, options, owner);
        const last = statements[statements.length - 1] as StatementResult;
        const tables = await tablesRead(connection, sql).catch(() => [] as string[]);
        return { ...last, elapsedMs: Math.round(performance.now() - started), ranAt, tables, statements };
      }
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

  /** Holds each statement's result of a cell of several, all on one connection: they are closed together. */
  private async runEach(
    connection: Connection,
    id: string,
    sql: string,
    pieces: string[],
    options: OperationOptions,
    owner: string | undefined,
  ): Promise<StatementResult[]> {
    const ids = pieces.map((_, i) => `${id}_${i + 1}`);
    const held = await runStatements(
      connection,
      sql,
      pieces,
      ids.map((i) => `result_${i}`),
      { ...options, summaryTables: () => summaryTables(this.workspace.catalog) },
    );
    const results: StatementResult[] = [];
    for (const [i, statement] of held.entries()) {
      const columns = await this.columns(connection, statement.table);
      const count = await connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${ident(statement.table)}`);
      results.push({
        queryId: ids[i] as string,
        columns,
        rowCount: Number(count?.n ?? 0),
        statement: statement.statement,
        sql: statement.sql,
      });
    }
    if (options.signal?.aborted) throw new CancelledError();
    for (const [i, r] of results.entries()) {
      const entry: QueryResult = {
        id: r.queryId,
        connection,
        table: (held[i] as { table: string }).table,
        columns: r.columns,
        rowCount: r.rowCount,
        usedAt: Date.now(),
        owner,
        siblings: ids,
      };
      this.results.set(r.queryId, entry);
    }
    this.evict();
    return results;
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
    for (const id of result.siblings ?? [queryId]) this.results.delete(id);
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
    // A cell's statements count as one result: they share a connection, and go together.
    const byConnection = new Map<Connection, QueryResult>();
    for (const r of this.results.values()) {
      const seen = byConnection.get(r.connection);
      if (!seen || seen.usedAt < r.usedAt) byConnection.set(r.connection, r);
    }
    const byAge = [...byConnection.values()].sort((a, b) => a.usedAt - b.usedAt);
    while (byAge.length > QueryResults.LIMIT) this.close((byAge.shift() as QueryResult).id);
  }
}
