import type { Connection } from '../kernel/workspace/db.js';
import type { OpenStep } from '../kernel/workspace/workspace.js';
import { isoTime, migrateLayer, type LayerSchema } from '../kernel/workspace/catalog.js';

/**
 * The lake's tables in the catalog, and what other layers read of them. `imports` lists each import (its content's
 * hash, the range of the file it covered and how it read it); `lake_files` is the manifest of committed Parquet files
 * (the commit point of every import); `rejects` keeps the lines that could not land and why; `duplicate_arrivals`
 * the arrivals that repeated an event already seen; `lake_columns` and `import_columns` the lake's one type per column
 * and each import's columns (schema.ts); `pending_moves` the committed files still to be renamed into place
 * (commit.ts); `lake_removals` the dates replaced imports were removed from (replace.ts). The lake's own modules write
 * them; everything above the lake reads them through the functions here.
 */
export const LAKE_SCHEMA: LayerSchema = {
  layer: 'lake',
  migrations: [
    {
      catalogVersion: 1,
      sql: `CREATE TABLE imports (
         import_id BIGINT PRIMARY KEY,
         source_path VARCHAR NOT NULL,
         format VARCHAR NOT NULL,
         content_sha256 VARCHAR NOT NULL,
         bytes_from BIGINT NOT NULL,
         bytes_to BIGINT NOT NULL,
         lines_from BIGINT NOT NULL,
         lines_to BIGINT NOT NULL,
         rows BIGINT NOT NULL,
         rejected BIGINT NOT NULL,
         duplicates BIGINT NOT NULL,
         partitions DATE[] NOT NULL,
         field_map JSON,
         imported_at TIMESTAMPTZ NOT NULL,
         duration_ms BIGINT NOT NULL
       );
       CREATE TABLE lake_files (
         path VARCHAR PRIMARY KEY,
         event_date DATE NOT NULL,
         import_id BIGINT NOT NULL,
         rows BIGINT NOT NULL,
         new_events BIGINT NOT NULL,
         bytes BIGINT NOT NULL
       );
       CREATE TABLE rejects (
         import_id BIGINT NOT NULL,
         source_file VARCHAR NOT NULL,
         line BIGINT NOT NULL,
         reason VARCHAR NOT NULL,
         raw VARCHAR,
         rejected_at TIMESTAMPTZ NOT NULL
       );
       CREATE TABLE duplicate_arrivals (
         import_id BIGINT NOT NULL,
         source_line BIGINT NOT NULL,
         event_id VARCHAR NOT NULL,
         event_date DATE NOT NULL,
         first_import_id BIGINT NOT NULL,
         first_line BIGINT NOT NULL
       );`,
    },
    // Schema evolution: each import's columns as its files have them and the lake column each is read as, and the one
    // type the lake has for each column (schema.ts). Imports committed before this have their rows filled in at the
    // next open (lake-schema.ts), from their files.
    {
      catalogVersion: 3,
      sql: `CREATE TABLE lake_columns (
         column_name VARCHAR PRIMARY KEY,
         column_type VARCHAR NOT NULL
       );
       CREATE TABLE import_columns (
         import_id BIGINT NOT NULL,
         column_name VARCHAR NOT NULL,
         column_type VARCHAR NOT NULL,
         lake_column VARCHAR NOT NULL
       );`,
    },
    // Files an import committed that are still to be renamed from staging into their partitions: a file reaches its
    // final path only after the catalog lists it, and a crash between the two is rolled forward at the next open.
    {
      catalogVersion: 4,
      sql: `CREATE TABLE pending_moves (
         import_id BIGINT NOT NULL,
         staged_path VARCHAR NOT NULL,
         final_path VARCHAR NOT NULL
       );`,
    },
    // How each import read its file (replace.ts: the same bytes read otherwise are another import), and the dates
    // imports were removed from, with the import id that removed them, so that the batch layer counts them again.
    {
      catalogVersion: 5,
      sql: `ALTER TABLE imports ADD COLUMN read_as VARCHAR;
       CREATE TABLE lake_removals (
         event_date DATE NOT NULL,
         version BIGINT NOT NULL
       );`,
    },
  ],
};

