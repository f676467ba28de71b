import type { Connection } from '../kernel/workspace/db.js';
import { CancelledError, errorMessage } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import { inputRange } from './partitions.js';
import { recordSuccesses, type PartitionRun, type Success } from './partition-write.js';
import type { Task } from './tasks.js';

/** The md5 of an empty string: a partition with no rows, as the per-partition checksum computes it. */
const EMPTY_CHECKSUM = 'd41d8cd98f00b204e9800998ecf8427e';
const CONFLICT = /conflict/i;

/**
 * Computes several partitions of one partition-local pipeline (locality.ts) with one query over their input dates,
 * then replaces their rows, states and history rows in one transaction: each partition is before or after, as with
 * writePartition, and holds the rows writePartition would give it, with the same checksum. One query instead of one
 * per partition is what makes a full run or a backfill cost about what the pipeline's SQL costs over the lake once.
 * Throws when the query or the commit fails; the caller then runs the partitions one by one, so one that fails does
 * so alone.
 */
export async function writePartitions(
  connection: Connection,
  catalogName: string,
  runId: number,
  tasks: readonly Task[],
  signal?: AbortSignal,
): Promise<PartitionRun[]> {
  const started = performance.now();
  const first = tasks[0];
  if (!first) return [];
  const { pipeline, target, rebuild } = first;
  const table = ident(target);
  const column = ident(pipeline.partitionColumn);
  const ranges = tasks.map((t) => inputRange(t.partition, pipeline.grain));
  const dates = ranges.map((r) => `event_date BETWEEN DATE ${literal(r.start)} AND DATE ${literal(r.end)}`).join(' OR ');
  const partitions = tasks.map((t) => `DATE ${literal(t.partition)}`).join(', ');
  await connection.run(`CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM ${ident(catalogName)}.main.events WHERE ${dates}`);
  try {
    // Computed outside the transaction: the query is the long part, and a conflict retry should not repeat it.
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE __partitions AS SELECT * FROM (${pipeline.sql}) AS q WHERE ${column} IN (${partitions})`,
      undefined,
      { signal },
    );
    for (let attempt = 0; ; attempt++) {
      try {
        return await connection.transaction(async () => {
          if (!rebuild) await connection.run(`DELETE FROM ${table} WHERE ${column} IN (${partitions})`, undefined, { signal });
          await connection.run(`INSERT INTO ${table} SELECT * FROM __partitions`, undefined, { signal });
          const summaries = await connection.all<{ p: string; rows: number; checksum: string }>(
            `SELECT strftime(${column}, '%Y-%m-%d') AS p, count(*)::DOUBLE AS rows,
               md5(coalesce(string_agg(CAST(r AS VARCHAR), chr(10) ORDER BY CAST(r AS VARCHAR)), '')) AS checksum
             FROM ${table} AS r WHERE ${column} IN (${partitions}) GROUP BY ${column}`,
          );
          const byPartition = new Map(summaries.map((s) => [s.p, s]));
          // Each partition's share of the time, for its history row: the query was one for all of them.
          const durationMs = Math.round((performance.now() - started) / tasks.length);
          const results: PartitionRun[] = [];
          const successes: Success[] = [];
          for (const task of tasks) {
            const summary = byPartition.get(task.partition);
            const rows = Number(summary?.rows ?? 0);
            const checksum = summary?.checksum ?? EMPTY_CHECKSUM;
            successes.push({ task, rows, checksum, durationMs });
            results.push({
              pipeline: pipeline.name,
              partition: task.partition,
              status: 'succeeded',
              reason: task.reason,
              rows,
              checksum,
              error: null,
              durationMs,
            });
          }
          if (!rebuild) await recordSuccesses(connection, runId, successes);
          return results;
        });
      } catch (error) {
        if (signal?.aborted || error instanceof CancelledError) throw new CancelledError();
        if (CONFLICT.test(errorMessage(error)) && attempt < 3) continue;
        throw error;
      }
    }
  } finally {
    await connection.run('DROP TABLE IF EXISTS __partitions').catch(() => {});
  }
}
