import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { CancelMessageSchema, type ResponseMessage } from '../shared/contract.js';
import { API_ROUTES, type Health, type ServerHello } from '../shared/routes.js';
import type { Engine } from '../service/engine.js';
import { REQUEST_HEADER, TOKEN_COOKIE, newToken, refuse, sameToken, securityHeaders } from './security.js';
import { ClientPresence, DEFAULT_CLIENT_GRACE_MS, requestClient } from './presence.js';

export interface BrowserServerOptions {
  engine: Engine;
  /** The built renderer (index.html and its assets). */
  staticDir: string;
  port?: number;
  /** When `port` is taken (another program took a port saved from an earlier start), serve on a free one instead. */
  anyPortIfTaken?: boolean;
  token?: string;
  /** Where uploads (files dropped on the page) are written before they are imported (emptied at start). */
  uploadDir: string;
  /** The largest upload accepted, in bytes (default 1 GiB). */
  maxUploadBytes?: number;
  /**
   * How long a page's client session is kept once its last event socket closed, for it to reconnect (default 15 s, or
   * RECOUNT_CLIENT_GRACE_MS); then its queries are cancelled and its results released.
   */
  clientGraceMs?: number;
}

export interface BrowserServer {
  url: string;
  /** The launch URL: opening it once sets the session cookie; it is spent then. */
  launchUrl: string;
  /** Another one-time launch URL (for another browser, or a tab whose cookie is gone). */
  newLaunchUrl(): string;
  port: number;
  /** The session token, which the cookie holds (and scripts send as a Bearer token). */
  token: string;
  /** Names this start of the server; each event socket is told it first, so a page can tell a restart from a dropped socket. */
  instance: string;
  close(): Promise<void>;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 1024 ** 3;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const MAX_BODY = 32 * 1024 * 1024;

/**
 * The HTTP API is never more powerful than IPC: the desktop app writes exports only to paths its save
 * dialog returned, and a page has no such dialog, so over HTTP an export is a download (export.prepare)
 * and never a write to a path the request names.
 */
function refusedOverHttp(message: unknown): ResponseMessage | undefined {
  const { id, method } = (message ?? {}) as { id?: unknown; method?: unknown };
  if (method !== 'export.file') return undefined;
  return {
    id: String(id ?? ''),
    ok: false,
    error: {
      code: 'forbidden',
      message: 'In browser mode an export is a download (export.prepare), not a write to a path on this machine',
    },
  };
}

function uploadTooLarge(max: number): string {
  return `the file is larger than the ${Math.round(max / 1024 ** 2)} MiB an upload may be (recount serve --max-upload-mb)`;
}

/**
 * An uploaded file is the server's own copy, kept only until the import that read it ends (landed, failed or
 * cancelled): nothing of the user's lingers in the workspace's scratch folder.
 */
async function removeImportedUploads(message: unknown, uploadDir: string): Promise<void> {
  const { method, params } = (message ?? {}) as { method?: unknown; params?: { paths?: unknown } };
  if (method !== 'lake.import' || !Array.isArray(params?.paths)) return;
  const root = resolve(uploadDir) + sep;
  for (const path of params.paths) {
    if (typeof path === 'string' && resolve(path).startsWith(root)) await rm(resolve(path), { force: true });
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('request too large'), { status: 413 });
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Browser mode: the app's renderer and the engine's contract over HTTP (requests) and a WebSocket
 * (events), bound to 127.0.0.1 only. The API is exactly the contract the Electron IPC carries; uploads
 * and downloads stand in for the native file dialogs a browser page cannot open.
 */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = options.token ?? newToken();
  // Launch tokens are one-time: a link in a terminal's scrollback or a browser's history opens nothing a second time.
  const launchTokens = new Set<string>();
  const mintLaunchToken = () => {
    const launch = newToken();
    launchTokens.add(launch);
    return launch;
  };
  const maxUpload = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  // Uploads a crash left behind are this server's own scratch files.
  await rm(options.uploadDir, { recursive: true, force: true });
  const staticRoot = resolve(options.staticDir);
  const graceMs = options.clientGraceMs ?? (Number(process.env.RECOUNT_CLIENT_GRACE_MS) || DEFAULT_CLIENT_GRACE_MS);
  const presence = new ClientPresence(graceMs, (client) => {
    options.engine.releaseClient(client).catch((error: unknown) => {
      process.stderr.write(`recount: releasing a closed tab's results failed: ${(error as Error).message}\n`);
    });
  });
  let port = options.port ?? 0;
  const headers = () => securityHeaders(port);

  const send = (response: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    response.writeHead(status, { ...headers(), 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...extra });
    response.end(JSON.stringify(body));
  };

  const serveStatic = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    const relative = normalize(path === '/' ? '/index.html' : decodeURIComponent(path)).replace(/^([/\\])+/, '');
    const file = resolve(staticRoot, relative);
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return send(response, 404, { error: 'not found' });
    const info = await stat(file).catch(() => undefined);
    const target = info?.isFile() ? file : join(staticRoot, 'index.html');
    response.writeHead(200, {
      ...headers(),
      'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
    });
    await pipeline(createReadStream(target), response);
    void request;
  };

