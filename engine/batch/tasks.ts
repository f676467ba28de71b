import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { CATALOG_NAMES } from '../kernel/workspace/catalog.js';
import { UserError } from '../kernel/util/errors.js';
import type { PipelineDefinition, PipelineProblem } from '../kernel/pipeline/definition.js';
import { inputRange } from './partitions.js';
import { dateVersions, pipelineStatus } from './status.js';
import { failedPartitionsOf, runExists, type RunReason } from './ledger.js';

/** One partition a run computes, and why. */
export interface Task {
  pipeline: PipelineDefinition;
  partition: string;
  reason: RunReason;
  inputVersion: string;
  /** The table rows go to: the summary table, or a new table being rebuilt after a schema change. */
  target: string;
  rebuild: boolean;
}

export type SelectedTask = Omit<Task, 'target' | 'rebuild'>;

export interface TaskRequest {
  /** Pipelines to run (default: all). */
  pipelines?: string[];
  /** Recompute the partitions whose input dates meet this range (a backfill), inclusive. */
  from?: string;
  to?: string;
  /** Recompute every partition. */
  full?: boolean;
  /** Re-run only the partitions that failed in this run. */
  retry?: number;
}

/**
 * The pipelines a run covers, from those the workspace loaded: the ones asked for (every one by default; a name no
 * pipeline file has is an error), with the files that did not load as problems, and a pipeline named like a catalog
 * table reported as a problem rather than run.
 */
export function choosePipelines(
  loaded: { pipelines: PipelineDefinition[]; problems: PipelineProblem[] },
  names: readonly string[] | undefined,
): { pipelines: PipelineDefinition[]; problems: PipelineProblem[] } {
  const known = new Set([...loaded.pipelines.map((p) => p.name), ...loaded.problems.map((p) => p.name)]);
  for (const name of names ?? []) {
    if (!known.has(name))
      throw new UserError(`No pipeline named ${name}; the workspace has: ${[...known].sort().join(', ') || 'none'}`);
  }
  const wanted = (name: string) => !names?.length || names.includes(name);
  const problems = loaded.problems.filter((p) => wanted(p.name));
  for (const pipeline of loaded.pipelines.filter((p) => wanted(p.name) && CATALOG_NAMES.includes(p.name))) {
    problems.push({
      name: pipeline.name,
      file: pipeline.file,
      error: `${pipeline.name} is a name the catalog uses; rename the file`,
    });
  }
  return { pipelines: loaded.pipelines.filter((p) => wanted(p.name) && !CATALOG_NAMES.includes(p.name)), problems };
}

/**
 * The partitions a run computes, each with why: the stale ones by default, those whose input dates meet a range, every
 * one with `full`, or a previous run's failed ones with `retry`.
 */
export async function selectTasks(
  workspace: Workspace,
  pipelines: readonly PipelineDefinition[],
  request: TaskRequest,
): Promise<SelectedTask[]> {
  const versions = await dateVersions(workspace.catalog);
  let retry: Set<string> | undefined;
  if (request.retry !== undefined) {
    if (!(await runExists(workspace.catalog, request.retry)))
      throw new UserError(`There is no run ${request.retry}; see recount runs`);
    retry = await failedPartitionsOf(workspace.catalog, request.retry);
  }
  const tasks: SelectedTask[] = [];
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

/**
 * A pipeline's tasks once its table is prepared. A rebuild (its columns changed) computes every partition with data
 * into the new table, those not selected as `definition-changed`, since the new table replaces the old one whole.
 */
export async function pipelineTasks(
  connection: Connection,
  pipeline: PipelineDefinition,
  selected: readonly SelectedTask[],
  prepared: { target: string; rebuild: boolean },
): Promise<Task[]> {
  if (!prepared.rebuild) return selected.map((t) => ({ ...t, ...prepared }));
  const status = await pipelineStatus(connection, pipeline, await dateVersions(connection));
  return status.partitions.map((p) => ({
    pipeline,
    partition: p.partition,
    reason: selected.find((t) => t.partition === p.partition)?.reason ?? 'definition-changed',
    inputVersion: p.inputVersion,
    ...prepared,
  }));
}
