import { toNumber } from './numbers';

/**
 * From a SQL cell's result to what a chart draws: which axis x gets (a real time axis for dates and
 * timestamps, categories otherwise), the series of the chosen numeric columns, and sensible defaults
 * when the settings name no columns yet. Pure, so it is tested without a canvas.
 */
export interface Column {
  name: string;
  type: string;
  numeric: boolean;
}

export type ChartType = 'line' | 'bar' | 'stacked-bar' | 'area';

export const CHART_TYPES: { value: ChartType; label: string }[] = [
  { value: 'line', label: 'Line' },
  { value: 'bar', label: 'Bar' },
  { value: 'stacked-bar', label: 'Stacked bar' },
  { value: 'area', label: 'Area' },
];

/** DuckDB's date and timestamp types (TIMESTAMP WITH TIME ZONE, TIMESTAMP_NS…); not TIME or INTERVAL. */
export function isTimeType(type: string): boolean {
  return /^(DATE|DATETIME|TIMESTAMP(?:_S|_MS|_NS|TZ)?)(?:\s|\(|$)/i.test(type.trim());
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// DuckDB writes '2026-11-25 03:02:53.801674+00'; ISO writes '2026-11-25T03:02:53.801Z'. Both are read.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A date or timestamp as epoch milliseconds. A date, or a time without an offset, is read as local wall
 * time, so the axis shows the day the data says (midnight of 2026-11-25 is labelled Nov 25 everywhere);
 * a time with an offset is that instant. Anything else is null.
 */
export function parseTime(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const date = DATE_ONLY.exec(text);
  if (date) return validLocal(+date[1]!, +date[2]!, +date[3]!, 0, 0, 0, 0);
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const zone = m[8];
  if (!zone) return validLocal(y, mo, d, h, mi, s, ms);
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (!sameFields(new Date(utc), y, mo, d, h, mi, s, true)) return null;
  if (zone.toUpperCase() === 'Z') return utc;
  const offset = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!offset) return null;
  const minutes = (+offset[2]! * 60 + +(offset[3] ?? 0)) * (offset[1] === '-' ? -1 : 1);
  return utc - minutes * 60_000;
}

function validLocal(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  const date = new Date(y, mo - 1, d, h, mi, s, ms);
  return sameFields(date, y, mo, d, h, mi, s, false) ? date.getTime() : null;
}

// Rejects 2026-02-30 and 25:00, which Date would quietly roll over.
function sameFields(date: Date, y: number, mo: number, d: number, h: number, mi: number, s: number, utc: boolean): boolean {
  const f = utc
    ? [
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        date.getUTCHours(),
        date.getUTCMinutes(),
        date.getUTCSeconds(),
      ]
    : [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds()];
  // A local time that does not exist (a DST gap) moves by an hour; keep it rather than drop the row.
  return f[0] === y && f[1] === mo && f[2] === d && (!utc || f[3] === h) && f[4] === mi && f[5] === s;
}

/**
 * Whether a column goes on a time axis: a date or timestamp type, or text whose every value (at least
 * one) is a date or timestamp, as when a query formats dates itself.
 */
export function isDateLike(column: Column, values: unknown[]): boolean {
  if (isTimeType(column.type)) return true;
  if (column.numeric || !/^(VARCHAR|TEXT|STRING)/i.test(column.type.trim())) return false;
  const present = values.filter((v) => v !== null && v !== undefined);
  return present.length > 0 && present.every((v) => parseTime(v) !== null);
}

const columnValues = (rows: unknown[][], index: number) => rows.map((r) => r[index]);

/** The palette has six colours; more series than that would repeat them and the chart would lie. */
export const MAX_DEFAULT_SERIES = 6;

/**
 * Defaults for a result: x is the first date-like column, else the first column that is not numeric,
 * else the first column; y is the numeric columns other than x (up to six).
 */
export function defaultAxes(columns: Column[], rows: unknown[][]): { x: string; y: string[] } {
  if (columns.length === 0) return { x: '', y: [] };
  const dateIndex = columns.findIndex((c, i) => isDateLike(c, columnValues(rows, i)));
  const x = (columns[dateIndex] ?? columns.find((c) => !c.numeric) ?? columns[0])!.name;
  const y = columns
    .filter((c) => c.numeric && c.name !== x)
    .slice(0, MAX_DEFAULT_SERIES)
    .map((c) => c.name);
  return { x, y };
}

export interface Series {
  column: string;
  /** Doubles to plot, null where the value is missing or not a number (a gap). */
  data: (number | null)[];
  /** The values as they came, for tooltips that show exact decimals. */
  values: unknown[];
}

export interface ChartData {
  axis: 'time' | 'category';
  /** Every x is a date without a time: the axis and tooltips show days. */
  dateOnly: boolean;
  /** Time axis: epoch ms, ascending. Category axis: labels in the result's order. */
  x: number[] | string[];
  series: Series[];
  /** Rows left out because their x is not a date (time axis only). */
  skipped: number;
  /** Settings that name columns the result does not have. */
  missing: string[];
}

function categoryLabel(value: unknown): string {
  if (value === null || value === undefined) return '(null)';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** The series for x and y columns over rows (arrays in the columns' order). */
export function buildChartData(columns: Column[], rows: unknown[][], x: string, y: string[]): ChartData {
  const missing = [x, ...y].filter((name) => name && !columns.some((c) => c.name === name));
  const xIndex = columns.findIndex((c) => c.name === x);
  const yIndexes = y.map((name) => ({ name, index: columns.findIndex((c) => c.name === name) })).filter((c) => c.index >= 0);
  if (xIndex < 0) return { axis: 'category', dateOnly: false, x: [], series: [], skipped: 0, missing };
  const xColumn = columns[xIndex]!;
  const xValues = columnValues(rows, xIndex);

  if (isDateLike(xColumn, xValues)) {
    const points = rows
      .map((row) => ({ t: parseTime(row[xIndex]), row }))
      .filter((p): p is { t: number; row: unknown[] } => p.t !== null)
      // Stable: equal times keep the result's order. A line drawn in row order would zigzag back.
      .sort((a, b) => a.t - b.t);
    const dateOnly =
      /^DATE$/i.test(xColumn.type.trim()) ||
      points.every((p) => typeof p.row[xIndex] === 'string' && DATE_ONLY.test((p.row[xIndex] as string).trim()));
    return {
      axis: 'time',
      dateOnly,
      x: points.map((p) => p.t),
      series: yIndexes.map(({ name, index }) => ({
        column: name,
        data: points.map((p) => toNumber(p.row[index])),
        values: points.map((p) => p.row[index]),
      })),
      skipped: rows.length - points.length,
      missing,
    };
  }
  return {
    axis: 'category',
    dateOnly: false,
    x: xValues.map(categoryLabel),
    series: yIndexes.map(({ name, index }) => ({
      column: name,
      data: rows.map((row) => toNumber(row[index])),
      values: rows.map((row) => row[index]),
    })),
    skipped: 0,
    missing,
  };
}
