import { UserError } from '../../kernel/util/errors.js';
import { servedView } from '../../serving/served.js';
import { reconcile } from '../../serving/reconcile.js';
import type { WorkspaceSession } from '../session.js';
import { recountResult } from '../shapes.js';
import type { Handlers } from './handler.js';
import { cellKey, changedByImport, changedByRun, keepCompareResult } from '../cell-results.js';

/** Batch and live side by side: the served view, the reconciliation of the two, and a recount that closes the gap. */
export function compareHandlers(session: WorkspaceSession): Handlers<'served.view' | 'reconcile.compare' | 'reconcile.recount'> {
  return {
    'served.view': async ({ pipeline }) => servedView(session.workspace, session.live.view, pipeline),
    'reconcile.compare': async ({ pipeline, ids, throughLine, ...cell }, context) => {
      const stream = session.live.followedStream;
      const log = stream ? session.live.state().log : session.live.log;
      if (!log) throw new UserError('This workspace follows no event log, so there is nothing to compare with', 'no-log');
      const ranAt = new Date().toISOString();
      const result = await reconcile(session.workspace, pipeline, log, {
        ids: Boolean(ids),
        signal: context.signal,
        onProgress: context.progress,
        ...(throughLine !== undefined ? { throughLine } : {}),
        // A stream is replayed through the offset its last recount imported (throughLine, the lake's line), if given.
        ...(stream ? { stream: { ...stream, ...(throughLine ? { throughOffset: throughLine - 1 } : {}) } } : {}),
      });
      const key = cellKey(cell);
      // The ids are asked for on top of a comparison shown; the comparison itself is what a cell shows on open.
      if (key && !ids) await keepCompareResult(session, key, pipeline, ranAt, throughLine, result);
      return result;
    },
    'reconcile.recount': async (_params, context) => {
      const result = await session.live.recount({ signal: context.signal, onProgress: context.progress });
      session.changed('lake');
      session.changed('pipelines');
      session.tablesChanged([...new Set([...changedByImport({ files: [result.import] }), ...changedByRun(result.run)])]);
      return recountResult(result);
    },
  };
}
