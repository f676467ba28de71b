import { availableParallelism, hostname, userInfo } from 'node:os';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { CATALOG_NAMES } from '../kernel/workspace/catalog.js';
import { CancelledError, UserError, errorMessage } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import type { OperationOptions } from '../shared/progress.js';
import { loadPipelines, type PipelineDefinition, type PipelineProblem } from '../kernel/pipeline/definition.js';
import { inputRange } from './partitions.js';
import { dateVersions, pipelineStatus, type StaleReason } from './status.js';

export type RunReason = StaleReason | 'requested';
export type RunStatus = 'succeeded' | 'partial' | 'failed' | 'nothing-to-do';

export interface RunRequest extends OperationOptions {
  /** Pipelines to run (default: all). */
  pipelines?: string[];
  /** Recompute the partitions whose input dates meet this range (a backfill), inclusive. */
  from?: string;
  to?: string;
  /** Recompute every partition. */
  full?: boolean;
  /** Re-run only the partitions that failed in this run. */
  retry?: number;
  /** How the run was asked for, for the history ("recount run --full"). */
  command?: string;
}

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

export interface RunResult {
  runId: number | null;
  status: RunStatus;
  partitions: PartitionRun[];
  /** Pipeline files that do not parse or are not valid pipelines: reported, never run. */
  problems: PipelineProblem[];
  durationMs: number;
  /** The run was cancelled: partitions that had not finished are listed as failed with why. */
  cancelled?: boolean;
}

interface Task {
  pipeline: PipelineDefinition;
  partition: string;
  reason: RunReason;
  inputVersion: string;
  /** The table rows go to: the summary table, or a new table being rebuilt after a schema change. */
  target: string;
  rebuild: boolean;
}

async function nextRunId(connection: Connection): Promise<number> {
  const row = await connection.one<{ id: number }>('SELECT (coalesce(max(run_id), 0) + 1)::DOUBLE AS id FROM runs');
  return Number(row?.id ?? 1);
}

