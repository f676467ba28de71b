import type { Json } from '@duckdb/node-api';
import { addDecimals, decimalJson, decimalText, negateDecimal, parseDecimal, type Decimal } from '../../shared/decimal.js';

/**
 * Exact arithmetic on the numbers DuckDB returns: BIGINT, HUGEINT and DECIMAL arrive as text and are
 * held as scaled BigInts (engine/shared/decimal.ts), so sums of money and counts stay exact; DOUBLE
 * stays a JS number.
 */
export type ExactNumber = ({ kind: 'exact' } & Decimal) | { kind: 'float'; value: number };

export function parseExact(value: Json | undefined, scale?: number): ExactNumber | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && scale === undefined) return { kind: 'exact', value: BigInt(value), scale: 0 };
    return { kind: 'float', value };
  }
  const text = String(value);
  const decimal = parseDecimal(text, scale);
  if (decimal) return { kind: 'exact', ...decimal };
  const n = Number(text);
  return Number.isNaN(n) ? null : { kind: 'float', value: n };
}

export function addExact(a: ExactNumber | null, b: ExactNumber | null, sign: 1 | -1 = 1): ExactNumber | null {
  if (!b) return a;
  const signed: ExactNumber =
    b.kind === 'float' ? { kind: 'float', value: sign * b.value } : { kind: 'exact', ...(sign < 0 ? negateDecimal(b) : b) };
  if (!a) return signed;
  if (a.kind === 'float' || signed.kind === 'float') return { kind: 'float', value: toNumber(a) + toNumber(signed) };
  return { kind: 'exact', ...addDecimals(a, signed) };
}

export function toNumber(n: ExactNumber): number {
  return n.kind === 'float' ? n.value : Number(exactText(n));
}

export function exactText(n: ExactNumber): string {
  return n.kind === 'float' ? String(n.value) : decimalText(n);
}

/** As JSON: a number when it is exactly one, else its exact decimal text. */
export function exactJson(n: ExactNumber | null): number | string | null {
  if (!n) return null;
  return n.kind === 'float' ? n.value : decimalJson(n);
}

export function isZero(n: ExactNumber | null): boolean {
  return n === null || (n.kind === 'exact' ? n.value === 0n : n.value === 0);
}
