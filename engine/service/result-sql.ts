import { UserError } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import type { ResultColumn } from '../kernel/util/values.js';
import { numberText, type Filter, type SortKey } from '../shared/result-view.js';

/** The SQL a grid's sort and filters become over a held result's table: a WHERE and an ORDER BY. */

function column(columns: readonly ResultColumn[], name: string): ResultColumn {
  const found = columns.find((c) => c.name === name);
  if (!found) throw new UserError(`The result has no column "${name}"; run the cell again if it changed`, 'bad-filter');
  return found;
}

/** A comparison value in the column's type: a number column takes a number, as written (exact decimals stay exact). */
function operand(col: ResultColumn, value: string): string {
  if (!col.numeric) return literal(value);
  const number = numberText(value);
  if (number === undefined) throw new UserError(`"${value}" is not a number, and ${col.name} is a number column`, 'bad-filter');
  return number;
}

function condition(col: ResultColumn, filter: Filter): string | undefined {
  const c = ident(col.name);
  switch (filter.op) {
    case 'contains':
      return filter.value === '' ? undefined : `contains(lower(CAST(${c} AS VARCHAR)), lower(${literal(filter.value)}))`;
    case 'equals':
      return `CAST(${c} AS VARCHAR) = ${literal(filter.value)}`;
    case 'null':
      return `${c} IS NULL`;
    case 'not-null':
      return `${c} IS NOT NULL`;
    case 'between': {
      const parts = [
        filter.min !== undefined ? `${c} >= ${operand(col, filter.min)}` : undefined,
        filter.max !== undefined ? `${c} <= ${operand(col, filter.max)}` : undefined,
      ].filter((p) => p !== undefined);
      return parts.length > 0 ? parts.join(' AND ') : undefined;
    }
    default:
      return `${c} ${filter.op === '!=' ? '<>' : filter.op} ${operand(col, filter.value)}`;
  }
}

/** `WHERE …` for the filters, all of which a row must pass; '' when there are none. */
export function whereClause(columns: readonly ResultColumn[], filters: readonly Filter[]): string {
  const conditions = filters.map((f) => condition(column(columns, f.column), f)).filter((c) => c !== undefined);
  return conditions.length > 0 ? `WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}` : '';
}

/**
 * `ORDER BY …` for the sort keys, NULLs last either way, and then the result's own order (its rowid), so rows that
 * tie keep the order the query gave them and every page is the same each time it is read.
 */
export function orderClause(columns: readonly ResultColumn[], sort: readonly SortKey[]): string {
  const keys = sort.map((k) => `${ident(column(columns, k.column).name)} ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`);
  return `ORDER BY ${[...keys, 'rowid'].join(', ')}`;
}

/** Checks that a column is in the result, and returns it. */
export function resultColumnNamed(columns: readonly ResultColumn[], name: string): ResultColumn {
  return column(columns, name);
}
