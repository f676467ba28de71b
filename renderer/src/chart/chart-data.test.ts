import { describe, expect, it } from 'vitest';
import { binEdges, binIndex, binning, niceCeil, quantile } from './bins';
import { binLabel, cellChartConfig } from './cell-config';
import { chartNotes } from './chart-notes';
import { buildChartData, defaultAxes, isDateLike, isTimeType, parseTime, type Column } from './chart-data';
import { numberTicks } from './chart-options';
import { buildHistogram } from './histogram';
import type { ChartTheme } from './theme.svelte';
import { tickFormat } from './ticks';

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

  it('splits a long result by the column that tells its series apart', () => {
    const columns = [col('day', 'DATE'), col('type', 'VARCHAR'), col('n', 'BIGINT', true), col('m', 'BIGINT', true)];
    const rows = [
      ['2026-11-24', 'visit', 5, 1],
      ['2026-11-24', 'order', 2, 1],
      ['2026-11-25', 'visit', 7, 1],
    ];
    expect(defaultAxes(columns, rows)).toEqual({ x: 'day', y: ['n'], split: 'type' });
    // A wide result (each day once) is not split; nor is one where a day repeats within a type.
    expect(defaultAxes(columns, rows.slice(1))).toEqual({ x: 'day', y: ['n', 'm'] });
    expect(defaultAxes(columns, [...rows, ['2026-11-25', 'visit', 1, 1]])).toEqual({ x: 'day', y: ['n', 'm'] });
  });
});

describe('buildChartData', () => {
  const columns = [col('event_date', 'DATE'), col('visits', 'BIGINT', true), col('revenue', 'DECIMAL(38,2)', true)];
  const line = (x: string, y: string[], split?: string) => ({ type: 'line' as const, x, y, split });

  it('draws dates on a time axis, ascending, with numbers from strings', () => {
    const rows = [
      ['2026-11-25', '363', '12613.31'],
      ['2026-11-23', '548', null],
      ['2026-11-24', 508, 'n/a'],
    ];
    const data = buildChartData(columns, rows, line('event_date', ['visits', 'revenue']));
    expect(data.axis).toBe('time');
    expect(data.dateOnly).toBe(true);
    const [d23, d24, d25] = [local(2026, 11, 23), local(2026, 11, 24), local(2026, 11, 25)];
    expect(data.series).toEqual([
      {
        label: 'visits',
        column: 'visits',
        points: [
          { x: d23, y: 548, value: '548' },
          { x: d24, y: 508, value: 508 },
          { x: d25, y: 363, value: '363' },
        ],
      },
      {
        label: 'revenue',
        column: 'revenue',
        points: [
          { x: d23, y: null, value: null },
          { x: d24, y: null, value: 'n/a' },
          { x: d25, y: 12613.31, value: '12613.31' },
        ],
      },
    ]);
    expect(data.skipped).toBe(0);
    expect(data.repeated).toBe(0);
    expect(data.missing).toEqual([]);
  });

  it('leaves out rows without a date and says how many', () => {
    const rows = [
      ['2026-11-25', 1, '1'],
      [null, 2, '2'],
    ];
    const data = buildChartData(columns, rows, line('event_date', ['visits']));
    expect(data.series[0]!.points).toEqual([{ x: local(2026, 11, 25), y: 1, value: 1 }]);
    expect(data.skipped).toBe(1);
  });

  it('marks timestamps as not date-only', () => {
    const rows = [
      ['2026-11-25 01:00:00', '2'],
      ['2026-11-25 00:00:00', '1'],
    ];
    const data = buildChartData([col('hour', 'TIMESTAMP'), col('n', 'BIGINT', true)], rows, line('hour', ['n']));
    expect(data.dateOnly).toBe(false);
    expect(data.series[0]!.points.map((p) => [p.x, p.y])).toEqual([
      [local(2026, 11, 25, 0), 1],
      [local(2026, 11, 25, 1), 2],
    ]);
  });

  it('draws other columns as categories in the result order', () => {
    const rows = [
      ['P2', '5'],
      ['P1', 7],
      [null, '1'],
    ];
    const data = buildChartData(
      [col('product_id', 'VARCHAR'), col('units', 'BIGINT', true)],
      rows,
      line('product_id', ['units']),
    );
    expect(data.axis).toBe('category');
    expect(data.labels).toEqual(['P2', 'P1', '(null)']);
    expect(data.series[0]!.points.map((p) => [p.x, p.y])).toEqual([
      ['P2', 5],
      ['P1', 7],
      ['(null)', 1],
    ]);
  });

  it('names columns the result does not have', () => {
    const data = buildChartData(columns, [], line('day', ['visits', 'gone'], 'kind'));
    expect(data.missing).toEqual(['day', 'gone', 'kind']);
    expect(data.series).toEqual([]);
    expect(buildChartData(columns, [], line('event_date', ['gone'])).missing).toEqual(['gone']);
  });
});

