import { join } from 'node:path';
import type { Connection } from '../kernel/workspace/db.js';
import { ident, listLiteral } from '../kernel/util/sql.js';

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
 * raw_events: every imported row as it landed, each column read as the lake's type for it (schema.ts): an import whose
 * files hold a column under another type, or under a name that conflicted, is read through a projection that casts or
 * renames it; imports read as they are share one scan. events: one row per event identity, the first arrival
 * (duplicate arrivals are recorded at import time, so no query has to rank the whole lake).
 * Views hold absolute paths, so they are rebuilt whenever the workspace is opened or the manifest changes.
 */
export async function rebuildLakeViews(connection: Connection, workspaceDir: string): Promise<void> {
  const files = await connection.all<{ path: string; import_id: number }>(
    // Files still to be moved into place are not there yet: a view lists them once their move is done (commit.ts).
    `SELECT path, import_id::DOUBLE AS import_id FROM lake_files
     WHERE path NOT IN (SELECT final_path FROM pending_moves) ORDER BY path`,
  );
  const lakeTypes = new Map(
    (
      await connection.all<{ name: string; type: string }>('SELECT column_name AS name, column_type AS type FROM lake_columns')
    ).map((r) => [r.name, r.type]),
  );
  const mappings = await connection.all<{ import_id: number; column_name: string; column_type: string; lake_column: string }>(
    'SELECT import_id::DOUBLE AS import_id, column_name, column_type, lake_column FROM import_columns ORDER BY import_id, column_name',
  );
  // Each import's projection: the columns it reads otherwise than as they are. Imports alike share a scan.
  const projections = new Map<number, string[]>();
  for (const m of mappings) {
    const lakeType = lakeTypes.get(m.lake_column);
    if (m.column_name === m.lake_column && m.column_type === lakeType) continue;
    const list = projections.get(Number(m.import_id)) ?? [];
    list.push(`${m.column_name}\u0000${lakeType ?? m.column_type}\u0000${m.lake_column}`);
    projections.set(Number(m.import_id), list);
  }
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const key = (projections.get(Number(f.import_id)) ?? []).join('\u0001');
    const list = groups.get(key) ?? [];
    list.push(f.path);
    groups.set(key, list);
  }
  const scans = [...groups.entries()].map(([key, paths]) => {
    const scan = lakeScan(workspaceDir, paths);
    if (key === '') return `SELECT * FROM ${scan}`;
    const changed = key.split('\u0001').map((p) => p.split('\u0000') as [string, string, string]);
    const exclude = changed.map(([column]) => ident(column)).join(', ');
    const recast = changed.map(([column, type, lakeColumn]) => `CAST(${ident(column)} AS ${type}) AS ${ident(lakeColumn)}`);
    return `SELECT * EXCLUDE (${exclude}), ${recast.join(', ')} FROM ${scan}`;
  });
  const union = scans.length === 0 ? `SELECT * FROM ${lakeScan(workspaceDir, [])}` : scans.join('\nUNION ALL BY NAME\n');
  await connection.run(`CREATE OR REPLACE VIEW raw_events AS
    SELECT event_id, event_type, occurred_at, event_date, * EXCLUDE (event_id, event_type, occurred_at, event_date)
    FROM (${union})`);
  await connection.run(`CREATE OR REPLACE VIEW events AS
    SELECT r.* FROM raw_events r
    ANTI JOIN duplicate_arrivals d ON d.import_id = r._import_id AND d.source_line = r._source_line`);
  // What the batch layer reads to know which partitions are stale, without knowing how the lake records its files:
  // a date's version is its newest import with new events, or the newest removal of an import from it (replace.ts).
  await connection.run(`CREATE OR REPLACE VIEW lake_date_versions AS
    SELECT event_date, max(v) AS version FROM (
      SELECT event_date, import_id AS v FROM lake_files WHERE new_events > 0
      UNION ALL SELECT event_date, version FROM lake_removals)
    GROUP BY event_date`);
}
