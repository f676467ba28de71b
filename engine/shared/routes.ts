import { z } from 'zod';

/*
 * Browser mode's HTTP surface, spelled once for the server and for the page that calls it. Every API request carries
 * REQUEST_HEADER (a cross-site form cannot set it) and, except an upload, a JSON body.
 */
export const API_ROUTES = {
  /** POST a contract request; the response is the contract's response message. */
  call: '/api/call',
  /** POST { cancel: requestId }. */
  cancel: '/api/cancel',
  /** POST a file's bytes (?name=…); the response names where the engine may read it. */
  upload: '/api/upload',
  /** GET /api/download/<id>: an export the engine prepared, served once. */
  download: '/api/download/',
  /** The WebSocket of engine events. */
  events: '/api/events',
  /** GET: the server's memory and what the engine holds for its clients (HealthSchema); ?gc=1 collects garbage first. */
  health: '/api/health',
} as const;

/** The header every API request and WebSocket upgrade must carry, with the value '1'. */
export const REQUEST_HEADER = 'X-Recount-Request';

/**
 * A page's client session, new at each page load: named on its requests (this header) and its event socket (this query
 * parameter). What its requests hold (results, running queries) is released when the session's sockets are gone.
 */
export const CLIENT_HEADER = 'X-Recount-Client';
export const CLIENT_PARAM = 'client';
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** What GET /api/health answers. */
export const HealthSchema = z.object({
  pid: z.number().int(),
  /** The server process's resident memory and JavaScript heap, in bytes. */
  rss: z.number(),
  heapUsed: z.number(),
  /** Requests running, results held, and the clients they belong to. */
  engine: z.object({ running: z.number().int(), results: z.number().int(), clients: z.number().int() }),
  /** Client sessions with an event socket open, and those on their grace period before release. */
  sessions: z.object({ connected: z.number().int(), waiting: z.number().int() }),
});
export type Health = z.infer<typeof HealthSchema>;

/**
 * The first message on every event socket, before any engine event: which start of the server this is. A page that
 * reconnects to another instance knows the engine restarted and that what it held for the page is gone.
 */
export const ServerHelloSchema = z.object({ type: z.literal('hello'), instance: z.string().min(1).max(64) });
export type ServerHello = z.infer<typeof ServerHelloSchema>;
