import type { Json } from '@duckdb/node-api';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { UserError } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import { throttled, type OperationOptions } from '../shared/progress.js';
import { addExact, exactJson, isZero, parseExact, type ExactNumber } from '../kernel/util/exact.js';
import type { PipelineDefinition } from '../kernel/pipeline/definition.js';
import { dateVersions, pipelineStatus } from '../batch/status.js';
import { partitionStates } from '../batch/state.js';
import { LiveView, type LiveRow } from '../speed/live-view.js';
import { replayLog } from '../speed/replay.js';
import { lakeEvents, readRows, runOver, type Row } from './event-sets.js';
import { liveOnlyEvents, loadRealtimePipeline, servedView } from './served.js';
import { STEPS, roundingOnly, stepSets, stepShares, type Step } from './attribution.js';
import { replayStream, type StreamToReplay } from './stream-replay.js';

/** Why batch and realtime differ: each reason is a set of events (rejected lines have no partition). */
export const REASONS = ['duplicate_arrivals', 'not_in_lake', 'late', 'not_seen_live', 'not_yet_in_batch', 'rejected'] as const;
export type Reason = (typeof REASONS)[number];

export interface ReconciliationRow {
  partition: string;
  /** Group keys beside the partition (a product, a country), when the pipeline has them. */
  key?: Record<string, Json>;
  metric: string;
  batch: number | string | null;
  realtime_naive: number | string | null;
  realtime_exact: number | string | null;
  served: number | string | null;
  /**
   * Contributions to realtime_naive − batch. For counts and sums, the pipeline run over each reason's events; for
   * other metrics (distinct counts, ratios), the metric with the reason's events minus without them, one reason at a
   * time from batch's events to realtime's (attribution.ts). Lake events the log never carried count against
   * realtime, so not_seen_live is negative.
   */
  reasons: Record<Reason, number | string | null>;
  /**
   * realtime_naive − batch − Σ reasons: 0 when the reasons explain the whole difference; otherwise the batch table is
   * not the pipeline over the lake's events as its runs saw them, or an event's live copy differs from its lake copy.
   */
  residual: number | string | null;
  additive: boolean;
}

export interface Reconciliation {
  pipeline: string;
  log: string;
  watermark: string | null;
  rows: ReconciliationRow[];
  rejectedLines: { line: number; reason: string }[];
  /** With `ids`: per partition, the event ids (or line numbers, for rejected) of each reason. */
  events?: Record<string, Partial<Record<Reason, (string | number)[]>>>;
}

export interface CompareOptions extends OperationOptions {
  ids?: boolean;
  /**
   * Replay the log only through this line: a comparison as of a recount, while a writer goes on
   * appending (lines after it are neither live nor in the lake yet, and would show as differences).
   */
  throughLine?: number;
  /**
   * Replay this RabbitMQ stream instead of a log (`log` is then its label): a message that is no event is a rejected
   * line whose number is its offset.
   */
  stream?: StreamToReplay;
}

/** Replays a log from its start into a fresh live view, keeping every arrival. */
async function replay(workspace: Workspace, log: string, pipeline: string, options: OperationOptions & { throughLine?: number }) {
  const view = await LiveView.create(workspace, { source: log, pipelines: [pipeline] });
  const rejects: { line: number; reason: string }[] = [];
  const progress = throttled(options.onProgress);
  try {
    await replayLog(
      view,
      { path: log, maxLineBytes: workspace.settings.import.maxLineBytes },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.throughLine !== undefined ? { throughLine: options.throughLine } : {}),
        onProgress: progress,
        rejected: (tailed) => rejects.push(...tailed.map((r) => ({ line: r.line, reason: r.reason }))),
        applied: (ingest, position) => {
          rejects.push(...ingest.rejects.map((r) => ({ line: r.line, reason: r.reason })));
          progress({ phase: 'replaying the log', done: position.offset, unit: 'bytes', rows: view.counters.lines });
        },
      },
    );
  } catch (error) {
    await view.close();
    throw error;
  }
  return { view, rejects: rejects.sort((a, b) => a.line - b.line) };
}

function partitionSql(pipeline: PipelineDefinition): string {
  return pipeline.grain === 'day' ? 'event_date' : `CAST(date_trunc('${pipeline.grain}', event_date) AS DATE)`;
}

/**
 * The events a stale partition's last run has not counted: lake events of dates the run did not see, or
 * imported after the import its input version recorded for their date.
 */
