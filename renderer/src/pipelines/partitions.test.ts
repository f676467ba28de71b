import { describe, expect, it } from 'vitest';
import {
  calendarRows,
  calendarTicks,
  countStates,
  inRange,
  partitionLabel,
  partitionState,
  rangeProblem,
  rowLabel,
  stateReason,
  type PartitionStatus,
} from './partitions';

const p = (partition: string, extra: Partial<PartitionStatus> = {}): PartitionStatus => ({
  partition,
  fresh: true,
  inputVersion: `${partition}:1`,
  ...extra,
});

describe('partitionState', () => {
  it('is fresh when fresh, even after a failed re-run', () => {
    expect(partitionState(p('2026-11-01'))).toBe('fresh');
    expect(partitionState(p('2026-11-01', { lastError: { runId: 4, error: 'boom' } }))).toBe('fresh');
  });
  it('is the stale reason, or failed when the last attempt failed', () => {
    expect(partitionState(p('2026-11-01', { fresh: false, reason: 'new-data' }))).toBe('new-data');
    expect(partitionState(p('2026-11-01', { fresh: false, reason: 'definition-changed' }))).toBe('definition-changed');
    expect(partitionState(p('2026-11-01', { fresh: false, reason: 'never-run' }))).toBe('never-run');
    expect(
      partitionState(p('2026-11-01', { fresh: false, reason: 'new-data', lastError: { runId: 2, error: 'Division by zero' } })),
    ).toBe('failed');
  });
  it('keeps the stale reason when the last attempt was only cancelled', () => {
    const cancelled = p('2026-11-01', { fresh: false, reason: 'new-data', lastError: { runId: 2, error: 'cancelled' } });
    expect(partitionState(cancelled)).toBe('new-data');
    expect(stateReason(cancelled)).toBe(
      'Stale because an import added events to its input dates since it last ran; its last run was cancelled',
    );
  });
  it('explains a failure with its run', () => {
    const failed = p('2026-11-01', { fresh: false, reason: 'never-run', lastError: { runId: 7, error: 'x' } });
    expect(stateReason(failed)).toBe('Its last run (#7) failed; stale because it has never been computed');
  });
});

describe('countStates', () => {
  it('counts each state once per partition', () => {
    expect(
      countStates([
        p('2026-11-01'),
        p('2026-11-02'),
        p('2026-11-03', { fresh: false, reason: 'new-data' }),
        p('2026-11-04', { fresh: false, reason: 'never-run', lastError: { runId: 1, error: 'boom' } }),
      ]),
    ).toEqual({ fresh: 2, 'new-data': 1, 'definition-changed': 0, 'never-run': 0, failed: 1 });
  });
});

describe('calendarRows', () => {
  it('puts days in the column of their day of month, a row per month, with gaps for days without events', () => {
    const rows = calendarRows([p('2026-11-02'), p('2026-10-30'), p('2026-11-01')], 'day');
    expect(rows.map((r) => r.key)).toEqual(['2026-10', '2026-11']);
    expect(rows[0]?.slots.map((s) => [s.column, s.partition, Boolean(s.status)])).toEqual([
      [30, '2026-10-30', true],
      [31, '2026-10-31', false],
    ]);
    expect(rows[1]?.slots.map((s) => [s.column, s.partition, Boolean(s.status)])).toEqual([
      [1, '2026-11-01', true],
      [2, '2026-11-02', true],
    ]);
  });
  it('puts weeks in the column of their week of the year', () => {
    // 2026-01-05 is day 5 of the year: column 1; 2026-01-12 is day 12: column 2; 2025-12-29 is day 363: column 52.
    const rows = calendarRows([p('2025-12-29'), p('2026-01-12')], 'week');
    expect(rows.map((r) => [r.key, r.slots.map((s) => [s.column, s.partition, Boolean(s.status)])])).toEqual([
      ['2025', [[52, '2025-12-29', true]]],
      [
        '2026',
        [
          [1, '2026-01-05', false],
          [2, '2026-01-12', true],
        ],
      ],
    ]);
  });
  it('puts months in the column of their month', () => {
    const rows = calendarRows([p('2026-10-01'), p('2026-12-01')], 'month');
    expect(rows[0]?.slots.map((s) => [s.column, Boolean(s.status)])).toEqual([
      [10, true],
      [11, false],
      [12, true],
    ]);
  });
  it('is empty without partitions', () => {
    expect(calendarRows([], 'day')).toEqual([]);
  });
});

describe('labels', () => {
  it('names rows and partitions', () => {
    expect(rowLabel('2026-11')).toBe('Nov 2026');
    expect(rowLabel('2026')).toBe('2026');
    expect(partitionLabel('2026-11-03', 'day')).toBe('Tue, Nov 3, 2026');
    expect(partitionLabel('2026-11-02', 'week')).toBe('week of Nov 2, 2026');
    expect(partitionLabel('2026-11-01', 'month')).toBe('November 2026');
  });
});

describe('rangeProblem', () => {
  it('accepts a range in order, one day included', () => {
    expect(rangeProblem('2026-11-01', '2026-11-03')).toBeUndefined();
    expect(rangeProblem('2026-11-01', '2026-11-01')).toBeUndefined();
  });
  it('rejects a missing, impossible or reversed range', () => {
    expect(rangeProblem('', '2026-11-03')).toBe('Choose both dates');
    expect(rangeProblem('2026-02-30', '2026-03-01')).toBe('Dates are YYYY-MM-DD');
    expect(rangeProblem('2026-11-04', '2026-11-03')).toBe('The range ends before it starts');
  });
});

describe('calendarTicks', () => {
  it('labels weeks by the month they start in', () => {
    // Feb 1 is day 32: (32 - 1) / 7 = 4.4, column 5; Mar 1 is day 60: column 9; Dec 1 is day 335: column 48.
    const ticks = calendarTicks('week');
    expect(ticks.slice(0, 3)).toEqual([
      { column: 1, label: 'Jan' },
      { column: 5, label: 'Feb' },
      { column: 9, label: 'Mar' },
    ]);
    expect(ticks[11]).toEqual({ column: 48, label: 'Dec' });
  });
  it('labels days and months', () => {
    expect(calendarTicks('day').map((t) => t.column)).toEqual([1, 5, 10, 15, 20, 25, 30]);
    expect(
      calendarTicks('month')
        .map((t) => t.label)
        .join(''),
    ).toBe('JFMAMJJASOND');
  });
});

describe('inRange', () => {
  it('takes a day inside the range, ends included', () => {
    expect(inRange('2026-11-15', 'day', '2026-11-15', '2026-11-17')).toBe(true);
    expect(inRange('2026-11-17', 'day', '2026-11-15', '2026-11-17')).toBe(true);
    expect(inRange('2026-11-18', 'day', '2026-11-15', '2026-11-17')).toBe(false);
  });
  it('takes a week or month whose days overlap the range', () => {
    // The week of Mon Nov 9 runs to Sun Nov 15; November runs to the 30th.
    expect(inRange('2026-11-09', 'week', '2026-11-15', '2026-11-17')).toBe(true);
    expect(inRange('2026-11-02', 'week', '2026-11-15', '2026-11-17')).toBe(false);
    expect(inRange('2026-10-01', 'month', '2026-10-31', '2026-11-02')).toBe(true);
    expect(inRange('2026-12-01', 'month', '2026-10-31', '2026-11-30')).toBe(false);
  });
});
