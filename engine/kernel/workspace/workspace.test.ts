import { availableParallelism } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testWorkspace, type TestWorkspace } from '../../testing/fixtures.js';

let t: TestWorkspace;
beforeEach(async () => {
  t = await testWorkspace();
});
afterEach(async () => {
  await t.cleanup();
});

describe('DuckDB threads during a replay', () => {
  const threads = async () =>
    Number((await t.workspace.catalog.one<{ n: string }>(`SELECT current_setting('threads')::VARCHAR AS n`))?.n);

  it('are one fewer than the cores while any replay runs, and all of them again after the last, even one that failed', async () => {
    const cores = availableParallelism();
    const during = Math.max(1, cores - 1);
    expect(await threads()).toBe(cores);
    const seen: number[] = [];
    let releaseFirst = () => {};
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const first = t.workspace.withReplayThreads(async () => {
      seen.push(await threads());
      await firstHeld;
      seen.push(await threads());
    });
    const second = t.workspace.withReplayThreads(async () => {
      seen.push(await threads());
      throw new Error('replay failed');
    });
    await expect(second).rejects.toThrow('replay failed');
    // The first replay is still running: the threads stay as a replay wants them.
    expect(await threads()).toBe(during);
    releaseFirst();
    await first;
    expect(seen).toEqual([during, during, during]);
    expect(await threads()).toBe(cores);
  });
});
