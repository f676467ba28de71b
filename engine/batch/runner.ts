import { availableParallelism } from 'node:os';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { CancelledError, UserError, errorMessage } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import { loadPipelines, type PipelineDefinition, type PipelineProblem } from '../kernel/pipeline/definition.js';
import { beginRun, finishRun, nextRunId, type RunStatus } from './ledger.js';
import { choosePipelines, pipelineTasks, selectTasks, type Task, type TaskRequest } from './tasks.js';
import { failedRun, finishRebuild, prepareTable, recordFailure, writePartition, type PartitionRun } from './partition-write.js';
import { writePartitions } from './chunk-write.js';
import { isPartitionLocal } from './locality.js';
import { datesBetween, inputRange } from '../shared/calendar.js';
import type { Connection } from '../kernel/workspace/db.js';

export type { RunReason, RunStatus } from './ledger.js';
export type { PartitionRun } from './partition-write.js';

export interface RunRequest extends OperationOptions, TaskRequest {
  /** How the run was asked for, for the history ("recount run --full"). */
  command?: string;
  /**
   * At most this many partitions of a partition-local pipeline in one query (default: up to two months of input
   * days); 1 runs every partition by itself, as a pipeline that is not partition-local always runs.
   */
  partitionsPerQuery?: number;
}

export interface RunResult {
  runId: number | null;
  status: RunStatus;
  partitions: PartitionRun[];
  /** Pipeline files that do not parse or are not valid pipelines: reported, never run. */
  problems: PipelineProblem[];
  durationMs: number;
  /** The run was cancelled: partitions that had not finished are listed as failed with why. */
  cancelled: boolean;
}

function checkDate(name: string, value: string | undefined): void {
  if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UserError(`--${name} must be a date, YYYY-MM-DD`);
}

/**
 * Runs summary pipelines partition by partition: only stale partitions by default, a range on request,
 * everything with `full`, or a previous run's failed partitions with `retry`. A partition-local pipeline computes
 * many partitions with one query and commits them together; others run one query a partition. Work runs in parallel
 * on its own connections; a partition that fails does so alone, with its error, while the others commit.
 */
export async function runPipelines(workspace: Workspace, request: RunRequest = {}): Promise<RunResult> {
  checkDate('from', request.from);
  checkDate('to', request.to);
  return workspace.exclusive(() => runUnlocked(workspace, request));
}

interface Rebuild {
  pipeline: PipelineDefinition;
  target: string;
  tasks: Task[];
}

async function runUnlocked(workspace: Workspace, request: RunRequest): Promise<RunResult> {
  const started = performance.now();
  const loaded = await loadPipelines(workspace.catalog, workspace.paths.pipelines);
  const { pipelines, problems } = choosePipelines(loaded, request.pipelines);
  const selected = await selectTasks(workspace, pipelines, request);
  if (selected.length === 0 && problems.length === 0) {
    return {
      runId: null,
      status: 'nothing-to-do',
      partitions: [],
      problems,
      durationMs: Math.round(performance.now() - started),
      cancelled: false,
    };
  }

  const runId = await nextRunId(workspace.catalog);
  await beginRun(workspace.catalog, {
    runId,
    command: request.command ?? 'run',
    pipelines: selected.map((t) => t.pipeline.name),
    partitions: selected.length,
  });

  // Prepare each pipeline's table once; a definition whose columns changed is rebuilt whole.
  const tasks: Task[] = [];
  const units: Task[][] = [];
  const rebuilds: Rebuild[] = [];
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
    const planned = await pipelineTasks(workspace.catalog, pipeline, mine, prepared);
    if (prepared.rebuild) rebuilds.push({ pipeline, target: prepared.target, tasks: planned });
    tasks.push(...planned);
    const together = request.partitionsPerQuery !== 1 && (await isPartitionLocal(workspace.catalog, pipeline));
    units.push(...(together ? chunks(planned, request.partitionsPerQuery) : planned.map((t) => [t])));
  }

  const { results, cancelled } = await runUnits(workspace, runId, units, tasks.length, request);
  for (const { pipeline, target, tasks: rebuilt } of rebuilds)
    await finishRebuild(workspace, runId, pipeline, target, rebuilt, results);

  const succeeded = results.filter((r) => r.status === 'succeeded').length;
  const failed = results.length - succeeded;
  const status = failed === 0 && problems.length === 0 ? 'succeeded' : succeeded === 0 ? 'failed' : 'partial';
  const durationMs = Math.round(performance.now() - started);
  await finishRun(workspace.catalog, runId, {
    status,
    cancelled,
    partitions: results.length,
    succeeded,
    failed,
    rows: results.reduce((sum, r) => sum + (r.rows ?? 0), 0),
    durationMs,
    error: problems.length ? problems.map((p) => `${p.file}: ${p.error}`).join('\n') : null,
  });
  // A big run folds its WAL into the database file at once, so the next open does not replay it; a small one leaves
  // that to DuckDB's own checkpoint when the WAL has grown.
  if (results.length >= CHECKPOINT_AFTER) await workspace.catalog.run('CHECKPOINT').catch(() => {});
  results.sort((a, b) =>
    a.pipeline === b.pipeline ? a.partition.localeCompare(b.partition) : a.pipeline.localeCompare(b.pipeline),
  );
  return { runId, status, partitions: results, problems, durationMs, cancelled };
}

