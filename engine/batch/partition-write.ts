import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { CancelledError, errorMessage } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import type { PipelineDefinition } from '../kernel/pipeline/definition.js';
import { inputRange } from './partitions.js';
import { recordPartitionRun, recordPartitionRuns, type RunReason } from './ledger.js';
import { clearPartitionStates, writePartitionStates } from './state.js';
import type { Task } from './tasks.js';

/** How one partition of a run went. */
export interface PartitionRun {
  pipeline: string;
  partition: string;
  status: 'succeeded' | 'failed';
  reason: RunReason;
  rows: number | null;
  checksum: string | null;
  error: string | null;
  durationMs: number;
}

async function describe(connection: Connection, sql: string): Promise<string> {
  const rows = await connection.all<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`);
  return rows.map((r) => `${r.column_name} ${r.column_type}`).join(', ');
}

/**
 * Makes sure the summary table exists with the pipeline's output columns. When a changed definition
 * changes the columns, the table is rebuilt whole under another name and swapped in at the end, so the
 * old table serves until every partition of the new one has succeeded.
 */
export async function prepareTable(
  connection: Connection,
  pipeline: PipelineDefinition,
  runId: number,
): Promise<{ target: string; rebuild: boolean }> {
  const output = await describe(connection, pipeline.sql);
  const exists = await connection.one(`SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $name`, {
    name: pipeline.name,
  });
  if (!exists) {
    await connection.run(`CREATE TABLE ${ident(pipeline.name)} AS SELECT * FROM (${pipeline.sql}) LIMIT 0`);
    return { target: pipeline.name, rebuild: false };
  }
  if ((await describe(connection, ident(pipeline.name))) === output) return { target: pipeline.name, rebuild: false };
  const target = `${pipeline.name}__rebuild_${runId}`;
  await connection.run(`CREATE OR REPLACE TABLE ${ident(target)} AS SELECT * FROM (${pipeline.sql}) LIMIT 0`);
  return { target, rebuild: true };
}

/** What a partition's success records: the rows and checksum it was left with, and how long it took. */
export interface Success {
  task: Task;
  rows: number;
  checksum: string;
  durationMs: number;
}

/** A partition's success: its state (what freshness is judged by) and its ledger row, in the caller's transaction. */
export async function recordSuccess(
  connection: Connection,
  runId: number,
  task: Task,
  rows: number,
  checksum: string,
  durationMs: number,
): Promise<void> {
  await recordSuccesses(connection, runId, [{ task, rows, checksum, durationMs }]);
}

/** Several partitions' successes, two statements in all, in the caller's transaction. */
export async function recordSuccesses(connection: Connection, runId: number, successes: readonly Success[]): Promise<void> {
  await writePartitionStates(
    connection,
    successes.map(({ task, rows, checksum }) => ({
      pipeline: task.pipeline.name,
      partition: task.partition,
      definitionHash: task.pipeline.definitionHash,
      inputVersion: task.inputVersion,
      rows,
      checksum,
      runId,
    })),
  );
  await recordPartitionRuns(
    connection,
    runId,
    successes.map(({ task, rows, checksum, durationMs }) => ({
      pipeline: task.pipeline.name,
      partition: task.partition,
      reason: task.reason,
      status: 'succeeded' as const,
      rows,
      checksum,
      definitionHash: task.pipeline.definitionHash,
      inputVersion: task.inputVersion,
      error: null,
      durationMs,
    })),
  );
}

/** A partition's failure, in the ledger only: its state (and its rows) stay as they were. */
export async function recordFailure(
  connection: Connection,
  runId: number,
  task: Task,
  error: string,
  durationMs: number,
): Promise<void> {
  await recordPartitionRun(connection, runId, {
    pipeline: task.pipeline.name,
    partition: task.partition,
    reason: task.reason,
    status: 'failed',
    rows: null,
    checksum: null,
    definitionHash: task.pipeline.definitionHash,
    inputVersion: task.inputVersion,
    error,
    durationMs,
  });
}

export function failedRun(task: Task, error: string, durationMs: number): PartitionRun {
  return {
    pipeline: task.pipeline.name,
    partition: task.partition,
    status: 'failed',
    reason: task.reason,
    rows: null,
    checksum: null,
    error,
    durationMs,
  };
}

const CONFLICT = /conflict/i;

/**
 * Computes one output partition from exactly its input dates and replaces its rows in one transaction,
 * with the partition's new state and history row: a crash or cancel at any moment leaves it as before
 * or as after, never doubled or half-written. A partition being rebuilt records its state when the
 * rebuilt table is swapped in (finishRebuild).
 */
export async function writePartition(
  connection: Connection,
  catalogName: string,
  runId: number,
  task: Task,
  signal?: AbortSignal,
): Promise<PartitionRun> {
  const started = performance.now();
  const { pipeline, partition } = task;
  const { start, end } = inputRange(partition, pipeline.grain);
  const table = ident(task.target);
  const column = ident(pipeline.partitionColumn);
  const p = `DATE ${literal(partition)}`;
  // A temporary view named events shadows the catalog's for this connection only: the pipeline's SQL
  // runs unchanged over exactly its input dates.
  await connection.run(
    `CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM ${ident(catalogName)}.main.events
     WHERE event_date BETWEEN DATE ${literal(start)} AND DATE ${literal(end)}`,
  );
  for (let attempt = 0; ; attempt++) {
    try {
      return await connection.transaction(async () => {
        if (!task.rebuild) await connection.run(`DELETE FROM ${table} WHERE ${column} = ${p}`, undefined, { signal });
        await connection.run(`INSERT INTO ${table} SELECT * FROM (${pipeline.sql}) AS q WHERE ${column} = ${p}`, undefined, {
          signal,
        });
        const summary = await connection.one<{ rows: number; checksum: string }>(
          `SELECT count(*)::DOUBLE AS rows,
             md5(coalesce(string_agg(CAST(r AS VARCHAR), chr(10) ORDER BY CAST(r AS VARCHAR)), '')) AS checksum
           FROM ${table} AS r WHERE ${column} = ${p}`,
        );
        const rows = Number(summary?.rows ?? 0);
        const checksum = summary?.checksum ?? '';
        if (!task.rebuild) await recordSuccess(connection, runId, task, rows, checksum, Math.round(performance.now() - started));
        return {
          pipeline: pipeline.name,
          partition,
          status: 'succeeded' as const,
          reason: task.reason,
          rows,
          checksum,
          error: null,
          durationMs: Math.round(performance.now() - started),
        };
      });
    } catch (error) {
      if (signal?.aborted || error instanceof CancelledError) throw new CancelledError();
      // Partitions are disjoint, so a write-write conflict is a transient of optimistic concurrency.
      if (CONFLICT.test(errorMessage(error)) && attempt < 3) continue;
      throw error;
    }
  }
}

/**
 * Swaps a rebuilt table in, with every partition's state, in one transaction, if every partition succeeded;
 * otherwise drops it, and every partition of the rebuild is a failure (the old table serves on unchanged).
 */
export async function finishRebuild(
  workspace: Workspace,
  runId: number,
  pipeline: PipelineDefinition,
  target: string,
  tasks: readonly Task[],
  results: PartitionRun[],
): Promise<void> {
  const mine = results.filter((r) => r.pipeline === pipeline.name);
  const connection = workspace.catalog;
  if (mine.some((r) => r.status === 'failed')) {
    await connection.run(`DROP TABLE IF EXISTS ${ident(target)}`);
    for (const task of tasks) {
      const result = mine.find((r) => r.partition === task.partition);
      const error =
        result?.status === 'failed' ? (result.error ?? 'failed') : 'not swapped in: another partition of the rebuild failed';
      await recordFailure(connection, runId, task, error, result?.durationMs ?? 0);
      if (result && result.status === 'succeeded') Object.assign(result, { status: 'failed', error, rows: null, checksum: null });
    }
    return;
  }
  await connection.transaction(async () => {
    await connection.run(`DROP TABLE ${ident(pipeline.name)}`);
    await connection.run(`ALTER TABLE ${ident(target)} RENAME TO ${ident(pipeline.name)}`);
    await clearPartitionStates(connection, pipeline.name);
    const successes = tasks.map((task) => {
      const result = mine.find((r) => r.partition === task.partition) as PartitionRun;
      return { task, rows: result.rows ?? 0, checksum: result.checksum ?? '', durationMs: result.durationMs };
    });
    await recordSuccesses(connection, runId, successes);
  });
}
