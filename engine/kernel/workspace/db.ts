import {
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBDoubleVector,
  type DuckDBResultReader,
  type DuckDBValue,
} from '@duckdb/node-api';
import { CancelledError, UserError } from '../util/errors.js';
import type { OperationOptions } from '../../shared/progress.js';

export type Row = Record<string, unknown>;
export type Params = DuckDBValue[] | Record<string, DuckDBValue>;

export interface DatabaseOptions {
  /** IANA time zone: zone-less timestamps are read in it and TIMESTAMPTZ values cast to DATE in it. */
  timezone: string;
  threads?: number;
  tempDirectory?: string;
  /** Open read-only (other processes may still read the workspace). */
  readOnly?: boolean;
}

/**
 * One DuckDB database file and the connections to it. DuckDB allows one read-write process per file,
 * so a workspace is opened by one engine at a time; within the process, work runs on several connections.
 */
export class Database {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly path: string,
    readonly timezone: string,
  ) {}

  static async open(path: string, options: DatabaseOptions): Promise<Database> {
    const config: Record<string, string> = {
      // The lake is read only through the paths the catalog lists; nothing needs downloading.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'true',
    };
    if (options.threads) config.threads = String(options.threads);
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    if (options.readOnly) config.access_mode = 'READ_ONLY';
    try {
      return new Database(await DuckDBInstance.create(path, config), path, options.timezone);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/lock/i.test(message)) {
        throw new UserError(
          `The workspace database ${path} is in use by another Recount process (${message.split('\n')[0]}). Close it and try again.`,
          'workspace-locked',
        );
      }
      throw error;
    }
  }

  async connect(): Promise<Connection> {
    const raw = await this.instance.connect();
    // ICU (statically linked) must be loaded before TimeZone can be set, so it is set per connection.
    await raw.run(`SET TimeZone = '${this.timezone.replace(/'/g, "''")}'`);
    return new Connection(raw);
  }

  close(): void {
    this.instance.closeSync();
  }
}

/**
 * A DuckDB connection that runs one statement at a time (node-api connections are not safe for
 * concurrent statements), can be interrupted through an AbortSignal, and reports DuckDB's own
 * query progress while a statement runs.
 */
export class Connection {
  private tail: Promise<unknown> = Promise.resolve();
  private progressEnabled = false;

  constructor(readonly raw: DuckDBConnection) {}

  /** Runs a statement and returns all rows as plain objects (BIGINT and DECIMAL as strings, dates as ISO strings). */
  async all<T extends Row = Row>(sql: string, params?: Params, options?: OperationOptions): Promise<T[]> {
    const reader = await this.read(sql, params, options);
    return reader.getRowObjectsJson() as T[];
  }

  async one<T extends Row = Row>(sql: string, params?: Params, options?: OperationOptions): Promise<T | undefined> {
    return (await this.all<T>(sql, params, options))[0];
  }

  async run(sql: string, params?: Params, options?: OperationOptions): Promise<void> {
    await this.read(sql, params, options);
  }

  async read(sql: string, params?: Params, options: OperationOptions = {}): Promise<DuckDBResultReader> {
    return this.serialize(async () => {
      const { signal, onProgress } = options;
      if (signal?.aborted) throw new CancelledError();
      if (onProgress && !this.progressEnabled) {
        await this.raw.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
        this.progressEnabled = true;
      }
      const onAbort = () => this.raw.interrupt();
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = onProgress
        ? setInterval(() => {
            const p = this.raw.progress;
            if (p.percentage >= 0) onProgress({ phase: 'query', done: p.percentage, total: 100, unit: 'percent' });
          }, 100)
        : undefined;
      try {
        return await this.raw.runAndReadAll(sql, params);
      } catch (error) {
        if (signal?.aborted) throw new CancelledError();
        throw error;
      } finally {
        if (timer) clearInterval(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    });
  }

  /** Runs a query and returns its result as DuckDB's data chunks, for readers that take vectors as they are. */
  async chunks(sql: string): Promise<DuckDBDataChunk[]> {
    return this.serialize(async () => (await this.raw.run(sql)).fetchAllChunks());
  }

  /**
   * Runs a query whose columns are all non-NULL DOUBLEs and returns each column as one Float64Array,
   * read from DuckDB's vectors without making a JS value per row (a million rows in milliseconds).
   */
  async doubleColumns(sql: string): Promise<Float64Array[]> {
    return this.serialize(async () => {
      const result = await this.raw.run(sql);
      const chunks = await result.fetchAllChunks();
      const rows = chunks.reduce((n, c) => n + c.rowCount, 0);
      const columns = Array.from({ length: result.columnCount }, (_, i) => {
        if (result.columnTypeId(i) !== DuckDBTypeId.DOUBLE) throw new Error(`doubleColumns: column ${i} is not DOUBLE`);
        return new Float64Array(rows);
      });
      let offset = 0;
      for (const chunk of chunks) {
        // rowCount asks the native chunk each time: read once.
        const count = chunk.rowCount;
        columns.forEach((column, i) => {
          const vector = chunk.getColumnVector(i) as DuckDBDoubleVector;
          // The vector's values are a Float64Array over DuckDB's memory: copied whole when no validity mask says
          // some are NULL (a call per value is the slow path). Fields of node-api's class, at its pinned version.
          const inner = vector as unknown as { items?: unknown; validity?: { data?: unknown } };
          if (inner.items instanceof Float64Array && inner.items.length === count && !inner.validity?.data) {
            column.set(inner.items, offset);
            return;
          }
          for (let row = 0; row < count; row++) {
            const value = vector.getItem(row);
            if (value === null) throw new Error(`doubleColumns: NULL in column ${i}`);
            column[offset + row] = value;
          }
        });
        offset += count;
      }
      return columns;
    });
  }

  /** Appends rows of numbers to a table (a temp table: `temp`, `main`) through DuckDB's appender. */
  async appendDoubles(table: string, rows: readonly (readonly number[])[], schema = 'main', catalog = 'temp'): Promise<void> {
    await this.serialize(async () => {
      const appender = await this.raw.createAppender(table, schema, catalog);
      try {
        for (const row of rows) {
          for (const value of row) appender.appendDouble(value);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    });
  }

  /** Runs `work` inside one transaction: all of it commits, or none of it does. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.run('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  interrupt(): void {
    this.raw.interrupt();
  }

  close(): void {
    this.raw.closeSync();
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => {});
    return next;
  }
}
