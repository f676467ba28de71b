import { hostname, userInfo } from 'node:os';
import type { Connection } from '../kernel/workspace/db.js';
import { literal } from '../kernel/util/sql.js';
import { isoTime } from '../kernel/workspace/catalog.js';
import type { StaleReason } from './status.js';

/**
 * The run ledger: a row in `runs` for every run (who ran what, when, how it ended) and a row in `run_partitions` for
 * every partition a run computed or failed to, with the definition and input it ran against. It is history only:
 * freshness is judged against the partition state (state.ts), which a partition's success writes in the same
 * transaction as its ledger row.
 */

export type RunReason = StaleReason | 'requested';
/** How a run ended. */
export type RunStatus = 'succeeded' | 'partial' | 'failed' | 'nothing-to-do';
/** A run as the ledger has it: still running, interrupted by a process that died, or ended as it ended. */
export type LedgerStatus = 'running' | 'interrupted' | Exclude<RunStatus, 'nothing-to-do'>;

/**
 * A cancelled run is stored as its outcome followed by this (`partial (cancelled)`), as workspaces always have
 * stored it, so the status column reads the same to the analyst's own SQL; readers get the outcome and a flag.
 */
const CANCELLED_SUFFIX = ' (cancelled)';
const LEDGER_STATUSES: readonly LedgerStatus[] = ['running', 'interrupted', 'succeeded', 'partial', 'failed'];

export function decodeRunStatus(stored: string): { status: LedgerStatus; cancelled: boolean } {
  const cancelled = stored.endsWith(CANCELLED_SUFFIX);
  const outcome = cancelled ? stored.slice(0, -CANCELLED_SUFFIX.length) : stored;
  // A status this build does not know (a newer one's) reads as failed rather than as a success.
  const status = (LEDGER_STATUSES as readonly string[]).includes(outcome) ? (outcome as LedgerStatus) : 'failed';
  return { status, cancelled };
}

function encodeRunStatus(status: LedgerStatus, cancelled: boolean): string {
  return cancelled ? `${status}${CANCELLED_SUFFIX}` : status;
}

function runBy(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}

export async function nextRunId(connection: Connection): Promise<number> {
  const row = await connection.one<{ id: number }>('SELECT (coalesce(max(run_id), 0) + 1)::DOUBLE AS id FROM runs');
  return Number(row?.id ?? 1);
}

/** A run starts, marked running until it ends (a process that dies leaves it so, and the next open interrupts it). */
export async function beginRun(
  connection: Connection,
  run: { runId: number; command: string; pipelines: readonly string[]; partitions: number },
): Promise<void> {
  await connection.run(
    `INSERT INTO runs VALUES ($id, now(), NULL, $by, $command, 'running', CAST($pipelines AS VARCHAR[]), $n, 0, 0, 0, NULL, NULL)`,
    {
      id: run.runId,
      by: runBy(),
      command: run.command,
      pipelines: `[${[...new Set(run.pipelines)].join(', ')}]`,
      n: run.partitions,
    },
  );
}

export interface RunEnd {
  status: Exclude<RunStatus, 'nothing-to-do'>;
  cancelled: boolean;
  partitions: number;
  succeeded: number;
  failed: number;
  rows: number;
  durationMs: number;
  /** Pipeline files that could not run, one line each. */
  error: string | null;
}

export async function finishRun(connection: Connection, runId: number, end: RunEnd): Promise<void> {
  await connection.run(
    `UPDATE runs SET finished_at = now(), status = $status, partitions = $n, succeeded = $ok, failed = $failed, rows = $rows,
       duration_ms = $duration, error = $error
     WHERE run_id = $id`,
    {
      id: runId,
      status: encodeRunStatus(end.status, end.cancelled),
      n: end.partitions,
      ok: end.succeeded,
      failed: end.failed,
      rows: end.rows,
      duration: end.durationMs,
      error: end.error,
    },
  );
}

/** At open: runs a dead process left marked running are over. Nothing of them was half-committed. */
export async function interruptRunningRuns(connection: Connection): Promise<void> {
  await connection.run(`UPDATE runs SET status = 'interrupted', finished_at = now() WHERE status = 'running'`);
}

export interface PartitionRunRow {
  pipeline: string;
  partition: string;
  reason: RunReason;
  status: 'succeeded' | 'failed';
  rows: number | null;
  checksum: string | null;
  definitionHash: string;
  inputVersion: string;
  error: string | null;
  durationMs: number;
}

