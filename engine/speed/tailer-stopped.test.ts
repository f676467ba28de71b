import { appendFile, copyFile, mkdtemp, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Tailer, type TailBatch, type TailPosition } from './tailer.js';

/**
 * The tailer stopped while the log went on without it, then started again from its checkpoint: what logrotate did
 * meanwhile must not lose lines silently. Expected lines are the writer's own.
 */
let dir: string;
let log: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recount-tail-stopped-'));
  log = join(dir, 'events.ndjson');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const line = (i: number) => `{"n":${i}}`;
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `${line(from + k)}\n`).join('');
const texts = (batches: TailBatch[]) => batches.flatMap((b) => b.data.toString().split('\n').filter(Boolean));

/** Reads what there is, as a session does, and returns the lines and the position to checkpoint. */
async function runUntilIdle(resumeFrom?: TailPosition): Promise<{ got: string[]; position: TailPosition; warnings: string[] }> {
  const warnings: string[] = [];
  const tailer = new Tailer({
    path: log,
    start: 'beginning',
    maxLineBytes: 4096,
    rotateWaitMs: 0,
    watch: false,
    ...(resumeFrom ? { resumeFrom } : {}),
    onWarning: (w) => warnings.push(w),
  });
  const got: string[] = [];
  let position: TailPosition | undefined;
  for (let i = 0; i < 5; i++) {
    for (const batch of await tailer.poll()) {
      got.push(...texts([batch]));
      position = batch.position;
    }
  }
  position ??= tailer.position;
  await tailer.close();
  return { got, position, warnings };
}

