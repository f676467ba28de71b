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
