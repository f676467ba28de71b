import type { ScorecardValue } from '../../../engine/shared/scorecard';
import { groupThousands } from '../../../engine/shared/decimal';

export type MetricFormat = 'number' | 'money' | 'percent';

/** Thousands separators on an exact decimal string, without passing it through a double (money keeps every cent). */
function groupDigits(text: string): string {
  const negative = text.startsWith('-');
  const [whole = '', fraction] = (negative ? text.slice(1) : text).split('.');
  const grouped = groupThousands(whole);
  return `${negative ? '−' : ''}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}

function exactText(value: ScorecardValue, decimals?: number): string | null {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) {
    if (decimals === undefined) return value;
    const [whole, fraction = ''] = value.split('.');
    return `${whole}.${fraction.padEnd(decimals, '0').slice(0, decimals)}`;
  }
  if (typeof value === 'number' && Number.isFinite(value))
    return decimals === undefined ? String(value) : value.toFixed(decimals);
  return null;
}

/** A metric's value as the scorecard shows it: counts grouped, money with cents, rates as percentages. */
export function formatMetricValue(value: ScorecardValue, format: MetricFormat): string {
  if (value === null) return '–';
  if (format === 'percent') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : String(value);
  }
  const text = exactText(value, format === 'money' ? 2 : undefined);
  return text === null ? String(value) : groupDigits(text);
}

/** A change with its sign; a rate's change is in percentage points. */
export function formatChange(change: ScorecardValue, format: MetricFormat): string {
  if (change === null) return '–';
  if (format === 'percent') {
    const n = typeof change === 'number' ? change : Number(change);
    return `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n * 100).toFixed(1)} pts`;
  }
  const text = formatMetricValue(change, format);
  if (text.startsWith('−')) return text;
  return /^0(\.0+)?$/.test(text) ? `±${text}` : `+${text}`;
}

export function formatPercentChange(pct: number | null): string {
  if (pct === null) return '';
  if (pct === 0) return '±0%';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct) >= 10 ? Math.abs(pct).toFixed(0) : Math.abs(pct).toFixed(1)}%`;
}

/** Up, down or level, for the arrow and its colour (whether up is good depends on the metric). */
export function direction(change: ScorecardValue): 'up' | 'down' | 'level' | 'none' {
  if (change === null) return 'none';
  const n = typeof change === 'number' ? change : Number(change);
  if (!Number.isFinite(n)) return 'none';
  return n > 0 ? 'up' : n < 0 ? 'down' : 'level';
}

/** How a rank moved since the previous period to the same point: "▲2", "▼1", "=", or "new". */
export function rankMove(rank: number, previous: number | null): { text: string; kind: 'up' | 'down' | 'level' | 'new' } {
  if (previous === null) return { text: 'new', kind: 'new' };
  if (previous === rank) return { text: '=', kind: 'level' };
  return previous > rank ? { text: `▲${previous - rank}`, kind: 'up' } : { text: `▼${rank - previous}`, kind: 'down' };
}
