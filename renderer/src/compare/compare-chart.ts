import type { ChartDataset, TooltipItem } from 'chart.js';
import { parseTime } from '../chart/chart-data';
import { baseOptions, timeScale, valueScale } from '../chart/chart-options';
import { withAlpha } from '../chart/color';
import { formatMetric } from '../chart/numbers';
import type { ChartSpec } from '../chart/setup';
import type { ChartTheme } from '../chart/theme.svelte';
import { watermarkPosition, type SeriesPoint } from './reconcile';

export const SERIES = [
  { key: 'batch', label: 'Batch' },
  { key: 'naive', label: 'Realtime naive' },
  { key: 'exact', label: 'Realtime exact' },
  { key: 'served', label: 'Served' },
] as const;

/**
 * Batch as bars (the recount everything else is measured against) and realtime naive, exact and served
 * as lines over it, per partition on a time axis, with the batch watermark as a labelled vertical line.
 * The realtime series often agree (and cover only the partitions the log does, often one or two): their markers
 * nest, served a ring around exact's dot with naive's triangle on top, so each shows where they coincide; and the
 * value axis keeps headroom over the data for the watermark's label.
 */
export function compareChartConfig(
  points: SeriesPoint[],
  metric: string,
  watermark: string | null,
  grain: 'day' | 'week' | 'month',
  theme: ChartTheme,
): ChartSpec {
  const x = points.map((p) => parseTime(p.partition) ?? 0);
  const data = (pick: (p: SeriesPoint) => number | null) => points.map((p, i) => ({ x: x[i]!, y: pick(p) }));
  const color = theme.series;
  const many = points.length > 45;
  const live = points.map((p) => p.naive !== null || p.exact !== null);
  const few = live.filter(Boolean).length <= 7;
  const dot = few ? 5 : many ? 2 : 3;
  // Served rings the realtime markers where there are any, and is a plain point along batch elsewhere.
  const ring = (i: number) => live[i] === true;
  type Point = { x: number; y: number | null };
  const line = (
    label: string,
    c: string,
    values: Point[],
    extra: Partial<ChartDataset<'line', Point[]>> = {},
  ): ChartDataset<'line', Point[]> => ({
    type: 'line',
    label,
    data: values,
    borderColor: c,
    backgroundColor: c,
    pointBackgroundColor: c,
    pointBorderColor: theme.surface,
    pointBorderWidth: 1,
    borderWidth: 2,
    pointRadius: many ? 2 : 3,
    pointHoverRadius: 5,
    tension: 0,
    spanGaps: false,
    ...extra,
  });
  const batch: ChartDataset<'bar', Point[]> = {
    type: 'bar',
    label: 'Batch',
    data: data((p) => p.batch),
    backgroundColor: withAlpha(color.batch, theme.dark ? 0.42 : 0.28),
    hoverBackgroundColor: withAlpha(color.batch, theme.dark ? 0.6 : 0.45),
    borderColor: color.batch,
    borderWidth: { top: 2, left: 0, right: 0, bottom: 0 },
    borderSkipped: 'bottom',
    maxBarThickness: 40,
    categoryPercentage: 0.8,
    barPercentage: 0.9,
    order: 4,
  };
  const datasets: object[] = [
    batch,
    line(
      'Realtime naive',
      color.naive,
      data((p) => p.naive),
      { borderDash: [5, 4], pointStyle: 'triangle', pointRadius: dot, order: 1 },
    ),
    line(
      'Realtime exact',
      color.exact,
      data((p) => p.exact),
      { pointRadius: dot, order: 2 },
    ),
    line(
      'Served',
      color.served,
      data((p) => p.served),
      {
        pointStyle: 'rectRot',
        pointRadius: points.map((_, i) => (ring(i) ? dot + 4 : many ? 2 : 3)),
        pointBackgroundColor: points.map((_, i) => (ring(i) ? theme.surface : color.served)),
        pointBorderColor: points.map((_, i) => (ring(i) ? color.served : theme.surface)),
        pointBorderWidth: points.map((_, i) => (ring(i) ? 2 : 1)),
        order: 3,
      },
    ),
  ];
  const at = watermark ? watermarkPosition(watermark, grain, parseTime) : null;
  const top = Math.max(0, ...points.flatMap((p) => [p.batch, p.naive, p.exact, p.served].filter((v): v is number => v !== null)));
  const base = baseOptions(theme);
  return {
    type: 'bar',
    data: { datasets },
    options: {
      ...base,
      plugins: {
        ...base.plugins,
        legend: { ...base.plugins!.legend, align: 'start' },
        tooltip: {
          ...base.plugins!.tooltip,
          callbacks: {
            label: (item: TooltipItem<'bar' | 'line'>) => {
              const y = (item.raw as { y: number | null }).y;
              return ` ${item.dataset.label}: ${y === null ? '—' : formatMetric(y)}`;
            },
          },
        },
        annotation: {
          annotations:
            at === null
              ? {}
              : {
                  watermark: {
                    type: 'line',
                    scaleID: 'x',
                    value: at,
                    borderColor: theme.textFaint,
                    borderWidth: 1.5,
                    borderDash: [4, 4],
                    label: {
                      display: true,
                      content: `Batch watermark ${watermark}`,
                      position: 'start',
                      backgroundColor: theme.surface,
                      color: theme.textMuted,
                      borderColor: theme.border,
                      borderWidth: 1,
                      borderRadius: 4,
                      padding: { x: 6, y: 3 },
                      font: { family: theme.font, size: 11, weight: 'normal' },
                    },
                  },
                },
        },
      },
      scales: {
        x: timeScale(theme, true, true),
        y: {
          ...valueScale(theme),
          // Room above the tallest value, where the watermark's label sits.
          ...(top > 0 ? { suggestedMax: top * 1.25 } : {}),
          title: { display: true, text: metric, color: theme.textFaint, font: { family: theme.font, size: 11 } },
        },
      },
    },
  };
}
