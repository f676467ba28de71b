import { join } from 'node:path';
import { z } from 'zod';
import {
  CancelMessageSchema,
  EventSchema,
  RequestMessageSchema,
  ResponseMessageSchema,
  type Method,
} from '../shared/contract.js';

/**
 * The engine's socket in a workspace: the CLI's way to an engine (the app, `recount serve`) that holds the workspace.
 * It speaks the app's contract, one JSON message a line. Only the workspace's owner can reach it: the folder is 0700,
 * the socket 0600.
 */
export const SOCKET_FOLDER = '.recount';
export const SOCKET_FILE = 'engine.sock';

export function engineSocketDir(workspaceDir: string): string {
  return join(workspaceDir, SOCKET_FOLDER);
}

export function engineSocketPath(workspaceDir: string): string {
  return join(engineSocketDir(workspaceDir), SOCKET_FILE);
}

/** What a client sends: a request of the contract, or the cancelling of one it sent. */
export const ClientMessageSchema = z.union([RequestMessageSchema, CancelMessageSchema]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** A writer that has to wait for another one to finish first; the client says so rather than seeming stuck. */
export const NoticeSchema = z.object({ type: z.literal('notice'), requestId: z.string(), message: z.string() });

/** What the engine sends back: answers, and the progress of the client's own requests. */
export const EngineMessageSchema = z.union([ResponseMessageSchema, EventSchema, NoticeSchema]);
export type EngineMessage = z.infer<typeof EngineMessageSchema>;

/** An answer when the engine no longer holds the socket's workspace (it switched to another): the client opens it itself. */
export const ENGINE_MOVED = 'engine-moved';

/** Requests that write the lake or the summary tables: the engine runs them one at a time, in arrival order. */
export const WRITERS: Partial<Record<Method, string>> = {
  'lake.import': 'import',
  'lake.removeImport': 'import removal',
  'pipelines.run': 'pipeline run',
  'reconcile.recount': 'recount',
};

/** The longest line either side accepts: requests and answers are small; rows travel a page at a time. */
export const MAX_LINE = 64 * 1024 * 1024;
