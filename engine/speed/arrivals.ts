import type { Connection } from '../kernel/workspace/db.js';
import type { OperationOptions } from '../shared/progress.js';
import { ident, literal } from '../kernel/util/sql.js';
import { identityKeysSql } from './identity-set.js';

export type ArrivalMode = 'naive' | 'exact';

/** How `ArrivalStore.append` fits a batch in among others, and what it checks before the batch is kept. */
export interface AppendOrder extends OperationOptions {
  /** Called once the read is under way. */
  begun?: () => void;
  /** The append before this one: this one commits after it. */
  previous?: Promise<unknown>;
  /** Runs once the rows are read, before they are committed: a failure keeps none of them. */
  check?: () => Promise<void>;
  /**
   * The rows may go on past `count` (a file read whole while lines were appended to it): the first `count` are the
   * batch, the rest are deleted.
   */
  surplus?: boolean;
}

/** A batch in the table: the rows with row ids in [first, end). */
export interface StoredBatch {
  first: number;
  end: number;
  /** Rows of the batch that are events (the others are lines that did not parse into one). */
  events: number;
  /** Events of the batch that came without an id (their identity is derived afterwards: `deriveIds`). */
  withoutId: number;
  /** The arrival number before the batch's first. */
  base: number;
  /** The source line of each row, or of the first when the lines are consecutive. */
  lines: number | readonly number[];
}

/**
 * What a live view has been given, held in DuckDB: one append-only table, a row per log line, typed as
 * imports type rows, with the line's arrival number and source line, whether it became an event (`_ok`)
 * and whether it repeats an identity that arrived before it (`_repeat`). It lives in an in-memory database
 * attached to the workspace's DuckDB, so the served view and reconciliation can join it with the lake.
 *
 * A batch is read straight into the table and found again by row id: DuckDB numbers a table's rows in the
 * order they are appended (its insertion order, kept under parallel reads), and a filter on row ids skips
 * every row group outside the batch, so a batch costs the same however much came before it and is never
 * copied. Exact events and every arrival are views over the table; a batch, as a mode counts it, is a query
 * naming its row ids, which DuckDB binds as constants (a view reading them from a table is a join, which every
 * delta query would pay). Batches name their rows, so one can be appended while
 * the delta queries of the one before are still reading it.
 *
 * Arrival numbers and source lines are not written row by row where they follow from the row id: within a
 * run of batches of consecutive lines each is the row id plus one offset (a segment), which the views add.
 * Only a batch whose lines skip some, or rows restored from a snapshot, store them. An UPDATE of every row
 * of a batch cost little when it ran but much more later, when DuckDB cleaned up the row versions it had
 * made, all at once.
 */
export class ArrivalStore {
  /** Row id the next appended row gets at the least (DuckDB does not reuse the ids of deleted rows). */
  private nextRow = 0;
  /**
   * From row id `first` on (up to the next segment), rows without stored numbers have arrival number
   * rowid + `arrival` and source line rowid + `line`. Latest first.
   */
  private segments: { first: number; arrival: number; line: number }[] = [];

  constructor(
    private readonly connection: Connection,
    readonly database: string,
  ) {}

  private name(table: string): string {
    return `${ident(this.database)}.main.${table}`;
  }

  /** The table: every arrival, and the lines that were not events until the batch that brought them is done. */
  get table(): string {
    return this.name('arrived');
  }

  /** Each identity's first arrival: the exact-mode events, with `_source_line` and `_arrival`. */
  get exactEvents(): string {
    return this.name('exact_events');
  }

  /** Every arrival that is an event, repeats included, with `_source_line` and `_arrival`. */
  get arrivals(): string {
    return this.name('arrivals');
  }

