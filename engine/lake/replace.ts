import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from '../kernel/workspace/db.js';
import type { CanonicalField } from '../kernel/workspace/settings.js';
import { listLiteral, literal } from '../kernel/util/sql.js';

/**
 * An import's identity is its content and how it was read: the same bytes read with another `--format`, `--map` or
 * `--time-format` are another import. Importing content again the same way is a skip; importing it another way, or
 * again after an import of it that landed nothing (every row rejected: a missing `--map`, a wrong format), replaces
 * the earlier imports of it, in the same commit: their rows, rejects and duplicate records go, and no event is kept
 * twice. Partitions they touched are stale for the batch layer, as after any new data.
 */
export interface ReadAs {
  format: string;
  map: Partial<Record<CanonicalField, string>>;
  timeFormat?: string;
}

/** The canonical text of how a file is read (keys sorted), as the catalog stores it. */
export function readAsText(read: ReadAs): string {
  const map = Object.fromEntries(Object.entries(read.map).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({ format: read.format, map, ...(read.timeFormat ? { timeFormat: read.timeFormat } : {}) });
}

/** How a stored read differs from the default, in the CLI's words (`--map event_type=kind`), for messages. */
export function describeReadAs(text: string): string {
  const read = JSON.parse(text || '{}') as Partial<ReadAs>;
  const parts = [
    ...(read.format && read.format !== 'auto' ? [`--format ${read.format}`] : []),
    ...Object.entries(read.map ?? {}).map(([k, v]) => `--map ${k}=${v}`),
    ...(read.timeFormat ? [`--time-format ${read.timeFormat}`] : []),
  ];
  return parts.length > 0 ? parts.join(' ') : 'the defaults';
}

export interface EarlierImport {
  importId: number;
  readAs: string;
  rows: number;
  importedAt: string;
  sourcePath: string;
}

/**
 * What an import of this content finds before it: `skip` when the same content was imported the same way and landed
 * rows, else the earlier imports it replaces (same content read otherwise, or landed nothing; and, for a file read
 * whole, imports of the same path read otherwise, which a changed read imports again from its start).
 */
export async function earlierImports(
  catalog: Connection,
  content: { sha256: string; bytes: number; path: string; readAs: string; wholeFile: boolean },
): Promise<{ skip?: EarlierImport; replaces: EarlierImport[] }> {
  const rows = await catalog.all<{
    import_id: number;
    read_as: string | null;
    rows: number;
    imported_at: string;
    source_path: string;
    same_content: boolean;
  }>(
    `SELECT import_id::DOUBLE AS import_id, read_as, rows::DOUBLE AS rows, source_path,
       strftime(imported_at, '%Y-%m-%d %H:%M:%S %Z') AS imported_at,
       (content_sha256 = $sha AND bytes_to = $bytes AND bytes_from = 0) AS same_content
     FROM imports
     WHERE (content_sha256 = $sha AND bytes_to = $bytes) OR ($whole AND source_path = $path)
     ORDER BY import_id`,
    { sha: content.sha256, bytes: content.bytes, path: content.path, whole: content.wholeFile },
  );
  const earlier = rows.map((r) => ({
    importId: Number(r.import_id),
    readAs: r.read_as ?? '',
    rows: Number(r.rows),
    importedAt: r.imported_at,
    sourcePath: r.source_path,
    sameContent: r.same_content,
  }));
  // Imports from before the read was recorded count as read the default way.
  const sameRead = (e: EarlierImport) => (e.readAs || readAsText({ format: 'auto', map: {} })) === content.readAs;
  const skip = earlier.find((e) => e.sameContent && sameRead(e) && e.rows > 0);
  if (skip) return { skip, replaces: [] };
  return {
    replaces: earlier
      .filter((e) => (e.sameContent && (!sameRead(e) || e.rows === 0)) || (!e.sameContent && !sameRead(e)))
      .map(({ sameContent: _s, ...e }) => e),
  };
}

/**
 * The SQL of each lake identity's first arrival outside the imports being replaced, for identities a new import
 * holds: `events` minus the replaced imports' rows, and for identities whose first arrival was a replaced one, the
 * earliest of their other arrivals (which events does not show, as they were duplicates of it).
 */
export function lakeFirstSql(replaced: readonly number[]): string {
  if (replaced.length === 0) {
    return `SELECT e.event_id, e._import_id AS first_import_id, e._source_line AS first_line
      FROM events e SEMI JOIN import_ids n ON e.event_id = n.event_id`;
  }
  const ids = replaced.join(', ');
  return `SELECT e.event_id, e._import_id AS first_import_id, e._source_line AS first_line
      FROM events e SEMI JOIN import_ids n ON e.event_id = n.event_id WHERE e._import_id NOT IN (${ids})
    UNION ALL
    SELECT event_id, arg_min(import_id, (import_id, source_line)) AS first_import_id,
      arg_min(source_line, (import_id, source_line)) AS first_line
    FROM duplicate_arrivals d SEMI JOIN import_ids n USING (event_id)
    WHERE d.first_import_id IN (${ids}) AND d.import_id NOT IN (${ids})
    GROUP BY event_id`;
}

/**
 * Removes imports from the catalog, inside the caller's transaction: their files, rows, rejects, columns and duplicate
 * records; each identity whose first arrival they held gets its earliest remaining arrival as the first (that arrival
 * is no duplicate any more). The dates they held get a new input version (`version`, an import id newer than any), so
 * the batch layer recounts them. Returns the files to delete once the views no longer read them.
 */
export async function removeImports(
  connection: Connection,
  workspaceDir: string,
  ids: readonly number[],
  version: number,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const list = ids.join(', ');
  const files = await connection.all<{ path: string }>(`SELECT path FROM lake_files WHERE import_id IN (${list})`);
  await connection.run(`INSERT INTO lake_removals
    SELECT DISTINCT event_date, ${version}::BIGINT FROM lake_files WHERE import_id IN (${list})`);
  // Arrivals whose first was a removed import: the earliest remaining one becomes first, the others point to it.
  await connection.run(`CREATE OR REPLACE TEMP TABLE new_firsts AS
    SELECT event_id, arg_min(import_id, (import_id, source_line)) AS import_id,
      arg_min(source_line, (import_id, source_line)) AS source_line
    FROM duplicate_arrivals WHERE first_import_id IN (${list}) AND import_id NOT IN (${list}) GROUP BY event_id`);
  await countNewFirsts(connection, workspaceDir);
  await connection.run(`DELETE FROM duplicate_arrivals WHERE import_id IN (${list})`);
  await connection.run(`DELETE FROM duplicate_arrivals d USING new_firsts f
    WHERE d.event_id = f.event_id AND d.import_id = f.import_id AND d.source_line = f.source_line`);
  await connection.run(`UPDATE duplicate_arrivals d SET first_import_id = f.import_id, first_line = f.source_line
    FROM new_firsts f WHERE d.event_id = f.event_id AND d.first_import_id IN (${list})`);
  for (const table of ['lake_files', 'rejects', 'import_columns', 'pending_moves', 'imports']) {
    await connection.run(`DELETE FROM ${table} WHERE import_id IN (${list})`);
  }
  return files.map((f) => f.path);
}

/**
 * A file's `new_events` counts the events first seen in it; an arrival that becomes first (new_firsts) adds one to
 * the file that holds it. Only the files of the dates those arrivals are on are read, to find which file each is in.
 */
async function countNewFirsts(connection: Connection, workspaceDir: string): Promise<void> {
  const files = await connection.all<{ path: string }>(`SELECT DISTINCT l.path FROM lake_files l
    JOIN duplicate_arrivals d ON d.import_id = l.import_id AND d.event_date = l.event_date
    SEMI JOIN new_firsts f ON f.event_id = d.event_id AND f.import_id = d.import_id AND f.source_line = d.source_line
    ORDER BY l.path`);
  if (files.length === 0) return;
  const paths = files.map((f) => f.path);
  await connection.run(`CREATE OR REPLACE TEMP TABLE new_first_files AS
    SELECT m.path, count(*) AS n
    FROM read_parquet(${listLiteral(paths.map((p) => join(workspaceDir, p)))}, filename = true, union_by_name = true) r
    JOIN new_firsts f ON f.import_id = r._import_id AND f.source_line = r._source_line
    JOIN (VALUES ${paths.map((p) => `(${literal(join(workspaceDir, p))}, ${literal(p)})`).join(', ')}) AS m(filename, path)
      ON m.filename = r.filename
    GROUP BY m.path`);
  await connection.run(`UPDATE lake_files l SET new_events = l.new_events + c.n FROM new_first_files c WHERE l.path = c.path`);
}

/** Deletes the files of removed imports (Recount's own: their names are in the catalog it just changed). */
export async function deleteRemovedFiles(workspaceDir: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(join(workspaceDir, path), { force: true });
}
