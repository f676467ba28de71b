import type { z } from 'zod';
import type { METHODS, Method, Result } from '../../shared/contract.js';
import type { Progress } from '../../shared/progress.js';

/** What a request runs with: its own cancellation, and progress reported as events for it. */
export interface RequestContext {
  requestId: string;
  signal: AbortSignal;
  progress: (progress: Progress) => void;
  /** The client connection the request came over, which owns what it leaves held (results, downloads). */
  client?: string;
}

/** A method's parameters once validated (defaults filled in). */
export type ParsedParams<M extends Method> = z.infer<(typeof METHODS)[M]['params']>;

export type Handler<M extends Method> = (params: ParsedParams<M>, context: RequestContext) => Promise<Result<M>>;

/** The handlers of some of the contract's methods: each namespace's module provides its own. */
export type Handlers<K extends Method> = { [M in K]: Handler<M> };
