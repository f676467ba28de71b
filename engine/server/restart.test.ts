import { createServer, request as httpRequest } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../service/engine.js';
import { initWorkspace } from '../service/init.js';
import { tempDir } from '../testing/fixtures.js';
import { ServerHelloSchema } from '../shared/routes.js';
import { startBrowserServer, type BrowserServer } from './server.js';
import { TOKEN_COOKIE, newToken } from './security.js';

/**
 * A tab left open across a restart of `recount serve`: the same port and session secret make its cookie good again,
 * and the first message on its new socket names another instance, so the page knows what it held is gone.
 */
let root: { dir: string; cleanup: () => Promise<void> };
let engine: Engine;
let staticDir: string;
const started: BrowserServer[] = [];

async function start(options: { port?: number; token?: string; anyPortIfTaken?: boolean }): Promise<BrowserServer> {
  const server = await startBrowserServer({ engine, staticDir, uploadDir: join(root.dir, 'uploads'), ...options });
  started.push(server);
  return server;
}

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ...(res.headers['set-cookie'] ? { cookie: res.headers['set-cookie'][0] } : {}) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the event socket as the page does and returns the first message it is sent. */
function firstMessage(port: number, token: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`, {
      headers: { Origin: `http://127.0.0.1:${port}`, Cookie: `${TOKEN_COOKIE}=${token}` },
    });
    ws.once('message', (data: Buffer) => {
      resolve(JSON.parse(data.toString('utf8')));
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  root = await tempDir('recount-restart-');
  const dir = join(root.dir, 'ws');
  await initWorkspace(dir);
  staticDir = join(root.dir, 'static');
  await mkdir(staticDir, { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Recount</title>');
  engine = await Engine.open({ dir, transport: 'browser' });
});

afterAll(async () => {
  for (const server of started) await server.close().catch(() => undefined);
  await engine?.close();
  await root?.cleanup();
});

describe('browser mode across a restart', () => {
  it('takes the cookie of the previous start when started again with its port and secret; its launch link stays spent', async () => {
    const secret = newToken();
    const first = await start({ token: secret });
    const launch = new URL(first.launchUrl).search;
    const signIn = await get(first.port, `/${launch}`, { Host: `127.0.0.1:${first.port}` });
    expect(signIn.status).toBe(302);
    expect(signIn.cookie).toContain(`${TOKEN_COOKIE}=${secret}`);
    const hello1 = ServerHelloSchema.parse(await firstMessage(first.port, secret));
    await first.close();

    const second = await start({ port: first.port, token: secret });
    expect(second.port).toBe(first.port);
    const page = await get(second.port, '/', { Host: `127.0.0.1:${second.port}`, Cookie: `${TOKEN_COOKIE}=${secret}` });
    expect(page.status).toBe(200);
    const hello2 = ServerHelloSchema.parse(await firstMessage(second.port, secret));
    expect(hello2.instance).toMatch(/^[0-9a-f]{16}$/);
    expect(hello2.instance).not.toBe(hello1.instance);
    expect(hello2.instance).toBe(second.instance);
    // Launch tokens are the start's own: one printed by the earlier start opens nothing now.
    expect((await get(second.port, `/${launch}`, { Host: `127.0.0.1:${second.port}` })).status).toBe(401);
    // A cookie of another session is still refused.
    expect(
      (await get(second.port, '/', { Host: `127.0.0.1:${second.port}`, Cookie: `${TOKEN_COOKIE}=${newToken()}` })).status,
    ).toBe(401);
    await second.close();
  });

  it('serves on a free port when the saved one is taken, and only when asked to', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const taken = (squatter.address() as { port: number }).port;
    try {
      await expect(start({ port: taken })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const moved = await start({ port: taken, anyPortIfTaken: true });
      expect(moved.port).not.toBe(taken);
      expect(moved.port).toBeGreaterThan(0);
      expect(
        (await get(moved.port, '/', { Host: `127.0.0.1:${moved.port}`, Cookie: `${TOKEN_COOKIE}=${moved.token}` })).status,
      ).toBe(200);
      await moved.close();
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });
});
