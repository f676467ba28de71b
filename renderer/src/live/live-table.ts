import { isNumericType, subtract, toNumber, type MetricValue } from '../chart/numbers';
import { todayIn as todayInZone } from '../../../engine/shared/calendar';

/**
 * The live view as a table: per partition (newest first) and key, each metric in naive mode (every
 * line counts, duplicates too) and exact mode (each event once), and how far apart they are.
 */
export type LiveMode = 'naive' | 'exact';
export const LIVE_MODES: LiveMode[] = ['naive', 'exact'];
export type LiveRow = Record<string, unknown>;

export interface LiveColumns {
  partition: string;
  /** Grouping columns other than the partition (product_id in daily_product_sales). */
  keys: string[];
  metrics: string[];
}

/**
 * Which output columns are the partition, keys and metrics. The summary table's types say it when the
 * schema has the table; otherwise a column whose every value is a number is a metric.
 */
export function liveColumns(
  columns: string[],
  rows: LiveRow[],
  partitionColumn: string | undefined,
  types: Record<string, string> = {},
): LiveColumns {
  const partition = partitionColumn && columns.includes(partitionColumn) ? partitionColumn : (columns[0] ?? '');
  const keys: string[] = [];
  const metrics: string[] = [];
  for (const name of columns) {
    if (name === partition) continue;
    const type = types[name];
    const numeric =
      type !== undefined
        ? isNumericType(type)
        : rows.some((r) => r[name] !== null && r[name] !== undefined) &&
          rows.every((r) => r[name] === null || r[name] === undefined || toNumber(r[name]) !== null);
    (numeric ? metrics : keys).push(name);
  }
  return { partition, keys, metrics };
}

export interface LiveValue {
  naive: MetricValue;
  exact: MetricValue;
  /** naive − exact: what duplicate arrivals add. Null unless both modes are shown. */
  diff: MetricValue;
}

export interface LiveTableRow {
  id: string;
  partition: string;
  key: Record<string, unknown>;
  values: Record<string, LiveValue>;
}

export interface LiveTable {
  rows: LiveTableRow[];
  /** How many partitions the live view holds in all. */
  partitions: number;
  /** Partitions shown (the newest). */
  shown: string[];
  /** Rows of the shown partitions left out to keep the table short. */
  hiddenRows: number;
}

const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export function liveTable(
  byMode: Partial<Record<LiveMode, LiveRow[]>>,
  columns: LiveColumns,
  modes: LiveMode[],
  { partitions: limit = 7, maxRows = 60 }: { partitions?: number; maxRows?: number } = {},
): LiveTable {
  const both = modes.includes('naive') && modes.includes('exact');
  const merged = new Map<string, LiveTableRow>();
  for (const mode of modes) {
    for (const row of byMode[mode] ?? []) {
      const partition = text(row[columns.partition]);
      const key = Object.fromEntries(columns.keys.map((k) => [k, row[k]]));
      const id = JSON.stringify([partition, ...columns.keys.map((k) => text(row[k]))]);
      let entry = merged.get(id);
      if (!entry) {
        entry = {
          id,
          partition,
          key,
          values: Object.fromEntries(columns.metrics.map((m) => [m, { naive: null, exact: null, diff: null }])),
        };
        merged.set(id, entry);
      }
      for (const metric of columns.metrics) entry.values[metric]![mode] = (row[metric] ?? null) as MetricValue;
    }
  }
  const all = [...merged.values()];
  if (both) for (const row of all) for (const v of Object.values(row.values)) v.diff = subtract(v.naive, v.exact);
  const partitionsNewestFirst = [...new Set(all.map((r) => r.partition))].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  const shown = partitionsNewestFirst.slice(0, limit);
  const keep = new Set(shown);
  const rows = all
    .filter((r) => keep.has(r.partition))
    .sort((a, b) =>
      a.partition !== b.partition ? (a.partition < b.partition ? 1 : -1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
  return {
    rows: rows.slice(0, maxRows),
    partitions: partitionsNewestFirst.length,
    shown,
    hiddenRows: Math.max(0, rows.length - maxRows),
  };
}

/** The log's path as the user knows it: relative to the workspace when it is inside. */
export function displayPath(path: string, workspaceDir: string | undefined): string {
  if (!workspaceDir) return path;
  const dir = workspaceDir.replace(/[\\/]+$/, '');
  if (path.startsWith(`${dir}/`) || path.startsWith(`${dir}\\`)) return path.slice(dir.length + 1);
  return path;
}

/**
 * Today's date (YYYY-MM-DD) in the workspace's time zone, the zone partitions are cut in; the browser's
 * own zone when the workspace's is not known yet or is one this browser does not know.
 */
export function todayIn(timeZone: string | undefined, now: Date = new Date()): string {
  try {
    return todayInZone(timeZone, now.getTime());
  } catch {
    return todayInZone(undefined, now.getTime());
  }
}
