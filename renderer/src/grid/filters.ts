import type { Filter, FilterOp } from '../../../engine/shared/result-view';
import { groupedNumber } from './number-text';

/** How a column is filtered: numbers and times compare in their own type, anything else as text. */
export type ColumnKind = 'number' | 'time' | 'text';

export function columnKind(column: { type: string; numeric: boolean }): ColumnKind {
  if (column.numeric) return 'number';
  return /^(DATE|TIME|TIMESTAMP)/i.test(column.type) ? 'time' : 'text';
}

/** The filters a column offers, in the order the menu lists them, with how each reads. */
export function filterOps(kind: ColumnKind): { op: FilterOp; label: string }[] {
  const nulls: { op: FilterOp; label: string }[] = [
    { op: 'null', label: 'is NULL' },
    { op: 'not-null', label: 'is not NULL' },
  ];
  if (kind === 'text') {
    return [{ op: 'contains', label: 'contains' }, { op: 'equals', label: 'equals' }, ...nulls];
  }
  const time = kind === 'time';
  return [
    { op: 'between', label: 'between' },
    { op: '=', label: time ? 'is' : '=' },
    { op: '!=', label: time ? 'is not' : '≠' },
    { op: '>=', label: time ? 'on or after' : '≥' },
    { op: '>', label: time ? 'after' : '>' },
    { op: '<=', label: time ? 'on or before' : '≤' },
    { op: '<', label: time ? 'before' : '<' },
    ...nulls,
  ];
}

/**
 * The filter the form describes, or undefined when it asks nothing (an empty value, a range open at both ends).
 * Values are sent as typed; the engine checks them against the column's type.
 */
export function formFilter(column: string, op: FilterOp, value: string, max: string): Filter | undefined {
  const v = value.trim();
  const m = max.trim();
  switch (op) {
    case 'null':
    case 'not-null':
      return { column, op };
    case 'contains':
      return value === '' ? undefined : { column, op, value };
    case 'equals':
      return { column, op, value };
    case 'between':
      if (v === '' && m === '') return undefined;
      return { column, op, ...(v !== '' ? { min: v } : {}), ...(m !== '' ? { max: m } : {}) };
    default:
      return v === '' ? undefined : { column, op, value: v };
  }
}

/** A filter in a few words, for the header's tooltip and the footer: "≥ 1,000", "contains “an”". */
export function describeFilter(filter: Filter, kind: ColumnKind): string {
  const shown = (text: string) => (kind === 'number' ? (groupedNumber(text) ?? text) : text);
  const label = filterOps(kind).find((o) => o.op === filter.op)?.label ?? filter.op;
  switch (filter.op) {
    case 'null':
    case 'not-null':
      return label;
    case 'contains':
    case 'equals':
      return `${label} “${filter.value}”`;
    case 'between':
      if (filter.min !== undefined && filter.max !== undefined) return `${shown(filter.min)} to ${shown(filter.max)}`;
      return filter.min !== undefined ? `≥ ${shown(filter.min)}` : `≤ ${shown(filter.max ?? '')}`;
    default:
      return `${label} ${shown(filter.value)}`;
  }
}
