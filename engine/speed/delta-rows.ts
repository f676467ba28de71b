import {
  DuckDBListVector,
  DuckDBUBigIntVector,
  JsonDuckDBValueConverter,
  type DuckDBDataChunk,
  type Json,
} from '@duckdb/node-api';
import type { HashList } from './state.js';

/**
 * A delta query's rows as PipelineState.merge takes them: every column as JSON values (BIGINT and DECIMAL as text),
 * except the distinct counts' lists of hashes (`hashColumns`), each a HashList over a copy of its chunk's UBIGINT
 * vector. Written by hand because node-api converts a list value by value (a BigInt, then its text, per hash): the
 * vectors are read here whole, as the 32-bit words they hold.
 */
export function deltaRows(chunks: readonly DuckDBDataChunk[], hashColumns: ReadonlySet<number>): (Json | HashList)[][] {
  const rows: (Json | HashList)[][] = [];
  for (const chunk of chunks) {
    const count = chunk.rowCount;
    const columns = Array.from({ length: chunk.columnCount }, (_, c) =>
      hashColumns.has(c) ? hashLists(chunk.getColumnVector(c), count) : chunk.convertColumnValues(c, JsonDuckDBValueConverter),
    );
    for (let r = 0; r < count; r++) rows.push(columns.map((column) => column[r] as Json | HashList));
  }
  return rows;
}

function hashLists(vector: unknown, count: number): (HashList | null)[] {
  if (!(vector instanceof DuckDBListVector)) throw new Error('internal: a distinct count delta is not a list');
  const child = vector.childVector;
  if (!(child instanceof DuckDBUBigIntVector)) throw new Error('internal: a distinct count delta is not a list of UBIGINT');
  // Fields of node-api's classes, at its pinned version (as Connection.doubleColumns reads them): the child's values
  // over DuckDB's memory, copied because that memory is freed with the chunk (no hash is NULL: hash() never is), and
  // which lists are NULL (a group no row of which passed a FILTER).
  const items = (child as unknown as { items: BigUint64Array }).items;
  const validity = (vector as unknown as { validity: { itemValid(index: number): boolean } }).validity;
  const words = new Uint32Array(items.buffer.slice(items.byteOffset, items.byteOffset + items.byteLength));
  const lists: (HashList | null)[] = [];
  for (let r = 0; r < count; r++) {
    if (!validity.itemValid(r)) {
      lists.push(null);
      continue;
    }
    const start = vector.getEntryOffset(r) * 2;
    lists.push({ words, start, end: start + vector.getEntryLength(r) * 2 });
  }
  return lists;
}
