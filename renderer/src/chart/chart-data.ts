import type { Binning } from './bins';
import { toNumber } from './numbers';

/**
 * From a SQL cell's result to what a chart draws: which axis x gets (a real time axis for dates and
 * timestamps, a number axis for a scatter of numbers, categories otherwise), the series of the chosen
 * numeric columns (one per value of a split column when there is one), and sensible defaults when the
 * settings name no columns yet. Pure, so it is tested without a canvas.
 */
export interface Column {
  name: string;
  type: string;
  numeric: boolean;
}

export type ChartType = 'line' | 'bar' | 'stacked-bar' | 'area' | 'scatter' | 'histogram';

export const CHART_TYPES: { value: ChartType; label: string }[] = [
  { value: 'line', label: 'Line' },
  { value: 'bar', label: 'Bar' },
  { value: 'stacked-bar', label: 'Stacked bar' },
  { value: 'area', label: 'Area' },
  { value: 'scatter', label: 'Scatter' },
  { value: 'histogram', label: 'Histogram' },
];

/** What of a chart's settings decides the data it draws. */
export interface ChartSelection {
  type: ChartType;
  x: string;
  y: string[];
  split?: string | undefined;
}

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
export const MAX_SERIES = 6;

/** A split column with more values than this is not a split a default should guess. */
const MAX_DEFAULT_GROUPS = 12;

