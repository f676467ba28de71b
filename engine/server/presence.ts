import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { CLIENT_HEADER, CLIENT_ID_PATTERN, CLIENT_PARAM } from '../shared/routes.js';

/** How long a page's session outlives its last event socket, so that a dropped socket can reconnect to what it held. */
export const DEFAULT_CLIENT_GRACE_MS = 15_000;

const ClientIdSchema = z.string().regex(CLIENT_ID_PATTERN);

/** The client session a request names (its header, or on a WebSocket upgrade its query), if any; a malformed one is refused. */
export function requestClient(request: IncomingMessage): string | undefined {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const given = request.headers[CLIENT_HEADER.toLowerCase()] ?? url.searchParams.get(CLIENT_PARAM) ?? undefined;
  if (given === undefined) return undefined;
  const parsed = ClientIdSchema.safeParse(given);
  if (!parsed.success) throw Object.assign(new Error(`${CLIENT_HEADER} must match ${CLIENT_ID_PATTERN}`), { status: 400 });
  return parsed.data;
}

/**
 * Which browser-mode client sessions are still there. A page names its session (one per page load) on its event
 * socket and on every request; while no socket of a session is open, a timer runs, and a session whose timer ends
 * (the tab closed or reloaded, or never opened its socket) is released: its queries cancelled, its results let go.
 */
export class ClientPresence {
  private readonly sockets = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly graceMs: number,
    private readonly release: (client: string) => void,
  ) {}

  /** A request named the session: one with no socket open is on its grace period from now on (if not already). */
  seen(client: string): void {
    if (!this.sockets.has(client) && !this.timers.has(client)) this.wait(client);
  }

  opened(client: string): void {
    this.sockets.set(client, (this.sockets.get(client) ?? 0) + 1);
    clearTimeout(this.timers.get(client));
    this.timers.delete(client);
  }

  closed(client: string): void {
    const left = (this.sockets.get(client) ?? 1) - 1;
    if (left > 0) return void this.sockets.set(client, left);
    this.sockets.delete(client);
    this.wait(client);
  }

  /** Sessions with a socket open, and sessions on their grace period. */
  counts(): { connected: number; waiting: number } {
    return { connected: this.sockets.size, waiting: this.timers.size };
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private wait(client: string): void {
    clearTimeout(this.timers.get(client));
    const timer = setTimeout(() => {
      this.timers.delete(client);
      this.release(client);
    }, this.graceMs);
    // A session waiting to be released keeps no process alive.
    timer.unref();
    this.timers.set(client, timer);
  }
}
