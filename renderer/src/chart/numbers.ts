import {
  DECIMAL_TEXT,
  addDecimals,
  decimalJson,
  negateDecimal,
  parseDecimal,
  groupThousands,
  type Decimal,
} from '../../../engine/shared/decimal';

/**
 * Metric values as the engine sends them: JS numbers, or strings for exact decimals and integers wider
 * than a double (DECIMAL, BIGINT, HUGEINT). Charts plot them as doubles; tables show them exactly, and
 * differences between exact values are computed exactly (scaled BigInts), so 13453.00 − 13283.64 shows
 * 169.36 and not 169.3599999.
 */
export type MetricValue = number | string | null | undefined;

/** DuckDB's number types: integers of every width, DECIMAL/NUMERIC, DOUBLE/FLOAT/REAL. */
export function isNumericType(type: string): boolean {
  return /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT\d+|U?HUGEINT|DOUBLE|FLOAT\d*|REAL|DECIMAL|NUMERIC)(\s*\(|$)/i.test(
    type.trim(),
  );
}

/** A value as a double for plotting, or null when it is missing or not a number. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (!DECIMAL_TEXT.test(text) && !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function exact(value: MetricValue): Decimal | undefined {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || !Number.isSafeInteger(value)) return undefined;
    return { value: BigInt(value), scale: 0 };
  }
  return typeof value === 'string' ? parseDecimal(value.trim()) : undefined;
}

/** Rounds away binary noise (0.1 + 0.2) from a double computed from doubles. */
const clean = (n: number) => Number.parseFloat(n.toPrecision(12));

function combine(values: MetricValue[], sign: 1n | -1n): MetricValue {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return null;
  const exacts = present.map(exact);
  if (exacts.every((e): e is Decimal => e !== undefined)) {
    const [first, ...rest] = exacts as [Decimal, ...Decimal[]];
    return decimalJson(rest.reduce((total, e) => addDecimals(total, sign < 0n ? negateDecimal(e) : e), first));
  }
  const doubles = present.map((v) => toNumber(v) ?? 0);
  return clean(doubles.reduce((sum, n, i) => (i === 0 ? n : sum + Number(sign) * n), 0));
}

/** a − b, exactly when both are exact; a missing side counts as 0, both missing is null. */
export function subtract(a: MetricValue, b: MetricValue): MetricValue {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return null;
  return combine([a ?? 0, b ?? 0], -1n);
}

/** The sum of values, exactly when all are exact; null when none is present. */
export function sum(values: MetricValue[]): MetricValue {
  return combine(values, 1n);
}

export function isZero(value: MetricValue): boolean {
  if (value === null || value === undefined) return true;
  const e = exact(value);
  if (e) return e.value === 0n;
  return toNumber(value) === 0;
}

/** Whether two values are the same number (missing counts as 0): "12.50" equals 12.5. */
export function sameValue(a: MetricValue, b: MetricValue): boolean {
  return isZero(subtract(a, b));
}

export function sign(value: MetricValue): -1 | 0 | 1 {
  if (isZero(value)) return 0;
  const e = exact(value);
  if (e) return e.value < 0n ? -1 : 1;
  return (toNumber(value) ?? 0) < 0 ? -1 : 1;
}

const grouped = new Intl.NumberFormat('en-US');
const fractional = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/**
 * A metric value for a table: grouped digits, exact decimals kept as the engine wrote them (their scale
 * included: 37,685.20), doubles with at most four decimals, a missing value as an em dash.
 */
export function formatMetric(value: MetricValue): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? grouped.format(value) : fractional.format(value);
  const match = DECIMAL_TEXT.exec(value.trim());
  if (!match) return value;
  const whole = groupThousands(match[2]!.replace(/^0+(?=\d)/, ''));
  return `${match[1] === '-' ? '-' : ''}${whole}${match[3] !== undefined ? `.${match[3]}` : ''}`;
}

/** A difference: with its sign (+8, −169.36), zero as 0. Uses the minus sign, which lines up with +. */
export function formatSigned(value: MetricValue): string {
  if (value === null || value === undefined) return '—';
  const s = sign(value);
  if (s === 0) return '0';
  const text = formatMetric(value).replace(/^-/, '');
  return `${s < 0 ? '−' : '+'}${text}`;
}
