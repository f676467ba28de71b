import type { Json } from '@duckdb/node-api';
import { CancelledError, UserError, duckdbMessage } from '../kernel/util/errors.js';
import { ident } from '../kernel/util/sql.js';
import { displayConverter } from '../kernel/util/values.js';
import type { OperationOptions } from '../shared/progress.js';
import type { ColumnProfile, Filter, SortKey } from '../shared/result-view.js';
import type { QueryResult, QueryResults } from './queries.js';
import { orderClause, resultColumnNamed, whereClause } from './result-sql.js';
import { profileColumn } from './result-profile.js';

interface View {
  /** Its temporary table, beside the result's on the result's connection. */
  table: string;
  rowCount: number;
}

/** Up to this many rows, the widest values are looked for in every row; above, in a sample of rows across the result. */
const WIDEST_ALL_ROWS = 100_000;
const WIDEST_SAMPLE_ROWS = 20_000;

/**
 * Sorted and filtered views of held results, and column profiles. A view is the result re-queried in DuckDB
 * (`SELECT * FROM <result> WHERE … ORDER BY …`) into a temporary table of its own, paged by rowid as the result is: a
 * sort of ten million rows runs once, and every page after it is as quick as the first. A result has one view at a
 * time (the grid's current sort and filters); it goes when the result does, since it lives on the same connection.
 */
export class ResultViews {
  /** Keyed by the held result itself, so a view is forgotten with its result (closed, evicted, another workspace's). */
  private readonly views = new WeakMap<QueryResult, View>();
  private counter = 0;

  constructor(
    private readonly queries: () => QueryResults,
    private readonly timezone: () => string,
  ) {}

  async arrange(
    queryId: string,
    sort: readonly SortKey[],
    filters: readonly Filter[],
    options: OperationOptions = {},
  ): Promise<{ view: string | null; rowCount: number }> {
    const source = this.queries().source(queryId);
    const where = whereClause(source.columns, filters);
    const order = orderClause(source.columns, sort);
    if (sort.length === 0 && where === '') {
      await this.drop(source);
      return { view: null, rowCount: source.rowCount };
    }
    const table = `${source.table}_view${++this.counter}`;
    try {
      await source.connection.run(
        `CREATE TEMP TABLE ${ident(table)} AS SELECT * FROM ${ident(source.table)} ${where} ${order}`,
        undefined,
        options,
      );
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      throw new UserError(`Could not filter this result: ${duckdbMessage(error)}`, 'bad-filter');
    }
    const count = await source.connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${ident(table)}`);
    // The view it replaces is read until this one is ready, so the grid shows rows while a long sort runs.
    await this.drop(source);
    const view = { table, rowCount: Number(count?.n ?? 0) };
    this.views.set(source, view);
    return { view: table, rowCount: view.rowCount };
  }

  async page(queryId: string, viewId: string, offset: number, limit: number): Promise<{ offset: number; rows: Json[][] }> {
    const source = this.queries().source(queryId);
    const view = this.view(source, viewId);
    const reader = await source.connection.read(
      `SELECT * FROM ${ident(view.table)} WHERE rowid >= ${offset} AND rowid < ${offset + limit} ORDER BY rowid`,
    );
    return { offset, rows: reader.convertRows(displayConverter(this.timezone())) as Json[][] };
  }

  /** A column's profile, over the view when one is given (the rows the grid shows), else over the whole result. */
  async profile(
    queryId: string,
    viewId: string | undefined,
    name: string,
    options: OperationOptions = {},
  ): Promise<ColumnProfile> {
    const source = this.queries().source(queryId);
    const column = resultColumnNamed(source.columns, name);
    const view = viewId === undefined ? undefined : this.view(source, viewId);
    try {
      return await profileColumn(
        source.connection,
        view?.table ?? source.table,
        column,
        view?.rowCount ?? source.rowCount,
        this.timezone(),
        options,
      );
    } catch (error) {
      if (error instanceof CancelledError || error instanceof UserError) throw error;
      throw new UserError(`Could not profile ${name}: ${duckdbMessage(error)}`, 'sql-error');
    }
  }

  /**
   * Per column, the value that reads longest as text, from every row of a small result and from a sample of rows
   * across a large one (the grid fits its widths to these as well as to the rows it has fetched).
   */
  async widest(queryId: string): Promise<Json[]> {
    const source = this.queries().source(queryId);
    if (source.columns.length === 0) return [];
    const from =
      source.rowCount <= WIDEST_ALL_ROWS
        ? ident(source.table)
        : `(SELECT * FROM ${ident(source.table)} USING SAMPLE reservoir(${WIDEST_SAMPLE_ROWS} ROWS) REPEATABLE (7))`;
    const picks = source.columns.map((c) => {
      const col = ident(c.name);
      return `arg_max(${col}, length(CAST(${col} AS VARCHAR)))`;
    });
    const reader = await source.connection.read(`SELECT ${picks.join(', ')} FROM ${from}`);
    return (reader.convertRows(displayConverter(this.timezone()))[0] ?? []) as Json[];
  }

  private view(source: QueryResult, viewId: string): View {
    const view = this.views.get(source);
    if (!view || view.table !== viewId) {
      throw new UserError('This sorted or filtered view was replaced by another; sort or filter again', 'view-gone');
    }
    return view;
  }

  private async drop(source: QueryResult): Promise<void> {
    const previous = this.views.get(source);
    if (!previous) return;
    this.views.delete(source);
    await source.connection.run(`DROP TABLE IF EXISTS ${ident(previous.table)}`);
  }
}