describe('a series split by a column', () => {
  const columns = [col('day', 'DATE'), col('type', 'VARCHAR'), col('n', 'BIGINT', true)];
  // No order on 2026-11-25: that series has no point there, rather than the next row's value.
  const rows = [
    ['2026-11-26', 'order', '3'],
    ['2026-11-24', 'visit', '5'],
    ['2026-11-24', 'order', '2'],
    ['2026-11-25', 'visit', '7'],
    ['2026-11-26', 'visit', '4'],
  ];
  const [d24, d25, d26] = [local(2026, 11, 24), local(2026, 11, 25), local(2026, 11, 26)];

  it('draws one series per value, largest first, each with only its own rows', () => {
    const data = buildChartData(columns, rows, { type: 'line', x: 'day', y: ['n'], split: 'type' });
    // visit sums to 5 + 7 + 4 = 16, order to 3 + 2 = 5.
    expect(data.series).toEqual([
      {
        label: 'visit',
        column: 'n',
        group: 'visit',
        points: [
          { x: d24, y: 5, value: '5' },
          { x: d25, y: 7, value: '7' },
          { x: d26, y: 4, value: '4' },
        ],
      },
      {
        label: 'order',
        column: 'n',
        group: 'order',
        points: [
          { x: d24, y: 2, value: '2' },
          { x: d26, y: 3, value: '3' },
        ],
      },
    ]);
    expect(data.repeated).toBe(0);
    expect(data.hidden).toEqual([]);
  });

  it('counts the rows that repeat an x when the same result is drawn unsplit', () => {
    const data = buildChartData(columns, rows, { type: 'line', x: 'day', y: ['n'] });
    expect(data.series).toHaveLength(1);
    expect(data.series[0]!.points.map((p) => p.y)).toEqual([5, 2, 7, 3, 4]);
    // 2026-11-24 and 2026-11-26 each have a second row.
    expect(data.repeated).toBe(2);
  });

  it('keeps categories in the result order across series', () => {
    const data = buildChartData(
      [col('country', 'VARCHAR'), col('device', 'VARCHAR'), col('visits', 'BIGINT', true)],
      [
        ['NL', 'mobile', 3],
        ['DE', 'mobile', 1],
        ['NL', 'desktop', 5],
      ],
      { type: 'bar', x: 'country', y: ['visits'], split: 'device' },
    );
    expect(data.labels).toEqual(['NL', 'DE']);
    // desktop sums to 5, mobile to 3 + 1 = 4.
    expect(data.series.map((s) => [s.label, s.points.map((p) => [p.x, p.y])])).toEqual([
      ['desktop', [['NL', 5]]],
      [
        'mobile',
        [
          ['NL', 3],
          ['DE', 1],
        ],
      ],
    ]);
  });

  it('orders each series by the axis categories, whatever order its rows came in', () => {
    const data = buildChartData(
      [col('country', 'VARCHAR'), col('device', 'VARCHAR'), col('visits', 'BIGINT', true)],
      [
        ['NL', 'mobile', 3],
        ['DE', 'desktop', 2],
        ['DE', 'mobile', 1],
        ['NL', 'desktop', 5],
      ],
      { type: 'line', x: 'country', y: ['visits'], split: 'device' },
    );
    expect(data.labels).toEqual(['NL', 'DE']);
    expect(data.series.map((s) => [s.label, s.points.map((p) => p.x)])).toEqual([
      ['desktop', ['NL', 'DE']],
      ['mobile', ['NL', 'DE']],
    ]);
  });

  it('draws the six largest values and names the rest; with two y columns, the three largest', () => {
    const cols = [col('day', 'DATE'), col('k', 'VARCHAR'), col('a', 'BIGINT', true), col('b', 'BIGINT', true)];
    // k = g1 … g8 with a = 1 … 8 on one day: g8 is largest.
    const wide = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ['2026-11-24', `g${n}`, n, 1]);
    const one = buildChartData(cols, wide, { type: 'line', x: 'day', y: ['a'], split: 'k' });
    expect(one.series.map((s) => s.label)).toEqual(['g8', 'g7', 'g6', 'g5', 'g4', 'g3']);
    expect(one.hidden).toEqual(['g2', 'g1']);
    const two = buildChartData(cols, wide, { type: 'line', x: 'day', y: ['a', 'b'], split: 'k' });
    expect(two.series.map((s) => s.label)).toEqual(['g8 · a', 'g8 · b', 'g7 · a', 'g7 · b', 'g6 · a', 'g6 · b']);
    expect(two.hidden).toEqual(['g5', 'g4', 'g3', 'g2', 'g1']);
  });

  it('puts numbers on a number axis for a scatter, ascending, without rows that have no x', () => {
    const data = buildChartData(
      [col('price', 'DOUBLE', true), col('units', 'BIGINT', true)],
      [
        [2.5, 10],
        [1, '4'],
        [null, 3],
      ],
      { type: 'scatter', x: 'price', y: ['units'] },
    );
    expect(data.axis).toBe('linear');
    expect(data.series[0]!.points).toEqual([
      { x: 1, y: 4, value: '4' },
      { x: 2.5, y: 10, value: 10 },
    ]);
    expect(data.skipped).toBe(1);
  });
});

