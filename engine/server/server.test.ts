import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../service/engine.js';
import { initWorkspace } from '../service/init.js';
import { tempDir } from '../testing/fixtures.js';
import { startBrowserServer, type BrowserServer } from './server.js';
import { TOKEN_COOKIE } from './security.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let root: { dir: string; cleanup: () => Promise<void> };
let engine: Engine;
let server: BrowserServer;
let uploadDir: string;

function send(options: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The headers the app's own page sends: its Host and Origin, the cookie, JSON and the API header. */
function good(extra: Record<string, string> = {}): Record<string, string> {
  return {
    Host: `127.0.0.1:${server.port}`,
    Origin: `http://127.0.0.1:${server.port}`,
    Cookie: `${TOKEN_COOKIE}=${server.token}`,
    'Content-Type': 'application/json',
    'X-Recount-Request': '1',
    ...extra,
  };
}

const call = (headers: Record<string, string>, body: unknown = { id: 'r1', method: 'app.info', params: {} }) =>
  send({ method: 'POST', path: '/api/call', headers, body: JSON.stringify(body) });

function connect(headers: Record<string, string>): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ status: -1 }));
  });
}

beforeAll(async () => {
  root = await tempDir('recount-server-');
  const dir = join(root.dir, 'ws');
  await initWorkspace(dir);
  const staticDir = join(root.dir, 'static');
  await mkdir(staticDir, { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Recount</title>');
  await writeFile(join(root.dir, 'secret.txt'), 'not for the browser');
  uploadDir = join(root.dir, 'uploads');
  engine = await Engine.open({ dir, transport: 'browser' });
  server = await startBrowserServer({ engine, staticDir, uploadDir });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await root?.cleanup();
});

describe('browser mode security', () => {
  it('binds 127.0.0.1 only, with a 256-bit token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers the app itself', async () => {
    const reply = await call(good());
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body) as { ok: boolean; result: { transport: string } };
    expect(body.ok).toBe(true);
    expect(body.result.transport).toBe('browser');
  });

  it('refuses a request without the token, or with a wrong one', async () => {
    const { Cookie: _cookie, ...noToken } = good();
    expect((await call(noToken)).status).toBe(401);
    expect((await call(good({ Cookie: `${TOKEN_COOKIE}=${'0'.repeat(64)}` }))).status).toBe(401);
    expect((await call(good({ Cookie: `${TOKEN_COOKIE}=short` }))).status).toBe(401);
    // The page and its assets need the token too.
    expect((await send({ path: '/', headers: { Host: `127.0.0.1:${server.port}` } })).status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding), even with the token', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      `127.0.0.1:${server.port + 1}`,
      `localhost.evil.example:${server.port}`,
    ]) {
      expect((await call(good({ Host: host }))).status).toBe(400);
      expect((await send({ path: '/', headers: { ...good(), Host: host } })).status).toBe(400);
    }
  });

  it('refuses a foreign or missing Origin on every API request, even with the token', async () => {
    for (const origin of [
      'http://evil.example',
      `http://127.0.0.1:${server.port + 1}`,
      'null',
      `https://127.0.0.1:${server.port}`,
    ]) {
      expect((await call(good({ Origin: origin }))).status).toBe(403);
    }
    const { Origin: _origin, ...noOrigin } = good();
    expect((await call(noOrigin)).status).toBe(403);
    expect(
      (
        await send({
          method: 'POST',
          path: '/api/cancel',
          headers: good({ Origin: 'http://evil.example' }),
          body: '{"cancel":"x"}',
        })
      ).status,
    ).toBe(403);
  });

  it('refuses what a cross-site form could send: no API header, or not JSON', async () => {
    const { 'X-Recount-Request': _h, ...noHeader } = good();
    expect((await call(noHeader)).status).toBe(415);
    expect((await call(good({ 'Content-Type': 'text/plain' }))).status).toBe(415);
    expect((await call(good({ 'Content-Type': 'application/x-www-form-urlencoded' }))).status).toBe(415);
  });

  it('sends no CORS headers and a strict CSP', async () => {
    const reply = await call(good());
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await send({
      method: 'OPTIONS',
      path: '/api/call',
      headers: good({ 'Access-Control-Request-Method': 'POST' }),
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const page = await send({ path: '/', headers: good() });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('the launch URL trades its one-time token for an HttpOnly, SameSite=Strict cookie once, and refuses a wrong one', async () => {
    const wrong = await send({ path: `/?token=${'f'.repeat(64)}`, headers: { Host: `127.0.0.1:${server.port}` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const launch = new URL(server.newLaunchUrl()).search;
    const rebound = await send({ path: `/${launch}`, headers: { Host: 'evil.example' } });
    expect(rebound.status).toBe(400);
    const right = await send({ path: `/${launch}`, headers: { Host: `127.0.0.1:${server.port}` } });
    expect(right.status).toBe(302);
    expect(right.headers.location).toBe('/');
    const cookie = right.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toContain(`${TOKEN_COOKIE}=${server.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    // Spent: the same link opens nothing again, and the session token itself is no launch link.
    const again = await send({ path: `/${launch}`, headers: { Host: `127.0.0.1:${server.port}` } });
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    const session = await send({ path: `/?token=${server.token}`, headers: { Host: `127.0.0.1:${server.port}` } });
    expect(session.status).toBe(401);
  });

  it('refuses WebSocket upgrades from a foreign Origin, a foreign Host or without the token', async () => {
    const base = { Origin: `http://127.0.0.1:${server.port}`, Cookie: `${TOKEN_COOKIE}=${server.token}` };
    expect((await connect({ ...base, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await connect({ Origin: base.Origin })).status).toBe(401);
    expect((await connect({ ...base, Host: 'evil.example' })).status).toBe(400);
    const ok = await connect(base);
    expect(ok.ws).toBeDefined();
    ok.ws?.close();
  });

  it('serves only files of the renderer', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/static/../../secret.txt']) {
      const reply = await send({ path, headers: good() });
      expect(reply.body).not.toContain('not for the browser');
    }
  });

  it('keeps uploads inside the upload folder, whatever name they claim', async () => {
    const reply = await send({
      method: 'POST',
      path: `/api/upload?name=${encodeURIComponent('../../escape.ndjson')}`,
      headers: good({ 'Content-Type': 'application/octet-stream' }),
      body: '{}\n',
    });
    expect(reply.status).toBe(200);
    const { path } = JSON.parse(reply.body) as { path: string };
    expect(path.startsWith(`${uploadDir}/`)).toBe(true);
    expect(await readdir(root.dir)).not.toContain('escape.ndjson');
    expect(await readdir(uploadDir)).toHaveLength(1);
  });

  it('refuses an upload over the limit, keeping nothing of it, and removes an upload once its import ends', async () => {
    const small = await startBrowserServer({ engine, staticDir: join(root.dir, 'static'), uploadDir, maxUploadBytes: 1000 });
    try {
      const headers = {
        ...good({ 'Content-Type': 'application/octet-stream' }),
        Host: `127.0.0.1:${small.port}`,
        Origin: `http://127.0.0.1:${small.port}`,
        Cookie: `${TOKEN_COOKIE}=${small.token}`,
      };
      // The server started by emptying its upload folder: what an earlier one left is its own scratch.
      expect(await readdir(uploadDir).catch(() => [])).toEqual([]);
      const post = (path: string, body: Buffer, extra: Record<string, string> = {}) =>
        new Promise<Reply>((resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port: small.port, method: 'POST', path, headers: { ...headers, ...extra } },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
              );
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      // Declared too large, and too large without a length (chunked): both refused, nothing written.
      expect((await post('/api/upload?name=big.ndjson', Buffer.alloc(5000, 32))).status).toBe(413);
      expect((await post('/api/upload?name=big.ndjson', Buffer.alloc(5000, 32), { 'Transfer-Encoding': 'chunked' })).status).toBe(
        413,
      );
      expect(await readdir(uploadDir).catch(() => [])).toEqual([]);
      const line = '{"event_type":"a","occurred_at":"2026-10-01T10:00:00Z"}\n';
      const uploaded = JSON.parse((await post('/api/upload?name=events.ndjson', Buffer.from(line))).body) as { path: string };
      const imported = JSON.parse(
        (
          await post(
            '/api/call',
            Buffer.from(JSON.stringify({ id: 'i', method: 'lake.import', params: { paths: [uploaded.path] } })),
            { 'Content-Type': 'application/json' },
          )
        ).body,
      ) as { ok: boolean; result: { rows: number } };
      expect(imported).toMatchObject({ ok: true, result: { rows: 1 } });
      expect(await readdir(uploadDir)).toEqual([]);
    } finally {
      await small.close();
    }
  });
});

describe('the contract over HTTP', () => {
  it('runs a query and pages its result', async () => {
    const run = JSON.parse(
      (
        await call(good(), {
          id: 'q',
          method: 'query.run',
          params: { sql: 'SELECT range AS n, range * 2 AS twice FROM range(2500)' },
        })
      ).body,
    ) as {
      ok: boolean;
      result: { queryId: string; rowCount: number; columns: { name: string; numeric: boolean }[] };
    };
    expect(run.ok).toBe(true);
    expect(run.result.rowCount).toBe(2500);
    expect(run.result.columns.map((c) => [c.name, c.numeric])).toEqual([
      ['n', true],
      ['twice', true],
    ]);
    const page = JSON.parse(
      (await call(good(), { id: 'p', method: 'query.page', params: { queryId: run.result.queryId, offset: 2498, limit: 10 } }))
        .body,
    ) as { result: { rows: unknown[][] } };
    // BIGINTs travel as exact decimal text (JSON numbers are doubles).
    expect(page.result.rows).toEqual([
      ['2498', '4996'],
      ['2499', '4998'],
    ]);
  });

  it('answers bad requests with a clear error, not a crash', async () => {
    const unknown = JSON.parse((await call(good(), { id: 'u', method: 'shell.exec', params: {} })).body) as {
      ok: boolean;
      error: { code: string };
    };
    expect(unknown).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const badParams = JSON.parse(
      (await call(good(), { id: 'b', method: 'query.page', params: { queryId: 'x', offset: -1, limit: 10 } })).body,
    ) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(badParams.ok).toBe(false);
    expect(badParams.error.code).toBe('bad-request');
    expect(badParams.error.message).toContain('offset');
    const sqlError = JSON.parse(
      (await call(good(), { id: 's', method: 'query.run', params: { sql: 'SELECT * FROM no_such_table' } })).body,
    ) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(sqlError).toMatchObject({ ok: false, error: { code: 'sql-error' } });
    expect(sqlError.error.message).toContain('no_such_table');
    const notJson = await send({ method: 'POST', path: '/api/call', headers: good(), body: '{not json' });
    expect(notJson.status).toBe(400);
  });

  it('never writes an export to a path the request names (the desktop app only writes where its save dialog said)', async () => {
    const target = join(root.dir, 'written-by-a-page.csv');
    const reply = JSON.parse(
      (await call(good(), { id: 'w', method: 'export.file', params: { source: { sql: 'SELECT 1' }, path: target } })).body,
    ) as {
      ok: boolean;
      error: { code: string };
    };
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await readdir(root.dir)).not.toContain('written-by-a-page.csv');
  });

  it('prepares an export as a one-time download', async () => {
    const prepared = JSON.parse(
      (
        await call(good(), {
          id: 'e',
          method: 'export.prepare',
          params: { source: { sql: "SELECT 1 AS a, '=cmd' AS b" }, name: 'tiny' },
        })
      ).body,
    ) as { ok: boolean; result: { downloadId: string; filename: string; rows: number } };
    expect(prepared.ok).toBe(true);
    expect(prepared.result).toMatchObject({ filename: 'tiny.csv', rows: 1 });
    const first = await send({ path: `/api/download/${prepared.result.downloadId}`, headers: good() });
    expect(first.status).toBe(200);
    expect(first.headers['content-disposition']).toBe('attachment; filename="tiny.csv"');
    expect(first.body).toBe("a,b\r\n1,'=cmd\r\n");
    expect((await send({ path: `/api/download/${prepared.result.downloadId}`, headers: good() })).status).toBe(404);
  });
});
