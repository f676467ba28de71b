import { importFiles } from '../../lake/import.js';
import { rejectsOf } from '../../lake/catalog.js';
import type { WorkspaceSession } from '../session.js';
import { importSummaryResult } from '../shapes.js';
import { changedByImport } from '../cell-results.js';
import type { Handlers } from './handler.js';

/** Imports into the lake, and the lines it rejected. */
export function lakeHandlers(session: WorkspaceSession): Handlers<'lake.import' | 'lake.rejects'> {
  return {
    'lake.import': async ({ paths, strict, format, map, timeFormat }, context) => {
      const summary = await importFiles(session.workspace, paths, {
        strict: Boolean(strict),
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
    'lake.rejects': async ({ importId, limit }) =>
      rejectsOf(session.workspace.catalog, { limit, ...(importId !== undefined ? { importId } : {}) }),
  };
}
