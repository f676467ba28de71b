import type { Connection } from '../kernel/workspace/db.js';
import { isoTime } from '../kernel/workspace/catalog.js';
import { ident, literal } from '../kernel/util/sql.js';

/**
 * Partition state: for each pipeline partition, its last successful run and what it ran against (the definition's
 * hash and the input version), which is what freshness is judged by (status.ts). Each pipeline's summary table is the
 * batch layer's too.
 */

export interface PartitionState {
  pipeline: string;
  partition: string;
  definitionHash: string;
  inputVersion: string;
  rows: number;
  checksum: string;
  runId: number;
}

/** Inside the caller's transaction, with the partition's rows and its ledger row. */
export async function writePartitionState(connection: Connection, state: PartitionState): Promise<void> {
  await writePartitionStates(connection, [state]);
}

/** Several partitions' states in one statement, inside the caller's transaction. */
export async function writePartitionStates(connection: Connection, states: readonly PartitionState[]): Promise<void> {
  if (states.length === 0) return;
  const values = states.map((s) =>
    [
      literal(s.pipeline),
      `CAST(${literal(s.partition)} AS DATE)`,
      literal(s.definitionHash),
      literal(s.inputVersion),
      Number(s.rows),
      literal(s.checksum),
      Number(s.runId),
      'now()',
    ].join(', '),
  );
  await connection.run(`INSERT OR REPLACE INTO pipeline_partitions VALUES (${values.join('), (')})`);
}

/** Forgets every partition of a pipeline (its table was replaced whole; the new partitions' states follow). */
export async function clearPartitionStates(connection: Connection, pipeline: string): Promise<void> {
  await connection.run(`DELETE FROM pipeline_partitions WHERE pipeline = $name`, { name: pipeline });
}

export interface StoredPartitionState extends PartitionState {
  /** ISO 8601 in UTC. */
  ranAt: string;
}

export async function partitionStates(connection: Connection, pipeline: string): Promise<StoredPartitionState[]> {
  const rows = await connection.all<{
    pipeline: string;
    partition: string;
    definition_hash: string;
    input_version: string;
    rows: number;
    checksum: string;
    run_id: number;
    ran_at: string;
  }>(
    `SELECT pipeline, strftime(partition, '%Y-%m-%d') AS partition, definition_hash, input_version, rows::DOUBLE AS rows,
       checksum, run_id::DOUBLE AS run_id, ${isoTime('ran_at')} AS ran_at
     FROM pipeline_partitions WHERE pipeline = $name`,
    { name: pipeline },
  );
  return rows.map((s) => ({
    pipeline: s.pipeline,
    partition: s.partition,
    definitionHash: s.definition_hash,
    inputVersion: s.input_version,
    rows: Number(s.rows),
    checksum: s.checksum,
    runId: Number(s.run_id),
    ranAt: s.ran_at,
  }));
}

/** Partitions whose newest run failed after their last success: that run and its error. */
export async function failuresSinceSuccess(
  connection: Connection,
  pipeline: string,
): Promise<Map<string, { runId: number; error: string }>> {
  const rows = await connection.all<{ partition: string; run_id: number; error: string }>(
    `SELECT strftime(rp.partition, '%Y-%m-%d') AS partition, max(rp.run_id)::DOUBLE AS run_id, arg_max(rp.error, rp.run_id) AS error
     FROM run_partitions rp
     LEFT JOIN pipeline_partitions pp ON pp.pipeline = rp.pipeline AND pp.partition = rp.partition
     WHERE rp.pipeline = $name AND rp.status = 'failed' AND rp.run_id > coalesce(pp.run_id, 0)
     GROUP BY 1`,
    { name: pipeline },
  );
  return new Map(rows.map((f) => [f.partition, { runId: Number(f.run_id), error: f.error }]));
}

/** The summary tables Recount wrote: every pipeline that ever had a partition succeed. */
export async function summaryTables(connection: Connection): Promise<string[]> {
  const rows = await connection
    .all<{ name: string }>('SELECT DISTINCT pipeline AS name FROM pipeline_partitions')
    .catch(() => [] as { name: string }[]);
  return rows.map((r) => r.name);
}

/** Rows in each named summary table; 0 for one not created yet. */
export async function summaryRowCounts(
  connection: Connection,
  names: readonly string[],
): Promise<{ name: string; rows: number }[]> {
  const out: { name: string; rows: number }[] = [];
  for (const name of names) {
    const exists = await connection.one(`SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $n`, {
      n: name,
    });
    const n = exists ? await connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${ident(name)}`) : undefined;
    out.push({ name, rows: Number(n?.n ?? 0) });
  }
  return out;
}
