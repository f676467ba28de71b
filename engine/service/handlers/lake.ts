import { importFiles } from '../../lake/import.js';
import { allImports, rejectsOf } from '../../lake/catalog.js';
import { removeImport } from '../../lake/remove.js';
import { LAKE_TABLES } from '../../shared/saved-results.js';
import type { WorkspaceSession } from '../session.js';
import { importSummaryResult } from '../shapes.js';
import { changedByImport } from '../cell-results.js';
import type { Handlers } from './handler.js';

/** Imports into the lake and their removal, the imports it holds, and the lines it rejected. */
export function lakeHandlers(
  session: WorkspaceSession,
): Handlers<'lake.import' | 'lake.rejects' | 'lake.imports' | 'lake.removeImport'> {
  return {
    'lake.import': async ({ paths, strict, format, map, timeFormat, names }, context) => {
      const summary = await importFiles(session.workspace, paths, {
        strict: Boolean(strict),
        ...(names ? { names } : {}),
        ...(format ? { format } : {}),
        ...(map ? { map } : {}),
        ...(timeFormat ? { timeFormat } : {}),
        signal: context.signal,
        onProgress: context.progress,
      });
      session.changed('lake');
      session.tablesChanged(changedByImport(summary));
      return importSummaryResult(summary);
    },
    'lake.imports': async () => allImports(session.workspace.catalog),
    'lake.removeImport': async ({ importId }, context) => {
      const removed = await removeImport(session.workspace, importId, { signal: context.signal, onProgress: context.progress });
      session.changed('lake');
      session.tablesChanged([...LAKE_TABLES]);
      return removed;
    },
    'lake.rejects': async ({ importId, limit }) =>
      rejectsOf(session.workspace.catalog, { limit, ...(importId !== undefined ? { importId } : {}) }),
  };
}