function runBy(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
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
async function prepareTable(
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

const CONFLICT = /conflict/i;

/**
 * Computes one output partition from exactly its input dates and replaces its rows in one transaction,
 * with the partition's new state and history row: a crash or cancel at any moment leaves it as before
 * or as after, never doubled or half-written.
 */
async function runPartition(
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

async function recordSuccess(
  connection: Connection,
  runId: number,
  task: Task,
  rows: number,
  checksum: string,
  durationMs: number,
): Promise<void> {
  const values = {
    pipeline: task.pipeline.name,
    partition: task.partition,
    hash: task.pipeline.definitionHash,
    version: task.inputVersion,
    rows,
    checksum,
    run: runId,
  };
  await connection.run(
    `INSERT OR REPLACE INTO pipeline_partitions VALUES ($pipeline, CAST($partition AS DATE), $hash, $version, $rows, $checksum, $run, now())`,
    values,
  );
  await connection.run(
    `INSERT INTO run_partitions VALUES ($run, $pipeline, CAST($partition AS DATE), $reason, 'succeeded', $rows, $checksum, $hash, $version, NULL, $duration)`,
    { ...values, reason: task.reason, duration: durationMs },
  );
}

async function recordFailure(
  connection: Connection,
  runId: number,
  task: Task,
  error: string,
  durationMs: number,
): Promise<void> {
  await connection.run(
    `INSERT INTO run_partitions VALUES ($run, $pipeline, CAST($partition AS DATE), $reason, 'failed', NULL, NULL, $hash, $version, $error, $duration)`,
    {
      run: runId,
      pipeline: task.pipeline.name,
      partition: task.partition,
      reason: task.reason,
      hash: task.pipeline.definitionHash,
      version: task.inputVersion,
      error,
      duration: durationMs,
    },
  );
}

/** Selects the partitions a run computes, each with why. */
async function selectTasks(
  workspace: Workspace,
  pipelines: PipelineDefinition[],
  request: RunRequest,
): Promise<Omit<Task, 'target' | 'rebuild'>[]> {
  const versions = await dateVersions(workspace.catalog);
  let retry: Set<string> | undefined;
  if (request.retry !== undefined) {
    const exists = await workspace.catalog.one('SELECT 1 FROM runs WHERE run_id = $id', { id: request.retry });
    if (!exists) throw new UserError(`There is no run ${request.retry}; see recount runs`);
    const failed = await workspace.catalog.all<{ pipeline: string; partition: string }>(
      `SELECT pipeline, strftime(partition, '%Y-%m-%d') AS partition FROM run_partitions WHERE run_id = $id AND status = 'failed'`,
      { id: request.retry },
    );
    retry = new Set(failed.map((f) => `${f.pipeline}|${f.partition}`));
  }
  const tasks: Omit<Task, 'target' | 'rebuild'>[] = [];
  for (const pipeline of pipelines) {
    const status = await pipelineStatus(workspace.catalog, pipeline, versions);
    for (const p of status.partitions) {
      let reason: RunReason | undefined;
      if (retry) reason = retry.has(`${pipeline.name}|${p.partition}`) ? 'requested' : undefined;
      else if (request.full) reason = p.reason ?? 'requested';
      else if (request.from !== undefined || request.to !== undefined) {
        const { start, end } = inputRange(p.partition, pipeline.grain);
        const inRange = (request.from === undefined || end >= request.from) && (request.to === undefined || start <= request.to);
        reason = inRange ? 'requested' : undefined;
      } else reason = p.reason;
      if (reason) tasks.push({ pipeline, partition: p.partition, reason, inputVersion: p.inputVersion });
    }
  }
  return tasks;
}

function checkDate(name: string, value: string | undefined): void {
  if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UserError(`--${name} must be a date, YYYY-MM-DD`);
}

/**
 * Runs summary pipelines partition by partition: only stale partitions by default, a range on request,
 * everything with `full`, or a previous run's failed partitions with `retry`. Partitions run in parallel
 * on their own connections; one that fails does so alone, with its error, while the others commit.
 */
export async function runPipelines(workspace: Workspace, request: RunRequest = {}): Promise<RunResult> {
  checkDate('from', request.from);
  checkDate('to', request.to);
  return workspace.exclusive(() => runUnlocked(workspace, request));
}

async function runUnlocked(workspace: Workspace, request: RunRequest): Promise<RunResult> {
  const started = performance.now();
  const loaded = await loadPipelines(workspace.catalog, workspace.paths.pipelines);
  const known = new Set([...loaded.pipelines.map((p) => p.name), ...loaded.problems.map((p) => p.name)]);
  for (const name of request.pipelines ?? []) {
    if (!known.has(name))
      throw new UserError(`No pipeline named ${name}; the workspace has: ${[...known].sort().join(', ') || 'none'}`);
  }
  const wanted = (name: string) => !request.pipelines?.length || request.pipelines.includes(name);
  const problems = loaded.problems.filter((p) => wanted(p.name));
  for (const pipeline of loaded.pipelines.filter((p) => wanted(p.name) && CATALOG_NAMES.includes(p.name))) {
    problems.push({
      name: pipeline.name,
      file: pipeline.file,
      error: `${pipeline.name} is a name the catalog uses; rename the file`,
    });
  }
  const pipelines = loaded.pipelines.filter((p) => wanted(p.name) && !CATALOG_NAMES.includes(p.name));
  const selected = await selectTasks(workspace, pipelines, request);
  if (selected.length === 0 && problems.length === 0) {
    return {
      runId: null,
      status: 'nothing-to-do',
      partitions: [],
      problems,
      durationMs: Math.round(performance.now() - started),
    };
  }

  const runId = await nextRunId(workspace.catalog);
  const command = request.command ?? 'run';
  await workspace.catalog.run(
    `INSERT INTO runs VALUES ($id, now(), NULL, $by, $command, 'running', CAST($pipelines AS VARCHAR[]), $n, 0, 0, 0, NULL, NULL)`,
    {
      id: runId,
      by: runBy(),
      command,
      pipelines: `[${[...new Set(selected.map((t) => t.pipeline.name))].join(', ')}]`,
      n: selected.length,
    },
  );

  // Prepare each pipeline's table once; a definition whose columns changed is rebuilt whole.
  const tasks: Task[] = [];
  const rebuilds = new Map<string, { pipeline: PipelineDefinition; target: string; tasks: Task[] }>();
  const results: PartitionRun[] = [];
  for (const pipeline of pipelines) {
    const mine = selected.filter((t) => t.pipeline === pipeline);
    if (mine.length === 0) continue;
    let prepared: { target: string; rebuild: boolean };
    try {
      prepared = await prepareTable(workspace.catalog, pipeline, runId);
    } catch (error) {
      // A definition that does not bind (a column that does not exist, a type error) fails all its partitions here.
      problems.push({ name: pipeline.name, file: pipeline.file, error: errorMessage(error) });
      continue;
    }
    let pipelineTasks = mine.map((t) => ({ ...t, ...prepared }));
    if (prepared.rebuild) {
      const status = await pipelineStatus(workspace.catalog, pipeline, await dateVersions(workspace.catalog));
      pipelineTasks = status.partitions.map((p) => ({
        pipeline,
        partition: p.partition,
        reason: mine.find((t) => t.partition === p.partition)?.reason ?? 'definition-changed',
        inputVersion: p.inputVersion,
        ...prepared,
      }));
      rebuilds.set(pipeline.name, { pipeline, target: prepared.target, tasks: pipelineTasks });
    }
    tasks.push(...pipelineTasks);
  }

  const catalogName = workspace.catalogName;
  let done = 0;
  let cancelled = false;
  request.onProgress?.({ phase: 'running partitions', done, total: tasks.length, unit: 'partitions' });
  const queue = [...tasks];
  const workers = Math.max(1, Math.min(availableParallelism(), queue.length));
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const connection = await workspace.connect();
      try {
        for (let task = queue.shift(); task; task = queue.shift()) {
          const taskStarted = performance.now();
          if (cancelled || request.signal?.aborted) {
            cancelled = true;
            results.push(failed(task, 'cancelled before it started', 0));
            continue;
          }
          try {
            results.push(await runPartition(connection, catalogName, runId, task, request.signal));
          } catch (error) {
            const message = error instanceof CancelledError ? 'cancelled' : errorMessage(error);
            if (error instanceof CancelledError) cancelled = true;
            const duration = Math.round(performance.now() - taskStarted);
            results.push(failed(task, message, duration));
            if (!task.rebuild) await recordFailure(connection, runId, task, message, duration);
          }
          done++;
          request.onProgress?.({ phase: 'running partitions', done, total: tasks.length, unit: 'partitions' });
        }
      } finally {
        connection.close();
      }
    }),
  );

  for (const { pipeline, target, tasks: rebuilt } of rebuilds.values())
    await finishRebuild(workspace, runId, pipeline, target, rebuilt, results);

  const succeeded = results.filter((r) => r.status === 'succeeded').length;
  const failedCount = results.length - succeeded;
  const status: RunStatus = failedCount === 0 && problems.length === 0 ? 'succeeded' : succeeded === 0 ? 'failed' : 'partial';
  const rows = results.reduce((sum, r) => sum + (r.rows ?? 0), 0);
  const durationMs = Math.round(performance.now() - started);
  await workspace.catalog.run(
    `UPDATE runs SET finished_at = now(), status = $status, partitions = $n, succeeded = $ok, failed = $failed, rows = $rows, duration_ms = $duration, error = $error
     WHERE run_id = $id`,
    {
      id: runId,
      status: cancelled ? `${status} (cancelled)` : status,
      n: results.length,
      ok: succeeded,
      failed: failedCount,
      rows,
      duration: durationMs,
      error: problems.length ? problems.map((p) => `${p.file}: ${p.error}`).join('\n') : null,
    },
  );
  await workspace.catalog.run('CHECKPOINT').catch(() => {});
  results.sort((a, b) =>
    a.pipeline === b.pipeline ? a.partition.localeCompare(b.partition) : a.pipeline.localeCompare(b.pipeline),
  );
  return { runId, status, partitions: results, problems, durationMs, ...(cancelled ? { cancelled } : {}) };
}

function failed(task: Task, error: string, durationMs: number): PartitionRun {
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

/** Swaps a rebuilt table in, with every partition's state, in one transaction, if every partition succeeded. */
async function finishRebuild(
  workspace: Workspace,
  runId: number,
  pipeline: PipelineDefinition,
  target: string,
  tasks: Task[],
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
    await connection.run(`DELETE FROM pipeline_partitions WHERE pipeline = $name`, { name: pipeline.name });
    for (const task of tasks) {
      const result = mine.find((r) => r.partition === task.partition) as PartitionRun;
      await recordSuccess(connection, runId, task, result.rows ?? 0, result.checksum ?? '', result.durationMs);
    }
  });
}