describe('histogram bins', () => {
  it('interpolates quantiles as DuckDB quantile_cont does', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    // (16 − 1) × 0.25 = 3.75: 4 + 0.75 × (5 − 4).
    expect(quantile(sorted, 0.25)).toBe(4.75);
    expect(quantile(sorted, 0.75)).toBe(12.25);
    expect(quantile([7], 0.5)).toBe(7);
  });

  it('rounds widths up to 1, 2 or 5 times a power of ten', () => {
    expect([5.953, 1, 0.17544, 150, 0.0021, 2, 2.0000001].map(niceCeil)).toEqual([10, 1, 0.2, 200, 0.005, 2, 5]);
  });

  it('uses Freedman–Diaconis: 2·IQR/∛n', () => {
    // IQR 12.25 − 4.75 = 7.5; 15 / ∛16 = 5.95, rounded up to 10; bins start at 0.
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    const bins = binning(values)!;
    expect(bins).toEqual({ start: 0, width: 10, count: 2, rule: 'freedman-diaconis', integers: true });
    expect(values.map((v) => binIndex(bins, v))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(binLabel(bins, 0)).toBe('0 – 9');
    expect(binLabel(bins, 1)).toBe('10 – 19');
  });

  it('falls back to Sturges when the middle half is one value: range/(⌈log₂ n⌉+1)', () => {
    // Q1 = Q3 = 5; (9 − 5) / (3 + 1) = 1.
    const bins = binning([5, 5, 5, 5, 5, 5, 5, 9])!;
    expect(bins).toEqual({ start: 5, width: 1, count: 5, rule: 'sturges', integers: true });
    expect(binLabel(bins, 4)).toBe('9');
  });

  it('bins decimals on round edges, a value on an edge in the bin above it', () => {
    // Q1 0.2, Q3 0.35: 0.3 / ∛5 = 0.175, rounded up to 0.2.
    const values = [0.1, 0.2, 0.3, 0.35, 0.9];
    const bins = binning(values)!;
    expect(bins).toEqual({ start: 0, width: 0.2, count: 5, rule: 'freedman-diaconis', integers: false });
    expect(values.map((v) => binIndex(bins, v))).toEqual([0, 1, 1, 1, 4]);
    expect(binEdges(bins, 1)).toEqual([0.2, 0.4]);
    expect(binEdges(bins, 4)).toEqual([0.8, 1]);
    expect(binLabel(bins, 1)).toBe('0.2 – 0.4');
  });

  it('widens bins until an outlier fits in fifty', () => {
    // 0 … 999 and 1,000,000: IQR 500 gives 100, which would need 10,001 bins; 50,000 needs 21.
    const values = [...Array.from({ length: 1000 }, (_, i) => i), 1_000_000];
    expect(binning(values)).toEqual({ start: 0, width: 50_000, count: 21, rule: 'freedman-diaconis', integers: true });
  });

  it('gives one bin to one value, and none to no values', () => {
    expect(binning([3, 3, 3])).toEqual({ start: 3, width: 1, count: 1, rule: 'single value', integers: true });
    expect(binning([])).toBeUndefined();
  });

  it('counts each split value over the same bins', () => {
    const rows: unknown[][] = Array.from({ length: 16 }, (_, i) => [i % 2 === 0 ? 'odd' : 'even', i + 1]);
    rows.push(['odd', null]);
    const data = buildHistogram([col('kind', 'VARCHAR'), col('amount', 'DOUBLE', true)], rows, {
      type: 'histogram',
      x: '',
      y: ['amount'],
      split: 'kind',
    });
    expect(data.bins).toEqual({ start: 0, width: 10, count: 2, rule: 'freedman-diaconis', integers: true });
    // [0, 10): odd 1 3 5 7 9, even 2 4 6 8; [10, 20): odd 11 13 15, even 10 12 14 16. odd has the null too (9 rows).
    expect(data.series.map((s) => [s.label, s.points.map((p) => [p.x, p.y])])).toEqual([
      [
        'odd',
        [
          [5, 5],
          [15, 3],
        ],
      ],
      [
        'even',
        [
          [5, 4],
          [15, 4],
        ],
      ],
    ]);
    expect(data.skipped).toBe(1);
  });
});

