import { readFile, writeFile } from 'node:fs/promises';
import { format, type Figure } from './report.js';

/*
 * The README keeps one current table of figures, and only `npm run bench` writes it: between the two markers below,
 * one row per figure, each with the date of the run that measured it. A run of some sections (--only) replaces those
 * sections' rows and keeps the others', so the table is always the latest measurement of every figure.
 */
export const TABLE_START = '<!-- bench:table:start (written by npm run bench; edits here are overwritten) -->';
export const TABLE_END = '<!-- bench:table:end -->';

const HEADER = ['section', 'figure', 'value', 'baseline, same run', 'ratio', 'target', 'measured'];

export function figureRow(figure: Figure, measured: string): string[] {
  return [
    figure.section,
    figure.name,
    `${format(figure.value)} ${figure.unit}`,
    figure.baseline ? `${figure.baseline.name}: ${format(figure.baseline.value)} ${figure.baseline.unit}` : '',
    figure.ratio !== undefined ? `${figure.ratio.toFixed(2)}×` : '',
    figure.target ? `${figure.target}: ${figure.met ? 'met' : '**not met**'}` : '',
    measured,
  ];
}

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());
}

/** The rows a table holds now, by section: what a partial run keeps. */
export function parseTable(block: string): string[][] {
  return block
    .split('\n')
    .filter((l) => l.trim().startsWith('|'))
    .map(cells)
    .filter((row, i) => i > 1 && row.length === HEADER.length);
}

export function renderTable(rows: string[][]): string {
  return renderGrid(HEADER, rows);
}

/** A Markdown table padded as prettier pads it, so that `prettier --check` passes on the README as written. */
export function renderGrid(header: readonly string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** Replaces the rows of the sections this run measured, in the order the run measured them. */
export function mergeRows(previous: string[][], figures: readonly Figure[], measured: string): string[][] {
  const ran = new Set(figures.map((f) => f.section));
  const fresh = figures.map((f) => figureRow(f, measured));
  const kept = previous.filter((r) => !ran.has(r[0] as string));
  const order = ['lake', 'batch', 'live', 'stream', 'app'];
  return [...kept, ...fresh].sort((a, b) => order.indexOf(a[0] as string) - order.indexOf(b[0] as string));
}

export async function writeReadmeTable(readmePath: string, figures: readonly Figure[], measured: string): Promise<void> {
  const readme = await readFile(readmePath, 'utf8');
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`${readmePath} has no bench table markers`);
  const rows = mergeRows(parseTable(readme.slice(start + TABLE_START.length, end)), figures, measured);
  const table = `${TABLE_START}\n\n${renderTable(rows)}\n\n${TABLE_END}`;
  await writeFile(readmePath, readme.slice(0, start) + table + readme.slice(end + TABLE_END.length));
}
