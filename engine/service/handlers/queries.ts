import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exportData, exportQuery, type ExportResult } from '../../batch/export.js';
import type { Params } from '../../shared/contract.js';
import type { WorkspaceSession } from '../session.js';
import type { Handlers, RequestContext } from './handler.js';
import { cellKey, keepSqlResult } from '../cell-results.js';
import { ResultViews } from '../result-views.js';

type ExportSource = Params<'export.file'>['source'];

/** Writes an export: of a held result (on the connection that holds it), of a table or view, or of a query. */
async function exportTo(
  session: WorkspaceSession,
  source: ExportSource,
  path: string,
  format: 'csv' | 'parquet',
  context: RequestContext,
): Promise<ExportResult> {
  const options = { out: path, format, signal: context.signal, onProgress: context.progress };
  if ('queryId' in source) {
    const { connection, sql } = session.queries.table(source.queryId);
    return exportQuery(connection, sql, options);
  }
  return exportData(session.workspace, { source: 'table' in source ? source.table : source.sql, ...options });
}

/** SQL cells: results held and read a page at a time, and exports of them to a file or (browser mode) a download. */
export function queryHandlers(
  session: WorkspaceSession,
): Handlers<
  | 'query.run'
  | 'query.page'
  | 'query.arrange'
  | 'query.profile'
  | 'query.widest'
  | 'query.close'
  | 'export.file'
  | 'export.prepare'
> {
  const views = new ResultViews(
    () => session.queries,
    () => session.workspace.settings.timezone,
  );
  return {
    'query.run': async ({ sql, cellId, notebook }, context) => {
      const result = await session.queries.run(sql, { signal: context.signal, onProgress: context.progress }, context.client);
      if (result.statement !== 'select') session.changed('workspace');
      const key = cellKey({ notebook, cellId });
      if (key) await keepSqlResult(session, key, sql, result);
      return result;
    },
    'query.page': async ({ queryId, offset, limit, view }) =>
      view === undefined ? session.queries.page(queryId, offset, limit) : views.page(queryId, view, offset, limit),
    'query.arrange': async ({ queryId, sort, filters }, context) =>
      views.arrange(queryId, sort, filters, { signal: context.signal, onProgress: context.progress }),
    'query.profile': async ({ queryId, view, column }, context) =>
      views.profile(queryId, view, column, { signal: context.signal }),
    'query.widest': async ({ queryId }) => ({ values: await views.widest(queryId) }),
    'query.close': async ({ queryId }) => {
      session.queries.close(queryId);
      return {};
    },
    'export.file': async ({ source, path, format }, context) => exportTo(session, source, path, format, context),
    'export.prepare': async ({ source, format, name }, context) => {
      const dir = join(session.workspace.paths.tmp, 'downloads');
      await mkdir(dir, { recursive: true });
      const downloadId = randomBytes(12).toString('hex');
      const filename = `${name.replace(/\.(csv|parquet)$/i, '')}.${format}`;
      const result = await exportTo(session, source, join(dir, `${downloadId}.${format}`), format, context);
      session.addDownload(downloadId, { path: result.out, filename }, context.client);
      return { downloadId, filename, rows: result.rows, bytes: result.bytes };
    },
  };
}
