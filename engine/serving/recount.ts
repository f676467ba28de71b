import { todayIn } from '../shared/calendar.js';
import { lastClosedPartition } from '../batch/partitions.js';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { OperationOptions } from '../shared/progress.js';
import { importFile, type ImportFileResult } from '../lake/import.js';
import { lastImportedLine } from '../lake/catalog.js';
import { runPipelines, type RunResult } from '../batch/runner.js';
import { loadPipelines } from '../kernel/pipeline/definition.js';
import { dateVersions, pipelineStatus } from '../batch/status.js';
import { inputRange } from '../batch/partitions.js';
import type { LiveView } from '../speed/live-view.js';
import { importStream, type StreamImportResult } from './stream-import.js';

export interface RecountResult {
  import: ImportFileResult;
  run: RunResult;
  /** The last log line the lake now holds: compare through it to see exactly what this recount explained. */
  throughLine: number;
  /** What the live view could let go of because the batch layer now covers it. */
  released?: { groups: number; events: number };
}

/**
 * Recount: imports what the log holds beyond its last import (complete lines only; a line still being
 * written waits for the next recount), then runs the partitions that made stale. Afterwards the batch
 * layer has counted every event the log had, so the differences between realtime and batch that came
 * from events not yet in the lake are gone.
 */
export async function recount(
  workspace: Workspace,
  log: string,
  options: OperationOptions & { view?: LiveView; today?: string } = {},
): Promise<RecountResult> {
  const imported = await importFile(workspace, log, { holdIncompleteTail: true, ...options });
  const run = await runPipelines(workspace, { ...options, command: `recount ${log}` });
  const result: RecountResult = {
    import: imported,
    run,
    // A recount that found nothing new imported nothing: the lake holds the log through where its last import ended.
    throughLine: imported.range?.linesTo ?? (await lastImportedLine(workspace.catalog, imported.path)),
  };
  if (options.view) result.released = await releaseCovered(workspace, options.view, options.today);
  return result;
}

/** A recount of a RabbitMQ stream: what it imported, by offset (the lake's line of offset o is o + 1). */
export interface StreamRecountResult extends RecountResult {
  stream: Omit<StreamImportResult, 'import'>;
}

/**
 * Recount of a stream: imports its messages through the offset its tail applied (all it retains when no tail ran),
 * after those the lake holds, then runs the partitions that made stale.
 */
export async function recountStream(
  workspace: Workspace,
  source: { url: string; stream: string },
  options: OperationOptions & { view?: LiveView; today?: string } = {},
): Promise<StreamRecountResult> {
  const { import: imported, ...stream } = await importStream(workspace, source, options);
  const run = await runPipelines(workspace, { ...options, command: `recount ${stream.source}` });
  const result: StreamRecountResult = { import: imported, run, throughLine: (stream.through ?? -1) + 1, stream };
  if (options.view) result.released = await releaseCovered(workspace, options.view, options.today);
  return result;
}

export { todayIn, lastClosedPartition };

/**
 * Lets a live view drop state for partitions the batch layer now covers (bounded memory). Partitions
 * still open (today's day, week or month) stay live even when the batch has run them: events for them
 * keep arriving, and the live view's running totals for them are what the analyst watches.
 */
export async function releaseCovered(
  workspace: Workspace,
  view: LiveView,
  today = todayIn(workspace.settings.timezone),
): Promise<{ groups: number; events: number }> {
  const { pipelines } = await loadPipelines(workspace.catalog, workspace.paths.pipelines);
  const versions = await dateVersions(workspace.catalog);
  const watermarks: Record<string, string | null> = {};
  const covered: (string | null)[] = [];
  for (const pipeline of pipelines.filter((p) => view.pipelines.includes(p.name))) {
    const batch = (await pipelineStatus(workspace.catalog, pipeline, versions)).watermark;
    const closed = lastClosedPartition(today, pipeline.grain);
    const watermark = batch === null ? null : batch < closed ? batch : closed;
    watermarks[pipeline.name] = watermark;
    covered.push(watermark ? inputRange(watermark, pipeline.grain).end : null);
  }
  // Events can go once every realtime pipeline's batch covers their date.
  const eventsThrough = covered.length === 0 || covered.includes(null) ? null : ([...covered].sort()[0] as string);
  return view.release(watermarks, eventsThrough);
}
