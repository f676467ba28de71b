import { binEdges, binIndex, binning } from './bins';
import {
  categoryLabel,
  emptyData,
  missingColumns,
  splitGroups,
  type ChartData,
  type ChartSelection,
  type Column,
  type Series,
} from './chart-data';
import { toNumber } from './numbers';

/**
 * A histogram of the y columns: how many rows fall in each bin (see bins.ts for the rule), one series
 * per y column, or per value of the split column, all over the same bins so their bars line up.
 */
export function buildHistogram(columns: Column[], rows: unknown[][], selection: ChartSelection): ChartData {
  const { y, split } = selection;
  const missing = missingColumns(columns, [...y, split]);
  const yIndexes = y.map((name) => ({ name, index: columns.findIndex((c) => c.name === name) })).filter((c) => c.index >= 0);
  const splitIndex = split ? columns.findIndex((c) => c.name === split) : -1;
  if (yIndexes.length === 0) return emptyData(missing);

  const { drawn, hidden } = splitIndex >= 0 ? splitGroups(rows, splitIndex, -1, yIndexes.length) : { drawn: [''], hidden: [] };
  const drawnRows = splitIndex >= 0 ? rows.filter((r) => drawn.includes(categoryLabel(r[splitIndex]))) : rows;
  let skipped = 0;
  const numbers: number[] = [];
  for (const row of drawnRows)
    for (const { index } of yIndexes) {
      const n = toNumber(row[index]);
      if (n === null) skipped++;
      else numbers.push(n);
    }
  const bins = binning(numbers);
  if (!bins) return { ...emptyData(missing), axis: 'linear', skipped, hidden };

  const series: Series[] = [];
  for (const group of drawn) {
    const own = splitIndex >= 0 ? drawnRows.filter((r) => categoryLabel(r[splitIndex]) === group) : drawnRows;
    for (const { name, index } of yIndexes) {
      const counts = new Array<number>(bins.count).fill(0);
      for (const row of own) {
        const n = toNumber(row[index]);
        if (n !== null) counts[binIndex(bins, n)]!++;
      }
      series.push({
        label: splitIndex < 0 ? name : yIndexes.length > 1 ? `${group} · ${name}` : group,
        column: name,
        ...(splitIndex >= 0 ? { group } : {}),
        points: counts.map((count, i) => {
          const [lo, hi] = binEdges(bins, i);
          return { x: (lo + hi) / 2, y: count, value: count };
        }),
      });
    }
  }
  return { axis: 'linear', dateOnly: false, labels: [], series, bins, skipped, hidden, repeated: 0, missing };
}
