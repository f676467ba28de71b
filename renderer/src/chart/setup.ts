import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  TimeScale,
  Tooltip,
} from 'chart.js';
import type { ChartOptions } from 'chart.js';
import annotationPlugin from 'chartjs-plugin-annotation';
import 'chartjs-adapter-date-fns';

/**
 * Chart.js with only what Recount draws (line, bar, area, scatter and histogram charts on time, number
 * or category axes, tooltips, legends, the watermark annotation), registered once for every chart in the app. Registering piece
 * by piece instead of chart.js/auto keeps the bundle free of the controllers no cell uses.
 */
Chart.register(
  LineController,
  BarController,
  LineElement,
  BarElement,
  PointElement,
  CategoryScale,
  LinearScale,
  TimeScale,
  Filler,
  Legend,
  Tooltip,
  annotationPlugin,
);

export { Chart };

/**
 * What a cell hands the canvas. Chart.js's own configuration type does not accept a bar dataset beside
 * a line dataset in one list (the mixed chart Recount draws), so datasets are checked where they are
 * built, with their own types, and meet here as plain objects.
 */
export interface ChartSpec {
  type: 'line' | 'bar';
  data: { labels?: string[]; datasets: object[] };
  options: ChartOptions<'line' | 'bar'>;
}
