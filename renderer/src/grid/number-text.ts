import { groupThousands } from '../../../engine/shared/decimal';

/**
 * A number cell's text with thousands separators, as the rest of the app writes counts (en-US: 1,234,567.5). An exact
 * decimal or a wide integer arrives as a string and is grouped as written, never through a double, so every digit
 * stays; a double is written as JavaScript writes it (shortest round-trip digits), then grouped. Exponent forms, NaN
 * and infinities are left as they are.
 */
export function groupedNumber(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  if (text === undefined) return undefined;
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!match) return text;
  return `${match[1]}${groupThousands(match[2] as string)}${match[3] ?? ''}`;
}