export function categoryLabel(value: unknown): string {
  if (value === null || value === undefined) return '(null)';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/**
 * A column that makes a long result wide: x repeats, and each x appears once per value of the column
 * (a result of date, type, n). The first text column like that with 2 to 12 values, if any.
 */
export function defaultSplit(columns: Column[], rows: unknown[][], x: string): string | undefined {
  const xIndex = columns.findIndex((c) => c.name === x);
  if (xIndex < 0 || rows.length < 2) return undefined;
  const xKeys = rows.map((r) => categoryLabel(r[xIndex]));
  if (new Set(xKeys).size === rows.length) return undefined;
  return columns.find((c, i) => {
    if (c.numeric || i === xIndex || isTimeType(c.type)) return false;
    const values = new Set(rows.map((r) => categoryLabel(r[i])));
    if (values.size < 2 || values.size > MAX_DEFAULT_GROUPS) return false;
    const pairs = new Set(rows.map((r, j) => `${xKeys[j]}\u0000${categoryLabel(r[i])}`));
    return pairs.size === rows.length;
  })?.name;
}

/**
 * Defaults for a result: x is the first date-like column, else the first column that is not numeric,
 * else the first column; y is the numeric columns other than x (up to six). A long result is split by
 * the column that tells its series apart, and then draws its first numeric column.
 */
export function defaultAxes(columns: Column[], rows: unknown[][]): { x: string; y: string[]; split?: string } {
  if (columns.length === 0) return { x: '', y: [] };
  const dateIndex = columns.findIndex((c, i) => isDateLike(c, columnValues(rows, i)));
  const x = (columns[dateIndex] ?? columns.find((c) => !c.numeric) ?? columns[0])!.name;
  const y = columns
    .filter((c) => c.numeric && c.name !== x)
    .slice(0, MAX_SERIES)
    .map((c) => c.name);
  const split = defaultSplit(columns, rows, x);
  return split ? { x, y: y.slice(0, 1), split } : { x, y };
}

/** One drawn value: its x on the chart's axis, its y as a double, and the value as the result gave it. */
export interface Point {
  /** Epoch ms (time axis), a number (number axis), or the category's label. */
  x: number | string;
  /** Null where the value is missing or not a number (a gap). */
  y: number | null;
  /** The value as it came, for tooltips that show exact decimals. */
  value: unknown;
}

export interface Series {
  /** The legend's name: the y column, the split value, or both when there are several y columns. */
  label: string;
  column: string;
  /** The split column's value this series draws, when the chart is split. */
  group?: string;
  /** Only the rows of this series, in x order: an x it has no row for is absent, not borrowed from another series. */
  points: Point[];
}

export interface ChartData {
  axis: 'time' | 'category' | 'linear';
  /** Every x is a date without a time: the axis and tooltips show days. */
  dateOnly: boolean;
  /** Category axis: the distinct x labels in the result's order. */
  labels: string[];
  series: Series[];
  /** Histogram: the bins, whose counts are the series' y. */
  bins?: Binning;
  /** Rows left out because their x is not a date (time axis) or not a number (number axis, histogram). */
  skipped: number;
  /** Split values not drawn: only the largest fit the palette. */
  hidden: string[];
  /** Rows whose x another row of the same series already has (a long result drawn without a split). */
  repeated: number;
  /** Settings that name columns the result does not have. */
  missing: string[];
}

export const emptyData = (missing: string[]): ChartData => ({
  axis: 'category',
  dateOnly: false,
  labels: [],
  series: [],
  skipped: 0,
  hidden: [],
  repeated: 0,
  missing,
});

export function missingColumns(columns: Column[], names: (string | undefined)[]): string[] {
  return names.filter((name): name is string => !!name && !columns.some((c) => c.name === name));
}

/**
 * The split values to draw, largest first (by the sum of the first y column's magnitudes; ties in the
 * result's order), as many as fit the palette with every y column; and the ones left out.
 */
export function splitGroups(
  rows: unknown[][],
  splitIndex: number,
  yIndex: number,
  perGroup: number,
): { drawn: string[]; hidden: string[] } {
  const totals = new Map<string, number>();
  for (const row of rows) {
    const key = categoryLabel(row[splitIndex]);
    totals.set(key, (totals.get(key) ?? 0) + Math.abs(yIndex >= 0 ? (toNumber(row[yIndex]) ?? 0) : 1));
  }
  const order = [...totals.keys()];
  const ranked = [...order].sort((a, b) => totals.get(b)! - totals.get(a)! || order.indexOf(a) - order.indexOf(b));
  const fit = Math.max(1, Math.floor(MAX_SERIES / Math.max(1, perGroup)));
  return { drawn: ranked.slice(0, fit), hidden: ranked.slice(fit) };
}

/** The series for the x, y and split columns over rows (arrays in the columns' order). */
export function buildChartData(columns: Column[], rows: unknown[][], selection: ChartSelection): ChartData {
  const { x, y, split } = selection;
  const missing = missingColumns(columns, [x, ...y, split]);
  const xIndex = columns.findIndex((c) => c.name === x);
  const yIndexes = y.map((name) => ({ name, index: columns.findIndex((c) => c.name === name) })).filter((c) => c.index >= 0);
  const splitIndex = split ? columns.findIndex((c) => c.name === split) : -1;
  if (xIndex < 0) return emptyData(missing);
  const xColumn = columns[xIndex]!;
  const xValues = columnValues(rows, xIndex);

  const axis: ChartData['axis'] = isDateLike(xColumn, xValues)
    ? 'time'
    : selection.type === 'scatter' && xColumn.numeric
      ? 'linear'
      : 'category';
  const place = (value: unknown): number | string | null =>
    axis === 'time' ? parseTime(value) : axis === 'linear' ? toNumber(value) : categoryLabel(value);
  let placed = rows
    .map((row) => ({ x: place(row[xIndex]), row }))
    .filter((p): p is { x: number | string; row: unknown[] } => p.x !== null);
  // Stable: equal x keep the result's order. A line drawn in row order would zigzag back.
  if (axis !== 'category') placed = placed.sort((a, b) => (a.x as number) - (b.x as number));
  const dateOnly =
    axis === 'time' &&
    (/^DATE$/i.test(xColumn.type.trim()) ||
      placed.every((p) => typeof p.row[xIndex] === 'string' && DATE_ONLY.test((p.row[xIndex] as string).trim())));

  const groupOf = (row: unknown[]) => (splitIndex >= 0 ? categoryLabel(row[splitIndex]) : '');
  const { drawn, hidden } =
    splitIndex >= 0
      ? splitGroups(
          placed.map((p) => p.row),
          splitIndex,
          yIndexes[0]?.index ?? -1,
          yIndexes.length,
        )
      : { drawn: [''], hidden: [] };

  const seen = new Set<string>();
  let repeated = 0;
  for (const p of placed) {
    const key = `${groupOf(p.row)}\u0000${String(p.x)}`;
    if (seen.has(key)) repeated++;
    else seen.add(key);
  }

  const labels = axis === 'category' ? [...new Set(placed.map((p) => p.x as string))] : [];
  const position = new Map(labels.map((label, i) => [label, i]));
  const series: Series[] = [];
  for (const group of drawn) {
    let own = splitIndex >= 0 ? placed.filter((p) => groupOf(p.row) === group) : placed;
    // A series' rows can come in another order than the axis's categories; its line follows the axis.
    if (splitIndex >= 0 && axis === 'category')
      own = [...own].sort((a, b) => position.get(a.x as string)! - position.get(b.x as string)!);
    for (const { name, index } of yIndexes) {
      const label = splitIndex < 0 ? name : yIndexes.length > 1 ? `${group} · ${name}` : group;
      series.push({
        label,
        column: name,
        ...(splitIndex >= 0 ? { group } : {}),
        points: own.map((p) => ({ x: p.x, y: toNumber(p.row[index]), value: p.row[index] })),
      });
    }
  }
  return {
    axis,
    dateOnly,
    labels,
    series,
    skipped: rows.length - placed.length,
    hidden,
    repeated,
    missing,
  };
}
