import { join } from 'node:path';
import type { Connection } from '../workspace/db.js';
import { listLiteral } from '../util/sql.js';

/** Columns every lake row has, beside the source's own fields. */
export const LAKE_META_COLUMNS = ['_source_file', '_source_line', '_imported_at', '_import_id'] as const;
export const CANONICAL_COLUMNS = ['event_id', 'event_type', 'occurred_at', 'event_date'] as const;

const EMPTY_LAKE = `SELECT NULL::VARCHAR AS event_id, NULL::VARCHAR AS event_type, NULL::TIMESTAMPTZ AS occurred_at,
  NULL::DATE AS event_date, NULL::VARCHAR AS _source_file, NULL::BIGINT AS _source_line,
  NULL::TIMESTAMPTZ AS _imported_at, NULL::BIGINT AS _import_id WHERE false`;

/** The read_parquet call over exactly the committed files: readers never glob the lake, so orphans stay invisible. */
export function lakeScan(workspaceDir: string, relativePaths: readonly string[]): string {
  if (relativePaths.length === 0) return `(${EMPTY_LAKE})`;
  const paths = relativePaths.map((p) => join(workspaceDir, p));
  return `read_parquet(${listLiteral(paths)}, hive_partitioning = true, hive_types = {'event_date': DATE}, union_by_name = true)`;
}

/**
 * raw_events: every imported row as it landed. events: one row per event identity, the first arrival
 * (duplicate arrivals are recorded at import time, so no query has to rank the whole lake).
 * Views hold absolute paths, so they are rebuilt whenever the workspace is opened or the manifest changes.
 */
export async function rebuildLakeViews(connection: Connection, workspaceDir: string): Promise<void> {
  const files = await connection.all<{ path: string }>('SELECT path FROM lake_files ORDER BY path');
  const scan = lakeScan(
    workspaceDir,
    files.map((f) => f.path),
  );
  await connection.run(`CREATE OR REPLACE VIEW raw_events AS
    SELECT event_id, event_type, occurred_at, event_date, * EXCLUDE (event_id, event_type, occurred_at, event_date)
    FROM ${scan}`);
  await connection.run(`CREATE OR REPLACE VIEW events AS
    SELECT r.* FROM raw_events r
    ANTI JOIN duplicate_arrivals d ON d.import_id = r._import_id AND d.source_line = r._source_line`);
}
