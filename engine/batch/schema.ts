import type { OpenStep } from '../kernel/workspace/workspace.js';
import { migrateLayer, type LayerSchema } from '../kernel/workspace/catalog.js';

/**
 * The batch layer's tables in the catalog: each pipeline partition's last successful run, what freshness is judged
 * against (`pipeline_partitions`, state.ts), and the history of every run and every partition it ran (`runs` and
 * `run_partitions`, ledger.ts).
 */
export const BATCH_SCHEMA: LayerSchema = {
  layer: 'batch',
  migrations: [
    {
      catalogVersion: 2,
      sql: `CREATE TABLE pipeline_partitions (
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
    },
  ],
};

/** At init and at every open, after the lake's: the batch layer's tables, created or brought to the newest schema. */
export const migrateBatchCatalog: OpenStep = async ({ catalog }) => {
  await migrateLayer(catalog, BATCH_SCHEMA);
};
