import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ZodError, type z } from 'zod';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { CancelledError, UserError, errorMessage } from '../kernel/util/errors.js';
import { ident } from '../kernel/util/sql.js';
import { writeFileAtomic } from '../kernel/util/fsx.js';
import type { Progress } from '../shared/progress.js';
import {
  METHODS,
  RequestMessageSchema,
  type ApiError,
  type EngineEvent,
  type Method,
  type Params,
  type ResponseMessage,
  type Result,
} from '../shared/contract.js';
import { importFiles } from '../lake/import.js';
import { runPipelines } from '../batch/runner.js';
import { workspaceStatus } from '../batch/status.js';
import { runHistory } from '../batch/history.js';
import { exportData, exportQuery } from '../batch/export.js';
import { servedView } from '../serving/served.js';
import { reconcile } from '../serving/reconcile.js';
import { initWorkspace, openWorkspace } from './init.js';
import { QueryResults } from './queries.js';
import { Notebooks } from './notebooks.js';
import { LiveService } from './live.js';
import { workspaceLog } from './app-paths.js';

export interface EngineOptions {
  dir: string;
  /** The event log the live view follows in this workspace, if any. */
  log?: string;
  transport: 'electron' | 'browser';
  /** Where the list of recently opened workspaces is kept (per user, not per workspace). */
  recentFile?: string;
  /** Start demo traffic at once. */
  simulate?: boolean;
  version?: string;
}

type Context = { requestId: string; signal: AbortSignal; progress: (p: Progress) => void };
type Handler<M extends Method> = (params: z.infer<(typeof METHODS)[M]['params']>, ctx: Context) => Promise<Result<M>>;

/**
 * The engine behind the app: one workspace, its live service, held query results and notebooks, and one
 * handler per method of the contract. Transports (IPC, HTTP) hand it request messages; it validates them,
 * runs them with their own cancellation and progress, and answers with response messages and events.
 */
export class Engine {
  private listeners = new Set<(event: EngineEvent) => void>();
  private running = new Map<string, AbortController>();
  private downloads = new Map<string, { path: string; filename: string }>();
  private workspace!: Workspace;
  private queries!: QueryResults;
  private notebooks!: Notebooks;
  private live!: LiveService;