/** At init and at every open, before anything reads the lake: its tables, created or brought to the newest schema. */
export const migrateLakeCatalog: OpenStep = async ({ catalog }) => {
  await migrateLayer(catalog, LAKE_SCHEMA);
};

/**
 * The id the next import takes: newer than every import and every removal's version (a removed import's id is never
 * taken again, and a date's version only grows).
 */
export async function nextImportId(catalog: Connection): Promise<number> {
  const row = await catalog.one<{ id: number }>(
    `SELECT (greatest(coalesce((SELECT max(import_id) FROM imports), 0),
       coalesce((SELECT max(version) FROM lake_removals), 0)) + 1)::DOUBLE AS id`,
  );
  return Number(row?.id ?? 1);
}

export interface PathImport {
  importId: number;
  sha256: string;
  bytesTo: number;
  linesTo: number;
  /** In the words of messages (`2026-11-25 03:01:53 UTC`). */
  importedAt: string;
}

/** The newest import of a path read this way (`readAs`; imports from before reads were recorded count as `readAsDefault`). */
export async function lastImportOfPath(
  catalog: Connection,
  path: string,
  readAs: string,
  readAsDefault: string,
): Promise<PathImport | undefined> {
  const row = await catalog.one<{
    import_id: number;
    content_sha256: string;
    bytes_to: number;
    lines_to: number;
    imported_at: string;
  }>(
    `SELECT import_id::DOUBLE AS import_id, content_sha256, bytes_to::DOUBLE AS bytes_to, lines_to::DOUBLE AS lines_to,
        strftime(imported_at, '%Y-%m-%d %H:%M:%S %Z') AS imported_at
     FROM imports WHERE source_path = $path AND coalesce(read_as, $default) = $readAs ORDER BY import_id DESC LIMIT 1`,
    { path, readAs, default: readAsDefault },
  );
  return row
    ? {
        importId: Number(row.import_id),
        sha256: row.content_sha256,
        bytesTo: Number(row.bytes_to),
        linesTo: Number(row.lines_to),
        importedAt: row.imported_at,
      }
    : undefined;
}

/** The last line of a file the lake holds: where its newest import ended (0 when it was never imported). */
export async function lastImportedLine(catalog: Connection, path: string): Promise<number> {
  const row = await catalog.one<{ lines: number }>(
    `SELECT lines_to::DOUBLE AS lines FROM imports WHERE source_path = $path ORDER BY import_id DESC LIMIT 1`,
    { path },
  );
  return Number(row?.lines ?? 0);
}

/** Files of an import the catalog committed but that are not yet in their partitions (commit.ts). */
export async function pendingMoveCount(connection: Connection, importId: number): Promise<number> {
  const row = await connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM pending_moves WHERE import_id = $id`, {
    id: importId,
  });
  return Number(row?.n ?? 0);
}

/** The events an import dated after `today`, and the furthest date among them. */
export async function eventsAfter(
  catalog: Connection,
  importId: number,
  today: string,
): Promise<{ events: number; last: string | null }> {
  const row = await catalog.one<{ n: number; last: string | null }>(
    `SELECT coalesce(sum(rows), 0)::DOUBLE AS n, strftime(max(event_date), '%Y-%m-%d') AS last
     FROM lake_files WHERE import_id = $id AND event_date > CAST($today AS DATE)`,
    { id: importId, today },
  );
  return { events: Number(row?.n ?? 0), last: row?.last ?? null };
}

export interface LakePartition {
  event_date: string;
  /** Rows landed, duplicates included. */
  rows: number;
  /** Events first seen in it. */
  events: number;
}

/** Every event date of the lake, oldest first. */
export async function lakePartitions(catalog: Connection): Promise<LakePartition[]> {
  const rows = await catalog.all<{ event_date: string; rows: number; events: number }>(
    `SELECT strftime(event_date, '%Y-%m-%d') AS event_date, sum(rows)::DOUBLE AS rows, sum(new_events)::DOUBLE AS events
     FROM lake_files GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((p) => ({ event_date: p.event_date, rows: Number(p.rows), events: Number(p.events) }));
}

