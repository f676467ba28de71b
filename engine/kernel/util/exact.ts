import type { Json } from '@duckdb/node-api';

/**
 * Exact arithmetic on the numbers DuckDB returns: BIGINT, HUGEINT and DECIMAL arrive as text and are
 * held as scaled BigInts, so sums of money and counts stay exact; DOUBLE stays a JS number.
 */
export type ExactNumber = { kind: 'exact'; value: bigint; scale: number } | { kind: 'float'; value: number };

export function parseExact(value: Json | undefined, scale?: number): ExactNumber | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && scale === undefined) return { kind: 'exact', value: BigInt(value), scale: 0 };
    return { kind: 'float', value };
  }
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) {
    const n = Number(text);
    return Number.isNaN(n) ? null : { kind: 'float', value: n };
  }
  const fraction = match[3] ?? '';
  const s = scale ?? fraction.length;
  const digits = `${match[2]}${fraction.padEnd(s, '0').slice(0, s)}`;
  return { kind: 'exact', value: (match[1] ? -1n : 1n) * BigInt(digits), scale: s };
}

function rescale(n: { value: bigint; scale: number }, scale: number): bigint {
  return n.value * 10n ** BigInt(scale - n.scale);
}

export function addExact(a: ExactNumber | null, b: ExactNumber | null, sign: 1 | -1 = 1): ExactNumber | null {
  if (!b) return a;
  const signed: ExactNumber =
    b.kind === 'float' ? { kind: 'float', value: sign * b.value } : { ...b, value: BigInt(sign) * b.value };
  if (!a) return signed;
  if (a.kind === 'float' || signed.kind === 'float') return { kind: 'float', value: toNumber(a) + toNumber(signed) };
  const scale = Math.max(a.scale, signed.scale);
  return { kind: 'exact', value: rescale(a, scale) + rescale(signed, scale), scale };
}

export function toNumber(n: ExactNumber): number {
  return n.kind === 'float' ? n.value : Number(exactText(n));
}

export function exactText(n: ExactNumber): string {
  if (n.kind === 'float') return String(n.value);
  const negative = n.value < 0n;
  const digits = (negative ? -n.value : n.value).toString().padStart(n.scale + 1, '0');
  const text = n.scale ? `${digits.slice(0, -n.scale)}.${digits.slice(-n.scale)}` : digits;
  return negative ? `-${text}` : text;
}

/** As JSON: a number when it is exactly one, else its exact decimal text. */
export function exactJson(n: ExactNumber | null): number | string | null {
  if (!n) return null;
  if (n.kind === 'float') return n.value;
  if (n.scale === 0 && n.value <= BigInt(Number.MAX_SAFE_INTEGER) && n.value >= BigInt(Number.MIN_SAFE_INTEGER))
    return Number(n.value);
  return exactText(n);
}

export function isZero(n: ExactNumber | null): boolean {
  return n === null || (n.kind === 'exact' ? n.value === 0n : n.value === 0);
}
