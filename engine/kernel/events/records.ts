import { literal } from '../util/sql.js';

/*
 * How every layer reads raw records and names their types: the lake stages imports with these, and the live view reads
 * its batches with the same reader, so a line means the same thing in both.
 */

/** Each line of an NDJSON file as one MAP of every key to its value as text (a line that is not an object: NULL). */
export function ndjsonRecordsReader(path: string, maxObjectBytes: number, extra = ''): string {
  return `read_json(${literal(path)}, format = 'newline_delimited', ignore_errors = true,
        maximum_object_size = ${Math.max(16 << 20, maxObjectBytes * 2)}, records = false, columns = {json: 'MAP(VARCHAR, VARCHAR)'}${extra})`;
}

/** DuckDB's types are kept, except UUIDs, which are ids and compare as text, and all-NULL samples, which say nothing. */
export function normalizeType(type: string): string {
  if (type === 'NULL' || type === '"NULL"') return 'JSON';
  // Very deep or wide nested types (a depth-1000 array) are kept as JSON rather than as a type nobody can query.
  if (type.length > 2000 || (type.match(/\[\]|STRUCT\(|MAP\(/g) ?? []).length > 16) return 'JSON';
  return type.replace(/\bUUID\b/g, 'VARCHAR').replace(/\bNULL\b/g, 'JSON');
}
