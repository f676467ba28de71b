import type { ImportSummary } from '../lake/import.js';
import type { RunResult } from '../batch/runner.js';
import type { Result } from '../shared/contract.js';
import { BATCH_TABLES, LAKE_TABLES, SAVED_ROWS, compareReads } from '../shared/saved-results.js';
import { ResultCache, boundedRows } from './result-cache.js';
import { tableChanges } from './table-reads.js';
import type { WorkspaceSession } from './session.js';

/** Which cell of which notebook a run is for: its result is kept for the notebook's next open. */
export interface CellKey {
  notebook: string;
  cellId: string;
}

export function cellKey(params: { notebook?: string | undefined; cellId?: string | undefined }): CellKey | undefined {
  return params.notebook && params.cellId ? { notebook: params.notebook, cellId: params.cellId } : undefined;
}

/** Keeps a SQL cell's result (its first rows, bounded) while the engine still holds it. A cache that cannot be written
 * costs the next open a run, never this one its answer. */
export async function keepSqlResult(
  session: WorkspaceSession,
  key: CellKey,
  sql: string,
  result: Result<'query.run'>,
): Promise<void> {
  try {
    const page = await session.queries.page(result.queryId, 0, Math.min(result.rowCount, SAVED_ROWS));
    await new ResultCache(session.workspace.dir).save(key.notebook, {
      kind: 'sql',
      cellId: key.cellId,
      sql,
      ranAt: result.ranAt,
      elapsedMs: result.elapsedMs,
      statement: result.statement,
      columns: result.columns,
      rowCount: result.rowCount,
      rows: boundedRows(page.rows as unknown[][]),
      tables: result.tables,
    });
  } catch {
    // The result was closed meanwhile, or the disk is full: the cell simply has nothing saved.
  }
}

/** Keeps a compare cell's reconciliation, whole (a reconciliation cut short would mislead). */
export async function keepCompareResult(
  session: WorkspaceSession,
  key: CellKey,
  pipeline: string,
  ranAt: string,
  through: number | undefined,
  result: Result<'reconcile.compare'>,
): Promise<void> {
  await new ResultCache(session.workspace.dir)
    .save(key.notebook, {
      kind: 'compare',
      cellId: key.cellId,
      pipeline,
      ranAt,
      ...(through !== undefined ? { through } : {}),
      result,
      tables: compareReads(pipeline),
    })
    .catch(() => undefined);
}

/** A notebook's saved results, with when the tables they read last changed (for saying which are stale). */
export async function savedResults(session: WorkspaceSession, notebook: string): Promise<Result<'notebooks.results'>> {
  const results = await new ResultCache(session.workspace.dir).read(notebook);
  const tables = [...new Set(results.flatMap((r) => r.tables))];
  return { results, changes: await tableChanges(session.workspace.catalog, tables) };
}

/** What an import changed: the whole lake, when it landed anything. */
export function changedByImport(summary: Pick<ImportSummary, 'files'>): string[] {
  return summary.files.some((f) => f.status === 'imported') ? [...LAKE_TABLES] : [];
}

/** What a run changed: the summary tables it wrote partitions of, and the batch layer's own tables when it ran any. */
export function changedByRun(run: Pick<RunResult, 'partitions'>): string[] {
  if (run.partitions.length === 0) return [];
  const written = run.partitions.filter((p) => p.status === 'succeeded').map((p) => p.pipeline.toLowerCase());
  return [...new Set([...written, ...BATCH_TABLES])].sort();
}
