import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { initWorkspace } from './init.js';
import { Engine } from './engine.js';
import { workspaceLog } from './app-paths.js';
import type { Method, Params, Result } from '../shared/contract.js';

let counter = 0;
async function call<M extends Method>(engine: Engine, method: M, params: Params<M>): Promise<Result<M>> {
  const response = await engine.handle({ id: `s${++counter}`, method, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return response.result as Result<M>;
}

const lineCount = async (path: string) => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('switching workspaces and back', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;
  let first: string;
  let second: string;
  let log: string;

  beforeAll(async () => {
    root = await tempDir('recount-session-');
    first = join(root.dir, 'first');
    second = join(root.dir, 'second');
    await initWorkspace(first);
    await initWorkspace(second);
    // A log outside the workspace, as `recount serve --log FILE` follows.
    log = join(root.dir, 'outside.log');
    await writeFile(log, '');
    engine = await Engine.open({ dir: first, log, transport: 'browser', simulate: true });
  });
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  it('follows the workspace switched to with its own log and no demo traffic, then restores the first as it was', async () => {
    expect(await call(engine, 'live.state', {})).toMatchObject({ log, simulating: true });
    await until('demo traffic reached the log', async () => (await lineCount(log)) > 0);

    await call(engine, 'workspace.open', { dir: second });
    expect(await call(engine, 'live.state', {})).toMatchObject({ log: workspaceLog(second), simulating: false });
    // The first workspace's traffic stopped with it: its log grows no more while the second is open.
    const stopped = await lineCount(log);
    await new Promise((r) => setTimeout(r, 300));
    expect(await lineCount(log)).toBe(stopped);
    expect(await lineCount(workspaceLog(second))).toBe(0);

    await call(engine, 'workspace.open', { dir: first });
    expect(await call(engine, 'live.state', {})).toMatchObject({ log, simulating: true });
    await until('demo traffic resumed', async () => (await lineCount(log)) > stopped);
  });

  it('keeps demo traffic off in a workspace where it was stopped before leaving', async () => {
    expect((await call(engine, 'live.simulate', { running: false })).simulating).toBe(false);
    await call(engine, 'workspace.open', { dir: second });
    await call(engine, 'workspace.open', { dir: first });
    expect(await call(engine, 'live.state', {})).toMatchObject({ log, simulating: false });
  });
});
