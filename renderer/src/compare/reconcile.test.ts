import { describe, expect, it } from 'vitest';
import {
  activeReasons,
  differs,
  keyLabel,
  keyLabels,
  metricSeries,
  metricsOf,
  pendingDifferences,
  reasonKeys,
  reasonTotals,
  recountOutcome,
  tableRows,
  watermarkPosition,
  type Reconciliation,
  type ReconciliationRow,
  type RecountResult,
} from './reconcile';

const reasons = (r: Partial<Record<string, number | string | null>> = {}) => ({
  duplicate_arrivals: 0,
  not_in_lake: 0,
  late: 0,
  not_seen_live: 0,
  not_yet_in_batch: 0,
  rejected: 0,
  ...r,
});

function row(partition: string, metric: string, values: Partial<ReconciliationRow>): ReconciliationRow {
  return {
    partition,
    metric,
    batch: null,
    realtime_naive: null,
    realtime_exact: null,
    served: null,
    reasons: reasons(),
    residual: 0,
    additive: true,
    ...values,
  };
}

// Shaped like the demo: history only in batch, today only live, a late event for yesterday.
const result: Reconciliation = {
  pipeline: 'daily_visits',
  log: '/ws/logs/events.log',
  watermark: '2026-11-24',
  rows: [
    row('2026-11-23', 'visits', { batch: 548, served: 548, reasons: reasons({ not_seen_live: -548 }) }),
    row('2026-11-23', 'visitors', { batch: 284, served: 284, additive: false, reasons: reasons({ not_seen_live: -284 }) }),
    row('2026-11-24', 'visits', {
      batch: 508,
      realtime_naive: 1,
      realtime_exact: 1,
      served: 509,
      reasons: reasons({ late: 1, not_seen_live: -508 }),
    }),
    row('2026-11-24', 'visitors', {
      batch: 278,
      realtime_naive: 1,
      realtime_exact: 1,
      served: 279,
      additive: false,
      reasons: reasons({ late: 1, not_seen_live: -278, duplicate_arrivals: null }),
    }),
    row('2026-11-25', 'visits', {
      realtime_naive: 363,
      realtime_exact: 355,
      served: 355,
      reasons: reasons({ duplicate_arrivals: 8, not_in_lake: 355 }),
    }),
    row('2026-11-25', 'visitors', {
      realtime_naive: 319,
      realtime_exact: 319,
      served: 319,
      additive: false,
      reasons: reasons({ duplicate_arrivals: 8, not_in_lake: 319 }),
      residual: -8,
    }),
  ],
  rejectedLines: [{ line: 12, reason: 'invalid JSON' }],
};

describe('what differs', () => {
  it('counts a partition the log never carried as agreeing when served equals batch', () => {
    expect(differs(result.rows[0]!)).toBe(false);
    expect(differs(row('2026-11-01', 'visits', { batch: 5, served: 6 }))).toBe(true);
  });

  it('flags realtime or served apart from batch, and residuals', () => {
    expect(differs(result.rows[2]!)).toBe(true);
    expect(differs(result.rows[4]!)).toBe(true);
    expect(differs(row('2026-11-25', 'visits', { batch: '10.00', realtime_naive: 10, realtime_exact: '10', served: 10 }))).toBe(
      false,
    );
    expect(
      differs(row('2026-11-25', 'visits', { batch: 10, realtime_naive: 10, realtime_exact: 10, served: 10, residual: 1 })),
    ).toBe(true);
  });

  it('orders rows newest partition first, metrics in the pipeline order, and hides agreeing rows', () => {
    const some = tableRows(result, false);
    expect(some.rows.map((r) => r.id)).toEqual([
      '2026-11-25||visits',
      '2026-11-25||visitors',
      '2026-11-24||visits',
      '2026-11-24||visitors',
    ]);
    expect(some.rows.map((r) => r.first)).toEqual([true, false, true, false]);
    expect(some.total).toBe(6);
    expect(some.differing).toBe(4);
    const all = tableRows(result, true);
    expect(all.rows).toHaveLength(6);
    expect(all.rows.map((r) => r.differs)).toEqual([true, true, true, true, false, false]);
  });
});

describe('reasons', () => {
  it('lists the reasons present, in reading order, and the ones that explain something', () => {
    expect(reasonKeys(result)).toEqual([
      'duplicate_arrivals',
      'not_in_lake',
      'late',
      'not_yet_in_batch',
      'not_seen_live',
      'rejected',
    ]);
    expect(activeReasons(result)).toEqual(['duplicate_arrivals', 'not_in_lake', 'late', 'not_seen_live']);
    expect(activeReasons(result, [result.rows[4]!])).toEqual(['duplicate_arrivals', 'not_in_lake']);
  });

  it('totals a metric per reason', () => {
    expect(reasonTotals(result, 'visits')).toEqual({
      duplicate_arrivals: 8,
      not_in_lake: 355,
      late: 1,
      not_yet_in_batch: 0,
      not_seen_live: -1056,
      rejected: 0,
    });
  });

  it('counts the rows a recount resolves', () => {
    // 2026-11-24 (late, both metrics) and 2026-11-25 (not in lake, both metrics).
    expect(pendingDifferences(result)).toBe(4);
  });
});

