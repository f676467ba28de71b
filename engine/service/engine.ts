import { ZodError } from 'zod';
import { CancelledError, UserError, errorMessage } from '../kernel/util/errors.js';
import {
  METHODS,
  RequestMessageSchema,
  type ApiError,
  type EngineEvent,
  type Method,
  type ResponseMessage,
} from '../shared/contract.js';
import { WorkspaceSession } from './session.js';
import { RunningRequests } from './requests.js';
import type { Handler, Handlers } from './handlers/handler.js';
import { appHandlers } from './handlers/app.js';
import { lakeHandlers } from './handlers/lake.js';
import { queryHandlers } from './handlers/queries.js';
import { pipelineHandlers } from './handlers/pipelines.js';
import { liveHandlers } from './handlers/live.js';
import { compareHandlers } from './handlers/compare.js';
import { notebookHandlers } from './handlers/notebooks.js';
import { scorecardHandlers } from './handlers/scorecard.js';

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

/**
 * The engine behind the app: it dispatches each method of the contract to its handler (handlers/, one module per
 * namespace) over the open workspace (session.ts). Transports (IPC, HTTP) hand it request messages; it validates them,
 * runs them with their own cancellation and progress, and answers with response messages and events.
 */
export class Engine {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly running = new RunningRequests();
  private readonly methods = new Map<string, Method>();
  private readonly session: WorkspaceSession;
  private readonly handlers: Handlers<Method>;

  private constructor(options: EngineOptions) {
    this.session = new WorkspaceSession(options.recentFile ? { recentFile: options.recentFile } : {}, (e) => this.emit(e));
    const session = this.session;
    this.handlers = {
      ...appHandlers(session, { version: options.version ?? '0.0.0', transport: options.transport }),
      ...lakeHandlers(session),
      ...queryHandlers(session),
      ...pipelineHandlers(session),
      ...liveHandlers(session),
      ...compareHandlers(session),
      ...notebookHandlers(session),
      ...scorecardHandlers(session),
    };
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await engine.session.start(options.dir, options.log);
    if (options.simulate) await engine.session.live.simulate(true);
    return engine;
  }

  get dir(): string {
    return this.session.workspace.dir;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /**
   * Handles one request message from a transport; never throws. `client` names the connection it came over (a browser
   * tab's session, a desktop window): what the request holds and runs is that client's, released with it.
   */
  async handle(message: unknown, client?: string): Promise<ResponseMessage> {
    const parsed = RequestMessageSchema.safeParse(message);
    if (!parsed.success)
      return {
        id: String((message as { id?: unknown })?.id ?? ''),
        ok: false,
        error: { message: 'malformed request', code: 'bad-request' },
      };
    const { id, method, params } = parsed.data;
    const request = this.running.start(id, client);
    this.methods.set(id, method);
    try {
      const input = METHODS[method].params.parse(params ?? {});
      const handler = this.handlers[method] as Handler<typeof method>;
      const result = await handler(input as never, {
        requestId: id,
        signal: request.signal,
        ...(client === undefined ? {} : { client }),
        progress: (progress) => this.emit({ type: 'progress', requestId: id, progress }),
      });
      return { id, ok: true, result };
    } catch (error) {
      return { id, ok: false, error: toApiError(error) };
    } finally {
      request.finish();
      this.methods.delete(id);
    }
  }

  /** The methods of the requests running now, from every transport (a writer arriving behind one says it waits). */
  busy(): Method[] {
    return [...this.methods.values()];
  }

  cancel(requestId: string): void {
    this.running.cancel(requestId);
  }

  /**
   * A client connection went away (its tab closed and did not come back, its window was destroyed): its running
   * requests are interrupted and awaited, then its results and prepared downloads are released.
   */
  async releaseClient(client: string): Promise<{ cancelled: number; released: number }> {
    const cancelled = await this.running.cancelClient(client);
    return { cancelled, released: await this.session.releaseClient(client) };
  }

  /** What the engine holds now: running requests, held results, and the clients either belongs to. */
  holdings(): { running: number; results: number; clients: number } {
    const { running, clients } = this.running.counts();
    const held = this.session.heldResults();
    for (const owner of held.owners) clients.add(owner);
    return { running, results: held.results, clients: clients.size };
  }

  /** A prepared download (browser mode): served once, then forgotten. */
  takeDownload(id: string): { path: string; filename: string } | undefined {
    return this.session.takeDownload(id);
  }

  async close(): Promise<void> {
    this.running.cancelAll();
    await this.session.close();
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
