import type { Grain } from '../kernel/pipeline/definition.js';

const DAY_MS = 86_400_000;

function toMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function toDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The output partition an event date belongs to: the day, its ISO week's Monday, or its month's first day. */
export function partitionOf(date: string, grain: Grain): string {
  if (grain === 'day') return date;
  if (grain === 'month') return `${date.slice(0, 7)}-01`;
  const ms = toMs(date);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday = 0
  return toDate(ms - weekday * DAY_MS);
}

/** The event dates an output partition is computed from (inclusive): a week from its seven days. */
export function inputRange(partition: string, grain: Grain): { start: string; end: string } {
  if (grain === 'day') return { start: partition, end: partition };
  if (grain === 'week') return { start: partition, end: toDate(toMs(partition) + 6 * DAY_MS) };
  const [y, m] = partition.split('-').map(Number) as [number, number];
  const next = Date.UTC(m === 12 ? y + 1 : y, m === 12 ? 0 : m, 1);
  return { start: partition, end: toDate(next - DAY_MS) };
}

export function datesBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let ms = toMs(start); ms <= toMs(end); ms += DAY_MS) out.push(toDate(ms));
  return out;
}

/**
 * What the batch layer knows about each event date of the lake: the newest import that added events
 * to it. A partition's input version lists these for its input dates; a new import with new events
 * for any of them changes it (an import of duplicates only does not).
 */
export type DateVersions = Map<string, number>;

export function inputVersion(partition: string, grain: Grain, versions: DateVersions): string {
  const { start, end } = inputRange(partition, grain);
  return datesBetween(start, end)
    .filter((d) => versions.has(d))
    .map((d) => `${d}:${versions.get(d)}`)
    .join(',');
}

/** Output partitions that have input data. */
export function partitionsWithData(grain: Grain, versions: DateVersions): string[] {
  return [...new Set([...versions.keys()].map((d) => partitionOf(d, grain)))].sort();
}

const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);

/** The newest partition of a grain whose dates are all before `today`: closed, so no event should still arrive for it. */
export function lastClosedPartition(today: string, grain: Grain): string {
  let partition = partitionOf(dayBefore(today), grain);
  while (inputRange(partition, grain).end >= today) partition = partitionOf(dayBefore(partition), grain);
  return partition;
}