describe('series and keys', () => {
  it('gives each partition ascending with nulls where a layer has nothing', () => {
    expect(metricsOf(result)).toEqual(['visits', 'visitors']);
    expect(metricSeries(result, 'visits')).toEqual([
      { partition: '2026-11-23', batch: 548, naive: null, exact: null, served: 548 },
      { partition: '2026-11-24', batch: 508, naive: 1, exact: 1, served: 509 },
      { partition: '2026-11-25', batch: null, naive: 363, exact: 355, served: 355 },
    ]);
  });

  it('sums keyed rows exactly, or picks one key', () => {
    const keyed: Reconciliation = {
      ...result,
      rows: [
        row('2026-11-25', 'revenue', { key: { product_id: 'P1' }, batch: '0.10', served: '0.10' }),
        row('2026-11-25', 'revenue', { key: { product_id: 'P2' }, batch: '0.20', served: '0.20' }),
      ],
    };
    expect(keyLabels(keyed)).toEqual(['product_id P1', 'product_id P2']);
    expect(keyLabel(undefined)).toBe('');
    expect(metricSeries(keyed, 'revenue')).toEqual([
      { partition: '2026-11-25', batch: 0.3, naive: null, exact: null, served: 0.3 },
    ]);
    expect(metricSeries(keyed, 'revenue', 'product_id P2')[0]!.batch).toBe(0.2);
  });
});

describe('recount outcome', () => {
  it('says what was imported and run, and the differences before and after', () => {
    const after: Reconciliation = {
      ...result,
      watermark: '2026-11-25',
      rows: [
        row('2026-11-25', 'visits', {
          batch: 355,
          realtime_naive: 365,
          realtime_exact: 357,
          served: 357,
          reasons: reasons({ duplicate_arrivals: 8, late: 2 }),
        }),
      ],
    };
    const recount = {
      import: {
        path: '/ws/logs/events.log',
        status: 'imported',
        rows: 625,
        rejected: 0,
        duplicates: 6,
        partitions: ['2026-11-24', '2026-11-25'],
        durationMs: 200,
      },
      run: {
        runId: 3,
        status: 'succeeded',
        partitions: [
          {
            pipeline: 'daily_visits',
            partition: '2026-11-24',
            status: 'succeeded',
            reason: 'new-data',
            rows: 1,
            checksum: 'a',
            error: null,
            durationMs: 5,
          },
          {
            pipeline: 'daily_visits',
            partition: '2026-11-25',
            status: 'succeeded',
            reason: 'new-data',
            rows: 1,
            checksum: 'b',
            error: null,
            durationMs: 5,
          },
          {
            pipeline: 'daily_orders',
            partition: '2026-11-25',
            status: 'failed',
            reason: 'new-data',
            rows: null,
            checksum: null,
            error: 'x',
            durationMs: 5,
          },
        ],
        problems: [],
        durationMs: 30,
      },
      throughLine: 640,
    } satisfies RecountResult;
    const outcome = recountOutcome(recount, result, after, 'visits');
    expect(outcome).toEqual({
      imported: 625,
      duplicates: 6,
      importStatus: 'imported',
      importError: undefined,
      partitionsRun: 2,
      partitionsFailed: 1,
      before: 4,
      after: 1,
      metric: 'visits',
      reasons: [
        { key: 'not_in_lake', before: 355, after: 0 },
        { key: 'late', before: 1, after: 2 },
        { key: 'not_yet_in_batch', before: 0, after: 0 },
      ],
    });
  });
});

describe('watermark line', () => {
  const parse = (d: string) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10));
  it('sits halfway between the watermark partition and the next', () => {
    expect(watermarkPosition('2026-11-24', 'day', parse)).toBe(Date.UTC(2026, 10, 24, 12));
    expect(watermarkPosition('2026-11-23', 'week', parse)).toBe(Date.UTC(2026, 10, 26, 12));
    // November has 30 days: halfway to December 1 is November 16, 00:00.
    expect(watermarkPosition('2026-11-01', 'month', parse)).toBe(Date.UTC(2026, 10, 16));
    expect(watermarkPosition('2026-12-01', 'month', parse)).toBe(Date.UTC(2026, 11, 16, 12));
    expect(watermarkPosition('soon', 'day', () => null)).toBeNull();
  });
});
