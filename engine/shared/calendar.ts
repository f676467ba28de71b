/**
 * The one calendar of partitions, for the engine and the renderer alike. Dates are YYYY-MM-DD keys of
 * UTC days: a partition is already cut in the workspace's zone when it gets its date, so from then on
 * every day is exactly DAY_MS long and no arithmetic here meets a change of offset.
 */

export const DAY_MS = 86_400_000;

export const GRAINS = ['day', 'week', 'month'] as const;
export type Grain = (typeof GRAINS)[number];

/** Midnight UTC of a date, in epoch milliseconds; NaN for text that is no date (isDate also rejects a 30th of February). */
export function dateMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The UTC date of an instant. */
export function msDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC of the day an instant falls in. */
export function startOfDayMs(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function addDays(date: string, days: number): string {
  return msDate(dateMs(date) + days * DAY_MS);
}

/** Whether text is a date that exists, written YYYY-MM-DD (2026-02-30 is not one). */
export function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = dateMs(text);
  return !Number.isNaN(ms) && msDate(ms) === text;
}

/** The partition a date belongs to: the day, its ISO week's Monday, or its month's first day. */
export function partitionOf(date: string, grain: Grain): string {
  if (grain === 'day') return date;
  if (grain === 'month') return `${date.slice(0, 7)}-01`;
  const ms = dateMs(date);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday = 0
  return msDate(ms - weekday * DAY_MS);
}

/** The partition after this one: the next day, the Monday a week on, or the first of the next month. */
export function nextPartition(partition: string, grain: Grain): string {
  if (grain === 'day') return addDays(partition, 1);
  if (grain === 'week') return addDays(partition, 7);
  const [y, m] = partition.split('-').map(Number) as [number, number];
  return `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`;
}

/** The dates a partition spans (inclusive): a week its seven days, a month all of its days. */
export function inputRange(partition: string, grain: Grain): { start: string; end: string } {
  if (grain === 'day') return { start: partition, end: partition };
  return { start: partition, end: addDays(nextPartition(partition, grain), -1) };
}

function everyNthDay(first: string, last: string, days: number): string[] {
  const out: string[] = [];
  for (let ms = dateMs(first); ms <= dateMs(last); ms += days * DAY_MS) out.push(msDate(ms));
  return out;
}

/** Every date from start to end, inclusive. */
export function datesBetween(start: string, end: string): string[] {
  return everyNthDay(start, end, 1);
}

/** The partitions a grain has from one partition to another, inclusive (days, Mondays, or firsts of months). */
export function partitionsBetween(first: string, last: string, grain: Grain): string[] {
  if (grain !== 'month') return everyNthDay(first, last, grain === 'week' ? 7 : 1);
  const out: string[] = [];
  for (let p = first; p <= last; p = nextPartition(p, grain)) out.push(p);
  return out;
}

/** The newest partition of a grain whose dates are all before `today`: closed, so no event should still arrive for it. */
export function lastClosedPartition(today: string, grain: Grain): string {
  let partition = partitionOf(addDays(today, -1), grain);
  while (inputRange(partition, grain).end >= today) partition = partitionOf(addDays(partition, -1), grain);
  return partition;
}

/**
 * Today's date in a time zone (the partition an event happening now belongs to); with no zone, the
 * runtime's own. A zone the runtime does not know throws a RangeError.
 */
export function todayIn(timezone: string | undefined, now = Date.now()): string {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const parts = format.formatToParts(now);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
