import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frameNdjson, type FrameRequest } from './frame-ndjson.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('frameNdjson hashes', () => {
  let dir: string;
  let request: FrameRequest;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recount-frame-'));
    request = {
      path: join(dir, 'events.ndjson'),
      gzip: false,
      fromOffset: 0,
      fromLine: 0,
      maxLineBytes: 1024,
      holdIncompleteTail: false,
      copyPath: join(dir, 'copy.ndjson'),
    };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const lines = '{"a":1}\n{"a":2}\n';
  const tail = '{"a":3';

  it('hash the whole file, and the bytes up to the last complete line', async () => {
    await writeFile(request.path, lines);
    expect(await frameNdjson(request)).toMatchObject({ sha256: sha256(lines), fileSha256: sha256(lines), endOffset: 16 });

    await writeFile(request.path, lines + tail);
    expect(await frameNdjson(request)).toMatchObject({ sha256: sha256(lines + tail), fileSha256: sha256(lines + tail) });
    expect(await frameNdjson({ ...request, holdIncompleteTail: true })).toMatchObject({
      sha256: sha256(lines),
      fileSha256: sha256(lines + tail),
      endOffset: 16,
      heldTail: { line: 3, bytes: tail.length },
    });
  });

  it('check a grown file against the hash of what was imported, and hash from its first byte', async () => {
    const more = '{"a":4}\n';
    await writeFile(request.path, lines + more + tail);
    const resumed = { ...request, fromOffset: 16, fromLine: 2, holdIncompleteTail: true, expectedPrefixSha256: sha256(lines) };
    expect(await frameNdjson(resumed)).toMatchObject({
      prefixMatches: true,
      sha256: sha256(lines + more),
      fileSha256: sha256(lines + more + tail),
      lines: 1,
      endLine: 3,
    });
    expect(await frameNdjson({ ...resumed, expectedPrefixSha256: sha256('{"a":9}\n{"a":2}\n') })).toMatchObject({
      prefixMatches: false,
    });
  });
});
