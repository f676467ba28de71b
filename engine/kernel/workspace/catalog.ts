import type { Connection } from './db.js';

/**
 * The catalog: the DuckDB tables in which each layer keeps what it knows. The lake's (lake/catalog.ts) hold what was
 * imported, rejected and seen twice, and the manifest of committed Parquet files that is the commit point of every
 * import; the batch layer's (batch/schema.ts) hold runs and partition state. The lake's Parquet files stay the source
 * of truth for events. Each layer creates and migrates its own tables when a workspace opens (an open step, composed in
 * service/init.ts); the kernel keeps only `catalog_meta`, where each layer's schema version is recorded, and the
 * runner that applies a layer's migrations.
 */

export interface LayerMigration {
  sql: string;
  /**
   * The catalog-wide version this step had when the kernel applied one list for every layer (`schema_version`): what
   * tells a workspace of that time which of the layer's steps it already has. A step added since has none.
   */
  catalogVersion?: number;
}

export interface LayerSchema {
  /** Whose tables these are: the version is recorded as `schema_version.<layer>`. */
  layer: string;
  /** Applied in order, each in a transaction of its own with the version it brings. */
  migrations: readonly LayerMigration[];
}

/** Tables and views of the catalog, every layer's: a pipeline may not take one of these names for its summary table. */
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
  'lake_date_versions',
];

/** The kernel's own part of the catalog, before any layer's: where the layers' versions are kept. */
export async function migrateCatalog(connection: Connection): Promise<void> {
  await connection.run('CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR)');
}

async function metaNumber(connection: Connection, key: string): Promise<number | undefined> {
  const row = await connection.one<{ value: string }>(`SELECT value FROM catalog_meta WHERE key = $key`, { key });
  return row ? Number(row.value) : undefined;
}

/** How many of a layer's steps a catalog migrated as a whole has (none in a new one). */
async function fromWholeCatalog(connection: Connection, schema: LayerSchema): Promise<number> {
  const whole = (await metaNumber(connection, 'schema_version')) ?? 0;
  return schema.migrations.filter((m) => m.catalogVersion !== undefined && m.catalogVersion <= whole).length;
}

/**
 * Brings one layer's tables to its newest schema. A workspace whose catalog was migrated as a whole (one
 * `schema_version` for every layer) starts the layer from the steps that version included, so no step runs twice.
 */
export async function migrateLayer(connection: Connection, schema: LayerSchema): Promise<void> {
  const key = `schema_version.${schema.layer}`;
  let version: number = (await metaNumber(connection, key)) ?? (await fromWholeCatalog(connection, schema));
  while (version < schema.migrations.length) {
    const step = schema.migrations[version] as LayerMigration;
    const next = version + 1;
    await connection.transaction(async () => {
      await connection.run(step.sql);
      await connection.run(`INSERT OR REPLACE INTO catalog_meta VALUES ($key, $version)`, { key, version: String(next) });
    });
    version = next;
  }
}

/**
 * SQL for a catalog time as the contract carries it: ISO 8601 in UTC with milliseconds (`2026-11-25T03:01:53.123Z`),
 * which every browser's Date.parse reads as the same instant whatever the workspace's zone. NULL stays NULL.
 */
export function isoTime(expression: string): string {
  return `strftime(timezone('UTC', ${expression}), '%Y-%m-%dT%H:%M:%S.%gZ')`;
}
