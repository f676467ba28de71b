import { basename } from 'node:path';
import { ident } from '../../kernel/util/sql.js';
import { lakePartitions, lakeTotals, recentImports } from '../../lake/catalog.js';
import { summaryRowCounts } from '../../batch/state.js';
import { workspaceStatus } from '../../batch/status.js';
import { CATALOG_NAMES } from '../../kernel/workspace/catalog.js';
import { FunctionList } from '../functions.js';
import type { Result } from '../../shared/contract.js';
import type { WorkspaceSession } from '../session.js';
import type { Handlers } from './handler.js';

export interface AppInfo {
  version: string;
  transport: 'electron' | 'browser';
}

/**
 * Recount's own bookkeeping tables, left out of the schema the editor completes: what one queries are the lake's
 * `events`, `raw_events` and `rejects`, and the summary tables.
 */
const HIDDEN_TABLES = new Set(CATALOG_NAMES.filter((name) => !['events', 'raw_events', 'rejects'].includes(name)));

/**
 * The app and its workspace: what is open, switching to another, what the workspace holds, its tables and the
 * functions its SQL can call.
 */
export function appHandlers(
  session: WorkspaceSession,
  app: AppInfo,
): Handlers<'app.info' | 'workspace.open' | 'workspace.summary' | 'schema.tables' | 'schema.functions'> {
  const functions = new FunctionList();
  return {
    'app.info': async () => {
      const { workspace } = session;
      return {
        version: app.version,
        transport: app.transport,
        workspace: { dir: workspace.dir, name: basename(workspace.dir), timezone: workspace.settings.timezone },
        recent: await session.recent(),
      };
    },

    'workspace.open': async ({ dir, create, timezone }) => ({
      dir: await session.switchTo(dir, create ? (timezone ? { timezone } : {}) : undefined),
    }),

    'workspace.summary': async () => {
      const catalog = session.workspace.catalog;
      const status = await workspaceStatus(session.workspace);
      const totals = await lakeTotals(catalog);
      return {
        partitions: await lakePartitions(catalog),
        imports: await recentImports(catalog, 50),
        tables: await summaryRowCounts(
          catalog,
          status.pipelines.map((p) => p.name),
        ),
        events: totals.events,
        rejected: totals.rejected,
      };
    },

    'schema.tables': async () => {
      const catalog = session.workspace.catalog;
      const objects = await catalog.all<{ name: string; kind: 'table' | 'view' }>(
        `SELECT table_name AS name, 'table' AS kind FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal
         UNION ALL SELECT view_name, 'view' FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal ORDER BY 1`,
      );
      const out: Result<'schema.tables'> = [];
      for (const o of objects.filter((o) => !HIDDEN_TABLES.has(o.name))) {
        const columns = await catalog
          .all<{ column_name: string; column_type: string }>(`DESCRIBE ${ident(o.name)}`)
          .catch(() => []);
        out.push({ name: o.name, kind: o.kind, columns: columns.map((c) => ({ name: c.column_name, type: c.column_type })) });
      }
      return out;
    },

    'schema.functions': async () => functions.list(session.workspace.catalog),
  };
}