describe('a tailer stopped while the log was rotated', () => {
  it('reads the file rotated between two rotations while it was stopped, lossless and in order', async () => {
    await writeFile(log, lines(0, 3));
    const first = await runUntilIdle();
    expect(first.got).toEqual(Array.from({ length: 3 }, (_, i) => line(i)));
    // While stopped: two more lines, rotation; a file of its own, rotation again; then the current file.
    await appendFile(log, lines(3, 5));
    await rename(log, `${log}.1`);
    await writeFile(log, lines(5, 8));
    await rename(`${log}.1`, `${log}.2`);
    await rename(log, `${log}.1`);
    await writeFile(log, lines(8, 10));
    const second = await runUntilIdle(first.position);
    expect(second.got).toEqual(Array.from({ length: 7 }, (_, i) => line(3 + i)));
    expect(second.warnings).toEqual([
      `${log} was rotated 2 times while Recount was stopped: events.ndjson.2 is finished from line 3, then the file rotated after it is read whole`,
    ]);
  });

  it('reads the lines a copytruncate while stopped left only in the copy, and says what it cannot count', async () => {
    await writeFile(log, lines(0, 3));
    const first = await runUntilIdle();
    await appendFile(log, lines(3, 6));
    await copyFile(log, `${log}.1`);
    await truncate(log, 0);
    await appendFile(log, lines(6, 8));
    const second = await runUntilIdle(first.position);
    expect(second.got).toEqual(Array.from({ length: 5 }, (_, i) => line(3 + i)));
    expect(second.warnings).toEqual([
      `${log} was copied and truncated while Recount was stopped (copytruncate): the lines after line 3 are read from the copy events.ndjson.1; lines written between the copy and the truncation are in neither file and cannot be counted`,
    ]);
  });

  it('reads the copies a copytruncate while stopped made of a log it had read nothing of yet, oldest first', async () => {
    // A rotated file from before the checkpoint: its lines were never the tailer's to read, then or now.
    await writeFile(`${log}.1`, lines(100, 102));
    await writeFile(log, '');
    const first = await runUntilIdle();
    expect(first.got).toEqual([]);
    expect(first.position.offset).toBe(0);
    // While stopped: lines, a copytruncate (logrotate shifts log.1 to log.2 first), lines, another one, lines.
    await appendFile(log, lines(0, 2));
    await rename(`${log}.1`, `${log}.2`);
    await copyFile(log, `${log}.1`);
    await truncate(log, 0);
    await appendFile(log, lines(2, 5));
    await rename(`${log}.2`, `${log}.3`);
    await rename(`${log}.1`, `${log}.2`);
    await copyFile(log, `${log}.1`);
    await truncate(log, 0);
    await appendFile(log, lines(5, 6));
    const second = await runUntilIdle(first.position);
    expect(second.got).toEqual(Array.from({ length: 6 }, (_, i) => line(i)));
    expect(second.warnings).toEqual([
      `${log} was copied and truncated while Recount was stopped (copytruncate), before any line of it was read: the copies events.ndjson.2, events.ndjson.1 are read whole, oldest first; lines written between a copy and the truncation are in neither file and cannot be counted`,
    ]);
    // Its checkpoint knows those copies: started again, it reads none of them twice.
    await appendFile(log, lines(6, 7));
    const third = await runUntilIdle(second.position);
    expect(third.got).toEqual([line(6)]);
    expect(third.warnings).toEqual([]);
  });

  it('reads the copy of a log it had read nothing of, copied and truncated and then rotated by rename while stopped', async () => {
    await writeFile(log, '');
    const first = await runUntilIdle();
    await appendFile(log, lines(0, 2));
    await copyFile(log, `${log}.1`);
    await truncate(log, 0);
    await appendFile(log, lines(2, 4));
    await rename(`${log}.1`, `${log}.2`);
    await rename(log, `${log}.1`);
    await writeFile(log, lines(4, 5));
    const second = await runUntilIdle(first.position);
    expect(second.got).toEqual(Array.from({ length: 5 }, (_, i) => line(i)));
    expect(second.warnings).toEqual([
      `${log} was copied and truncated, then rotated, while Recount was stopped (copytruncate), before any line of it was read: the copy events.ndjson.2 is read whole, then events.ndjson.1; lines written between a copy and the truncation are in neither file and cannot be counted`,
    ]);
  });

  it('reads a log copied but not truncated while stopped once, from the log', async () => {
    await writeFile(log, '');
    const first = await runUntilIdle();
    await appendFile(log, lines(0, 2));
    await copyFile(log, `${log}.1`);
    await appendFile(log, lines(2, 3));
    const second = await runUntilIdle(first.position);
    expect(second.got).toEqual(Array.from({ length: 3 }, (_, i) => line(i)));
    expect(second.warnings).toEqual([]);
  });

  it('warns, from a checkpoint at offset 0 written without the files beside the log, that a copy beside it is not read', async () => {
    await writeFile(log, '');
    const first = await runUntilIdle();
    const { siblings, ...older } = first.position;
    expect(siblings).toEqual([]);
    await appendFile(log, lines(0, 2));
    await copyFile(log, `${log}.1`);
    await truncate(log, 0);
    await appendFile(log, lines(2, 3));
    const second = await runUntilIdle(older);
    expect(second.got).toEqual([line(2)]);
    expect(second.warnings).toEqual([
      `nothing of ${log} had been read when Recount stopped, and its checkpoint (written by an earlier version of Recount) does not record the files beside it: if events.ndjson.1 was copied from it while Recount was stopped (copytruncate), the lines in the copy are not read`,
    ]);
  });

  it('says so when the file it was reading is gone and no copy holds what it had not read', async () => {
    await writeFile(log, lines(0, 3));
    const first = await runUntilIdle();
    await appendFile(log, lines(3, 5));
    await truncate(log, 0);
    await appendFile(log, lines(5, 6));
    const truncated = await runUntilIdle(first.position);
    expect(truncated.got).toEqual([line(5)]);
    expect(truncated.warnings).toEqual([
      `${log} was truncated or rewritten while Recount was stopped, and no copy of it beside it holds the lines after line 3: any written after the checkpoint and before that are lost; it is read again from its start`,
    ]);
    // Deleted, and a new file in its place (made first, so that it cannot reuse the deleted file's inode).
    await writeFile(`${log}.new`, lines(6, 7));
    await unlink(log);
    await rename(`${log}.new`, log);
    const deleted = await runUntilIdle(truncated.position);
    expect(deleted.got).toEqual([line(6)]);
    expect(deleted.warnings).toEqual([
      `the file ${log} named when Recount stopped (at line 1) is gone, deleted or compressed by rotation: lines it held after that are not read, and could not be counted`,
    ]);
  });
});
