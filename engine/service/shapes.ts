import type { ImportFileResult, ImportSummary } from '../lake/import.js';
import type { RecountResult } from '../serving/recount.js';
import type { Result } from '../shared/contract.js';

/**
 * The engine's results as the contract has them, where a layer's own result carries more than the app is sent (an
 * import's step timings, the earlier imports it replaced): the one mapping the app's handlers and the CLI's `--json`
 * both print, so a script reads what the app reads.
 */

export type ApiImportFile = Result<'lake.import'>['files'][number];

export function importFileResult(f: ImportFileResult): ApiImportFile {
  return {
    path: f.path,
    status: f.status,
    rows: f.rows,
    rejected: f.rejected,
    duplicates: f.duplicates,
    partitions: f.partitions,
    durationMs: f.durationMs,
    ...(f.error ? { error: f.error } : {}),
    ...(f.message ? { message: f.message } : {}),
    ...(f.importId ? { importId: f.importId } : {}),
    ...(f.format ? { format: f.format } : {}),
    ...(f.fields ? { fields: f.fields } : {}),
    ...(f.dialect ? { dialect: f.dialect } : {}),
    ...(f.columns ? { columns: f.columns } : {}),
    ...(f.notes ? { notes: f.notes } : {}),
    ...(f.range ? { range: f.range } : {}),
    ...(f.heldTailBytes ? { heldTailBytes: f.heldTailBytes } : {}),
  };
}

export function importSummaryResult(summary: ImportSummary): Result<'lake.import'> {
  return { files: summary.files.map(importFileResult), rows: summary.rows, rejected: summary.rejected };
}

export function recountResult(result: RecountResult): Result<'reconcile.recount'> {
  return {
    import: importFileResult(result.import),
    run: result.run,
    throughLine: result.throughLine,
    ...(result.released ? { released: result.released } : {}),
  };
}
