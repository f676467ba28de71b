import type { Workspace } from '../kernel/workspace/workspace.js';
import { loadPipeline, isProblem, type PipelineDefinition } from '../kernel/pipeline/definition.js';
import { inputRange, partitionOf } from '../batch/partitions.js';
import { dateVersions, pipelineStatus } from '../batch/status.js';
import { UserError } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import { join } from 'node:path';
import type { LiveView } from '../speed/live-view.js';
import { lakeEvents, readRows, runOver, union, type Row } from './event-sets.js';

export type ServedSource = 'batch' | 'live' | 'merged';

export interface ServedPartition {
  partition: string;
  source: ServedSource;
  rows: Row[];
}

export interface ServedView {
  pipeline: string;
  watermark: string | null;
  partitions: ServedPartition[];
}

export async function loadRealtimePipeline(workspace: Workspace, name: string): Promise<PipelineDefinition> {
  const loaded = await loadPipeline(workspace.catalog, join(workspace.paths.pipelines, `${name}.sql`)).catch(() => undefined);
  if (!loaded) throw new UserError(`No pipeline named ${name}`);
  if (isProblem(loaded)) throw new UserError(`${loaded.file}: ${loaded.error}`);
  return loaded;
}

/** Live exact events that the lake does not hold yet: what the batch layer cannot have counted. */
export function liveOnlyEvents(workspace: Workspace, view: LiveView): string {
  return `SELECT * EXCLUDE (_arrival) FROM ${view.exactEventsTable} e
    WHERE NOT EXISTS (SELECT 1 FROM ${ident(workspace.catalogName)}.main.events l WHERE l.event_id = e.event_id)`;
}

/** Rows in key order, so that served rows compare equal however they were computed. */
function sortRows(rows: Row[]): Row[] {
  const key = (r: Row) => JSON.stringify(Object.values(r));
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The served (Lambda) view of a realtime pipeline: batch rows up to the batch watermark, live rows after
 * it. A partition that holds events on both sides of that line (late events for a partition the batch
 * already covered, or imported events for one it has not run yet) is recounted over the lake's events and
 * the live events the lake lacks, together. So no event is missed or counted twice at the boundary.
 */
export async function servedView(workspace: Workspace, view: LiveView | undefined, name: string): Promise<ServedView> {
  const pipeline = await loadRealtimePipeline(workspace, name);
  const connection = await workspace.connect();
  try {
    const versions = await dateVersions(connection);
    const status = await pipelineStatus(connection, pipeline, versions);
    const watermark = status.watermark;
    const live = view?.ready && view.modes.includes('exact') ? view : undefined;
    const liveOnlyDates = live
      ? (
          await connection.all<{ d: string }>(
            `SELECT DISTINCT strftime(event_date, '%Y-%m-%d') AS d FROM (${liveOnlyEvents(workspace, live)})`,
          )
        ).map((r) => r.d)
      : [];
    const liveOnlyPartitions = new Set(liveOnlyDates.map((d) => partitionOf(d, pipeline.grain)));
    const livePartitions = new Set(live ? live.rows(name, 'exact').map((r) => String(r[pipeline.partitionColumn])) : []);
    const lakePartitions = new Set(status.partitions.map((p) => p.partition));
    const all = [...new Set([...lakePartitions, ...liveOnlyPartitions, ...livePartitions])].sort();

    const batchTable = await connection.one(`SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $name`, {
      name,
    });
    const batchRows = batchTable ? await readRows(connection, `SELECT * FROM ${ident(pipeline.name)}`) : [];
    const liveRows = live ? live.rows(name, 'exact') : [];
    const partitions: ServedPartition[] = [];
    for (const partition of all) {
      const inBatch = watermark !== null && partition <= watermark;
      const byPartition = (rows: Row[]) => rows.filter((r) => String(r[pipeline.partitionColumn]) === partition);
      if (inBatch && !liveOnlyPartitions.has(partition)) {
        partitions.push({ partition, source: 'batch', rows: byPartition(batchRows) });
      } else if (!inBatch && !lakePartitions.has(partition)) {
        partitions.push({ partition, source: 'live', rows: byPartition(liveRows) });
      } else {
        const { start, end } = inputRange(partition, pipeline.grain);
        const range = `event_date BETWEEN DATE ${literal(start)} AND DATE ${literal(end)}`;
        const sets = [lakeEvents(workspace.catalogName, range)];
        if (live) sets.push(`SELECT * FROM (${liveOnlyEvents(workspace, live)}) WHERE ${range}`);
        partitions.push({ partition, source: 'merged', rows: await runOver(connection, pipeline, union(...sets), [partition]) });
      }
    }
    for (const p of partitions) p.rows = sortRows(p.rows);
    return { pipeline: name, watermark, partitions };
  } finally {
    connection.close();
  }
}
