import type { Workspace } from '../kernel/workspace/workspace.js';
import { importFiles } from '../lake/import.js';
import { allImports } from '../lake/catalog.js';
import { removeImport } from '../lake/remove.js';
import { runPipelines } from '../batch/runner.js';
import { workspaceStatus } from '../batch/status.js';
import { runHistory } from '../batch/history.js';
import { exportData, exportQuery } from '../batch/export.js';
import {
  METHODS,
  RequestMessageSchema,
  type EngineEvent,
  type Method,
  type ResponseMessage,
  type Result,
} from '../shared/contract.js';
import type { OperationOptions } from '../shared/progress.js';
import { toApiError } from './engine.js';
import { QueryResults } from './queries.js';
import { importSummaryResult } from './shapes.js';
import type { ParsedParams } from './handlers/handler.js';

type Served =
  | 'lake.import'
  | 'lake.imports'
  | 'lake.removeImport'
  | 'pipelines.status'
  | 'pipelines.run'
  | 'pipelines.runs'
  | 'query.run'
  | 'query.page'
  | 'query.close'
  | 'export.file';

type Run = (params: never, options: OperationOptions) => Promise<unknown>;

/**
 * The engine of a command that holds a workspace for a long time without the app's engine (`recount tail`): it runs
 * the CLI's requests beside its own work, the same way the app's engine does, so that a cron job's import and run do
 * not fail while a tail is open. It runs the methods the CLI sends; others are refused with what holds the workspace.
 */
export class WorkspaceEngine {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly running = new Map<string, { method: Method; controller: AbortController }>();
  private readonly queries: QueryResults;
  private readonly runs: Record<Served, Run>;

  constructor(
    private readonly workspace: Workspace,
    /** What holds the workspace, in the words a refusal uses (`recount tail`). */
    private readonly holder: string,
  ) {
    this.queries = new QueryResults(workspace);
    const p = <M extends Served>(run: (params: ParsedParams<M>, options: OperationOptions) => Promise<Result<M>>) => run as Run;
    this.runs = {
      'lake.import': p<'lake.import'>(async ({ paths, strict, format, map, timeFormat }, options) =>
        importSummaryResult(
          await importFiles(workspace, paths, {
            strict: Boolean(strict),
            ...(format ? { format } : {}),
            ...(map ? { map } : {}),
            ...(timeFormat ? { timeFormat } : {}),
            ...options,
          }),
        ),
      ),
      'lake.imports': p<'lake.imports'>(async () => allImports(workspace.catalog)),
      'lake.removeImport': p<'lake.removeImport'>(async ({ importId }, options) => removeImport(workspace, importId, options)),
      'pipelines.status': p<'pipelines.status'>(async () => ({
        ...(await workspaceStatus(workspace)),
        foreignFiles: workspace.recovery.foreign,
      })),
      'pipelines.run': p<'pipelines.run'>(async (params, options) =>
        runPipelines(workspace, {
          ...(params.pipelines ? { pipelines: params.pipelines } : {}),
          ...(params.from ? { from: params.from } : {}),
          ...(params.to ? { to: params.to } : {}),
          ...(params.full ? { full: true } : {}),
          ...(params.retry !== undefined ? { retry: params.retry } : {}),
          command: params.command ?? `${holder}: run`,
          ...options,
        }),
      ),
      'pipelines.runs': p<'pipelines.runs'>(async ({ limit }) => runHistory(workspace, limit)),
      'query.run': p<'query.run'>(async ({ sql }, options) => this.queries.run(sql, options) as Promise<Result<'query.run'>>),
      'query.page': p<'query.page'>(async ({ queryId, offset, limit }) => this.queries.page(queryId, offset, limit)),
      'query.close': p<'query.close'>(async ({ queryId }) => {
        this.queries.close(queryId);
        return {};
      }),
      'export.file': p<'export.file'>(async ({ source, path, format }, options) => {
        if ('queryId' in source) {
          const held = this.queries.table(source.queryId);
          return exportQuery(held.connection, held.sql, { out: path, format, ...options });
        }
        return exportData(workspace, { source: 'table' in source ? source.table : source.sql, out: path, format, ...options });
      }),
    };
  }

  get dir(): string {
    return this.workspace.dir;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  busy(): Method[] {
    return [...this.running.values()].map((r) => r.method);
  }

  cancel(requestId: string): void {
    this.running.get(requestId)?.controller.abort();
  }

  async handle(message: unknown): Promise<ResponseMessage> {
    const parsed = RequestMessageSchema.safeParse(message);
    if (!parsed.success) return { id: '', ok: false, error: { message: 'malformed request', code: 'bad-request' } };
    const { id, method, params } = parsed.data;
    const run = (this.runs as Partial<Record<Method, Run>>)[method];
    if (!run) {
      const message = `${this.holder} holds this workspace, and runs beside it only import, imports, remove-import, run, status, runs, query and export: stop it for this one`;
      return { id, ok: false, error: { code: 'held-by-engine', message } };
    }
    const controller = new AbortController();
    this.running.set(id, { method, controller });
    try {
      const input = METHODS[method].params.parse(params ?? {});
      const result = await run(input as never, {
        signal: controller.signal,
        onProgress: (progress) => this.emit({ type: 'progress', requestId: id, progress }),
      });
      return { id, ok: true, result };
    } catch (error) {
      return { id, ok: false, error: toApiError(error) };
    } finally {
      this.running.delete(id);
    }
  }

  close(): void {
    for (const { controller } of this.running.values()) controller.abort();
    this.queries.closeAll();
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
