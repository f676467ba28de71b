import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { loadPipelines, type Grain, type PipelineDefinition, type PipelineProblem } from '../kernel/pipeline/definition.js';
import { inputVersion, lastClosedPartition, partitionsWithData, type DateVersions } from './partitions.js';
import { todayIn } from '../shared/calendar.js';
import { failuresSinceSuccess, partitionStates } from './state.js';

export type StaleReason = 'never-run' | 'new-data' | 'definition-changed';

export interface PartitionStatus {
  partition: string;
  fresh: boolean;
  /** Why it needs a run; absent when fresh. */
  reason?: StaleReason;
  /** The last successful run of this partition (`ranAt` in ISO 8601, UTC). */
  lastRun?: { runId: number; ranAt: string };
  rows?: number;
  checksum?: string;
  /** The error of a failed run after the last success. */
  lastError?: { runId: number; error: string };
  inputVersion: string;
}

export interface PipelineStatus {
  name: string;
  file: string;
  grain: Grain;
  realtime: boolean;
  description: string;
  definitionHash: string;
  partitionColumn: string;
  /** The newest partition up to which every partition with data is fresh; null when the oldest is stale. */
  watermark: string | null;
  partitions: PartitionStatus[];
}

export interface WorkspaceStatus {
  pipelines: PipelineStatus[];
  problems: PipelineProblem[];
}

export async function dateVersions(connection: Connection): Promise<DateVersions> {
  const rows = await connection.all<{ d: string; v: number }>(
    // The lake's view of when each date last changed: a partition whose input dates changed since its run is stale.
    `SELECT strftime(event_date, '%Y-%m-%d') AS d, version::DOUBLE AS v FROM lake_date_versions`,
  );
  return new Map(rows.map((r) => [r.d, Number(r.v)]));
}

export function watermarkOf(partitions: PartitionStatus[]): string | null {
  let watermark: string | null = null;
  for (const p of partitions) {
    if (!p.fresh) break;
    watermark = p.partition;
  }
  return watermark;
}

/** Every partition of a pipeline that has input data, fresh or stale and why. */
export async function pipelineStatus(
  connection: Connection,
  pipeline: PipelineDefinition,
  versions: DateVersions,
  today?: string,
): Promise<PipelineStatus> {
  const states = new Map((await partitionStates(connection, pipeline.name)).map((s) => [s.partition, s]));
  const failures = await failuresSinceSuccess(connection, pipeline.name);
  const partitions = partitionsWithData(pipeline.grain, versions).map((partition): PartitionStatus => {
    const version = inputVersion(partition, pipeline.grain, versions);
    const state = states.get(partition);
    const status: PartitionStatus = { partition, fresh: false, inputVersion: version };
    if (state) {
      status.lastRun = { runId: state.runId, ranAt: state.ranAt };
      status.rows = state.rows;
      status.checksum = state.checksum;
    }
    const failure = failures.get(partition);
    if (failure) status.lastError = failure;
    if (!state) status.reason = 'never-run';
    else if (state.definitionHash !== pipeline.definitionHash) status.reason = 'definition-changed';
    else if (state.inputVersion !== version) status.reason = 'new-data';
    else status.fresh = true;
    return status;
  });
  return {
    name: pipeline.name,
    file: pipeline.file,
    grain: pipeline.grain,
    realtime: pipeline.realtime,
    description: pipeline.description,
    definitionHash: pipeline.definitionHash,
    partitionColumn: pipeline.partitionColumn,
    watermark: cappedWatermark(watermarkOf(partitions), pipeline.grain, today ?? (await sessionToday(connection))),
    partitions,
  };
}

/**
 * The watermark never passes the last closed partition: a partition with events dated after today (a clock set
 * wrong, a test event) is not covered by the batch while events for today and later can still arrive, or every live
 * event of today would count as late.
 */
function cappedWatermark(watermark: string | null, grain: Grain, today: string): string | null {
  if (watermark === null) return null;
  const closed = lastClosedPartition(today, grain);
  return watermark < closed ? watermark : closed;
}

/** Today in the time zone the connection reads times in (the workspace's). */
async function sessionToday(connection: Connection): Promise<string> {
  const row = await connection.one<{ tz: string }>(`SELECT current_setting('TimeZone') AS tz`);
  return todayIn(row?.tz ?? 'UTC');
}

/** For each pipeline, every partition: fresh or stale and why, last run, rows, checksum; and its watermark. */
export async function workspaceStatus(workspace: Workspace): Promise<WorkspaceStatus> {
  const { pipelines, problems } = await loadPipelines(workspace.catalog, workspace.paths.pipelines);
  const versions = await dateVersions(workspace.catalog);
  const statuses: PipelineStatus[] = [];
  for (const pipeline of pipelines) statuses.push(await pipelineStatus(workspace.catalog, pipeline, versions));
  return { pipelines: statuses, problems };
}
