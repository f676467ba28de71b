import type { Connection } from './db.js';

/**
 * The catalog: what the lake holds (the manifest of committed Parquet files is the commit point of
 * every import), what was rejected, which arrivals repeated an event already seen, and, later, the
 * batch layer's runs and partition state. The lake's Parquet files stay the source of truth for events.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
   CREATE TABLE imports (
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
  // The batch layer: each pipeline partition's last successful run (what freshness is judged against),
  // and the history of every run and every partition it ran.
  `CREATE TABLE pipeline_partitions (
     pipeline VARCHAR NOT NULL,
     partition DATE NOT NULL,
     definition_hash VARCHAR NOT NULL,
     input_version VARCHAR NOT NULL,
     rows BIGINT NOT NULL,
     checksum VARCHAR NOT NULL,
     run_id BIGINT NOT NULL,
     ran_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (pipeline, partition)
   );
   CREATE TABLE runs (
     run_id BIGINT PRIMARY KEY,
     started_at TIMESTAMPTZ NOT NULL,
     finished_at TIMESTAMPTZ,
     run_by VARCHAR NOT NULL,
     command VARCHAR NOT NULL,
     status VARCHAR NOT NULL,
     pipelines VARCHAR[] NOT NULL,
     partitions BIGINT NOT NULL,
     succeeded BIGINT NOT NULL,
     failed BIGINT NOT NULL,
     rows BIGINT NOT NULL,
     duration_ms BIGINT,
     error VARCHAR
   );
   CREATE TABLE run_partitions (
     run_id BIGINT NOT NULL,
     pipeline VARCHAR NOT NULL,
     partition DATE NOT NULL,
     reason VARCHAR NOT NULL,
     status VARCHAR NOT NULL,
     rows BIGINT,
     checksum VARCHAR,
     definition_hash VARCHAR NOT NULL,
     input_version VARCHAR NOT NULL,
     error VARCHAR,
     duration_ms BIGINT NOT NULL
   );`,
  // Schema evolution: each import's columns as its files have them and the lake column each is read as, and the one
  // type the lake has for each column (lake/schema.ts). Imports committed before this have their rows filled in at the
  // next open (lake-schema.ts), from their files.
  `CREATE TABLE lake_columns (
     column_name VARCHAR PRIMARY KEY,
     column_type VARCHAR NOT NULL
   );
   CREATE TABLE import_columns (
     import_id BIGINT NOT NULL,
     column_name VARCHAR NOT NULL,
     column_type VARCHAR NOT NULL,
     lake_column VARCHAR NOT NULL
   );`,
  // Files an import committed that are still to be renamed from staging into their partitions: a file reaches its
  // final path only after the catalog lists it, and a crash between the two is rolled forward at the next open.
  `CREATE TABLE pending_moves (
     import_id BIGINT NOT NULL,
     staged_path VARCHAR NOT NULL,
     final_path VARCHAR NOT NULL
   );`,
  // How each import read its file (lake/replace.ts: the same bytes read otherwise are another import), and the dates
  // imports were removed from, with the import id that removed them, so that the batch layer counts them again.
  `ALTER TABLE imports ADD COLUMN read_as VARCHAR;
   CREATE TABLE lake_removals (
     event_date DATE NOT NULL,
     version BIGINT NOT NULL
   );`,
];

/** Tables and views of the catalog: a pipeline may not take one of these names for its summary table. */
export const CATALOG_NAMES = [
  'catalog_meta',
  'imports',
  'lake_files',
  'rejects',
  'duplicate_arrivals',
  'raw_events',
  'events',
  'pipeline_partitions',
  'runs',
  'run_partitions',
  'lake_columns',
  'import_columns',
  'pending_moves',
  'lake_removals',
];

export async function migrateCatalog(connection: Connection): Promise<void> {
  await connection.run('CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR)');
  const row = await connection.one<{ value: string }>(`SELECT value FROM catalog_meta WHERE key = 'schema_version'`);
  let version = row ? Number(row.value) : 0;
  while (version < MIGRATIONS.length) {
    const sql = MIGRATIONS[version] as string;
    await connection.transaction(async () => {
      await connection.run(sql);
      await connection.run(`INSERT OR REPLACE INTO catalog_meta VALUES ('schema_version', $version)`, {
        version: String(version + 1),
      });
    });
    version++;
  }
}
