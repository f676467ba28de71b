import { formatValue } from '../ui/format';

/** A cell's text as the grid shows it: NULL for a missing value. */
export function cellText(value: unknown): string {
  return value === null || value === undefined ? 'NULL' : formatValue(value);
}

/** A tooltip only where the value may be cut off (a cheap bound: no glyph is narrower than ~5 px). */
export function cellTip(value: unknown, width: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  const t = formatValue(value);
  return t.length * 5.5 > width - 20 ? t : undefined;
}