  /** A batch's events as a mode counts them (what a pipeline's `events` is for its delta query). */
  batchSelect(mode: ArrivalMode, batch: Pick<StoredBatch, 'first' | 'end'> & { lines?: StoredBatch['lines'] }): string {
    const line =
      typeof batch.lines === 'number' ? `coalesce(_source_line, rowid + ${batch.lines - batch.first})` : '_source_line';
    return `SELECT * EXCLUDE (_ok, _repeat, _arrival, _source_line), ${line} AS _source_line FROM ${this.table}
      WHERE ${rowsOf(batch)} AND _ok${mode === 'exact' ? ' AND NOT _repeat' : ''}`;
  }

  /** The views' columns: every field, then source line and arrival number, stored or from the row's segment. */
  private numbered(): string {
    const offset = (key: 'arrival' | 'line') =>
      this.segments.length === 0
        ? 'NULL'
        : `rowid + CASE ${this.segments.map((g) => `WHEN rowid >= ${g.first} THEN ${g[key]}`).join(' ')} END`;
    return `* EXCLUDE (_ok, _repeat, _source_line, _arrival), coalesce(_source_line, ${offset('line')}) AS _source_line,
      coalesce(_arrival, ${offset('arrival')}) AS _arrival`;
  }

  private async createViews(): Promise<void> {
    const c = this.connection;
    await c.run(
      `CREATE OR REPLACE VIEW ${this.exactEvents} AS SELECT ${this.numbered()} FROM ${this.table} WHERE _ok AND NOT _repeat`,
    );
    await c.run(`CREATE OR REPLACE VIEW ${this.arrivals} AS SELECT ${this.numbered()} FROM ${this.table} WHERE _ok`);
  }

  /** Creates the table with the columns of `typedRows` (typed fields, event_date and `_ok`), and the views over it. */
  async create(typedRows: string): Promise<void> {
    const c = this.connection;
    await c.run(`CREATE TABLE ${this.table} AS
      SELECT *, false AS _repeat, NULL::BIGINT AS _source_line, NULL::BIGINT AS _arrival FROM (${typedRows}) LIMIT 0`);
    // Numbers a statement joins with: arrival numbers and their source lines, or row ids (then `line` is 0).
    await c.run(`CREATE TABLE ${this.name('marks')} (n DOUBLE, line DOUBLE)`);
    await this.createViews();
  }

