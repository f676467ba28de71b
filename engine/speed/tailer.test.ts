import { createHash } from 'node:crypto';
import {
  appendFile,
  copyFile,
  mkdtemp,
  open,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCheckpoint, TailPositionSchema, writeCheckpoint } from './checkpoint.js';
import { Tailer, type TailBatch, type TailerOptions } from './tailer.js';

// One describe block per numbered fault a log tailer must survive. 18 (network and cloud-synced folders) and 20
// (gzipped rotated files) are out of scope for a single local path (see the note at the top of tailer.ts); 19
// (permission and EMFILE errors) is in tailer-faults.test.ts.

const INCOMPLETE = 'incomplete last line (no newline)';

let dir: string;
let log: string;
let clock: number;
const now = () => clock;
const open_: Tailer[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recount-tail-'));
  log = join(dir, 'events.ndjson');
  clock = 1_000_000;
});

afterEach(async () => {
  await Promise.all(open_.splice(0).map((t) => t.close()));
  await rm(dir, { recursive: true, force: true });
});

function tailer(options: Partial<TailerOptions> = {}): Tailer {
  const t = new Tailer({ path: log, start: 'beginning', maxLineBytes: 1024, rotateWaitMs: 0, watch: false, now, ...options });
  open_.push(t);
  return t;
}

