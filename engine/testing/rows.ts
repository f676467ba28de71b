/**
 * Live and served rows in the shapes the generator's reference implementation uses (as READ_BACK reads
 * batch tables): counts as numbers, money as exact decimal text, days without paid orders left out.
 */
export function normalizeRows(pipeline: string, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows
    .map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => {
          if (k === 'revenue') return [k, v === null ? null : String(v)];
          if (typeof v === 'string' && /^-?\d+$/.test(v)) return [k, Number(v)];
          return [k, v];
        }),
      ),
    )
    .filter((r) => pipeline !== 'daily_orders' || Number(r.orders) > 0);
}
