import type { Json } from '@duckdb/node-api';
import type { Connection } from './db.js';
import { CancelledError } from '../util/errors.js';
import { onlyReads, runUserWrites } from './user-sql.js';
import { displayConverter, resultColumn, type ResultColumn } from '../util/values.js';

export interface QueryStream {
  columns: ResultColumn[];
  /** Rows in DuckDB's chunks (2048 rows each): results of any size stream through bounded memory. */
  batches: AsyncIterable<Json[][]>;
}

/**
 * Runs SQL and streams its result; the AbortSignal interrupts DuckDB mid-query. `summaryTables` are the pipelines'
 * tables, which SQL that writes may not change (user-sql.ts).
 */
export async function openQueryStream(
  connection: Connection,
  sql: string,
  timezone: string,
  options: { signal?: AbortSignal; summaryTables: readonly string[] },
): Promise<QueryStream> {
  const { signal } = options;
  if (!(await onlyReads(connection, sql))) {
    // Statements that write run under the catalog's guard (user-sql.ts), their last result read whole.
    const reader = await runUserWrites(connection, sql, {
      summaryTables: options.summaryTables,
      ...(signal ? { signal } : {}),
    });
    const converter = displayConverter(timezone);
    const columns = reader.deduplicatedColumnNames().map((name, i) => resultColumn(name, reader.columnType(i)));
    const rows = reader.convertRows(converter) as Json[][];
    return {
      columns,
      batches: (async function* () {
        for (let i = 0; i < rows.length; i += 2048) yield rows.slice(i, i + 2048);
      })(),
    };
  }
  const onAbort = () => connection.interrupt();
  signal?.addEventListener('abort', onAbort, { once: true });
  let result;
  try {
    result = await connection.raw.stream(sql);
  } catch (error) {
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted) throw new CancelledError();
    throw error;
  }
  const names = result.deduplicatedColumnNames();
  const types = result.columnTypes();
  const columns: ResultColumn[] = names.map((name, i) => {
    const type = types[i];
    return resultColumn(name, type);
  });
  const converter = displayConverter(timezone);
  const stream = result;
  async function* batches(): AsyncGenerator<Json[][]> {
    try {
      for (;;) {
        const chunk = await stream.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        yield chunk.convertRows(converter) as Json[][];
      }
    } catch (error) {
      if (signal?.aborted) throw new CancelledError();
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
  return { columns, batches: batches() };
}