  const server: Server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const post = request.method === 'POST';
      // The launch URL: a valid token in the query sets the cookie once and is dropped from the address bar.
      if (!post && url.searchParams.has('token')) {
        const refusal = refuse(request, token, port, { stateChanging: false });
        if (refusal && refusal.status === 400) return send(response, 400, { error: refusal.reason });
        const given = url.searchParams.get('token') ?? '';
        const launch = [...launchTokens].find((t) => sameToken(given, t));
        if (!launch) {
          return send(response, 401, {
            error: 'this launch link was used already, or is not one: open the tab you have, or the link recount serve prints',
          });
        }
        launchTokens.delete(launch);
        response.writeHead(302, {
          ...headers(),
          Location: '/',
          'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        });
        return response.end();
      }
      const refusal = refuse(request, token, port, { stateChanging: post });
      if (refusal) return send(response, refusal.status, { error: refusal.reason });
      if (
        post &&
        (request.headers[REQUEST_HEADER] !== '1' ||
          (url.pathname !== API_ROUTES.upload && !request.headers['content-type']?.startsWith('application/json')))
      ) {
        return send(response, 415, { error: `API requests are JSON and carry ${REQUEST_HEADER}: 1` });
      }
      if (post && url.pathname === API_ROUTES.call) {
        const client = requestClient(request);
        if (client) presence.seen(client);
        const message = await readJson(request);
        const refused = refusedOverHttp(message);
        // A request whose caller hung up (its tab closed) is cancelled at once: no one waits for its answer.
        const id = String((message as { id?: unknown })?.id ?? '');
        response.once('close', () => {
          if (!response.writableFinished) options.engine.cancel(id);
        });
        const answer = refused ?? (await options.engine.handle(message, client));
        await removeImportedUploads(message, options.uploadDir);
        return send(response, 200, answer);
      }
      if (post && url.pathname === API_ROUTES.cancel) {
        const message = CancelMessageSchema.parse(await readJson(request));
        options.engine.cancel(message.cancel);
        return send(response, 200, { ok: true });
      }
      if (post && url.pathname === API_ROUTES.upload) {
        const name = (url.searchParams.get('name') ?? 'upload').replace(/[^\w .-]/g, '_').slice(0, 120) || 'upload';
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > maxUpload) {
          request.resume();
          return send(response, 413, { error: uploadTooLarge(maxUpload) });
        }
        await mkdir(options.uploadDir, { recursive: true });
        const path = join(options.uploadDir, `${randomBytes(4).toString('hex')}-${name}`);
        let received = 0;
        const limit = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            received += chunk.length;
            done(received > maxUpload ? Object.assign(new Error(uploadTooLarge(maxUpload)), { status: 413 }) : null, chunk);
          },
        });
        try {
          await pipeline(request, limit, createWriteStream(path));
        } catch (error) {
          await rm(path, { force: true });
          throw error;
        }
        return send(response, 200, { path });
      }
      if (!post && url.pathname.startsWith(API_ROUTES.download)) {
        const download = options.engine.takeDownload(url.pathname.slice(API_ROUTES.download.length));
        if (!download) return send(response, 404, { error: 'this download has expired; export again' });
        response.writeHead(200, {
          ...headers(),
          'Content-Type': download.filename.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'application/octet-stream',
          'Content-Disposition': `attachment; filename="${download.filename.replace(/"/g, '')}"`,
          'Cache-Control': 'no-store',
        });
        return await pipeline(createReadStream(download.path), response);
      }
      if (!post && url.pathname === API_ROUTES.health) {
        // ?gc=1 collects garbage first (when node runs with --expose-gc), so that figures taken apart compare.
        if (url.searchParams.get('gc') === '1') (globalThis as { gc?: () => void }).gc?.();
        const memory = process.memoryUsage();
        const health: Health = {
          pid: process.pid,
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          engine: options.engine.holdings(),
          sessions: presence.counts(),
        };
        return send(response, 200, health);
      }
      if (post || url.pathname.startsWith('/api/')) return send(response, 404, { error: 'not found' });
      return await serveStatic(request, response, url.pathname);
    } catch (error) {
      const status = (error as { status?: number }).status ?? 400;
      if (!response.headersSent) send(response, status, { error: (error as Error).message });
      else response.destroy();
    }
  });

  const hello: ServerHello = { type: 'hello', instance: randomBytes(8).toString('hex') };
  const sockets = new WebSocketServer({ noServer: true });
  sockets.on('connection', (ws, request: IncomingMessage) => {
    let client: string | undefined;
    try {
      client = requestClient(request);
    } catch {
      return ws.close(1008, 'malformed client session');
    }
    if (client === undefined) return;
    const named = client;
    presence.opened(named);
    ws.once('close', () => presence.closed(named));
  });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const refusal =
      url.pathname === API_ROUTES.events
        ? refuse(request, token, port, { stateChanging: true })
        : { status: 404, reason: 'not found' };
    if (refusal) {
      socket.end(
        `HTTP/1.1 ${refusal.status} ${refusal.status === 403 ? 'Forbidden' : refusal.status === 401 ? 'Unauthorized' : 'Bad Request'}\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      ws.send(JSON.stringify(hello));
      sockets.emit('connection', ws, request);
    });
  });
  const unsubscribe = options.engine.onEvent((event) => {
    const text = JSON.stringify(event);
    for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(text);
  });

  const listen = (on: number) =>
    new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(on, '127.0.0.1', () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  try {
    await listen(port);
  } catch (error) {
    if (!(options.anyPortIfTaken && port !== 0 && (error as { code?: string }).code === 'EADDRINUSE')) {
      unsubscribe();
      throw error;
    }
    await listen(0);
  }
  port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    launchUrl: `${url}?token=${mintLaunchToken()}`,
    newLaunchUrl: () => `${url}?token=${mintLaunchToken()}`,
    port,
    token,
    instance: hello.instance,
    close: async () => {
      unsubscribe();
      presence.close();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
