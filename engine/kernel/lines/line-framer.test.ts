import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Tailer, type TailBatch } from '../../speed/tailer.js';
import { frameNdjson, SKIP_KEY } from './frame-ndjson.js';
import { LineFramer, RAW_LIMIT, type LineSink } from './line-framer.js';
import type * as ReadBytes from './read-bytes.js';

/*
 * The lake's import and the live tailer frame NDJSON with the same line framer: for any bytes, cut into chunks anywhere,
 * both give the same lines with the same numbers, the same rejects and the same line in progress, and so does the
 * reference model below, written from the rules (line-framer.ts) and not from the code.
 */

/** Where the import's reads are cut: frameNdjson reads the file through readBytes, which yields these chunks. */
const cuts = vi.hoisted(() => ({ at: [] as number[] }));

vi.mock('./read-bytes.js', async (importOriginal) => {
  const actual = await importOriginal<typeof ReadBytes>();
  const fs = await import('node:fs/promises');
  return {
    ...actual,
    async *readBytes(path: string): AsyncGenerator<Buffer> {
      const bytes = await fs.readFile(path);
      let from = 0;
      for (const at of [...cuts.at, bytes.length]) {
        if (at <= from || at > bytes.length) continue;
        yield bytes.subarray(from, at);
        from = at;
      }
    },
  };
});

interface Reject {
  line: number;
  reason: string;
  raw: string;
}

