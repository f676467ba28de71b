import type { Result } from '../api';
import { DAY_MS, dateMs, inputRange, isDate, partitionsBetween } from '../../../engine/shared/calendar';

export type PipelineStatus = Result<'pipelines.status'>['pipelines'][number];
export type PartitionStatus = PipelineStatus['partitions'][number];
export type Grain = PipelineStatus['grain'];

/** What one partition's square says: fresh, stale for one of three reasons, or its last attempt failed. */
export type PartitionState = 'fresh' | 'new-data' | 'definition-changed' | 'never-run' | 'failed';

export const PARTITION_STATES: readonly PartitionState[] = ['fresh', 'new-data', 'definition-changed', 'never-run', 'failed'];

export const STATE_LABELS: Record<PartitionState, string> = {
  fresh: 'Fresh',
  'new-data': 'Stale: new data',
  'definition-changed': 'Stale: definition changed',
  'never-run': 'Never run',
  failed: 'Failed',
};

/** A cancelled partition did not fail: it is as it was, and keeps the reason it was stale for. */
export function isCancellation(error: string | undefined | null): boolean {
  return Boolean(error && /^cancelled\b/i.test(error));
}

export function partitionState(p: PartitionStatus): PartitionState {
  // A fresh partition whose later re-run failed still holds correct rows, so it stays fresh.
  if (p.fresh) return 'fresh';
  if (p.lastError && !isCancellation(p.lastError.error)) return 'failed';
  return p.reason ?? 'never-run';
}

/** Why a partition is in its state, in a sentence for the tooltip. */
export function stateReason(p: PartitionStatus): string {
  const state = partitionState(p);
  const stale =
    p.reason === 'new-data'
      ? 'an import added events to its input dates since it last ran'
      : p.reason === 'definition-changed'
        ? "the pipeline's SQL changed since it last ran"
        : 'it has never been computed';
  switch (state) {
    case 'fresh':
      return p.lastError && !isCancellation(p.lastError.error)
        ? `Up to date; a later re-run failed (run #${p.lastError.runId}), the rows shown are from the last success`
        : 'Up to date with its input';
    case 'failed':
      return `Its last run (#${p.lastError?.runId}) failed; stale because ${stale}`;
    default:
      return p.lastError && isCancellation(p.lastError.error)
        ? `Stale because ${stale}; its last run was cancelled`
        : `Stale because ${stale}`;
  }
}

export function countStates(partitions: readonly PartitionStatus[]): Record<PartitionState, number> {
  const counts: Record<PartitionState, number> = { fresh: 0, 'new-data': 0, 'definition-changed': 0, 'never-run': 0, failed: 0 };
  for (const p of partitions) counts[partitionState(p)]++;
  return counts;
}

/** The week column of a date: its week of the year, counted in whole weeks from January 1. */
const weekColumn = (date: string) => Math.floor((dateMs(date) - dateMs(`${date.slice(0, 4)}-01-01`)) / (7 * DAY_MS)) + 1;

export interface CalendarSlot {
  /** 1-based column: day of month, week of year, or month. */
  column: number;
  partition: string;
  /** Absent where the lake has no events for that partition. */
  status?: PartitionStatus;
}

export interface CalendarRow {
  /** "2026-11" for days, "2026" for weeks and months. */
  key: string;
  slots: CalendarSlot[];
}

/** How many columns a row of a grain has: days of a month, weeks of a year, months of a year. */
export const CALENDAR_COLUMNS: Record<Grain, number> = { day: 31, week: 53, month: 12 };

/**
 * Lays partitions out as a calendar: a row per month (day grain) or per year (week and month grains),
 * each partition in the column of its day, week or month, so the same date lines up across rows. Dates
 * between the first and last partition that have no events are included, without a status.
 */
export function calendarRows(partitions: readonly PartitionStatus[], grain: Grain): CalendarRow[] {
  if (partitions.length === 0) return [];
  const sorted = [...partitions].sort((a, b) => a.partition.localeCompare(b.partition));
  const byPartition = new Map(sorted.map((p) => [p.partition, p]));
  const first = (sorted[0] as PartitionStatus).partition;
  const last = (sorted[sorted.length - 1] as PartitionStatus).partition;
  // Partitions that don't sit on the grain's steps (never expected) still get their square.
  const dates = [...new Set([...partitionsBetween(first, last, grain), ...byPartition.keys()])].sort();
  const rows: CalendarRow[] = [];
  for (const partition of dates) {
    const key = grain === 'day' ? partition.slice(0, 7) : partition.slice(0, 4);
    const column =
      grain === 'day'
        ? Number(partition.slice(8, 10))
        : grain === 'month'
          ? Number(partition.slice(5, 7))
          : weekColumn(partition);
    let row = rows[rows.length - 1];
    if (!row || row.key !== key) {
      row = { key, slots: [] };
      rows.push(row);
    }
    const status = byPartition.get(partition);
    row.slots.push(status ? { column, partition, status } : { column, partition });
  }
  return rows;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov 2026" for a month key, the year as is. */
export function rowLabel(key: string): string {
  return key.length === 7 ? `${MONTHS[Number(key.slice(5, 7)) - 1]} ${key.slice(0, 4)}` : key;
}

/** A partition as people say it: "Tue, Nov 3, 2026", "week of Nov 2, 2026", "November 2026". */
export function partitionLabel(partition: string, grain: Grain): string {
  const d = new Date(dateMs(partition));
  if (grain === 'month') return d.toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const day = d.toLocaleDateString('en-US', {
    ...(grain === 'day' ? { weekday: 'short' } : {}),
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
  return grain === 'week' ? `week of ${day}` : day;
}

/** Whether a backfill of event dates from..to (inclusive) recomputes a partition: its input dates overlap them. */
export function inRange(partition: string, grain: Grain, from: string, to: string): boolean {
  return inputRange(partition, grain).end >= from && partition <= to;
}

/** What is wrong with a backfill range, or undefined when it can run. */
export function rangeProblem(from: string, to: string): string | undefined {
  if (!from || !to) return 'Choose both dates';
  if (!isDate(from) || !isDate(to)) return 'Dates are YYYY-MM-DD';
  if (from > to) return 'The range ends before it starts';
  return undefined;
}

/** Labels over the calendar's columns: days of the month, months over the weeks of a year, or months. */
export function calendarTicks(grain: Grain): { column: number; label: string }[] {
  if (grain === 'day') return [1, 5, 10, 15, 20, 25, 30].map((d) => ({ column: d, label: String(d) }));
  if (grain === 'month') return MONTHS.map((m, i) => ({ column: i + 1, label: m.charAt(0) }));
  // The week column a month starts in, as calendarRows computes it, in a year that is not a leap year.
  return MONTHS.map((m, i) => ({ column: weekColumn(`2026-${String(i + 1).padStart(2, '0')}-01`), label: m }));
}
