import { describe, expect, it } from 'vitest';
import { buildChartData, defaultAxes, isDateLike, isTimeType, parseTime, type Column } from './chart-data';

const col = (name: string, type: string, numeric = false): Column => ({ name, type, numeric });
const local = (y: number, m: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => new Date(y, m - 1, d, h, mi, s, ms).getTime();

describe('time values', () => {
  it('knows DuckDB date and timestamp types', () => {
    for (const t of ['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS', 'timestamp_ms'])
      expect(isTimeType(t)).toBe(true);
    for (const t of ['TIME', 'INTERVAL', 'VARCHAR', 'BIGINT', 'DATEPART']) expect(isTimeType(t)).toBe(false);
  });

  it('reads dates and wall times as local time', () => {
    expect(parseTime('2026-11-25')).toBe(local(2026, 11, 25));
    expect(parseTime('2026-11-25 03:02:53.801674')).toBe(local(2026, 11, 25, 3, 2, 53, 801));
    expect(parseTime('2026-11-25T03:02')).toBe(local(2026, 11, 25, 3, 2));
  });

  it('reads times with an offset as that instant', () => {
    // 2026-11-25T03:02:53.801Z is 1795575773801 ms after the epoch (20417 days × 86400000 + 10973801).
    expect(parseTime('2026-11-25 03:02:53.801674+00')).toBe(1795575773801);
    expect(parseTime('2026-11-25T03:02:53.801Z')).toBe(1795575773801);
    // 08:32:53.801 at +05:30 is the same instant.
    expect(parseTime('2026-11-25T08:32:53.801+05:30')).toBe(1795575773801);
    expect(parseTime('2026-11-24 22:02:53.801-05')).toBe(1795575773801);
  });

  it('rejects what is not a real date', () => {
    for (const v of ['2026-02-30', '2026-13-01', '2026-11-25 25:00:00', 'yesterday', '', '20261125', 20261125, null])
      expect(parseTime(v)).toBeNull();
  });

  it('takes text columns as dates only when every value is one', () => {
    expect(isDateLike(col('d', 'VARCHAR'), ['2026-11-24', null, '2026-11-25'])).toBe(true);
    expect(isDateLike(col('d', 'VARCHAR'), ['2026-11-24', 'soon'])).toBe(false);
    expect(isDateLike(col('d', 'VARCHAR'), [null])).toBe(false);
    expect(isDateLike(col('d', 'DATE'), [])).toBe(true);
    expect(isDateLike(col('n', 'BIGINT', true), ['2026-11-24'])).toBe(false);
  });
});

describe('defaults', () => {
  it('puts the first date-like column on x and the numeric columns on y', () => {
    const columns = [
      col('country', 'VARCHAR'),
      col('visits', 'BIGINT', true),
      col('event_date', 'DATE'),
      col('revenue', 'DECIMAL(38,2)', true),
    ];
    expect(defaultAxes(columns, [['NL', '3', '2026-11-25', '1.00']])).toEqual({ x: 'event_date', y: ['visits', 'revenue'] });
  });

  it('falls back to the first text column, then the first column', () => {
    expect(defaultAxes([col('units', 'BIGINT', true), col('product_id', 'VARCHAR')], [[1, 'P1']])).toEqual({
      x: 'product_id',
      y: ['units'],
    });
    expect(defaultAxes([col('a', 'INTEGER', true), col('b', 'INTEGER', true)], [[1, 2]])).toEqual({ x: 'a', y: ['b'] });
    expect(defaultAxes([], [])).toEqual({ x: '', y: [] });
  });

  it('takes at most six series', () => {
    const columns = [col('day', 'DATE'), ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => col(n, 'BIGINT', true))];
    expect(defaultAxes(columns, [])).toEqual({ x: 'day', y: ['a', 'b', 'c', 'd', 'e', 'f'] });
  });
});

describe('buildChartData', () => {
  const columns = [col('event_date', 'DATE'), col('visits', 'BIGINT', true), col('revenue', 'DECIMAL(38,2)', true)];

  it('draws dates on a time axis, ascending, with numbers from strings', () => {
    const rows = [
      ['2026-11-25', '363', '12613.31'],
      ['2026-11-23', '548', null],
      ['2026-11-24', 508, 'n/a'],
    ];
    const data = buildChartData(columns, rows, 'event_date', ['visits', 'revenue']);
    expect(data.axis).toBe('time');
    expect(data.dateOnly).toBe(true);
    expect(data.x).toEqual([local(2026, 11, 23), local(2026, 11, 24), local(2026, 11, 25)]);
    expect(data.series).toEqual([
      { column: 'visits', data: [548, 508, 363], values: ['548', 508, '363'] },
      { column: 'revenue', data: [null, null, 12613.31], values: [null, 'n/a', '12613.31'] },
    ]);
    expect(data.skipped).toBe(0);
    expect(data.missing).toEqual([]);
  });

  it('leaves out rows without a date and says how many', () => {
    const data = buildChartData(
      columns,
      [
        ['2026-11-25', 1, '1'],
        [null, 2, '2'],
      ],
      'event_date',
      ['visits'],
    );
    expect(data.x).toEqual([local(2026, 11, 25)]);
    expect(data.series[0]!.data).toEqual([1]);
    expect(data.skipped).toBe(1);
  });

  it('marks timestamps as not date-only', () => {
    const data = buildChartData(
      [col('hour', 'TIMESTAMP'), col('n', 'BIGINT', true)],
      [
        ['2026-11-25 01:00:00', '2'],
        ['2026-11-25 00:00:00', '1'],
      ],
      'hour',
      ['n'],
    );
    expect(data.dateOnly).toBe(false);
    expect(data.x).toEqual([local(2026, 11, 25, 0), local(2026, 11, 25, 1)]);
    expect(data.series[0]!.data).toEqual([1, 2]);
  });

  it('draws other columns as categories in the result order', () => {
    const data = buildChartData(
      [col('product_id', 'VARCHAR'), col('units', 'BIGINT', true)],
      [
        ['P2', '5'],
        ['P1', 7],
        [null, '1'],
      ],
      'product_id',
      ['units'],
    );
    expect(data.axis).toBe('category');
    expect(data.x).toEqual(['P2', 'P1', '(null)']);
    expect(data.series[0]!.data).toEqual([5, 7, 1]);
  });

  it('names columns the result does not have', () => {
    const data = buildChartData(columns, [], 'day', ['visits', 'gone']);
    expect(data.missing).toEqual(['day', 'gone']);
    expect(data.series).toEqual([]);
    expect(buildChartData(columns, [], 'event_date', ['gone']).missing).toEqual(['gone']);
  });
});