/** What a framing gives. Lines as latin1 text: one character per byte, so any bytes compare exactly. */
interface Framed {
  lines: [number, string][];
  blank: number[];
  rejects: Reject[];
  /** The line still waiting for its newline. */
  pending?: { line: number; bytes: number };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The rules, one line at a time, over the whole input at once. */
function model(input: Buffer, maxLineBytes: number): Framed {
  const out: Framed = { lines: [], blank: [], rejects: [] };
  const parts: Buffer[] = [];
  let from = 0;
  for (let nl = input.indexOf(10); nl >= 0; nl = input.indexOf(10, from)) {
    parts.push(input.subarray(from, nl));
    from = nl + 1;
  }
  parts.forEach((whole, i) => {
    const line = i + 1;
    const bom = line === 1 && whole.subarray(0, 3).equals(BOM) ? 3 : 0;
    const body = whole.subarray(bom);
    if (whole.length > maxLineBytes) {
      const reason = `line is ${whole.length} bytes, longer than the ${maxLineBytes}-byte limit`;
      out.rejects.push({ line, reason, raw: whole.subarray(bom, RAW_LIMIT).toString('utf8') });
      return;
    }
    const content = body.at(-1) === 13 ? body.subarray(0, -1) : body;
    const reject = (reason: string) => out.rejects.push({ line, reason, raw: content.subarray(0, RAW_LIMIT).toString('utf8') });
    const text = content.toString('latin1');
    if (/^[ \t\r]*$/.test(text)) out.blank.push(line);
    else if (!isValidUtf8(content)) reject('line is not valid UTF-8');
    else if (content.includes(0)) reject('line contains a NUL byte');
    else if (/[:[,][ \t\r]*$/.test(text)) reject('not a valid JSON object');
    else out.lines.push([line, text]);
  });
  if (from < input.length) out.pending = { line: parts.length + 1, bytes: input.length - from };
  return out;
}

/** The import: frameNdjson over the file, its reads cut at `at`; the lines are the rows of its line-aligned copy. */
async function lakeFraming(dir: string, input: Buffer, maxLineBytes: number, at: number[]): Promise<Framed> {
  const path = join(dir, 'lake.ndjson');
  const copyPath = join(dir, 'lake-copy.ndjson');
  await writeFile(path, input);
  cuts.at = at;
  // Holding the incomplete tail, as for a log a writer appends to: the copy is always written.
  const frame = await frameNdjson({
    path,
    gzip: false,
    fromOffset: 0,
    fromLine: 0,
    maxLineBytes,
    holdIncompleteTail: true,
    copyPath,
  });
  const rows = (await readFile(copyPath)).toString('latin1').split('\n').slice(0, -1);
  const rejected = new Set(frame.rejects.map((r) => r.line));
  const out: Framed = { lines: [], blank: [], rejects: frame.rejects };
  rows.forEach((row, i) => {
    const line = frame.firstRowLine + i;
    if (row !== `{"${SKIP_KEY}":1}`) out.lines.push([line, row]);
    else if (!rejected.has(line)) out.blank.push(line);
  });
  expect(frame.blankLines).toBe(out.blank.length);
  if (frame.heldTail) out.pending = frame.heldTail;
  return out;
}

/** The tailer: the file written in the chunks `at` cuts, polled after each write, in batches of up to `batchBytes`. */
async function tailerFraming(dir: string, input: Buffer, maxLineBytes: number, at: number[], batchBytes: number) {
  const path = join(dir, 'tail.ndjson');
  await writeFile(path, '');
  const tailer = new Tailer({ path, start: 'beginning', maxLineBytes, maxBatchBytes: batchBytes, watch: false });
  const batches: TailBatch[] = [];
  try {
    let from = 0;
    for (const end of [...at, input.length]) {
      if (end < from || end > input.length) continue;
      await appendFile(path, input.subarray(from, end));
      from = end;
      batches.push(...(await tailer.poll()));
    }
    const out: Omit<Framed, 'blank'> = { lines: [], rejects: [] };
    for (const batch of batches) {
      const lines = batch.data.toString('latin1').split('\n').slice(0, -1);
      expect(lines).toHaveLength(batch.count);
      lines.forEach((text, i) => out.lines.push([batch.lineNumbers[i] as number, text]));
      out.rejects.push(...batch.rejects.map(({ line, reason, raw }) => ({ line, reason, raw })));
    }
    const incomplete = tailer.status.incompleteLine;
    if (incomplete) out.pending = { line: incomplete.line, bytes: incomplete.bytes };
    return out;
  } finally {
    await tailer.close();
  }
}

/**
 * The kernel framer alone, fed chunks cut at `at`, with a consumer that refuses lines as `refusals` says, and then, as
 * the tailer does, drops the line in progress and feeds again from the refused line's start. `resumeAt`: a new framer
 * takes over at that line boundary, as after a checkpoint or for a grown file.
 */
function coreFraming(input: Buffer, maxLineBytes: number, at: number[], refusals: boolean[], resumeAt?: number): Framed {
  const out: Framed = { lines: [], blank: [], rejects: [] };
  const refuse = [...refusals];
  const sink: LineSink = {
    line: (buf, start, end, line) => out.lines.push([line, buf.toString('latin1', start, end)]),
    blank: (line) => out.blank.push(line),
    reject: (line, reason, raw) => out.rejects.push({ line, reason, raw }),
    admits: () => !refuse.shift(),
  };
  let framer = new LineFramer({ maxLineBytes });
  // The first line boundary at or after resumeAt: the chunks are cut there too.
  const newline = resumeAt === undefined ? -1 : input.indexOf(10, Math.max(0, resumeAt - 1));
  let boundary = newline < 0 ? undefined : newline + 1;
  const ends = [...at, ...(boundary === undefined ? [] : [boundary]), input.length]
    .filter((end) => end <= input.length)
    .sort((a, b) => a - b);
  let offset = 0;
  /** Just after the last line framed. */
  let framed = 0;
  while (offset < input.length) {
    if (offset === boundary) {
      framer = new LineFramer({ maxLineBytes, line: framer.line, atFileStart: false });
      boundary = undefined;
    }
    const end = ends.find((e) => e > offset) ?? input.length;
    const chunk = input.subarray(offset, end);
    const taken = framer.push(chunk, sink);
    if (taken < chunk.length) {
      if (taken > 0) framed = offset + taken;
      framer.dropPending();
      offset = framed;
      continue;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= 0) framed = offset + last + 1;
    offset = end;
  }
  if (framer.pendingBytes > 0) out.pending = { line: framer.line + 1, bytes: framer.pendingBytes };
  return out;
}

function withoutBlank({ lines, rejects, pending }: Framed): Omit<Framed, 'blank'> {
  return pending ? { lines, rejects, pending } : { lines, rejects };
}

const bytesOf = (text: string) => Buffer.from(text);

/** Pieces of a line: JSON objects, cut-short lines, blanks, bytes that are not UTF-8, NULs, BOMs, any bytes at all. */
const piece = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('{"a":1}', '{"é":"€"}', '{"s":"a\u2028b"}', '{"e":"😀"}', '{"q":"x\\ny"}').map(bytesOf),
  },
  { weight: 2, arbitrary: fc.constantFrom('{"a":', '{"b":[', '{"c":[1,', '{"d": \t', 'x', '[1]').map(bytesOf) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t', ' \t ', '\r').map(bytesOf) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom([0xff], [0xfe, 0xff], [0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0], [0x0d], [...BOM])
      .map((b) => Buffer.from(b)),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 6000 }), fc.constantFrom('z', 'é', '\u00ff'))
      .map(([n, c]) => Buffer.from(c.repeat(n))),
  },
);