describe('one tick format per axis', () => {
  const all = (values: number[]) => values.map(tickFormat(values).format);

  it('shows full numbers while the largest tick is under ten thousand', () => {
    expect(all([0, 2000, 4000, 6000, 8000])).toEqual(['0', '2,000', '4,000', '6,000', '8,000']);
    expect(all([0, 0.25, 0.5, 0.75, 1])).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    expect(all([0, 0.1, 0.2, 0.30000000000000004])).toEqual(['0', '0.1', '0.2', '0.3']);
  });

  it('shows every tick compact once one reaches ten thousand', () => {
    expect(all([0, 2000, 4000, 6000, 8000, 10000])).toEqual(['0', '2K', '4K', '6K', '8K', '10K']);
    expect(all([0, 2500, 5000, 7500, 10000])).toEqual(['0', '2.5K', '5K', '7.5K', '10K']);
    expect(all([9000, 9500, 10000])).toEqual(['9K', '9.5K', '10K']);
    expect(all([-20000, 0, 20000])).toEqual(['-20K', '0', '20K']);
    expect(all([0, 500_000, 1_000_000, 1_500_000])).toEqual(['0', '0.5M', '1M', '1.5M']);
    expect(all([0, 1e9, 2e9])).toEqual(['0', '1B', '2B']);
  });

  it('is what the value axis draws', () => {
    const ticks = [0, 2000, 4000, 6000, 8000, 10000].map((value) => ({ value }));
    expect(numberTicks(8000, 4, ticks)).toBe('8K');
    expect(numberTicks(8000, 4, ticks.slice(0, 5))).toBe('8,000');
  });
});

