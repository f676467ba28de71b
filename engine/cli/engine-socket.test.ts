import { lstat, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { tempDir } from '../testing/fixtures.js';
import { runCli, spawnCli } from '../testing/cli.js';
import { startServe, type ServeChild } from '../testing/serve.js';
import { engineSocketPath } from '../server/socket-wire.js';
import { socketAnswers } from '../server/engine-socket.js';
import type { EngineEvent } from '../shared/contract.js';

// The CLI beside a running app: a real `recount serve` child process holds the workspace, and every command is run
// in it over the workspace's socket. Expected numbers come from the generator's own record of what it wrote.

let root: { dir: string; cleanup: () => Promise<void> };
let ws: string;
let serves: ServeChild[];

beforeEach(async () => {
  root = await tempDir('recount-socket-');
  ws = join(root.dir, 'ws');
  serves = [];
  expect((await runCli(['init', '--workspace', ws])).code).toBe(0);
});

afterEach(async () => {
  for (const s of serves) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await Promise.all(serves.map((s) => s.exited()));
  await root.cleanup();
});

async function serve(): Promise<ServeChild> {
  const s = await startServe(ws, root.dir);
  serves.push(s);
  return s;
}

async function generated(name: string, seed: number, start: string, days: number, eventsPerDay: number) {
  const path = join(root.dir, name);
  const truth = await writeEvents(path, { days, eventsPerDay, seed, start, duplicates: 0, late: 0, malformed: 0 }, 'ndjson', {
    truth: true,
  });
  return { path, truth };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const daysOf = (truth: Truth) => [...new Set(truth.events.map((e) => day(e.occurred_at_ms)))].sort();

const cli = (...args: string[]) => runCli([...args, '--workspace', ws]);

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !check();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function gone(path: string): Promise<boolean> {
  return lstat(path).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
  );
}

describe('the CLI beside a running engine', () => {
  it('runs import, run, status, runs, query and export in the engine, which the app sees at once; Ctrl-C cancels', async () => {
    const app = await serve();
    const socket = engineSocketPath(ws);
    expect((await lstat(socket)).isSocket()).toBe(true);
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
    expect((await stat(join(ws, '.recount'))).mode & 0o777).toBe(0o700);
    const page = await app.events();

    const a = await generated('a.ndjson', 11, '2026-10-01', 3, 400);
    const imported = await cli('import', a.path, '--json');
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const doc = JSON.parse(imported.stdout) as { rows: number; files: { status: string; rows: number; partitions: string[] }[] };
    expect(doc.rows).toBe(a.truth.lines);
    expect(doc.files).toMatchObject([{ status: 'imported', rows: a.truth.events.length, partitions: daysOf(a.truth) }]);
    // The app's page was told, and reads the new events from the same engine.
    await until(() => page.seen.some((e) => e.type === 'workspace.changed' && e.what === 'lake'), 'the lake change');
    const summary = await app.call('workspace.summary');
    expect(summary.ok).toBe(true);
    expect((summary.result as { events: number }).events).toBe(a.truth.events.length);

    const run = await cli('run', '--json');
    expect(run.code).toBe(0);
    const ran = JSON.parse(run.stdout) as {
      runId: number;
      status: string;
      partitions: { pipeline: string; partition: string; status: string }[];
    };
    expect(ran.status).toBe('succeeded');
    expect(ran.partitions.filter((p) => p.pipeline === 'daily_visits').map((p) => p.partition)).toEqual(daysOf(a.truth));
    expect(ran.partitions.every((p) => p.status === 'succeeded')).toBe(true);

    const status = await cli('status', '--json');
    expect(status.code).toBe(0);
    const state = JSON.parse(status.stdout) as {
      pipelines: { name: string; partitions: { partition: string; fresh: boolean; lastRun?: { runId: number } }[] }[];
      foreignFiles: string[];
    };
    expect(state.foreignFiles).toEqual([]);
    const visits = state.pipelines.find((p) => p.name === 'daily_visits');
    expect(visits?.partitions.map((p) => [p.partition, p.fresh, p.lastRun?.runId])).toEqual(
      daysOf(a.truth).map((d) => [d, true, ran.runId]),
    );

    const runs = await cli('runs', '--json');
    expect(JSON.parse(runs.stdout)).toMatchObject([{ runId: ran.runId, command: 'recount run --json', status: 'succeeded' }]);

    const byType = new Map<string, number>();
    for (const e of a.truth.events) byType.set(e.event_type, (byType.get(e.event_type) ?? 0) + 1);
    const query = await cli('query', 'SELECT event_type, count(*) AS n FROM events GROUP BY ALL ORDER BY 1', '--format', 'csv');
    expect(query.code).toBe(0);
    expect(query.stdout).toBe(
      ['event_type,n', ...[...byType].sort(([x], [y]) => (x < y ? -1 : 1)).map(([t, n]) => `${t},${n}`)].join('\r\n') + '\r\n',
    );
    const bad = await cli('query', 'SELECT * FROM no_such_table');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Catalog Error: Table with name no_such_table does not exist!/);

    const out = join(root.dir, 'ids.csv');
    const exported = await cli('export', 'SELECT event_id FROM events ORDER BY event_id', '--out', out);
    expect(exported.code).toBe(0);
    const ids = a.truth.events.map((e) => e.event_id).sort();
    const text = await readFile(out, 'utf8');
    expect(text).toBe(['event_id', ...ids].join('\r\n') + '\r\n');
    expect(exported.stdout).toBe(
      `Wrote ${ids.length.toLocaleString('en-US')} rows to ${out} (csv, ${Buffer.byteLength(text).toLocaleString('en-US')} bytes)\n`,
    );

    // Ctrl-C in the CLI cancels its import in the engine: nothing of it lands.
    const big = await generated('big.ndjson', 12, '2026-11-01', 4, 60_000);
    const earlier = page.seen.length;
    const importing = spawnCli(['import', big.path, '--workspace', ws]);
    let stderr = '';
    importing.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((r) => importing.on('close', r));
    const inEngine = (e: EngineEvent) => e.type === 'progress' && e.requestId.startsWith('cli-');
    await until(() => page.seen.slice(earlier).some(inEngine), 'the import to report progress in the engine');
    importing.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toContain('Cancelled.\n');
    expect(((await app.call('workspace.summary')).result as { events: number }).events).toBe(a.truth.events.length);
    page.close();

    // A clean exit takes its socket with it.
    app.child.kill('SIGINT');
    expect(await app.exited()).toBe(0);
    expect(await gone(socket)).toBe(true);
  }, 240_000);

  it('queues two CLI imports at once: both succeed, one says it waits, and every event lands once', async () => {
    const app = await serve();
    const [b1, b2] = await Promise.all([
      generated('b1.ndjson', 21, '2026-10-01', 3, 40_000),
      generated('b2.ndjson', 22, '2026-11-01', 3, 40_000),
    ]);
    const [first, second] = await Promise.all([cli('import', b1.path, '--json'), cli('import', b2.path, '--json')]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(JSON.parse(first.stdout)).toMatchObject({ rows: b1.truth.lines, rejected: 0 });
    expect(JSON.parse(second.stdout)).toMatchObject({ rows: b2.truth.lines, rejected: 0 });
    const waits = `${first.stderr}${second.stderr}`.match(/recount: waiting for the import in progress…\n/g) ?? [];
    expect(waits).toHaveLength(1);
    const distinct = new Set([...b1.truth.events, ...b2.truth.events].map((e) => e.event_id)).size;
    const count = await cli('query', 'SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM events', '--format', 'json');
    expect(count.stdout).toBe(`[{"n":${distinct},"d":${distinct}}]\n`);
    expect(((await app.call('workspace.summary')).result as { events: number }).events).toBe(distinct);
  }, 240_000);

  it('is not blocked by the socket a SIGKILLed serve left, and leaves a file at that path that is not a socket', async () => {
    const socket = engineSocketPath(ws);
    const killed = await serve();
    killed.child.kill('SIGKILL');
    await killed.exited();
    expect((await lstat(socket)).isSocket()).toBe(true);

    // A new engine takes the stale socket's place.
    const again = await serve();
    const c = await generated('c.ndjson', 31, '2026-10-01', 2, 300);
    expect((await cli('import', c.path)).code).toBe(0);
    expect(again.stderr()).toBe('');
    again.child.kill('SIGKILL');
    await again.exited();

    // With no engine, the CLI opens the workspace itself and clears the dead engine's socket.
    const counted = await cli('query', 'SELECT count(*) AS n FROM events', '--format', 'csv');
    expect(counted).toMatchObject({ code: 0, stdout: `n\r\n${c.truth.events.length}\r\n`, stderr: '' });
    expect(await gone(socket)).toBe(true);

    // A file Recount did not write stays where it is; the app still serves, and says why the CLI cannot reach it.
    await writeFile(socket, 'not a socket');
    const beside = await serve();
    await until(() => beside.stderr().includes('the CLI cannot run its commands in this engine'), 'the warning');
    expect(beside.stderr()).toContain(`${socket} is where the engine's socket goes, but it is not a socket`);
    expect(await readFile(socket, 'utf8')).toBe('not a socket');
  }, 240_000);

  it('runs import, status, query and export beside `recount tail`, and refuses what a tail cannot run', async () => {
    const log = join(root.dir, 'events.log');
    const d = await generated('d.ndjson', 41, '2026-10-01', 2, 500);
    await writeFile(log, (await readFile(d.path, 'utf8')).split('\n').slice(0, 20).join('\n') + '\n');
    const tail = spawnCli(['tail', log, '--workspace', ws, '--json', '--from-start']);
    const exit = new Promise<number | null>((r) => tail.on('close', r));
    let stderr = '';
    tail.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const socket = engineSocketPath(ws);
    for (const end = Date.now() + 60_000; !(await socketAnswers(socket));) {
      if (Date.now() > end) throw new Error(`the tail never listened: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const imported = await cli('import', d.path, '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ rows: d.truth.lines, rejected: 0 });
    expect((await cli('status')).code).toBe(0);
    const counted = await cli('query', 'SELECT count(DISTINCT event_id) AS n FROM events', '--format', 'csv');
    expect(counted).toMatchObject({ code: 0, stdout: `n\r\n${d.truth.events.length}\r\n` });
    const out = join(root.dir, 'types.csv');
    expect((await cli('export', 'SELECT count(DISTINCT event_type) AS types FROM events', '--out', out)).code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(`types\r\n${new Set(d.truth.events.map((e) => e.event_type)).size}\r\n`);
    const compared = await cli('compare', 'daily_visits', '--log', log);
    expect(compared.code).toBe(1);
    expect(compared.stderr).toBe(
      'recount: recount tail holds this workspace, and runs beside it only import, imports, remove-import, run, status, runs, query and export: stop it for this one\n',
    );
    tail.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(await gone(socket)).toBe(true);
  }, 240_000);
});
