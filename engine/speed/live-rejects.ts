import type { Connection } from '../kernel/workspace/db.js';
import { literal } from '../kernel/util/sql.js';
import { selectRejects } from '../kernel/events/plan.js';
import { readLinesByNumber } from '../kernel/lines/read-bytes.js';
import type { StoredBatch } from './arrivals.js';
import type { LiveSchema } from './live-schema.js';
import type { LiveReject } from './live-types.js';

/** The most of a rejected line's text a reject carries. */
const RAW_LIMIT = 4096;

/**
 * Why rows of a batch did not become events, with their lines' text. Rare, so worked out only when a batch has
 * rejects: the batch file is read again, as text, and put through the event plan's checks, on `connection` (whose
 * temp tables live_staged and live_lines it replaces).
 */
export async function batchRejects(
  connection: Connection,
  schema: LiveSchema,
  file: string,
  batch: StoredBatch,
): Promise<LiveReject[]> {
  const c = connection;
  const contiguous = typeof batch.lines === 'number';
  const lines = contiguous
    ? Array.from({ length: batch.end - batch.first }, (_, i) => (batch.lines as number) + i)
    : (batch.lines as readonly number[]);
  // LIMIT: a log read whole (ingestLog) may hold lines past the batch's.
  await c.run(`CREATE OR REPLACE TEMP TABLE live_staged AS SELECT * FROM ${schema.reader(file)} LIMIT ${lines.length}`);
  let lineSql = `(rowid + ${lines[0]})`;
  if (!contiguous) {
    await c.run(`CREATE OR REPLACE TEMP TABLE live_lines AS SELECT unnest(${literal(`[${lines.join(',')}]`)}::BIGINT[]) AS line`);
    await c.run(`CREATE OR REPLACE TEMP TABLE live_staged AS SELECT s.*, l.line AS __line FROM
        (SELECT rowid AS __r, * FROM live_staged) s JOIN (SELECT rowid AS __r, line FROM live_lines) l USING (__r) ORDER BY __r`);
    lineSql = '"__line"';
  }
  const { plan } = schema.plan(lineSql, true);
  const rows = await c.all<{ line: number; reason: string }>(selectRejects(plan, 'live_staged'));
  // The file's line k (1-based) is the batch's k-th line.
  const position = (line: number) => (contiguous ? line - (lines[0] as number) : lines.indexOf(line)) + 1;
  const text = await readLinesByNumber(file, false, new Set(rows.map((r) => position(Number(r.line)))), RAW_LIMIT);
  const raws = rows.map((r) => text.get(position(Number(r.line))) ?? '');
  // Fields read one by one cannot tell a broken line from an empty record: DuckDB's JSON parser says which.
  const valid = raws.length
    ? await c.all<{ ok: boolean }>(
        `SELECT CASE WHEN json_valid(v) THEN json_type(v) = 'OBJECT' ELSE false END AS ok FROM (VALUES ${raws.map((r) => `(${literal(r)})`).join(', ')}) AS t(v)`,
      )
    : [];
  return rows.map((r, i) => ({
    line: Number(r.line),
    reason: valid[i]?.ok ? r.reason : 'not a valid JSON object',
    raw: raws[i] as string,
  }));
}
