/** Column presentation for the result grid: short type names and widths fitted to content. */

/** A DuckDB type as a short lower-case label for the header: nested types by their kind, lists with []. */
export function shortType(type: string): string {
  const t = type.trim();
  const list = /^(.*)\[(\d*)\]$/.exec(t);
  if (list) return `${shortType(list[1] as string)}[${list[2]}]`;
  const upper = t.toUpperCase();
  if (upper === 'TIMESTAMP WITH TIME ZONE') return 'timestamptz';
  if (upper === 'TIME WITH TIME ZONE') return 'timetz';
  const paren = t.indexOf('(');
  const head = (paren >= 0 ? t.slice(0, paren) : t).trim().toLowerCase();
  if (head === 'decimal' || head === 'numeric') return t.toLowerCase().replace(/\s+/g, '');
  if (paren >= 0) return head; // STRUCT(…), MAP(…), UNION(…), ENUM(…)
  return head;
}

export interface WidthOptions {
  min: number;
  max: number;
  /** What a cell adds around its text: padding on both sides, its border, and a pixel of slack for rounding. */
  padding: number;
}

export const WIDTHS: WidthOptions = { min: 72, max: 360, padding: 28 };

/**
 * A column's width: wide enough for its name, its type and the sample values (the first page), within
 * min and max so one long text column does not push the rest out of view.
 */
export function columnWidth(
  name: string,
  type: string,
  samples: readonly string[],
  measure: { header: (text: string) => number; type: (text: string) => number; value: (text: string) => number },
  options: WidthOptions = WIDTHS,
): number {
  let widest = Math.max(measure.header(name), measure.type(shortType(type)));
  for (const sample of samples) {
    // Nothing wider than max can count, so very long values need not be measured in full.
    const w = measure.value(sample.length > 200 ? sample.slice(0, 200) : sample);
    if (w > widest) widest = w;
  }
  return Math.ceil(Math.min(options.max, Math.max(options.min, widest + options.padding)));
}

/** Width of the row-number column: the digits of the largest row number, grouped. */
export function rowNumberWidth(rowCount: number, digit: number, padding = 20): number {
  const digits = String(Math.max(1, rowCount)).length;
  const separators = Math.floor((digits - 1) / 3);
  return Math.ceil(digits * digit + separators * digit * 0.5 + padding);
}