async function notYetInBatch(connection: Connection, workspace: Workspace, pipeline: PipelineDefinition): Promise<string> {
  const states = await partitionStates(connection, pipeline.name);
  const counted = states.flatMap((s) =>
    s.inputVersion
      .split(',')
      .filter(Boolean)
      .map((entry) => entry.split(':') as [string, string]),
  );
  const versions = counted.length
    ? `(VALUES ${counted.map(([d, v]) => `(DATE ${literal(d)}, ${Number(v)})`).join(', ')}) AS v(d, import_id)`
    : `(SELECT NULL::DATE AS d, NULL::BIGINT AS import_id WHERE false) AS v`;
  return `SELECT l.* FROM (${lakeEvents(workspace.catalogName)}) l LEFT JOIN ${versions} ON v.d = l.event_date
    WHERE v.import_id IS NULL OR l._import_id > v.import_id`;
}

function groupKey(row: Row, keys: string[]): string {
  return JSON.stringify(keys.map((k) => row[k] ?? null));
}

/**
 * Reconciles a realtime pipeline: batch, realtime naive, realtime exact and served values side by side,
 * per partition and metric, and realtime's difference from batch broken into reasons that add up to it.
 */
export async function reconcile(
  workspace: Workspace,
  name: string,
  log: string,
  options: CompareOptions = {},
): Promise<Reconciliation> {
  const pipeline = await loadRealtimePipeline(workspace, name);
  if (!pipeline.realtime)
    throw new UserError(`${name} is not a realtime pipeline (its header says realtime: false); compare needs live numbers`);
  const { view, rejects } = options.stream
    ? await replayStream(workspace, options.stream, name, options)
    : await replay(workspace, log, name, options);
  const connection = await workspace.connect();
  try {
    const incremental = view.incremental(name);
    if (!incremental)
      throw new UserError(view.problems.find((p) => p.pipeline === name)?.error ?? `${name} did not compile for the live view`);
    const keys = incremental.keyOutputs;
    const metrics = incremental.outputColumns.filter((c) => !keys.includes(c));
    const status = await pipelineStatus(connection, pipeline, await dateVersions(connection));
    const watermark = status.watermark;
    const catalog = ident(workspace.catalogName);
    const partition = partitionSql(pipeline);
    const ready = view.ready;
    const covered = (yes: boolean) =>
      watermark === null ? (yes ? 'false' : 'true') : `${partition} ${yes ? '<=' : '>'} DATE ${literal(watermark)}`;
    const empty = `SELECT * FROM (${lakeEvents(workspace.catalogName)}) WHERE false`;
    const sets: Record<Exclude<Reason, 'rejected'>, { sql: string; sign: 1 | -1 }> = {
      duplicate_arrivals: {
        sql: ready
          ? `SELECT * EXCLUDE (_arrival) FROM ${view.arrivalsTable} a WHERE NOT EXISTS (SELECT 1 FROM ${view.exactEventsTable} e WHERE e._arrival = a._arrival)`
          : empty,
        sign: 1,
      },
      not_in_lake: { sql: ready ? `SELECT * FROM (${liveOnlyEvents(workspace, view)}) WHERE ${covered(false)}` : empty, sign: 1 },
      late: { sql: ready ? `SELECT * FROM (${liveOnlyEvents(workspace, view)}) WHERE ${covered(true)}` : empty, sign: 1 },
      not_seen_live: {
        sql: ready
          ? `SELECT * FROM (${lakeEvents(workspace.catalogName)}) l WHERE NOT EXISTS (SELECT 1 FROM ${view.exactEventsTable} e WHERE e.event_id = l.event_id)`
          : lakeEvents(workspace.catalogName),
        sign: -1,
      },
      not_yet_in_batch: { sql: await notYetInBatch(connection, workspace, pipeline), sign: 1 },
    };
    const byKey = (rows: Row[]) => new Map(rows.map((r) => [groupKey(r, keys), r]));
    const batchTable = await connection.one(`SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $name`, {
      name,
    });
    const batch = byKey(batchTable ? await readRows(connection, `SELECT * FROM ${catalog}.main.${ident(name)}`) : []);
    const naive = byKey(view.rows(name, 'naive') as LiveRow[]);
    const exactRows = byKey(view.rows(name, 'exact') as LiveRow[]);
    const served = byKey((await servedView(workspace, view, name)).partitions.flatMap((p) => p.rows));
    const contributions: Partial<Record<Reason, Map<string, Row>>> = {};
    for (const [reason, set] of Object.entries(sets) as [Exclude<Reason, 'rejected'>, { sql: string }][]) {
      contributions[reason] = byKey(await runOver(connection, pipeline, set.sql));
    }
    // Metrics that do not add up over event sets: the pipeline over the sets from batch's events to realtime's.
    let steps: { before: Map<string, Row>; after: Record<Step, Map<string, Row>> } | null = null;
    if (metrics.some((m) => !(incremental.additive[m] ?? false))) {
      const lake = lakeEvents(workspace.catalogName);
      const seen = ready ? `SELECT l.* FROM (${lake}) l SEMI JOIN ${view.exactEventsTable} e ON e.event_id = l.event_id` : empty;
      const stepSql = stepSets({
        lake,
        notYetInBatch: sets.not_yet_in_batch.sql,
        lakeSeenLive: seen,
        late: sets.late.sql,
        notInLake: sets.not_in_lake.sql,
        duplicateArrivals: sets.duplicate_arrivals.sql,
      });
      const after = {} as Record<Step, Map<string, Row>>;
      for (const step of STEPS) after[step] = byKey(await runOver(connection, pipeline, stepSql.after[step]));
      steps = { before: byKey(await runOver(connection, pipeline, stepSql.before)), after };
    }

    const all = [...new Set([...batch.keys(), ...naive.keys(), ...exactRows.keys(), ...served.keys()])].sort();
    const rows: ReconciliationRow[] = [];
    for (const key of all) {
      const sample = (batch.get(key) ?? naive.get(key) ?? exactRows.get(key) ?? served.get(key)) as Row;
      const value = (rows: Map<string, Row>, metric: string) => rows.get(key)?.[metric] ?? null;
      for (const metric of metrics) {
        const additive = incremental.additive[metric] ?? false;
        // An additive metric over no events is 0; anything else over no events has no value.
        const num = (v: Json) => parseExact(v) ?? (additive ? parseExact(0) : null);
        const reasons = {} as Record<Reason, number | string | null>;
        let explained: ExactNumber | null = parseExact(0);
        const shares = !additive && steps ? stepShares(metric, value, steps.before, steps.after) : null;
        for (const reason of REASONS) {
          if (reason === 'rejected') {
            reasons.rejected = 0;
            continue;
          }
          let signed: ExactNumber | null;
          if (shares) signed = shares[reason];
          else {
            const contribution = num(value(contributions[reason] as Map<string, Row>, metric));
            signed = contribution && sets[reason].sign === -1 ? addExact(null, contribution, -1) : contribution;
          }
          reasons[reason] = exactJson(signed) ?? (additive ? 0 : null);
          explained = addExact(explained, signed);
        }
        // Stepwise shares count a side with no row as 0, so the difference they explain does too.
        const side = (rows: Map<string, Row>) =>
          shares ? (num(value(rows, metric)) ?? parseExact(0)) : num(value(rows, metric));
        const difference = addExact(side(naive), side(batch), -1);
        let residual = difference === null ? null : addExact(difference, explained, -1);
        const scale = Number(exactJson(side(naive)) ?? 0);
        if (shares && roundingOnly(residual, scale)) residual = parseExact(0);
        rows.push({
          partition: String(sample[pipeline.partitionColumn]),
          ...(keys.length > 1 ? { key: Object.fromEntries(keys.slice(1).map((k) => [k, sample[k] ?? null])) } : {}),
          metric,
          batch: exactJson(parseExact(value(batch, metric))),
          realtime_naive: exactJson(parseExact(value(naive, metric))),
          realtime_exact: exactJson(parseExact(value(exactRows, metric))),
          served: exactJson(parseExact(value(served, metric))),
          reasons,
          residual: residual && isZero(residual) ? 0 : exactJson(residual),
          additive,
        });
      }
    }

    const result: Reconciliation = { pipeline: name, log, watermark, rows, rejectedLines: rejects };
    if (options.ids) {
      result.events = {};
      for (const [reason, set] of Object.entries(sets) as [Exclude<Reason, 'rejected'>, { sql: string }][]) {
        const ids = await connection.all<{ p: string; ids: string[] }>(
          `SELECT strftime(${partition}, '%Y-%m-%d') AS p, list(DISTINCT event_id ORDER BY event_id) AS ids FROM (${set.sql}) GROUP BY 1`,
        );
        for (const { p, ids: list } of ids) (result.events[p] ??= {})[reason] = list;
      }
      if (rejects.length) (result.events['(no partition)'] ??= {}).rejected = rejects.map((r) => r.line);
    }
    return result;
  } finally {
    connection.close();
    await view.close();
  }
}