/** One partition of a run, as it went. */
export async function recordPartitionRun(connection: Connection, runId: number, row: PartitionRunRow): Promise<void> {
  await recordPartitionRuns(connection, runId, [row]);
}

/** Partitions of a run, as they went, in one statement (a run's partitions committed together). */
export async function recordPartitionRuns(
  connection: Connection,
  runId: number,
  rows: readonly PartitionRunRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((row) =>
    [
      runId,
      literal(row.pipeline),
      `CAST(${literal(row.partition)} AS DATE)`,
      literal(row.reason),
      literal(row.status),
      row.rows === null ? 'NULL' : Number(row.rows),
      row.checksum === null ? 'NULL' : literal(row.checksum),
      literal(row.definitionHash),
      literal(row.inputVersion),
      row.error === null ? 'NULL' : literal(row.error),
      Math.round(row.durationMs),
    ].join(', '),
  );
  await connection.run(`INSERT INTO run_partitions VALUES (${values.join('), (')})`);
}

export async function runExists(connection: Connection, runId: number): Promise<boolean> {
  return Boolean(await connection.one('SELECT 1 FROM runs WHERE run_id = $id', { id: runId }));
}

/** The partitions a run failed, as `pipeline|partition`. */
export async function failedPartitionsOf(connection: Connection, runId: number): Promise<Set<string>> {
  const failed = await connection.all<{ pipeline: string; partition: string }>(
    `SELECT pipeline, strftime(partition, '%Y-%m-%d') AS partition FROM run_partitions WHERE run_id = $id AND status = 'failed'`,
    { id: runId },
  );
  return new Set(failed.map((f) => `${f.pipeline}|${f.partition}`));
}

export interface StoredRun {
  runId: number;
  /** ISO 8601 in UTC. */
  startedAt: string;
  finishedAt: string | null;
  runBy: string;
  command: string;
  status: LedgerStatus;
  cancelled: boolean;
  pipelines: string[];
  partitions: number;
  succeeded: number;
  failed: number;
  rows: number;
  durationMs: number | null;
  error: string | null;
}

/** The newest runs first. */
export async function readRuns(connection: Connection, limit: number): Promise<StoredRun[]> {
  const runs = await connection.all<Record<string, unknown>>(
    `SELECT run_id::DOUBLE AS run_id, ${isoTime('started_at')} AS started_at, ${isoTime('finished_at')} AS finished_at,
       run_by, command, status, pipelines, partitions::DOUBLE AS partitions, succeeded::DOUBLE AS succeeded,
       failed::DOUBLE AS failed, rows::DOUBLE AS rows, duration_ms::DOUBLE AS duration_ms, error
     FROM runs ORDER BY run_id DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return runs.map((r) => ({
    runId: Number(r.run_id),
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    runBy: r.run_by as string,
    command: r.command as string,
    ...decodeRunStatus(r.status as string),
    pipelines: r.pipelines as string[],
    partitions: Number(r.partitions),
    succeeded: Number(r.succeeded),
    failed: Number(r.failed),
    rows: Number(r.rows),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    error: (r.error as string | null) ?? null,
  }));
}

export interface StoredPartitionRun {
  runId: number;
  pipeline: string;
  partition: string;
  status: string;
  error: string;
  definitionHash: string;
}

/** Every partition run of the runs from `fromRunId` on, by run, pipeline and partition. */
export async function readPartitionRuns(connection: Connection, fromRunId: number): Promise<StoredPartitionRun[]> {
  const rows = await connection.all<{
    run_id: number;
    pipeline: string;
    partition: string;
    status: string;
    error: string;
    hash: string;
  }>(
    `SELECT run_id::DOUBLE AS run_id, pipeline, strftime(partition, '%Y-%m-%d') AS partition, status, error, definition_hash AS hash
     FROM run_partitions WHERE run_id >= $min ORDER BY run_id, pipeline, partition`,
    { min: fromRunId },
  );
  return rows.map((d) => ({
    runId: Number(d.run_id),
    pipeline: d.pipeline,
    partition: d.partition,
    status: d.status,
    error: d.error,
    definitionHash: d.hash,
  }));
}

/** Which runs are over (any but a running one): the ids a table left behind by a rebuild may be named after. */
export async function finishedRunIds(connection: Connection): Promise<Set<number>> {
  const rows = await connection.all<{ id: number }>(`SELECT run_id::DOUBLE AS id FROM runs WHERE status <> 'running'`);
  return new Set(rows.map((r) => Number(r.id)));
}
