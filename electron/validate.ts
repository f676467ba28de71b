import { basename, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../engine/shared/csp.js';
import {
  METHODS,
  RequestMessageSchema,
  type Method,
  type RequestMessage,
  type ResponseMessage,
} from '../engine/shared/contract.js';

/**
 * What main checks before anything from the renderer reaches the engine or the disk: who sent an IPC
 * message, whether it fits the contract, which paths an export may write, and which files the app://
 * protocol may serve. Nothing here imports Electron, so all of it is unit-tested in plain Node.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'recount';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** The policy on every app:// response: nothing leaves the app origin (engine/shared/csp.ts). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * The origin of a URL as Chromium sees it. Node's URL (the one main runs) gives every non-special scheme
 * the opaque origin "null", whereas Chromium, where app: is registered as a standard scheme, gives
 * app://recount; so app: origins are built from the scheme and host here.
 */
export function originOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === `${APP_SCHEME}:`) return parsed.host ? `${APP_SCHEME}://${parsed.host.toLowerCase()}` : undefined;
  return parsed.origin === 'null' ? undefined : parsed.origin;
}

export function isAppUrl(url: string): boolean {
  return originOf(url) === APP_ORIGIN;
}

/** A link the system browser may open: http(s) only, never file:, javascript:, custom handlers and the like. */
export function externalUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** The parts of Electron's WebFrameMain the sender check reads. */
export interface FrameLike {
  url: string;
  parent: unknown;
  frameTreeNodeId: number;
  detached?: boolean;
}

/**
 * An IPC message is answered only when it comes from the main frame of our window while that frame shows
 * the app: a subframe or a page navigated elsewhere must not reach the engine. `mainFrame` is undefined when the message did not come from our
 * window's webContents at all. Frames are compared by frameTreeNodeId: distinct WebFrameMain objects may
 * stand for the same frame, so object identity proves nothing.
 */
export function checkSender(frame: FrameLike | null | undefined, mainFrame: FrameLike | undefined): Verdict {
  if (!frame) return { ok: false, reason: 'the sending frame is gone' };
  if (!mainFrame) return { ok: false, reason: 'the message did not come from the app window' };
  if (frame.detached) return { ok: false, reason: 'the sending frame is detached' };
  if (frame.parent !== null || frame.frameTreeNodeId !== mainFrame.frameTreeNodeId)
    return { ok: false, reason: 'the message came from a subframe' };
  if (!isAppUrl(frame.url))
    return { ok: false, reason: `the sending frame is not the app (${originOf(frame.url) ?? 'no origin'})` };
  return { ok: true };
}

/**
 * Paths the user picked in a native save dialog during this session. `export.file` writes a file with
 * DuckDB's COPY wherever it is told; without this, script running in the renderer (an injected notebook,
 * say) could overwrite any file the user can write, such as a shell profile. With it, the renderer can
 * only write where the user just said to.
 */
export class SaveGrants {
  private readonly granted = new Set<string>();

  grant(path: string): void {
    this.granted.add(resolve(path));
  }

  allows(path: string): boolean {
    return isAbsolute(path) && this.granted.has(resolve(path));
  }
}

export type RequestCheck = { ok: true; message: RequestMessage } | { ok: false; response: ResponseMessage };

function refuse(id: unknown, message: string, code = 'bad-request'): RequestCheck {
  return { ok: false, response: { id: typeof id === 'string' ? id : '', ok: false, error: { message, code } } };
}

/**
 * A request as the preload sends it on `recount:<method>` (`{ id, params }`), checked against the
 * contract: the wire format, then the method's own parameter schema. What goes on to the engine is the
 * parsed parameters, so keys the contract does not know never reach it.
 */
export function checkRequest(method: string, payload: unknown, grants: SaveGrants): RequestCheck {
  if (!Object.hasOwn(METHODS, method)) return refuse(undefined, `Unknown method ${JSON.stringify(method)}`);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return refuse(undefined, 'Invalid request: expected { id, params }');
  const { id, params } = payload as { id?: unknown; params?: unknown };
  const wire = RequestMessageSchema.safeParse({ id, method, params });
  if (!wire.success) return refuse(id, 'Invalid request: the request id must be a string of 1 to 100 characters');
  const m = method as Method;
  const parsed = METHODS[m].params.safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(id, `Invalid request: ${issue?.path.join('.') || 'params'} ${issue?.message ?? ''}`.trim());
  }
  if (m === 'export.file') {
    const { path } = parsed.data as { path: string };
    if (!grants.allows(path))
      return refuse(id, 'Exports are written only where you chose in the save dialog; choose the file again', 'forbidden');
  }
  return { ok: true, message: { id: wire.data.id, method: m, params: parsed.data } };
}

/** The request id of a cancel message, if it is one. */
export function cancelId(payload: unknown): string | undefined {
  return typeof payload === 'string' && payload.length > 0 && payload.length <= 100 ? payload : undefined;
}

/**
 * A file name for the save dialog's default: the renderer's suggestion without any folder part or
 * characters Windows refuses, so a suggestion can never point the dialog somewhere else.
 */
export function safeFileName(suggested: unknown, fallback = 'export.csv'): string {
  if (typeof suggested !== 'string') return fallback;
  const name = basename(suggested.replaceAll('\\', '/'))
    .replace(/[<>:"/\\|?*\p{Cc}]/gu, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 200);
  return name || fallback;
}

/**
 * The file under `root` that an app:// URL names, or undefined when the URL is not the app's or would
 * leave `root`. The URL parser already folds `..` and `%2e%2e` segments; what is left to catch is an
 * encoded separator (`..%2f`, `..%5c`) that only becomes one after decoding, and NUL bytes.
 * Symbolic links are checked separately, against the real path (`isInside`).
 */
export function resolveAppFile(root: string, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host.toLowerCase() !== APP_HOST) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  if (path === '' || path === '/') path = '/index.html';
  const base = resolve(root);
  const file = resolve(base, `.${path.startsWith('/') ? path : `/${path}`}`);
  return isInside(base, file) ? file : undefined;
}

/** Whether `file` is `root` itself or below it. */
export function isInside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Content types of what the renderer bundle holds. Written out rather than taken from a MIME library:
 * the bundle has a handful of file kinds, and nosniff makes a wrong type fail loudly instead of guessing.
 */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers on every app:// response. */
export function responseHeaders(file: string): Record<string, string> {
  return {
    'Content-Type': contentType(file),
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

/**
 * Browser permissions the app may use: writing text to the clipboard (copying a cell's value), from the
 * app itself. Everything else (camera, notifications, geolocation, …) is refused; Electron would grant
 * any of them by default.
 */
export function permissionAllowed(permission: string, origin: string | undefined): boolean {
  return permission === 'clipboard-sanitized-write' && origin !== undefined && originOf(origin) === APP_ORIGIN;
}
