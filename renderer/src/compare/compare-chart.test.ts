import { describe, expect, it } from 'vitest';
import type { ChartTheme } from '../chart/theme.svelte';
import { compareChartConfig } from './compare-chart';

const theme: ChartTheme = {
  dark: false,
  palette: ['#111111'],
  series: { batch: '#0000ff', naive: '#ff8800', exact: '#00aa00', served: '#8800ff' },
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

const points = [
  { partition: '2026-12-05', batch: 120, naive: null, exact: null, served: 120 },
  { partition: '2026-12-06', batch: 101, naive: 1, exact: 1, served: 102 },
  { partition: '2026-12-07', batch: null, naive: 3, exact: 2, served: 2 },
];

describe('the compare chart', () => {
  const config = compareChartConfig(points, 'orders', '2026-12-06', 'day', theme);
  const datasets = config.data.datasets as { label: string; pointRadius: number | number[]; pointBackgroundColor: unknown }[];
  const byLabel = new Map(datasets.map((d) => [d.label, d]));

  it('marks the few realtime points large, and rings served around them only where realtime has a value', () => {
    expect(byLabel.get('Realtime naive')?.pointRadius).toBe(5);
    expect(byLabel.get('Realtime exact')?.pointRadius).toBe(5);
    expect(byLabel.get('Served')?.pointRadius).toEqual([3, 9, 9]);
    expect(byLabel.get('Served')?.pointBackgroundColor).toEqual(['#8800ff', '#ffffff', '#ffffff']);
  });

  it('leaves a quarter of the tallest value free above the data for the watermark label', () => {
    const y = config.options.scales?.y as { suggestedMax?: number };
    expect(y.suggestedMax).toBe(150);
  });
});