  /**
   * Appends a batch on `connection` (one that appends nothing else meanwhile): `typedRows` gives one row per line,
   * in line order, `lineCount` lines (or a function giving it: a count known only once `order.check` has run). Its
   * arrival numbers follow `base` and its source lines are `lines` (one per row, or the first of consecutive lines):
   * consecutive lines are numbered by their segment here, others by `number`, which may run while the next batch is
   * being appended.
   *
   * Batches are read side by side on different connections, each in a transaction that commits once the append
   * before it (`order.previous`) is done: DuckDB gives a transaction's appended rows their row ids when it commits,
   * so row ids follow the order of batches, whichever read finished first. `order.begun` is called once the read is
   * under way. With DuckDB on one thread (a replay on 2 cores), two reads side by side took the time one read on two
   * threads takes, for half its CPU time (measured on four batches of 64 MiB).
   */
  async append(
    connection: Connection,
    typedRows: string,
    lineCount: number | (() => number),
    base: number,
    lines: number | readonly number[],
    order: AppendOrder = {},
  ): Promise<StoredBatch> {
    await connection.run('BEGIN TRANSACTION');
    try {
      const inserting = connection.run(`INSERT INTO ${this.table} SELECT *, false, NULL, NULL FROM (${typedRows})`, undefined, {
        ...(order.signal ? { signal: order.signal } : {}),
        ...(order.onProgress ? { onProgress: order.onProgress } : {}),
      });
      order.begun?.();
      await inserting;
      await order.check?.();
      await order.previous;
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => {});
      throw error;
    }
    const count = typeof lineCount === 'number' ? lineCount : lineCount();
    const where = (filter: string) =>
      connection.one<{ n: number; lo: number; hi: number; ok: number; no_id: number }>(
        `SELECT count(*)::DOUBLE AS n, min(rowid)::DOUBLE AS lo, max(rowid)::DOUBLE AS hi, count(*) FILTER (WHERE _ok)::DOUBLE AS ok,
           count(*) FILTER (WHERE _ok AND event_id IS NULL)::DOUBLE AS no_id
         FROM ${this.table} WHERE ${filter}`,
      );
    // Row ids only grow: the batch's rows are those from the first id no row had before it.
    let rows = await where(`rowid >= ${this.nextRow}`);
    const first = Number(rows?.lo);
    const contiguous = Number(rows?.hi) - first + 1 === Number(rows?.n);
    if (order.surplus && contiguous && Number(rows?.n) > count) {
      // Lines appended to the file after the ones counted (its first `count` rows are those lines, in order).
      await connection.run(`DELETE FROM ${this.table} WHERE rowid >= ${first + count}`);
      rows = await where(`rowid >= ${this.nextRow} AND rowid < ${first + count}`);
    }
    if (Number(rows?.n) !== count || !contiguous) {
      // Nothing of a batch that does not line up with its lines is kept (a direct read falls back to batches then).
      if (order.surplus) await connection.run(`DELETE FROM ${this.table} WHERE rowid >= ${this.nextRow}`);
      throw new Error(`live view: a batch of ${count} lines was read as ${rows?.n} rows`);
    }
    const batch: StoredBatch = {
      first,
      end: first + count,
      events: Number(rows?.ok ?? 0),
      withoutId: Number(rows?.no_id ?? 0),
      base,
      lines,
    };
    this.nextRow = batch.end;
    if (typeof lines === 'number') {
      const segment = { first, arrival: base + 1 - first, line: lines - first };
      const last = this.segments[0];
      if (!last || last.arrival !== segment.arrival || last.line !== segment.line) {
        this.segments.unshift(segment);
        await this.createViews();
      }
    }
    return batch;
  }

  /** Stores a batch's arrival numbers and source lines, unless they follow from its row ids (see `append`). */
  async number(batch: StoredBatch): Promise<void> {
    const c = this.connection;
    const arrival = `${this.table}.rowid + ${batch.base + 1 - batch.first}`;
    if (typeof batch.lines !== 'number') {
      await this.setMarks(batch.lines.map((line, i) => [batch.base + 1 + i, line]));
      await c.run(`UPDATE ${this.table} SET _arrival = ${arrival}, _source_line = m.line::BIGINT FROM ${this.name('marks')} m
        WHERE ${rowsOf(batch, `${this.table}.rowid`)} AND m.n = ${arrival}`);
    }
  }

  private async setMarks(rows: (readonly number[])[]): Promise<void> {
    await this.connection.run(`DELETE FROM ${this.name('marks')}`);
    await this.connection.appendDoubles('marks', rows, 'main', this.database);
  }

  /**
   * Gives a batch's events that came without an id their identity: `identitySql` over each line's whole record, as
   * `records` (a reader of the batch's lines, one row each, in order) gives it.
   */
  async deriveIds(batch: StoredBatch, records: string, identitySql: (record: string) => string): Promise<void> {
    if (batch.withoutId === 0) return;
    const c = this.connection;
    const lines = this.name('records');
    await c.run(`CREATE OR REPLACE TABLE ${lines} AS SELECT json FROM ${records}`);
    await c.run(`UPDATE ${this.table} SET event_id = ${identitySql('r.json')} FROM (SELECT rowid AS position, json FROM ${lines}) r
      WHERE ${rowsOf(batch, `${this.table}.rowid`)} AND ${this.table}.rowid - ${batch.first} = r.position
        AND ${this.table}._ok AND ${this.table}.event_id IS NULL`);
    await c.run(`DROP TABLE ${lines}`);
  }

  /** A batch's events: row ids and both identity keys, in the order they arrived (row ids grow with arrivals). */
  async identityKeys(batch: StoredBatch): Promise<[Float64Array, Float64Array, Float64Array]> {
    return (await this.connection.doubleColumns(
      `SELECT rowid::DOUBLE, ${identityKeysSql('event_id')} FROM ${this.table} WHERE ${rowsOf(batch)} AND _ok`,
    )) as [Float64Array, Float64Array, Float64Array];
  }

  /** Marks rows of a batch (by row id) as repeats of identities that arrived before them. */
  async markRepeats(batch: StoredBatch, rows: readonly number[]): Promise<void> {
    if (rows.length === 0) return;
    // A few are named in the statement (one statement instead of three); many go through the marks table.
    let repeats = rows.join(', ');
    if (rows.length > 1000) {
      await this.setMarks(rows.map((a) => [a, 0]));
      repeats = `SELECT n::BIGINT FROM ${this.name('marks')}`;
    }
    await this.connection.run(`UPDATE ${this.table} SET _repeat = true WHERE ${rowsOf(batch)} AND rowid IN (${repeats})`);
  }

  /** Lines of a batch that did not become events: their reasons were taken, the rows are not needed. */
  async dropRejected(batch: StoredBatch): Promise<void> {
    await this.connection.run(`DELETE FROM ${this.table} WHERE ${rowsOf(batch)} AND NOT _ok`);
  }

  /**
   * Deletes exact events the `where` clause (over alias `e`) selects, and the repeats of their identities
   * among them; returns the deleted exact events' identity keys, for the identity index.
   */
  async release(where: string): Promise<{ events: number; keys: [Float64Array, Float64Array] }> {
    const c = this.connection;
    const released = this.name('released');
    await c.run(
      `CREATE OR REPLACE TABLE ${released} AS SELECT e.rowid AS _row, e.event_id, e.event_date FROM ${this.table} e
        WHERE e._ok AND NOT e._repeat AND (${where})`,
    );
    const keys = (await c.doubleColumns(`SELECT ${identityKeysSql('event_id')} FROM ${released}`)) as [
      Float64Array,
      Float64Array,
    ];
    await c.run(`DELETE FROM ${this.table} t WHERE t._ok AND EXISTS (
      SELECT 1 FROM ${released} r WHERE r.event_id = t.event_id AND r.event_date = t.event_date AND (r._row = t.rowid OR t._repeat))`);
    await c.run(`DROP TABLE ${released}`);
    return { events: keys[0].length, keys };
  }

  async countExact(): Promise<number> {
    return Number((await this.connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${this.exactEvents}`))?.n ?? 0);
  }

  /** Writes the exact events to Parquet (beside a snapshot of the live view). */
  async save(path: string): Promise<void> {
    await this.connection.run(`COPY (SELECT * FROM ${this.exactEvents}) TO ${literal(path)} (FORMAT parquet)`);
  }

  /** Replaces what the store holds with exact events saved by `save`; returns their identity keys. */
  async restore(path: string): Promise<[Float64Array, Float64Array]> {
    const c = this.connection;
    await c.run(`DELETE FROM ${this.table}`);
    await c.run(`INSERT INTO ${this.table} BY NAME SELECT *, true AS _ok, false AS _repeat FROM read_parquet(${literal(path)})`);
    // Restored rows store their numbers; rows appended after them start past them.
    const next = await c.one<{ n: number | null }>(`SELECT (max(rowid) + 1)::DOUBLE AS n FROM ${this.table}`);
    this.nextRow = Math.max(this.nextRow, Number(next?.n ?? 0));
    this.segments = [];
    await this.createViews();
    return (await c.doubleColumns(`SELECT ${identityKeysSql('event_id')} FROM ${this.exactEvents}`)) as [
      Float64Array,
      Float64Array,
    ];
  }
}

function rowsOf(batch: Pick<StoredBatch, 'first' | 'end'>, rowid = 'rowid'): string {
  return `${rowid} >= ${batch.first} AND ${rowid} < ${batch.end}`;
}