function textOf(batch: TailBatch): string[] {
  const text = batch.data.toString('utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

/** [line number, text] of every delivered line. */
function numbered(batches: TailBatch[]): [number, string][] {
  return batches.flatMap((b) => textOf(b).map((text, i): [number, string] => [b.lineNumbers[i]!, text]));
}

function texts(batches: TailBatch[]): string[] {
  return batches.flatMap(textOf);
}

/** Each batch as [generation, event, lines]. */
function shape(batches: TailBatch[]): [number, string | undefined, string[]][] {
  return batches.map((b) => [b.generation, b.event, textOf(b)]);
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const jsonLines = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `{"${prefix}":${from + i}}`);
const withNewlines = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

describe('1: a line written in two write() calls', () => {
  it('delivers it once, when its newline arrives', async () => {
    await writeFile(log, '{"a":1}\n{"b":');
    const t = tailer();
    expect(numbered(await t.poll())).toEqual([[1, '{"a":1}']]);
    expect(t.position).toMatchObject({ offset: 8, line: 1 });
    expect(t.status.incompleteLine).toMatchObject({ line: 2, bytes: 5, buffered: 5 });
    expect(await t.poll()).toEqual([]);
    await appendFile(log, '2}\n');
    expect(numbered(await t.poll())).toEqual([[2, '{"b":2}']]);
    expect(t.status.incompleteLine).toBeUndefined();
    expect(t.position).toMatchObject({ offset: 16, line: 2 });
  });

  it('resumes mid-line after a restart: the checkpoint never points into a line', async () => {
    await writeFile(log, '{"a":1}\n{"b":');
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    await appendFile(log, '2}\n');
    const batches = await tailer({ resumeFrom: saved }).poll();
    expect(shape(batches)).toEqual([[0, 'resumed', ['{"b":2}']]]);
    expect(numbered(batches)).toEqual([[2, '{"b":2}']]);
  });
});

describe('2: a last line that never gets its newline', () => {
  it('is held, shown in status, and rejected when its rotated file is drained', async () => {
    await writeFile(log, '{"a":1}\n{"half":');
    const t = tailer({ rotateWaitMs: 1000 });
    expect(texts(await t.poll())).toEqual(['{"a":1}']);
    clock += 60_000;
    expect(await t.poll()).toEqual([]);
    expect(t.status.incompleteLine).toEqual({ line: 2, bytes: 8, buffered: 8, heldMs: 60_000 });
    await rename(log, `${log}.1`);
    expect(await t.poll()).toEqual([]);
    expect(t.status).toMatchObject({ state: 'waiting-for-file', draining: 1 });
    clock += 1000;
    const [ended, ...more] = await t.poll();
    expect(more).toEqual([]);
    expect(ended).toMatchObject({
      count: 0,
      generation: 0,
      rejects: [{ line: 2, reason: INCOMPLETE, raw: '{"half":', generation: 0 }],
    });
    expect(t.status).toMatchObject({ state: 'waiting-for-file', draining: 0 });
  });

  it('is rejected when its file is deleted and drained', async () => {
    await writeFile(log, '{"a":1}\n{"half":');
    const t = tailer();
    await t.poll();
    await unlink(log);
    const batches = await t.poll();
    expect(batches.flatMap((b) => b.rejects)).toEqual([{ line: 2, reason: INCOMPLETE, raw: '{"half":', generation: 0 }]);
  });

  it('is rejected when its file is truncated, before the new generation', async () => {
    await writeFile(log, '{"a":1}\n{"half":');
    const t = tailer();
    await t.poll();
    await truncate(log, 0);
    await appendFile(log, '{"b":1}\n');
    const batches = await t.poll();
    expect(batches.map((b) => [b.generation, b.event, b.rejects.length, textOf(b)])).toEqual([
      [0, undefined, 1, []],
      [1, 'truncated', 0, ['{"b":1}']],
    ]);
    expect(batches[0]!.rejects[0]).toEqual({ line: 2, reason: INCOMPLETE, raw: '{"half":', generation: 0 });
  });
});

describe('3: lines longer than maxLineBytes', () => {
  it('rejects one with its number and a raw prefix, and resyncs at the next newline', async () => {
    const long = `{"x":"${'y'.repeat(300)}"}`;
    await writeFile(log, `{"a":1}\n${long}\n{"b":2}\n`);
    const batches = await tailer({ maxLineBytes: 100 }).poll();
    expect(numbered(batches)).toEqual([
      [1, '{"a":1}'],
      [3, '{"b":2}'],
    ]);
    expect(batches.flatMap((b) => b.rejects)).toEqual([
      { line: 2, reason: 'line is 308 bytes, longer than the 100-byte limit', raw: long, generation: 0 },
    ]);
  });

  it('skips one written across several polls, holding only a prefix of it', async () => {
    await writeFile(log, `{"a":1}\n${'z'.repeat(50)}`);
    const t = tailer({ maxLineBytes: 100 });
    await t.poll();
    await appendFile(log, 'z'.repeat(10_000));
    expect(await t.poll()).toEqual([]);
    expect(t.status.incompleteLine).toMatchObject({ line: 2, bytes: 10_050, buffered: 4096 });
    await appendFile(log, 'z\n{"b":2}\n');
    const batches = await t.poll();
    expect(numbered(batches)).toEqual([[3, '{"b":2}']]);
    expect(batches.flatMap((b) => b.rejects)).toEqual([
      { line: 2, reason: 'line is 10051 bytes, longer than the 100-byte limit', raw: 'z'.repeat(4096), generation: 0 },
    ]);
  });

  it('streams past a 100 MB line without holding it', async () => {
    const writer = await open(log, 'a');
    const mib = Buffer.alloc(1024 * 1024, 'x');
    await writer.write('{"a":1}\n');
    for (let i = 0; i < 100; i++) await writer.write(mib);
    const t = tailer({ maxLineBytes: 1024 * 1024 });
    expect(texts(await t.poll())).toEqual(['{"a":1}']);
    expect(t.status.incompleteLine).toMatchObject({ line: 2, bytes: 100 * 1024 * 1024, buffered: 4096 });
    await writer.write('\n{"b":2}\n');
    await writer.close();
    const batches = await t.poll();
    expect(numbered(batches)).toEqual([[3, '{"b":2}']]);
    const [reject] = batches.flatMap((b) => b.rejects);
    expect(reject).toMatchObject({ line: 2, reason: 'line is 104857600 bytes, longer than the 1048576-byte limit' });
    expect(reject!.raw).toBe('x'.repeat(4096));
  });
});

describe('4: empty file and file shorter than the fingerprint window', () => {
  it('fingerprints what exists, refreshes it once the first line completes, and keeps it under appends', async () => {
    await writeFile(log, '');
    const t = tailer();
    expect(await t.poll()).toEqual([]);
    expect(t.status.state).toBe('following');
    expect(t.position).toMatchObject({ offset: 0, line: 0, file: { fingerprint: sha256('') } });
    await appendFile(log, '{"first":');
    expect(await t.poll()).toEqual([]);
    expect(t.position.file.fingerprint).toBe(sha256('{"first":'));
    await appendFile(log, '1}\n');
    expect(numbered(await t.poll())).toEqual([[1, '{"first":1}']]);
    expect(t.position.file.fingerprint).toBe(sha256('{"first":1}\n'));
    await appendFile(log, '{"second":2}\n');
    const [batch] = await t.poll();
    expect(numbered([batch!])).toEqual([[2, '{"second":2}']]);
    expect(batch!.file.fingerprint).toBe(sha256('{"first":1}\n'));
  });

  it('reads from the start what was written after a checkpoint taken on an empty file', async () => {
    await writeFile(log, '');
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    await appendFile(log, '{"a":1}\n{"a":2}\n');
    const batches = await tailer({ resumeFrom: saved }).poll();
    expect(shape(batches)).toEqual([[0, 'resumed', ['{"a":1}', '{"a":2}']]]);
  });

  it('fingerprints a first line longer than 1 KiB by its first 1 KiB', async () => {
    const first = `{"pad":"${'p'.repeat(2000)}"}`;
    await writeFile(log, `${first}\n`);
    const t = tailer({ maxLineBytes: 4096 });
    await t.poll();
    expect(t.position.file.fingerprint).toBe(sha256(first.slice(0, 1024)));
  });
});

describe('5: files with identical first lines (fingerprint collision)', () => {
  const header = '{"type":"header","app":"recount"}';

  it('tells a rotated file from its successor by dev/ino and anchor, not the header', async () => {
    await writeFile(log, withNewlines([header, '{"a":1}', '{"a":2}']));
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    await appendFile(log, '{"a":3}\n');
    await rename(log, `${log}.1`);
    await writeFile(log, withNewlines([header, '{"b":1}']));
    const batches = await tailer({ resumeFrom: saved }).poll();
    expect(batches[0]!.file.fingerprint).toBe(batches[1]!.file.fingerprint);
    expect(shape(batches)).toEqual([
      [0, 'resumed', ['{"a":3}']],
      [1, 'rotated', [header, '{"b":1}']],
    ]);
    expect(numbered(batches)).toEqual([
      [4, '{"a":3}'],
      [1, header],
      [2, '{"b":1}'],
    ]);
  });

  it('detects a truncate-and-rewrite that keeps the header line', async () => {
    await writeFile(log, withNewlines([header, '{"a":1}']));
    const t = tailer();
    await t.poll();
    await truncate(log, 0);
    await appendFile(log, withNewlines([header, '{"b":"a longer line than before"}', '{"b":2}']));
    expect(shape(await t.poll())).toEqual([[1, 'replaced', [header, '{"b":"a longer line than before"}', '{"b":2}']]]);
  });
});

describe('6: rename rotation while behind, with writes to the old fd after the rename', () => {
  it('drains the renamed file (backlog and late writes) before the new one, then closes it after rotateWaitMs', async () => {
    const writer = await open(log, 'a');
    await writer.write('{"a":1}\n');
    const t = tailer({ rotateWaitMs: 1000 });
    expect(texts(await t.poll())).toEqual(['{"a":1}']);
    await writer.write('{"a":2}\n{"a":3}\n');
    await rename(log, `${log}.1`);
    await writer.write('{"a":4}\n');
    await appendFile(log, '{"b":1}\n');
    const batches = await t.poll();
    expect(shape(batches)).toEqual([
      [0, undefined, ['{"a":2}', '{"a":3}', '{"a":4}']],
      [1, 'rotated', ['{"b":1}']],
    ]);
    // The old file's batch is resumable from the old file (as log.1); once it is caught up, the new file's position is.
    expect(batches[0]!.position).toMatchObject({ generation: 0, offset: 32, line: 4 });
    expect(batches[1]!.position).toMatchObject({ generation: 1, offset: 8, line: 1 });
    expect(t.status).toMatchObject({ state: 'following', draining: 1, generation: 1 });

    await writer.write('{"a":5}\n');
    const late = await t.poll();
    expect(numbered(late)).toEqual([[5, '{"a":5}']]);
    expect(late[0]).toMatchObject({ generation: 0, position: { generation: 1, offset: 8 } });

    clock += 1000;
    await writer.write('{"a":6');
    await writer.close();
    const ended = await t.poll();
    expect(ended.flatMap((b) => b.rejects)).toEqual([{ line: 6, reason: INCOMPLETE, raw: '{"a":6', generation: 0 }]);
    expect(t.status.draining).toBe(0);
    expect(t.position).toMatchObject({ generation: 1, offset: 8 });
  });

  it('waits for the new file when the rotation leaves the path missing for a while', async () => {
    await writeFile(log, '{"a":1}\n');
    const t = tailer();
    await t.poll();
    await rename(log, `${log}.1`);
    expect(await t.poll()).toEqual([]);
    expect(t.status.state).toBe('waiting-for-file');
    await writeFile(log, '{"b":1}\n');
    expect(shape(await t.poll())).toEqual([[1, 'rotated', ['{"b":1}']]]);
  });

  it('finishes a file rotated while the tailer was stopped, from the checkpoint, before the new one', async () => {
    await writeFile(log, withNewlines(jsonLines('a', 1, 3)));
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    await appendFile(log, withNewlines(jsonLines('a', 4, 5)));
    await rename(log, `${log}.1`);
    await writeFile(log, withNewlines(jsonLines('b', 1, 2)));
    const batches = await tailer({ resumeFrom: saved }).poll();
    expect(shape(batches)).toEqual([
      [0, 'resumed', ['{"a":4}', '{"a":5}']],
      [1, 'rotated', ['{"b":1}', '{"b":2}']],
    ]);
    expect(numbered(batches).map(([n]) => n)).toEqual([4, 5, 1, 2]);
  });
});

describe('7: copytruncate rotation', () => {
  it('restarts the generation at 0; lines written between the last read and the truncate are only in the copy', async () => {
    const writer = await open(log, 'a');
    await writer.write('{"a":1}\n{"a":2}\n');
    const t = tailer();
    expect(texts(await t.poll())).toEqual(['{"a":1}', '{"a":2}']);
    await writer.write('{"a":3}\n'); // inside the race window: copied, never read by us
    await copyFile(log, `${log}.1`);
    await truncate(log, 0);
    await writer.write('{"b":1}\n'); // O_APPEND: lands at the new end, offset 0
    await writer.close();
    const batches = await t.poll();
    expect(shape(batches)).toEqual([[1, 'truncated', ['{"b":1}']]]);
    expect(numbered(batches)).toEqual([[1, '{"b":1}']]);
  });
});

describe('8: truncate to 0, then quickly rewrite more bytes than the old offset', () => {
  it('is caught by the anchor although the file did not shrink', async () => {
    await writeFile(log, withNewlines(jsonLines('a', 1, 2)));
    const t = tailer();
    await t.poll();
    const oldSize = (await stat(log)).size;
    await truncate(log, 0);
    await appendFile(log, withNewlines(jsonLines('rewritten', 1, 5)));
    expect((await stat(log)).size).toBeGreaterThan(oldSize);
    const batches = await t.poll();
    expect(shape(batches)).toEqual([[1, 'replaced', jsonLines('rewritten', 1, 5)]]);
    expect(numbered(batches).map(([n]) => n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('is caught by the fingerprint when the rewrite keeps the bytes just before the offset', async () => {
    const body = withNewlines([`{"pad":"${'p'.repeat(300)}"}`]);
    await writeFile(log, `{"header":1}\n${body}`);
    const t = tailer();
    await t.poll();
    await writeFile(log, `{"header":2}\n${body}{"after":1}\n`);
    expect((await t.poll()).map((b) => [b.generation, b.event, b.lineNumbers.join()])).toEqual([[1, 'replaced', '1,2,3']]);
  });

  it('is caught even when the rewrite has exactly the old size and nothing is appended after it', async () => {
    await writeFile(log, '{"v":1}\n');
    const t = tailer();
    await t.poll();
    await writeFile(log, '{"v":2}\n');
    expect(shape(await t.poll())).toEqual([[1, 'replaced', ['{"v":2}']]]);
  });
});

describe('9: truncation or replacement while the tailer was not running', () => {
  async function checkpointThen(change: () => Promise<void>): Promise<TailBatch[]> {
    await writeFile(log, withNewlines(jsonLines('a', 1, 3)));
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    await change();
    return tailer({ resumeFrom: saved }).poll();
  }

  it('restarts from 0 after an offline truncation', async () => {
    const batches = await checkpointThen(async () => {
      await truncate(log, 0);
      await appendFile(log, '{"b":1}\n');
    });
    expect(shape(batches)).toEqual([[1, 'restarted-offline-change', ['{"b":1}']]]);
  });

  it('restarts from 0 after an offline in-place rewrite longer than the old offset', async () => {
    const batches = await checkpointThen(() => writeFile(log, withNewlines(jsonLines('b', 1, 6))));
    expect(shape(batches)).toEqual([[1, 'restarted-offline-change', jsonLines('b', 1, 6)]]);
  });

  it('restarts from 0 when only the first line changed: the anchor alone would not notice', async () => {
    const body = withNewlines([`{"pad":"${'p'.repeat(300)}"}`]);
    await writeFile(log, `{"header":1}\n${body}`);
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    await writeFile(log, `{"header":2}\n${body}{"after":1}\n`);
    const batches = await tailer({ resumeFrom: saved }).poll();
    expect(batches.map((b) => [b.event, b.count])).toEqual([['restarted-offline-change', 3]]);
  });

  it('restarts from 0 when the file was replaced by a rename over it', async () => {
    const batches = await checkpointThen(async () => {
      await writeFile(join(dir, 'next'), '{"b":1}\n');
      await rename(join(dir, 'next'), log);
    });
    expect(shape(batches)).toEqual([[1, 'restarted-offline-change', ['{"b":1}']]]);
  });
});

describe('10: delete and re-create, including inode reuse', () => {
  it('drains the deleted file, late writes included, then reads the new one from 0', async () => {
    const writer = await open(log, 'a');
    await writer.write('{"a":1}\n');
    const t = tailer({ rotateWaitMs: 1000 });
    await t.poll();
    await writer.write('{"a":2}\n');
    await unlink(log);
    await writer.write('{"a":3}\n');
    await writeFile(log, '{"b":1}\n');
    expect(shape(await t.poll())).toEqual([
      [0, undefined, ['{"a":2}', '{"a":3}']],
      [1, 'recreated', ['{"b":1}']],
    ]);
    await writer.close();
    clock += 1000;
    expect(await t.poll()).toEqual([]);
    expect(t.status.draining).toBe(0);
  });

  it('restarts from 0 when, offline, a new file got the old inode (same dev/ino, same header)', async () => {
    const header = '{"type":"header"}';
    await writeFile(log, withNewlines([header, '{"a":1}']));
    const before = await stat(log);
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    await unlink(log);
    await writeFile(log, withNewlines([header, '{"b":"a new file, longer than the old one"}']));
    // ext4 and tmpfs usually hand the freed inode straight back; either way the tailer must not continue at the old offset.
    const reused = (await stat(log)).ino === before.ino;
    const batches = await tailer({ resumeFrom: saved }).poll();
    expect(shape(batches)).toEqual([[1, 'restarted-offline-change', [header, '{"b":"a new file, longer than the old one"}']]]);
    expect(typeof reused).toBe('boolean');
  });

  it('restarts from 0 for an in-place rewrite, which is what inode reuse looks like (guaranteed same inode)', async () => {
    const header = '{"type":"header"}';
    await writeFile(log, withNewlines([header, '{"a":1}']));
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    const ino = (await stat(log)).ino;
    await writeFile(log, withNewlines([header, '{"b":"same inode, same header, more bytes"}']));
    expect((await stat(log)).ino).toBe(ino);
    const batches = await tailer({ resumeFrom: saved }).poll();
    expect(shape(batches)).toEqual([[1, 'restarted-offline-change', [header, '{"b":"same inode, same header, more bytes"}']]]);
  });
});

describe('11: file deleted while being read', () => {
  // Reading on from the open fd relies on POSIX unlink semantics; on Windows libuv opens files with FILE_SHARE_DELETE,
  // so the writer can still delete or rename the file, but this suite runs on POSIX only.
  it('reads the rest from the open fd', async () => {
    const all = jsonLines('n', 1, 200);
    await writeFile(log, withNewlines(all));
    const t = tailer({ maxBatchBytes: 512 });
    const first = await t.poll({ maxBatches: 1 });
    expect(texts(first).length).toBeGreaterThan(0);
    expect(texts(first).length).toBeLessThan(200);
    await unlink(log);
    const rest = await t.poll();
    expect([...texts(first), ...texts(rest)]).toEqual(all);
    expect(rest.every((b) => b.generation === 0 && b.data.length <= 512)).toBe(true);
    expect(t.status).toMatchObject({ state: 'waiting-for-file', draining: 0 });
  });
});

describe('batch size per poll', () => {
  it("cuts batches at the size a poll asks for, up to the tailer's, and at the tailer's again after it", async () => {
    // 100 lines of 20 bytes each ({"n":"line-NNNNNN"} and a newline).
    const all = Array.from({ length: 100 }, (_, i) => JSON.stringify({ n: `line-${String(i + 1).padStart(6, '0')}` }));
    expect(all.every((l) => l.length === 19)).toBe(true);
    await writeFile(log, withNewlines(all));
    const t = tailer({ maxBatchBytes: 400 });
    // A batch takes lines while they fit in the size asked for: 100 bytes are 5 lines, 400 are 20.
    const small = await t.poll({ maxBatches: 1, maxBatchBytes: 100 });
    const larger = await t.poll({ maxBatches: 1, maxBatchBytes: 10_000 });
    const plain = await t.poll({ maxBatches: 1 });
    expect([small, larger, plain].map((b) => texts(b))).toEqual([all.slice(0, 5), all.slice(5, 25), all.slice(25, 45)]);
  });
});

describe('12: crash between applying lines and persisting the checkpoint', () => {
  it('re-delivers exactly the lines after the persisted batch: duplicates, never loss', async () => {
    const all = jsonLines('n', 1, 60);
    await writeFile(log, withNewlines(all));
    const t = tailer({ maxBatchBytes: 128 });
    const batches = await t.poll();
    expect(batches.length).toBeGreaterThan(3);
    await t.close();
    for (let i = 0; i < batches.length; i++) {
      const resumed = await tailer({ resumeFrom: batches[i]!.position, maxBatchBytes: 128 }).poll();
      expect(texts(resumed)).toEqual(texts(batches.slice(i + 1)));
      expect(numbered(resumed)).toEqual(numbered(batches.slice(i + 1)));
    }
  });

  it('round-trips the position through the checkpoint store', async () => {
    await writeFile(log, '{"a":1}\n');
    const t = tailer();
    const [batch] = await t.poll();
    const store = join(dir, 'state', 'tail.json');
    await writeCheckpoint(store, batch!.position);
    await t.close();
    const { value, warning } = await readCheckpoint(store, TailPositionSchema);
    expect(warning).toBeUndefined();
    expect(value).toEqual(batch!.position);
    await appendFile(log, '{"a":2}\n');
    expect(shape(await tailer({ resumeFrom: value }).poll())).toEqual([[0, 'resumed', ['{"a":2}']]]);
  });
});

describe('13: checkpoint corrupt, missing or from a newer version', () => {
  it('falls back to the start policy', async () => {
    await writeFile(log, withNewlines(jsonLines('old', 1, 3)));
    const store = join(dir, 'tail.json');
    await writeFile(store, '{"version":1,"value":{"file":{"dev":"1"');
    const { value, warning } = await readCheckpoint(store, TailPositionSchema);
    expect(value).toBeUndefined();
    expect(warning).toMatch(/not valid JSON/);
    const t = tailer({ start: 'end', resumeFrom: value });
    expect(await t.poll()).toEqual([]);
    await appendFile(log, '{"new":4}\n');
    expect(numbered(await t.poll())).toEqual([[4, '{"new":4}']]);
  });

  it('ignores a structurally invalid resumeFrom and says so', async () => {
    await writeFile(log, '{"a":1}\n');
    const bogus = { file: { dev: 'x', ino: '1', fingerprint: '' }, offset: -1, line: 0, anchor: 'no', generation: 0 };
    const t = tailer({ resumeFrom: bogus });
    expect(t.status.lastError).toMatch(/invalid resumeFrom/);
    expect(texts(await t.poll())).toEqual(['{"a":1}']);
  });
});

describe('14: mtime not updated, or skewed', () => {
  it('follows appends and catches rewrites with mtime frozen in the past or the future', async () => {
    const freeze = (when: Date) => utimes(log, when, when);
    await writeFile(log, '{"a":1}\n');
    await freeze(new Date('2001-01-01'));
    const t = tailer();
    expect(texts(await t.poll())).toEqual(['{"a":1}']);
    await appendFile(log, '{"a":2}\n');
    await freeze(new Date('2001-01-01'));
    expect(texts(await t.poll())).toEqual(['{"a":2}']);
    await writeFile(log, '{"b":1}\n{"b":2}\n');
    await freeze(new Date('2099-01-01'));
    expect(shape(await t.poll())).toEqual([[1, 'replaced', ['{"b":1}', '{"b":2}']]]);
  });
});

describe('15: a burst of a million lines', () => {
  it('comes in batches within maxBatchBytes, read only as fast as they are pulled', async () => {
    const n = 1_000_000;
    const writer = await open(log, 'w');
    for (let from = 0; from < n; from += 100_000) {
      let chunk = '';
      for (let i = from; i < from + 100_000; i++) chunk += `{"i":${i}}\n`;
      await writer.write(chunk);
    }
    await writer.close();
    const maxBatchBytes = 64 * 1024;
    const t = tailer({ maxBatchBytes });
    const iterator = t[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    // Nothing read ahead of what was pulled.
    expect(t.position.offset).toBe(first.value!.data.length);
    expect(t.position.offset).toBeLessThanOrEqual(maxBatchBytes);
    let count = first.value!.count;
    let next = 1 + first.value!.count;
    let ordered = first.value!.lineNumbers[0] === 1;
    let withinBudget = true;
    while (count < n) {
      const { value, done } = await iterator.next();
      if (done) break;
      withinBudget &&= value.data.length <= maxBatchBytes;
      ordered &&= value.lineNumbers[0] === next && value.lineNumbers[value.count - 1] === next + value.count - 1;
      next += value.count;
      count += value.count;
      if (count === n) expect(textOf(value).at(-1)).toBe(`{"i":${n - 1}}`);
    }
    expect({ count, ordered, withinBudget }).toEqual({ count: n, ordered: true, withinBudget: true });
    await t.close();
    expect((await iterator.next()).done).toBe(true);
  });
});

describe('16: invalid UTF-8, BOM, CRLF, NUL, U+2028, escaped newlines', () => {
  it('rejects what is not UTF-8 or holds NUL, strips BOM and CR, keeps the rest as content', async () => {
    await writeFile(
      log,
      Buffer.concat([
        Buffer.from('\uFEFF{"bom":1}\r\n'),
        Buffer.from('{"crlf":2}\r\n'),
        Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x33, 0x7d, 0x0a]),
        Buffer.from('{"nul":"a\u0000b"}\n'),
        Buffer.from('{"sep":"a\u2028b"}\n'),
        Buffer.from('{"esc":"a\\nb"}\n'),
        Buffer.from('\n  \t\r\n'),
        Buffer.from('{"last":9}\n'),
      ]),
    );
    const batches = await tailer().poll();
    expect(numbered(batches)).toEqual([
      [1, '{"bom":1}'],
      [2, '{"crlf":2}'],
      [5, '{"sep":"a\u2028b"}'],
      [6, '{"esc":"a\\nb"}'],
      [9, '{"last":9}'],
    ]);
    expect(texts(batches).map((l) => JSON.parse(l) as unknown)).toHaveLength(5);
    expect(batches.flatMap((b) => b.rejects)).toEqual([
      { line: 3, reason: 'line is not valid UTF-8', raw: '{"\uFFFD\uFFFD":3}', generation: 0 },
      { line: 4, reason: 'line contains a NUL byte', raw: '{"nul":"a\u0000b"}', generation: 0 },
    ]);
  });

  it('rejects a line cut short after a colon, a bracket or a comma, so DuckDB cannot read it into the next line', async () => {
    await writeFile(log, '{"a":1,"q":\n{"b":2}\n{"c":[\n{"d":4}\n{"e":[1,\n{"f":6}\n{"g":"cut\n');
    const batches = await tailer().poll();
    expect(numbered(batches)).toEqual([
      [2, '{"b":2}'],
      [4, '{"d":4}'],
      [6, '{"f":6}'],
      [7, '{"g":"cut'],
    ]);
    expect(batches.flatMap((b) => b.rejects).map((r) => [r.line, r.reason, r.raw])).toEqual([
      [1, 'not a valid JSON object', '{"a":1,"q":'],
      [3, 'not a valid JSON object', '{"c":['],
      [5, 'not a valid JSON object', '{"e":[1,'],
    ]);
  });

  it('accepts a multibyte character split across two writes', async () => {
    const e = Buffer.from('é');
    await writeFile(log, Buffer.concat([Buffer.from('{"e":"'), e.subarray(0, 1)]));
    const t = tailer();
    expect(await t.poll()).toEqual([]);
    await appendFile(log, Buffer.concat([e.subarray(1), Buffer.from('"}\n')]));
    const batches = await t.poll();
    expect(texts(batches)).toEqual(['{"e":"é"}']);
    expect(batches.flatMap((b) => b.rejects)).toEqual([]);
  });
});

describe('17: fs.watch missing or duplicating events', () => {
  it('keeps delivering by polling when watch reports nothing', async () => {
    await writeFile(log, '{"a":1}\n');
    const t = tailer({ watch: false, pollIntervalMs: 20 });
    const iterator = t[Symbol.asyncIterator]();
    expect(textOf((await iterator.next()).value as TailBatch)).toEqual(['{"a":1}']);
    const pending = iterator.next();
    await appendFile(log, '{"a":2}\n');
    expect(textOf((await pending).value as TailBatch)).toEqual(['{"a":2}']);
    await t.close();
    expect((await iterator.next()).done).toBe(true);
  });

  it('coalesces bursts of duplicate and unrelated watch events without duplicating lines', async () => {
    const all = jsonLines('n', 1, 200);
    await writeFile(log, '');
    const t = tailer({ watch: true, pollIntervalMs: 50 });
    const writing = (async () => {
      for (let i = 0; i < all.length; i += 10) {
        await appendFile(log, withNewlines(all.slice(i, i + 10)));
        await utimes(log, new Date(), new Date());
        await writeFile(join(dir, `noise-${i}`), 'x');
      }
    })();
    const seen: string[] = [];
    for await (const batch of t) {
      seen.push(...textOf(batch));
      if (seen.length >= all.length) break;
    }
    await writing;
    expect(seen).toEqual(all);
  });

  it('ends the iterator on abort, and poll then throws CancelledError', async () => {
    await writeFile(log, '');
    const controller = new AbortController();
    const t = tailer({ signal: controller.signal, pollIntervalMs: 20 });
    const iterator = t[Symbol.asyncIterator]();
    const pending = iterator.next();
    controller.abort();
    expect((await pending).done).toBe(true);
    await expect(t.poll()).rejects.toThrow('Cancelled');
    expect(t.status.state).toBe('closed');
  });
});

describe('21: restart while the writer is idle and nothing changed', () => {
  it('re-emits zero lines', async () => {
    await writeFile(log, `${withNewlines(jsonLines('a', 1, 5))}{"partial":`);
    const t = tailer();
    await t.poll();
    const saved = t.position;
    await t.close();
    const again = tailer({ resumeFrom: saved });
    const batches = await again.poll();
    expect(batches.map((b) => [b.event, b.count, b.rejects.length])).toEqual([['resumed', 0, 0]]);
    expect(again.position).toEqual(saved);
    expect(await again.poll()).toEqual([]);
  });

  it('starts after the last complete line with start: end, and still completes the partial last line', async () => {
    await writeFile(log, `${withNewlines(jsonLines('a', 1, 5))}{"a":`);
    const t = tailer({ start: 'end' });
    expect(await t.poll()).toEqual([]);
    expect(t.position).toMatchObject({ offset: 40, line: 5 });
    await appendFile(log, '6}\n');
    expect(numbered(await t.poll())).toEqual([[6, '{"a":6}']]);
  });
});

describe('22: symlinked log path swapped to a new target', () => {
  it('is a rotation: the old target is drained, the new one read from 0', async () => {
    const blue = join(dir, 'blue.ndjson');
    const green = join(dir, 'green.ndjson');
    await writeFile(blue, '{"blue":1}\n');
    await writeFile(green, '{"green":1}\n');
    await symlink(blue, log);
    const t = tailer();
    expect(texts(await t.poll())).toEqual(['{"blue":1}']);
    await appendFile(blue, '{"blue":2}\n');
    await symlink(green, `${log}.next`);
    await rename(`${log}.next`, log);
    expect(shape(await t.poll())).toEqual([
      [0, undefined, ['{"blue":2}']],
      [1, 'rotated', ['{"green":1}']],
    ]);
  });
});

describe('Tailer', () => {
  it('reads a file that appears after the first poll from its start, whatever the start policy', async () => {
    const t = tailer({ start: 'end' });
    expect(await t.poll()).toEqual([]);
    expect(t.status.state).toBe('waiting-for-file');
    await writeFile(log, '{"a":1}\n');
    expect(shape(await t.poll())).toEqual([[0, undefined, ['{"a":1}']]]);
  });

  it('returns nothing after close, and keeps its last position', async () => {
    await writeFile(log, '{"a":1}\n');
    const t = tailer();
    await t.poll();
    const position = t.position;
    await t.close();
    expect(await t.poll()).toEqual([]);
    expect(t.position).toEqual(position);
    expect(t.status.state).toBe('closed');
  });
});

describe('reused batch memory (reuseBuffers)', () => {
  // Lines of 1 kB make batches larger than the slab Node carves small buffers from (4 kB), so `.buffer` tells batches apart.
  const pad = 'x'.repeat(1000);
  const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `{"n":${from + i},"p":"${pad}"}`);

  it('lends each poll the memory the previous poll handed out, with the right lines in it', async () => {
    await writeFile(log, lines(0, 3).join('\n') + '\n');
    const t = tailer({ reuseBuffers: true });
    const first = await t.poll();
    expect(numbered(first)).toEqual(lines(0, 3).map((text, i) => [i + 1, text]));
    const memory = first[0]!.data.buffer;
    await appendFile(log, lines(3, 2).join('\n') + '\n');
    const second = await t.poll();
    expect(second[0]!.data.buffer).toBe(memory);
    expect(numbered(second)).toEqual(lines(3, 2).map((text, i) => [i + 4, text]));
  });

  it('never shares memory between the batches of one poll, nor across polls when off', async () => {
    await writeFile(log, lines(0, 40).join('\n') + '\n');
    const reused = tailer({ reuseBuffers: true, maxBatchBytes: 8000, maxLineBytes: 2000 });
    const batches = await reused.poll();
    expect(batches.length).toBeGreaterThan(3);
    expect(new Set(batches.map((b) => b.data.buffer)).size).toBe(batches.length);
    expect(numbered(batches)).toEqual(lines(0, 40).map((text, i) => [i + 1, text]));

    const fresh = tailer({ maxBatchBytes: 8000, maxLineBytes: 2000 });
    const before = await fresh.poll({ maxBatches: 1 });
    const kept = before[0]!.data.toString();
    const after = await fresh.poll({ maxBatches: 1 });
    expect(after[0]!.data.buffer).not.toBe(before[0]!.data.buffer);
    expect(before[0]!.data.toString()).toBe(kept);
  });
});
