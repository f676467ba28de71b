import { readFile, writeFile } from 'node:fs/promises';
import { format } from './report.js';
import { renderGrid } from './readme-table.js';

/*
 * The README's scale table: the latest `npm run bench -- --scale`, written whole between its own markers (the scale
 * section's figures are of a different shape from the main table's: two lake sizes, a growth and two memory peaks).
 */
export const SCALE_START = '<!-- bench:scale:start (written by npm run bench -- --scale; edits here are overwritten) -->';
export const SCALE_END = '<!-- bench:scale:end -->';

export interface ScaleRow {
  step: string;
  /** Seconds on the small and the large lake. */
  small: number;
  large: number;
  growth: number;
  target: string;
  met: boolean;
  smallPeakMiB: number;
  largePeakMiB: number;
  memoryMet: boolean;
}

export interface ScaleRun {
  small: { events: number; days: number };
  large: { events: number; days: number };
  rows: ScaleRow[];
}

const events = (n: number) => `${(n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 })}M events`;
const met = (ok: boolean) => (ok ? 'met' : '**not met**');

export function renderScaleTable(run: ScaleRun, measured: string): string {
  const at = (size: ScaleRun['small']) => `${events(size.events)} (${size.days} days)`;
  const header = [
    'step',
    at(run.small),
    at(run.large),
    'growth',
    'target',
    `peak RSS, ${events(run.small.events)}`,
    `peak RSS, ${events(run.large.events)}`,
    '< 8 GiB',
  ];
  const rows = run.rows.map((r) => [
    r.step,
    `${format(r.small)} s`,
    `${format(r.large)} s`,
    `${r.growth.toFixed(2)}×`,
    `${r.target}: ${met(r.met)}`,
    `${format(r.smallPeakMiB)} MiB`,
    `${format(r.largePeakMiB)} MiB`,
    met(r.memoryMet),
  ]);
  return `Measured ${measured}.\n\n${renderGrid(header, rows)}`;
}

export async function writeScaleTable(readmePath: string, run: ScaleRun, measured: string): Promise<void> {
  const readme = await readFile(readmePath, 'utf8');
  const start = readme.indexOf(SCALE_START);
  const end = readme.indexOf(SCALE_END);
  if (start < 0 || end < start) throw new Error(`${readmePath} has no scale table markers (${SCALE_START})`);
  const block = `${SCALE_START}\n\n${renderScaleTable(run, measured)}\n\n${SCALE_END}`;
  await writeFile(readmePath, readme.slice(0, start) + block + readme.slice(end + SCALE_END.length));
}
