import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchFileName, removeOrphanBatchFiles } from './scratch.js';

describe('batch files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recount-scratch-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('left by a process that is gone are removed; those of running processes and other files are kept', async () => {
    // A pid that was just in use and is not any more: a child that has exited.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const dead = Number(child.stdout);
    expect(dead).toBeGreaterThan(0);
    const ours = batchFileName('live_0a1b2c3d', 0);
    const orphan = `recount-live-${dead}-live_99887766-batch-1.ndjson`;
    const parent = `recount-live-${process.ppid}-live_12345678-batch-0.ndjson`;
    const other = 'recount-live-notes.txt';
    for (const name of [ours, orphan, parent, other]) await writeFile(join(dir, name), '{}\n');
    expect(ours).toBe(`recount-live-${process.pid}-live_0a1b2c3d-batch-0.ndjson`);
    expect(await removeOrphanBatchFiles(dir)).toEqual([orphan]);
    expect((await readdir(dir)).sort()).toEqual([other, parent, ours].sort());
  });

  it('of a folder that does not exist: nothing to remove', async () => {
    expect(await removeOrphanBatchFiles(join(dir, 'missing'))).toEqual([]);
  });
});
