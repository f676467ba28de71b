import { z } from 'zod';

/**
 * What a notebook keeps of each cell's last run, so that it opens showing it at once (as notebooks show saved
 * outputs) and says when the data it read has changed since. The engine writes and serves these; the renderer shows
 * them. Nothing here imports Node or DuckDB.
 */

const IsoTime = z.iso.datetime();
const Json: z.ZodType<unknown> = z.unknown();

/** A result's column, as `query.run` describes it. */
export const ResultColumnSchema = z.object({ name: z.string(), type: z.string(), numeric: z.boolean() });

/** At most this many rows of a result are kept: a chart's worth, the grid's first ten pages. */
export const SAVED_ROWS = 5000;
/** And at most this much of them, as JSON: a wide result keeps fewer rows. */
export const SAVED_BYTES = 2 * 1024 * 1024;

/** The tables of the lake: an import or a recount changes what every one of them reads. */
export const LAKE_TABLES = [
  'events',
  'raw_events',
  'rejects',
  'duplicate_arrivals',
  'imports',
  'lake_files',
  'lake_columns',
  'import_columns',
  'lake_removals',
] as const;

/** The batch layer's own tables: a pipeline run writes them, besides the summary tables of its pipelines. */
export const BATCH_TABLES = ['pipeline_partitions', 'runs', 'run_partitions'] as const;

/** What a cell read, as DuckDB bound its statement: table and view names, lower-case, sorted. */
const TablesSchema = z.array(z.string());

export const SavedSqlSchema = z.object({
  kind: z.literal('sql'),
  cellId: z.string(),
  /** The SQL that ran: a saved result is shown only while the cell still holds it. */
  sql: z.string(),
  ranAt: IsoTime,
  elapsedMs: z.number(),
  statement: z.string(),
  columns: z.array(ResultColumnSchema),
  rowCount: z.number(),
  /** The first rows of the result, as `query.page` gave them (at most SAVED_ROWS, and SAVED_BYTES of JSON). */
  rows: z.array(z.array(Json)),
  tables: TablesSchema,
});
export type SavedSql = z.infer<typeof SavedSqlSchema>;

export const SavedCompareSchema = z.object({
  kind: z.literal('compare'),
  cellId: z.string(),
  pipeline: z.string(),
  ranAt: IsoTime,
  /** The comparison was as of a recount: the log through this line. */
  through: z.number().optional(),
  /** The reconciliation as `reconcile.compare` answered it (the contract checks it against that method's schema). */
  result: Json,
  tables: TablesSchema,
});
export type SavedCompare = z.infer<typeof SavedCompareSchema>;

/** When each table last changed (ISO 8601, UTC), as far as Recount knows. */
export type TableChanges = Record<string, string>;

/** The tables a compare cell reads: its pipeline's summary table and the lake the batch side is counted from. */
export function compareReads(pipeline: string): string[] {
  return [...new Set([pipeline.toLowerCase(), ...LAKE_TABLES])].sort();
}

/**
 * The tables a result read that changed after it ran, sorted; empty when it is fresh. A table changed at the very
 * instant the result ran counts as changed: the run may have started before the change was committed.
 */
export function staleTables(reads: readonly string[], ranAt: string, changes: Readonly<TableChanges>): string[] {
  const ran = Date.parse(ranAt);
  return reads.filter((t) => {
    const changed = changes[t];
    return changed !== undefined && Date.parse(changed) >= ran;
  });
}

/** Merges newer change times into `changes` (each table keeps its latest). */
export function mergeChanges(changes: TableChanges, tables: readonly string[], at: string): TableChanges {
  const out = { ...changes };
  for (const t of tables) {
    const before = out[t];
    if (before === undefined || Date.parse(before) < Date.parse(at)) out[t] = at;
  }
  return out;
}

/**
 * What changed, in a badge's words: "the lake", "daily_orders", "the lake and daily_orders". The lake's tables change
 * together, so they read as one; the batch layer's own bookkeeping is said only when nothing else changed.
 */
export function describeChange(tables: readonly string[]): string {
  const lake = tables.some((t) => (LAKE_TABLES as readonly string[]).includes(t));
  const batch = tables.some((t) => (BATCH_TABLES as readonly string[]).includes(t));
  const others = tables.filter(
    (t) => !(LAKE_TABLES as readonly string[]).includes(t) && !(BATCH_TABLES as readonly string[]).includes(t),
  );
  const names = [...(lake ? ['the lake'] : []), ...others];
  if (names.length === 0) return batch ? 'the pipeline runs' : '';
  if (names.length === 1) return names[0] as string;
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}
