import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { EngineEvent } from '../shared/contract.js';
import { spawnCli } from './cli.js';

/** A `recount serve` child process on a workspace, logged in as the app's page would be. */
export interface ServeChild {
  child: ChildProcess;
  port: number;
  /** The session cookie the launch link set. */
  cookie: string;
  stderr(): string;
  /** Calls a method of the contract over HTTP, as the app's page does. */
  call(method: string, params?: unknown): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>;
  /** The engine's events, as the page's WebSocket receives them, from now on. */
  events(): Promise<{ seen: EngineEvent[]; close(): void }>;
  /** Waits for the process to end; its exit code. */
  exited(): Promise<number | null>;
}

/** A renderer stand-in, so that serve runs without a build. */
async function rendererStub(root: string): Promise<string> {
  const dir = join(root, 'renderer-stub');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Recount</title>');
  return dir;
}

function get(port: number, path: string): Promise<{ status: number; cookie: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      const set = res.headers['set-cookie']?.[0] ?? '';
      resolve({ status: res.statusCode ?? 0, cookie: set.split(';')[0] ?? '' });
    });
    req.on('error', reject);
    req.end();
  });
}

export async function startServe(workspace: string, root: string): Promise<ServeChild> {
  const child = spawnCli(['serve', '--workspace', workspace, '--json'], {
    RECOUNT_RENDERER_DIR: await rendererStub(root),
    RECOUNT_CONFIG_DIR: join(root, 'config'),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  const first = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        child.stdout?.off('data', onData);
        resolve(out.slice(0, out.indexOf('\n')));
      }
    };
    child.stdout?.on('data', onData);
    void exit.then((code) => reject(new Error(`recount serve exited (${code}) before serving: ${stderr}`)));
  });
  const { port, launchUrl } = JSON.parse(first) as { port: number; launchUrl: string };
  const login = await get(port, new URL(launchUrl).pathname + new URL(launchUrl).search);
  if (login.status !== 302 || !login.cookie) throw new Error(`the launch link did not log in (${login.status})`);
  const headers = {
    Host: `127.0.0.1:${port}`,
    Origin: `http://127.0.0.1:${port}`,
    Cookie: login.cookie,
  };
  let calls = 0;
  return {
    child,
    port,
    cookie: login.cookie,
    stderr: () => stderr,
    exited: () => exit,
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify({ id: `page-${++calls}`, method, params });
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/call',
            headers: { ...headers, 'Content-Type': 'application/json', 'X-Recount-Request': '1' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    events: () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`, { headers });
        const seen: EngineEvent[] = [];
        ws.on('message', (data: Buffer) => seen.push(JSON.parse(data.toString('utf8')) as EngineEvent));
        ws.on('open', () => resolve({ seen, close: () => ws.close() }));
        ws.on('error', reject);
      }),
  };
}
