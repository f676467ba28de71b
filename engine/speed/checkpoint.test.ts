import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { CHECKPOINT_VERSION, readCheckpoint, TailPositionSchema, writeCheckpoint } from './checkpoint.js';
import type { TailPosition } from './tailer.js';

// A crash mid-checkpoint write; a checkpoint corrupt, missing or from a newer version; disk full or permission
// revoked while writing. Disk full is injected: the tmp file's write fails halfway, as ENOSPC would leave it.

const faults = vi.hoisted(() => ({ tornWrite: undefined as string | undefined, readError: undefined as string | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      const code = faults.tornWrite;
      if (code && String(args[0]).includes('.tmp-')) {
        faults.tornWrite = undefined;
        handle.writeFile = async (data: unknown) => {
          const text = String(data);
          await actual.appendFile(String(args[0]), text.slice(0, text.length >> 1));
          throw Object.assign(new Error(`${code}: injected`), { code });
        };
      }
      return handle;
    },
    readFile: async (...args: Parameters<typeof actual.readFile>) => {
      const code = faults.readError;
      if (code) {
        faults.readError = undefined;
        throw Object.assign(new Error(`${code}: injected`), { code });
      }
      return actual.readFile(...args);
    },
  };
});

let dir: string;
let store: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recount-checkpoint-'));
  store = join(dir, 'tail.json');
  faults.tornWrite = faults.readError = undefined;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const position: TailPosition = {
  file: { dev: '2049', ino: '131', fingerprint: 'a'.repeat(64) },
  offset: 1234,
  line: 56,
  anchor: 'b'.repeat(64),
  generation: 2,
};

describe('checkpoint store', () => {
  it('round-trips a value', async () => {
    await writeCheckpoint(store, position);
    expect(await readCheckpoint(store, TailPositionSchema)).toEqual({ value: position });
    expect(JSON.parse(await readFile(store, 'utf8'))).toMatchObject({ version: CHECKPOINT_VERSION, value: position });
  });

  it('treats a missing checkpoint as a first start, without a warning', async () => {
    expect(await readCheckpoint(store, TailPositionSchema)).toEqual({});
  });

  it.each([
    ['zero bytes', '', /is empty \(0 bytes\)/],
    ['torn JSON', '{"version":1,"value":{"file":{"dev":"20', /not valid JSON/],
    ['not a checkpoint', '[1,2,3]', /not a Recount checkpoint/],
    [
      'a wrong value',
      JSON.stringify({ version: 1, value: { ...position, offset: -5 } }),
      /does not hold a valid value \(offset: /,
    ],
    [
      'a newer version',
      JSON.stringify({ version: 99, value: { future: true } }),
      /newer version of Recount \(checkpoint format 99; this version reads format 1\)/,
    ],
  ])('returns no value and a warning for %s', async (_, text, warning) => {
    await writeFile(store, text);
    const read = await readCheckpoint(store, TailPositionSchema);
    expect(read.value).toBeUndefined();
    expect(read.warning).toMatch(warning);
    expect(read.warning).toContain(store);
  });

  it('ignores a torn tmp file left by a crash mid-write, and the next write clears it', async () => {
    await writeCheckpoint(store, position);
    const torn = `${store}.tmp-99999`;
    await writeFile(torn, '{"version":1,"val');
    const read = await readCheckpoint(store, TailPositionSchema);
    expect(read.value).toEqual(position);
    expect(read.warning).toMatch(/ignored an interrupted checkpoint write \(tail\.json\.tmp-99999\)/);
    await writeCheckpoint(store, { ...position, offset: 2000 });
    // The torn tmp file is gone; the checkpoint before the last one stays beside it, to fall back to.
    expect((await readdir(dir)).sort()).toEqual(['tail.json', 'tail.json.prev']);
    expect(await readCheckpoint(store, TailPositionSchema)).toEqual({ value: { ...position, offset: 2000 } });
  });

  it('falls back to the checkpoint before a damaged one, and says so', async () => {
    await writeCheckpoint(store, position);
    await writeCheckpoint(store, { ...position, offset: 2000 });
    const text = await readFile(store, 'utf8');
    await writeFile(store, text.slice(0, Math.floor(text.length / 2)));
    const read = await readCheckpoint(store, TailPositionSchema);
    expect(read.value).toEqual(position);
    expect(read.warning).toMatch(/is not valid JSON.*resumed from the checkpoint before it \(.*tail\.json\.prev\)/);
    await writeFile(`${store}.prev`, '');
    const neither = await readCheckpoint(store, TailPositionSchema);
    expect(neither.value).toBeUndefined();
    expect(neither.warning).toMatch(/there is no usable checkpoint before it/);
  });

  it('warns when only a torn tmp file exists', async () => {
    await writeFile(`${store}.tmp-99999`, '{"version":1,"val');
    const read = await readCheckpoint(store, TailPositionSchema);
    expect(read.value).toBeUndefined();
    expect(read.warning).toMatch(/interrupted checkpoint write .* but no complete checkpoint/);
  });

  it('keeps the previous checkpoint when a write fails with a full disk, and leaves no tmp file', async () => {
    await writeCheckpoint(store, position);
    faults.tornWrite = 'ENOSPC';
    await expect(writeCheckpoint(store, { ...position, offset: 9999 })).rejects.toThrow(/ENOSPC/);
    expect(await readdir(dir)).toEqual(['tail.json']);
    expect(await readCheckpoint(store, TailPositionSchema)).toEqual({ value: position });
  });

  it('warns instead of throwing when the checkpoint cannot be read', async () => {
    await writeCheckpoint(store, position);
    faults.readError = 'EACCES';
    const read = await readCheckpoint(store, TailPositionSchema);
    expect(read.value).toBeUndefined();
    expect(read.warning).toMatch(/could not read checkpoint .*EACCES/);
  });

  it('works with any schema', async () => {
    const schema = z.object({ n: z.number() });
    await writeCheckpoint(store, { n: 1 });
    expect(await readCheckpoint(store, schema)).toEqual({ value: { n: 1 } });
  });
});

describe('TailPositionSchema', () => {
  it.each([
    ['a non-decimal inode', { ...position, file: { ...position.file, ino: 'abc' } }],
    ['a fractional offset', { ...position, offset: 1.5 }],
    ['a short anchor', { ...position, anchor: 'abc' }],
    ['a missing generation', { ...position, generation: undefined }],
  ])('rejects %s', (_, value) => {
    expect(TailPositionSchema.safeParse(value).success).toBe(false);
  });

  it('accepts the position of a tailer that has not seen a file yet', () => {
    const none = { file: { dev: '', ino: '', fingerprint: '' }, offset: 0, line: 0, anchor: 'c'.repeat(64), generation: 0 };
    expect(TailPositionSchema.safeParse(none).success).toBe(true);
  });
});