export interface ImportListing {
  importId: number;
  path: string;
  rows: number;
  rejected: number;
  duplicates: number;
  /** ISO 8601 in UTC. */
  importedAt: string;
}

/** The newest imports first. */
export async function recentImports(catalog: Connection, limit: number): Promise<ImportListing[]> {
  const rows = await catalog.all<{
    importId: number;
    path: string;
    rows: number;
    rejected: number;
    duplicates: number;
    importedAt: string;
  }>(
    `SELECT import_id::DOUBLE AS "importId", source_path AS path, rows::DOUBLE AS rows, rejected::DOUBLE AS rejected,
       duplicates::DOUBLE AS duplicates, ${isoTime('imported_at')} AS "importedAt"
     FROM imports ORDER BY import_id DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return rows.map((i) => ({
    importId: Number(i.importId),
    path: i.path,
    rows: Number(i.rows),
    rejected: Number(i.rejected),
    duplicates: Number(i.duplicates),
    importedAt: i.importedAt,
  }));
}

export interface ImportEntry extends ImportListing {
  format: string;
  /** The first and last date it landed rows on; null when it landed none. */
  firstDate: string | null;
  lastDate: string | null;
  partitions: number;
}

/** Every import, oldest first, with the dates it landed rows on. */
export async function allImports(catalog: Connection): Promise<ImportEntry[]> {
  const rows = await catalog.all<ImportListing & Omit<ImportEntry, keyof ImportListing> & Record<string, unknown>>(
    `SELECT import_id::DOUBLE AS "importId", source_path AS path, format, rows::DOUBLE AS rows,
       rejected::DOUBLE AS rejected, duplicates::DOUBLE AS duplicates, ${isoTime('imported_at')} AS "importedAt",
       (SELECT strftime(min(event_date), '%Y-%m-%d') FROM lake_files f WHERE f.import_id = i.import_id) AS "firstDate",
       (SELECT strftime(max(event_date), '%Y-%m-%d') FROM lake_files f WHERE f.import_id = i.import_id) AS "lastDate",
       (SELECT count(DISTINCT event_date) FROM lake_files f WHERE f.import_id = i.import_id)::DOUBLE AS partitions
     FROM imports i ORDER BY import_id`,
  );
  return rows.map((i) => ({
    ...i,
    importId: Number(i.importId),
    rows: Number(i.rows),
    rejected: Number(i.rejected),
    duplicates: Number(i.duplicates),
    partitions: Number(i.partitions),
  }));
}

/** The events the lake holds (each identity once) and the lines it rejected. */
export async function lakeTotals(catalog: Connection): Promise<{ events: number; rejected: number }> {
  const row = await catalog.one<{ events: number; rejected: number }>(
    `SELECT (SELECT coalesce(sum(new_events), 0) FROM lake_files)::DOUBLE AS events,
       (SELECT count(*) FROM rejects)::DOUBLE AS rejected`,
  );
  return { events: Number(row?.events ?? 0), rejected: Number(row?.rejected ?? 0) };
}

export interface RejectedLine {
  importId: number;
  file: string;
  line: number;
  reason: string;
  raw: string | null;
}

/** Rejected lines, the newest import's first and in line order; of one import, or of every one. */
export async function rejectsOf(catalog: Connection, options: { importId?: number; limit: number }): Promise<RejectedLine[]> {
  const rows = await catalog.all<{ importId: number; file: string; line: number; reason: string; raw: string | null }>(
    `SELECT import_id::DOUBLE AS "importId", source_file AS file, line::DOUBLE AS line, reason, raw FROM rejects
     ${options.importId !== undefined ? 'WHERE import_id = $id' : ''}
     ORDER BY import_id DESC, line LIMIT ${Math.max(1, Math.floor(options.limit))}`,
    options.importId !== undefined ? { id: options.importId } : undefined,
  );
  return rows.map((r) => ({ importId: Number(r.importId), file: r.file, line: Number(r.line), reason: r.reason, raw: r.raw }));
}
