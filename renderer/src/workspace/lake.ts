/** Pure helpers for the workspace panel and its dialogs: names, date ranges, the lake's sparkline. */

import { dateMs, datesBetween, type Grain } from '../../../engine/shared/calendar';

/** The last part of a path, for lists where the whole path goes in a tooltip. */
export function basename(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/**
 * The name a user knows an imported file by. Browser mode uploads a file into the workspace's
 * `.tmp/uploads/` as `<8 hex>-<name>`; the prefix is the server's, not the user's.
 */
export function importName(path: string): string {
  const name = basename(path);
  const parent = path.split(/[\\/]/).filter(Boolean).slice(-2, -1)[0];
  const match = /^[0-9a-f]{8}-(.+)$/.exec(name);
  return parent === 'uploads' && match ? (match[1] as string) : name;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const utc = (date: string) => new Date(dateMs(date));
const day = (date: string, year: boolean) =>
  utc(date).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    ...(year ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  });

/** "Oct 28 – Nov 25, 2026", "Dec 28, 2025 – Jan 3, 2026", or one day. */
export function formatDateRange(first: string, last: string): string {
  if (!DATE.test(first) || !DATE.test(last)) return `${first} – ${last}`;
  if (first === last) return day(first, true);
  const sameYear = first.slice(0, 4) === last.slice(0, 4);
  return `${day(first, !sameYear)} – ${day(last, true)}`;
}

/** The partitions an import touched, as a range and a count: "Oct 28 – Nov 24, 2026 (28 days)". */
export function partitionsSummary(partitions: readonly string[]): string {
  if (partitions.length === 0) return '—';
  const sorted = [...partitions].sort();
  const range = formatDateRange(sorted[0] as string, sorted[sorted.length - 1] as string);
  return partitions.length === 1 ? range : `${range} (${partitions.length} days)`;
}

export interface SparkBar {
  date: string;
  events: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Bars of events per partition for a small SVG. Days without events between the first and last keep
 * their slot (so gaps show); every bar with events is at least 1px tall so a quiet day stays visible.
 */
export function sparkBars(
  partitions: readonly { event_date: string; events: number }[],
  width: number,
  height: number,
  gap = 1,
): SparkBar[] {
  if (partitions.length === 0) return [];
  const byDate = new Map(partitions.map((p) => [p.event_date, p.events]));
  const sorted = [...byDate.keys()].sort();
  const dates = datesBetween(sorted[0] as string, sorted[sorted.length - 1] as string);
  const max = Math.max(...byDate.values(), 1);
  const slot = width / dates.length;
  return dates.map((date, i) => {
    const events = byDate.get(date) ?? 0;
    const h = events > 0 ? Math.max(1, (events / max) * height) : 0;
    return { date, events, x: i * slot, y: height - h, width: Math.max(0.5, slot - gap), height: h };
  });
}

/** Notebook names as the engine accepts them (`notebooks.create`): why a name won't do, or undefined. */
export function notebookNameProblem(name: string, existing: readonly string[], current?: string): string | undefined {
  const trimmed = name.trim();
  if (!trimmed) return 'Give the notebook a name';
  if (!/^[\w][\w .-]{0,100}$/.test(trimmed)) return 'Use letters, digits, spaces, dots, dashes or underscores';
  if (trimmed !== current && existing.some((n) => n.toLowerCase() === trimmed.toLowerCase()))
    return 'A notebook with this name exists';
  return undefined;
}

/** The first "Notebook N" not taken. */
export function nextNotebookName(existing: readonly string[]): string {
  const taken = new Set(existing.map((n) => n.toLowerCase()));
  for (let i = 1; ; i++) if (!taken.has(`notebook ${i}`)) return `Notebook ${i}`;
}

/** Time zones offered first when creating a workspace: UTC and the zones most teams report in. */
export const COMMON_TIME_ZONES = [
  'UTC',
  'America/Los_Angeles',
  'America/Denver',
  'America/Chicago',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/Madrid',
  'Europe/Amsterdam',
  'Europe/Istanbul',
  'Africa/Lagos',
  'Africa/Johannesburg',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
] as const;

/** Common zones (the system's own first) and then every zone the runtime knows, without repeats. */
export function timeZoneGroups(system: string | undefined, all: readonly string[]): { common: string[]; other: string[] } {
  const common = [...new Set([...(system ? [system] : []), ...COMMON_TIME_ZONES])];
  const seen = new Set(common);
  return { common, other: all.filter((z) => !seen.has(z)) };
}

/** A partition in few characters, for the panel: "Nov 9", "wk of Nov 2", "Nov 2026". */
export function shortPartition(partition: string, grain: Grain): string {
  if (!DATE.test(partition)) return partition;
  if (grain === 'month') return utc(partition).toLocaleDateString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
  return `${grain === 'week' ? 'wk of ' : ''}${day(partition, false)}`;
}
