/**
 * Histogram bins by a rule a reader can check. The width is Freedman–Diaconis's 2·IQR/∛n (robust to
 * outliers); when the middle half of the values is one value (IQR 0) it is Sturges's range/(⌈log₂ n⌉+1).
 * The width is then rounded up to 1, 2 or 5 times a power of ten (at least 1 for whole numbers), so the
 * edges are round numbers, and bins start at a multiple of it. Every bin is [lo, hi): a value on an edge
 * counts in the bin above it.
 */
export type BinRule = 'freedman-diaconis' | 'sturges' | 'single value';

export interface Binning {
  start: number;
  width: number;
  count: number;
  rule: BinRule;
  /** Every value is a whole number: a bin [10, 20) holds 10 to 19. */
  integers: boolean;
}

/** More bins than this are too thin to read; the width grows until the range fits in them. */
export const MAX_BINS = 50;

/** The p-quantile of sorted values, interpolating linearly between neighbours (DuckDB's quantile_cont). */
export function quantile(sorted: number[], p: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** The smallest of 1, 2, 5 × 10^k that is at least `n` (n > 0). */
export function niceCeil(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) {
    const width = clean(step * power);
    if (width >= n * (1 - 1e-12)) return width;
  }
  return clean(10 * power);
}

const clean = (n: number) => Number.parseFloat(n.toPrecision(12));

/** Bins for the values (finite numbers), or undefined when there are none. */
export function binning(values: number[]): Binning | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  const integers = sorted.every(Number.isInteger);
  if (min === max) return { start: integers ? min : Math.floor(min), width: 1, count: 1, rule: 'single value', integers };
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  const rule: BinRule = iqr > 0 ? 'freedman-diaconis' : 'sturges';
  const raw = rule === 'freedman-diaconis' ? (2 * iqr) / Math.cbrt(n) : (max - min) / (Math.ceil(Math.log2(n)) + 1);
  let width = niceCeil(integers ? Math.max(raw, 1) : raw);
  let start = clean(Math.floor(min / width) * width);
  let count = Math.floor((max - start) / width + 1e-9) + 1;
  while (count > MAX_BINS) {
    width = niceCeil(width * 1.5);
    start = clean(Math.floor(min / width) * width);
    count = Math.floor((max - start) / width + 1e-9) + 1;
  }
  return { start, width, count, rule, integers };
}

/** The bin a value falls in (values outside the bins go to the nearest one). */
export function binIndex(bins: Binning, value: number): number {
  // The tolerance keeps 0.3 in [0.3, 0.4) although (0.3 − 0) / 0.1 is 2.9999999999999996.
  const i = Math.floor((value - bins.start) / bins.width + 1e-9);
  return Math.min(bins.count - 1, Math.max(0, i));
}

/** The edges of bin i. */
export function binEdges(bins: Binning, i: number): [number, number] {
  return [clean(bins.start + i * bins.width), clean(bins.start + (i + 1) * bins.width)];
}
