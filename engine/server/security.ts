import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { contentSecurityPolicy } from '../shared/csp.js';
import { REQUEST_HEADER as SHARED_REQUEST_HEADER } from '../shared/routes.js';

/**
 * Browser mode's defences: any web page the user visits can reach 127.0.0.1, so every
 * request must prove it comes from the page this server handed out. A random 256-bit token (given once
 * in the launch URL, then kept in an HttpOnly, SameSite=Strict cookie); a Host allowlist against DNS
 * rebinding; an Origin check on every state-changing request and WebSocket upgrade against cross-site
 * requests and socket hijacking; no CORS headers at all.
 */
export const TOKEN_COOKIE = 'recount_token';
/** Node lower-cases header names. */
export const REQUEST_HEADER = SHARED_REQUEST_HEADER.toLowerCase();

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The token a request carries: the cookie, or an Authorization: Bearer header (for scripts and tests). */
export function requestToken(request: IncomingMessage): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return cookie(request, TOKEN_COOKIE);
}

export type Refusal = { status: number; reason: string };

/** Checks every request; state-changing ones (and WebSocket upgrades) also need their Origin. */
export function refuse(
  request: IncomingMessage,
  token: string,
  port: number,
  options: { stateChanging: boolean },
): Refusal | undefined {
  if (!allowedHosts(port).has(request.headers.host ?? ''))
    return { status: 400, reason: 'this server only answers to 127.0.0.1 and localhost' };
  if (options.stateChanging) {
    const origin = request.headers.origin;
    if (!origin || !allowedOrigins(port).has(origin)) return { status: 403, reason: 'cross-origin requests are refused' };
  }
  if (!sameToken(requestToken(request), token))
    return { status: 401, reason: 'missing or wrong token: open the URL that recount serve printed' };
  return undefined;
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy([...allowedHosts(port)].map((h) => `ws://${h}`)),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
