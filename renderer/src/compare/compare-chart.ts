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
      { borderDash: [5, 4], pointStyle: 'triangle', order: 1 },
    ),
    line(
      'Realtime exact',
      color.exact,
      data((p) => p.exact),
      { order: 2 },
    ),
    line(
      'Served',
      color.served,
      data((p) => p.served),
      { pointStyle: 'rectRot', order: 3 },
    ),
  ];
  const at = watermark ? watermarkPosition(watermark, grain, parseTime) : null;
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
          title: { display: true, text: metric, color: theme.textFaint, font: { family: theme.font, size: 11 } },
        },
      },
    },
  };
}
