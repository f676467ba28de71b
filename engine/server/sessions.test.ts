import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ResponseMessageSchema, type ResponseMessage } from '../shared/contract.js';
import { CLIENT_HEADER, CLIENT_PARAM, HealthSchema, type Health } from '../shared/routes.js';
import { initWorkspace } from '../service/init.js';
import { tempDir } from '../testing/fixtures.js';

/*
 * `recount serve` as a real child process, driven as browser tabs drive it: each "page load" is a client session
 * with its own event socket; a reload is that socket closing and a new session starting. The server's memory is
 * read from /proc, outside the process, and what it holds from its health endpoint.
 */

const GRACE_MS = 300;
const ROWS = 10_000_000;
const TEN_MILLION_ROWS = `SELECT range AS i, range * 2 AS j FROM range(${ROWS})`;
/** A cross join of 10^12 rows: it runs for many minutes unless it is interrupted. */
const ENDLESS = 'SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b';

let root: { dir: string; cleanup: () => Promise<void> };
let child: ChildProcess;
let port: number;
let token: string;

function http(options: {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers, signal: options.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const apiHeaders = (client: string) => ({
  Host: `127.0.0.1:${port}`,
  Origin: `http://127.0.0.1:${port}`,
  Authorization: `Bearer ${token}`,
  'Content-Type': 'application/json',
  'X-Recount-Request': '1',
  [CLIENT_HEADER]: client,
});

let sequence = 0;
async function call(client: string, method: string, params: unknown, signal?: AbortSignal): Promise<ResponseMessage> {
  const body = JSON.stringify({ id: `${client}-${++sequence}`, method, params });
  const reply = await http({
    method: 'POST',
    path: '/api/call',
    headers: apiHeaders(client),
    body,
    ...(signal ? { signal } : {}),
  });
  expect(reply.status).toBe(200);
  return ResponseMessageSchema.parse(JSON.parse(reply.body));
}

async function result<T>(client: string, method: string, params: unknown): Promise<T> {
  const response = await call(client, method, params);
  if (!response.ok) throw new Error(`${method}: ${response.error.message}`);
  return response.result as T;
}

async function health(options: { gc?: boolean } = {}): Promise<Health> {
  const reply = await http({
    method: 'GET',
    path: `/api/health${options.gc ? '?gc=1' : ''}`,
    headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}` },
  });
  expect(reply.status).toBe(200);
  return HealthSchema.parse(JSON.parse(reply.body));
}

/** A page load: its client session's event socket. */
function openPage(client: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events?${CLIENT_PARAM}=${client}`, {
      headers: { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}`, Authorization: `Bearer ${token}` },
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closePage(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    ws.close();
  });
}

/** Resident memory of the server process, read by the kernel, in bytes. */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(kb[1]) * 1024;
}

/** CPU time the server process has used (user + system), in clock ticks. */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const released = (h: Health) =>
  h.engine.running === 0 && h.engine.results === 0 && h.engine.clients === 0 && h.sessions.waiting === 0;
const mb = (bytes: number) => Math.round(bytes / 1024 ** 2);

beforeAll(async () => {
  root = await tempDir('recount-sessions-');
  const dir = join(root.dir, 'ws');
  await initWorkspace(dir);
  const renderer = join(root.dir, 'renderer');
  await mkdir(renderer, { recursive: true });
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Recount</title>');
  child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'engine/cli/bin.ts', 'serve', '--workspace', dir, '--json'],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env,
        RECOUNT_RENDERER_DIR: renderer,
        RECOUNT_CONFIG_DIR: join(root.dir, 'config'),
        RECOUNT_CLIENT_GRACE_MS: String(GRACE_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Its stderr is shown only if it fails to start (it says "Cancelling…" on the SIGINT that stops it).
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`recount serve exited with ${code}: ${stderr}`)));
  });
  const serving = JSON.parse(first) as { port: number; launchUrl: string };
  port = serving.port;
  // The launch link sets the session cookie once; scripts send the same token as a Bearer token.
  const launch = await http({
    method: 'GET',
    path: new URL(serving.launchUrl).pathname + new URL(serving.launchUrl).search,
    headers: { Host: `127.0.0.1:${port}` },
  });
  expect(launch.status).toBe(302);
  const cookie = String(launch.headers['set-cookie']);
  token = /recount_token=([0-9a-f]+)/.exec(cookie)?.[1] ?? '';
  expect(token).toHaveLength(64);
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
  await root?.cleanup();
});

describe('client sessions of recount serve', () => {
  it('gives back the memory of a 10M-row result each time the page holding it is reloaded', async () => {
    const pid = child.pid!;
    expect((await health()).pid).toBe(pid);
    // Warm up as a page would (a small result, read and left behind), so the baseline is the app open and idle.
    const warm = await openPage('warmup-page');
    const small = await result<{ queryId: string }>('warmup-page', 'query.run', { sql: 'SELECT 42 AS answer' });
    expect(
      (await result<{ rows: unknown[][] }>('warmup-page', 'query.page', { queryId: small.queryId, offset: 0, limit: 1 })).rows,
    ).toEqual([[42]]);
    await closePage(warm);
    await until('the warm-up page to be released', health, released);
    // Measured after a full garbage collection, as each figure after the pages closed is.
    const settled = async () => {
      await health({ gc: true });
      return rss(pid);
    };
    const baseline = await settled();

    const figures: string[] = [`baseline ${mb(baseline)} MB`];
    for (let reload = 1; reload <= 5; reload++) {
      const client = `reload-page-${reload}`;
      const page = await openPage(client);
      const run = await result<{ queryId: string; rowCount: number }>(client, 'query.run', { sql: TEN_MILLION_ROWS });
      expect(run.rowCount).toBe(ROWS);
      const first = await result<{ rows: unknown[][] }>(client, 'query.page', { queryId: run.queryId, offset: 0, limit: 3 });
      expect(first.rows.map((r) => r.map(Number))).toEqual([
        [0, 0],
        [1, 2],
        [2, 4],
      ]);
      const last = await result<{ rows: unknown[][] }>(client, 'query.page', {
        queryId: run.queryId,
        offset: ROWS - 2,
        limit: 5,
      });
      expect(last.rows.map((r) => r.map(Number))).toEqual([
        [ROWS - 2, 2 * (ROWS - 2)],
        [ROWS - 1, 2 * (ROWS - 1)],
      ]);
      const held = await health();
      expect(held.engine).toEqual({ running: 0, results: 1, clients: 1 });
      const holding = await rss(pid);
      // The result really is in the server's memory (two BIGINT columns of ten million rows: 160 MB of values).
      expect(holding - baseline).toBeGreaterThan(100 * 1024 ** 2);
      await closePage(page);
      await until(`reload ${reload}'s page to be released`, health, released);
      // Its result is gone: reading it again is an error that says so.
      const gone = await call(client, 'query.page', { queryId: run.queryId, offset: 0, limit: 1 });
      expect(gone.ok ? undefined : gone.error.code).toBe('result-gone');
      figures.push(`reload ${reload}: holding ${mb(holding)} MB`);
    }
    const limit = baseline * 1.1;
    const after = await until('the memory to come back', settled, (bytes) => bytes <= limit, 30_000).catch(settled);
    figures.push(`after the last page closed ${mb(after)} MB (limit ${mb(limit)} MB)`);
    process.stdout.write(`server RSS: ${figures.join('; ')}\n`);
    expect(after).toBeLessThanOrEqual(limit);
  }, 240_000);

  it('cancels a long query when the page that ran it goes away, and the server goes idle', async () => {
    const pid = child.pid!;
    const page = await openPage('long-query-page');
    try {
      const answer = call('long-query-page', 'query.run', { sql: ENDLESS });
      await until('the query to run', health, (h) => h.engine.running === 1);
      // Busy while it runs: DuckDB's threads compute the cross join (however slowly a loaded machine lets them).
      const busyFrom = await cpuTicks(pid);
      const busy =
        (await until(
          'the query to use the CPU',
          () => cpuTicks(pid),
          (t) => t - busyFrom >= 10,
        )) - busyFrom;
      // The tab closes; its request is still open (a reload leaves the fetch to the old page), and is answered cancelled.
      await closePage(page);
      const response = await answer;
      expect(response.ok ? undefined : response.error.code).toBe('cancelled');
      expect(released(await health())).toBe(true);
      const idleFrom = await cpuTicks(pid);
      await new Promise((r) => setTimeout(r, 2000));
      const idle = (await cpuTicks(pid)) - idleFrom;
      process.stdout.write(
        `server CPU: ${busy} ticks used by the running query; ${idle} ticks in the 2 s after its page closed\n`,
      );
      // Idle: at most a twentieth of one core (CPU time is counted in hundredths of a second).
      expect(idle).toBeLessThanOrEqual(10);
    } finally {
      if (page.readyState === WebSocket.OPEN) await closePage(page);
    }
  }, 60_000);

  it('cancels a query at once when its caller hangs up, the page staying open', async () => {
    const page = await openPage('hang-up-page');
    try {
      const hangUp = new AbortController();
      const answer = call('hang-up-page', 'query.run', { sql: ENDLESS }, hangUp.signal).catch((error: Error) => error.name);
      await until('the query to run', health, (h) => h.engine.running === 1);
      hangUp.abort();
      expect(await answer).toBe('AbortError');
      const after = await until('the query to stop', health, (h) => h.engine.running === 0, 20_000);
      // The page is still there: its session is connected, not released.
      expect(after.sessions).toEqual({ connected: 1, waiting: 0 });
    } finally {
      await closePage(page);
    }
    await until('the page to be released', health, released);
  }, 60_000);
});
