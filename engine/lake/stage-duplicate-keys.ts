import type { Connection } from '../kernel/workspace/db.js';
import { literal } from '../kernel/util/sql.js';
import { innerSelectOf, type ImportPlan, type SourceField } from '../kernel/events/plan.js';
import type { ImportNote } from './notes.js';
import { STAGED_TABLE } from './stage-load.js';

/**
 * Whether some record has a key twice, in the pass that checks types: every map entry counted against the records
 * that have each key (map_contains, much cheaper than listing each record's distinct keys).
 */
export function duplicateKeyFirstLook(fields: SourceField[]): string[] {
  if (fields.length === 0) return [];
  const having = fields.map((f) => `count(*) FILTER (WHERE map_contains(_record, ${literal(f.key)}))`).join(' + ');
  return [`coalesce(sum(cardinality(_record)), 0) - (${having}) AS dup_entries`];
}

/** Which keys some records hold twice, and how many such records (only when the first look found some). */
export async function duplicateKeyNotes(
  connection: Connection,
  plan: ImportPlan,
  fields: SourceField[],
  firstLook: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<ImportNote[]> {
  if (Number(firstLook.dup_entries ?? 0) <= 0) return [];
  const row =
    (await connection.one<Record<string, unknown>>(
      `SELECT ${fields.map((f, i) => `count(*) FILTER (WHERE len(list_filter(map_keys(_record), k -> k = ${literal(f.key)})) > 1) AS d${i}`).join(', ')}
       FROM (${innerSelectOf(plan, STAGED_TABLE)}) WHERE NOT _skip`,
      undefined,
      signal ? { signal } : {},
    )) ?? {};
  return fields.flatMap((f, i) => {
    const records = Number(row[`d${i}`] ?? 0);
    if (records === 0) return [];
    return [
      {
        column: plan.columnOf.get(f.key) ?? f.key,
        kind: 'duplicate-keys' as const,
        detail: `${records} record${records === 1 ? ' has' : 's have'} the key ${JSON.stringify(f.key)} more than once: the first value is kept, as DuckDB's JSON functions read it`,
      },
    ];
  });
}
