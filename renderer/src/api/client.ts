import {
  EventSchema,
  ResponseMessageSchema,
  parseResult,
  type ApiError,
  type ApiProgress,
  type EngineEvent,
  type Method,
  type Params,
  type Result,
} from '../../../engine/shared/contract';
import type { Transport } from './transport';

/** An error the engine reported, with where it happened when that is in a file. */
export class EngineError extends Error {
  readonly code: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
    this.file = error.file;
    this.line = error.line;
  }
  get cancelled(): boolean {
    return this.code === 'cancelled';
  }
}

/** The code of a call that never reached the engine (it is stopped or restarting); the call did nothing. */
export const UNREACHABLE = 'unreachable';

/** True when a call failed because the engine could not be reached, not because the engine refused or failed it. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof EngineError && error.code === UNREACHABLE;
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ApiProgress) => void;
}

let sequence = 0;
const newId = () => `${Date.now().toString(36)}-${(++sequence).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * The renderer's one way to the engine: typed calls by method name, whatever carries them. Answers and
 * events are validated against the contract on arrival, as the engine validates what it receives.
 */
export class Client {
  private listeners = new Set<(event: EngineEvent) => void>();
  private progress = new Map<string, (progress: ApiProgress) => void>();

  constructor(readonly transport: Transport) {
    transport.subscribe((raw) => {
      const parsed = EventSchema.safeParse(raw);
      if (!parsed.success) {
        console.warn('recount: an engine event did not match the contract', parsed.error.issues[0]);
        return;
      }
      const event = parsed.data;
      if (event.type === 'progress') this.progress.get(event.requestId)?.(event.progress);
      for (const listener of this.listeners) listener(event);
    });
  }

  get files() {
    return this.transport.files;
  }

  async call<M extends Method>(method: M, params: Params<M>, options: CallOptions = {}): Promise<Result<M>> {
    if (options.signal?.aborted) throw new EngineError({ message: 'Cancelled', code: 'cancelled' });
    const id = newId();
    if (options.onProgress) this.progress.set(id, options.onProgress);
    const abort = () => this.transport.cancel(id);
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      const response = ResponseMessageSchema.parse(await this.transport.send({ id, method, params }));
      if (!response.ok) throw new EngineError(response.error);
      return parseResult(method, response.result);
    } finally {
      this.progress.delete(id);
      options.signal?.removeEventListener('abort', abort);
    }
  }

  /** Engine events of one type (live updates, workspace changes…); returns the unsubscribe function. */
  on<T extends EngineEvent['type']>(type: T, listener: (event: Extract<EngineEvent, { type: T }>) => void): () => void {
    const wrapped = (event: EngineEvent) => {
      if (event.type === type) listener(event as Extract<EngineEvent, { type: T }>);
    };
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }
}
