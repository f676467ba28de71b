/**
 * One number format for every tick of an axis. Chosen per value, "8,000" would stand beside "10K" on the
 * same axis; chosen from the largest tick, the axis reads alike from bottom to top: all full (2,000 …
 * 8,000) or all compact (5K … 25K, 0.5M … 1.5M), with as many decimals as the ticks need and no more.
 */
const UNITS: { from: number; divisor: number; suffix: string }[] = [
  { from: 1e9, divisor: 1e9, suffix: 'B' },
  { from: 1e6, divisor: 1e6, suffix: 'M' },
  // Below ten thousand the full number is short enough and reads exactly.
  { from: 1e4, divisor: 1e3, suffix: 'K' },
];

const MAX_DECIMALS = 4;

/** How many decimals show every value exactly (up to four), ignoring binary noise such as 0.30000000000000004. */
export function decimalsNeeded(values: number[]): number {
  for (let d = 0; d < MAX_DECIMALS; d++) {
    const scale = 10 ** d;
    if (values.every((v) => Math.abs(Math.round(v * scale) / scale - v) <= 1e-9 * Math.max(1, Math.abs(v)))) return d;
  }
  return MAX_DECIMALS;
}

export interface TickFormat {
  /** The divisor and suffix every tick shares: 1 and '' for full numbers. */
  divisor: number;
  suffix: string;
  decimals: number;
  format: (value: number) => string;
}

/** The format for an axis whose ticks are `values`. */
export function tickFormat(values: number[]): TickFormat {
  const finite = values.filter(Number.isFinite);
  const largest = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const unit = UNITS.find((u) => largest >= u.from) ?? { divisor: 1, suffix: '' };
  const decimals = decimalsNeeded(finite.map((v) => v / unit.divisor));
  const number = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: decimals });
  return {
    divisor: unit.divisor,
    suffix: unit.suffix,
    decimals,
    format: (value: number) => {
      const scaled = value / unit.divisor;
      // -0 and values that round to zero read as 0, without a sign or a suffix.
      if (Math.abs(scaled) < 0.5 * 10 ** -decimals) return '0';
      return `${number.format(scaled)}${unit.suffix}`;
    },
  };
}
