import type { ChartDataset, ChartOptions, ScaleOptions, TooltipItem } from 'chart.js';
import type { ChartData, ChartType } from './chart-data';
import { withAlpha } from './color';
import { formatMetric } from './numbers';
import type { ChartSpec } from './setup';
import type { ChartTheme } from './theme.svelte';

/** Compact numbers for a value axis: 1,200 → 1.2K, with grouping below ten thousand. */
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
export const axisNumber = (n: number) => (Math.abs(n) < 10_000 ? grouped.format(n) : compact.format(n));

/** Options every chart in the app shares: the theme's text, grid and tooltips, no animation. */
export function baseOptions(theme: ChartTheme): ChartOptions<'line' | 'bar'> {
  return {
    responsive: true,
    maintainAspectRatio: false,
    // Live and re-run data redraws in place; an animation on every update reads as flicker.
    animation: false,
    interaction: { mode: 'index', intersect: false },
    font: { family: theme.font, size: 12 },
    color: theme.textMuted,
    layout: { padding: { top: 4, right: 8 } },
    plugins: {
      legend: {
        position: 'top',
        align: 'end',
        labels: {
          color: theme.textMuted,
          usePointStyle: true,
          pointStyle: 'circle',
          boxWidth: 5,
          boxHeight: 5,
          // Drawing order is not reading order: legends list series as the datasets are listed.
          sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0),
          padding: 14,
          font: { family: theme.font, size: 12 },
        },
      },
      tooltip: {
        backgroundColor: theme.surface,
        borderColor: theme.border,
        borderWidth: 1,
        titleColor: theme.text,
        bodyColor: theme.textMuted,
        titleFont: { family: theme.font, size: 12, weight: 'bold' },
        bodyFont: { family: theme.font, size: 12 },
        padding: 10,
        cornerRadius: 6,
        boxPadding: 4,
        usePointStyle: true,
        caretSize: 5,
      },
    },
  };
}

export function valueScale(theme: ChartTheme, stacked = false): ScaleOptions<'linear'> {
  return {
    type: 'linear',
    stacked,
    beginAtZero: true,
    grid: { color: theme.grid, drawTicks: false },
    border: { display: false },
    ticks: { color: theme.textMuted, padding: 8, font: { family: theme.font, size: 11 }, callback: (v) => axisNumber(Number(v)) },
  };
}

export function timeScale(theme: ChartTheme, dateOnly: boolean, offset: boolean, stacked = false): ScaleOptions<'time'> {
  const font = { family: theme.font, size: 11 };
  return {
    type: 'time',
    stacked,
    offset,
    time: {
      ...(dateOnly ? { minUnit: 'day' } : {}),
      tooltipFormat: dateOnly ? 'EEE, MMM d, yyyy' : 'EEE, MMM d, yyyy HH:mm:ss',
      displayFormats: {
        millisecond: 'HH:mm:ss.SSS',
        second: 'HH:mm:ss',
        minute: 'HH:mm',
        hour: 'HH:mm',
        day: 'MMM d',
        month: 'MMM yyyy',
      },
    },
    grid: { color: theme.grid, drawTicks: false, display: false },
    border: { color: theme.border },
    ticks: {
      color: theme.textMuted,
      padding: 6,
      maxRotation: 0,
      autoSkipPadding: 16,
      // Hours within days: the first tick of each day says which day, in bold.
      major: { enabled: !dateOnly },
      font: (context) => (context.tick?.major && !dateOnly ? { ...font, weight: 'bold' } : font),
    },
  };
}

export function categoryScale(theme: ChartTheme, stacked = false): ScaleOptions<'category'> {
  return {
    type: 'category',
    stacked,
    grid: { display: false },
    border: { color: theme.border },
    ticks: { color: theme.textMuted, padding: 6, maxRotation: 45, autoSkipPadding: 8, font: { family: theme.font, size: 11 } },
  };
}

/** The Chart.js configuration of a chart cell: its type, its series in the palette, its axes. */
export function cellChartConfig(data: ChartData, type: ChartType, theme: ChartTheme): ChartSpec {
  const bar = type === 'bar' || type === 'stacked-bar';
  const stacked = type === 'stacked-bar';
  const many = data.x.length > 60;
  type Point = { x: number; y: number | null };
  const datasets = data.series.map((s, i): object => {
    const color = theme.palette[i % theme.palette.length]!;
    const points: (number | null)[] | Point[] =
      data.axis === 'time' ? s.data.map((y, j) => ({ x: data.x[j] as number, y })) : s.data;
    if (bar) {
      const dataset: ChartDataset<'bar', (number | null)[] | Point[]> = {
        type: 'bar',
        label: s.column,
        data: points,
        borderColor: color,
        backgroundColor: withAlpha(color, 0.85),
        hoverBackgroundColor: color,
        borderWidth: 0,
        borderRadius: stacked ? 0 : 3,
        maxBarThickness: 48,
        ...(stacked ? { stack: 'all' } : {}),
      };
      return dataset;
    }
    const dataset: ChartDataset<'line', (number | null)[] | Point[]> = {
      type: 'line',
      label: s.column,
      data: points,
      borderColor: color,
      backgroundColor: type === 'area' ? withAlpha(color, 0.16) : color,
      fill: type === 'area' ? 'origin' : false,
      borderWidth: 2,
      cubicInterpolationMode: 'monotone',
      pointRadius: many ? 0 : 2.5,
      pointHoverRadius: 4,
      pointBackgroundColor: color,
      spanGaps: false,
    };
    return dataset;
  });
  const base = baseOptions(theme);
  const options: ChartOptions<'line' | 'bar'> = {
    ...base,
    plugins: {
      ...base.plugins,
      legend: { ...base.plugins!.legend, display: data.series.length > 1 },
      tooltip: {
        ...base.plugins!.tooltip,
        callbacks: {
          label: (item: TooltipItem<'line' | 'bar'>) =>
            ` ${item.dataset.label}: ${formatMetric(data.series[item.datasetIndex]?.values[item.dataIndex] as never)}`,
        },
      },
    },
    scales: {
      x: data.axis === 'time' ? timeScale(theme, data.dateOnly, bar, stacked) : categoryScale(theme, stacked),
      y: valueScale(theme, stacked),
    },
  };
  return {
    type: bar ? 'bar' : 'line',
    data: { ...(data.axis === 'category' ? { labels: data.x as string[] } : {}), datasets },
    options,
  };
}
