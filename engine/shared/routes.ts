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
} as const;

/** The header every API request and WebSocket upgrade must carry, with the value '1'. */
export const REQUEST_HEADER = 'X-Recount-Request';

/**
 * The first message on every event socket, before any engine event: which start of the server this is. A page that
 * reconnects to another instance knows the engine restarted and that what it held for the page is gone.
 */
export const ServerHelloSchema = z.object({ type: z.literal('hello'), instance: z.string().min(1).max(64) });
export type ServerHello = z.infer<typeof ServerHelloSchema>;
