import type { ChartOptions, ScaleOptions, Tick } from 'chart.js';
import type { ChartTheme } from './theme.svelte';
import { tickFormat } from './ticks';

/** A number axis's tick labels, all in the one format its ticks call for (see ticks.ts). */
export const numberTicks = (value: number | string, _index: number, ticks: Tick[]) =>
  tickFormat(ticks.map((t) => t.value)).format(Number(value));

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
    ticks: { color: theme.textMuted, padding: 8, font: { family: theme.font, size: 11 }, callback: numberTicks },
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
