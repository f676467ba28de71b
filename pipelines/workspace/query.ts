import type { Json } from '@duckdb/node-api';
import type { Connection } from './db.js';
import { CancelledError } from '../util/errors.js';
import { displayConverter, resultColumn, type ResultColumn } from '../util/values.js';

export interface QueryStream {
  columns: ResultColumn[];
  /** Rows in DuckDB's chunks (2048 rows each): results of any size stream through bounded memory. */
  batches: AsyncIterable<Json[][]>;
}

/** Runs SQL and streams its result; the AbortSignal interrupts DuckDB mid-query. */
export async function openQueryStream(
  connection: Connection,
  sql: string,
  timezone: string,
  signal?: AbortSignal,
): Promise<QueryStream> {
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
