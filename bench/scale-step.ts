// One step of the scale bench (scale.ts), in a process of its own so that its memory high-water mark is its own:
// node --import tsx bench/scale-step.ts '<StepRequest as JSON>'. The last line it prints is a StepResult.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { initWorkspace, openWorkspace } from '../engine/service/init.js';
import type { Workspace } from '../engine/kernel/workspace/workspace.js';
import { importFile } from '../engine/lake/import.js';
import { runPipelines, type RunRequest } from '../engine/batch/runner.js';
import { QueryResults } from '../engine/service/queries.js';
import { LiveView, type LiveIngest } from '../engine/speed/live-view.js';
import { replayLog } from '../engine/speed/replay.js';
import { RESULT_PREFIX, StepRequest, type StepResult } from './scale-protocol.js';

async function peakBytes(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kib = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
  // ru_maxrss is the same figure where /proc is not there; Node gives it in KiB.
  return (kib ? Number(kib) : process.resourceUsage().maxRSS) * 1024;
}

async function run(workspace: Workspace, request: RunRequest): Promise<{ ms: number; detail: Record<string, number> }> {
  const started = performance.now();
  const result = await runPipelines(workspace, request);
  const ms = performance.now() - started;
  if (result.status !== 'succeeded') throw new Error(`scale run ${result.status}: ${JSON.stringify(result.problems)}`);
  return { ms, detail: { partitions: result.partitions.length } };
}

/** A SQL cell as the app runs it (materialized by QueryResults, then its first page read), twice: cold, then again. */
async function cell(workspace: Workspace, sql: string, rows: number) {
  const queries = new QueryResults(workspace);
  const once = async () => {
    const started = performance.now();
    const result = await queries.run(sql);
    const page = await queries.page(result.queryId, 0, rows);
    const ms = performance.now() - started;
    queries.close(result.queryId);
    return { ms, rowCount: result.rowCount, rows: page.rows.length };
  };
  const first = await once();
  const again = await once();
  // The same SQL straight through DuckDB, materialized and its first page read, as the app bench's baseline is.
  const connection = await workspace.connect();
  let bareMs = 0;
  try {
    const started = performance.now();
    await connection.run(`CREATE TEMP TABLE bare_result AS ${sql}`);
    await connection.all(`SELECT * FROM bare_result WHERE rowid < ${rows}`);
    bareMs = performance.now() - started;
  } finally {
    connection.close();
  }
  return {
    ms: first.ms,
    detail: {
      'result rows': first.rowCount,
      'first page rows': first.rows,
      'run again ms': Math.round(again.ms),
      'the same in DuckDB alone ms': Math.round(bareMs),
    },
  };
}

/**
 * What binding a query over the lake costs by itself: its read_parquet of every lake file is bound with union_by_name,
 * which reads each file's schema, so each query over the lake pays it per file, whatever dates it reads.
 */
async function bindMs(workspace: Workspace): Promise<number> {
  const connection = await workspace.connect();
  try {
    const started = performance.now();
    await connection.all('DESCRIBE SELECT * FROM events');
    return Math.round(performance.now() - started);
  } finally {
    connection.close();
  }
}

async function step(request: StepRequest): Promise<{ ms: number; detail: Record<string, string | number> }> {
  if (request.step === 'import') await initWorkspace(request.workspace);
  const opening = performance.now();
  const workspace = await openWorkspace(request.workspace);
  const openMs = Math.round(performance.now() - opening);
  try {
    const measured = await (async (): Promise<{ ms: number; detail: Record<string, string | number> }> => {
      switch (request.step) {
        case 'import': {
          const started = performance.now();
          const result = await importFile(workspace, request.data);
          const ms = performance.now() - started;
          if (result.status !== 'imported') throw new Error(`scale import ${result.status}: ${result.error}`);
          const timings = Object.fromEntries(Object.entries(result.timings ?? {}).map(([k, v]) => [`${k} ms`, Math.round(v)]));
          return { ms, detail: { rows: result.rows, ...timings } };
        }
        case 'full run':
          return run(workspace, { full: true });
        case 'one-day re-run':
          return run(workspace, { from: request.day, to: request.day });
        case 'count':
          return cell(workspace, 'SELECT count(*) FROM events', 1);
        case 'first rows':
          return cell(workspace, request.sql, 100);
        case 'live replay': {
          const view = await LiveView.create(workspace, { source: request.data, modes: ['exact'] });
          try {
            let lines = 0;
            const started = performance.now();
            const how = await replayLog(
              view,
              { path: request.data, maxLineBytes: 1 << 20 },
              { applied: (ingest: LiveIngest) => (lines += ingest.lines) },
            );
            const ms = performance.now() - started;
            const memory = await view.memory();
            return {
              ms,
              detail: {
                read: how,
                lines,
                pipelines: view.pipelines.length,
                'DuckDB MiB': Math.round(memory.duckdbBytes / 2 ** 20),
                'identity index MiB': Math.round(memory.identityIndexBytes / 2 ** 20),
                ...Object.fromEntries(Object.entries(view.timings).map(([k, v]) => [`${k} ms`, Math.round(v)])),
              },
            };
          } finally {
            await view.close();
          }
        }
      }
    })();
    const bind: Record<string, number> =
      request.step === 'import' ? {} : { 'bind a query over the lake ms': await bindMs(workspace) };
    return { ms: measured.ms, detail: { ...measured.detail, 'open workspace ms': openMs, ...bind } };
  } finally {
    await workspace.close();
  }
}

const request = StepRequest.parse(JSON.parse(process.argv[2] ?? 'null'));
const measured = await step(request);
// The machine's load while the step ran: on a shared machine, what a figure that moved between runs is read against.
const detail = { ...measured.detail, 'load average (1 min) at its end': loadavg()[0]?.toFixed(1) ?? '' };
const result: StepResult = { step: request.step, ms: measured.ms, detail, peakBytes: await peakBytes() };
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
