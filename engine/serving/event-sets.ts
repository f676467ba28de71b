import { JsonDuckDBValueConverter, type Json } from '@duckdb/node-api';
import type { Connection } from '../kernel/workspace/db.js';
import type { PipelineDefinition } from '../kernel/pipeline/definition.js';
import { ident, literal } from '../kernel/util/sql.js';

export type Row = Record<string, Json>;

/**
 * Runs a pipeline's SQL, unchanged, over any set of events: a temporary view named `events` on this
 * connection shadows the catalog's. This is how the served view recounts a partition over lake and live
 * events together, and how reconciliation measures what each set of events contributes.
 */
export async function runOver(
  connection: Connection,
  pipeline: PipelineDefinition,
  eventsSql: string,
  partitions?: string[],
): Promise<Row[]> {
  await connection.run(`CREATE OR REPLACE TEMP VIEW events AS ${eventsSql}`);
  const filter = partitions
    ? ` WHERE ${ident(pipeline.partitionColumn)} IN (${partitions.map((p) => `DATE ${literal(p)}`).join(', ') || 'NULL'})`
    : '';
  return readRows(connection, `SELECT * FROM (${pipeline.sql}) AS q${filter}`);
}

/** Rows as objects of JSON-safe values (BIGINT and DECIMAL as exact strings, dates as ISO text). */
export async function readRows(connection: Connection, sql: string): Promise<Row[]> {
  const reader = await connection.read(sql);
  const names = reader.deduplicatedColumnNames();
  return (reader.convertRows(JsonDuckDBValueConverter) as Json[][]).map((r) =>
    Object.fromEntries(names.map((n, i) => [n, r[i] ?? null])),
  );
}

/** Lake events (first arrivals), from the catalog rather than any temporary view. */
export function lakeEvents(catalogName: string, where = 'true'): string {
  return `SELECT * FROM ${ident(catalogName)}.main.events WHERE ${where}`;
}

/** A set of event rows, whatever its source columns, as one relation with the lake's columns. */
export function union(...relations: string[]): string {
  return relations.map((r) => `(${r})`).join(' UNION ALL BY NAME ');
}
