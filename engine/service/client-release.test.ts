import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import type { ResponseMessage } from '../shared/contract.js';
import { initWorkspace } from './init.js';
import { Engine } from './engine.js';

let counter = 0;
const send = (engine: Engine, client: string | undefined, method: string, params: unknown): Promise<ResponseMessage> =>
  engine.handle({ id: `c${++counter}`, method, params }, client);

async function ok<T>(response: Promise<ResponseMessage>): Promise<T> {
  const answer = await response;
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.result as T;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('what a client holds is released with it', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;

  beforeAll(async () => {
    root = await tempDir('recount-clients-');
    const dir = join(root.dir, 'ws');
    await initWorkspace(dir);
    engine = await Engine.open({ dir, transport: 'electron' });
  });
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  it("cancels the client's running queries and closes its results and downloads, and no one else's", async () => {
    type Run = { queryId: string };
    const mine = await ok<Run>(send(engine, 'window-1', 'query.run', { sql: 'SELECT range AS i FROM range(5)' }));
    const theirs = await ok<Run>(send(engine, 'window-2', 'query.run', { sql: 'SELECT 7 AS x' }));
    const nobodys = await ok<Run>(send(engine, undefined, 'query.run', { sql: 'SELECT 8 AS y' }));
    const download = await ok<{ downloadId: string }>(
      send(engine, 'window-1', 'export.prepare', { source: { queryId: mine.queryId }, name: 'mine' }),
    );
    const file = join(engine.dir, '.tmp', 'downloads', `${download.downloadId}.csv`);
    expect(await exists(file)).toBe(true);
    const endless = send(engine, 'window-1', 'query.run', {
      sql: 'SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b',
    });
    for (let i = 0; i < 100 && engine.holdings().running === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(engine.holdings()).toEqual({ running: 1, results: 3, clients: 2 });

    expect(await engine.releaseClient('window-1')).toEqual({ cancelled: 1, released: 2 });
    expect(await endless).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(engine.holdings()).toEqual({ running: 0, results: 2, clients: 1 });
    expect(await exists(file)).toBe(false);
    expect(engine.takeDownload(download.downloadId)).toBeUndefined();
    expect(await send(engine, 'window-1', 'query.page', { queryId: mine.queryId, offset: 0, limit: 5 })).toMatchObject({
      ok: false,
      error: { code: 'result-gone' },
    });
    const page = (queryId: string) =>
      ok<{ rows: unknown[][] }>(send(engine, 'window-2', 'query.page', { queryId, offset: 0, limit: 5 }));
    expect((await page(theirs.queryId)).rows).toEqual([[7]]);
    expect((await page(nobodys.queryId)).rows).toEqual([[8]]);

    // A client that is gone has nothing left to release; one that comes back starts afresh.
    expect(await engine.releaseClient('window-1')).toEqual({ cancelled: 0, released: 0 });
    expect(await engine.releaseClient('window-2')).toEqual({ cancelled: 0, released: 1 });
    expect(engine.holdings()).toEqual({ running: 0, results: 1, clients: 0 });
  }, 30_000);
});