const line = fc
  .record({
    bom: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    parts: fc.array(piece, { maxLength: 3 }),
    end: fc.constantFrom('\n', '\n', '\r\n', '\r\r\n'),
  })
  .map(({ bom, parts, end }) => Buffer.concat([bom ? BOM : Buffer.alloc(0), ...parts, Buffer.from(end)]));

const input = fc
  .record({
    lines: fc.array(line, { maxLength: 12 }),
    tail: fc.array(piece, { maxLength: 2 }),
  })
  .map(({ lines, tail }) => Buffer.concat([...lines, ...tail]));

/** Small limits, so that many lines are over them; and limits over RAW_LIMIT, so that a held line's raw text is cut. */
const maxLineBytes = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 4000, max: 8000 }));

/** Chunk boundaries: positions into the input (those past its end are left out). */
const boundaries = fc.array(fc.nat({ max: 20_000 }), { maxLength: 8 }).map((a) => [...new Set(a)].sort((x, y) => x - y));

describe('one line framer for the lake and the tailer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recount-line-framer-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('frames any bytes, cut anywhere, as the reference model does, through the import and through the tailer', async () => {
    await fc.assert(
      fc.asyncProperty(
        input,
        maxLineBytes,
        boundaries,
        boundaries,
        fc.integer({ min: 1, max: 256 }),
        async (bytes, max, lakeCuts, tailCuts, batchBytes) => {
          const expected = model(bytes, max);
          const lake = await lakeFraming(dir, bytes, max, lakeCuts);
          expect(lake).toEqual(expected);
          const tail = await tailerFraming(dir, bytes, max, tailCuts, batchBytes);
          // The tailer leaves blank lines out of its batches; their numbers are skipped all the same.
          expect(tail).toEqual(withoutBlank(expected));
        },
      ),
      { numRuns: Number(process.env.LINE_FRAMER_RUNS ?? 60) },
    );
  });

  it('frames the same, cut anywhere, refused lines fed again, and resumed at a line boundary', () => {
    fc.assert(
      fc.property(
        input,
        maxLineBytes,
        boundaries,
        fc.array(fc.boolean(), { maxLength: 20 }),
        fc.nat({ max: 20_000 }),
        (bytes, max, at, refusals, resume) => {
          expect(coreFraming(bytes, max, at, refusals, resume)).toEqual(model(bytes, max));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('strips a BOM at the start of the file only: at a later line start it is data, in the import and the tailer', async () => {
    const bytes = Buffer.from('\uFEFF{"a":1}\n\uFEFF{"b":2}\n\uFEFF\n');
    const expected: Framed = {
      lines: [
        [1, '{"a":1}'],
        [2, Buffer.from('\uFEFF{"b":2}').toString('latin1')],
        [3, Buffer.from('\uFEFF').toString('latin1')],
      ],
      blank: [],
      rejects: [],
    };
    expect(model(bytes, 100)).toEqual(expected);
    expect(await lakeFraming(dir, bytes, 100, [])).toEqual(expected);
    expect(await tailerFraming(dir, bytes, 100, [2], 100)).toEqual(withoutBlank(expected));
  });

  it('counts a BOM and a CR in a line against the limit, however the line was chunked', async () => {
    // Line 1 is 10 bytes as it stands, 7 once its BOM is stripped; line 3 is 10 bytes with its CR.
    const bytes = Buffer.from('\uFEFF{"a":1}\n{"b":2}\r\n{"c":333}\r\n');
    const tooLong = 'line is 10 bytes, longer than the 9-byte limit';
    const expected: Framed = {
      lines: [[2, '{"b":2}']],
      blank: [],
      rejects: [
        { line: 1, reason: tooLong, raw: '{"a":1}' },
        { line: 3, reason: tooLong, raw: '{"c":333}\r' },
      ],
    };
    expect(model(bytes, 9)).toEqual(expected);
    for (const at of [[], [...bytes.keys()]]) {
      expect(await lakeFraming(dir, bytes, 9, at)).toEqual(expected);
      expect(await tailerFraming(dir, bytes, 9, at, 64)).toEqual(withoutBlank(expected));
    }
  });
});