  private constructor(private options: EngineOptions) {}

  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await engine.openWorkspace(options.dir, options.log);
    if (options.simulate) await engine.live.simulate(true);
    return engine;
  }

  private async openWorkspace(dir: string, log?: string): Promise<void> {
    this.workspace = await openWorkspace(dir);
    this.queries = new QueryResults(this.workspace);
    this.notebooks = new Notebooks(this.workspace);
    this.live = new LiveService(this.workspace, log, (e) => this.emit(e));
    await this.live.start();
    await this.remember(this.workspace.dir);
  }

  get dir(): string {
    return this.workspace.dir;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Handles one request message from a transport; never throws. */
  async handle(message: unknown): Promise<ResponseMessage> {
    const parsed = RequestMessageSchema.safeParse(message);
    if (!parsed.success)
      return {
        id: String((message as { id?: unknown })?.id ?? ''),
        ok: false,
        error: { message: 'malformed request', code: 'bad-request' },
      };
    const { id, method, params } = parsed.data;
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      const input = METHODS[method].params.parse(params ?? {});
      const handler = this.handlers[method] as Handler<typeof method>;
      const result = await handler(input as never, {
        requestId: id,
        signal: controller.signal,
        progress: (progress) => this.emit({ type: 'progress', requestId: id, progress }),
      });
      return { id, ok: true, result };
    } catch (error) {
      return { id, ok: false, error: toApiError(error) };
    } finally {
      this.running.delete(id);
    }
  }

  cancel(requestId: string): void {
    this.running.get(requestId)?.abort();
  }

  /** A prepared download (browser mode): served once, then forgotten. */
  takeDownload(id: string): { path: string; filename: string } | undefined {
    const download = this.downloads.get(id);
    this.downloads.delete(id);
    return download;
  }

  async close(): Promise<void> {
    for (const controller of this.running.values()) controller.abort();
    await this.live.stop();
    this.queries.closeAll();
    await this.workspace.close();
  }

  private async recent(): Promise<string[]> {
    if (!this.options.recentFile) return [this.workspace.dir];
    try {
      return (JSON.parse(await readFile(this.options.recentFile, 'utf8')) as string[]).filter((d) => typeof d === 'string');
    } catch {
      return [];
    }
  }

  private async remember(dir: string): Promise<void> {
    if (!this.options.recentFile) return;
    const list = [dir, ...(await this.recent()).filter((d) => d !== dir)].slice(0, 10);
    await mkdir(dirname(this.options.recentFile), { recursive: true });
    await writeFileAtomic(this.options.recentFile, JSON.stringify(list, null, 2));
  }

  private changed(what: 'lake' | 'pipelines' | 'notebooks' | 'workspace'): void {
    this.emit({ type: 'workspace.changed', what });
  }

  private readonly handlers: { [M in Method]: Handler<M> } = {
    'app.info': async () => ({
      version: this.options.version ?? '0.0.0',
      transport: this.options.transport,
      workspace: { dir: this.workspace.dir, name: basename(this.workspace.dir), timezone: this.workspace.settings.timezone },
      recent: await this.recent(),
    }),

    'workspace.open': async ({ dir, create, timezone }) => {
      const target = resolve(dir);
      if (create) await initWorkspace(target, timezone ? { timezone } : {});
      // Check before closing the current one, so a bad choice leaves the app where it was.
      const check = await openWorkspace(target);
      await check.close();
      await this.live.stop();
      this.queries.closeAll();
      await this.workspace.close();
      await this.openWorkspace(target, workspaceLog(target));
      this.changed('workspace');
      return { dir: this.workspace.dir };
    },

    'workspace.summary': async () => {
      const c = this.workspace.catalog;
      const partitions = await c.all<{ event_date: string; rows: number; events: number }>(
        `SELECT strftime(event_date, '%Y-%m-%d') AS event_date, sum(rows)::DOUBLE AS rows, sum(new_events)::DOUBLE AS events FROM lake_files GROUP BY 1 ORDER BY 1`,
      );
      const imports = await c.all<{
        importId: number;
        path: string;
        rows: number;
        rejected: number;
        duplicates: number;
        importedAt: string;
      }>(
        `SELECT import_id::DOUBLE AS "importId", source_path AS path, rows::DOUBLE AS rows, rejected::DOUBLE AS rejected, duplicates::DOUBLE AS duplicates,
           strftime(imported_at, '%Y-%m-%dT%H:%M:%S%z') AS "importedAt" FROM imports ORDER BY import_id DESC LIMIT 50`,
      );
      const status = await workspaceStatus(this.workspace);
      const tables: { name: string; rows: number }[] = [];
      for (const p of status.pipelines) {
        const exists = await c.one(`SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $n`, { n: p.name });
        const n = exists ? await c.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${ident(p.name)}`) : undefined;
        tables.push({ name: p.name, rows: Number(n?.n ?? 0) });
      }
      const totals = await c.one<{ events: number; rejected: number }>(
        `SELECT (SELECT coalesce(sum(new_events), 0) FROM lake_files)::DOUBLE AS events, (SELECT count(*) FROM rejects)::DOUBLE AS rejected`,
      );
      return {
        partitions: partitions.map((p) => ({ ...p, rows: Number(p.rows), events: Number(p.events) })),
        imports: imports.map((i) => ({
          ...i,
          importId: Number(i.importId),
          rows: Number(i.rows),
          rejected: Number(i.rejected),
          duplicates: Number(i.duplicates),
        })),
        tables,
        events: Number(totals?.events ?? 0),
        rejected: Number(totals?.rejected ?? 0),
      };
    },

    'schema.tables': async () => {
      const c = this.workspace.catalog;
      const objects = await c.all<{ name: string; kind: 'table' | 'view' }>(
        `SELECT table_name AS name, 'table' AS kind FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal
         UNION ALL SELECT view_name, 'view' FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal ORDER BY 1`,
      );
      const out: Result<'schema.tables'> = [];
      for (const o of objects) {
        const columns = await c.all<{ column_name: string; column_type: string }>(`DESCRIBE ${ident(o.name)}`).catch(() => []);
        out.push({
          name: o.name,
          kind: o.kind,
          columns: columns.map((col) => ({ name: col.column_name, type: col.column_type })),
        });
      }
      return out;
    },

    'lake.import': async ({ paths, strict }, ctx) => {
      const summary = await importFiles(this.workspace, paths, {
        strict: Boolean(strict),
        signal: ctx.signal,
        onProgress: ctx.progress,
      });
      this.changed('lake');
      return {
        files: summary.files.map((f) => ({
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
        })),
        rows: summary.rows,
        rejected: summary.rejected,
      };
    },

    'lake.rejects': async ({ importId, limit }) => {
      const rows = await this.workspace.catalog.all<{
        importId: number;
        file: string;
        line: number;
        reason: string;
        raw: string | null;
      }>(
        `SELECT import_id::DOUBLE AS "importId", source_file AS file, line::DOUBLE AS line, reason, raw FROM rejects
         ${importId !== undefined ? 'WHERE import_id = $id' : ''} ORDER BY import_id DESC, line LIMIT ${limit}`,
        importId !== undefined ? { id: importId } : undefined,
      );
      return rows.map((r) => ({ ...r, importId: Number(r.importId), line: Number(r.line) }));
    },

    'query.run': async ({ sql }, ctx) => {
      const result = await this.queries.run(sql, { signal: ctx.signal, onProgress: ctx.progress });
      if (result.statement !== 'select') this.changed('workspace');
      return result;
    },
    'query.page': async ({ queryId, offset, limit }) => this.queries.page(queryId, offset, limit),
    'query.close': async ({ queryId }) => {
      this.queries.close(queryId);
      return {};
    },

    'export.file': async ({ source, path, format }, ctx) => this.exportTo(source, path, format, ctx),
    'export.prepare': async ({ source, format, name }, ctx) => {
      const dir = join(this.workspace.paths.tmp, 'downloads');
      await mkdir(dir, { recursive: true });
      const downloadId = randomBytes(12).toString('hex');
      const filename = `${name.replace(/\.(csv|parquet)$/i, '')}.${format}`;
      const result = await this.exportTo(source, join(dir, `${downloadId}.${format}`), format, ctx);
      this.downloads.set(downloadId, { path: result.out, filename });
      return { downloadId, filename, rows: result.rows, bytes: result.bytes };
    },

    'pipelines.status': async () => workspaceStatus(this.workspace),
    'pipelines.run': async (params, ctx) => {
      const result = await runPipelines(this.workspace, {
        ...(params.pipelines ? { pipelines: params.pipelines } : {}),
        ...(params.from ? { from: params.from } : {}),
        ...(params.to ? { to: params.to } : {}),
        ...(params.full ? { full: true } : {}),
        ...(params.retry !== undefined ? { retry: params.retry } : {}),
        command: `app: run${params.pipelines?.length ? ` ${params.pipelines.join(' ')}` : ''}${params.full ? ' --full' : ''}${params.from ? ` --from ${params.from}` : ''}${params.to ? ` --to ${params.to}` : ''}${params.retry !== undefined ? ` --retry ${params.retry}` : ''}`,
        signal: ctx.signal,
        onProgress: ctx.progress,
      });
      this.changed('pipelines');
      return result;
    },
    'pipelines.runs': async ({ limit }) => runHistory(this.workspace, limit),

    'live.state': async () => this.live.state(),
    'live.rows': async ({ pipeline, mode }) => this.live.rows(pipeline, mode),
    'live.simulate': async ({ running, rate }) => this.live.simulate(running, rate),

    'served.view': async ({ pipeline }) => servedView(this.workspace, this.live.view, pipeline),
    'reconcile.compare': async ({ pipeline, ids, throughLine }, ctx) => {
      if (!this.live.log)
        throw new UserError('This workspace follows no event log, so there is nothing to compare with', 'no-log');
      return reconcile(this.workspace, pipeline, this.live.log, {
        ids: Boolean(ids),
        signal: ctx.signal,
        onProgress: ctx.progress,
        ...(throughLine !== undefined ? { throughLine } : {}),
      });
    },
    'reconcile.recount': async (_params, ctx) => {
      const result = await this.live.recount({ signal: ctx.signal, onProgress: ctx.progress });
      this.changed('lake');
      this.changed('pipelines');
      const i = result.import;
      return {
        import: {
          path: i.path,
          status: i.status,
          rows: i.rows,
          rejected: i.rejected,
          duplicates: i.duplicates,
          partitions: i.partitions,
          durationMs: i.durationMs,
          ...(i.error ? { error: i.error } : {}),
          ...(i.message ? { message: i.message } : {}),
          ...(i.importId ? { importId: i.importId } : {}),
        },
        run: result.run,
        throughLine: result.throughLine,
        ...(result.released ? { released: result.released } : {}),
      };
    },

    'notebooks.list': async () => this.notebooks.list(),
    'notebooks.read': async ({ name }) => this.notebooks.read(name),
    'notebooks.save': async ({ name, notebook }) => {
      const info = await this.notebooks.save(name, notebook);
      this.changed('notebooks');
      return info;
    },
    'notebooks.create': async ({ name }) => {
      const info = await this.notebooks.create(name);
      this.changed('notebooks');
      return info;
    },
    'notebooks.rename': async ({ from, to }) => {
      const info = await this.notebooks.rename(from, to);
      this.changed('notebooks');
      return info;
    },
    'notebooks.delete': async ({ name }) => {
      await this.notebooks.delete(name);
      this.changed('notebooks');
      return {};
    },
  };

  private async exportTo(source: Params<'export.file'>['source'], path: string, format: 'csv' | 'parquet', ctx: Context) {
    const options = { out: path, format, signal: ctx.signal, onProgress: ctx.progress };
    if ('queryId' in source) {
      const { connection, sql } = this.queries.table(source.queryId);
      return exportQuery(connection, sql, options);
    }
    return exportData(this.workspace, { source: 'table' in source ? source.table : source.sql, ...options });
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof CancelledError) return { message: 'Cancelled', code: 'cancelled' };
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    return {
      message: `Invalid request: ${issue?.path.join('.') || 'params'} ${issue?.message ?? ''}`.trim(),
      code: 'bad-request',
    };
  }
  const located = error as { file?: unknown; line?: unknown };
  return {
    message: errorMessage(error),
    code: error instanceof UserError ? error.code : 'internal',
    ...(typeof located.file === 'string' ? { file: located.file } : {}),
    ...(typeof located.line === 'number' ? { line: located.line } : {}),
  };
}
