import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_START, dayStartMs, type GenerateOptions } from '../engine/generator/generate.js';
import { BENCH_DIR, dataset } from './data.js';
import type { Report } from './report.js';
import { RESULT_PREFIX, STEPS, StepResult, type Step, type StepRequest } from './scale-protocol.js';
import type { ScaleRow, ScaleRun } from './scale-table.js';

/** Events of the large lake, over a year; `--scale-events=N` for a quicker run of the same code. */
export const SCALE_EVENTS = 10_000_000;
const YEAR = 365;
/**
 * The small lake has the large one's events per day over a tenth of its days: a lake grows by days, and a day costs
 * the same to re-run in both. The generator is deterministic, so its days are the large lake's first days.
 */
const SMALL_DAYS = Math.round(YEAR / 10);
/** The one-day re-run's day, one both lakes hold. */
const RERUN_DAY = new Date(dayStartMs(DEFAULT_START, 18)).toISOString().slice(0, 10);
/** The app section's SQL cell (bench/ui.ts). */
const CELL_SQL = 'SELECT event_id, event_type, occurred_at, user_id, event_date FROM events';
const MEMORY_LIMIT_BYTES = 8 * 2 ** 30;
/** Work over the whole lake may grow this much faster than the lake; a day's work and a first page hardly at all. */
const WHOLE_DATA_SLACK = 1.05;
const BOUNDED_GROWTH = 2;
const BOUNDED: ReadonlySet<Step> = new Set<Step>(['one-day re-run', 'first rows']);

const STEP_SCRIPT = fileURLToPath(new URL('./scale-step.ts', import.meta.url));

function scaleOptions(days: number, eventsPerDay: number): GenerateOptions {
  return { days, eventsPerDay, seed: 1, duplicates: 0.02, late: 0.01, malformed: 0 };
}

/** Runs one step in a child process of its own and reads what it measured from its last line. */
async function runStep(request: StepRequest): Promise<StepResult> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', STEP_SCRIPT, JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || !line) {
    throw new Error(`scale step ${request.step} on ${request.workspace} exited with ${code}:\n${out.slice(-2000)}`);
  }
  return StepResult.parse(JSON.parse(line.slice(RESULT_PREFIX.length)));
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const millions = (n: number) => `${(n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 })}M`;

/**
 * The engine's work on a lake of SCALE_EVENTS events over a year beside the same on a tenth of it, each step in its
 * own process: the growth of each figure and the memory each step's process peaked at. Each step runs on the small
 * lake and then on the large one before the next step, so that the two of a pair meet the machine at the same speed.
 */
export async function benchScale(report: Report, largeEvents = SCALE_EVENTS): Promise<ScaleRun> {
  const eventsPerDay = Math.round(largeEvents / YEAR);
  const sizes = await Promise.all(
    [SMALL_DAYS, YEAR].map(async (days) => {
      const data = await dataset('scale', scaleOptions(days, eventsPerDay));
      return { ...data, days, workspace: join(BENCH_DIR, `scale-ws-${days}d`) };
    }),
  );
  const [small, large] = sizes as [(typeof sizes)[number], (typeof sizes)[number]];
  const growthOfData = large.lines / small.lines;
  const wholeTarget = WHOLE_DATA_SLACK * growthOfData;
  for (const size of sizes) await rm(size.workspace, { recursive: true, force: true });
  const rows: ScaleRow[] = [];
  try {
    for (const step of STEPS) {
      const measured: StepResult[] = [];
      for (const size of [small, large]) {
        process.stdout.write(`  ${step} at ${millions(size.lines)} events …\n`);
        measured.push(await runStep({ step, workspace: size.workspace, data: size.path, day: RERUN_DAY, sql: CELL_SQL }));
      }
      const [at1, at10] = measured as [StepResult, StepResult];
      const growth = at10.ms / at1.ms;
      const bounded = BOUNDED.has(step);
      const target = bounded ? BOUNDED_GROWTH : wholeTarget;
      const row: ScaleRow = {
        step,
        small: at1.ms / 1000,
        large: at10.ms / 1000,
        growth,
        target: `≤ ${bounded ? BOUNDED_GROWTH : target.toFixed(2)}×`,
        met: growth <= target,
        smallPeakMiB: mib(at1.peakBytes),
        largePeakMiB: mib(at10.peakBytes),
        memoryMet: at1.peakBytes < MEMORY_LIMIT_BYTES && at10.peakBytes < MEMORY_LIMIT_BYTES,
      };
      rows.push(row);
      report.add({
        section: 'scale',
        name: `${step}: ${millions(small.lines)} → ${millions(large.lines)} events`,
        value: row.large,
        unit: 's',
        baseline: { name: `the same at ${small.lines.toLocaleString('en-US')} events`, value: row.small, unit: 's' },
        ratio: growth,
        target: row.target,
        met: row.met,
        detail: {
          ...Object.fromEntries(Object.entries(at1.detail).map(([k, v]) => [`small: ${k}`, v])),
          ...Object.fromEntries(Object.entries(at10.detail).map(([k, v]) => [`large: ${k}`, v])),
          'small: peak RSS MiB': row.smallPeakMiB,
          'large: peak RSS MiB': row.largePeakMiB,
        },
      });
    }
  } finally {
    for (const size of sizes) await rm(size.workspace, { recursive: true, force: true });
  }
  const peak = Math.max(...rows.map((r) => r.largePeakMiB));
  report.add({
    section: 'scale',
    name: `peak memory of a step's process at ${millions(large.lines)} events (RSS high-water mark)`,
    value: peak,
    unit: 'MiB',
    target: '< 8 GiB',
    met: peak * 2 ** 20 < MEMORY_LIMIT_BYTES,
    detail: Object.fromEntries(rows.map((r) => [`${r.step} MiB`, r.largePeakMiB])),
  });
  return { small: { events: small.lines, days: small.days }, large: { events: large.lines, days: large.days }, rows };
}
