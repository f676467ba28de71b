import { describe, expect, it, vi } from 'vitest';
import { displayPath, liveColumns, liveTable, todayIn } from './live-table';
import { Throttle } from './throttle';

describe('liveColumns', () => {
  it('takes metrics from the summary table types', () => {
    expect(
      liveColumns(['event_date', 'product_id', 'orders', 'revenue'], [], 'event_date', {
        event_date: 'DATE',
        product_id: 'VARCHAR',
        orders: 'BIGINT',
        revenue: 'DECIMAL(38,2)',
      }),
    ).toEqual({ partition: 'event_date', keys: ['product_id'], metrics: ['orders', 'revenue'] });
  });

  it('without types, a column of numbers (or numeric strings) is a metric', () => {
    const rows = [
      { week_start: '2026-11-23', country: 'NL', hour: 3, visits: '343', rate: 0.1 },
      { week_start: '2026-11-16', country: 'DE', hour: 4, visits: '4', rate: null },
    ];
    expect(liveColumns(['week_start', 'country', 'hour', 'visits', 'rate'], rows, 'week_start')).toEqual({
      partition: 'week_start',
      keys: ['country'],
      metrics: ['hour', 'visits', 'rate'],
    });
  });

  it('falls back to the first column as the partition', () => {
    expect(liveColumns(['d', 'n'], [{ d: '2026-11-25', n: 1 }], undefined)).toEqual({ partition: 'd', keys: [], metrics: ['n'] });
  });
});

describe('liveTable', () => {
  const columns = { partition: 'event_date', keys: [], metrics: ['visits', 'revenue'] };

  it('puts naive and exact side by side, newest partition first, with their difference', () => {
    const table = liveTable(
      {
        naive: [
          { event_date: '2026-11-24', visits: '4', revenue: '10.00' },
          { event_date: '2026-11-25', visits: '363', revenue: '12613.31' },
        ],
        exact: [
          { event_date: '2026-11-25', visits: '355', revenue: '12443.95' },
          { event_date: '2026-11-24', visits: '4', revenue: '10.00' },
        ],
      },
      columns,
      ['naive', 'exact'],
    );
    expect(table.partitions).toBe(2);
    expect(table.shown).toEqual(['2026-11-25', '2026-11-24']);
    expect(table.rows.map((r) => r.partition)).toEqual(['2026-11-25', '2026-11-24']);
    expect(table.rows[0]!.values).toEqual({
      visits: { naive: '363', exact: '355', diff: 8 },
      revenue: { naive: '12613.31', exact: '12443.95', diff: '169.36' },
    });
    expect(table.rows[1]!.values.visits).toEqual({ naive: '4', exact: '4', diff: 0 });
  });

  it('leaves the difference out with one mode, and a partition only one mode has gets nulls', () => {
    const only = liveTable({ exact: [{ event_date: '2026-11-25', visits: 3, revenue: null }] }, columns, ['exact']);
    expect(only.rows[0]!.values.visits).toEqual({ naive: null, exact: 3, diff: null });
    const partial = liveTable({ naive: [{ event_date: '2026-11-25', visits: 3, revenue: '1.50' }], exact: [] }, columns, [
      'naive',
      'exact',
    ]);
    expect(partial.rows[0]!.values.revenue).toEqual({ naive: '1.50', exact: null, diff: '1.50' });
  });

  it('keeps the newest partitions and caps the rows', () => {
    const naive = Array.from({ length: 10 }, (_, i) => ({ event_date: `2026-11-${String(10 + i)}`, visits: i, revenue: null }));
    const table = liveTable({ naive }, columns, ['naive'], { partitions: 3 });
    expect(table.shown).toEqual(['2026-11-19', '2026-11-18', '2026-11-17']);
    expect(table.partitions).toBe(10);
    const keyed = liveTable(
      {
        naive: [
          { event_date: '2026-11-25', product_id: 'P2', visits: 1 },
          { event_date: '2026-11-25', product_id: 'P1', visits: 2 },
          { event_date: '2026-11-24', product_id: 'P1', visits: 3 },
        ],
      },
      { partition: 'event_date', keys: ['product_id'], metrics: ['visits'] },
      ['naive'],
      { maxRows: 2 },
    );
    expect(keyed.rows.map((r) => [r.partition, r.key.product_id])).toEqual([
      ['2026-11-25', 'P1'],
      ['2026-11-25', 'P2'],
    ]);
    expect(keyed.hiddenRows).toBe(1);
  });
});

describe('helpers', () => {
  it('shows the log relative to the workspace', () => {
    expect(displayPath('/tmp/ws/logs/events.log', '/tmp/ws')).toBe('logs/events.log');
    expect(displayPath('/tmp/ws/logs/events.log', '/tmp/ws/')).toBe('logs/events.log');
    expect(displayPath('/var/log/app.log', '/tmp/ws')).toBe('/var/log/app.log');
    expect(displayPath('/tmp/wsx/a.log', '/tmp/ws')).toBe('/tmp/wsx/a.log');
  });

  it("knows today's date in a time zone", () => {
    // 2026-11-25T20:00Z is already the 26th in Kolkata (+05:30) and still the 25th in New York.
    const now = new Date(Date.UTC(2026, 10, 25, 20, 0));
    expect(todayIn('UTC', now)).toBe('2026-11-25');
    expect(todayIn('Asia/Kolkata', now)).toBe('2026-11-26');
    expect(todayIn('America/New_York', now)).toBe('2026-11-25');
  });

  it('throttles renders to one per interval, with the last data', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const flush = vi.fn();
      const throttle = new Throttle(flush, 300, () => now);
      throttle.schedule();
      throttle.schedule();
      vi.advanceTimersByTime(0);
      expect(flush).toHaveBeenCalledTimes(1);
      now = 100;
      throttle.schedule();
      vi.advanceTimersByTime(150);
      expect(flush).toHaveBeenCalledTimes(1);
      now = 300;
      vi.advanceTimersByTime(50);
      expect(flush).toHaveBeenCalledTimes(2);
      throttle.schedule();
      throttle.cancel();
      vi.advanceTimersByTime(1000);
      expect(flush).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