/** Partitions a run writes from which it checkpoints the database when it ends. */
const CHECKPOINT_AFTER = 64;

/** Input days a query of several partitions covers at most: a month or two of a daily pipeline. */
const CHUNK_DAYS = 62;

/** A pipeline's tasks in runs of consecutive partitions, each run covering at most CHUNK_DAYS input days. */
function chunks(tasks: readonly Task[], partitionsPerQuery: number | undefined): Task[][] {
  const sorted = [...tasks].sort((a, b) => a.partition.localeCompare(b.partition));
  const out: Task[][] = [];
  let current: Task[] = [];
  let days = 0;
  for (const task of sorted) {
    const { start, end } = inputRange(task.partition, task.pipeline.grain);
    const span = datesBetween(start, end).length;
    const full = partitionsPerQuery !== undefined ? current.length >= partitionsPerQuery : days + span > CHUNK_DAYS;
    if (current.length > 0 && full) {
      out.push(current);
      current = [];
      days = 0;
    }
    current.push(task);
    days += span;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Computes the units of work (one partition, or several of a partition-local pipeline in one query) on as many
 * connections as there are cores, each taking the next unit when it is done with one. A unit of several partitions
 * that fails is run again partition by partition, so a partition that fails does so alone, with its own error.
 * After a cancel, the partitions not yet started are failures that say so.
 */
async function runUnits(
  workspace: Workspace,
  runId: number,
  units: readonly Task[][],
  total: number,
  request: RunRequest,
): Promise<{ results: PartitionRun[]; cancelled: boolean }> {
  const results: PartitionRun[] = [];
  let done = 0;
  let cancelled = false;
  const progress = () => request.onProgress?.({ phase: 'running partitions', done, total, unit: 'partitions' });
  progress();
  const queue = [...units];
  const workers = Math.max(1, Math.min(availableParallelism(), queue.length));
  const isCancel = (error: unknown) => error instanceof CancelledError || request.signal?.aborted === true;

  const one = async (connection: Connection, task: Task) => {
    const taskStarted = performance.now();
    if (cancelled || request.signal?.aborted) {
      cancelled = true;
      results.push(failedRun(task, 'cancelled before it started', 0));
      return;
    }
    try {
      results.push(await writePartition(connection, workspace.catalogName, runId, task, request.signal));
    } catch (error) {
      const message = isCancel(error) ? 'cancelled' : errorMessage(error);
      if (isCancel(error)) cancelled = true;
      const duration = Math.round(performance.now() - taskStarted);
      results.push(failedRun(task, message, duration));
      if (!task.rebuild) await recordFailure(connection, runId, task, message, duration);
    }
    done++;
    progress();
  };

  await Promise.all(
    Array.from({ length: workers }, async () => {
      const connection = await workspace.connect();
      try {
        for (let unit = queue.shift(); unit; unit = queue.shift()) {
          if (unit.length === 1 || cancelled || request.signal?.aborted) {
            for (const task of unit) await one(connection, task);
            continue;
          }
          try {
            results.push(...(await writePartitions(connection, workspace.catalogName, runId, unit, request.signal)));
            done += unit.length;
            progress();
          } catch (error) {
            if (isCancel(error)) cancelled = true;
            // Cancelled: each partition of the unit says so. Failed: each runs alone, to fail (or not) by itself.
            for (const task of unit) await one(connection, task);
          }
        }
      } finally {
        connection.close();
      }
    }),
  );
  return { results, cancelled };
}
