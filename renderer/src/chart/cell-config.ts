import type { ChartDataset, ChartOptions, ScaleOptions, TooltipItem } from 'chart.js';
import { binEdges, type Binning } from './bins';
import type { ChartData, ChartType } from './chart-data';
import { baseOptions, categoryScale, numberTicks, timeScale, valueScale } from './chart-options';
import { withAlpha } from './color';
import { formatMetric } from './numbers';
import type { ChartSpec } from './setup';
import type { ChartTheme } from './theme.svelte';

/**
 * What the axes are titled. The cell shows axis titles as fields around the canvas, where
 * they can be edited; tooltips of number axes name their column by them.
 */
export interface ChartTitles {
  x: string;
  y: string;
}

/** Histogram ticks: on bin edges only, so a bar never straddles a tick; at most this many labels. */
const MAX_BIN_TICKS = 10;

/** A bin as a reader says it: 10–19 for whole numbers, 5 for a bin of one whole number, 0.5–1 otherwise. */
export function binLabel(bins: Binning, i: number): string {
  const [lo, hi] = binEdges(bins, i);
  if (!bins.integers) return `${formatMetric(lo)} – ${formatMetric(hi)}`;
  return hi - lo === 1 ? formatMetric(lo) : `${formatMetric(lo)} – ${formatMetric(hi - 1)}`;
}

function numberScale(theme: ChartTheme, bins: Binning | undefined, stacked: boolean): ScaleOptions<'linear'> {
  const scale: ScaleOptions<'linear'> = {
    type: 'linear',
    stacked,
    grid: { color: theme.grid, drawTicks: false, display: false },
    border: { color: theme.border },
    ticks: { color: theme.textMuted, padding: 6, maxRotation: 0, font: { family: theme.font, size: 11 }, callback: numberTicks },
  };
  // A scatter's x is a measure like its y: grid lines help read it.
  if (!bins) return { ...scale, grid: { color: theme.grid, drawTicks: false } };
  const every = Math.ceil(bins.count / MAX_BIN_TICKS);
  return {
    ...scale,
    offset: false,
    min: bins.start,
    max: binEdges(bins, bins.count - 1)[1],
    ticks: { ...scale.ticks, stepSize: bins.width * every, autoSkip: false },
  };
}

type Point = { x: number | string; y: number | null };
type AnyScale = NonNullable<ChartOptions<'line' | 'bar'>['scales']>[string];

/** The Chart.js configuration of a chart cell: its type, its series in the palette, its axes and their titles. */
export function cellChartConfig(data: ChartData, type: ChartType, theme: ChartTheme, titles: ChartTitles): ChartSpec {
  const histogram = type === 'histogram';
  const bar = type === 'bar' || type === 'stacked-bar' || histogram;
  const split = data.series.some((s) => s.group !== undefined);
  // A split histogram is the whole distribution in parts; histograms of different columns sit side by side.
  const stacked = type === 'stacked-bar' || (histogram && split);
  const scatter = type === 'scatter';
  const many = data.series.some((s) => s.points.length > 60);
  const datasets = data.series.map((s, i): object => {
    const color = theme.palette[i % theme.palette.length]!;
    const points: Point[] = s.points.map((p) => ({ x: p.x, y: p.y }));
    if (bar) {
      const dataset: ChartDataset<'bar', Point[]> = {
        type: 'bar',
        label: s.label,
        data: points,
        borderColor: histogram ? theme.surface : color,
        backgroundColor: withAlpha(color, 0.85),
        hoverBackgroundColor: color,
        borderWidth: histogram ? { left: 1, right: 1 } : 0,
        borderRadius: stacked || histogram ? 0 : 3,
        ...(histogram ? { barPercentage: 1, categoryPercentage: 1 } : { maxBarThickness: 48 }),
        ...(stacked ? { stack: 'all' } : {}),
      };
      return dataset;
    }
    const dataset: ChartDataset<'line', Point[]> = {
      type: 'line',
      label: s.label,
      data: points,
      borderColor: color,
      backgroundColor: type === 'area' ? withAlpha(color, 0.16) : scatter ? withAlpha(color, 0.7) : color,
      fill: type === 'area' ? 'origin' : false,
      showLine: !scatter,
      borderWidth: scatter ? 0 : 2,
      cubicInterpolationMode: 'monotone',
      pointRadius: scatter ? 3 : many ? 0 : 2.5,
      pointHoverRadius: scatter ? 5 : 4,
      pointBackgroundColor: scatter ? withAlpha(color, 0.7) : color,
      spanGaps: false,
      // Points on the edge of the plot show whole, not cut in half.
      clip: 6,
    };
    return dataset;
  });

  const base = baseOptions(theme);
  const value = (item: TooltipItem<'line' | 'bar'>) => data.series[item.datasetIndex]?.points[item.dataIndex]?.value;
  const label = (item: TooltipItem<'line' | 'bar'>) => {
    if (!histogram) return ` ${item.dataset.label}: ${formatMetric(value(item) as never)}`;
    const n = Number(value(item));
    const rows = `${formatMetric(n)} ${n === 1 ? 'row' : 'rows'}`;
    return data.series.length > 1 ? ` ${item.dataset.label}: ${rows}` : ` ${rows}`;
  };
  const title = (items: TooltipItem<'line' | 'bar'>[]) => {
    const first = items[0];
    if (!first) return '';
    if (histogram && data.bins) return `${titles.x}: ${binLabel(data.bins, first.dataIndex)}`;
    if (data.axis === 'linear')
      return `${titles.x}: ${formatMetric(data.series[first.datasetIndex]?.points[first.dataIndex]?.x as number)}`;
    return first.label;
  };
  const x: AnyScale =
    data.axis === 'time'
      ? timeScale(theme, data.dateOnly, bar, stacked)
      : data.axis === 'linear'
        ? numberScale(theme, data.bins, stacked)
        : categoryScale(theme, stacked);
  const y = valueScale(theme, stacked);
  const options: ChartOptions<'line' | 'bar'> = {
    ...base,
    // Series of a split have rows at different x: the tooltip gathers them by x, not by position in the data.
    interaction: scatter
      ? { mode: 'nearest', axis: 'xy', intersect: false }
      : split && !histogram
        ? { mode: 'nearest', axis: 'x', intersect: false }
        : { mode: 'index', intersect: false },
    plugins: {
      ...base.plugins,
      legend: {
        ...base.plugins!.legend,
        display: data.series.length > 1 || split,
      },
      tooltip: { ...base.plugins!.tooltip, callbacks: { title, label } },
    },
    scales: {
      x,
      y: scatter ? { ...y, beginAtZero: false } : y,
    },
  };
  return {
    type: bar ? 'bar' : 'line',
    data: { ...(data.axis === 'category' ? { labels: data.labels } : {}), datasets },
    options,
  };
}
