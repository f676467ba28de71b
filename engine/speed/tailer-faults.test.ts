import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Tailer, type TailBatch } from './tailer.js';

// Fault 19 of tailer.test.ts's numbered list: permission revoked, EMFILE, a file vanishing between stat and open.
// Tests run as root here, where chmod cannot take access away, so the errors are injected into node:fs/promises for the
// log path only.

const faults = vi.hoisted(() => ({ queue: [] as { op: 'open' | 'stat'; path: string; code: string }[] }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const inject = (op: 'open' | 'stat', path: unknown) => {
    const index = faults.queue.findIndex((f) => f.op === op && f.path === String(path));
    if (index < 0) return;
    const [fault] = faults.queue.splice(index, 1);
    throw Object.assign(new Error(`${fault!.code}: injected, ${op} '${String(path)}'`), { code: fault!.code });
  };
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      inject('open', args[0]);
      return actual.open(...args);
    },
    stat: async (...args: Parameters<typeof actual.stat>) => {
      inject('stat', args[0]);
      return actual.stat(...args);
    },
  };
});

let dir: string;
let log: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recount-tail-faults-'));
  log = join(dir, 'events.ndjson');
  faults.queue = [];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const texts = (batches: TailBatch[]) => batches.flatMap((b) => b.data.toString().split('\n').filter(Boolean));

function tailer(): Tailer {
  return new Tailer({ path: log, start: 'beginning', maxLineBytes: 1024, rotateWaitMs: 0, watch: false });
}

describe('19: errors while opening and reading', () => {
  it('EMFILE at the first open: no crash, lastError set, retried on the next poll', async () => {
    await writeFile(log, '{"a":1}\n');
    const t = tailer();
    faults.queue.push({ op: 'open', path: log, code: 'EMFILE' });
    expect(await t.poll()).toEqual([]);
    expect(t.status).toMatchObject({ state: 'waiting-for-file', lastError: expect.stringMatching(/EMFILE/) });
    expect(texts(await t.poll())).toEqual(['{"a":1}']);
    expect(t.status.lastError).toBeUndefined();
    await t.close();
  });

  it('EACCES on the rotated-in file: keeps the old generation, then switches once it can open the new one', async () => {
    await writeFile(log, '{"a":1}\n');
    const t = tailer();
    await t.poll();
    await rename(log, `${log}.1`);
    await writeFile(log, '{"b":1}\n');
    faults.queue.push({ op: 'open', path: log, code: 'EACCES' });
    expect(await t.poll()).toEqual([]);
    expect(t.status).toMatchObject({ state: 'following', generation: 0, lastError: expect.stringMatching(/EACCES/) });
    const batches = await t.poll();
    expect(batches.map((b) => [b.generation, b.event, texts([b])])).toEqual([[1, 'rotated', ['{"b":1}']]]);
    expect(t.status.lastError).toBeUndefined();
    await t.close();
  });

  it('a file vanishing between stat and open is retried', async () => {
    await writeFile(log, '{"a":1}\n');
    const t = tailer();
    await t.poll();
    await rename(log, `${log}.1`);
    await writeFile(log, '{"b":1}\n');
    faults.queue.push({ op: 'open', path: log, code: 'ENOENT' });
    expect(await t.poll()).toEqual([]);
    expect(t.status.lastError).toMatch(/vanished between stat and open/);
    expect(texts(await t.poll())).toEqual(['{"b":1}']);
    await t.close();
  });

  it('EACCES on stat of the path: the open file keeps being read', async () => {
    await writeFile(log, '{"a":1}\n');
    const t = tailer();
    await t.poll();
    await appendFile(log, '{"a":2}\n');
    faults.queue.push({ op: 'stat', path: log, code: 'EACCES' });
    expect(texts(await t.poll())).toEqual(['{"a":2}']);
    expect(t.status).toMatchObject({ state: 'following', lastError: expect.stringMatching(/EACCES/) });
    expect(await t.poll()).toEqual([]);
    expect(t.status.lastError).toBeUndefined();
    await t.close();
  });
});