describe('notes under a chart', () => {
  const cols = [col('day', 'DATE'), col('k', 'VARCHAR'), col('a', 'BIGINT', true)];
  const wide = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ['2026-11-24', `g${n}`, n]);
  const rows = { shown: 8, total: 8 };

  it('names the split values left out, and a long result drawn without its split', () => {
    const split = { type: 'line' as const, x: 'day', y: ['a'], split: 'k' };
    expect(chartNotes(buildChartData(cols, wide, split), rows, split)).toEqual([
      'Drawing the 6 largest of 8 values of “k”; left out: g2, g1.',
    ]);
    const unsplit = { type: 'line' as const, x: 'day', y: ['a'] };
    expect(chartNotes(buildChartData(cols, [...wide, [null, 'g9', 9]], unsplit), { shown: 9, total: 20_000 }, unsplit)).toEqual([
      'Showing the first 9 of 20,000 rows.',
      '1 row has no date in “day” and is left out.',
      '7 rows repeat an x value: to draw a line for each value of another column, choose it under Split by.',
    ]);
  });

  it('says how a histogram was binned', () => {
    const histogram = { type: 'histogram' as const, x: '', y: ['a'] };
    const values = [0.1, 0.2, 0.3, 0.35, 0.9, null].map((v) => ['2026-11-24', 'g', v]);
    expect(chartNotes(buildHistogram(cols, values, histogram), rows, histogram)).toEqual([
      '5 bins 0.2 wide, by the Freedman–Diaconis rule.',
      '1 value is not a number and left out.',
    ]);
    const one = [7, 7].map((v) => ['2026-11-24', 'g', v]);
    expect(chartNotes(buildHistogram(cols, one, histogram), rows, histogram)).toEqual(['Every value is 7: one bin.']);
  });
});

describe('the chart configuration', () => {
  const theme: ChartTheme = {
    dark: false,
    palette: ['#111111', '#222222', '#333333', '#444444', '#555555', '#666666'],
    series: { batch: '#000000', naive: '#000000', exact: '#000000', served: '#000000' },
    grid: '#eeeeee',
    text: '#000000',
    textMuted: '#777777',
    textFaint: '#999999',
    surface: '#ffffff',
    border: '#dddddd',
    warning: '#ff0000',
    font: 'sans-serif',
    mono: 'monospace',
  };
  const titles = { x: 'day', y: 'n' };

  it('gathers a split line chart’s tooltip by x, and draws each series from its own points', () => {
    const columns = [col('day', 'DATE'), col('type', 'VARCHAR'), col('n', 'BIGINT', true)];
    const rows = [
      ['2026-11-24', 'visit', 5],
      ['2026-11-24', 'order', 2],
      ['2026-11-25', 'visit', 7],
    ];
    const data = buildChartData(columns, rows, { type: 'line', x: 'day', y: ['n'], split: 'type' });
    const config = cellChartConfig(data, 'line', theme, titles);
    expect(config.options.interaction).toEqual({ mode: 'nearest', axis: 'x', intersect: false });
    expect(config.data.datasets.map((d) => (d as { data: unknown[] }).data)).toEqual([
      [
        { x: local(2026, 11, 24), y: 5 },
        { x: local(2026, 11, 25), y: 7 },
      ],
      [{ x: local(2026, 11, 24), y: 2 }],
    ]);
    const unsplit = cellChartConfig(buildChartData(columns, rows, { type: 'line', x: 'day', y: ['n'] }), 'line', theme, titles);
    expect(unsplit.options.interaction).toEqual({ mode: 'index', intersect: false });
  });

  it('stacks a split histogram on a number axis from the first edge to the last, ticks on edges', () => {
    const rows: unknown[][] = Array.from({ length: 16 }, (_, i) => [i % 2 === 0 ? 'odd' : 'even', i + 1]);
    const data = buildHistogram([col('kind', 'VARCHAR'), col('amount', 'DOUBLE', true)], rows, {
      type: 'histogram',
      x: '',
      y: ['amount'],
      split: 'kind',
    });
    const config = cellChartConfig(data, 'histogram', theme, titles);
    expect(config.type).toBe('bar');
    const x = config.options.scales!.x as {
      type: string;
      min: number;
      max: number;
      stacked: boolean;
      ticks: { stepSize: number };
    };
    expect([x.type, x.min, x.max, x.stacked, x.ticks.stepSize]).toEqual(['linear', 0, 20, true, 10]);
    expect((config.options.scales!.y as { stacked: boolean }).stacked).toBe(true);
  });
});
