import { formatCount } from '../ui/format';
import type { ChartData, ChartSelection } from './chart-data';
import { formatMetric } from './numbers';

const plural = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`;

const RULES = { 'freedman-diaconis': 'the Freedman–Diaconis rule', sturges: "Sturges's rule" } as const;

/**
 * What a chart leaves out, or draws by a rule, in words under it: rows past the cap, rows without an x,
 * split values past the palette, how a histogram was binned, and a long result drawn without its split.
 */
export function chartNotes(data: ChartData, rows: { shown: number; total: number }, selection: ChartSelection): string[] {
  const out: string[] = [];
  if (rows.total > rows.shown) out.push(`Showing the first ${formatCount(rows.shown)} of ${formatCount(rows.total)} rows.`);
  if (data.bins)
    out.push(
      data.bins.rule === 'single value'
        ? `Every value is ${formatMetric(data.bins.start)}: one bin.`
        : `${plural(data.bins.count, 'bin', 'bins')} ${formatMetric(data.bins.width)} wide, by ${RULES[data.bins.rule]}.`,
    );
  if (data.skipped > 0) {
    if (selection.type === 'histogram') out.push(`${plural(data.skipped, 'value is', 'values are')} not a number and left out.`);
    else {
      const what = data.axis === 'time' ? 'date' : 'number';
      out.push(
        `${plural(data.skipped, 'row has', 'rows have')} no ${what} in “${selection.x}” and ${data.skipped === 1 ? 'is' : 'are'} left out.`,
      );
    }
  }
  if (data.hidden.length) {
    const drawn = new Set(data.series.map((s) => s.group)).size;
    const names = `${data.hidden.slice(0, 3).join(', ')}${data.hidden.length > 3 ? ', …' : ''}`;
    out.push(
      `Drawing the ${drawn} largest of ${formatCount(drawn + data.hidden.length)} values of “${selection.split}”; left out: ${names}.`,
    );
  }
  if (data.repeated > 0 && !selection.split)
    out.push(
      `${plural(data.repeated, 'row repeats', 'rows repeat')} an x value: to draw a line for each value of another column, choose it under Split by.`,
    );
  return out;
}
