/**
 * Exact decimals, for the engine and the renderer alike: DuckDB's DECIMAL, BIGINT and HUGEINT arrive as
 * text and are held as scaled BigInts, so sums and differences of money and counts stay exact
 * (13453.00 − 13283.64 is 169.36, never 169.3599999).
 */

/** `value` × 10^−`scale`: 12.50 is 1250n at scale 2. */
export interface Decimal {
  value: bigint;
  scale: number;
}

/** Decimal text: an optional sign, digits, and optionally a point and more digits (no exponent). */
export const DECIMAL_TEXT = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Decimal text as an exact decimal, at the scale of its digits or, given `scale`, at that one (the
 * fraction padded with zeros or cut). Undefined for anything else: an exponent, a space, "NaN".
 */
export function parseDecimal(text: string, scale?: number): Decimal | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return undefined;
  const fraction = match[3] ?? '';
  const s = scale ?? fraction.length;
  const digits = BigInt(`${match[2]}${fraction.padEnd(s, '0').slice(0, s)}`);
  return { value: match[1] === '-' ? -digits : digits, scale: s };
}

/** The units of `d` at a scale at least its own. */
export function rescale(d: Decimal, scale: number): bigint {
  return d.value * 10n ** BigInt(scale - d.scale);
}

/** a + b, at the larger of their scales. */
export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { value: rescale(a, scale) + rescale(b, scale), scale };
}

export function negateDecimal(d: Decimal): Decimal {
  return { value: -d.value, scale: d.scale };
}

/** Its text, every place of its scale written: 1250n at scale 2 is "12.50", −5n at scale 3 is "-0.005". */
export function decimalText(d: Decimal): string {
  const negative = d.value < 0n;
  const digits = (negative ? -d.value : d.value).toString().padStart(d.scale + 1, '0');
  const text = d.scale ? `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}` : digits;
  return negative ? `-${text}` : text;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** As JSON: a number when a double holds it exactly (an integer up to 2^53), else its exact text. */
export function decimalJson(d: Decimal): number | string {
  if (d.scale === 0 && d.value <= MAX_SAFE && d.value >= -MAX_SAFE) return Number(d.value);
  return decimalText(d);
}

/** Thousands separators in a run of digits: "1234567" is "1,234,567". */
export function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
