import { join } from 'node:path';
import type { Connection } from '../kernel/workspace/db.js';
import { ident, listLiteral, literal } from '../kernel/util/sql.js';

const EMPTY_LAKE = `SELECT NULL::VARCHAR AS event_id, NULL::VARCHAR AS event_type, NULL::TIMESTAMPTZ AS occurred_at,
  NULL::DATE AS event_date, NULL::VARCHAR AS _source_file, NULL::BIGINT AS _source_line,
  NULL::TIMESTAMPTZ AS _imported_at, NULL::BIGINT AS _import_id WHERE false`;

/**
 * The read_parquet call over exactly the committed files: readers never glob the lake, so orphans stay invisible.
 * `sameColumns` says every file holds the same columns (the files of imports with one column list): DuckDB then
 * reads one file's schema to bind, not every file's, which every query over the lake would pay per file.
 */
export function lakeScan(workspaceDir: string, relativePaths: readonly string[], sameColumns = false): string {
  if (relativePaths.length === 0) return `(${EMPTY_LAKE})`;
  const paths = relativePaths.map((p) => join(workspaceDir, p));
  const unionByName = sameColumns ? '' : ', union_by_name = true';
  return `read_parquet(${listLiteral(paths)}, hive_partitioning = true, hive_types = {'event_date': DATE}${unionByName})`;
}

// A committed file never changes, so its columns are read once per process.
const columnsOf = new Map<string, string>();

/** A Parquet file's columns and their types, in name order, as one string. */
async function fileColumns(connection: Connection, path: string): Promise<string> {
  let columns = columnsOf.get(path);
  if (columns === undefined) {
    const rows = await connection.all<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet(${literal(path)})`,
    );
    columns = rows
      .map((r) => `${r.column_name}\u0000${r.column_type}`)
      .sort()
      .join('\u0001');
    columnsOf.set(path, columns);
  }
  return columns;
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
  // One COPY wrote each import's files, so they hold the same columns: one file's schema stands for the import's.
  // Imports with the same columns share a scan that needs no union by name.
  const firstFiles = new Map<number, string>();
  for (const f of files) if (!firstFiles.has(Number(f.import_id))) firstFiles.set(Number(f.import_id), f.path);
  const columnLists = new Map<number, string>();
  for (const [importId, path] of firstFiles) columnLists.set(importId, await fileColumns(connection, join(workspaceDir, path)));
  const groups = new Map<string, { paths: string[]; sameColumns: boolean }>();
  for (const f of files) {
    const key = (projections.get(Number(f.import_id)) ?? []).join('\u0001');
    const columns = columnLists.get(Number(f.import_id)) as string;
    const group = `${key}\u0002${columns}`;
    const entry = groups.get(group) ?? { paths: [], sameColumns: true };
    entry.paths.push(f.path);
    groups.set(group, entry);
  }
  const scans = [...groups.entries()].map(([group, { paths, sameColumns }]) => {
    const key = group.slice(0, group.indexOf('\u0002'));
    const scan = lakeScan(workspaceDir, paths, sameColumns);
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
