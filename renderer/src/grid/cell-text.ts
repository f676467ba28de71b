import { formatValue } from '../ui/format';
import { groupedNumber } from './number-text';

/** A cell's text as the grid shows it: NULL for a missing value, numbers with thousands separators. */
export function cellText(value: unknown, numeric = false): string {
  if (value === null || value === undefined) return 'NULL';
  return (numeric ? groupedNumber(value) : undefined) ?? formatValue(value);
}

/** A tooltip only where the value may be cut off (a cheap bound: no glyph is narrower than ~5 px). */
export function cellTip(value: unknown, width: number, numeric = false): string | undefined {
  if (value === null || value === undefined) return undefined;
  const t = cellText(value, numeric);
  return t.length * 5.5 > width - 20 ? t : undefined;
}
